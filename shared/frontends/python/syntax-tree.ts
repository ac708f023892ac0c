/**
 * The Python syntax tree of a source text, parsed once. Loading a DAG file reads its text several
 * times — for the local modules it imports, for its source bundle, and to evaluate it — and parsing a
 * large file is the biggest part of each; the trees of the last few texts are kept (a tree is immutable).
 */
import type { Tree } from '@lezer/common';
import { parser } from '@lezer/python';

const KEPT = 8;
const trees = new Map<string, Tree>();

export function pythonSyntaxTree(source: string): Tree {
  const known = trees.get(source);
  if (known) {
    trees.delete(source);
    trees.set(source, known);
    return known;
  }
  const tree = parser.parse(source);
  trees.set(source, tree);
  if (trees.size > KEPT) trees.delete(trees.keys().next().value as string);
  return tree;
}

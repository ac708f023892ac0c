/**
 * The Python syntax tree of a source text, parsed once. Loading a DAG file reads its text several
 * times — for the local modules it imports, for its source bundle, and to evaluate it — and parsing a
 * large file is the biggest part of each; the trees of the last few texts are kept (a tree is immutable).
 */
import type { Tree } from '@lezer/common';
import { parser } from '@lezer/python';

/**
 * `compute` with its answers for the last `kept` texts remembered (least recently asked for first
 * out). The answers must not be changed by their users: they are shared.
 */
export function perText<T>(kept: number, compute: (source: string) => T): (source: string) => T {
  const answers = new Map<string, T>();
  return (source) => {
    if (answers.has(source)) {
      const known = answers.get(source) as T;
      answers.delete(source);
      answers.set(source, known);
      return known;
    }
    const answer = compute(source);
    answers.set(source, answer);
    if (answers.size > kept) answers.delete(answers.keys().next().value as string);
    return answer;
  };
}

export const pythonSyntaxTree: (source: string) => Tree = perText(8, (source) => parser.parse(source));

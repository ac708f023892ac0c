/**
 * The modules a Python file imports, read statically (the file is never run). Every import statement
 * counts, wherever it is (top level, functions, `if`/`try` blocks): a task's python_callable often
 * imports its helpers inside the function, and those helpers are part of what the task runs.
 */
import type { SyntaxNode } from '@lezer/common';
import { perText, pythonSyntaxTree } from '../frontends/python/syntax-tree.js';

/** `import a.b` → {module: 'a.b', level: 0, names: []}; `from ..x import y, z` → {module: 'x', level: 2, names: ['y', 'z']}. */
export interface PythonImport {
  module: string;
  /** Leading dots of a relative import (0: absolute). */
  level: number;
  /** Names after `from … import` (they may be submodules); `['*']` for a star import. */
  names: string[];
}

/**
 * Statements that hold no statement (Python has no statement inside an expression): the walk skips
 * what is below them, most of a DAG file (its tasks' assignments and `a >> b` lines). A `;` line
 * (StatementGroup) and every compound statement are walked into.
 */
const SIMPLE_STATEMENTS: ReadonlySet<string> = new Set([
  'AssignStatement',
  'UpdateStatement',
  'ExpressionStatement',
  'DeleteStatement',
  'PassStatement',
  'BreakStatement',
  'ContinueStatement',
  'ReturnStatement',
  'YieldStatement',
  'PrintStatement',
  'RaiseStatement',
  'ScopeStatement',
  'AssertStatement',
  'TypeDefinition',
]);

/** The imports of a text; those of the last few are kept: loading a DAG file asks twice (its local modules, its source bundle). */
export const pythonImports: (source: string) => readonly PythonImport[] = perText(8, (source) => {
  const found: PythonImport[] = [];
  const text = (n: SyntaxNode) => source.slice(n.from, n.to);
  pythonSyntaxTree(source).iterate({
    enter: (ref) => {
      if (SIMPLE_STATEMENTS.has(ref.name)) return false;
      if (ref.name !== 'ImportStatement') return undefined;
      const children: SyntaxNode[] = [];
      for (let c = ref.node.firstChild; c; c = c.nextSibling) children.push(c);
      if (children[0]?.name === 'import') found.push(...plainImports(children.slice(1), text));
      else found.push(fromImport(children, text));
      return false;
    },
  });
  return Object.freeze(found);
});

/** `import a.b.c as x, d`: one entry per dotted name. */
function plainImports(children: readonly SyntaxNode[], text: (n: SyntaxNode) => string): PythonImport[] {
  const imports: PythonImport[] = [];
  let parts: string[] = [];
  let alias = false;
  const flush = () => {
    if (parts.length > 0) imports.push({ module: parts.join('.'), level: 0, names: [] });
    parts = [];
    alias = false;
  };
  for (const c of children) {
    if (c.name === ',') flush();
    else if (c.name === 'as') alias = true;
    else if (c.name === 'VariableName' && !alias) parts.push(text(c));
  }
  flush();
  return imports;
}

/** `from [.]*module import names`. */
function fromImport(children: readonly SyntaxNode[], text: (n: SyntaxNode) => string): PythonImport {
  const importAt = children.findIndex((c) => c.name === 'import');
  let dots = 0;
  const moduleParts: string[] = [];
  for (const c of children.slice(1, importAt)) {
    if (c.name === '.') dots += 1;
    else if (c.name === 'Ellipsis' || text(c) === '...') dots += 3;
    else if (c.name === 'VariableName') moduleParts.push(text(c));
  }
  // lezer gives the dots between the parts of a dotted name as '.' nodes too.
  const level = moduleParts.length > 0 ? dots - (moduleParts.length - 1) : dots;
  const names: string[] = [];
  let alias = false;
  for (const c of children.slice(importAt + 1)) {
    if (c.name === '*') names.push('*');
    else if (c.name === 'as') alias = true;
    else if (c.name === 'VariableName') {
      if (!alias) names.push(text(c));
      alias = false;
    }
  }
  return { module: moduleParts.join('.'), level, names };
}

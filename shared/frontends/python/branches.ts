/**
 * Branch targets: the task ids a branch callable (BranchPythonOperator, @task.branch) can return,
 * read from its `return` statements without running it. Only literal strings, lists/tuples of
 * them, conditional expressions of those, and names bound to such constants count; anything else
 * makes the result unknown (undefined), since a partial list would mislead the validator.
 */
import type { Expr, Stmt } from './ast.js';
import type { FunctionV, Value } from './values.js';

function staticStrings(v: Value | undefined): string[] | undefined {
  if (!v) return undefined;
  if (v.t === 'str') return [v.v];
  if (v.t === 'none') return [];
  if (v.t === 'list' || v.t === 'tuple') {
    const out: string[] = [];
    for (const item of v.items) {
      if (item.t !== 'str') return undefined;
      out.push(item.v);
    }
    return out;
  }
  return undefined;
}

function returnedIds(e: Expr | null, fn: FunctionV): string[] | undefined {
  if (e === null) return [];
  switch (e.k) {
    case 'str':
      return [e.value];
    case 'const':
      return e.value === 'None' ? [] : undefined;
    case 'list':
    case 'tuple': {
      const out: string[] = [];
      for (const item of e.items) {
        const ids = returnedIds(item, fn);
        if (ids === undefined || item.k === 'list' || item.k === 'tuple') return undefined;
        out.push(...ids);
      }
      return out;
    }
    case 'ifexp': {
      const a = returnedIds(e.body, fn);
      const b = returnedIds(e.orelse, fn);
      return a && b ? [...a, ...b] : undefined;
    }
    case 'name': {
      // Parameters and locals shadow module constants; only unshadowed names are constants.
      if (fn.node.params.some((p) => p.name === e.id)) return undefined;
      return staticStrings(fn.closure.lookup(e.id));
    }
    default:
      return undefined;
  }
}

function collectReturns(stmts: readonly Stmt[], out: (Expr | null)[]): void {
  for (const s of stmts) {
    switch (s.k) {
      case 'return':
        out.push(s.value);
        break;
      case 'if':
        for (const b of s.branches) collectReturns(b.body, out);
        break;
      case 'for':
      case 'while':
        collectReturns(s.body, out);
        collectReturns(s.orelse, out);
        break;
      case 'with':
        collectReturns(s.body, out);
        break;
      case 'try':
        collectReturns(s.body, out);
        s.handlers.forEach((h) => collectReturns(h.body, out));
        collectReturns(s.orelse, out);
        collectReturns(s.finalbody, out);
        break;
      default:
        break; // nested def/class bodies return for themselves
    }
  }
}

/** Task ids the branch callable may return, or undefined when they cannot all be read statically. */
export function branchTargets(fn: FunctionV): string[] | undefined {
  const node = fn.node;
  const returns: (Expr | null)[] = [];
  if (node.k === 'lambda') returns.push(node.body);
  else collectReturns(node.body, returns);
  const ids: string[] = [];
  for (const r of returns) {
    const found = returnedIds(r, fn);
    if (found === undefined) return undefined;
    for (const id of found) if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

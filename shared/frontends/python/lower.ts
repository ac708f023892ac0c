/**
 * Lowers the lezer concrete syntax tree into the typed AST of ast.ts. Runs once per file, after
 * syntax errors have been ruled out, so it can rely on well-formed trees (anything unexpected
 * becomes an `unsupported` node rather than a crash).
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import type { ExceptHandler, Expr, FunctionDef, Module, Stmt } from './ast.js';
import { ExprLowerer, PUNCTUATION, kids } from './lower-expr.js';

export class Lowerer extends ExprLowerer {
  module(tree: Tree): Module {
    const body = this.statements(kids(tree.topNode));
    return { body, docstring: docstringOf(body) };
  }

  // ---------------------------------------------------------------- statements

  private statements(nodes: SyntaxNode[]): Stmt[] {
    const out: Stmt[] = [];
    for (const n of nodes) this.statement(n, out);
    return out;
  }

  private body(node: SyntaxNode | undefined): Stmt[] {
    if (!node) return [];
    return this.statements(kids(node).filter((c) => c.name !== ':'));
  }

  private statement(n: SyntaxNode, out: Stmt[]): void {
    const from = n.from;
    const c = kids(n);
    switch (n.name) {
      case 'StatementGroup':
        for (const s of c) if (s.name !== ';') this.statement(s, out);
        return;
      case 'ExpressionStatement':
        out.push({ k: 'expr', from, value: this.exprList(c) });
        return;
      case 'AssignStatement':
        out.push(this.assign(n, c));
        return;
      case 'UpdateStatement': {
        const opIndex = c.findIndex((x) => x.name === 'UpdateOp');
        const op = this.text(c[opIndex]!).slice(0, -1);
        out.push({ k: 'augassign', from, target: this.exprList(c.slice(0, opIndex)), op, value: this.exprList(c.slice(opIndex + 1)) });
        return;
      }
      case 'PassStatement':
        out.push({ k: 'pass', from });
        return;
      case 'BreakStatement':
        out.push({ k: 'break', from });
        return;
      case 'ContinueStatement':
        out.push({ k: 'continue', from });
        return;
      case 'ReturnStatement': {
        const rest = c.slice(1);
        out.push({ k: 'return', from, value: rest.length ? this.exprList(rest) : null });
        return;
      }
      case 'DeleteStatement':
        out.push({ k: 'del', from, targets: c.slice(1).filter((x) => x.name !== ',').map((x) => this.expr(x)) });
        return;
      case 'RaiseStatement': {
        const exc = c.find((x) => x.name !== 'raise' && !PUNCTUATION.has(x.name));
        out.push({ k: 'raise', from, exc: exc ? this.expr(exc) : null });
        return;
      }
      case 'AssertStatement': {
        const parts = c.slice(1).filter((x) => x.name !== ',');
        out.push({ k: 'assert', from, test: this.expr(parts[0]!), msg: parts[1] ? this.expr(parts[1]) : null });
        return;
      }
      case 'ScopeStatement':
        out.push({ k: c[0]!.name === 'global' ? 'global' : 'nonlocal', from, names: c.filter((x) => x.name === 'VariableName').map((x) => this.text(x)) });
        return;
      case 'ImportStatement':
        out.push(this.importStatement(n, c));
        return;
      case 'IfStatement':
        out.push(this.ifStatement(n, c));
        return;
      case 'ForStatement':
        out.push(this.forStatement(n, c));
        return;
      case 'WhileStatement': {
        const bodies = c.filter((x) => x.name === 'Body');
        out.push({ k: 'while', from, test: this.expr(c[1]!), body: this.body(bodies[0]), orelse: this.body(bodies[1]) });
        return;
      }
      case 'WithStatement':
        out.push(this.withStatement(n, c));
        return;
      case 'TryStatement':
        out.push(this.tryStatement(n, c));
        return;
      case 'FunctionDefinition':
        out.push(this.functionDef(n, c, []));
        return;
      case 'ClassDefinition':
        out.push(this.classDef(n, c, []));
        return;
      case 'DecoratedStatement': {
        const decorators = c.filter((x) => x.name === 'Decorator').map((d) => this.decorator(d));
        const def = c.find((x) => x.name === 'FunctionDefinition' || x.name === 'ClassDefinition')!;
        out.push(def.name === 'FunctionDefinition' ? this.functionDef(def, kids(def), decorators, from) : this.classDef(def, kids(def), decorators, from));
        return;
      }
      case 'MatchStatement':
        out.push({ k: 'unsupported', from, what: 'match statement', hint: 'use if/elif/else' });
        return;
      case 'YieldStatement':
        out.push({ k: 'unsupported', from, what: 'yield outside a function', hint: 'build lists explicitly' });
        return;
      case 'TypeDefinition':
        return; // `type X = ...` aliases only matter to type checkers.
      default:
        out.push({ k: 'unsupported', from, what: `statement '${n.name}'`, hint: 'rewrite it with assignments, if and for' });
    }
  }

  private assign(n: SyntaxNode, c: SyntaxNode[]): Stmt {
    const groups: SyntaxNode[][] = [[]];
    let annotation = false;
    for (const x of c) {
      if (x.name === 'AssignOp') groups.push([]);
      else if (x.name === 'TypeDef') annotation = true;
      else groups[groups.length - 1]!.push(x);
    }
    if (annotation && groups.length === 1) return { k: 'annassign', from: n.from, target: this.exprList(groups[0]!), value: null };
    const valueNodes = groups[groups.length - 1]!;
    const value = valueNodes.length === 1 && valueNodes[0]!.name === 'YieldExpression'
      ? ({ k: 'unsupported', from: valueNodes[0]!.from, what: 'yield', hint: 'DAG files are evaluated without running generators' } as const)
      : this.exprList(valueNodes);
    const targets = groups.slice(0, -1).map((g) => this.exprList(g));
    if (annotation) return { k: 'annassign', from: n.from, target: targets[0]!, value };
    return { k: 'assign', from: n.from, targets, value };
  }

  private importStatement(n: SyntaxNode, c: SyntaxNode[]): Stmt {
    const from = n.from;
    if (c[0]!.name === 'import') {
      const names: { module: string; asname: string | null; from: number }[] = [];
      let parts: string[] = [];
      let start = -1;
      let asname: string | null = null;
      let expectAs = false;
      const flush = () => {
        if (parts.length) names.push({ module: parts.join('.'), asname, from: start });
        parts = [];
        asname = null;
        start = -1;
      };
      for (const x of c.slice(1)) {
        if (x.name === ',') flush();
        else if (x.name === 'as') expectAs = true;
        else if (x.name === 'VariableName') {
          if (expectAs) {
            asname = this.text(x);
            expectAs = false;
          } else {
            if (start < 0) start = x.from;
            parts.push(this.text(x));
          }
        }
      }
      flush();
      return { k: 'import', from, names };
    }
    // from [.]*module import names
    const importIndex = c.findIndex((x) => x.name === 'import');
    let level = 0;
    const moduleParts: string[] = [];
    for (const x of c.slice(1, importIndex)) {
      if (x.name === '.') level += 1;
      else if (x.name === 'Ellipsis' || this.text(x) === '...') level += 3;
      else if (x.name === 'VariableName') moduleParts.push(this.text(x));
    }
    // `from . import x` puts a dot between names only inside dotted module names.
    const module = moduleParts.join('.');
    if (level > 0 && moduleParts.length > 0) {
      // The dots counted include the separators of a dotted relative module name.
      level -= moduleParts.length - 1;
    }
    const rest = c.slice(importIndex + 1);
    if (rest.some((x) => x.name === '*')) return { k: 'from', from, module, level, names: '*' };
    const names: { name: string; asname: string | null; from: number }[] = [];
    let expectAs = false;
    for (const x of rest) {
      if (x.name === 'as') expectAs = true;
      else if (x.name === 'VariableName') {
        if (expectAs) {
          names[names.length - 1]!.asname = this.text(x);
          expectAs = false;
        } else names.push({ name: this.text(x), asname: null, from: x.from });
      }
    }
    return { k: 'from', from, module, level, names };
  }

  private ifStatement(n: SyntaxNode, c: SyntaxNode[]): Stmt {
    const branches: { test: Expr | null; body: Stmt[] }[] = [];
    let pendingTest: Expr | null = null;
    let isElse = false;
    for (const x of c) {
      if (x.name === 'if' || x.name === 'elif') isElse = false;
      else if (x.name === 'else') isElse = true;
      else if (x.name === 'Body') {
        branches.push({ test: isElse ? null : pendingTest, body: this.body(x) });
        pendingTest = null;
      } else pendingTest = this.expr(x);
    }
    return { k: 'if', from: n.from, branches };
  }

  private forStatement(n: SyntaxNode, c: SyntaxNode[]): Stmt {
    const inIndex = c.findIndex((x) => x.name === 'in');
    const bodies = c.filter((x) => x.name === 'Body');
    const firstBody = c.findIndex((x) => x.name === 'Body');
    return {
      k: 'for',
      from: n.from,
      target: this.exprList(c.slice(c[0]!.name === 'async' ? 2 : 1, inIndex)),
      iter: this.exprList(c.slice(inIndex + 1, firstBody)),
      body: this.body(bodies[0]),
      orelse: this.body(bodies[1]),
    };
  }

  private withStatement(n: SyntaxNode, c: SyntaxNode[]): Stmt {
    const items: { ctx: Expr; target: Expr | null }[] = [];
    let expectTarget = false;
    for (const x of c) {
      if (x.name === 'with' || x.name === 'async' || x.name === ',' || x.name === 'Body') continue;
      if (x.name === 'as') expectTarget = true;
      else if (expectTarget) {
        items[items.length - 1]!.target = this.expr(x);
        expectTarget = false;
      } else items.push({ ctx: this.expr(x), target: null });
    }
    return { k: 'with', from: n.from, items, body: this.body(c.find((x) => x.name === 'Body')) };
  }

  private tryStatement(n: SyntaxNode, c: SyntaxNode[]): Stmt {
    const stmt = { k: 'try' as const, from: n.from, body: [] as Stmt[], handlers: [] as ExceptHandler[], orelse: [] as Stmt[], finalbody: [] as Stmt[] };
    let section: 'try' | 'except' | 'else' | 'finally' = 'try';
    // An except clause's parts before its body: the types expression, then `as` and the name.
    let types: Expr | null = null;
    let name: string | null = null;
    let afterAs = false;
    for (const x of c) {
      if (x.name === 'try' || x.name === 'except' || x.name === 'else' || x.name === 'finally') {
        section = x.name;
        [types, name, afterAs] = [null, null, false];
      } else if (x.name === 'Body') {
        const b = this.body(x);
        if (section === 'try') stmt.body = b;
        else if (section === 'except') stmt.handlers.push({ types, name, body: b });
        else if (section === 'else') stmt.orelse = b;
        else stmt.finalbody = b;
      } else if (section === 'except') {
        if (x.name === 'as') afterAs = true;
        else if (afterAs && x.name === 'VariableName') name = this.text(x);
        else if (!afterAs && types === null && x.name !== '*') types = this.expr(x);
      }
    }
    return stmt;
  }

  private functionDef(n: SyntaxNode, c: SyntaxNode[], decorators: Expr[], from = n.from): FunctionDef {
    const body = this.body(c.find((x) => x.name === 'Body'));
    return {
      k: 'def',
      from,
      name: this.text(c.find((x) => x.name === 'VariableName')!),
      params: this.params(c.find((x) => x.name === 'ParamList')),
      body,
      decorators,
      docstring: docstringOf(body),
      isAsync: c[0]!.name === 'async',
    };
  }

  private classDef(n: SyntaxNode, c: SyntaxNode[], decorators: Expr[], from = n.from): Stmt {
    const argList = c.find((x) => x.name === 'ArgList');
    const body = this.body(c.find((x) => x.name === 'Body'));
    return {
      k: 'class',
      from,
      name: this.text(c.find((x) => x.name === 'VariableName')!),
      bases: argList ? this.args(argList) : [],
      body,
      decorators,
      docstring: docstringOf(body),
    };
  }

  private decorator(d: SyntaxNode): Expr {
    let e: Expr | null = null;
    for (const x of kids(d)) {
      if (x.name === 'VariableName') {
        e = e === null ? { k: 'name', from: x.from, id: this.text(x) } : { k: 'attr', from: d.from + 1, obj: e, name: this.text(x), nameFrom: x.from };
      } else if (x.name === 'ArgList' && e) {
        e = { k: 'call', from: d.from + 1, func: e, args: this.args(x) };
      }
    }
    return e ?? { k: 'unsupported', from: d.from, what: 'decorator', hint: '' };
  }

}

/** The docstring of a body: its first statement when that is a plain string expression. */
function docstringOf(body: Stmt[]): string | null {
  const first = body[0];
  if (first && first.k === 'expr' && first.value.k === 'str') return first.value.value;
  return null;
}

/**
 * Lowers the lezer concrete syntax tree into the typed AST of ast.ts. Runs once per file, after
 * syntax errors have been ruled out, so it can rely on well-formed trees (anything unexpected
 * becomes an `unsupported` node rather than a crash).
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import type {
  Arg,
  CompClause,
  DictItem,
  Expr,
  FStringPart,
  FormatField,
  FunctionDef,
  Module,
  Param,
  Stmt,
} from './ast.js';
import { analyzeStringToken, decodeFStringLiteral, decodeStringToken } from './strings.js';

/** Children of a node, without comments. */
function kids(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push(c);
  return out;
}

/** Token names that separate or decorate, never values. */
const PUNCTUATION = new Set(['(', ')', '[', ']', '{', '}', ',', ':', ';', '.', '*', '**', 'AssignOp', 'At']);

const COMPARE_KEYWORDS = new Set(['in', 'not', 'is']);

export class Lowerer {
  constructor(private readonly src: string) {}

  private text(n: SyntaxNode): string {
    return this.src.slice(n.from, n.to);
  }

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
    const stmt = { k: 'try' as const, from: n.from, body: [] as Stmt[], handlers: [] as Stmt[][], orelse: [] as Stmt[], finalbody: [] as Stmt[] };
    let section: 'try' | 'except' | 'else' | 'finally' = 'try';
    for (const x of c) {
      if (x.name === 'try' || x.name === 'except' || x.name === 'else' || x.name === 'finally') section = x.name;
      else if (x.name === 'Body') {
        const b = this.body(x);
        if (section === 'try') stmt.body = b;
        else if (section === 'except') stmt.handlers.push(b);
        else if (section === 'else') stmt.orelse = b;
        else stmt.finalbody = b;
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

  private params(list: SyntaxNode | undefined): Param[] {
    if (!list) return [];
    const out: Param[] = [];
    let pendingStar: '*' | '**' | null = null;
    let expectDefault = false;
    for (const x of kids(list)) {
      switch (x.name) {
        case '(':
        case ')':
        case 'TypeDef':
          break;
        case ',':
          if (pendingStar === '*') out.push({ name: '', kind: 'kwonly_marker', default: null, from: x.from });
          pendingStar = null;
          break;
        case '*':
        case '**':
          pendingStar = x.name;
          break;
        case 'AssignOp':
          expectDefault = true;
          break;
        case 'VariableName':
          if (expectDefault) {
            out[out.length - 1]!.default = this.expr(x);
            expectDefault = false;
          } else {
            out.push({ name: this.text(x), kind: pendingStar === '*' ? 'varargs' : pendingStar === '**' ? 'kwargs' : 'normal', default: null, from: x.from });
            pendingStar = null;
          }
          break;
        default:
          if (expectDefault) {
            out[out.length - 1]!.default = this.expr(x);
            expectDefault = false;
          }
      }
    }
    if (pendingStar === '*') out.push({ name: '', kind: 'kwonly_marker', default: null, from: list.to });
    return out;
  }

  // ---------------------------------------------------------------- expressions

  /** A comma-separated expression list: one item is itself, several (or a trailing comma) a tuple. */
  private exprList(nodes: SyntaxNode[]): Expr {
    const items: Expr[] = [];
    let star = false;
    let commas = 0;
    for (const x of nodes) {
      if (x.name === ',') commas += 1;
      else if (x.name === '*') star = true;
      else {
        const e = this.expr(x);
        items.push(star ? { k: 'starred', from: x.from, value: e } : e);
        star = false;
      }
    }
    if (items.length === 1 && commas === 0) return items[0]!;
    return { k: 'tuple', from: nodes[0]?.from ?? 0, items };
  }

  expr(n: SyntaxNode): Expr {
    const from = n.from;
    switch (n.name) {
      case 'VariableName':
        return { k: 'name', from, id: this.text(n) };
      case 'Number':
        return this.number(n);
      case 'String': {
        const { value, bytes } = decodeStringToken(this.text(n));
        return { k: 'str', from, value, bytes };
      }
      case 'FormatString':
        return { k: 'fstr', from, parts: this.fstringParts(n) };
      case 'ContinuedString':
        return this.continuedString(n);
      case 'Boolean':
        return { k: 'const', from, value: this.text(n) === 'True' ? 'True' : 'False' };
      case 'None':
        return { k: 'const', from, value: 'None' };
      case 'Ellipsis':
      case '...':
        return { k: 'const', from, value: 'Ellipsis' };
      case 'ParenthesizedExpression': {
        const c = kids(n).filter((x) => x.name !== '(' && x.name !== ')');
        if (c[0]?.name === '*') return { k: 'starred', from, value: this.expr(c[1]!) };
        if (c[0]?.name === 'YieldExpression') return { k: 'unsupported', from, what: 'yield', hint: 'DAG files are evaluated without running generators' };
        return c[0] ? this.expr(c[0]) : { k: 'tuple', from, items: [] };
      }
      case 'TupleExpression':
        return { k: 'tuple', from, items: this.items(n) };
      case 'ArrayExpression':
        return { k: 'list', from, items: this.items(n) };
      case 'SetExpression':
        return { k: 'set', from, items: this.items(n) };
      case 'DictionaryExpression':
        return { k: 'dict', from, items: this.dictItems(n) };
      case 'ComprehensionExpression':
        return this.comprehension(n, 'gen');
      case 'ArrayComprehensionExpression':
        return this.comprehension(n, 'list');
      case 'SetComprehensionExpression':
        return this.comprehension(n, 'set');
      case 'DictionaryComprehensionExpression':
        return this.comprehension(n, 'dict');
      case 'CallExpression': {
        const c = kids(n);
        return { k: 'call', from, func: this.expr(c[0]!), args: this.args(c[1]!) };
      }
      case 'MemberExpression':
        return this.member(n);
      case 'BinaryExpression':
        return this.binary(n);
      case 'UnaryExpression': {
        const c = kids(n);
        const op = this.text(c[0]!);
        return { k: 'unary', from, op: op === 'not' ? 'not' : op === '-' ? '-' : op === '+' ? '+' : '~', operand: this.expr(c[1]!) };
      }
      case 'ConditionalExpression': {
        const c = kids(n).filter((x) => x.name !== 'if' && x.name !== 'else');
        return { k: 'ifexp', from, body: this.expr(c[0]!), test: this.expr(c[1]!), orelse: this.expr(c[2]!) };
      }
      case 'LambdaExpression': {
        const c = kids(n);
        const bodyNode = c[c.length - 1]!;
        return { k: 'lambda', from, params: this.params(c.find((x) => x.name === 'ParamList')), body: this.expr(bodyNode) };
      }
      case 'NamedExpression': {
        const c = kids(n);
        return { k: 'named', from, target: this.text(c[0]!), value: this.expr(c[2]!) };
      }
      case 'AwaitExpression':
        return { k: 'unsupported', from, what: 'await', hint: 'DAG files are evaluated without running coroutines' };
      case 'YieldExpression':
        return { k: 'unsupported', from, what: 'yield', hint: 'DAG files are evaluated without running generators' };
      default:
        return { k: 'unsupported', from, what: `expression '${n.name}'`, hint: 'simplify the expression' };
    }
  }

  private number(n: SyntaxNode): Expr {
    const raw = this.text(n).replace(/_/g, '');
    const from = n.from;
    if (/[jJ]$/.test(raw)) return { k: 'unsupported', from, what: 'complex number', hint: 'use int or float values' };
    const lower = raw.toLowerCase();
    if (lower.startsWith('0x')) return { k: 'num', from, value: parseInt(lower.slice(2), 16), isInt: true };
    if (lower.startsWith('0o')) return { k: 'num', from, value: parseInt(lower.slice(2), 8), isInt: true };
    if (lower.startsWith('0b')) return { k: 'num', from, value: parseInt(lower.slice(2), 2), isInt: true };
    const isInt = !/[.e]/.test(lower);
    return { k: 'num', from, value: isInt ? parseInt(lower, 10) : parseFloat(lower), isInt };
  }

  private items(n: SyntaxNode): Expr[] {
    const out: Expr[] = [];
    let star = false;
    for (const x of kids(n)) {
      if (x.name === '*') star = true;
      else if (!PUNCTUATION.has(x.name)) {
        const e = this.expr(x);
        out.push(star ? { k: 'starred', from: x.from, value: e } : e);
        star = false;
      }
    }
    return out;
  }

  private dictItems(n: SyntaxNode): DictItem[] {
    const out: DictItem[] = [];
    let spread = false;
    let key: Expr | null = null;
    for (const x of kids(n)) {
      if (x.name === '**') spread = true;
      else if (PUNCTUATION.has(x.name)) continue;
      else if (spread) {
        out.push({ spread: this.expr(x) });
        spread = false;
      } else if (key === null) key = this.expr(x);
      else {
        out.push({ key, value: this.expr(x) });
        key = null;
      }
    }
    return out;
  }

  private comprehension(n: SyntaxNode, kind: 'list' | 'set' | 'gen' | 'dict'): Expr {
    const c = kids(n).slice(1, -1); // drop the brackets
    return this.comprehensionFrom(n.from, c, kind);
  }

  private comprehensionFrom(from: number, c: SyntaxNode[], kind: 'list' | 'set' | 'gen' | 'dict'): Expr {
    const firstFor = c.findIndex((x) => x.name === 'for' || x.name === 'async');
    const head = c.slice(0, firstFor).filter((x) => !PUNCTUATION.has(x.name));
    const clauses: CompClause[] = [];
    let i = firstFor;
    while (i < c.length) {
      const x = c[i]!;
      if (x.name === 'async') {
        i += 1;
        continue;
      }
      if (x.name === 'for') {
        const inIndex = c.findIndex((y, j) => j > i && y.name === 'in');
        const target = this.exprList(c.slice(i + 1, inIndex));
        clauses.push({ k: 'for', target, iter: this.expr(c[inIndex + 1]!) });
        i = inIndex + 2;
      } else if (x.name === 'if') {
        clauses.push({ k: 'if', test: this.expr(c[i + 1]!) });
        i += 2;
      } else i += 1;
    }
    if (kind === 'dict') return { k: 'comp', from, kind, elt: this.expr(head[0]!), value: this.expr(head[1]!), clauses };
    return { k: 'comp', from, kind, elt: this.expr(head[0]!), value: null, clauses };
  }

  args(list: SyntaxNode): Arg[] {
    const c = kids(list).filter((x) => x.name !== '(' && x.name !== ')');
    // A bare generator argument: f(x for x in y)
    if (c.some((x) => x.name === 'for')) {
      return [{ k: 'pos', from: c[0]!.from, value: this.comprehensionFrom(c[0]!.from, c, 'gen') }];
    }
    const out: Arg[] = [];
    let i = 0;
    while (i < c.length) {
      const x = c[i]!;
      if (x.name === ',') {
        i += 1;
      } else if (x.name === '*' || x.name === '**') {
        const value = this.expr(c[i + 1]!);
        out.push({ k: x.name === '*' ? 'star' : 'dstar', value, from: x.from });
        i += 2;
      } else if (x.name === 'VariableName' && c[i + 1]?.name === 'AssignOp') {
        out.push({ k: 'kw', name: this.text(x), value: this.expr(c[i + 2]!), from: x.from });
        i += 3;
      } else {
        out.push({ k: 'pos', value: this.expr(x), from: x.from });
        i += 1;
      }
    }
    return out;
  }

  private member(n: SyntaxNode): Expr {
    const c = kids(n);
    const obj = this.expr(c[0]!);
    if (c[1]?.name === '.') {
      const prop = c[2]!;
      return { k: 'attr', from: n.from, obj, name: this.text(prop), nameFrom: prop.from };
    }
    // Subscript: split on commas; each part is an index or a slice.
    const inner = c.slice(2, -1);
    const parts: SyntaxNode[][] = [[]];
    for (const x of inner) {
      if (x.name === ',') parts.push([]);
      else parts[parts.length - 1]!.push(x);
    }
    if (parts[parts.length - 1]!.length === 0 && parts.length > 1) parts.pop();
    const indexes = parts.map((p) => this.subscriptPart(p, n.from));
    const index: Expr = indexes.length === 1 && !inner.some((x) => x.name === ',') ? indexes[0]! : { k: 'tuple', from: inner[0]?.from ?? n.from, items: indexes };
    return { k: 'subscript', from: n.from, obj, index };
  }

  private subscriptPart(p: SyntaxNode[], from: number): Expr {
    if (!p.some((x) => x.name === ':')) return this.expr(p[0]!);
    const slots: (Expr | null)[] = [null, null, null];
    let slot = 0;
    for (const x of p) {
      if (x.name === ':') slot += 1;
      else slots[slot] = this.expr(x);
    }
    return { k: 'slice', from: p[0]?.from ?? from, lower: slots[0]!, upper: slots[1]!, step: slots[2]! };
  }

  private binary(n: SyntaxNode): Expr {
    const c = kids(n);
    const left = c[0]!;
    const right = c[c.length - 1]!;
    const opNodes = c.slice(1, -1);
    const opText = opNodes.map((x) => this.text(x)).join(' ');
    const from = n.from;
    if (opText === 'and' || opText === 'or') return { k: 'boolop', from, op: opText, left: this.expr(left), right: this.expr(right) };
    const isCompare = opNodes[0]!.name === 'CompareOp' || COMPARE_KEYWORDS.has(opNodes[0]!.name);
    if (isCompare) {
      const op = opText === '<>' ? '!=' : opText;
      const l = this.expr(left);
      // `a < b <= c` arrives left-nested; an unparenthesized comparison on the left is a chain.
      if (l.k === 'compare' && left.name === 'BinaryExpression') {
        return { k: 'compare', from, left: l.left, ops: [...l.ops, op], comparators: [...l.comparators, this.expr(right)] };
      }
      return { k: 'compare', from, left: l, ops: [op], comparators: [this.expr(right)] };
    }
    return { k: 'binop', from, op: opText, left: this.expr(left), right: this.expr(right), opFrom: opNodes[0]!.from };
  }

  // ---------------------------------------------------------------- strings

  private continuedString(n: SyntaxNode): Expr {
    const pieces = kids(n).map((x) => this.expr(x));
    if (pieces.every((p) => p.k === 'str')) {
      return { k: 'str', from: n.from, value: pieces.map((p) => (p.k === 'str' ? p.value : '')).join(''), bytes: pieces.some((p) => p.k === 'str' && p.bytes) };
    }
    const parts: FStringPart[] = [];
    for (const p of pieces) {
      if (p.k === 'str') parts.push(p.value);
      else if (p.k === 'fstr') parts.push(...p.parts);
    }
    return { k: 'fstr', from: n.from, parts };
  }

  private fstringParts(n: SyntaxNode): FStringPart[] {
    const text = this.text(n);
    const tok = analyzeStringToken(text);
    const parts: FStringPart[] = [];
    let pos = n.from + tok.contentStart;
    const end = n.from + tok.contentEnd;
    for (const c of kids(n)) {
      if (c.name !== 'FormatReplacement') continue;
      if (c.from > pos) parts.push(decodeFStringLiteral(this.src.slice(pos, c.from), tok.raw));
      parts.push(this.formatField(c, tok.raw));
      pos = c.to;
    }
    if (end > pos) parts.push(decodeFStringLiteral(this.src.slice(pos, end), tok.raw));
    return parts;
  }

  private formatField(r: SyntaxNode, raw: boolean): FormatField {
    const c = kids(r);
    const exprNodes: SyntaxNode[] = [];
    let conversion: FormatField['conversion'] = null;
    let spec: FStringPart[] | null = null;
    let selfDoc: string | null = null;
    for (const x of c) {
      if (x.name === '{' || x.name === '}') continue;
      if (x.name === 'FormatSelfDoc') selfDoc = this.src.slice(r.from + 1, x.to);
      else if (x.name === 'FormatConversion') conversion = this.text(x).slice(1) as 'r' | 's' | 'a';
      else if (x.name === 'FormatSpec') spec = this.formatSpec(x, raw);
      else exprNodes.push(x);
    }
    if (selfDoc !== null) {
      // Keep the whitespace after '=' as Python does: f"{x = }" -> "x = 1".
      const after = this.src.slice(r.from + 1 + selfDoc.length, r.to).match(/^\s*/)?.[0] ?? '';
      selfDoc += after;
    }
    return { expr: this.exprList(exprNodes), conversion, spec, selfDoc };
  }

  private formatSpec(s: SyntaxNode, raw: boolean): FStringPart[] {
    const parts: FStringPart[] = [];
    let pos = s.from + 1; // after ':'
    for (const c of kids(s)) {
      if (c.name !== 'FormatReplacement') continue;
      if (c.from > pos) parts.push(decodeFStringLiteral(this.src.slice(pos, c.from), raw));
      parts.push(this.formatField(c, raw));
      pos = c.to;
    }
    // The closing '}' of the replacement is not part of the spec node.
    if (s.to > pos) parts.push(decodeFStringLiteral(this.src.slice(pos, s.to), raw));
    return parts;
  }
}

/** The docstring of a body: its first statement when that is a plain string expression. */
function docstringOf(body: Stmt[]): string | null {
  const first = body[0];
  if (first && first.k === 'expr' && first.value.k === 'str') return first.value.value;
  return null;
}

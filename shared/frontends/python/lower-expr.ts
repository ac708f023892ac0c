/**
 * Lowering of expressions (and parameter lists, shared by def and lambda) from the lezer tree to
 * the typed AST. String literals and f-strings are decoded here, once.
 */
import type { SyntaxNode } from '@lezer/common';
import type { Arg, CompClause, DictItem, Expr, FStringPart, FormatField, Param } from './ast.js';
import { analyzeStringToken, decodeFStringLiteral, decodeStringToken } from './strings.js';

/** Children of a node, without comments. */
export function kids(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push(c);
  return out;
}

/** Token names that separate or decorate, never values. */
export const PUNCTUATION = new Set(['(', ')', '[', ']', '{', '}', ',', ':', ';', '.', '*', '**', 'AssignOp', 'At']);

const COMPARE_KEYWORDS = new Set(['in', 'not', 'is']);

export class ExprLowerer {
  constructor(protected readonly src: string) {}

  protected text(n: SyntaxNode): string {
    return this.src.slice(n.from, n.to);
  }

  protected params(list: SyntaxNode | undefined): Param[] {
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
  protected exprList(nodes: SyntaxNode[]): Expr {
    // The usual case, one expression: itself.
    if (nodes.length === 1 && nodes[0]!.name !== ',' && nodes[0]!.name !== '*') return this.expr(nodes[0]!);
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
        if (op === 'not') return this.not(c[1]!, from);
        return { k: 'unary', from, op: op === '-' ? '-' : op === '+' ? '+' : '~', operand: this.expr(c[1]!) };
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

  /**
   * `not` binds tighter than `and` / `or`, but @lezer/python parses `not a or not b` as
   * `not (a or not b)`: over an unparenthesized and/or chain, `not` applies to its leftmost operand.
   */
  private not(operand: SyntaxNode, from: number, count = 1): Expr {
    if (operand.name === 'BinaryExpression') {
      const c = kids(operand);
      const opText = c.slice(1, -1).map((x) => this.text(x)).join(' ');
      if (opText === 'and' || opText === 'or') return { k: 'boolop', from, op: opText, left: this.not(c[0]!, from, count), right: this.expr(c[c.length - 1]!) };
    }
    if (operand.name === 'ConditionalExpression') {
      // `not a if c else d` is `(not a) if c else d`.
      const c = kids(operand).filter((x) => x.name !== 'if' && x.name !== 'else');
      return { k: 'ifexp', from, body: this.not(c[0]!, from, count), test: this.expr(c[1]!), orelse: this.expr(c[2]!) };
    }
    // `not not a or b`: both apply to `a`.
    const inner = operand.name === 'UnaryExpression' ? kids(operand) : [];
    if (inner.length === 2 && this.text(inner[0]!) === 'not') return this.not(inner[1]!, from, count + 1);
    let e = this.expr(operand);
    for (let i = 0; i < count; i++) e = { k: 'unary', from, op: 'not', operand: e };
    return e;
  }

  private binary(n: SyntaxNode): Expr {
    const c = kids(n);
    const left = c[0]!;
    const right = c[c.length - 1]!;
    const opNodes = c.slice(1, -1);
    const opText = opNodes.length === 1 ? this.text(opNodes[0]!) : opNodes.map((x) => this.text(x)).join(' ');
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

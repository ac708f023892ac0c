/**
 * A small typed AST for the Python subset DAG files use. The lezer tree is lowered into it once
 * (see lower.ts), so the evaluator walks plain objects instead of re-navigating the concrete
 * syntax tree on every loop iteration. Every node keeps `from`, its start offset in the source,
 * which is turned into line:col only when a diagnostic or a model location needs it.
 */

export interface NodeBase {
  from: number;
}

export interface NameExpr extends NodeBase {
  k: 'name';
  id: string;
}
export interface NumberExpr extends NodeBase {
  k: 'num';
  value: number;
  isInt: boolean;
}
export interface StrExpr extends NodeBase {
  k: 'str';
  value: string;
  bytes: boolean;
}
/** One `{...}` of an f-string. */
export interface FormatField {
  expr: Expr;
  /** `!r`, `!s`, `!a` */
  conversion: 'r' | 's' | 'a' | null;
  /** The format spec, itself made of literal text and nested fields. */
  spec: FStringPart[] | null;
  /** `f"{x=}"` echoes the expression text. */
  selfDoc: string | null;
}
export type FStringPart = string | FormatField;
export interface FStringExpr extends NodeBase {
  k: 'fstr';
  parts: FStringPart[];
}
export interface ConstExpr extends NodeBase {
  k: 'const';
  value: 'None' | 'True' | 'False' | 'Ellipsis';
}
export interface StarredExpr extends NodeBase {
  k: 'starred';
  value: Expr;
}
export interface SequenceExpr extends NodeBase {
  k: 'list' | 'tuple' | 'set';
  items: Expr[];
}
export type DictItem = { key: Expr; value: Expr } | { spread: Expr };
export interface DictExpr extends NodeBase {
  k: 'dict';
  items: DictItem[];
}
export type CompClause = { k: 'for'; target: Expr; iter: Expr } | { k: 'if'; test: Expr };
export interface CompExpr extends NodeBase {
  k: 'comp';
  kind: 'list' | 'set' | 'gen' | 'dict';
  elt: Expr;
  /** Dict comprehensions: elt is the key, value the value. */
  value: Expr | null;
  clauses: CompClause[];
}
export interface AttrExpr extends NodeBase {
  k: 'attr';
  obj: Expr;
  name: string;
  nameFrom: number;
}
export interface SliceExpr extends NodeBase {
  k: 'slice';
  lower: Expr | null;
  upper: Expr | null;
  step: Expr | null;
}
export interface SubscriptExpr extends NodeBase {
  k: 'subscript';
  obj: Expr;
  /** One index (possibly a slice); several become a tuple as in Python. */
  index: Expr;
}
export type Arg =
  | { k: 'pos'; value: Expr; from: number }
  | { k: 'star'; value: Expr; from: number }
  | { k: 'kw'; name: string; value: Expr; from: number }
  | { k: 'dstar'; value: Expr; from: number };
export interface CallExpr extends NodeBase {
  k: 'call';
  func: Expr;
  args: Arg[];
}
export interface BinOpExpr extends NodeBase {
  k: 'binop';
  op: string;
  left: Expr;
  right: Expr;
  opFrom: number;
}
export interface UnaryExpr extends NodeBase {
  k: 'unary';
  op: '-' | '+' | '~' | 'not';
  operand: Expr;
}
export interface BoolOpExpr extends NodeBase {
  k: 'boolop';
  op: 'and' | 'or';
  left: Expr;
  right: Expr;
}
export interface CompareExpr extends NodeBase {
  k: 'compare';
  left: Expr;
  /** `<`, `==`, `in`, `not in`, `is`, `is not`, ... (chains flattened: a < b <= c). */
  ops: string[];
  comparators: Expr[];
}
export interface IfExpr extends NodeBase {
  k: 'ifexp';
  test: Expr;
  body: Expr;
  orelse: Expr;
}
export interface Param {
  name: string;
  kind: 'normal' | 'varargs' | 'kwargs' | 'kwonly_marker' | 'posonly_marker';
  default: Expr | null;
  from: number;
}
export interface LambdaExpr extends NodeBase {
  k: 'lambda';
  params: Param[];
  body: Expr;
}
export interface NamedExpr extends NodeBase {
  k: 'named';
  target: string;
  value: Expr;
}
/** Constructs the evaluator rejects with a hint (await, yield, ...). */
export interface UnsupportedExpr extends NodeBase {
  k: 'unsupported';
  what: string;
  hint: string;
}

export type Expr =
  | NameExpr
  | NumberExpr
  | StrExpr
  | FStringExpr
  | ConstExpr
  | StarredExpr
  | SequenceExpr
  | DictExpr
  | CompExpr
  | AttrExpr
  | SliceExpr
  | SubscriptExpr
  | CallExpr
  | BinOpExpr
  | UnaryExpr
  | BoolOpExpr
  | CompareExpr
  | IfExpr
  | LambdaExpr
  | NamedExpr
  | UnsupportedExpr;

export interface ExprStmt extends NodeBase {
  k: 'expr';
  value: Expr;
}
export interface AssignStmt extends NodeBase {
  k: 'assign';
  /** `a = b = value` has two targets. */
  targets: Expr[];
  value: Expr;
}
export interface AnnAssignStmt extends NodeBase {
  k: 'annassign';
  target: Expr;
  value: Expr | null;
}
export interface AugAssignStmt extends NodeBase {
  k: 'augassign';
  target: Expr;
  /** The binary operator, e.g. `+` for `+=`. */
  op: string;
  value: Expr;
}
export interface ImportStmt extends NodeBase {
  k: 'import';
  names: { module: string; asname: string | null; from: number }[];
}
export interface ImportFromStmt extends NodeBase {
  k: 'from';
  module: string;
  /** Number of leading dots (relative import). */
  level: number;
  names: { name: string; asname: string | null; from: number }[] | '*';
}
export interface IfStmt extends NodeBase {
  k: 'if';
  /** `if`/`elif` branches with a test, a final `else` without. */
  branches: { test: Expr | null; body: Stmt[] }[];
}
export interface ForStmt extends NodeBase {
  k: 'for';
  target: Expr;
  iter: Expr;
  body: Stmt[];
  orelse: Stmt[];
}
export interface WhileStmt extends NodeBase {
  k: 'while';
  test: Expr;
  body: Stmt[];
  orelse: Stmt[];
}
export interface WithStmt extends NodeBase {
  k: 'with';
  items: { ctx: Expr; target: Expr | null }[];
  body: Stmt[];
}
export interface FunctionDef extends NodeBase {
  k: 'def';
  name: string;
  params: Param[];
  body: Stmt[];
  decorators: Expr[];
  docstring: string | null;
  isAsync: boolean;
}
export interface ClassDef extends NodeBase {
  k: 'class';
  name: string;
  bases: Arg[];
  body: Stmt[];
  decorators: Expr[];
  docstring: string | null;
}
export interface ReturnStmt extends NodeBase {
  k: 'return';
  value: Expr | null;
}
export interface SimpleStmt extends NodeBase {
  k: 'pass' | 'break' | 'continue';
}
export interface TryStmt extends NodeBase {
  k: 'try';
  body: Stmt[];
  handlers: ExceptHandler[];
  orelse: Stmt[];
  finalbody: Stmt[];
}
/** One `except [types [as name]]:` clause (types null: a bare `except:`). */
export interface ExceptHandler {
  types: Expr | null;
  name: string | null;
  body: Stmt[];
}
export interface RaiseStmt extends NodeBase {
  k: 'raise';
  exc: Expr | null;
}
export interface AssertStmt extends NodeBase {
  k: 'assert';
  test: Expr;
  msg: Expr | null;
}
export interface ScopeStmt extends NodeBase {
  k: 'global' | 'nonlocal';
  names: string[];
}
export interface DeleteStmt extends NodeBase {
  k: 'del';
  targets: Expr[];
}
export interface UnsupportedStmt extends NodeBase {
  k: 'unsupported';
  what: string;
  hint: string;
}

export type Stmt =
  | ExprStmt
  | AssignStmt
  | AnnAssignStmt
  | AugAssignStmt
  | ImportStmt
  | ImportFromStmt
  | IfStmt
  | ForStmt
  | WhileStmt
  | WithStmt
  | FunctionDef
  | ClassDef
  | ReturnStmt
  | SimpleStmt
  | TryStmt
  | RaiseStmt
  | AssertStmt
  | ScopeStmt
  | DeleteStmt
  | UnsupportedStmt;

export interface Module {
  body: Stmt[];
  docstring: string | null;
}

/** Names a statement binds in its scope (used to poison them when the statement fails). */
export function assignedNames(stmts: readonly Stmt[], out: Set<string> = new Set()): Set<string> {
  const targetNames = (t: Expr): void => {
    if (t.k === 'name') out.add(t.id);
    else if (t.k === 'tuple' || t.k === 'list') t.items.forEach(targetNames);
    else if (t.k === 'starred') targetNames(t.value);
  };
  for (const s of stmts) {
    switch (s.k) {
      case 'assign':
        s.targets.forEach(targetNames);
        break;
      case 'annassign':
      case 'augassign':
        targetNames(s.target);
        break;
      case 'import':
        for (const n of s.names) out.add(n.asname ?? n.module.split('.')[0]!);
        break;
      case 'from':
        if (s.names !== '*') for (const n of s.names) out.add(n.asname ?? n.name);
        break;
      case 'def':
      case 'class':
        out.add(s.name);
        break;
      case 'for':
        targetNames(s.target);
        assignedNames(s.body, out);
        assignedNames(s.orelse, out);
        break;
      case 'while':
        assignedNames(s.body, out);
        assignedNames(s.orelse, out);
        break;
      case 'with':
        for (const item of s.items) if (item.target) targetNames(item.target);
        assignedNames(s.body, out);
        break;
      case 'if':
        for (const b of s.branches) assignedNames(b.body, out);
        break;
      case 'try':
        assignedNames(s.body, out);
        s.handlers.forEach((h) => {
          if (h.name !== null) out.add(h.name);
          assignedNames(h.body, out);
        });
        assignedNames(s.orelse, out);
        assignedNames(s.finalbody, out);
        break;
      case 'expr':
        collectWalrus(s.value, out);
        break;
      default:
        break;
    }
  }
  return out;
}

function collectWalrus(e: Expr, out: Set<string>): void {
  if (e.k === 'named') out.add(e.target);
}

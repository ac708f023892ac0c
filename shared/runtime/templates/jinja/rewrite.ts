/**
 * Rewrites a parsed template so that every construct whose `@huggingface/jinja` behaviour differs from
 * Python Jinja goes through skydag's own functions (see `./engine.ts` for their implementations):
 *
 * | construct | becomes |
 * |---|---|
 * | `{{ expr }}` output | `__sd_out(expr)` (Python `str()`; `True`, `None`, `['a']`) |
 * | `name` | `__sd_name('name')` (undefined names carry their name for errors) |
 * | `a.b`, `a[b]` | `__sd_getattr(a, 'b')`, `__sd_getitem(a, b)` (Jinja's lookup order) |
 * | `f(x, k=v)` | `__sd_call(f, x, k=v)` |
 * | `a + b`, `a == b`, `a in b`, `a ~ b`, ... | `__sd_op('+', a, b)` (Python semantics, datetimes) |
 * | `-a`, `not a` | `__sd_neg(a)`, `__sd_not(a)` |
 * | `(a, b)` | `__sd_tuple(a, b)` (unpackable in `for`) |
 * | `x \| f(a)` and `{% filter f %}` | `__sd_filter('f', x, a)` |
 * | `x is t` | `__sd_test('t', x)` |
 * | `if c`, `a if c else b` | `__sd_bool(c)` |
 * | `for x in xs` | `for x in __sd_iter(xs)` (strings, undefined) |
 *
 * Unknown filters and tests are rejected here, at compile time, as Jinja does.
 */
import { parse, tokenize } from '@huggingface/jinja';
import { PyError } from '../py/object.js';
import { hasFilter, hasTest } from './filters.js';

/** A node of the engine's AST (its classes are internal; this is their structural view). */
export interface Node {
  type: string;
  [field: string]: unknown;
}

export type Program = ReturnType<typeof parse>;

const STATEMENTS = new Set(['Program', 'If', 'For', 'Break', 'Continue', 'Set', 'Macro', 'Comment', 'FilterStatement', 'CallStatement']);
const ROUTED_OPERATORS = new Set(['+', '-', '*', '/', '//', '%', '**', '~', '==', '!=', '<', '>', '<=', '>=', 'in', 'not in']);
/** Placeholder the token pass adds to one-element tuples (`(x,)`); dropped here. */
export const TUPLE_END = '__sd_tuple_end';

/** Filter names the token pass gives tests with arguments (`x is divisibleby(3)`). */
export const TEST_PREFIX = '__sd_test_';
export const TEST_NOT_PREFIX = '__sd_test_not_';

/**
 * Marks literal template text (`x` in `{% for %}x{% endfor %}`): the interpreter charges its length to
 * the render's text budget each time it is output.
 */
export const TEXT_MARK = '__sd_text';

/** Names the engine resolves specially inside macros; they must stay plain identifiers. */
const RAW_NAMES = new Set(['kwargs', 'varargs']);

const probe = parse(tokenize('{{ f("s") }}{% set x %}{% endset %}')).body as unknown as Node[];
const callProto = probe[0] as Node;
const identifierProto = callProto.callee as Node;
const stringProto = (callProto.args as Node[])[0] as Node;
const setProto = probe[1] as Node;

/** A new node of `template`'s class with `fields` (the engine dispatches on `type`). */
function make(template: Node, fields: Record<string, unknown>): Node {
  return Object.assign(Object.create(Object.getPrototypeOf(template) as object) as Node, { type: template.type }, fields);
}
function clone(node: Node, fields: Record<string, unknown>): Node {
  return Object.assign(Object.create(Object.getPrototypeOf(node) as object) as Node, node, fields);
}
const ident = (name: string): Node => make(identifierProto, { value: name });
const strLit = (s: string): Node => make(stringProto, { value: s });
const call = (fn: string, args: Node[]): Node => make(callProto, { callee: ident(fn), args });

export interface RewriteOptions {
  /** Leave top-level outputs unconverted so the caller can collect native values. */
  native: boolean;
  /** Filters besides Jinja's own (the DAG's user_defined_filters). */
  extraFilters?: ReadonlySet<string>;
}

export class Rewriter {
  private filterBlocks = 0;

  constructor(private readonly options: RewriteOptions) {}

  program(p: Program): Program {
    const body = this.block((p as unknown as Node).body as Node[], !this.options.native);
    return clone(p as unknown as Node, { body }) as unknown as Program;
  }

  private block(statements: Node[], wrapOutputs = true): Node[] {
    const out: Node[] = [];
    for (const s of statements) {
      if (s.type === 'FilterStatement') {
        out.push(...this.filterStatement(s));
      } else if (STATEMENTS.has(s.type)) {
        out.push(this.statement(s));
      } else if (s.type === 'StringLiteral') {
        out.push(clone(s, { [TEXT_MARK]: true }));
      } else {
        const e = this.expr(s);
        out.push(wrapOutputs ? call('__sd_out', [e]) : e);
      }
    }
    return out;
  }

  private statement(s: Node): Node {
    switch (s.type) {
      case 'If':
        return clone(s, { test: call('__sd_bool', [this.expr(s.test as Node)]), body: this.block(s.body as Node[]), alternate: this.block(s.alternate as Node[]) });
      case 'For': {
        const it = s.iterable as Node;
        const iterable =
          it.type === 'SelectExpression'
            ? clone(it, { lhs: call('__sd_iter', [this.expr(it.lhs as Node)]), test: call('__sd_bool', [this.expr(it.test as Node)]) })
            : call('__sd_iter', [this.expr(it)]);
        return clone(s, { iterable, body: this.block(s.body as Node[]), defaultBlock: this.block(s.defaultBlock as Node[]) });
      }
      case 'Set':
        return clone(s, { value: s.value ? this.expr(s.value as Node) : s.value, body: this.block(s.body as Node[]) });
      case 'Macro':
        return clone(s, { args: this.params(s.args as Node[]), body: this.block(s.body as Node[]) });
      case 'Break':
      case 'Continue':
        // Jinja needs the loopcontrols extension for these; Airflow does not enable it.
        throw new PyError('TemplateSyntaxError', `Encountered unknown tag '${s.type === 'Break' ? 'break' : 'continue'}'.`);
      case 'CallStatement': {
        const c = s.call as Node;
        return clone(s, {
          call: clone(c, { args: (c.args as Node[]).map((a) => this.arg(a)) }),
          callerArgs: s.callerArgs ? this.params(s.callerArgs as Node[]) : s.callerArgs,
          body: this.block(s.body as Node[]),
        });
      }
      default:
        return s;
    }
  }

  /** `{% filter f(args) %}body{% endfilter %}` → `{% set tmp %}body{% endset %}{{ f(tmp, args) }}`. */
  private filterStatement(s: Node): Node[] {
    const name = `__sd_filter_block_${this.filterBlocks++}`;
    const f = s.filter as Node;
    const set = make(setProto, { assignee: ident(name), value: null, body: this.block(s.body as Node[]) });
    const applied = this.filterCall(f, ident(name));
    return [set, call('__sd_out', [applied])];
  }

  private params(params: Node[]): Node[] {
    return params.map((p) => (p.type === 'KeywordArgumentExpression' ? clone(p, { value: this.expr(p.value as Node) }) : p));
  }

  private arg(a: Node): Node {
    switch (a.type) {
      case 'KeywordArgumentExpression':
        return clone(a, { value: this.expr(a.value as Node) });
      case 'SpreadExpression':
      case 'KeywordSpreadExpression':
        return clone(a, { argument: this.expr(a.argument as Node) });
      default:
        return this.expr(a);
    }
  }

  private filterCall(filter: Node, operand: Node): Node {
    const nameNode = filter.type === 'CallExpression' ? (filter.callee as Node) : filter;
    if (nameNode.type !== 'Identifier') throw new PyError('TemplateSyntaxError', 'Expected identifier for the filter');
    const name = nameNode.value as string;
    if (name.startsWith(TEST_PREFIX)) {
      const negate = name.startsWith(TEST_NOT_PREFIX);
      const test = name.slice(negate ? TEST_NOT_PREFIX.length : TEST_PREFIX.length);
      if (!hasTest(test)) throw new PyError('TemplateAssertionError', `No test named '${test}'.`);
      const args = filter.type === 'CallExpression' ? (filter.args as Node[]).map((a) => this.arg(a)) : [];
      const applied = call('__sd_test', [strLit(test), operand, ...args]);
      return negate ? call('__sd_not', [applied]) : applied;
    }
    if (!hasFilter(name) && !this.options.extraFilters?.has(name)) throw new PyError('TemplateAssertionError', `No filter named '${name}'.`);
    const args = filter.type === 'CallExpression' ? (filter.args as Node[]).map((a) => this.arg(a)) : [];
    return call('__sd_filter', [strLit(name), operand, ...args]);
  }

  expr(e: Node): Node {
    switch (e.type) {
      case 'Identifier':
        if (e.value === 'varargs') return call('__sd_astuple', [e]);
        return RAW_NAMES.has(e.value as string) ? e : call('__sd_name', [strLit(e.value as string)]);
      case 'IntegerLiteral':
      case 'FloatLiteral':
      case 'StringLiteral':
        return e;
      case 'ArrayLiteral':
        return clone(e, { value: (e.value as Node[]).map((x) => this.expr(x)) });
      case 'TupleLiteral':
        return call(
          '__sd_tuple',
          (e.value as Node[]).filter((x) => !(x.type === 'Identifier' && x.value === TUPLE_END)).map((x) => this.expr(x)),
        );
      case 'ObjectLiteral': {
        const entries = new Map<Node, Node>();
        for (const [k, v] of e.value as Map<Node, Node>) entries.set(this.expr(k), this.expr(v));
        return clone(e, { value: entries });
      }
      case 'MemberExpression': {
        const object = this.expr(e.object as Node);
        const prop = e.property as Node;
        if (e.computed) {
          if (prop.type === 'SliceExpression') {
            const bound = (x: unknown): unknown => (x ? this.expr(x as Node) : x);
            return clone(e, { object, property: clone(prop, { start: bound(prop.start), stop: bound(prop.stop), step: bound(prop.step) }) });
          }
          return call('__sd_getitem', [object, this.expr(prop)]);
        }
        if (prop.type === 'IntegerLiteral') return call('__sd_getitem', [object, prop]);
        return call('__sd_getattr', [object, strLit(prop.value as string)]);
      }
      case 'CallExpression':
        return call('__sd_call', [this.expr(e.callee as Node), ...(e.args as Node[]).map((a) => this.arg(a))]);
      case 'BinaryExpression': {
        const op = (e.operator as { value: string }).value;
        const left = this.expr(e.left as Node);
        const right = this.expr(e.right as Node);
        return ROUTED_OPERATORS.has(op) ? call('__sd_op', [strLit(op), left, right]) : clone(e, { left, right });
      }
      case 'UnaryExpression': {
        const op = (e.operator as { value: string }).value;
        const arg = this.expr(e.argument as Node);
        if (op === 'not') return call('__sd_not', [arg]);
        return call(op === '-' ? '__sd_neg' : '__sd_pos', [arg]);
      }
      case 'FilterExpression':
        return this.filterCall(e.filter as Node, this.expr(e.operand as Node));
      case 'TestExpression': {
        const name = (e.test as Node).value as string;
        if (!hasTest(name)) throw new PyError('TemplateAssertionError', `No test named '${name}'.`);
        const test = call('__sd_test', [strLit(name), this.expr(e.operand as Node)]);
        return e.negate ? call('__sd_not', [test]) : test;
      }
      case 'SelectExpression':
        return clone(e, { lhs: this.expr(e.lhs as Node), test: call('__sd_bool', [this.expr(e.test as Node)]) });
      case 'Ternary':
        return clone(e, {
          condition: call('__sd_bool', [this.expr(e.condition as Node)]),
          trueExpr: this.expr(e.trueExpr as Node),
          falseExpr: this.expr(e.falseExpr as Node),
        });
      case 'KeywordArgumentExpression':
      case 'SpreadExpression':
      case 'KeywordSpreadExpression':
        return this.arg(e);
      default:
        return e;
    }
  }
}

/** Whether a top-level node produces output (an expression rather than a statement). */
export function isOutputNode(n: Node): boolean {
  return !STATEMENTS.has(n.type);
}

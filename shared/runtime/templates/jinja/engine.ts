/**
 * Compiles and renders templates on `@huggingface/jinja` with Python Jinja semantics.
 *
 * Compilation tokenizes with Jinja's defaults as Airflow configures them (no `trim_blocks`, no
 * `lstrip_blocks`, a single trailing newline dropped), parses, and rewrites the AST (`./rewrite.ts`).
 * Rendering installs the context and the `__sd_*` functions the rewritten AST calls, then either
 * concatenates the output (string mode) or applies Jinja's `native_concat` (native mode).
 */
import { Environment, Interpreter, parse, tokenize } from '@huggingface/jinja';
import { activeBudget, chargeScan, chargeSteps } from '../budget.js';
import { literalEval } from '../py/literal-eval.js';
import { PyError } from '../py/object.js';
import { Access } from './access.js';
import type { TemplateImport } from './imports.js';
import { applyFilter, applyTest, type FilterContext } from './filters.js';
import { arithmetic, compare, pyEquals, truthy, unary, type ArithmeticOperator, type ComparisonOperator } from './ops.js';
import { debugUndefinedText, pyRepr, pyStr, undefinedError, type Mode } from './repr.js';
import { Rewriter, TEXT_MARK, isOutputNode, type Node, type Program } from './rewrite.js';
import { adjustTokens, preprocessSource } from './syntax.js';
import {
  NamedUndefined,
  entriesOf,
  fnOf,
  hostOf,
  isDict,
  isNamespace,
  isSeq,
  isStr,
  isUndef,
  itemsOf,
  mk,
  numOf,
  splitArgs,
  strOf,
  toRV,
  type RV,
  type RawFn,
} from './values.js';

/** jinja2's Undefined classes: `lenient` Undefined, `strict` StrictUndefined, `chainable` ChainableUndefined, `debug` DebugUndefined. */
export type UndefinedBehavior = 'lenient' | 'strict' | 'chainable' | 'debug';

/** The engine's mode for an undefined behaviour. */
export function undefinedMode(behavior: UndefinedBehavior = 'lenient'): Mode {
  return MODES[behavior];
}

const MODES: Readonly<Record<UndefinedBehavior, Mode>> = {
  lenient: { strict: false },
  strict: { strict: true },
  chainable: { strict: false, chainable: true },
  debug: { strict: false, debug: true },
};

function behaviorOf(mode: Mode): UndefinedBehavior {
  return mode.strict ? 'strict' : mode.chainable ? 'chainable' : mode.debug ? 'debug' : 'lenient';
}

const CACHE_LIMIT = 512;
const NO_FILTERS: ReadonlySet<string> = new Set();
const cache = new Map<string, Program>();

/**
 * Compiles (or fetches from cache) a template; `extraFilters`: the names of filters besides Jinja's
 * (user_defined_filters). Throws `PyError('TemplateSyntaxError' | 'TemplateAssertionError')`.
 */
export function compile(source: string, native: boolean, extraFilters: ReadonlySet<string> = NO_FILTERS): Program {
  const key = `${native ? 'N' : 'S'}${extraFilters.size === 0 ? '' : `${[...extraFilters].sort().join(',')}\u0000`}${source}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  let program: Program;
  try {
    program = parse(adjustTokens(tokenize(preprocessSource(source), { lstrip_blocks: false, trim_blocks: false })));
  } catch (err) {
    throw new PyError('TemplateSyntaxError', err instanceof Error ? err.message : String(err));
  }
  const rewritten = new Rewriter({ native, extraFilters }).program(program);
  cache.set(key, rewritten);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  return rewritten;
}

/** Python's `range()` with the sandbox's limit. */
const MAX_RANGE = 100_000;
function pyRange(args: RV[]): RV {
  const n = args.map((a) => {
    if (a.type !== 'IntegerValue' && a.type !== 'BooleanValue') throw new PyError('TypeError', `'${a.type === 'FloatValue' ? 'float' : 'str'}' object cannot be interpreted as an integer`);
    return numOf(a);
  });
  const [start, stop, step] = n.length === 1 ? [0, n[0] ?? 0, 1] : [n[0] ?? 0, n[1] ?? 0, n[2] ?? 1];
  if (step === 0) throw new PyError('ValueError', 'range() arg 3 must not be zero');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_RANGE) throw new PyError('OverflowError', `Range too big. The sandbox blocks ranges larger than MAX_RANGE (${MAX_RANGE}).`);
  chargeSteps(count, () => `range() of ${count} items`);
  return mk.list(Array.from({ length: count }, (_, i) => mk.int(start + i * step)));
}

function pyDict(args: RV[], access: Access): RV {
  const { positional, kwargs } = splitArgs(args);
  const out = new Map<string, RV>();
  const src = positional[0];
  if (src !== undefined) {
    if (isDict(src) || isNamespace(src)) for (const [k, v] of entriesOf(src)) out.set(k, v);
    else
      for (const pair of access.iterate(src)) {
        const [k, v] = isSeq(pair) ? itemsOf(pair) : [];
        if (k === undefined || v === undefined) throw new PyError('ValueError', 'dictionary update sequence element has wrong length');
        out.set(isStr(k) ? strOf(k) : pyStr(k, access.mode), v);
      }
  }
  for (const [k, v] of kwargs) out.set(k, v);
  return mk.dict(out);
}

function contains(op: 'in' | 'not in', item: RV, container: RV, access: Access): boolean {
  let found: boolean;
  if (isUndef(container)) {
    if (access.mode.strict) throw undefinedError(container);
    found = false;
  } else if (isStr(container)) {
    if (!isStr(item)) throw new PyError('TypeError', "'in <string>' requires string as left operand");
    chargeScan(strOf(container).length);
    found = strOf(container).includes(strOf(item));
  } else if (isDict(container) || isNamespace(container)) {
    found = isStr(item) && entriesOf(container).has(strOf(item));
  } else if (container.type === 'NullValue') {
    throw new PyError('TypeError', "argument of type 'NoneType' is not iterable");
  } else {
    found = access.iterate(container).some((x) => pyEquals(x, item, access.mode));
  }
  return op === 'in' ? found : !found;
}

const fn = (name: string, f: RawFn): RV => mk.fn(name, f);
const arg = (args: RV[], i: number): RV => args[i] ?? mk.undef();

/** The globals and the rewrite's runtime functions for one undefined mode (shared by all renders). */
function globalsFor(mode: Mode): Environment {
  const access = new Access(mode);
  const env = new Environment();
  const set = (name: string, v: RV): void => {
    env.setVariable(name, v as never);
  };
  for (const [name, value] of [
    ['true', mk.bool(true)],
    ['false', mk.bool(false)],
    ['none', mk.none()],
    ['True', mk.bool(true)],
    ['False', mk.bool(false)],
    ['None', mk.none()],
  ] as const) {
    set(name, value);
  }
  set('range', fn('range', (args) => pyRange(splitArgs(args).positional)));
  set('dict', fn('dict', (args) => pyDict(args, access)));

  const filterCtx = (scope: Environment): FilterContext => ({ access, mode, scope });
  set('__sd_out', fn('out', (args) => mk.str(pyStr(arg(args, 0), mode))));
  set(
    '__sd_name',
    fn('name', (args, scope) => {
      const name = strOf(arg(args, 0));
      const v = scope.lookupVariable(name) as unknown as RV;
      return isUndef(v) && !(v instanceof NamedUndefined) ? new NamedUndefined(`'${name}' is undefined`, name) : v;
    }),
  );
  set('__sd_getattr', fn('getattr', (args) => access.getattr(arg(args, 0), strOf(arg(args, 1)))));
  set('__sd_getitem', fn('getitem', (args) => access.getitem(arg(args, 0), arg(args, 1))));
  set('__sd_call', fn('call', (args, scope) => access.call(arg(args, 0), args.slice(1), scope)));
  set(
    '__sd_op',
    fn('op', (args) => {
      const op = strOf(arg(args, 0));
      const a = arg(args, 1);
      const b = arg(args, 2);
      if (op === 'in' || op === 'not in') return mk.bool(contains(op, a, b, access));
      if (['==', '!=', '<', '>', '<=', '>='].includes(op)) return mk.bool(compare(op as ComparisonOperator, a, b, mode));
      return arithmetic(op as ArithmeticOperator, a, b, mode);
    }),
  );
  set('__sd_neg', fn('neg', (args) => unary('-', arg(args, 0))));
  set('__sd_pos', fn('pos', (args) => unary('+', arg(args, 0))));
  set('__sd_not', fn('not', (args) => mk.bool(!truthy(arg(args, 0), mode))));
  set('__sd_bool', fn('bool', (args) => mk.bool(truthy(arg(args, 0), mode))));
  set('__sd_tuple', fn('tuple', (args) => mk.tuple(args)));
  set('__sd_astuple', fn('astuple', (args) => mk.tuple([...itemsOf(arg(args, 0))])));
  set('__sd_iter', fn('iter', (args) => mk.list(access.iterate(arg(args, 0)))));
  set('__sd_filter', fn('filter', (args, scope) => applyFilter(strOf(arg(args, 0)), arg(args, 1), args.slice(2), filterCtx(scope))));
  set('__sd_test', fn('test', (args, scope) => mk.bool(applyTest(strOf(arg(args, 0)), arg(args, 1), splitArgs(args.slice(2)).positional, filterCtx(scope)))));
  return env;
}

/** The part of the library's `Interpreter` used here (its declarations do not resolve under NodeNext). */
interface InterpreterApi {
  run(program: Program): unknown;
  evaluate(statement: Node | undefined, environment: Environment): unknown;
}
const InterpreterBase = Interpreter as unknown as new (env: Environment) => InterpreterApi;

/**
 * How deeply evaluation may nest (a recursive macro adds about three levels per call). Well below the
 * JavaScript stack's own limit, which the library would otherwise hide: its variable lookup turns a
 * stack overflow into an undefined name.
 */
const MAX_DEPTH = 500;

/**
 * The library's interpreter, charging the render's budget from inside: one step per node evaluated
 * (so loops and recursion pay per iteration and per call, whatever their body), and the length of
 * literal template text each time it is output. Nesting deeper than {@link MAX_DEPTH} is Python's
 * `RecursionError`.
 */
class BudgetedInterpreter extends InterpreterBase {
  private depth = 0;

  override evaluate(statement: Node | undefined, environment: Environment): unknown {
    const budget = activeBudget();
    if (budget !== null && statement !== undefined) {
      budget.step();
      if (statement[TEXT_MARK] === true) budget.text((statement.value as string).length);
    }
    if (this.depth >= MAX_DEPTH) throw new PyError('RecursionError', `maximum recursion depth exceeded: the template nests more than ${MAX_DEPTH} levels deep (a macro calling itself without end?)`);
    this.depth++;
    try {
      return super.evaluate(statement, environment);
    } finally {
      this.depth--;
    }
  }
}

const GLOBALS = Object.fromEntries(Object.entries(MODES).map(([behavior, mode]) => [behavior, globalsFor(mode)])) as Record<UndefinedBehavior, Environment>;
/** Converted contexts, per context object and mode. Rendering treats a context as immutable. */
const contextScopes = new WeakMap<object, Partial<Record<UndefinedBehavior, Environment>>>();

/**
 * The scope for one render: a fresh child (so `{% set %}` stays local) of the context's scope. The
 * context's objects are shared between renders of the same context, as Airflow shares one context
 * between a task's fields.
 */
function environment(context: Readonly<Record<string, unknown>>, mode: Mode): Environment {
  const key = behaviorOf(mode);
  let scopes = contextScopes.get(context);
  if (scopes === undefined) {
    scopes = {};
    contextScopes.set(context, scopes);
  }
  let scope = scopes[key];
  if (scope === undefined) {
    scope = new Environment(GLOBALS[key]);
    for (const [name, value] of Object.entries(context)) scope.setVariable(name, toRV(value) as never);
    scopes[key] = scope;
  }
  return new Environment(scope);
}

/** A compiled template imported by another (`{% import %}` / `{% from %}`), with its own imports. */
export interface ImportedTemplate extends TemplateImport {
  program: Program;
  imports: readonly ImportedTemplate[];
}

/** Names every scope starts with (the engine's own globals): not exported by an imported template. */
const ENGINE_NAMES: ReadonlySet<string> = new Set(new Environment().variables.keys());

/**
 * Runs each imported template (in a scope of its own, or a child of `env` when imported with context;
 * its output discarded) and binds what it exports in `env`: its macros and top-level variables (not
 * `_private` ones), under the alias as a mapping or each name requested. A macro runs in its own
 * template's scope (the engine's macros would otherwise see their caller's variables): it sees the
 * macros beside it, and the render's context only when imported with context; a `{% call %}` block's
 * `caller` is passed on.
 */
function applyImports(env: Environment, imports: readonly ImportedTemplate[], mode: Mode): void {
  for (const imported of imports) {
    const scope = new Environment(imported.withContext ? env : GLOBALS[behaviorOf(mode)]);
    applyImports(scope, imported.imports, mode);
    new BudgetedInterpreter(scope).run(imported.program);
    const names = [...scope.variables].filter(([name]) => !ENGINE_NAMES.has(name) && !name.startsWith('_')) as [string, RV][];
    const exported = new Map(
      names.map(([name, value]): [string, RV] => [
        name,
        value.type === 'FunctionValue'
          ? mk.fn(name, (args, callSite) => {
              const within = new Environment(scope);
              const caller = callSite.variables.get('caller');
              if (caller !== undefined) within.setVariable('caller', caller);
              return fnOf(value)(args, within);
            })
          : value,
      ]),
    );
    if (imported.alias !== undefined) {
      env.setVariable(imported.alias, mk.dict(exported) as never);
      continue;
    }
    for (const [name, binding] of imported.names ?? []) {
      const value = exported.get(name) ?? new NamedUndefined(`the template '${imported.template}' does not export the requested name '${name}'`);
      env.setVariable(binding, value as never);
    }
  }
}

/** Renders a compiled (string-mode) template to text. */
export function renderString(program: Program, context: Readonly<Record<string, unknown>>, mode: Mode, imports: readonly ImportedTemplate[] = []): string {
  const env = environment(context, mode);
  applyImports(env, imports, mode);
  const result = new BudgetedInterpreter(env).run(program) as unknown as RV;
  return strOf(result);
}

/** An engine value as a native JS/model value (datetimes become tagged values). */
export function toNative(v: RV, mode: Mode): unknown {
  const host = hostOf(v);
  if (host) return host.toNative();
  switch (v.type) {
    case 'StringValue':
    case 'IntegerValue':
    case 'FloatValue':
    case 'BooleanValue':
      return v.value;
    case 'NullValue':
      return null;
    case 'UndefinedValue':
      if (mode.strict) throw undefinedError(v);
      return mode.debug ? debugUndefinedText(v) : '';
    default:
      break;
  }
  if (isSeq(v)) {
    chargeSteps(itemsOf(v).length);
    return itemsOf(v).map((x) => toNative(x, mode));
  }
  if (isDict(v) || isNamespace(v)) {
    chargeSteps(entriesOf(v).size);
    const out: Record<string, unknown> = {};
    for (const [k, x] of entriesOf(v)) out[k] = toNative(x, mode);
    return out;
  }
  return pyRepr(v);
}

/**
 * Renders a native-mode template like Jinja's `NativeEnvironment`: a single non-string output is
 * returned as is; otherwise the outputs are joined and, when the text is a Python literal, evaluated.
 */
export function renderNative(program: Program, context: Readonly<Record<string, unknown>>, mode: Mode, imports: readonly ImportedTemplate[] = []): unknown {
  const env = environment(context, mode);
  applyImports(env, imports, mode);
  const interpreter = new BudgetedInterpreter(env);
  const chunks: RV[] = [];
  for (const stmt of (program as unknown as Node).body as Node[]) {
    const r = interpreter.evaluate(stmt as never, env) as unknown as RV;
    if (isOutputNode(stmt)) chunks.push(r);
    else if (isStr(r) && strOf(r) !== '') chunks.push(r);
  }
  if (chunks.length === 0) return null;
  const only = chunks[0] as RV;
  if (chunks.length === 1 && !isStr(only)) return toNative(only, mode);
  const raw = chunks.map((c) => pyStr(c, mode)).join('');
  const lit = literalEval(raw);
  return lit.ok ? lit.value : raw;
}

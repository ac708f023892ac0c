/**
 * The bridge between `@huggingface/jinja`'s runtime values and skydag's JS-level Python values.
 *
 * The library exports only `Environment`, `Interpreter`, `parse` and `tokenize`; its value classes are
 * internal. They are recovered here from probe values (`new Environment().set(...)` returns an
 * instance of each class) so that skydag can build values directly instead of going through the
 * library's eager `convertToRuntimeValues`, which loses prototypes and wraps kwargs.
 */
import { Environment, Interpreter, parse, tokenize } from '@huggingface/jinja';
import { chargeSteps, chargeText } from '../budget.js';
import { PyTimedelta } from '../py/timedelta.js';
import { PyDateTime } from '../py/datetime.js';
import { PyTimezone } from '../py/timezone.js';
import { MISSING, PyCallable, PyError, PyFloat, PyFunction, PyObject, PyTuple, isPlainDict, type Kwargs } from '../py/object.js';

/** A runtime value of the engine (structural view of its internal `RuntimeValue` classes). */
export interface RV {
  type: string;
  value: unknown;
  readonly builtins: ReadonlyMap<string, RV>;
  __bool__(): { value: boolean };
  toString(): string;
}

/** The engine's calling convention: trailing kwargs arrive as a `KeywordArgumentsValue`. */
export type RawFn = (args: RV[], scope: Environment) => RV;

type Ctor<V> = new (value: V) => RV;

let probeCount = 0;
const probeEnv = new Environment();
function ctorOf<V>(sample: unknown): Ctor<V> {
  const rv = probeEnv.set(`__skydag_probe_${probeCount++}`, sample) as unknown as object;
  return rv.constructor as Ctor<V>;
}

const IntegerValue = ctorOf<number>(1);
const FloatValue = ctorOf<number>(1.5);
const StringValue = ctorOf<string>('');
const BooleanValue = ctorOf<boolean>(true);
const NullValue = ctorOf<null>(null);
const UndefinedValue = ctorOf<undefined>(undefined);
const ArrayValue = ctorOf<RV[]>([]);
const ObjectValue = ctorOf<Map<string, RV>>({});
const FunctionValue = ctorOf<RawFn>(() => null);

export const mk = {
  int: (n: number): RV => new IntegerValue(n),
  float: (n: number): RV => new FloatValue(n),
  /** A string the template built: its length is charged to the render's text budget. */
  str: (s: string): RV => {
    chargeText(s.length);
    return new StringValue(s);
  },
  bool: (b: boolean): RV => new BooleanValue(b),
  none: (): RV => new NullValue(null),
  undef: (): RV => new UndefinedValue(undefined),
  list: (items: RV[]): RV => new ArrayValue(items),
  tuple: (items: RV[]): RV => new TupleRV(items),
  dict: (entries: Map<string, RV>): RV => new ObjectValue(entries),
  fn: (name: string, f: RawFn): RV => new NamedFunctionValue(name, f),
  num: (n: number): RV => (Number.isInteger(n) ? new IntegerValue(n) : new FloatValue(n)),
  /** The engine's keyword-arguments value (what a call with `k=v` passes last). */
  kwargs: (entries: Map<string, RV>): RV => new KeywordArgumentsValue(entries),
};

/** Jinja's `Undefined` carrying the reason it is undefined (`'foo' is undefined`). */
export class NamedUndefined extends UndefinedValue {
  /**
   * @param hint the UndefinedError's message
   * @param debugText what jinja2.DebugUndefined prints inside `{{ }}` (its name, or the missing
   *   element); absent where Jinja's undefined has only a hint ("undefined value printed: <hint>")
   */
  constructor(
    readonly hint: string,
    readonly debugText?: string,
  ) {
    super(undefined);
  }
}

/**
 * A Python tuple. Its engine type stays `ArrayValue` so that `{% for k, v in pairs %}` can unpack it
 * (the engine only unpacks `ArrayValue`s).
 */
export class TupleRV extends ArrayValue {
  readonly pyTuple = true;
}

/** A function with a name for `repr` (`<built-in method upper of str object>`). */
export class NamedFunctionValue extends FunctionValue {
  constructor(
    readonly pyName: string,
    fn: RawFn,
  ) {
    super(fn);
  }
}

/** A host object seen by the engine as an (empty) mapping; all access goes through {@link PyObject}. */
export class HostValue extends ObjectValue {
  constructor(readonly host: PyObject) {
    super(new Map());
  }

  override __bool__(): { value: boolean } {
    return mk.bool(this.host.bool()) as unknown as { value: boolean };
  }

  override toString(): string {
    return this.host.str();
  }
}

/** A callable host object: the engine can call it directly (`{{ f(1) }}` after `{% set f = ... %}`). */
export class HostFunctionValue extends FunctionValue {
  constructor(readonly host: PyCallable) {
    super((args) => {
      const result = callHost(host, args);
      // A string a host function returns was built for this call (strftime, ds_format, ...).
      if (typeof result === 'string') chargeText(result.length);
      return toRV(result);
    });
  }

  override toString(): string {
    return this.host.str();
  }
}

export const isStr = (v: RV): boolean => v.type === 'StringValue';
export const isInt = (v: RV): boolean => v.type === 'IntegerValue';
export const isFloat = (v: RV): boolean => v.type === 'FloatValue';
export const isBool = (v: RV): boolean => v.type === 'BooleanValue';
export const isNumeric = (v: RV): boolean => isInt(v) || isFloat(v) || isBool(v);
export const isNone = (v: RV): boolean => v.type === 'NullValue';
export const isUndef = (v: RV): boolean => v.type === 'UndefinedValue';
export const isSeq = (v: RV): boolean => v.type === 'ArrayValue' || v.type === 'TupleValue';
export const isTuple = (v: RV): boolean => v.type === 'TupleValue' || (v as Partial<TupleRV>).pyTuple === true;
export const isKwargs = (v: RV): boolean => v.type === 'KeywordArgumentsValue';
export const isNamespace = (v: RV): boolean => v.type === 'NamespaceValue';
export const isDict = (v: RV): boolean => (v.type === 'ObjectValue' || isKwargs(v)) && !(v instanceof HostValue);
export const isFunction = (v: RV): boolean => v.type === 'FunctionValue';
export const hostOf = (v: RV): PyObject | undefined => (v instanceof HostValue || v instanceof HostFunctionValue ? v.host : undefined);

export const strOf = (v: RV): string => v.value as string;
export const numOf = (v: RV): number => (isBool(v) ? Number(v.value as boolean) : (v.value as number));
export const itemsOf = (v: RV): RV[] => v.value as RV[];
export const entriesOf = (v: RV): Map<string, RV> => v.value as Map<string, RV>;
export const fnOf = (v: RV): RawFn => v.value as RawFn;

/** Python's `len()` of a string: its code points (a surrogate pair counts once), without splitting it. */
export function pyLen(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Splits engine call arguments into positional values and keyword arguments. */
export function splitArgs(args: RV[]): { positional: RV[]; kwargs: Map<string, RV> } {
  const last = args[args.length - 1];
  if (last !== undefined && isKwargs(last)) return { positional: args.slice(0, -1), kwargs: entriesOf(last) };
  return { positional: args, kwargs: new Map() };
}

/** Calls a host callable with engine arguments. */
export function callHost(host: PyCallable, args: RV[]): unknown {
  const { positional, kwargs } = splitArgs(args);
  const kw: Kwargs = {};
  for (const [k, v] of kwargs) kw[k] = fromRV(v);
  return host.call(positional.map(fromRV), kw);
}

/** An engine value to a JS-level Python value (see `../py/object.ts`). */
export function fromRV(v: RV): unknown {
  const host = hostOf(v);
  if (host) return host;
  switch (v.type) {
    case 'StringValue':
      return v.value;
    case 'IntegerValue':
      return v.value;
    case 'FloatValue':
      return Number.isInteger(v.value) ? new PyFloat(v.value as number) : v.value;
    case 'BooleanValue':
      return v.value;
    case 'NullValue':
      return null;
    case 'UndefinedValue':
      return undefined;
    case 'ArrayValue':
    case 'TupleValue': {
      chargeSteps(itemsOf(v).length);
      const items = itemsOf(v).map(fromRV);
      return isTuple(v) ? new PyTuple(items) : items;
    }
    case 'ObjectValue':
    case 'KeywordArgumentsValue':
    case 'NamespaceValue': {
      chargeSteps(entriesOf(v).size);
      const out: Record<string, unknown> = {};
      for (const [k, x] of entriesOf(v)) out[k] = fromRV(x);
      return out;
    }
    case 'FunctionValue':
      return new PyFunction((v as Partial<NamedFunctionValue>).pyName ?? 'function', (args, kwargs) => {
        const rvArgs = args.map(toRV);
        if (Object.keys(kwargs).length > 0) rvArgs.push(kwargsRV(kwargs));
        return fromRV(fnOf(v)(rvArgs, probeEnv));
      });
    default:
      throw new PyError('TypeError', `cannot pass a ${v.type} to a host function`);
  }
}

/** The engine's `KeywordArgumentsValue` class, recovered from what a probe call receives. */
const KeywordArgumentsValue: Ctor<Map<string, RV>> = (() => {
  let captured: RV | undefined;
  const env = new Environment();
  env.setVariable('f', new FunctionValue((args) => ((captured = args[args.length - 1]), mk.none())) as never);
  new Interpreter(env).run(parse(tokenize('{{ f(a=1) }}')));
  if (captured === undefined || captured.type !== 'KeywordArgumentsValue') {
    throw new Error('@huggingface/jinja changed: keyword arguments no longer arrive as KeywordArgumentsValue');
  }
  return captured.constructor as Ctor<Map<string, RV>>;
})();

function kwargsRV(kwargs: Kwargs): RV {
  const m = new Map<string, RV>();
  for (const [k, x] of Object.entries(kwargs)) m.set(k, toRV(x));
  return mk.kwargs(m);
}

/**
 * A JS-level Python value (or a model {@link PyValue}: tagged datetimes and timedeltas become Python
 * objects) to an engine value.
 */
export function toRV(v: unknown): RV {
  if (v === undefined || v === MISSING) return mk.undef();
  if (v === null) return mk.none();
  switch (typeof v) {
    case 'string':
      // Existing text (the context, a host attribute): not built by the template, so not charged.
      return new StringValue(v);
    case 'boolean':
      return mk.bool(v);
    case 'number':
      return mk.num(v);
    case 'bigint':
      return mk.int(Number(v));
    case 'function':
      return new HostFunctionValue(new PyFunction(v.name || 'function', v as (args: unknown[], kwargs: Kwargs) => unknown));
    default:
      break;
  }
  if (v instanceof PyCallable) return new HostFunctionValue(v);
  if (v instanceof PyObject) return new HostValue(v);
  if (v instanceof PyFloat) return mk.float(v.value);
  // Converting a container is work proportional to its size (an XCom may hold a long list).
  if (v instanceof PyTuple) {
    chargeSteps(v.items.length);
    return mk.tuple(v.items.map(toRV));
  }
  if (Array.isArray(v)) {
    chargeSteps(v.length);
    return mk.list(v.map(toRV));
  }
  if (isTaggedValue(v)) return toRV(fromTagged(v));
  if (isPlainDict(v)) {
    chargeSteps(Object.keys(v).length);
    const m = new Map<string, RV>();
    for (const [k, x] of Object.entries(v)) m.set(k, toRV(x));
    return mk.dict(m);
  }
  return mk.str(String(v));
}

function isTaggedValue(v: unknown): v is { $type: string } & Record<string, unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { $type?: unknown }).$type === 'string';
}

/** Model tagged values as Python objects: datetimes, timedeltas; other tags stay dicts. */
function fromTagged(v: { $type: string } & Record<string, unknown>): unknown {
  if (v.$type === 'datetime' && typeof v.value === 'string') {
    const zone = typeof v.timezone === 'string' ? safeZone(v.timezone) : undefined;
    return PyDateTime.fromISO(v.value, 'stdlib', zone ?? 'offset');
  }
  if (v.$type === 'timedelta' && typeof v.seconds === 'number') return PyTimedelta.fromSeconds(v.seconds);
  // literal() (an operator attribute such as `task.bash_command` read by a template): the value it wraps.
  if (v.$type === 'literal' && 'value' in v) return v.value;
  if (v.$type === 'callable' && typeof v.name === 'string') return new PyFunction(v.name, () => {
    throw new PyError('TypeError', `the Python callable ${v.name} cannot be called from a template`);
  });
  const { $type, ...rest } = v;
  return { ...rest, $type };
}

function safeZone(name: string): PyTimezone | undefined {
  try {
    return PyTimezone.named(name, 'stdlib');
  } catch {
    return undefined;
  }
}

/**
 * Binds engine arguments to parameter names like a Python call: positional first, then keywords.
 * Returns one slot per parameter (undefined when not given).
 */
export function bindRV(fn: string, params: readonly string[], required: number, positional: readonly RV[], kwargs: ReadonlyMap<string, RV>): (RV | undefined)[] {
  if (positional.length > params.length) {
    throw new PyError('TypeError', `${fn}() takes at most ${params.length} argument${params.length === 1 ? '' : 's'} (${positional.length} given)`);
  }
  for (const k of kwargs.keys()) {
    if (!params.includes(k)) throw new PyError('TypeError', `${fn}() got an unexpected keyword argument '${k}'`);
  }
  const vals = params.map((p, i) => {
    if (i < positional.length) {
      if (kwargs.has(p)) throw new PyError('TypeError', `${fn}() got multiple values for argument '${p}'`);
      return positional[i];
    }
    return kwargs.get(p);
  });
  const missing = params.slice(0, required).find((_, i) => vals[i] === undefined);
  if (missing !== undefined) throw new PyError('TypeError', `${fn}() missing 1 required positional argument: '${missing}'`);
  return vals;
}

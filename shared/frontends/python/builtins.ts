/** Python's builtin functions and exception classes, as the evaluator needs them. */
import { DiagnosticCode } from '../../model/diagnostics.js';
import { EVALUATION_LIMITS } from './budget.js';
import { openFile } from './file-values.js';
import { CLASSMETHOD, OBJECT_CLASS, PROPERTY, STATICMETHOD, isInstanceOfPlain, wrapper } from './plain-classes.js';
import { formatValue, pyRepr, pyStr } from './formatting.js';
import { sortItems } from './methods.js';
import { asInt, asNumber, asStr, concrete, fn } from './natives.js';
import { binaryOp, compareValues } from './operators.js';
import {
  DynamicResult,
  FALSE,
  NONE,
  PyFail,
  TRUE,
  bool,
  dynamic,
  float,
  hashKey,
  int,
  list,
  numeric,
  str,
  strDict,
  truthy,
  tuple,
  typeName,
  isEnumMember,
  type CallCtx,
  type ClassV,
  type DictV,
  type EnumInfo,
  type NativeV,
  type Value,
} from './values.js';
import { enumMembers } from './enums.js';

function iterate(v: Value | undefined, ctx: CallCtx): Value[] {
  return ctx.interp.iterate(v ?? NONE, ctx.from);
}

function range(args: Value[]): Value {
  const n = args.map((a, i) => asInt(a, `range() argument ${i + 1}`));
  const [start, stop, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
  if (step === 0) throw new PyFail('range() arg 3 must not be zero');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > EVALUATION_LIMITS.maxCollectionSize) {
    throw new PyFail(`range of ${count.toLocaleString('en-US')} items is over the limit of ${EVALUATION_LIMITS.maxCollectionSize.toLocaleString('en-US')}`, 'DAG files must build their DAGs from bounded loops over static data', DiagnosticCode.PARSE_LIMIT);
  }
  const items: Value[] = new Array(count);
  for (let i = 0; i < count; i++) items[i] = int(start + i * step);
  return tuple(items);
}

function toInt(v: Value | undefined, base: Value | undefined): Value {
  if (v === undefined) return int(0);
  const c = concrete(v);
  if (c.t === 'int') return c;
  if (c.t === 'bool') return int(c.v ? 1 : 0);
  if (c.t === 'float') {
    if (!Number.isFinite(c.v)) throw new PyFail(`cannot convert float ${pyRepr(c)} to integer`);
    return int(Math.trunc(c.v));
  }
  if (c.t === 'str') {
    const b = base !== undefined ? asInt(base, 'base') : 10;
    const text = c.v.trim().replace(/_/g, '').toLowerCase();
    const body = b === 16 ? text.replace(/^([+-]?)0x/, '$1') : b === 8 ? text.replace(/^([+-]?)0o/, '$1') : b === 2 ? text.replace(/^([+-]?)0b/, '$1') : text;
    const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
    if (!new RegExp(`^[+-]?[${digits}]+$`).test(body)) throw new PyFail(`invalid literal for int() with base ${b}: ${pyRepr(c)}`);
    return int(parseInt(body, b));
  }
  throw new PyFail(`int() argument must be a string or a number, not '${typeName(c)}'`);
}

function toFloat(v: Value | undefined): Value {
  if (v === undefined) return float(0);
  const c = concrete(v);
  if (c.t === 'int' || c.t === 'float' || c.t === 'bool') return float(numeric(c));
  if (c.t === 'str') {
    const t = c.v.trim().toLowerCase().replace(/_/g, '');
    if (/^[+-]?(inf|infinity)$/.test(t)) return float(t.startsWith('-') ? -Infinity : Infinity);
    if (/^[+-]?nan$/.test(t)) return float(NaN);
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) throw new PyFail(`could not convert string to float: ${pyRepr(c)}`);
    return float(parseFloat(t));
  }
  throw new PyFail(`float() argument must be a string or a number, not '${typeName(c)}'`);
}

function toDict(args: Value[], kwargs: Map<string, Value>, ctx: CallCtx): DictV {
  const out: DictV = { t: 'dict', map: new Map() };
  if (args[0] !== undefined) {
    const src = concrete(args[0]);
    if (src.t === 'dict') for (const [h, e] of src.map) out.map.set(h, e);
    else {
      for (const pair of iterate(src, ctx)) {
        const kv = iterate(pair, ctx);
        if (kv.length !== 2) throw new PyFail('dictionary update sequence element has wrong length');
        const k = concrete(kv[0]!);
        out.map.set(hashKey(k), [k, kv[1]!]);
      }
    }
  }
  for (const [k, v] of kwargs) out.map.set('s' + k, [str(k), v]);
  return out;
}

function extreme(name: 'min' | 'max', args: Value[], kwargs: Map<string, Value>, ctx: CallCtx): Value {
  const items = args.length === 1 ? iterate(args[0], ctx) : args;
  const key = kwargs.get('key');
  if (items.length === 0) {
    const d = kwargs.get('default');
    if (d !== undefined) return d;
    throw new PyFail(`${name}() arg is an empty sequence`);
  }
  const keyOf = (v: Value) => (key && key.t !== 'none' ? ctx.interp.call(key, [v], new Map(), ctx.from) : v);
  let best = items[0]!;
  let bestKey = keyOf(best);
  for (const item of items.slice(1)) {
    const k = keyOf(item);
    const c = compareValues(k, bestKey);
    if (name === 'min' ? c < 0 : c > 0) {
      best = item;
      bestKey = k;
    }
  }
  return best;
}

/** Python's round(): half to even. */
function pyRound(x: number, ndigits: number | null): number {
  const factor = 10 ** (ndigits ?? 0);
  const scaled = x * factor;
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  let r = diff > 0.5 ? floor + 1 : diff < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
  if (ndigits !== null && ndigits > 0) r = Number((r / factor).toFixed(ndigits));
  else r = r / factor;
  return r;
}

const TYPE_CHECKS: Record<string, (v: Value) => boolean> = {
  str: (v) => v.t === 'str',
  int: (v) => v.t === 'int' || v.t === 'bool',
  float: (v) => v.t === 'float',
  bool: (v) => v.t === 'bool',
  list: (v) => v.t === 'list',
  tuple: (v) => v.t === 'tuple',
  dict: (v) => v.t === 'dict',
  set: (v) => v.t === 'set',
  frozenset: (v) => v.t === 'set',
  datetime: (v) => v.t === 'datetime',
  DateTime: (v) => v.t === 'datetime',
  date: (v) => v.t === 'date' || v.t === 'datetime',
  time: (v) => v.t === 'time',
  timedelta: (v) => v.t === 'timedelta',
  DAG: (v) => v.t === 'dag',
  BaseOperator: (v) => v.t === 'task',
  TaskGroup: (v) => v.t === 'group',
  XComArg: (v) => v.t === 'xcom',
};

function isInstance(v: Value, cls: Value): boolean {
  const c = concrete(cls);
  if (c.t === 'tuple') return c.items.some((x) => isInstance(v, x));
  if (c.t === 'class' && c.plain) return isInstanceOfPlain(isEnumMember(v) ? v : concrete(v), c);
  const data = concrete(v); // a str/int enum member is a str/int
  const name = c.t === 'native' ? c.name : c.t === 'operator_class' ? c.className : null;
  const check = name !== null ? TYPE_CHECKS[name] : undefined;
  if (check) return check(data);
  if (c.t === 'operator_class' && v.t === 'task') return v.task.operatorName === c.className;
  throw new DynamicResult(dynamic(`isinstance(..., ${pyRepr(c)})`, 0));
}

/** An exception class: calling it makes an object carrying its message (for `raise`). */
function exceptionClass(name: string, module = 'builtins'): NativeV {
  return fn(name, module, (args) => ({ t: 'object', kind: name, attrs: new Map<string, Value>([['args', tuple(args)]]), exception: true }));
}

export const EXCEPTION_NAMES = [
  'Exception', 'BaseException', 'ValueError', 'TypeError', 'KeyError', 'IndexError', 'RuntimeError', 'AttributeError',
  'ImportError', 'ModuleNotFoundError', 'NotImplementedError', 'OSError', 'IOError', 'FileNotFoundError', 'NameError',
  'AssertionError', 'LookupError', 'ZeroDivisionError', 'StopIteration', 'SystemExit', 'KeyboardInterrupt', 'Warning',
  'DeprecationWarning', 'UserWarning', 'PermissionError', 'ConnectionError', 'TimeoutError',
];

export function exceptionValue(name: string, module: string): NativeV {
  return exceptionClass(name, module);
}

export function makeBuiltins(): Map<string, Value> {
  const b = new Map<string, Value>();
  const def = (name: string, impl: (args: Value[], kwargs: Map<string, Value>, ctx: CallCtx) => Value) => b.set(name, fn(name, 'builtins', impl));
  def('range', (args) => range(args));
  def('len', (args) => {
    const v = concrete(args[0] ?? NONE);
    if (v.t === 'str') return int(v.v.length);
    if (v.t === 'list' || v.t === 'tuple') return int(v.items.length);
    if (v.t === 'dict' || v.t === 'set') return int(v.map.size);
    if (v.t === 'class' && v.enum) return int(enumMembers(v as ClassV & { enum: EnumInfo }).length);
    throw new PyFail(`object of type '${typeName(v)}' has no len()`);
  });
  def('str', (args) => str(args[0] === undefined ? '' : pyStr(args[0])));
  def('repr', (args) => str(pyRepr(args[0] ?? NONE)));
  def('int', (args, kwargs) => toInt(args[0], args[1] ?? kwargs.get('base')));
  def('float', (args) => toFloat(args[0]));
  def('bool', (args) => bool(args[0] !== undefined && truthy(concrete(args[0]))));
  def('list', (args, _k, ctx) => list(args[0] === undefined ? [] : [...iterate(args[0], ctx)]));
  def('tuple', (args, _k, ctx) => tuple(args[0] === undefined ? [] : [...iterate(args[0], ctx)]));
  const makeSet = (args: Value[], _k: Map<string, Value>, ctx: CallCtx): Value => {
    const map = new Map<string, Value>();
    if (args[0] !== undefined) for (const v of iterate(args[0], ctx)) map.set(hashKey(concrete(v)), v);
    return { t: 'set', map };
  };
  def('set', makeSet);
  def('frozenset', makeSet);
  def('dict', toDict);
  def('enumerate', (args, kwargs, ctx) => {
    const start = asInt(args[1] ?? kwargs.get('start'), 'start', 0);
    return list(iterate(args[0], ctx).map((v, i) => tuple([int(start + i), v])));
  });
  def('zip', (args, _k, ctx) => {
    const seqs = args.map((a) => iterate(a, ctx));
    const n = seqs.length ? Math.min(...seqs.map((s) => s.length)) : 0;
    return list(Array.from({ length: n }, (_x, i) => tuple(seqs.map((s) => s[i]!))));
  });
  def('sorted', (args, kwargs, ctx) => list(sortItems([...iterate(args[0], ctx)], kwargs, ctx, compareValues)));
  def('reversed', (args, _k, ctx) => list([...iterate(args[0], ctx)].reverse()));
  def('min', (args, kwargs, ctx) => extreme('min', args, kwargs, ctx));
  def('max', (args, kwargs, ctx) => extreme('max', args, kwargs, ctx));
  def('sum', (args, kwargs, ctx) => iterate(args[0], ctx).reduce((acc, v) => binaryOp('+', acc, v), args[1] ?? kwargs.get('start') ?? int(0)));
  def('any', (args, _k, ctx) => bool(iterate(args[0], ctx).some((v) => truthy(concrete(v)))));
  def('all', (args, _k, ctx) => bool(iterate(args[0], ctx).every((v) => truthy(concrete(v)))));
  def('abs', (args) => {
    const v = concrete(args[0] ?? NONE);
    if (v.t === 'int' || v.t === 'bool') return int(Math.abs(numeric(v)));
    if (v.t === 'float') return float(Math.abs(v.v));
    if (v.t === 'timedelta') return { t: 'timedelta', us: Math.abs(v.us) };
    throw new PyFail(`bad operand type for abs(): '${typeName(v)}'`);
  });
  def('round', (args, kwargs) => {
    const x = asNumber(args[0], 'round() number');
    const nd = args[1] ?? kwargs.get('ndigits');
    if (nd === undefined || nd.t === 'none') return int(pyRound(x, null));
    const digits = asInt(nd, 'ndigits');
    const r = pyRound(x, digits);
    return concrete(args[0]!).t === 'float' ? float(r) : int(r);
  });
  def('divmod', (args) => tuple([binaryOp('//', args[0] ?? NONE, args[1] ?? NONE), binaryOp('%', args[0] ?? NONE, args[1] ?? NONE)]));
  def('pow', (args) => binaryOp('**', args[0] ?? NONE, args[1] ?? NONE));
  def('chr', (args) => str(String.fromCodePoint(asInt(args[0], 'chr() argument'))));
  def('ord', (args) => int(asStr(args[0], 'ord() argument').codePointAt(0) ?? 0));
  def('hex', (args) => { const n = asInt(args[0], 'hex() argument'); return str((n < 0 ? '-0x' : '0x') + Math.abs(n).toString(16)); });
  def('oct', (args) => { const n = asInt(args[0], 'oct() argument'); return str((n < 0 ? '-0o' : '0o') + Math.abs(n).toString(8)); });
  def('bin', (args) => { const n = asInt(args[0], 'bin() argument'); return str((n < 0 ? '-0b' : '0b') + Math.abs(n).toString(2)); });
  def('format', (args) => str(formatValue(args[0] ?? NONE, args[1] ? asStr(args[1], 'format spec') : '')));
  def('isinstance', (args) => bool(isInstance(args[0] ?? NONE, args[1] ?? NONE)));
  b.set('object', OBJECT_CLASS);
  def(STATICMETHOD, (args) => wrapper(STATICMETHOD, args[0] ?? NONE));
  def(CLASSMETHOD, (args) => wrapper(CLASSMETHOD, args[0] ?? NONE));
  def(PROPERTY, (args) => wrapper(PROPERTY, args[0] ?? NONE));
  def('callable', (args) => {
    const v = concrete(args[0] ?? NONE);
    return bool(['function', 'native', 'taskflow', 'dagfn', 'groupfn', 'class', 'operator_class', 'external'].includes(v.t));
  });
  def('map', (args, _k, ctx) => {
    const seqs = args.slice(1).map((a) => iterate(a, ctx));
    const n = seqs.length ? Math.min(...seqs.map((s) => s.length)) : 0;
    return list(Array.from({ length: n }, (_x, i) => ctx.interp.call(args[0]!, seqs.map((s) => s[i]!), new Map(), ctx.from)));
  });
  def('filter', (args, _k, ctx) => {
    const f = args[0] ?? NONE;
    return list(iterate(args[1], ctx).filter((v) => truthy(concrete(f.t === 'none' ? v : ctx.interp.call(f, [v], new Map(), ctx.from)))));
  });
  def('getattr', (args, _k, ctx) => {
    const name = asStr(args[1], 'getattr() attribute name');
    try {
      return ctx.interp.getAttr(args[0] ?? NONE, name, ctx.from);
    } catch (err) {
      if (args[2] !== undefined && err instanceof Error && !(err instanceof DynamicResult)) return args[2];
      throw err;
    }
  });
  def('hasattr', (args, _k, ctx) => {
    const name = asStr(args[1], 'hasattr() attribute name');
    try {
      ctx.interp.getAttr(args[0] ?? NONE, name, ctx.from);
      return TRUE;
    } catch (err) {
      if (err instanceof DynamicResult) throw err;
      return FALSE;
    }
  });
  def('globals', (_a, _k, ctx) => ({ t: 'object', kind: 'globals', attrs: new Map(), scope: ctx.scope!.module }));
  def('locals', (_a, _k, ctx) => strDict([...(ctx.scope?.vars ?? new Map<string, Value>())]));
  def('open', openFile);
  def('input', (_a, _k, ctx) => dynamic('input()', ctx.from));
  def('id', (_a, _k, ctx) => dynamic('id()', ctx.from));
  def('hash', (args) => str(hashKey(concrete(args[0] ?? NONE))));
  def('type', (args, _k, ctx) => {
    const v = concrete(args[0] ?? NONE);
    const builtin = b.get(v.t === 'none' ? 'NoneType' : typeName(v));
    return builtin ?? dynamic(`type(${pyRepr(v)})`, ctx.from);
  });
  const print = fn('print', 'builtins', () => NONE);
  print.handlesOpaque = true;
  b.set('print', print);
  for (const name of EXCEPTION_NAMES) b.set(name, exceptionClass(name));
  b.set('NotImplemented', NONE);
  return b;
}


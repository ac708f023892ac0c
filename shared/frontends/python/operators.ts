/**
 * Python operators on evaluator values: arithmetic (with int/float distinction), comparisons,
 * membership, identity, subscripts and slices. Airflow's `>>`/`<<` are handled by the evaluator
 * before these are reached. Opaque operands (dynamic/invalid) make the result opaque.
 */
import { datasetBinaryOp } from './datasets.js';
import { DiagnosticCode } from '../../model/diagnostics.js';
import { chargeGrowth, checkCollectionSize, checkStringLength } from './budget.js';
import { dateArithmetic, dateCompare } from './datetimes.js';
import { percentFormat, pyRepr } from './formatting.js';
import { enumByName } from './enums.js';
import {
  DynamicResult,
  INVALID,
  PyFail,
  bool,
  enumData,
  float,
  hashKey,
  int,
  isNumber,
  list,
  numeric,
  opaqueOf,
  truthOrOpaque,
  pyEquals,
  str,
  tuple,
  typeName,
  type ClassV,
  type DynamicV,
  type EnumInfo,
  type InvalidV,
  type Value,
} from './values.js';

/** The first opaque operand (invalid wins, so already-reported failures stay silent). */
function opaqueOperand(a: Value, b: Value): DynamicV | InvalidV | null {
  const oa = opaqueOf(a);
  const ob = opaqueOf(b);
  if (oa?.t === 'invalid' || ob?.t === 'invalid') return INVALID;
  return oa ?? ob;
}

function floorDiv(a: number, b: number): number {
  if (b === 0) throw new PyFail('integer division or modulo by zero');
  return Math.floor(a / b);
}

function pyMod(a: number, b: number): number {
  if (b === 0) throw new PyFail('integer division or modulo by zero');
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** Python ints are unbounded; skydag's are doubles, so an int past their range is refused instead of becoming inf. */
function finiteInt(n: number): number {
  if (!Number.isFinite(n)) throw new PyFail('integer result too large for static evaluation', 'DAG files do not need numbers of this size', DiagnosticCode.PARSE_LIMIT);
  return n;
}

function repeat<T>(items: T[], n: number): T[] {
  checkCollectionSize(items.length * n);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(...items);
  return out;
}

export function binaryOp(op: string, left: Value, right: Value): Value {
  const a = enumData(left);
  const b = enumData(right);
  const opaque = opaqueOperand(a, b);
  if (opaque) return opaque;
  const condition = datasetBinaryOp(op, a, b);
  if (condition) return condition;
  if (isNumber(a) && isNumber(b)) {
    const x = numeric(a);
    const y = numeric(b);
    const ints = a.t !== 'float' && b.t !== 'float';
    switch (op) {
      case '+': return ints ? int(x + y) : float(x + y);
      case '-': return ints ? int(x - y) : float(x - y);
      case '*': return ints ? int(x * y) : float(x * y);
      case '/':
        if (y === 0) throw new PyFail('division by zero');
        return float(x / y);
      case '//': return ints ? int(floorDiv(x, y)) : float(floorDiv(x, y));
      case '%': return ints ? int(pyMod(x, y)) : float(pyMod(x, y));
      case '**':
        if (ints && y >= 0) return int(finiteInt(x ** y));
        return float(x ** y);
      case '<<': if (ints) return int(finiteInt(x * 2 ** y)); break;
      case '>>': if (ints) return int(Math.floor(x / 2 ** y)); break;
      case '&': if (ints) return a.t === 'bool' && b.t === 'bool' ? bool(Boolean(x & y)) : int(x & y); break;
      case '|': if (ints) return a.t === 'bool' && b.t === 'bool' ? bool(Boolean(x | y)) : int(x | y); break;
      case '^': if (ints) return a.t === 'bool' && b.t === 'bool' ? bool(Boolean(x ^ y)) : int(x ^ y); break;
    }
  }
  if (a.t === 'str') {
    if (op === '+' && b.t === 'str') return str(a.v + b.v);
    if (op === '%') return str(percentFormat(a.v, b));
    if (op === '*' && (b.t === 'int' || b.t === 'bool')) {
      const n = Math.max(0, numeric(b));
      checkStringLength(a.v.length * n);
      return str(a.v.repeat(n));
    }
  }
  if (op === '*' && a.t === 'int' && b.t === 'str') return binaryOp('*', b, a);
  if ((a.t === 'list' || a.t === 'tuple') && b.t === a.t && op === '+') return a.t === 'list' ? list([...a.items, ...b.items]) : tuple([...a.items, ...b.items]);
  if ((a.t === 'list' || a.t === 'tuple') && (b.t === 'int' || b.t === 'bool') && op === '*') {
    const items = repeat(a.items, Math.max(0, numeric(b)));
    return a.t === 'list' ? list(items) : tuple(items);
  }
  if ((b.t === 'list' || b.t === 'tuple') && a.t === 'int' && op === '*') return binaryOp('*', b, a);
  if (a.t === 'dict' && b.t === 'dict' && op === '|') return { t: 'dict', map: new Map([...a.map, ...b.map]) };
  if (a.t === 'set' && b.t === 'set') {
    switch (op) {
      case '|': return { t: 'set', map: new Map([...a.map, ...b.map]) };
      case '&': return { t: 'set', map: new Map([...a.map].filter(([k]) => b.map.has(k))) };
      case '-': return { t: 'set', map: new Map([...a.map].filter(([k]) => !b.map.has(k))) };
      case '^': return { t: 'set', map: new Map([...[...a.map].filter(([k]) => !b.map.has(k)), ...[...b.map].filter(([k]) => !a.map.has(k))]) };
    }
  }
  // pathlib's `/`: a path joined with a str or a path, either side (`"data" / Path("x")` is Path.__rtruediv__).
  const isPath = (v: Value) => v.t === 'object' && v.path !== undefined;
  if (op === '/' && (isPath(a) || isPath(b)) && (isPath(a) || a.t === 'str') && (isPath(b) || b.t === 'str')) {
    const text = (v: Value) => (v.t === 'str' ? v.v : (v as { path: string }).path);
    const [left, right] = [text(a), text(b)];
    return { t: 'object', kind: 'PosixPath', attrs: new Map(), path: right.startsWith('/') ? right : `${left.replace(/\/$/, '')}/${right}` };
  }
  const dated = dateArithmetic(op, a, b);
  if (dated) return dated;
  throw new PyFail(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

export function unaryOp(op: '-' | '+' | '~', operand: Value): Value {
  const v = enumData(operand);
  const opaque = opaqueOf(v);
  if (opaque) return opaque;
  if (isNumber(v)) {
    const n = numeric(v);
    if (op === '-') return v.t === 'float' ? float(-n) : int(-n);
    if (op === '+') return v.t === 'float' ? v : int(n);
    if (v.t !== 'float') return int(~n);
  }
  if (v.t === 'timedelta' && op !== '~') return op === '-' ? { t: 'timedelta', us: -v.us } : v;
  throw new PyFail(`bad operand type for unary ${op}: '${typeName(v)}'`);
}

/** Python ordering (<): numbers, strings, sequences, dates; a TypeError otherwise. */
export function compareValues(left: Value, right: Value): number {
  const a = enumData(left);
  const b = enumData(right);
  if (isNumber(a) && isNumber(b)) return numeric(a) - numeric(b);
  if (a.t === 'str' && b.t === 'str') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if ((a.t === 'list' && b.t === 'list') || (a.t === 'tuple' && b.t === 'tuple')) {
    const n = Math.min(a.items.length, b.items.length);
    for (let i = 0; i < n; i++) {
      if (!pyEquals(a.items[i]!, b.items[i]!)) return compareValues(a.items[i]!, b.items[i]!);
    }
    return a.items.length - b.items.length;
  }
  const d = dateCompare(a, b);
  if (d !== undefined) return d;
  // pathlib paths order by their parts (sorted(Path(...).glob("*.yaml"))).
  if (a.t === 'object' && b.t === 'object' && a.path !== undefined && b.path !== undefined) {
    const [pa, pb] = [a.path.split('/'), b.path.split('/')];
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
    return pa.length - pb.length;
  }
  const opaque = opaqueOperand(a, b);
  if (opaque) throw new DynamicResult(opaque);
  throw new PyFail(`'<' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

function contains(holder: Value, member: Value): boolean {
  const container = enumData(holder);
  let item = member;
  switch (container.t) {
    case 'class':
      // `x in SomeEnum`: one of its members (or, mixed with str/int, equal to one, as Python 3.12 allows values).
      if (container.enum) return [...container.enum.members.values()].some((m) => m === item || (container.enum!.mixin !== null && pyEquals(m, item)));
      break;
    case 'str':
      item = enumData(item);
      if (item.t !== 'str') throw new PyFail(`'in <string>' requires string as left operand, not ${typeName(item)}`);
      return container.v.includes(item.v);
    case 'list':
    case 'tuple':
      return container.items.some((x) => pyEquals(item, x));
    case 'dict':
      return container.map.has(hashKey(item));
    case 'set':
      return container.map.has(hashKey(item));
    case 'object':
      if (container.kind === 'globals' && item.t === 'str') return container.scope!.module.vars.has(item.v);
      break;
  }
  throw new PyFail(`argument of type '${typeName(container)}' is not iterable`);
}

function isSame(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a.t === 'none' || b.t === 'none') return a.t === b.t;
  if (a.t === 'bool' && b.t === 'bool') return a.v === b.v;
  if (a.t === 'task' && b.t === 'task') return a.task === b.task;
  if (a.t === 'dag' && b.t === 'dag') return a.dag === b.dag;
  if (a.t === 'group' && b.t === 'group') return a.group === b.group;
  // Small ints and interned strings are identical in CPython; DAG files rely on `x is 0` rarely, but it works there.
  if ((a.t === 'int' && b.t === 'int') || (a.t === 'str' && b.t === 'str')) return a.v === b.v;
  return false;
}

export function compareOp(op: string, a: Value, b: Value): Value {
  if (op === 'is' || op === 'is not') {
    // An imported module, class or function (truthOrOpaque) is not None.
    if ((a.t === 'none' && truthOrOpaque(b) === true) || (b.t === 'none' && truthOrOpaque(a) === true)) return bool(op === 'is not');
    const opaque = opaqueOperand(a, b);
    if (opaque) return opaque;
    return bool(isSame(a, b) === (op === 'is'));
  }
  const opaque = opaqueOperand(a, b);
  if (opaque) return opaque;
  switch (op) {
    case '==': return bool(pyEquals(a, b));
    case '!=': return bool(!pyEquals(a, b));
    case '<': return bool(compareValues(a, b) < 0);
    case '<=': return bool(compareValues(a, b) <= 0);
    case '>': return bool(compareValues(a, b) > 0);
    case '>=': return bool(compareValues(a, b) >= 0);
    case 'in': return bool(contains(b, a));
    case 'not in': return bool(!contains(b, a));
  }
  throw new PyFail(`unknown comparison '${op}'`);
}

// ---------------------------------------------------------------- subscripts

function normIndex(i: number, len: number): number {
  return i < 0 ? i + len : i;
}

/** Python slice bounds for a sequence of `len` items. */
export function sliceIndices(len: number, lower: number | null, upper: number | null, step: number | null): number[] {
  const st = step ?? 1;
  if (st === 0) throw new PyFail('slice step cannot be zero');
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
  let start: number;
  let stop: number;
  if (st > 0) {
    start = lower === null ? 0 : clamp(normIndex(lower, len), 0, len);
    stop = upper === null ? len : clamp(normIndex(upper, len), 0, len);
  } else {
    start = lower === null ? len - 1 : clamp(normIndex(lower, len), -1, len - 1);
    stop = upper === null ? -1 : clamp(normIndex(upper, len), -1, len - 1);
  }
  const out: number[] = [];
  for (let i = start; st > 0 ? i < stop : i > stop; i += st) out.push(i);
  return out;
}

export interface SliceValue {
  lower: number | null;
  upper: number | null;
  step: number | null;
}

export function getItem(subscripted: Value, key: Value | SliceValue): Value {
  const obj = enumData(subscripted);
  if (!('t' in key)) {
    if (obj.t === 'str') return str(sliceIndices(obj.v.length, key.lower, key.upper, key.step).map((i) => obj.v[i]).join(''));
    if (obj.t === 'list' || obj.t === 'tuple') {
      const items = sliceIndices(obj.items.length, key.lower, key.upper, key.step).map((i) => obj.items[i]!);
      return obj.t === 'list' ? list(items) : tuple(items);
    }
    const opaque = opaqueOf(obj);
    if (opaque) return opaque;
    throw new PyFail(`'${typeName(obj)}' object is not subscriptable`);
  }
  const opaque = opaqueOperand(obj, key);
  if (opaque) return opaque;
  if (obj.t === 'class' && obj.enum) return enumByName(obj as ClassV & { enum: EnumInfo }, key);
  if (obj.t === 'list' || obj.t === 'tuple' || obj.t === 'str') {
    if (key.t !== 'int' && key.t !== 'bool') throw new PyFail(`${obj.t} indices must be integers or slices, not ${typeName(key)}`);
    const len = obj.t === 'str' ? obj.v.length : obj.items.length;
    const i = normIndex(numeric(key), len);
    if (i < 0 || i >= len) throw new PyFail(`${obj.t} index out of range`);
    return obj.t === 'str' ? str(obj.v[i]!) : obj.items[i]!;
  }
  if (obj.t === 'dict') {
    const entry = obj.map.get(hashKey(key));
    if (!entry) throw new PyFail(`KeyError: ${pyRepr(key)}`, 'use .get(key, default) for optional keys');
    return entry[1];
  }
  if (obj.t === 'object' && obj.kind === 'globals' && key.t === 'str') {
    const v = obj.scope!.module.vars.get(key.v);
    if (v === undefined) throw new PyFail(`KeyError: ${pyRepr(key)}`);
    return v;
  }
  throw new PyFail(`'${typeName(obj)}' object is not subscriptable`);
}

export function setItem(obj: Value, key: Value, value: Value): void {
  if (obj.t === 'list') {
    if (key.t !== 'int') throw new PyFail(`list indices must be integers, not ${typeName(key)}`);
    const i = normIndex(key.v, obj.items.length);
    if (i < 0 || i >= obj.items.length) throw new PyFail('list assignment index out of range');
    obj.items[i] = value;
    return;
  }
  if (obj.t === 'dict') {
    chargeGrowth(obj.map.size, 1);
    obj.map.set(hashKey(key), [key, value]);
    return;
  }
  if (obj.t === 'object' && obj.kind === 'globals') {
    if (key.t !== 'str') throw new PyFail('globals() keys must be strings');
    obj.scope!.module.vars.set(key.v, value);
    return;
  }
  throw new PyFail(`'${typeName(obj)}' object does not support item assignment`);
}

export function delItem(obj: Value, key: Value): void {
  if (obj.t === 'dict') {
    if (!obj.map.delete(hashKey(key))) throw new PyFail(`KeyError: ${pyRepr(key)}`);
    return;
  }
  if (obj.t === 'list' && key.t === 'int') {
    const i = normIndex(key.v, obj.items.length);
    if (i < 0 || i >= obj.items.length) throw new PyFail('list assignment index out of range');
    obj.items.splice(i, 1);
    return;
  }
  throw new PyFail(`'${typeName(obj)}' object does not support item deletion`);
}

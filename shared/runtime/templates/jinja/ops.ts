/**
 * Python semantics of Jinja operators over engine values: truthiness, `==`, ordering, arithmetic,
 * `~` concatenation and `%` formatting, including datetime/timedelta arithmetic on host objects.
 * Jinja passes operators straight to Python, so its errors are Python's (`TypeError: can only
 * concatenate str (not "int") to str`).
 */
import { affordText, chargeSteps } from '../budget.js';
import { MISSING, PyError, type BinaryOperator } from '../py/object.js';
import { pyStr, typeName, undefinedError, type Mode } from './repr.js';
import { printf } from './strformat.js';
import {
  entriesOf,
  fromRV,
  hostOf,
  isDict,
  isFunction,
  isNumeric,
  isSeq,
  isStr,
  isTuple,
  isUndef,
  itemsOf,
  mk,
  numOf,
  toRV,
  type RV,
} from './values.js';

export type ArithmeticOperator = BinaryOperator | '~';
export type ComparisonOperator = '==' | '!=' | '<' | '>' | '<=' | '>=';

/** `bool(value)`; using an undefined value is an error in strict mode. */
export function truthy(v: RV, mode: Mode): boolean {
  switch (v.type) {
    case 'UndefinedValue':
      if (mode.strict) throw undefinedError(v);
      return false;
    case 'StringValue':
      return (v.value as string).length > 0;
    case 'IntegerValue':
    case 'FloatValue':
      return (v.value as number) !== 0;
    case 'BooleanValue':
      return v.value as boolean;
    case 'NullValue':
      return false;
    default: {
      const host = hostOf(v);
      if (host) return host.bool();
      if (isSeq(v)) return itemsOf(v).length > 0;
      if (isDict(v)) return entriesOf(v).size > 0;
      return true;
    }
  }
}

const isIntLike = (v: RV): boolean => v.type === 'IntegerValue' || v.type === 'BooleanValue';

/** `a == b`. */
export function pyEquals(a: RV, b: RV, mode: Mode): boolean {
  if (isUndef(a) || isUndef(b)) {
    if (mode.strict) throw undefinedError(isUndef(a) ? a : b);
    return isUndef(a) && isUndef(b);
  }
  const ha = hostOf(a);
  if (ha) return ha.equals(fromRV(b));
  const hb = hostOf(b);
  if (hb) return hb.equals(fromRV(a));
  if (isNumeric(a) && isNumeric(b)) return numOf(a) === numOf(b);
  if (isStr(a) && isStr(b)) return a.value === b.value;
  if (a.type === 'NullValue' || b.type === 'NullValue') return a.type === b.type;
  if (isSeq(a) && isSeq(b)) {
    if (isTuple(a) !== isTuple(b)) return false;
    const x = itemsOf(a);
    const y = itemsOf(b);
    chargeSteps(Math.min(x.length, y.length));
    return x.length === y.length && x.every((v, i) => pyEquals(v, y[i] as RV, mode));
  }
  if (isDict(a) && isDict(b)) {
    const x = entriesOf(a);
    const y = entriesOf(b);
    if (x.size !== y.size) return false;
    chargeSteps(x.size);
    for (const [k, v] of x) {
      const w = y.get(k);
      if (w === undefined || !pyEquals(v, w, mode)) return false;
    }
    return true;
  }
  if (isFunction(a) || isFunction(b)) return a === b;
  return false;
}

function unorderable(op: string, a: RV, b: RV): PyError {
  return new PyError('TypeError', `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Three-way comparison for ordering operators. */
function order(op: string, a: RV, b: RV, mode: Mode): number {
  if (isUndef(a) || isUndef(b)) throw undefinedError(isUndef(a) ? a : b);
  const ha = hostOf(a);
  const hb = hostOf(b);
  if (ha || hb) {
    let r = ha ? ha.compare(fromRV(b)) : MISSING;
    if (r === MISSING && hb) {
      const back = hb.compare(fromRV(a));
      r = back === MISSING ? MISSING : -back;
    }
    if (r === MISSING) throw unorderable(op, a, b);
    return r;
  }
  if (isNumeric(a) && isNumeric(b)) return Math.sign(numOf(a) - numOf(b));
  if (isStr(a) && isStr(b)) return a.value === b.value ? 0 : (a.value as string) < (b.value as string) ? -1 : 1;
  if (isSeq(a) && isSeq(b) && isTuple(a) === isTuple(b)) {
    const x = itemsOf(a);
    const y = itemsOf(b);
    chargeSteps(Math.min(x.length, y.length));
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const xi = x[i] as RV;
      const yi = y[i] as RV;
      if (!pyEquals(xi, yi, mode)) return order(op, xi, yi, mode);
    }
    return Math.sign(x.length - y.length);
  }
  throw unorderable(op, a, b);
}

/** `a <op> b` for comparison operators. */
export function compare(op: ComparisonOperator, a: RV, b: RV, mode: Mode): boolean {
  switch (op) {
    case '==':
      return pyEquals(a, b, mode);
    case '!=':
      return !pyEquals(a, b, mode);
    case '<':
      return order(op, a, b, mode) < 0;
    case '>':
      return order(op, a, b, mode) > 0;
    case '<=':
      return order(op, a, b, mode) <= 0;
    case '>=':
      return order(op, a, b, mode) >= 0;
  }
}

function unsupported(op: string, a: RV, b: RV): PyError {
  return new PyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

/** `seq * n`, refused before it is built when the render cannot afford the result. */
function repeat(seq: RV, times: RV): RV {
  const n = Math.max(0, numOf(times));
  if (isStr(seq)) {
    const s = seq.value as string;
    affordText(s.length * n, () => `a string of ${s.length} characters * ${n}`);
    return mk.str(s.repeat(n));
  }
  const items = itemsOf(seq);
  chargeSteps(items.length * n, () => `a ${typeName(seq)} of ${items.length} items * ${n}`);
  const out: RV[] = [];
  for (let i = 0; i < n; i++) out.push(...items);
  return isTuple(seq) ? mk.tuple(out) : mk.list(out);
}

function numeric(op: BinaryOperator, a: RV, b: RV): RV {
  const x = numOf(a);
  const y = numOf(b);
  const ints = isIntLike(a) && isIntLike(b);
  const result = (n: number): RV => (ints ? mk.int(n) : mk.float(n));
  switch (op) {
    case '+':
      return result(x + y);
    case '-':
      return result(x - y);
    case '*':
      return result(x * y);
    case '/':
      if (y === 0) throw new PyError('ZeroDivisionError', ints ? 'division by zero' : 'float division by zero');
      return mk.float(x / y);
    case '//':
      if (y === 0) throw new PyError('ZeroDivisionError', ints ? 'integer division or modulo by zero' : 'float floor division by zero');
      return result(Math.floor(x / y));
    case '%': {
      if (y === 0) throw new PyError('ZeroDivisionError', ints ? 'integer modulo by zero' : 'float modulo');
      const r = x - Math.floor(x / y) * y;
      return result(r);
    }
    case '**':
      if (x === 0 && y < 0) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
      if (ints && y > 0 && Math.abs(x) > 1) {
        // Python computes the exact integer: its digits are text the render builds.
        affordText(y * Math.log10(Math.abs(x)), () => `${x} ** ${y}`);
      }
      return ints && y >= 0 ? mk.int(x ** y) : mk.float(x ** y);
  }
}

/** `a <op> b` for arithmetic operators and `~`. */
export function arithmetic(op: ArithmeticOperator, a: RV, b: RV, mode: Mode): RV {
  if (op === '~') return mk.str(pyStr(a, mode) + pyStr(b, mode));
  if (isUndef(a) || isUndef(b)) throw undefinedError(isUndef(a) ? a : b);
  const ha = hostOf(a);
  const hb = hostOf(b);
  if (ha || hb) {
    let r: unknown = ha ? ha.binop(op, fromRV(b), false) : MISSING;
    if (r === MISSING && hb) r = hb.binop(op, fromRV(a), true);
    if (r === MISSING) throw unsupported(op, a, b);
    return toRV(r);
  }
  if (isNumeric(a) && isNumeric(b)) return numeric(op, a, b);
  switch (op) {
    case '+':
      if (isStr(a) && isStr(b)) return mk.str((a.value as string) + (b.value as string));
      if (isStr(a)) throw new PyError('TypeError', `can only concatenate str (not "${typeName(b)}") to str`);
      if (isSeq(a) && isSeq(b) && isTuple(a) === isTuple(b)) {
        chargeSteps(itemsOf(a).length + itemsOf(b).length);
        const items = [...itemsOf(a), ...itemsOf(b)];
        return isTuple(a) ? mk.tuple(items) : mk.list(items);
      }
      if (isSeq(a)) throw new PyError('TypeError', `can only concatenate ${typeName(a)} (not "${typeName(b)}") to ${typeName(a)}`);
      break;
    case '*':
      if ((isStr(a) || isSeq(a)) && isIntLike(b)) return repeat(a, b);
      if ((isStr(b) || isSeq(b)) && isIntLike(a)) return repeat(b, a);
      if (isStr(a) || isStr(b)) throw new PyError('TypeError', `can't multiply sequence by non-int of type '${typeName(isStr(a) ? b : a)}'`);
      break;
    case '%':
      if (isStr(a)) return mk.str(printf(a.value as string, b, mode));
      break;
    default:
      break;
  }
  throw unsupported(op, a, b);
}

/** Unary `-`/`+`. */
export function unary(op: '-' | '+', v: RV): RV {
  if (isUndef(v)) throw undefinedError(v);
  const host = hostOf(v);
  if (host) {
    const r = host.unary(op);
    if (r !== MISSING) return toRV(r);
  } else if (isNumeric(v)) {
    const n = numOf(v) * (op === '-' ? -1 : 1);
    return isIntLike(v) ? mk.int(n) : mk.float(n);
  }
  throw new PyError('TypeError', `bad operand type for unary ${op}: '${typeName(v)}'`);
}

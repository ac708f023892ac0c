/** Helpers for functions implemented natively: argument binding and type coercion. */
import {
  DynamicResult,
  PyFail,
  enumData,
  numeric,
  opaqueOf,
  typeName,
  type CallCtx,
  type NativeFn,
  type NativeV,
  type Value,
} from './values.js';

/** `v` as a value natives compute with: opaque ones end the computation; a str/int enum member is its value. */
export function concrete(v: Value): Value {
  const opaque = opaqueOf(v);
  if (opaque) throw new DynamicResult(opaque);
  return enumData(v);
}

/**
 * Binds positional and keyword arguments to parameter names, as Python would for
 * `def fn(a, b=..., *, c=...)`: too many or unknown arguments are TypeErrors.
 */
export function bindArgs(
  fnName: string,
  args: Value[],
  kwargs: Map<string, Value>,
  positional: readonly string[],
  keywordOnly: readonly string[] = [],
): Record<string, Value | undefined> {
  if (args.length > positional.length) {
    throw new PyFail(`${fnName}() takes at most ${positional.length} positional argument${positional.length === 1 ? '' : 's'} (${args.length} given)`);
  }
  const out: Record<string, Value | undefined> = {};
  args.forEach((v, i) => (out[positional[i]!] = v));
  for (const [k, v] of kwargs) {
    if (!positional.includes(k) && !keywordOnly.includes(k)) throw new PyFail(`${fnName}() got an unexpected keyword argument '${k}'`);
    if (out[k] !== undefined) throw new PyFail(`${fnName}() got multiple values for argument '${k}'`);
    out[k] = v;
  }
  return out;
}

export function asStr(v: Value | undefined, what: string): string {
  if (v === undefined) throw new PyFail(`${what} is required`);
  const c = concrete(v);
  if (c.t !== 'str') throw new PyFail(`${what} must be a str, not ${typeName(c)}`);
  return c.v;
}

export function asInt(v: Value | undefined, what: string, fallback?: number): number {
  if (v === undefined || v.t === 'none') {
    if (fallback !== undefined) return fallback;
    throw new PyFail(`${what} is required`);
  }
  const c = concrete(v);
  if (c.t === 'int' || c.t === 'bool') return numeric(c);
  throw new PyFail(`${what} must be an int, not ${typeName(c)}`);
}

export function asNumber(v: Value | undefined, what: string, fallback?: number): number {
  if (v === undefined || v.t === 'none') {
    if (fallback !== undefined) return fallback;
    throw new PyFail(`${what} is required`);
  }
  const c = concrete(v);
  if (c.t === 'int' || c.t === 'float' || c.t === 'bool') return numeric(c);
  throw new PyFail(`${what} must be a number, not ${typeName(c)}`);
}

/** A native function value; `attrs` gives class-like natives (datetime.now, ...) their members. */
export function fn(name: string, module: string, impl: NativeFn, attrs?: Record<string, Value>): NativeV {
  const v: NativeV = { t: 'native', name, module, fn: impl };
  if (attrs) v.attrs = new Map(Object.entries(attrs));
  return v;
}

/** A bound method: `self` is captured; Python's method name is used in errors. */
export function method(name: string, impl: (args: Value[], kwargs: Map<string, Value>, ctx: CallCtx) => Value): NativeV {
  return { t: 'native', name, module: 'builtins', fn: impl };
}

export function noKwargs(name: string, kwargs: Map<string, Value>): void {
  if (kwargs.size > 0) throw new PyFail(`${name}() takes no keyword arguments`);
}

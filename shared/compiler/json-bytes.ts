/**
 * UTF-8 bytes of a value's JSON.stringify text, counted by walking the value instead of building the
 * text: a 10,000-task DAG's state machines are ~40 MB of JSON that only the 1 MB definition budget
 * needs measured, and the walk takes about half the time of the serialization (no 40 MB of strings to
 * allocate and scan). Anything but plain data (a toJSON, a class instance, a bigint) is left to
 * JSON.stringify itself, so the count is always that of the text.
 */

/** A string JSON writes as-is between its quotes: printable ASCII without `"` or `\`. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPE_OR_MULTIBYTE = /["\\\u0000-\u001f\u007f-\uffff]/;

/** Bytes of a JSON string literal, quotes included. */
function stringBytes(text: string): number {
  return NEEDS_ESCAPE_OR_MULTIBYTE.test(text) ? Buffer.byteLength(JSON.stringify(text), 'utf8') : text.length + 2;
}

/** Bytes as JSON.stringify writes the value (0 when it writes nothing, as for undefined). */
function serializedBytes(value: unknown): number {
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}

/** Thrown inside the walk when a value is not plain data after all (an own toJSON): the caller serializes instead. */
const NOT_PLAIN = Symbol('not plain data');

/**
 * The walk assumes what JSON.stringify would otherwise see differently: no toJSON and no enumerable
 * key inherited from Object.prototype or Array.prototype (checked once per call, not per object).
 */
function prototypesArePlain(): boolean {
  for (const _ in Object.prototype) return false;
  return !('toJSON' in Object.prototype) && !('toJSON' in Array.prototype);
}

export function jsonBytes(value: unknown): number {
  if (!prototypesArePlain()) return serializedBytes(value);
  try {
    return walk(value);
  } catch (error) {
    if (error === NOT_PLAIN) return serializedBytes(value);
    throw error;
  }
}

function walk(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4; // NaN and ±Infinity are written null
    case 'boolean':
      return value ? 4 : 5;
    case 'object':
      return value === null ? 4 : Array.isArray(value) ? arrayBytes(value) : objectBytes(value);
    default:
      // A bigint throws as JSON.stringify does; an undefined, function or symbol member is skipped by the callers.
      return serializedBytes(value);
  }
}

/** Sizes of the constant parts many states share (see sizedConstant), measured once. */
const constantSizes = new WeakMap<object, number>();

/**
 * Marks a value that is never changed as shared by many states (a Retry list, a selector): frozen, so
 * that stays true, and its size is then counted once instead of at every state that holds it.
 */
export function sizedConstant<T extends object>(value: T): T {
  deepFreeze(value);
  constantSizes.set(value, jsonBytes(value));
  return value;
}

function deepFreeze(value: object): void {
  for (const member of Object.values(value)) if (typeof member === 'object' && member !== null) deepFreeze(member as object);
  Object.freeze(value);
}

function arrayBytes(items: unknown[]): number {
  const known = constantSizes.get(items);
  if (known !== undefined) return known;
  if (Object.getPrototypeOf(items) !== Array.prototype || Object.hasOwn(items, 'toJSON')) throw NOT_PLAIN;
  // Brackets and commas, then each item (null for a hole, undefined, a function or a symbol).
  let size = items.length > 0 ? items.length + 1 : 2;
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    size += item === undefined || typeof item === 'function' || typeof item === 'symbol' ? 4 : walk(item);
  }
  return size;
}

function objectBytes(object: object): number {
  const known = constantSizes.get(object);
  if (known !== undefined) return known;
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
  const record = object as Record<string, unknown>;
  // Braces and commas, then each member's key, colon and value; members JSON leaves out are not counted.
  let size = 1;
  for (const key in record) {
    if (key === 'toJSON') throw NOT_PLAIN;
    const member = record[key];
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    size += stringBytes(key) + 2 + walk(member);
  }
  return size === 1 ? 2 : size;
}

/**
 * The host-object protocol: how TypeScript objects (datetimes, the task instance, macros, accessors)
 * present themselves to templates with Python semantics. The Jinja bridge (`../jinja/values.ts`)
 * converts between these plain JS values and the engine's runtime values.
 *
 * JS-level value conventions used by every host object:
 * - `string`, `boolean`, `null` (None), `undefined` (Jinja's Undefined);
 * - `number` is an int when it is an integer, a float otherwise; wrap a float that happens to be
 *   integral in {@link PyFloat} so it prints as `1.0`;
 * - arrays are lists, {@link PyTuple} is a tuple, plain objects are dicts;
 * - {@link PyObject} instances are everything else (callable when they implement `call`).
 */

/** Returned by `getattr`/`getitem`/operator hooks when the object does not provide the member. */
export const MISSING: unique symbol = Symbol('missing');
export type Missing = typeof MISSING;

export type Kwargs = Record<string, unknown>;

/** A Python exception raised by host code or by the template semantics (`TypeError: ...`). */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
    this.name = 'PyError';
  }

  /** The last line of a Python traceback: `KeyError: 'x'`. */
  get detail(): string {
    return `${this.pyType}: ${this.message}`;
  }
}

/** A float whose value is integral (`1.0`): plain JS numbers that are integers are ints. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A Python tuple (JS arrays are lists). */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

export type BinaryOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**';

/** Base class of every host object. Defaults follow Python's `object`. */
export abstract class PyObject {
  /** Python type name used in error messages (`'DateTime' object is not iterable`). */
  abstract readonly pyTypeName: string;

  /** `getattr(obj, name)`; {@link MISSING} when there is no such attribute. */
  getattr(_name: string): unknown {
    return MISSING;
  }

  /** `obj[key]`; {@link MISSING} when not subscriptable or the key is absent. */
  getitem(_key: unknown): unknown {
    return MISSING;
  }

  abstract repr(): string;

  str(): string {
    return this.repr();
  }

  bool(): boolean {
    return true;
  }

  /** `format(obj, spec)` (`__format__`). */
  format(spec: string): string {
    if (spec !== '') throw new PyError('TypeError', `unsupported format string passed to ${this.pyTypeName}.__format__`);
    return this.str();
  }

  /** `self <op> other` (or `other <op> self` when `reflected`); {@link MISSING} for NotImplemented. */
  binop(_op: BinaryOperator, _other: unknown, _reflected: boolean): unknown {
    return MISSING;
  }

  /** Negative/zero/positive ordering against `other`; {@link MISSING} when not orderable. */
  compare(_other: unknown): number | Missing {
    return MISSING;
  }

  equals(other: unknown): boolean {
    return other === this;
  }

  /** Unary minus/plus/abs; {@link MISSING} when unsupported. */
  unary(_op: '-' | '+' | 'abs'): unknown {
    return MISSING;
  }

  /** Items when iterable (`for x in obj`), otherwise {@link MISSING}. */
  iterate(): unknown[] | Missing {
    return MISSING;
  }

  /** The value stored when a native-rendered field evaluates to this object. */
  toNative(): unknown {
    return this.str();
  }
}

/** A callable host object (function or class). */
export abstract class PyCallable extends PyObject {
  abstract call(args: unknown[], kwargs: Kwargs): unknown;
}

export type HostImpl = (args: unknown[], kwargs: Kwargs) => unknown;

/** A host function, optionally with attributes (`macros.datetime.now` hangs off `macros.datetime`). */
export class PyFunction extends PyCallable {
  readonly pyTypeName: string;

  constructor(
    readonly name: string,
    private readonly impl: HostImpl,
    private readonly attrs: Readonly<Record<string, unknown>> = {},
    private readonly display?: string,
  ) {
    super();
    this.pyTypeName = display === undefined ? 'function' : 'type';
  }

  call(args: unknown[], kwargs: Kwargs): unknown {
    return this.impl(args, kwargs);
  }

  override getattr(name: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.attrs, name) ? this.attrs[name] : MISSING;
  }

  repr(): string {
    return this.display ?? `<function ${this.name}>`;
  }
}

/** A read-only object with fixed attributes (e.g. `dag_run`), shown as `repr`. */
export class PyRecord extends PyObject {
  constructor(
    readonly pyTypeName: string,
    private readonly attrs: Readonly<Record<string, unknown>>,
    private readonly reprText: string,
    private readonly strText?: string,
  ) {
    super();
  }

  override getattr(name: string): unknown {
    if (!Object.prototype.hasOwnProperty.call(this.attrs, name)) return MISSING;
    const v = this.attrs[name];
    return typeof v === 'function' && !(v instanceof PyObject) ? (v as () => unknown)() : v;
  }

  repr(): string {
    return this.reprText;
  }

  override str(): string {
    return this.strText ?? this.reprText;
  }
}

/** A parameter: its name and, when optional, its default. */
export type Param = readonly [name: string] | readonly [name: string, defaultValue: unknown];

/**
 * Binds positional and keyword arguments to named parameters like a Python call, raising Python's
 * `TypeError` messages for missing, duplicate, surplus or unknown arguments.
 */
export function bindArgs(fn: string, params: readonly Param[], args: readonly unknown[], kwargs: Kwargs): Record<string, unknown> {
  if (args.length > params.length) {
    throw new PyError('TypeError', `${fn}() takes at most ${params.length} argument${params.length === 1 ? '' : 's'} (${args.length} given)`);
  }
  const out: Record<string, unknown> = {};
  params.forEach((p, i) => {
    const name = p[0];
    if (i < args.length) {
      if (Object.prototype.hasOwnProperty.call(kwargs, name)) {
        throw new PyError('TypeError', `${fn}() got multiple values for argument '${name}'`);
      }
      out[name] = args[i];
    } else if (Object.prototype.hasOwnProperty.call(kwargs, name)) {
      out[name] = kwargs[name];
    } else if (p.length === 2) {
      out[name] = p[1];
    } else {
      throw new PyError('TypeError', `${fn}() missing 1 required positional argument: '${name}'`);
    }
  });
  for (const key of Object.keys(kwargs)) {
    if (!params.some((p) => p[0] === key)) throw new PyError('TypeError', `${fn}() got an unexpected keyword argument '${key}'`);
  }
  return out;
}

/** Python type name of a JS-level value, for error messages. */
export function pyTypeNameOf(v: unknown): string {
  if (v === null) return 'NoneType';
  if (v === undefined) return 'Undefined';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (v instanceof PyTuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyObject) return v.pyTypeName;
  return 'dict';
}

/** Plain number of an int/float argument, or a `TypeError` naming the parameter. */
export function toNumber(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new PyError('TypeError', `${what} must be a number, not ${pyTypeNameOf(v)}`);
}

/** Integer argument (floats are rejected like Python's `integer argument expected, got float`). */
export function toInt(v: unknown, what: string): number {
  const n = toNumber(v, what);
  if (!Number.isInteger(n) || v instanceof PyFloat) throw new PyError('TypeError', `${what}: integer argument expected, got float`);
  return n;
}

export function isPlainDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyObject) && !(v instanceof PyFloat) && !(v instanceof PyTuple);
}

/**
 * A DAG's `user_defined_macros` and `user_defined_filters` whose values only the DAG file's Python
 * process has (functions, objects, modules). Templates render here, in TypeScript, so a template's use
 * of such a value — a call, an attribute or item on the way to one, or the value itself printed or
 * iterated — is a {@link PythonCall} answered through the `pythonCall` accessor, which evaluates it in
 * the DAG file's process (the task runner's `template_calls` mode).
 *
 * The accessor is synchronous like the others: the renderer answers from what earlier passes fetched
 * and records the rest as misses (`handlers/render-fields.ts`). Until its answer is known a call gives
 * a {@link PendingValue}, which renders as nothing and is never passed on to another call, so a pass
 * collects every call whose arguments it can know and the next pass sees their results.
 */
import { truthy } from './jinja/ops.js';
import { pyRepr } from './jinja/repr.js';
import { toRV } from './jinja/values.js';
import { PyDate, PyDateTime, PyTimedelta } from './py/datetime.js';
import { MISSING, PyCallable, PyError, PyFloat, PyObject, PyTuple, type Kwargs } from './py/object.js';

/** One step from a macro to the value used: `.name` (Jinja: attribute, else item) or `[key]` (item, else attribute). */
export type PythonPathStep = { attr: string } | { item: string | number };

export interface PythonCall {
  /**
   * A macro (a global of the template environment), a filter (`value | name(args)`: value first), or
   * a plugin's macros (`macros.<plugin name>`: its AirflowPlugin's `macros`, from the plugins folder).
   */
  kind: 'macro' | 'filter' | 'plugin_macros';
  name: string;
  path: PythonPathStep[];
  /** `call`: call the value at `path` with the arguments; `value`: the value itself (its str, repr and data). */
  op: 'call' | 'value';
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** What a call gave: its result (a model value: tagged datetimes and timedeltas), or the exception it raised. */
export type PythonCallResult = { ok: true; value: unknown } | { ok: false; error_type: string; message: string };

/** What the accessor answers: a result fetched by an earlier pass, or `pending` (recorded for the next one). */
export type PythonCallAnswer = PythonCallResult | { pending: true };

export type PythonCallAccessor = (call: PythonCall) => PythonCallAnswer;

/** A `value` call's result: Python's str() and repr() of the value and, when it is plain data, the data. */
interface PythonValueResult {
  str: string;
  repr: string;
  data?: unknown;
}

/** The same call always gives the same key (the renderer's cache of answers). */
export function pythonCallKey(call: PythonCall): string {
  return JSON.stringify([call.kind, call.name, call.path, call.op, call.args, call.kwargs]);
}

/** A call whose answer a later pass will have: renders as nothing; whatever is done with it is pending too. */
export class PendingValue extends PyCallable {
  readonly pyTypeName = 'pending';
  call(): unknown {
    return this;
  }
  override getattr(): unknown {
    return this;
  }
  override getitem(): unknown {
    return this;
  }
  repr(): string {
    return '';
  }
  override bool(): boolean {
    return false;
  }
  override iterate(): unknown[] {
    return [];
  }
  override format(): string {
    return '';
  }
  override toNative(): unknown {
    return null;
  }
}

class PendingArgument extends Error {}

/** A template value as the model's JSON for the Python side (datetimes and timedeltas tagged). */
function portable(v: unknown, what: string, depth = 0): unknown {
  if (depth > 50) throw new PyError('ValueError', `${what}: an argument is nested too deeply`);
  if (v === undefined) throw new PyError('UndefinedError', `${what}: an argument is undefined`);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PendingValue) throw new PendingArgument();
  if (v instanceof PyTuple) return v.items.map((x) => portable(x, what, depth + 1));
  if (Array.isArray(v)) return v.map((x) => portable(x, what, depth + 1));
  if (v instanceof PythonValue) throw new PyError('TypeError', `${what}: a user-defined macro's Python object cannot be passed as an argument (pass plain data)`);
  // Datetimes and timedeltas cross tagged (the runner decodes them), a date as its ISO text; objects
  // such as `ti` or `dag_run` do not cross.
  if (v instanceof PyDateTime || v instanceof PyTimedelta || v instanceof PyDate) return v.toNative();
  if (v instanceof PyObject) throw new PyError('TypeError', `${what}: a ${v.pyTypeName} object cannot be passed to a user-defined macro or filter (pass its attributes)`);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = portable(x, what, depth + 1);
    return out;
  }
  throw new PyError('TypeError', `${what}: a ${typeof v} cannot be passed to Python`);
}

/** The call's result as a template value, or the exception it raised, re-raised here. */
function unwrap(answer: PythonCallAnswer): unknown {
  if ('pending' in answer) return PENDING;
  if (!answer.ok) throw new PyError(answer.error_type, answer.message);
  return answer.value;
}

const PENDING = new PendingValue();

/** Sends `call` unless an argument is still pending (a later pass sends it with the argument's value). */
function ask(accessor: PythonCallAccessor, call: Omit<PythonCall, 'args' | 'kwargs'>, args: unknown[], kwargs: Kwargs, what: string): unknown {
  let portableArgs: unknown[];
  let portableKwargs: Record<string, unknown>;
  try {
    portableArgs = args.map((a) => portable(a, what));
    portableKwargs = Object.fromEntries(Object.entries(kwargs).map(([k, a]) => [k, portable(a, what)]));
  } catch (err) {
    if (err instanceof PendingArgument) return PENDING;
    throw err;
  }
  return unwrap(accessor({ ...call, args: portableArgs, kwargs: portableKwargs }));
}

function describe(name: string, path: readonly PythonPathStep[]): string {
  return name + path.map((s) => ('attr' in s ? `.${s.attr}` : `[${JSON.stringify(s.item)}]`)).join('');
}

/**
 * A user-defined macro (or a part of one: `helper.fmt`, `utils["f"]`) whose value is in the DAG
 * file's process. Calling it calls the Python value; printing or iterating it reads the value once.
 */
export class PythonValue extends PyCallable {
  readonly pyTypeName = 'object';
  private resolved: PythonValueResult | undefined;

  constructor(
    private readonly accessor: PythonCallAccessor,
    private readonly name: string,
    private readonly path: readonly PythonPathStep[] = [],
    private readonly kind: 'macro' | 'plugin_macros' = 'macro',
  ) {
    super();
  }

  private get label(): string {
    return this.kind === 'macro' ? `user-defined macro ${describe(this.name, this.path)}` : `macros.${describe(this.name, this.path)}`;
  }

  call(args: unknown[], kwargs: Kwargs): unknown {
    return ask(this.accessor, { kind: this.kind, name: this.name, path: [...this.path], op: 'call' }, args, kwargs, this.label);
  }

  override getattr(name: string): unknown {
    // Airflow renders in Jinja's sandbox, which hides underscore attributes.
    if (name.startsWith('_')) return MISSING;
    return new PythonValue(this.accessor, this.name, [...this.path, { attr: name }], this.kind);
  }

  override getitem(key: unknown): unknown {
    if (typeof key !== 'string' && typeof key !== 'number') return MISSING;
    return new PythonValue(this.accessor, this.name, [...this.path, { item: key }], this.kind);
  }

  /** The value itself (str, repr, plain data); undefined while pending. */
  private value(): PythonValueResult | undefined {
    if (this.resolved) return this.resolved;
    const answer = unwrap(this.accessor({ kind: this.kind, name: this.name, path: [...this.path], op: 'value', args: [], kwargs: {} }));
    if (answer instanceof PendingValue) return undefined;
    this.resolved = answer as PythonValueResult;
    return this.resolved;
  }

  repr(): string {
    return this.value()?.repr ?? '';
  }

  override str(): string {
    return this.value()?.str ?? '';
  }

  override bool(): boolean {
    const v = this.value();
    if (v === undefined) return false;
    return v.data === undefined ? true : truthy(toRV(v.data), { strict: false });
  }

  override iterate(): unknown[] {
    const v = this.value();
    if (v === undefined) return [];
    if (Array.isArray(v.data)) return v.data;
    if (v.data !== null && typeof v.data === 'object') return Object.keys(v.data);
    if (typeof v.data === 'string') return [...v.data];
    throw new PyError('TypeError', `'${this.label}' is not iterable here (only lists, dicts and strings of a user-defined macro are)`);
  }

  override equals(other: unknown): boolean {
    const v = this.value();
    return v !== undefined && v.data !== undefined && pyRepr(toRV(v.data)) === pyRepr(toRV(other));
  }

  override toNative(): unknown {
    const v = this.value();
    return v === undefined ? null : v.data !== undefined ? v.data : v.str;
  }
}

/** A user-defined filter: `value | name(args)` calls the DAG file's function with the value first. */
export function pythonFilter(accessor: PythonCallAccessor, name: string): (value: unknown, args: unknown[], kwargs: Kwargs) => unknown {
  return (value, args, kwargs) => ask(accessor, { kind: 'filter', name, path: [], op: 'call' }, [value, ...args], kwargs, `user-defined filter '${name}'`);
}

/** The accessor of a context without one: every use of a Python-side macro or filter is an error. */
export const NO_PYTHON: PythonCallAccessor = (call) => ({
  ok: false,
  error_type: 'RuntimeError',
  message: `the user-defined ${call.kind} '${call.name}' is a Python value of the DAG file, which this renderer cannot evaluate`,
});

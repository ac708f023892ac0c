/**
 * Runtime values of the static evaluator. Python's own types are modelled closely enough for DAG
 * files (int vs float, insertion-ordered dicts, tuples, identity of mutable objects); Airflow
 * objects (DAGs, tasks, groups, XComArgs) are handles onto the evaluator's Airflow state; anything
 * the evaluator cannot know is `dynamic` (remembers where it came from) and anything that already
 * failed is `invalid` (propagates silently, so one mistake yields one diagnostic).
 */
import type { DateTime } from 'luxon';
import type { DiagnosticCode } from '../../model/diagnostics.js';
import type { OperatorSpec } from '../../operators/registry.js';
import type { FunctionDef, LambdaExpr, Stmt } from './ast.js';
import { chargeGrowth, chargeItems, chargeString } from './budget.js';
import type { DagState, GroupState, LabelState, TaskFlowState, TaskState } from './airflow-state.js';
import type { ParseEnvironment } from './parse-environment.js';
import type { ParseFiles } from './parse-files.js';
import type { Scope } from './scope.js';

export interface NoneV { t: 'none' }
export interface BoolV { t: 'bool'; v: boolean }
export interface IntV { t: 'int'; v: number }
export interface FloatV { t: 'float'; v: number }
export interface StrV { t: 'str'; v: string }
export interface ListV { t: 'list'; items: Value[] }
export interface TupleV { t: 'tuple'; items: Value[] }
export interface SetV { t: 'set'; map: Map<string, Value> }
export interface DictV { t: 'dict'; map: Map<string, [Value, Value]> }

/** A `def` or `lambda` from the DAG file. */
export interface FunctionV {
  t: 'function';
  name: string;
  /** The definition (a lambda has an expression body). */
  node: FunctionDef | LambdaExpr;
  defaults: Map<string, Value>;
  closure: Scope;
  /** 1-based line of the definition, for callable references. */
  line: number;
  module: string | null;
  /**
   * The local module (beside the DAG file) whose code this is, when it is not the file being read:
   * its node positions are offsets into that module's source, not the reading evaluator's.
   */
  origin?: string;
}

export interface CallCtx {
  interp: Interp;
  /** Offset of the call expression (for diagnostics and task locations). */
  from: number;
  /** Where each argument was written (positional by index, keywords by name). */
  argFrom?: { pos: number[]; kw: Map<string, number> };
  /** The calling scope (for globals()/locals()). */
  scope?: Scope;
}
export type NativeFn = (args: Value[], kwargs: Map<string, Value>, ctx: CallCtx) => Value;

/** A function implemented by the evaluator (builtins, bound methods, library functions). */
export interface NativeV {
  t: 'native';
  name: string;
  /** Module path when it stands for a library function (used when passed as a callable). */
  module: string;
  fn: NativeFn;
  /** Natives that accept dynamic/invalid arguments themselves (otherwise those short-circuit). */
  handlesOpaque?: boolean;
  /** Class-like natives (datetime, timedelta, ...) expose members: `datetime.now`. */
  attrs?: Map<string, Value>;
  /**
   * The name of the Airflow export this is (DAG, TaskGroup, task, Variable, ...). Each evaluator has its
   * own, bound to its DAGs and tasks: a local module's function that uses its module's copy gets the
   * calling evaluator's instead, so what it builds belongs to the file being read.
   */
  export?: string;
}

/** A module the evaluator knows (its attributes are resolved by name) or an opaque one. */
export interface ModuleV {
  t: 'module';
  name: string;
  known: boolean;
}

/** A name from a module the evaluator does not run (user helpers, pandas, ...): a reference only. */
export interface ExternalV {
  t: 'external';
  module: string;
  path: string[];
  from: number;
  /** Bound by `from module import name` itself (not an attribute or call of one): see truthOrOpaque. */
  imported?: true;
}

/** A class defined in the DAG file. */
export interface ClassV {
  t: 'class';
  name: string;
  baseNames: string[];
  /** Set when the class derives from an operator (it then creates tasks when called). */
  operator: OperatorSpec | null;
  from: number;
  /**
   * A plain class (no base but `object` and other plain classes) whose body the reader evaluated:
   * calling it makes an instance (its `__init__` run), its attributes and methods are read. Absent:
   * the class stays opaque.
   */
  plain?: PlainClass;
  /** An Enum class (enums.ts): its members. */
  enum?: EnumInfo;
  /** A subclass of one of Airflow's timetables: an instance is a custom timetable (its code runs in Python). */
  timetable?: true;
}

export interface EnumInfo {
  /** Members by name, aliases included (an alias names its value's first member), in definition order. */
  members: Map<string, ObjectV>;
  /** The data type its members also are (`class E(str, Enum)`, IntEnum, StrEnum): they act as their value. */
  mixin: 'str' | 'int' | null;
  /** IntEnum / StrEnum (Python's ReprEnum): str() and format() of a member are its value's. */
  reprEnum: boolean;
}

/** Whether `v` is a member of an Enum class. */
export const isEnumMember = (v: Value): v is ObjectV & { cls: ClassV & { enum: EnumInfo } } => v.t === 'object' && v.cls?.enum !== undefined;

/** A member of a str/int-mixed enum as the value it also is; any other value as it is. */
export function enumData(v: Value): Value {
  return isEnumMember(v) && v.cls.enum.mixin !== null ? v.attrs.get('_value_')! : v;
}

export interface PlainClass {
  /** What the class body bound: attributes, methods (functions), staticmethod/classmethod/property wrappers. */
  namespace: Map<string, Value>;
  bases: ClassV[];
  /** A `@dataclass`: its fields in order, with their defaults (undefined: required). */
  dataclassFields?: { name: string; default: Value | undefined }[];
}

/** An operator class from Airflow, the registry, a provider, or the DAG folder. */
export interface OperatorClassV {
  t: 'operator_class';
  className: string;
  module: string | null;
  /** null when the class is unknown (then using it is an error). */
  spec: OperatorSpec | null;
  status: 'known' | 'unsupported' | 'custom' | 'unknown' | 'base';
  isSensor: boolean;
}

export interface DagV { t: 'dag'; dag: DagState }
export interface TaskV { t: 'task'; task: TaskState }
export interface GroupV { t: 'group'; group: GroupState }
/**
 * An XComArg: a task's pushed value. `zip`/`concat`/`map` (Airflow's ZipXComArg / ConcatXComArg /
 * MapXComArg, only mapped over): zipped with or followed by other XComArgs (`task`/`key` are the
 * first's), then each item passed through the functions.
 */
export interface XComV { t: 'xcom'; task: TaskState; key: string; zip?: { args: XComV[]; fillvalue?: Value }; concat?: { args: XComV[] }; map?: Value[] }

/** Whether an XComArg is transformed (zipped, concatenated or mapped) rather than a plain (task, key) reference. */
export const isTransformedXCom = (v: XComV): boolean => v.zip !== undefined || v.concat !== undefined || v.map !== undefined;
export interface LabelV { t: 'label'; label: LabelState }
/** A `@task`-decorated function (or `.override(...)` of one). */
export interface TaskFlowV { t: 'taskflow'; tf: TaskFlowState }
/** A `@dag`-decorated function. */
export interface DagFunctionV { t: 'dagfn'; fn: FunctionV; kwargs: Map<string, Value>; kwFrom: Map<string, number>; from: number }
/** A `@task_group`-decorated function. */
export interface GroupFunctionV { t: 'groupfn'; fn: FunctionV; kwargs: Map<string, Value>; kwFrom: Map<string, number>; from: number }
/** A parameter of a `@dag` function inside its body: resolved at run time from `params`. */
export interface DagParamV { t: 'dagparam'; name: string }
/** A parameter of a mapped @task_group function (Airflow's MappedArgument): each map index's own value. */
export interface MappedArgV { t: 'mappedarg'; name: string; group: GroupState }

/** An aware (tz set) or naive (tz null) datetime. */
export interface DatetimeV {
  t: 'datetime';
  /** Naive values are held in UTC. */
  dt: DateTime;
  tz: string | null;
  /** Made by pendulum (affects str() and a few methods). */
  pendulum: boolean;
}
export interface DateV { t: 'date'; y: number; m: number; d: number }
/** Python timedelta, in microseconds (its resolution). */
export interface TimedeltaV { t: 'timedelta'; us: number }
export interface TimezoneV { t: 'tz'; name: string }
/** Python `datetime.time`: microseconds since midnight, with an optional zone (tzinfo). */
export interface TimeV { t: 'time'; us: number; tz: string | null }

/** A value that exists only when the file runs (Variable.get, os.environ, imported code, ...). */
export interface DynamicV {
  t: 'dynamic';
  origin: string;
  from: number;
  hint: string | null;
  /**
   * What was called to make it, when it is the result of calling imported code or a class skydag does
   * not build: where a callable is expected (a notifier as `on_failure_callback`, a partial as
   * `python_callable`) the task's Python holds the object itself, so the model only names it.
   */
  callee?: { name: string; module: string | null };
}
/** The result of something that already failed (its diagnostic was reported). */
export interface InvalidV { t: 'invalid' }

/** Small objects with named attributes (os.environ, logging loggers, Path, globals(), ...). */
export interface ObjectV {
  t: 'object';
  kind: string;
  attrs: Map<string, Value>;
  /** For `globals()`: the scope it views. */
  scope?: Scope;
  /** For pathlib.Path. */
  path?: string;
  /** An exception bound by `except ... as e` (`kind` is its class): str() and repr() as Python's. */
  exception?: true;
  /** For a file opened at parse time: its text. */
  text?: string;
  /** For an instance of a plain class: its class. */
  cls?: ClassV;
}

export type Value =
  | NoneV | BoolV | IntV | FloatV | StrV | ListV | TupleV | SetV | DictV
  | FunctionV | NativeV | ModuleV | ExternalV | ClassV | OperatorClassV
  | DagV | TaskV | GroupV | XComV | LabelV | TaskFlowV | DagFunctionV | GroupFunctionV | DagParamV | MappedArgV
  | DatetimeV | DateV | TimeV | TimedeltaV | TimezoneV
  | DynamicV | InvalidV | ObjectV;

/** What natives may ask of the evaluator. */
export interface Interp {
  call(fn: Value, args: Value[], kwargs: Map<string, Value>, from: number): Value;
  iterate(v: Value, from: number): Value[];
  getAttr(obj: Value, name: string, from: number): Value;
  readonly file: string;
  readonly now: Date;
  /** What os.environ holds while the file is read. */
  readonly environment: ParseEnvironment;
  /** The files the sources may read while they are read. */
  readonly parseFiles: ParseFiles;
  line(offset: number): number;
  /** Reports a diagnostic (once per code, position and message). */
  report(code: DiagnosticCode, message: string, from: number, extra?: { hint?: string; warning?: boolean }): void;
  /** Raises a built-in exception the file's code surely raises: to the `try` around it, else the file's import error. */
  raise(type: string, message: string, from: number, hint?: string): never;
}

// ---------------------------------------------------------------- constructors

export const NONE: NoneV = { t: 'none' };
export const TRUE: BoolV = { t: 'bool', v: true };
export const FALSE: BoolV = { t: 'bool', v: false };
export const INVALID: InvalidV = { t: 'invalid' };

export const bool = (v: boolean): BoolV => (v ? TRUE : FALSE);
export const int = (v: number): IntV => ({ t: 'int', v });
export const float = (v: number): FloatV => ({ t: 'float', v });
// Strings and collections count against the evaluation's size budget as they are built.
export const str = (v: string): StrV => (chargeString(v.length), { t: 'str', v });
export const list = (items: Value[]): ListV => (chargeItems(items.length), { t: 'list', items });
export const tuple = (items: Value[]): TupleV => (chargeItems(items.length), { t: 'tuple', items });
export const native = (name: string, module: string, fn: NativeFn, handlesOpaque = false): NativeV => ({ t: 'native', name, module, fn, handlesOpaque });
export const dynamic = (origin: string, from: number, hint: string | null = null): DynamicV => ({ t: 'dynamic', origin, from, hint });

export function dict(entries: Iterable<[Value, Value]> = []): DictV {
  const map = new Map<string, [Value, Value]>();
  for (const [k, v] of entries) map.set(hashKey(k), [k, v]);
  return { t: 'dict', map };
}
export function strDict(entries: Iterable<[string, Value]>): DictV {
  const map = new Map<string, [Value, Value]>();
  for (const [k, v] of entries) map.set('s' + k, [str(k), v]);
  return { t: 'dict', map };
}
export function set(items: Iterable<Value>): SetV {
  const map = new Map<string, Value>();
  for (const v of items) map.set(hashKey(v), v);
  return { t: 'set', map };
}

/** Numbers with Python's int/float distinction. */
export function num(v: number, isInt: boolean): IntV | FloatV {
  return isInt ? int(v) : float(v);
}

// ---------------------------------------------------------------- errors

/** A Python-level error (TypeError, NameError, ...) reported as a diagnostic. */
export class PyError extends Error {
  constructor(
    readonly code: DiagnosticCode,
    message: string,
    readonly from: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/**
 * A Python error raised where no source position is at hand (deep in a helper); the evaluator
 * attaches the position of the expression being evaluated.
 */
export class PyFail extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly code?: DiagnosticCode,
  ) {
    super(message);
  }
}

/** Thrown by natives that met a dynamic value where they needed a real one: the call yields it. */
export class DynamicResult extends Error {
  constructor(readonly value: DynamicV | InvalidV) {
    super('dynamic');
  }
}

// ---------------------------------------------------------------- inspection

const TYPE_NAMES: Partial<Record<Value['t'], string>> = {
  none: 'NoneType', bool: 'bool', int: 'int', float: 'float', str: 'str', list: 'list', tuple: 'tuple',
  set: 'set', dict: 'dict', function: 'function', native: 'builtin_function_or_method', module: 'module',
  class: 'type', operator_class: 'type', dag: 'DAG', task: 'Operator', group: 'TaskGroup', xcom: 'XComArg',
  label: 'Label', taskflow: 'function', dagfn: 'function', groupfn: 'function', datetime: 'datetime',
  date: 'date', time: 'time', timedelta: 'timedelta', tz: 'Timezone', dagparam: 'DagParam', mappedarg: 'MappedArgument',
};

export function typeName(v: Value): string {
  if (v.t === 'object') return v.kind;
  if (v.t === 'external') return 'object';
  if (v.t === 'task') return v.task.operatorName;
  return TYPE_NAMES[v.t] ?? v.t;
}

export const isOpaque = (v: Value): v is DynamicV | InvalidV => v.t === 'dynamic' || v.t === 'invalid';
export const isNumber = (v: Value): v is IntV | FloatV | BoolV => v.t === 'int' || v.t === 'float' || v.t === 'bool';

/** Values that cannot take part in static computation, as the opaque value they stand for. */
export function opaqueOf(v: Value): DynamicV | InvalidV | null {
  if (v.t === 'dynamic' || v.t === 'invalid') return v;
  if (v.t === 'external') {
    return dynamic([v.module, ...v.path].join('.'), v.from, 'values from other modules are not read by skydag; define the value in the DAG file, or read it inside a task');
  }
  if (v.t === 'dagparam') {
    return dynamic(`the @dag parameter '${v.name}'`, 0, `@dag parameters are only known at run time; use '{{ params.${v.name} }}' in a templated field`);
  }
  if (v.t === 'mappedarg') return mappedArgumentOpaque(v);
  return null;
}

/** A mapped task group's argument is only known per map index, when the task runs. */
export function mappedArgumentOpaque(v: MappedArgV): DynamicV {
  return dynamic(`the mapped task group argument '${v.name}'`, 0, `it has a value per map index, known when the task runs: pass it to a task of the group as an argument`);
}

/** The numeric value of int/float/bool. */
export function numeric(v: IntV | FloatV | BoolV): number {
  return v.t === 'bool' ? (v.v ? 1 : 0) : v.v;
}

let nextIdentity = 1;
const identities = new WeakMap<object, number>();
/** A stable identity for objects hashed by identity (tasks, DAGs, functions, ...). */
export function identity(o: object): number {
  let id = identities.get(o);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(o, id);
  }
  return id;
}

/** Dict/set key of a hashable value (equal values, e.g. 1, 1.0 and True, share a key). */
export function hashKey(key: Value): string {
  const v = enumData(key);
  switch (v.t) {
    case 'str':
      return 's' + v.v;
    case 'int':
    case 'float':
      return 'n' + v.v;
    case 'bool':
      return v.v ? 'n1' : 'n0';
    case 'none':
      return 'N';
    case 'tuple':
      return 't(' + v.items.map(hashKey).join('\u0000') + ')';
    case 'datetime':
      return 'd' + v.dt.toMillis() + (v.tz === null ? 'n' : 'a');
    case 'date':
      return `D${v.y}-${v.m}-${v.d}`;
    case 'timedelta':
      return 'T' + v.us;
    case 'time':
      return `h${v.us}${v.tz ?? ''}`;
    case 'list':
    case 'dict':
    case 'set':
      throw new PyFail(`unhashable type: '${v.t}'`);
    case 'task':
      return 'o' + identity(v.task);
    case 'dag':
      return 'o' + identity(v.dag);
    case 'group':
      return 'o' + identity(v.group);
    case 'xcom':
      return isTransformedXCom(v) ? 'X' + identity(v) : 'x' + identity(v.task) + ':' + v.key;
    case 'function':
      return 'f' + identity(v.node) + ':' + identity(v.closure);
    case 'object':
      return v.path !== undefined ? 'p' + v.path : 'o' + identity(v);
    default:
      return 'o' + identity(v);
  }
}

/** Python `==`. */
export function pyEquals(left: Value, right: Value): boolean {
  const a = enumData(left);
  const b = enumData(right);
  if (isNumber(a) && isNumber(b)) return numeric(a) === numeric(b);
  if (a.t !== b.t) return false;
  switch (a.t) {
    case 'str':
      return a.v === (b as StrV).v;
    case 'none':
      return true;
    case 'list':
    case 'tuple': {
      const bi = (b as ListV | TupleV).items;
      return a.items.length === bi.length && a.items.every((x, i) => pyEquals(x, bi[i]!));
    }
    case 'dict': {
      const bm = (b as DictV).map;
      if (a.map.size !== bm.size) return false;
      for (const [k, [, v]] of a.map) {
        const other = bm.get(k);
        if (!other || !pyEquals(v, other[1])) return false;
      }
      return true;
    }
    case 'set': {
      const bm = (b as SetV).map;
      return a.map.size === bm.size && [...a.map.keys()].every((k) => bm.has(k));
    }
    case 'datetime':
      return a.dt.toMillis() === (b as DatetimeV).dt.toMillis() && (a.tz === null) === ((b as DatetimeV).tz === null);
    case 'date':
      return hashKey(a) === hashKey(b);
    case 'timedelta':
      return a.us === (b as TimedeltaV).us;
    case 'time':
      return hashKey(a) === hashKey(b);
    case 'tz':
      return a.name === (b as TimezoneV).name;
    case 'object':
      if (a.path !== undefined) return a.path === (b as ObjectV).path;
      return a === b;
    case 'xcom':
      if (isTransformedXCom(a) || isTransformedXCom(b as XComV)) return a === b;
      return a.task === (b as XComV).task && a.key === (b as XComV).key;
    case 'task':
      return a.task === (b as TaskV).task;
    case 'dag':
      return a.dag === (b as DagV).dag;
    case 'group':
      return a.group === (b as GroupV).group;
    default:
      return a === b;
  }
}

/** Python truthiness; opaque values must be handled by the caller. */
export function truthy(value: Value): boolean {
  const v = enumData(value);
  switch (v.t) {
    case 'none':
      return false;
    case 'bool':
      return v.v;
    case 'int':
    case 'float':
      return v.v !== 0;
    case 'str':
      return v.v.length > 0;
    case 'list':
    case 'tuple':
      return v.items.length > 0;
    case 'dict':
    case 'set':
      return v.map.size > 0;
    case 'timedelta':
      return v.us !== 0;
    default:
      return true;
  }
}

/**
 * A value's truth in Python, or what makes it unknown. A name imported from another package
 * (`from kubernetes.client import models as k8s`, then `if k8s:`) is in practice a module, class
 * or function, which Python always finds true; an UPPER_CASE name may be a falsy constant and stays
 * unknown.
 */
export function truthOrOpaque(v: Value): boolean | DynamicV | InvalidV {
  if (v.t === 'external' && v.imported && !/^[A-Z][A-Z0-9_]*$/.test(v.path[0] ?? '')) return true;
  return opaqueOf(v) ?? truthy(v);
}

/** The keys of a dict, in insertion order. */
export function dictKeys(d: DictV): Value[] {
  return [...d.map.values()].map(([k]) => k);
}

export function dictGet(d: DictV, key: string): Value | undefined {
  return d.map.get('s' + key)?.[1];
}

export function dictSet(d: DictV, key: Value, value: Value): void {
  chargeGrowth(d.map.size, 1);
  d.map.set(hashKey(key), [key, value]);
}

/** The statements a function body consists of (a lambda has none). */
export function functionBody(fn: FunctionV): Stmt[] {
  return fn.node.k === 'def' ? fn.node.body : [];
}

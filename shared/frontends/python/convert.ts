/**
 * Evaluator values → model values (PyValue). This is where a value must be fully static: dynamic
 * values surface here as DynamicResult (the caller reports SKYDAG-P004 at the argument), Python
 * callables become references, XComArgs become `xcom_arg` references (and are collected so the
 * caller can add the implicit upstream edges Airflow adds).
 */
import type { CallableRef, PyValue, XComArgRef } from '../../model/schema.js';
import { DiagnosticCode } from '../../model/diagnostics.js';
import { datasetToPy } from './datasets.js';
import { classDefines } from './plain-classes.js';
import { datetimeToModel, timeIso } from './datetimes.js';
import { pyRepr, pyStr } from './formatting.js';
import { DynamicResult, INVALID, PyFail, enumData, isEnumMember, isTransformedXCom, opaqueOf, typeName, type Value, type XComV } from './values.js';

export interface ConvertOptions {
  file: string;
  /** Line of an offset (for callable references to imported names). */
  line: (offset: number) => number;
  /** Offset to attribute to references made here (the argument's position). */
  at: number;
  /** Names imported from other modules may stand for functions here (python_callable, callbacks). */
  callableContext: boolean;
  /** For operators skydag never executes: anything unrepresentable becomes its repr instead of an error. */
  lenient: boolean;
  /** XComArgs met on the way (the caller adds upstream edges for them). */
  xcoms: XComV[];
  /** The value is what a task is mapped over: a zipped or mapped XComArg may stand here. */
  mapped?: boolean;
}

/** Argument or key names that conventionally hold functions. */
export const CALLABLE_NAME = /(callable|callback|_fn|_func|function|_check)$/;

function callableRef(name: string, module: string | null, file: string, line: number): CallableRef {
  const ref: CallableRef = { $type: 'callable', name, file, line };
  if (module !== null) ref.module = module;
  return ref;
}

export function toPy(v: Value, o: ConvertOptions): PyValue {
  switch (v.t) {
    case 'none':
      return null;
    case 'bool':
      return v.v;
    case 'int':
      return v.v;
    case 'float':
      if (!Number.isFinite(v.v)) {
        if (o.lenient) return pyRepr(v);
        throw new PyFail(`${pyRepr(v)} cannot be stored in the DAG model`, 'use a finite number');
      }
      return v.v;
    case 'str':
      return v.v;
    case 'list':
    case 'tuple':
      return v.items.map((x) => toPy(x, o));
    case 'set':
      return [...v.map.values()].map((x) => toPy(x, o));
    case 'dict': {
      const out: Record<string, PyValue> = {};
      for (const [rawKey, val] of v.map.values()) {
        const k = enumData(rawKey);
        let key: string;
        if (k.t === 'str') key = k.v;
        else if (k.t === 'int' || k.t === 'float' || k.t === 'bool' || k.t === 'none' || k.t === 'tuple') key = pyStr(k);
        else throw new PyFail(`a dict key of type ${typeName(k)} cannot be stored in the DAG model`, 'use string keys');
        // A dict entry named like a function (`pandas_read_callable`, `on_failure_callback`) may hold one.
        out[key] = toPy(val, !o.callableContext && CALLABLE_NAME.test(key) ? { ...o, callableContext: true } : o);
      }
      return out;
    }
    case 'function':
      return callableRef(v.name, v.module, o.file, v.line);
    case 'taskflow':
      return callableRef(v.tf.fn.name, v.tf.fn.module, o.file, v.tf.fn.line);
    case 'dagfn':
    case 'groupfn':
      return callableRef(v.fn.name, v.fn.module, o.file, v.fn.line);
    case 'class':
      return callableRef(v.name, null, o.file, o.line(v.from));
    case 'native':
      return callableRef(v.name, v.module, o.file, o.line(o.at));
    case 'external':
      if (o.callableContext) {
        const parts = [v.module, ...v.path];
        return callableRef(parts[parts.length - 1]!, parts.slice(0, -1).join('.') || v.module, o.file, o.line(v.from));
      }
      if (o.lenient) return `<${[v.module, ...v.path].join('.')}>`;
      throw new DynamicResult(opaqueOf(v)!);
    case 'xcom':
      return xcomRef(v, o);
    case 'datetime':
    case 'date':
      return datetimeToModel(v);
    case 'timedelta':
      return { $type: 'timedelta', seconds: v.us / 1e6 };
    case 'time':
      // The model has no time of day: it keeps str(time), as Airflow's DAG serialization does.
      return timeIso(v);
    case 'tz':
      return v.name;
    case 'dagparam':
      // Airflow resolves a @dag parameter at run time from the run's params.
      return `{{ params.${v.name} }}`;
    case 'mappedarg':
      // Resolved per map index when the task runs (Airflow's MappedArgument.resolve).
      return { $type: 'mapped_argument', name: v.name };
    case 'object': {
      if (v.path !== undefined) return v.path;
      // An instance of a class of the file with __call__ (`python_callable=PrintHello("welcome")`): the
      // task's Python calls the instance its DAG file built.
      if (o.callableContext && v.cls?.plain !== undefined && classDefines(v.cls, '__call__')) return callableRef(v.cls.name, null, o.file, o.line(v.cls.from));
      // A str/int enum member is stored as its value (what Airflow serializes of it).
      if (isEnumMember(v) && v.cls.enum.mixin !== null) return toPy(enumData(v), o);
      if (v.kind === 'LiteralValue') return { $type: 'literal', value: toPy(v.attrs.get('value')!, o) };
      const dataset = datasetToPy(v, (x) => toPy(x, o));
      if (dataset !== undefined) return dataset;
      break;
    }
    case 'dynamic':
      // An object made by imported code where a callable goes (Airflow 2.6's notifiers,
      // `send_slack_notification(...)`): the task's Python builds and calls it.
      if (o.callableContext && v.callee) return callableRef(v.callee.name, v.callee.module, o.file, o.line(v.from));
      if (o.lenient) return `<${v.origin}>`;
      throw new DynamicResult(v);
    case 'invalid':
      throw new DynamicResult(INVALID);
  }
  if (o.lenient) return pyRepr(v);
  const hint =
    v.t === 'task'
      ? 'pass task.task_id for its id, or task.output for its XCom value'
      : v.t === 'dag'
        ? 'pass dag.dag_id for its id'
        : 'pass a string, number, list, dict, datetime, timedelta or a function';
  throw new PyFail(`a ${typeName(v)} object cannot be used as an argument value`, hint);
}

/** An XComArg's reference; zipped, concatenated or mapped ones only where a task is mapped over them (`o.mapped`). */
function xcomRef(v: XComV, o: ConvertOptions): XComArgRef {
  if (isTransformedXCom(v) && !o.mapped) {
    throw new PyFail(
      `the result of XComArg.${v.map ? 'map' : v.zip ? 'zip' : 'concat'}() can only be mapped over by .expand() / .expand_kwargs() in skydag`,
      'pass it to .expand(name=...) directly, or pass the plain XComArg and transform the value in the task',
      DiagnosticCode.UNSUPPORTED,
    );
  }
  if (!v.zip && !v.concat) o.xcoms.push(v);
  const ref: XComArgRef = { $type: 'xcom_arg', task_id: v.task.taskId, key: v.key };
  if (v.zip) {
    ref.zip = { args: v.zip.args.map((a) => xcomRef(a, o)) };
    if (v.zip.fillvalue !== undefined) ref.zip.fillvalue = toPy(v.zip.fillvalue, { ...o, mapped: false });
  }
  if (v.concat) ref.concat = { args: v.concat.args.map((a) => xcomRef(a, o)) };
  if (v.map) ref.map = v.map.map((f) => toPy(f, { ...o, callableContext: true, mapped: false }) as CallableRef);
  return ref;
}

/** Deep copy of containers (DAGs copy their default_args; values inside stay shared). */
export function deepCopy(v: Value): Value {
  switch (v.t) {
    case 'list':
      return { t: 'list', items: v.items.map(deepCopy) };
    case 'tuple':
      return { t: 'tuple', items: v.items.map(deepCopy) };
    case 'dict':
      return { t: 'dict', map: new Map([...v.map].map(([h, [k, val]]) => [h, [k, deepCopy(val)]])) };
    case 'set':
      return { t: 'set', map: new Map(v.map) };
    default:
      return v;
  }
}

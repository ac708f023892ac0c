/**
 * The Airflow API surface a DAG file touches: DAG/TaskGroup/chain/Label/Param and the TaskFlow
 * decorators as callables, operator classes, attribute reads and writes on DAGs/tasks/groups/
 * XComArgs, `>>`/`<<`, and `with` contexts. State changes go through AirflowRuntime.
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import { AIRFLOW_CONFIG_DEFAULTS, configEnvNames, configOption, convertConfigValue } from '../../model/airflow-config.js';
import {
  TASKFLOW_DECORATORS,
  customOperatorSpec,
  knownOperatorClassNames,
  operatorByKind,
  type OperatorSpec,
} from '../../operators/registry.js';
import { BASE_OPERATOR_ARGS, isDagArgument } from '../../model/build.js';
import { WeightRule } from '../../model/constants.js';
import { didYouMean } from '../../util/suggest.js';
import { isSensitiveKey } from '../../secrets/masker.js';
import { fromJson } from './stdlib.js';
import { uniqueTaskId, type ExpandRequest, type TaskFlowState, type TaskState } from './airflow-state.js';
import { expectsCallable, type AirflowRuntime } from './airflow.js';
import { datasetExports } from './datasets.js';
import { asStr, bindArgs, concrete, fn, method } from './natives.js';
import {
  INVALID,
  NONE,
  PyError,
  PyFail,
  bool,
  dynamic,
  float,
  int,
  list,
  set,
  str,
  strDict,
  truthy,
  typeName,
  isTransformedXCom,
  type CallCtx,
  type ClassV,
  type DagFunctionV,
  type ExternalV,
  type FunctionV,
  type GroupFunctionV,
  type OperatorClassV,
  type NativeV,
  type Value,
  type XComV,
} from './values.js';

const UNSUPPORTED_TASK_DECORATORS = new Set([
  'task.docker', 'task.kubernetes', 'task.kubernetes_cmd',
  'task.pyspark', 'task.sql',
]);

/** Values that are certainly not callable (a condition may still be a function imported from another module). */
const NOT_CALLABLE = new Set<Value['t']>(['none', 'bool', 'int', 'float', 'str', 'list', 'tuple', 'dict', 'set', 'task', 'xcom', 'dag', 'group']);

const MAPPING_HINT = 'dynamic task mapping is not supported: create the tasks in a for loop over a static list';

/** Airflow context keys a TaskFlow function may take without the caller passing them. */
const CONTEXT_KEYS = new Set([
  'conf', 'dag', 'dag_run', 'data_interval_end', 'data_interval_start', 'ds', 'ds_nodash', 'execution_date', 'exception',
  'inlets', 'logical_date', 'macros', 'next_ds', 'next_ds_nodash', 'next_execution_date', 'outlets', 'params',
  'prev_data_interval_start_success', 'prev_data_interval_end_success', 'prev_ds', 'prev_ds_nodash', 'prev_execution_date',
  'prev_execution_date_success', 'prev_start_date_success', 'prev_end_date_success', 'run_id', 'task', 'task_instance',
  'task_instance_key_str', 'test_mode', 'templates_dict', 'ti', 'tomorrow_ds', 'tomorrow_ds_nodash', 'ts', 'ts_nodash',
  'ts_nodash_with_tz', 'var', 'conn', 'yesterday_ds', 'yesterday_ds_nodash', 'triggering_dataset_events', 'outlet_events',
  'inlet_events', 'expanded_ti_count', 'map_index_template', 'triggering_asset_events',
]);

const TRIGGER_RULES: Record<string, string> = {
  ALL_SUCCESS: 'all_success', ALL_FAILED: 'all_failed', ALL_DONE: 'all_done', ALL_SKIPPED: 'all_skipped',
  ONE_SUCCESS: 'one_success', ONE_FAILED: 'one_failed', ONE_DONE: 'one_done', NONE_FAILED: 'none_failed',
  NONE_FAILED_OR_SKIPPED: 'none_failed_or_skipped', NONE_FAILED_MIN_ONE_SUCCESS: 'none_failed_min_one_success',
  NONE_SKIPPED: 'none_skipped', DUMMY: 'dummy', ALWAYS: 'always', ALL_DONE_SETUP_SUCCESS: 'all_done_setup_success',
  ALL_DONE_MIN_ONE_SUCCESS: 'all_done_min_one_success',
};

const STATES: Record<string, string> = {
  SUCCESS: 'success', FAILED: 'failed', SKIPPED: 'skipped', RUNNING: 'running', QUEUED: 'queued', SCHEDULED: 'scheduled',
  UPSTREAM_FAILED: 'upstream_failed', UP_FOR_RETRY: 'up_for_retry', UP_FOR_RESCHEDULE: 'up_for_reschedule', REMOVED: 'removed',
  DEFERRED: 'deferred', RESTARTING: 'restarting', SHUTDOWN: 'shutdown',
};

const constants = (kind: string, values: Record<string, string>): Value => ({
  t: 'object',
  kind,
  attrs: new Map(Object.entries(values).map(([k, v]) => [k, str(v)])),
});

const isSeq = (v: Value) => v.t === 'list' || v.t === 'tuple' || v.t === 'set';
const seqItems = (v: Value): Value[] => (v.t === 'list' || v.t === 'tuple' ? v.items : v.t === 'set' ? [...v.map.values()] : [v]);
const isDep = (v: Value) => v.t === 'task' || v.t === 'xcom' || v.t === 'group' || v.t === 'label';

function unsupported(what: string, hint: string): never {
  throw new PyFail(`${what} is not supported by skydag`, hint, DiagnosticCode.UNSUPPORTED);
}

/** The XComArgs given to `zip()` / `concat()` (a task stands for its return value, as its `.output`). */
function xcomArguments(method: string, args: Value[]): XComV[] {
  return args.map((a, i) => {
    if (a.t === 'task') return { t: 'xcom', task: a.task, key: 'return_value' } satisfies XComV;
    if (a.t !== 'xcom') throw new PyFail(`${method}() argument ${i + 1} must be an XComArg, not '${typeName(a)}'`);
    return a;
  });
}

const CONF_HINT = 'skydag knows Airflow\'s defaults of a few keys ([core] default_timezone, ...) and AIRFLOW__SECTION__KEY variables of the parse environment; read other configuration inside a task';

const VARIABLE_HINT = "read variables inside tasks, e.g. '{{ var.value.name }}' in a templated field";

/**
 * `airflow.models.Variable` while the file is read. `Variable.get("key", default_var=...,
 * deserialize_json=...)` with a literal key is what the platform answered for it (environment
 * AIRFLOW_VAR_<KEY> first, then the metadata store, as the file's tasks would read it; parse-time-variables.ts),
 * so a value baked into a task argument at the top of the file is Airflow's; a missing key without a
 * default is Airflow's KeyError. A sensitive key's value stays out of the model (the API shows the
 * model): it is read when the task runs. The other methods change or read state only tasks may touch.
 */
function parseTimeVariable(): Value {
  const unknown = (call: string, ctx: CallCtx) => dynamic(call, ctx.from, VARIABLE_HINT);
  const get = fn('get', 'Variable', (args, kwargs, ctx) => {
    const a = bindArgs('Variable.get', args, kwargs, ['key', 'default_var', 'deserialize_json']);
    const key = a.key === undefined ? undefined : concrete(a.key);
    if (key?.t !== 'str') return unknown('Variable.get(...)', ctx);
    const call = `Variable.get(${JSON.stringify(key.v)})`;
    const value = ctx.interp.environment.variable(key.v);
    if (value === undefined) return unknown(call, ctx);
    if (value === null) {
      if (a.default_var !== undefined) return a.default_var;
      return ctx.interp.raise('KeyError', `'Variable ${key.v} does not exist'`, ctx.from, `set it (skydag variables set ${key.v} VALUE, the API, or AIRFLOW_VAR_${key.v.toUpperCase()}), or pass default_var=`);
    }
    if (isSensitiveKey(key.v)) {
      return dynamic(call, ctx.from, `the value of a sensitive variable is not put into the DAG's model (the API shows it); read it when the task runs: '{{ var.value.${key.v} }}' in a templated field`);
    }
    if (a.deserialize_json === undefined || !truthy(concrete(a.deserialize_json))) return str(value);
    try {
      return fromJson(JSON.parse(value));
    } catch (err) {
      if (err instanceof SyntaxError) throw new PyFail(`json.decoder.JSONDecodeError: Variable ${key.v} is not JSON (${err.message})`);
      throw err;
    }
  });
  return {
    t: 'object',
    kind: 'Variable',
    attrs: new Map<string, Value>([
      ['get', get],
      ...['set', 'update', 'delete', 'setdefault'].map((m): [string, Value] => [m, fn(m, 'Variable', (args, _k, ctx) => unknown(`Variable.${m}(${args[0]?.t === 'str' ? JSON.stringify(args[0].v) : '...'})`, ctx))]),
    ]),
  };
}

/**
 * `airflow.configuration.conf` while the file is read: an `AIRFLOW__{SECTION}__{KEY}` variable of the
 * parse environment, else Airflow's default of the keys skydag knows (airflow-config.ts), else the
 * call's `fallback=`; any other key is unknown (the platform's configuration is not the file's to read).
 */
function parseTimeConf(): Value {
  /** The value of `section`/`key` as text, or what stands for it (the fallback, or unknown). */
  type Found = { known: true; section: string; key: string; text: string } | { known: false; value: Value };
  const lookup = (name: string, a: Record<string, Value | undefined>, ctx: CallCtx): Found => {
    const section = a.section?.t === 'str' ? a.section.v : undefined;
    const key = a.key?.t === 'str' ? a.key.v : undefined;
    if (section === undefined || key === undefined) return { known: false, value: dynamic(`conf.${name}(...)`, ctx.from, CONF_HINT) };
    const fromEnv = configEnvNames(section, key).map((name) => ctx.interp.environment.get(name)).find((v) => v !== undefined);
    const [where, option] = configOption(section, key);
    const text = fromEnv ?? AIRFLOW_CONFIG_DEFAULTS[where]?.[option];
    if (text !== undefined) return { known: true, section, key, text };
    return { known: false, value: a.fallback ?? dynamic(`conf.${name}(${JSON.stringify(section)}, ${JSON.stringify(key)})`, ctx.from, CONF_HINT) };
  };
  const getter = (name: string, type: 'str' | 'bool' | 'int' | 'float') =>
    fn(name, 'airflow.configuration', (args, kwargs, ctx) => {
      const found = lookup(name, bindArgs(`conf.${name}`, args, kwargs, ['section', 'key', 'fallback']), ctx);
      if (!found.known) return found.value;
      if (type === 'str') return str(found.text);
      const converted = convertConfigValue(type, found.text, found.section, found.key);
      if ('error' in converted) throw new PyFail(`AirflowConfigException: ${converted.error}`);
      return typeof converted.value === 'boolean' ? bool(converted.value) : type === 'int' ? int(converted.value) : float(converted.value);
    });
  const hasOption = fn('has_option', 'airflow.configuration', (args, kwargs, ctx) => {
    const a = bindArgs('conf.has_option', args, kwargs, ['section', 'option']);
    const found = lookup('has_option', { section: a.section, key: a.option }, ctx);
    return found.known ? bool(true) : found.value;
  });
  return {
    t: 'object',
    kind: 'conf',
    attrs: new Map<string, Value>([
      ['get', getter('get', 'str')],
      ['getboolean', getter('getboolean', 'bool')],
      ['getint', getter('getint', 'int')],
      ['getfloat', getter('getfloat', 'float')],
      ['has_option', hasOption],
    ]),
  };
}

export class AirflowApi {
  readonly exports: Record<string, Value>;

  constructor(private readonly rt: AirflowRuntime) {
    this.exports = this.makeExports();
    for (const [name, value] of Object.entries(this.exports)) if (value.t === 'native') value.export ??= name;
  }

  // ---------------------------------------------------------------- XComArg transforms

  /** `xcom.map(fn)` (Airflow's MapXComArg): chained maps are flattened, as Airflow does. */
  private xcomMap(v: XComV, args: Value[], kwargs: Map<string, Value>): Value {
    if (args.length !== 1 || kwargs.size > 0) throw new PyFail('map() takes exactly one argument (a function)');
    const f = args[0]!;
    if (f.t === 'taskflow') throw new PyFail('map() argument must be a plain function, not a @task operator');
    if (f.t !== 'function' && f.t !== 'native' && f.t !== 'class' && f.t !== 'external') throw new PyFail(`map() argument must be a function, not '${typeName(f)}'`);
    if (!isTransformedXCom(v) && v.key !== 'return_value') throw new PyFail('cannot map against non-return XCom');
    return { ...v, map: [...(v.map ?? []), f] };
  }

  /** `xcom.zip(*others, fillvalue=…)` (Airflow's ZipXComArg): shortest length, or longest with a fill value. */
  private xcomZip(v: XComV, args: Value[], kwargs: Map<string, Value>): Value {
    for (const k of kwargs.keys()) if (k !== 'fillvalue') throw new PyFail(`zip() got an unexpected keyword argument '${k}'`);
    if (!isTransformedXCom(v) && v.key !== 'return_value') throw new PyFail('cannot map against non-return XCom');
    const others = xcomArguments('zip', args);
    const fill = kwargs.get('fillvalue');
    const zipped: XComV['zip'] = { args: [v, ...others] };
    if (fill !== undefined) zipped.fillvalue = fill;
    return { t: 'xcom', task: v.task, key: v.key, zip: zipped };
  }

  /**
   * `xcom.concat(*others)` (Airflow 2.10's ConcatXComArg): the items of each in turn, as long as all
   * together (a dict contributes its keys); `a.concat(b).concat(c)` is flattened, as Airflow does.
   */
  private xcomConcat(v: XComV, args: Value[], kwargs: Map<string, Value>): Value {
    if (kwargs.size > 0) throw new PyFail(`concat() got an unexpected keyword argument '${[...kwargs.keys()][0]}'`);
    if (!isTransformedXCom(v) && v.key !== 'return_value') throw new PyFail('cannot concatenate non-return XCom');
    const others = xcomArguments('concat', args);
    const first = v.concat && !v.map ? v.concat.args : [v];
    return { t: 'xcom', task: v.task, key: v.key, concat: { args: [...first, ...others] } };
  }

  // ---------------------------------------------------------------- calls

  /** Instantiating an operator class (registry, provider, custom) creates a task. */
  callOperator(cls: OperatorClassV | ClassV | ExternalV, args: Value[], kwargs: Map<string, Value>, ctx: CallCtx, expand?: ExpandRequest): Value {
    let name: string;
    let module: string | null;
    let spec: OperatorSpec;
    if (cls.t === 'operator_class') {
      name = cls.className;
      module = cls.module;
      if (cls.status === 'unknown' || !cls.spec) {
        this.rt.host.report(DiagnosticCode.UNKNOWN_OPERATOR, `unknown operator '${name}'${didYouMean(name, knownOperatorClassNames())}`, ctx.from, {
          hint: 'check the class name and its import; skydag runs the operators of its registry and accepts custom operators defined in the DAG folder',
        });
        return INVALID;
      }
      spec = cls.spec;
    } else if (cls.t === 'class') {
      name = cls.name;
      module = null;
      spec = cls.operator!;
    } else {
      const parts = [cls.module, ...cls.path];
      name = parts[parts.length - 1]!;
      module = parts.slice(0, -1).join('.') || cls.module;
      spec = customOperatorSpec(name, /Sensor/.test(name));
    }
    if (args.length > 0) {
      const custom = spec.kind === 'custom';
      throw new PyError(
        custom ? DiagnosticCode.UNSUPPORTED : DiagnosticCode.EVALUATION,
        custom ? `positional arguments to ${name} cannot be mapped to argument names` : `${name} takes keyword arguments only (got ${args.length} positional)`,
        ctx.argFrom?.pos[0] ?? ctx.from,
        "pass every operator argument by name, e.g. task_id='x'",
      );
    }
    const callable = kwargs.get('python_callable');
    return this.rt.createTask({
      operatorName: name,
      operatorModule: module,
      spec,
      kwargs,
      kwFrom: ctx.argFrom?.kw ?? new Map(),
      from: ctx.from,
      ...(callable?.t === 'function' ? { branchFn: callable } : callable?.t === 'taskflow' ? { branchFn: callable.tf.fn } : {}),
      ...(expand ? { expand } : {}),
    });
  }

  /**
   * `Operator.partial(**fixed)` / `@task fn.partial(**fixed)`: an object whose `.expand(**mapped)` or
   * `.expand_kwargs(list)` creates the mapped task (Airflow's OperatorPartial / _TaskDecorator.partial).
   */
  private partialObject(create: (expand: ExpandRequest, ctx: CallCtx) => Value): Value & { t: 'object' } {
    return {
      t: 'object',
      kind: 'OperatorPartial',
      attrs: new Map<string, Value>([
        ['expand', method('expand', (args, kwargs, ctx) => {
          if (args.length > 0) throw new PyFail('expand() takes keyword arguments only');
          return create({ kind: 'kwargs', kw: kwargs, kwFrom: ctx.argFrom?.kw ?? new Map(), from: ctx.from }, ctx);
        })],
        ['expand_kwargs', method('expand_kwargs', (args, kwargs, ctx) => {
          if (args.length !== 1 || kwargs.size > 0) throw new PyFail('expand_kwargs() takes exactly one positional argument (a list of dicts or an XComArg)');
          return create({ kind: 'kwargs_list', value: args[0]!, from: ctx.argFrom?.pos[0] ?? ctx.from }, ctx);
        })],
      ]),
    };
  }

  /** `x.as_setup()` / `x.as_teardown(setups=…, on_failure_fail_dagrun=…)` (Airflow 2.10 AbstractOperator); returns `x`. */
  private setupTeardownMethod(self: Value, t: TaskState, name: 'as_setup' | 'as_teardown'): Value {
    return method(name, (args, kwargs, ctx) => {
      if (args.length > 0) throw new PyFail(`${name}() takes keyword arguments only`);
      if (name === 'as_setup') {
        if (kwargs.size > 0) throw new PyFail('as_setup() takes no arguments');
        this.markSetup(t, ctx.from);
        return self;
      }
      for (const k of kwargs.keys()) if (k !== 'setups' && k !== 'on_failure_fail_dagrun') throw new PyFail(`as_teardown() got an unexpected keyword argument '${k}'`);
      const onFail = kwargs.get('on_failure_fail_dagrun');
      this.markTeardown(t, onFail === undefined || onFail.t === 'none' ? undefined : truthy(onFail), ctx.from);
      const setups = kwargs.get('setups');
      if (setups && setups.t !== 'none') {
        const list = setups.t === 'list' || setups.t === 'tuple' ? setups.items : [setups];
        for (const s of list) {
          const setupTask = s.t === 'task' ? s.task : s.t === 'xcom' ? s.task : undefined;
          if (!setupTask) throw new PyFail(`as_teardown(setups=...) needs tasks (got ${typeName(s)})`);
          this.markSetup(setupTask, ctx.from);
          this.rt.edge(setupTask, t, ctx.from);
        }
      }
      return self;
    });
  }

  private markSetup(t: TaskState, from: number): void {
    if (t.isTeardown) throw new PyError(DiagnosticCode.EVALUATION, `task '${t.taskId}' is a teardown task and cannot also be a setup task`, from);
    t.isSetup = true;
  }

  /** A teardown runs when its upstream tasks are done and one of its setups succeeded (ALL_DONE_SETUP_SUCCESS). */
  private markTeardown(t: TaskState, onFailureFailDagrun: boolean | undefined, from: number): void {
    if (t.isSetup) throw new PyError(DiagnosticCode.EVALUATION, `task '${t.taskId}' is a setup task and cannot also be a teardown task`, from);
    t.isTeardown = true;
    t.kwargs.trigger_rule = 'all_done_setup_success';
    if (onFailureFailDagrun !== undefined) t.onFailureFailDagrun = onFailureFailDagrun;
  }

  /** `@setup` / `@teardown(on_failure_fail_dagrun=…)`: over a function or a @task function. */
  private setupTeardownDecorator(role: 'setup' | 'teardown'): Value {
    return fn(role, 'airflow.decorators', (args, kwargs, ctx) => {
      for (const k of kwargs.keys()) {
        if (role === 'setup' || k !== 'on_failure_fail_dagrun') throw new PyFail(`@${role}() got an unexpected keyword argument '${k}'`);
      }
      const onFail = kwargs.get('on_failure_fail_dagrun');
      const flag = onFail !== undefined && truthy(onFail);
      const make = (f: Value): Value => {
        if (f.t === 'taskflow') return { t: 'taskflow', tf: { ...f.tf, role, onFailureFailDagrun: flag } };
        if (f.t !== 'function') throw new PyFail(`@${role} can only decorate a function (got ${typeName(f)})`);
        return { t: 'taskflow', tf: { fn: f, decorator: 'task', kwargs: new Map(), kwFrom: new Map(), from: ctx.from, role, onFailureFailDagrun: flag } };
      };
      if (args.length === 1 && kwargs.size === 0) return make(args[0]!);
      if (args.length > 0) throw new PyFail(`@${role}(...) takes keyword arguments`);
      return fn(`${role}(...)`, 'airflow.decorators', (fargs) => make(fargs[0] ?? NONE));
    });
  }

  /** Calling a @task function creates a task; the result is its XComArg. */
  callTaskFlow(tf: TaskFlowState, args: Value[], kwargs: Map<string, Value>, ctx: CallCtx, expand?: ExpandRequest): Value {
    const spec = operatorByKind(TASKFLOW_DECORATORS[tf.decorator] ?? 'python')!;
    const base = tf.kwargs.has('task_id') ? this.rt.staticString(tf.kwargs.get('task_id'), 'task_id', tf.kwFrom.get('task_id') ?? tf.from) : tf.fn.name;
    if (base === undefined) return INVALID;
    // Mapped arguments are given per index; expand_kwargs' dicts are only checked when the task runs.
    if (expand?.kind === 'kwargs') {
      for (const k of expand.kw.keys()) if (kwargs.has(k)) throw new PyError(DiagnosticCode.EVALUATION, `${tf.fn.name}: argument '${k}' is given to both partial() and expand()`, expand.from);
      this.checkSignature(tf.fn, args, new Map([...kwargs, ...expand.kw]), ctx.from);
    } else if (!expand) this.checkSignature(tf.fn, args, kwargs, ctx.from);
    const opKwargs = new Map<string, Value>();
    for (const [k, v] of tf.kwargs) if (k !== 'task_id') opKwargs.set(k, v);
    opKwargs.set('python_callable', tf.fn);
    const result = this.rt.createTask({
      operatorName: `@${tf.decorator}`,
      operatorModule: null,
      spec,
      kwargs: opKwargs,
      kwFrom: tf.kwFrom,
      from: ctx.from,
      taskId: (dag, group) => uniqueTaskId(dag, group, base),
      branchFn: tf.fn,
      callArgs: { pos: args, posFrom: ctx.argFrom?.pos ?? [], kw: kwargs, kwFrom: ctx.argFrom?.kw ?? new Map() },
      ...(expand ? { expand } : {}),
    });
    if (result.t === 'task' && tf.role === 'setup') this.markSetup(result.task, ctx.from);
    if (result.t === 'task' && tf.role === 'teardown') this.markTeardown(result.task, tf.onFailureFailDagrun ?? false, ctx.from);
    return result.t === 'task' ? { t: 'xcom', task: result.task, key: 'return_value' } : result;
  }

  /** Airflow binds TaskFlow call arguments to the function's signature when the task is created. */
  private checkSignature(f: FunctionV, args: Value[], kwargs: Map<string, Value>, from: number): void {
    const params = f.node.params;
    const positional = params.filter((p) => p.kind === 'normal');
    const hasVarargs = params.some((p) => p.kind === 'varargs');
    const hasKwargs = params.some((p) => p.kind === 'kwargs');
    const markerIndex = params.findIndex((p) => p.kind === 'kwonly_marker' || p.kind === 'varargs');
    const positionalCount = markerIndex < 0 ? positional.length : params.slice(0, markerIndex).filter((p) => p.kind === 'normal').length;
    if (args.length > positionalCount && !hasVarargs) {
      throw new PyError(DiagnosticCode.EVALUATION, `${f.name}() takes ${positionalCount} positional argument${positionalCount === 1 ? '' : 's'} but ${args.length} were given`, from);
    }
    for (const k of kwargs.keys()) {
      if (!hasKwargs && !positional.some((p) => p.name === k)) throw new PyError(DiagnosticCode.EVALUATION, `${f.name}() got an unexpected keyword argument '${k}'`, from);
    }
    positional.forEach((p, i) => {
      const given = (i < positionalCount && i < args.length) || kwargs.has(p.name);
      if (!given && p.default === null && !CONTEXT_KEYS.has(p.name)) {
        throw new PyError(DiagnosticCode.EVALUATION, `${f.name}() missing required argument '${p.name}'`, from, 'pass it when calling the task function');
      }
    });
  }

  /** Calling a @dag function creates (and registers) the DAG and evaluates its body inside it. */
  callDagFunction(v: DagFunctionV, args: Value[], kwargs: Map<string, Value>, ctx: CallCtx): Value {
    const fnParams = v.fn.node.params;
    const params = new Map<string, Value>();
    const positional = fnParams.filter((p) => p.kind === 'normal');
    args.forEach((a, i) => {
      const p = positional[i];
      if (!p) throw new PyError(DiagnosticCode.EVALUATION, `${v.fn.name}() takes ${positional.length} positional arguments but ${args.length} were given`, ctx.from);
      params.set(p.name, a);
    });
    for (const [k, a] of kwargs) params.set(k, a);
    for (const p of positional) {
      if (params.has(p.name)) continue;
      const d = v.fn.defaults.get(p.name);
      if (d === undefined) throw new PyError(DiagnosticCode.EVALUATION, `${v.fn.name}() missing required argument '${p.name}'`, ctx.from);
      params.set(p.name, d);
    }
    const created = this.rt.createDag([], v.kwargs, ctx.from, { pos: [], kw: v.kwFrom }, v.kwargs.has('dag_id') ? {} : { dagId: v.fn.name });
    if (created.t !== 'dag') return created;
    const dag = created.dag;
    dag.registered = true;
    for (const [k, val] of params) {
      const r = this.rt.convert(val, `@dag parameter '${k}'`, ctx.from);
      if (r.ok) dag.params[k] = r.value;
    }
    const doc = v.fn.node.k === 'def' ? v.fn.node.docstring : null;
    if (doc !== null && typeof dag.kwargs.doc_md !== 'string') dag.kwargs.doc_md = doc;
    const bodyArgs = new Map<string, Value>([...params.keys()].map((k) => [k, { t: 'dagparam', name: k }]));
    this.rt.dagStack.push(dag);
    try {
      this.rt.host.callUser(v.fn, [], bodyArgs, ctx.from);
    } finally {
      this.rt.dagStack.pop();
    }
    return created;
  }

  /** Calling a @task_group function opens a group named after it; returns what the body returns, or the group. */
  callGroupFunction(v: GroupFunctionV, args: Value[], kwargs: Map<string, Value>, ctx: CallCtx, mapping?: { expand: ExpandRequest; mapped: string[] }): Value {
    const groupKwargs = new Map(v.kwargs);
    const created = this.rt.createGroup(groupKwargs.has('group_id') ? [] : [str(v.fn.name)], groupKwargs, ctx.from, { pos: [ctx.from], kw: v.kwFrom }, { addSuffix: true });
    if (created.t !== 'group') return created;
    const group = created.group;
    const bodyKwargs = new Map(kwargs);
    for (const name of mapping?.mapped ?? []) bodyKwargs.set(name, { t: 'mappedarg', name, group });
    this.rt.groupStack.push(group);
    let ret: Value;
    try {
      ret = this.rt.host.callUser(v.fn, args, bodyKwargs, ctx.from);
    } finally {
      this.rt.groupStack.pop();
    }
    if (mapping) this.rt.mapGroup(group, mapping.expand);
    return ret.t === 'none' ? created : ret;
  }

  /**
   * `group_fn.expand(**mapped)` / `.expand_kwargs(list)` (after `.partial(**fixed)`): the body runs
   * once, each mapped parameter a MappedArgument, and every task it creates maps as the group does
   * (Airflow 2.10's MappedTaskGroup; expand_kwargs() stubs every parameter not given to partial()).
   */
  private callMappedGroup(v: GroupFunctionV, fixed: Map<string, Value>, expand: ExpandRequest, ctx: CallCtx): Value {
    const params = v.fn.node.params;
    let mapped: string[];
    if (expand.kind === 'kwargs') {
      if (expand.kw.size === 0) throw new PyError(DiagnosticCode.EVALUATION, `${v.fn.name}: no arguments to expand against`, expand.from);
      mapped = [...expand.kw.keys()];
      for (const k of mapped) if (fixed.has(k)) throw new PyError(DiagnosticCode.EVALUATION, `${v.fn.name}: argument '${k}' is given to both partial() and expand()`, expand.from);
    } else {
      if (params.some((p) => p.kind === 'varargs' || p.kind === 'kwargs')) throw new PyError(DiagnosticCode.EVALUATION, `${v.fn.name}: calling expand_kwargs() on a task group function with * or ** is not supported`, expand.from);
      mapped = params.filter((p) => p.kind === 'normal' && !fixed.has(p.name)).map((p) => p.name);
    }
    this.checkSignature(v.fn, [], new Map([...fixed, ...mapped.map((k): [string, Value] => [k, NONE])]), ctx.from);
    return this.callGroupFunction(v, [], fixed, ctx, { expand, mapped });
  }

  // ---------------------------------------------------------------- dependencies

  /** `left >> right` / `left << right`; both return the right operand, as in Airflow. */
  shift(op: '>>' | '<<', left: Value, right: Value, from: number): Value {
    if (isSeq(left) && isSeq(right)) {
      throw new PyError(DiagnosticCode.EVALUATION, `unsupported operand type(s) for ${op}: '${typeName(left)}' and '${typeName(right)}'`, from, 'to connect every task of one list to every task of another, use cross_downstream(from_tasks, to_tasks)');
    }
    if (op === '>>') this.rt.relate(left, right, from);
    else this.rt.relate(right, left, from);
    return right;
  }

  isDependencyOperand(left: Value, right: Value): boolean {
    return isDep(left) || isDep(right) || (isSeq(left) && seqItems(left).some(isDep)) || (isSeq(right) && seqItems(right).some(isDep));
  }

  private relationMethods(self: Value, name: string): Value | undefined {
    if (name === 'set_downstream') return method(name, (args, _k, ctx) => (this.rt.relate(self, args[0] ?? NONE, ctx.from), NONE));
    if (name === 'set_upstream') return method(name, (args, _k, ctx) => (this.rt.relate(args[0] ?? NONE, self, ctx.from), NONE));
    return undefined;
  }

  // ---------------------------------------------------------------- attributes

  getAttr(v: Value, name: string): Value | undefined {
    switch (v.t) {
      case 'dag': {
        const d = v.dag;
        switch (name) {
          case 'dag_id': return str(d.dagId);
          case 'default_args': return d.values.get('default_args');
          case 'params': return d.values.get('params') ?? { t: 'dict', map: new Map() };
          case 'task_ids': return list([...d.tasks.keys()].map(str));
          case 'tasks': return list([...d.tasks.values()].map((task) => ({ t: 'task', task })));
          case 'task_dict': return strDict([...d.tasks.values()].map((task) => [task.taskId, { t: 'task', task }]));
          case 'fileloc': case 'full_filepath': return str(this.rt.host.file);
          case 'folder': return str(this.rt.host.file.includes('/') ? this.rt.host.file.slice(0, this.rt.host.file.lastIndexOf('/')) : '.');
          case 'get_task': return method(name, (args) => {
            const task = d.tasks.get(asStr(args[0], 'task_id'));
            if (!task) throw new PyFail(`Task ${asStr(args[0], 'task_id')} not found`);
            return { t: 'task', task };
          });
          case 'has_task': return method(name, (args) => bool(d.tasks.has(asStr(args[0], 'task_id'))));
          case 'set_dependency': return method(name, (args, _k, ctx) => {
            const up = d.tasks.get(asStr(args[0], 'upstream_task_id'));
            const down = d.tasks.get(asStr(args[1], 'downstream_task_id'));
            if (!up || !down) throw new PyFail(`task ${up ? asStr(args[1], '') : asStr(args[0], '')} not found in DAG '${d.dagId}'`);
            this.rt.edge(up, down, ctx.from);
            return NONE;
          });
          case 'test': case 'cli': case 'run': return method(name, () => NONE);
          case 'task': {
            // `@dag.task` / `@dag.task(...)`: Airflow's `functools.partial(task, dag=self)`.
            const task = this.exports.task;
            if (task?.t !== 'native') return undefined;
            return fn('task', 'airflow.models.dag', (args, kwargs, ctx) => task.fn(args, new Map([...kwargs, ['dag', v]]), ctx));
          }
        }
        if (d.values.has(name)) return d.values.get(name);
        if (isDagArgument(name) || name === 'doc_md') return NONE;
        return undefined;
      }
      case 'task': {
        const t = v.task;
        switch (name) {
          case 'task_id': return str(t.taskId);
          case 'dag': return { t: 'dag', dag: t.dag };
          case 'dag_id': return str(t.dag.dagId);
          case 'output': return { t: 'xcom', task: t, key: 'return_value' };
          case 'upstream_list': return list([...t.upstream].map((task) => ({ t: 'task', task })));
          case 'downstream_list': return list([...t.downstream].map((task) => ({ t: 'task', task })));
          case 'upstream_task_ids': return set([...t.upstream].map((u) => str(u.taskId)));
          case 'downstream_task_ids': return set([...t.downstream].map((u) => str(u.taskId)));
          case 'task_group': return t.group ? { t: 'group', group: t.group } : NONE;
          case 'task_type': case 'operator_name': return str(t.operatorName);
          case 'roots': case 'leaves': return list([v]);
          case 'partial': case 'expand': case 'expand_kwargs': return unsupported(`.${name}() on a task instance`, 'call .partial() on the operator class, then .expand() on its result');
          case 'as_setup': case 'as_teardown': return this.setupTeardownMethod(v, t, name);
          case 'xcom_pull': case 'xcom_push': case 'render_template': case 'execute':
            return method(name, (_a, _k, ctx) => dynamic(`${t.taskId}.${name}()`, ctx.from, 'this only works while a task runs'));
        }
        const rel = this.relationMethods(v, name);
        if (rel) return rel;
        if (t.values.has(name)) return t.values.get(name);
        if (BASE_OPERATOR_ARGS.has(name) || name in t.spec.args) return NONE;
        return undefined;
      }
      case 'group': {
        const g = v.group;
        switch (name) {
          case 'group_id': return str(g.groupId);
          case 'dag': return { t: 'dag', dag: g.dag };
          case 'tooltip': return str(g.tooltip);
          case 'prefix_group_id': return bool(g.prefixGroupId);
          case 'default_args': return NONE;
          case 'expand': case 'partial': return unsupported(`.${name}() on a task group`, MAPPING_HINT);
        }
        return this.relationMethods(v, name);
      }
      case 'xcom':
        switch (name) {
          case 'operator': return { t: 'task', task: v.task };
          case 'key': return str(v.key);
          case 'map': return method(name, (args, kwargs) => this.xcomMap(v, args, kwargs));
          case 'zip': return method(name, (args, kwargs) => this.xcomZip(v, args, kwargs));
          case 'concat': return method(name, (args, kwargs) => this.xcomConcat(v, args, kwargs));
          case 'as_setup': case 'as_teardown': return this.setupTeardownMethod(v, v.task, name);
        }
        return this.relationMethods(v, name);
      case 'label':
        if (name === 'label') return str(v.label.label);
        return this.relationMethods(v, name);
      case 'taskflow':
        switch (name) {
          case 'override': return method(name, (_a, kwargs, ctx) => {
            const merged = new Map(v.tf.kwargs);
            const kwFrom = new Map(v.tf.kwFrom);
            for (const [k, val] of kwargs) {
              merged.set(k, val);
              kwFrom.set(k, ctx.argFrom?.kw.get(k) ?? ctx.from);
            }
            return { t: 'taskflow', tf: { ...v.tf, kwargs: merged, kwFrom } };
          });
          case 'partial': return method(name, (args, kwargs, ctx) => {
            if (args.length > 0) throw new PyFail('partial() takes keyword arguments only');
            const fixedFrom = ctx.argFrom ?? { pos: [], kw: new Map<string, number>() };
            return this.partialObject((expand) => this.callTaskFlow(v.tf, [], kwargs, { ...ctx, argFrom: fixedFrom, from: expand.from }, expand));
          });
          case 'expand': return method(name, (args, kwargs, ctx) => {
            if (args.length > 0) throw new PyFail('expand() takes keyword arguments only');
            return this.callTaskFlow(v.tf, [], new Map(), { ...ctx, argFrom: { pos: [], kw: new Map() } }, { kind: 'kwargs', kw: kwargs, kwFrom: ctx.argFrom?.kw ?? new Map(), from: ctx.from });
          });
          case 'expand_kwargs': return method(name, (args, kwargs, ctx) => {
            if (args.length !== 1 || kwargs.size > 0) throw new PyFail('expand_kwargs() takes exactly one positional argument (a list of dicts or an XComArg)');
            return this.callTaskFlow(v.tf, [], new Map(), { ...ctx, argFrom: { pos: [], kw: new Map() } }, { kind: 'kwargs_list', value: args[0]!, from: ctx.argFrom?.pos[0] ?? ctx.from });
          });
          case 'function': return v.tf.fn;
          case '__name__': return str(v.tf.fn.name);
        }
        return undefined;
      case 'dagfn':
      case 'groupfn':
        if (name === '__name__') return str(v.fn.name);
        if (v.t === 'groupfn') {
          const group = v;
          if (name === 'partial') {
            return method(name, (args, kwargs) => {
              if (args.length > 0) throw new PyFail('partial() takes keyword arguments only');
              return this.partialObject((expand, at) => this.callMappedGroup(group, kwargs, expand, at));
            });
          }
          if (name === 'expand' || name === 'expand_kwargs') return this.partialObject((expand, at) => this.callMappedGroup(group, new Map(), expand, at)).attrs.get(name);
        }
        if (name === 'expand' || name === 'partial' || name === 'override') {
          if (v.t === 'groupfn' && name === 'override') return undefined;
          return unsupported(`.${name}() on a @${v.t === 'dagfn' ? 'dag' : 'task_group'} function`, MAPPING_HINT);
        }
        return undefined;
      case 'operator_class':
      case 'class':
        if (name === 'partial') {
          return method(name, (args, kwargs, ctx) =>
            this.partialObject((expand) => this.callOperator(v, args, kwargs, ctx, expand)),
          );
        }
        if (name === 'as_setup' || name === 'as_teardown') {
          // `BashOperator.as_setup(task_id=..., ...)`: the operator made and marked at once (Airflow 2.7+).
          return method(name, (args, kwargs, ctx) => {
            const own = new Map([...kwargs].filter(([k]) => name === 'as_setup' || (k !== 'setups' && k !== 'on_failure_fail_dagrun')));
            const made = this.callOperator(v, args, own, ctx);
            if (made.t !== 'task') return made;
            const marks = new Map([...kwargs].filter(([k]) => !own.has(k)));
            return (this.setupTeardownMethod(made, made.task, name) as NativeV).fn([], marks, ctx);
          });
        }
        return undefined;
    }
    return undefined;
  }

  /** `dag.doc_md = ...`, `task.trigger_rule = ...`; false when the object takes no attributes. */
  setAttr(v: Value, name: string, value: Value, from: number): boolean {
    if (v.t === 'dag') {
      const d = v.dag;
      if (name === 'dag_id') throw new PyError(DiagnosticCode.EVALUATION, 'dag_id cannot be changed after the DAG is created', from);
      d.values.set(name, value);
      if (name === 'default_args') return true;
      if (isDagArgument(name) || name === 'doc_md') {
        const r = this.rt.convert(value, `DAG '${d.dagId}': ${name}`, from, { callable: expectsCallable(null, name) });
        if (r.ok) {
          d.kwargs[name] = r.value;
          if (name === 'params' && r.value !== null && typeof r.value === 'object' && !Array.isArray(r.value)) d.params = r.value as Record<string, never>;
        }
      }
      return true;
    }
    if (v.t === 'task') {
      const t = v.task;
      if (name === 'task_id') throw new PyError(DiagnosticCode.EVALUATION, 'task_id cannot be changed after the task is created', from);
      t.values.set(name, value);
      if (BASE_OPERATOR_ARGS.has(name) || name in t.spec.args || t.spec.unknownArgs === 'accept') {
        const r = this.rt.convert(value, `task '${t.taskId}': ${name}`, from, { callable: expectsCallable(t.spec, name), lenient: t.spec.execution === 'unsupported' });
        if (r.ok) {
          t.kwargs[name] = r.value;
          t.droppedArgs.delete(name);
        }
      }
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- with

  /** Enters `with value:`; returns the exit action, or undefined when the value is no Airflow context. */
  enter(v: Value): (() => void) | undefined {
    if (v.t === 'dag') {
      v.dag.registered = true; // Airflow >= 2.4 registers DAGs used as context managers.
      this.rt.dagStack.push(v.dag);
      return () => void this.rt.dagStack.pop();
    }
    if (v.t === 'group') {
      this.rt.groupStack.push(v.group);
      return () => void this.rt.groupStack.pop();
    }
    const task = v.t === 'task' || v.t === 'xcom' ? v.task : undefined;
    if (task && (task.isSetup || task.isTeardown)) return this.enterSetupTeardown(task);
    return undefined;
  }

  /**
   * `with setup >> teardown:` (or `with setup:` / `with teardown:`): the tasks created in the block
   * run after the setups and before the teardowns, as Airflow's setup/teardown context wires them:
   * each setup upstream of the block's roots, each teardown downstream of its leaves.
   */
  private enterSetupTeardown(task: TaskState): () => void {
    const dag = task.dag;
    const before = new Set(dag.tasks.keys());
    const teardowns = task.isTeardown ? [task] : [...task.downstream].filter((d) => d.isTeardown);
    const setups = task.isSetup ? [task] : [...task.upstream].filter((u) => u.isSetup);
    return () => {
      const created = [...dag.tasks.values()].filter((t) => !before.has(t.taskId) && !t.isSetup && !t.isTeardown);
      const inBlock = new Set(created);
      for (const t of created) {
        if (![...t.upstream].some((u) => inBlock.has(u))) for (const s of setups) this.rt.edge(s, t, t.from);
        if (![...t.downstream].some((d) => inBlock.has(d))) for (const td of teardowns) this.rt.edge(t, td, t.from);
      }
    };
  }

  // ---------------------------------------------------------------- exports

  private chain(elements: Value[], from: number): void {
    for (let i = 0; i + 1 < elements.length; i++) {
      const up = elements[i]!;
      const down = elements[i + 1]!;
      if (!isSeq(up) || !isSeq(down)) {
        this.rt.relate(up, down, from);
        continue;
      }
      const ups = seqItems(up);
      const downs = seqItems(down);
      if (ups.length !== downs.length) {
        throw new PyError(DiagnosticCode.EVALUATION, `chain() cannot pair lists of different lengths (${ups.length} and ${downs.length})`, from, 'adjacent lists in chain() are connected pairwise and must have the same length; use cross_downstream for all-to-all');
      }
      ups.forEach((u, j) => this.rt.relate(u, downs[j]!, from));
    }
  }

  private decorator(kind: 'task' | 'dag' | 'task_group', name: string): Value {
    const make = (f: Value, kwargs: Map<string, Value>, kwFrom: Map<string, number>, from: number): Value => {
      if (f.t !== 'function') throw new PyFail(`@${name} can only decorate a function (got ${typeName(f)})`);
      if (kind === 'task') return { t: 'taskflow', tf: { fn: f, decorator: name, kwargs, kwFrom, from } };
      if (kind === 'dag') return { t: 'dagfn', fn: f, kwargs, kwFrom, from };
      return { t: 'groupfn', fn: f, kwargs, kwFrom, from };
    };
    return fn(name, 'airflow.decorators', (args, kwargs, ctx) => {
      if (UNSUPPORTED_TASK_DECORATORS.has(name)) {
        unsupported(`@${name}`, 'use @task (Python) or a classic operator such as BashOperator');
      }
      const kwFrom = ctx.argFrom?.kw ?? new Map<string, number>();
      if (args.length === 1 && kwargs.size === 0 && args[0]!.t === 'function') return make(args[0]!, new Map(), kwFrom, ctx.from);
      // `task(fn, **kwargs)`: the function as the first argument (what `@dag.task`'s partial calls).
      const direct = kwargs.get('python_callable') ?? (kind === 'task' && args.length === 1 ? args[0] : undefined);
      if (kind === 'task' && direct?.t === 'function') {
        const rest = new Map([...kwargs].filter(([k]) => k !== 'python_callable'));
        return make(direct, rest, kwFrom, ctx.from);
      }
      if (args.length > 0 && !(kind === 'dag' && args.length === 1 && args[0]!.t === 'str')) {
        throw new PyFail(`@${name}(...) takes keyword arguments`);
      }
      const options = new Map(kwargs);
      if (args.length === 1) options.set(kind === 'dag' ? 'dag_id' : 'group_id', args[0]!);
      return fn(`${name}(...)`, 'airflow.decorators', (fargs) => make(fargs[0] ?? NONE, options, kwFrom, ctx.from));
    });
  }

  /**
   * `@task.run_if(condition, skip_message=None)` / `@task.skip_if(...)` (Airflow 2.10,
   * airflow.decorators.condition): stacked above a TaskFlow decorator. The condition is a function
   * of the task's context that the task's Python process calls before execute (Airflow's
   * pre_execute hook; the shim does the same), so here it is only checked and the @task returned.
   */
  private conditionDecorator(name: 'run_if' | 'skip_if'): Value {
    return fn(name, 'airflow.decorators.condition', (args, kwargs) => {
      const { condition, skip_message: message } = bindArgs(name, args, kwargs, ['condition', 'skip_message']);
      if (condition === undefined) throw new PyFail(`${name}() missing 1 required positional argument: 'condition'`);
      if (NOT_CALLABLE.has(condition.t)) {
        throw new PyFail(`${name}() condition must be a function of the task context (got ${typeName(condition)})`, 'e.g. lambda context: context["params"]["enabled"]');
      }
      if (message !== undefined && !['none', 'str', 'dynamic', 'invalid', 'external'].includes(message.t)) {
        throw new PyFail(`${name}() skip_message must be a string or None (got ${typeName(message)})`);
      }
      return fn(`${name}(...)`, 'airflow.decorators.condition', (fargs) => {
        const decorated = fargs[0] ?? NONE;
        if (decorated.t === 'invalid') return decorated; // already reported
        // Airflow's own TypeError: the condition attaches to a TaskFlow decorator's arguments.
        if (decorated.t !== 'taskflow') throw new PyFail(`${name} can only be used with task. decorate with @task before @${name}.`);
        return decorated;
      });
    });
  }

  private makeExports(): Record<string, Value> {
    const rt = this.rt;
    const task = this.decorator('task', 'task');
    const literalValue = fn('literal', 'airflow.utils.template', (args, kwargs) => {
      const { value } = bindArgs('literal', args, kwargs, ['value']);
      if (value === undefined) throw new PyFail("literal() missing 1 required positional argument: 'value'");
      return { t: 'object', kind: 'LiteralValue', attrs: new Map([['value', value]]) } satisfies Value;
    });
    const runIf = this.conditionDecorator('run_if');
    const skipIf = this.conditionDecorator('skip_if');
    if (task.t === 'native') {
      const subs = ['python', 'branch', 'short_circuit', 'sensor', 'bash', 'virtualenv', 'external_python', 'branch_virtualenv', 'branch_external_python', ...[...UNSUPPORTED_TASK_DECORATORS].map((d) => d.slice(5))];
      task.attrs = new Map<string, Value>([...subs.map((sub): [string, Value] => [sub, this.decorator('task', `task.${sub}`)]), ['run_if', runIf], ['skip_if', skipIf]]);
    }
    const dynamicObject = (kind: string, methods: string[], hint: string): Value => ({
      t: 'object',
      kind,
      attrs: new Map(methods.map((m) => [m, fn(m, kind, (args, _k, ctx) => dynamic(`${kind}.${m}(${args[0]?.t === 'str' ? JSON.stringify(args[0].v) : '...'})`, ctx.from, hint))])),
    });
    return {
      DAG: fn('DAG', 'airflow', (args, kwargs, ctx) => rt.createDag(args, kwargs, ctx.from, ctx.argFrom)),
      TaskGroup: fn('TaskGroup', 'airflow.utils.task_group', (args, kwargs, ctx) => rt.createGroup(args, kwargs, ctx.from, ctx.argFrom)),
      chain: fn('chain', 'airflow.models.baseoperator', (args, _k, ctx) => (this.chain(args, ctx.from), NONE)),
      chain_linear: fn('chain_linear', 'airflow.models.baseoperator', (args, _k, ctx) => {
        if (args.length === 0) throw new PyFail('No tasks provided; nothing to do.');
        let prev: Value[] | null = null;
        let set = false;
        for (const el of args) {
          if (el.t === 'label') throw new PyFail('Labels are not supported by chain_linear');
          if (prev) for (const p of prev) {
            rt.relate(p, el, ctx.from);
            set = true;
          }
          prev = seqItems(el);
        }
        if (!set) throw new PyFail('No dependencies were set. Did you forget to expand with `*`?');
        return NONE;
      }),
      cross_downstream: fn('cross_downstream', 'airflow.models.baseoperator', (args, kwargs, ctx) => {
        const from = args[0] ?? kwargs.get('from_tasks') ?? NONE;
        const to = args[1] ?? kwargs.get('to_tasks') ?? NONE;
        for (const t of seqItems(from)) rt.relate(t, to, ctx.from);
        return NONE;
      }),
      Label: fn('Label', 'airflow.utils.edgemodifier', (args) => ({ t: 'label', label: { label: asStr(args[0], 'Label() label'), upstream: [], downstream: [] } })),
      Param: fn('Param', 'airflow.models.param', (args, kwargs) => args[0] ?? kwargs.get('default') ?? NONE),
      XComArg: fn('XComArg', 'airflow.models.xcom_arg', (args, kwargs) => {
        const op = args[0] ?? kwargs.get('operator') ?? NONE;
        if (op.t !== 'task') throw new PyFail(`XComArg() needs an operator (got ${typeName(op)})`);
        const key = args[1] ?? kwargs.get('key');
        return { t: 'xcom', task: op.task, key: key ? asStr(key, 'key') : 'return_value' };
      }),
      task,
      run_if: runIf,
      skip_if: skipIf,
      // airflow.utils.template.literal (2.8+) / airflow.template.templater.LiteralValue: not rendered.
      literal: literalValue,
      LiteralValue: literalValue,
      dag: this.decorator('dag', 'dag'),
      task_group: this.decorator('task_group', 'task_group'),
      TriggerRule: constants('TriggerRule', TRIGGER_RULES),
      State: constants('State', STATES),
      TaskInstanceState: constants('TaskInstanceState', STATES),
      // airflow.utils.weekday.WeekDay is an IntEnum (MONDAY = 1 ... SUNDAY = 7), as DayOfWeekSensor takes it.
      WeekDay: {
        t: 'object',
        kind: 'WeekDay',
        attrs: new Map(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'].map((d, i) => [d, int(i + 1)])),
      },
      WeightRule: constants('WeightRule', WeightRule),
      SkippedStatePropagationOptions: constants('SkippedStatePropagationOptions', { ALL_LEAVES: 'all_leaves', ANY_LEAF: 'any_leaf' }),
      // Whether @task.virtualenv / PythonVirtualenvOperator can run: skydag makes their venvs with the machine's python.
      is_venv_installed: fn('is_venv_installed', 'airflow.operators.python', () => bool(true)),
      DagRunState: constants('DagRunState', { SUCCESS: 'success', FAILED: 'failed', RUNNING: 'running', QUEUED: 'queued' }),
      Variable: parseTimeVariable(),
      BaseHook: dynamicObject('BaseHook', ['get_connection', 'get_hook', 'get_connections'], "read connections inside tasks, e.g. '{{ conn.my_conn.host }}' in a templated field"),
      conf: parseTimeConf(),
      apply_defaults: fn('apply_defaults', 'airflow.utils.decorators', (args) => args[0] ?? NONE),
      get_current_context: fn('get_current_context', 'airflow.operators.python', (_a, _k, ctx) => dynamic('get_current_context()', ctx.from, 'the task context only exists while a task runs')),
      setup: this.setupTeardownDecorator('setup'),
      teardown: this.setupTeardownDecorator('teardown'),
      ...datasetExports(),
    };
  }
}

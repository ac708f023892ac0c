/**
 * The Airflow task context for template rendering (`TaskInstance.get_template_context()` in Airflow 2),
 * built from plain data: the DAG and task from the model, the run, the try number, the previous
 * successful run, and synchronous accessors for Variables, Connections and XComs.
 *
 * Semantics follow Airflow 2:
 * - `ds`, `ts` and friends come from `logical_date` in UTC (for a DAG in `Europe/Amsterdam` whose run
 *   starts at local midnight, `ds` is the previous UTC day, exactly as in Airflow);
 * - all context datetimes are pendulum `DateTime`s in UTC;
 * - for externally triggered runs `prev_execution_date` and `next_execution_date` equal
 *   `logical_date` (so `prev_ds == ds == next_ds`); otherwise the next one is the next run's logical
 *   date (the end of this interval, aligned to the schedule) and the previous one the schedule's
 *   previous fire time (`None` for `@once`, no schedule, or dataset-triggered runs);
 * - `params` are the DAG's params, then the task's, then `dag_run.conf` when
 *   `[core] dag_run_conf_overrides_params` is true (the default).
 */
import type { DatasetEventRecord } from '../../model/records.js';
import { triggeringDatasetEvents } from '../../model/datasets.js';
import { RepositoryAccessor, type RepositoryAccessorFn } from './repository.js';
import { CronExpressionParser } from 'cron-parser';
import type { Dag, Task } from '../../model/schema.js';
import { createMacros } from './macros.js';
import { timetableFor } from '../../scheduling/timetable.js';
import type {
  AirflowConfig} from './objects.js';
import {
  ConnectionAccessor,
  VariableAccessor,
  airflowConfig,
  dagObject,
  dagRunObject,
  mergeParams,
  taskInstanceObject,
  taskObject,
  type ConnectionInfo,
  type XComPull,
  type XComPush,
} from './objects.js';
import { PyDateTime, PyTimedelta, PyTimezone } from './py/datetime.js';
import { PyError, PyFunction } from './py/object.js';
import { USER_FILTERS_VARIABLE } from './jinja/filters.js';
import { NO_PYTHON, PythonValue, pythonFilter, type PythonCallAccessor } from './python-values.js';

export type RunType = 'scheduled' | 'manual' | 'backfill' | 'dataset_triggered';

/** The DAG run being executed. Datetimes are ISO-8601 instants with an offset. */
export interface DagRunInput {
  run_id: string;
  run_type: RunType;
  logical_date: string;
  data_interval_start: string;
  data_interval_end: string;
  /** The trigger payload (`dag_run.conf`); null/absent is `{}`. */
  conf?: Record<string, unknown> | null;
  /** True for runs triggered from the UI, API, CLI or TriggerDagRunOperator. */
  external_trigger: boolean;
  /** When the run started. */
  start_date?: string | null;
  queued_at?: string | null;
  /** Dataset-triggered runs: the events that created the run. */
  triggering_dataset_events?: DatasetEventRecord[];
}

/** The last successful run of the DAG before this one (for the `prev_*_success` keys). */
export interface PreviousSuccessInput {
  logical_date: string;
  data_interval_start?: string | null;
  data_interval_end?: string | null;
  start_date?: string | null;
  end_date?: string | null;
}

/**
 * The DAG as the context reads it: everything but its tasks, of which only the ids are used (so a
 * caller that renders elsewhere, e.g. in a worker thread, need not copy every task).
 */
export type TemplateDag = Omit<Dag, 'tasks'> & { readonly tasks: readonly Pick<Task, 'task_id'>[] };

export interface TemplateContextInput {
  dag: TemplateDag;
  task: Task;
  run: DagRunInput;
  /** The current try, starting at 1. */
  tryNumber: number;
  /** Index of a mapped task instance; -1 (default) when the task is not mapped. */
  mapIndex?: number;
  previousSuccess?: PreviousSuccessInput | null;
  /** Reads an Airflow Variable's raw (string) value; undefined/null when it does not exist. */
  variables?: (key: string) => string | null | undefined;
  /** Reads a Connection; undefined/null when it does not exist. */
  connections?: (connId: string) => ConnectionInfo | null | undefined;
  /** Reads a stored model or dataset version (`models.get(...)`, `datasets.get(...)`); undefined/null when absent. */
  repository?: RepositoryAccessorFn;
  /** Reads an XCom; returns undefined when there is none. */
  xcomPull?: XComPull;
  /** Records `ti.xcom_push(key, value)` called by a template (the caller stores it for the try). */
  xcomPush?: XComPush;
  /**
   * Evaluates a template's use of a user-defined macro or filter that only the DAG file's Python
   * process has (see python-values.ts); absent: such a use is an error.
   */
  pythonCall?: PythonCallAccessor;
  /** The current time (for `macros.datetime.now()` and friends). */
  now: Date | string;
  /** When this task instance started (`ti.start_date`); defaults to `now`. */
  taskStartDate?: string | null;
  /** `ti.state` of a try that ended (its callbacks' templates); default running. */
  taskState?: string;
  testMode?: boolean;
  /** `[section] key = value` settings behind `conf`, over skydag's defaults. */
  airflowConfig?: Record<string, Record<string, string>>;
  /**
   * pendulum major version to imitate: 3 (Airflow ≥ 2.8, default) prints `{{ execution_date }}` as
   * `2019-01-03 00:00:00+00:00`; 2 (Airflow ≤ 2.7, the book's Airflow 2.0) as `2019-01-03T00:00:00+00:00`.
   */
  pendulumVersion?: 2 | 3;
  /** `ti.hostname`. */
  hostname?: string;
  /** Variables the task's code added to its context (`get_current_context()["k"] = v`), over the others. */
  extra?: Record<string, unknown>;
}

/** Internal data the renderer needs besides the Jinja variables. */
export interface TemplateContextMeta {
  readonly dagId: string;
  readonly taskId: string;
  readonly runId: string;
  readonly renderTemplateAsNativeObj: boolean;
  /** Resolves a TaskFlow output (`XComArg`) found in a templated field. */
  resolveXComArg(taskId: string, key: string): unknown;
}

export const TEMPLATE_CONTEXT_META: unique symbol = Symbol.for('skydag.templateContextMeta');

/** The variables available to templates (see {@link TEMPLATE_CONTEXT_KEYS}), plus renderer metadata. */
export interface TemplateContext {
  readonly [key: string]: unknown;
  readonly [TEMPLATE_CONTEXT_META]?: TemplateContextMeta;
}

/** Every key `buildTemplateContext` provides, as in Airflow 2's `get_template_context()`. */
export const TEMPLATE_CONTEXT_KEYS = [
  'conf',
  'conn',
  'dag',
  'dag_run',
  'data_interval_end',
  'data_interval_start',
  'ds',
  'ds_nodash',
  'execution_date',
  'expanded_ti_count',
  'inlets',
  'inlet_events',
  'logical_date',
  'macros',
  'map_index_template',
  // skydag: the models and datasets repository (not in Airflow)
  'models',
  'datasets',
  'next_ds',
  'next_ds_nodash',
  'next_execution_date',
  'outlets',
  'outlet_events',
  'params',
  'prev_data_interval_start_success',
  'prev_data_interval_end_success',
  'prev_ds',
  'prev_ds_nodash',
  'prev_execution_date',
  'prev_execution_date_success',
  'prev_start_date_success',
  'prev_end_date_success',
  'run_id',
  'task',
  'task_instance',
  'task_instance_key_str',
  'test_mode',
  'templates_dict',
  'ti',
  'tomorrow_ds',
  'tomorrow_ds_nodash',
  'triggering_dataset_events',
  'ts',
  'ts_nodash',
  'ts_nodash_with_tz',
  'var',
  'yesterday_ds',
  'yesterday_ds_nodash',
] as const;

const DAY = PyTimedelta.fromSeconds(86_400);

function strftime(dt: PyDateTime, fmt: string): string {
  return String((dt.getattr('strftime') as { call(a: unknown[], k: Record<string, never>): unknown }).call([fmt], {}));
}

/** The cron fire time strictly before `instant` (in the DAG's zone). */
function cronPrev(cron: string, instant: PyDateTime, tz: string): PyDateTime {
  const expr = CronExpressionParser.parse(cron, { currentDate: new Date(instant.epochMs()), tz });
  return PyDateTime.fromDate(expr.prev().toDate(), instant.tz, instant.flavour);
}

/** The latest cron fire time at or before `instant` (Airflow's `_align_to_prev`). */
function cronAlignPrev(cron: string, instant: PyDateTime, tz: string): PyDateTime {
  const expr = CronExpressionParser.parse(cron, { currentDate: new Date(instant.epochMs() + 1000), tz });
  return PyDateTime.fromDate(expr.prev().toDate(), instant.tz, instant.flavour);
}

/** `next_execution_date` (Airflow 2's `get_next_execution_date`). */
export function nextExecutionDate(dag: TemplateDag, run: DagRunInput, logical: PyDateTime, intervalEnd: PyDateTime): PyDateTime | null {
  if (run.external_trigger) return logical;
  if (run.run_type === 'dataset_triggered') return null;
  const s = dag.schedule;
  if (s.type === 'cron' && s.trigger) {
    // DAG.next_dagrun_info(data interval, restricted=False).logical_date: the next tick less its interval.
    const next = timetableFor(s, dag.timezone).nextDagRunInfo({ start: intervalEnd.epochMs(), end: intervalEnd.epochMs() }, { earliest: null, latest: null, catchup: true }, intervalEnd.epochMs());
    return next && PyDateTime.fromDate(new Date(next.logicalDate), logical.tz, logical.flavour);
  }
  if (s.type === 'cron') return cronAlignPrev(s.cron, intervalEnd, s.timezone ?? dag.timezone);
  if (s.type === 'timedelta') return intervalEnd;
  return null;
}

/** `prev_execution_date` (Airflow 2's `get_prev_execution_date`). */
export function prevExecutionDate(dag: TemplateDag, run: DagRunInput, logical: PyDateTime): PyDateTime | null {
  if (run.external_trigger) return logical;
  if (run.run_type === 'dataset_triggered') return null;
  const s = dag.schedule;
  if (s.type === 'cron' && s.trigger) return null; // DAG.previous_schedule: only data-interval timetables have one
  if (s.type === 'cron') return cronPrev(s.cron, logical, s.timezone ?? dag.timezone);
  if (s.type === 'timedelta') return logical.binop('-', PyTimedelta.fromSeconds(s.seconds), false) as PyDateTime;
  return null;
}

/** Builds the template context for one task instance. */
export function buildTemplateContext(input: TemplateContextInput): TemplateContext {
  const { dag, task, run } = input;
  const flavour = input.pendulumVersion === 2 ? 'pendulum2' : 'pendulum3';
  const utc = PyTimezone.utc(flavour);
  const instant = (iso: string, what: string): PyDateTime => {
    try {
      return PyDateTime.fromISO(iso, flavour, utc);
    } catch (err) {
      throw new Error(`buildTemplateContext: ${what} is not an ISO-8601 instant: ${JSON.stringify(iso)}`, { cause: err });
    }
  };
  const optInstant = (iso: string | null | undefined, what: string): PyDateTime | null => (iso ? instant(iso, what) : null);
  const nowDate = typeof input.now === 'string' ? new Date(input.now) : input.now;
  if (Number.isNaN(nowDate.getTime())) throw new Error(`buildTemplateContext: now is not a valid time: ${String(input.now)}`);

  const logical = instant(run.logical_date, 'run.logical_date');
  const intervalStart = instant(run.data_interval_start, 'run.data_interval_start');
  const intervalEnd = instant(run.data_interval_end, 'run.data_interval_end');

  const ds = strftime(logical, '%Y-%m-%d');
  const dsNodash = ds.replace(/-/g, '');
  const ts = logical.isoformat('T');
  const next = nextExecutionDate(dag, run, logical, intervalEnd);
  const prev = prevExecutionDate(dag, run, logical);
  const nextDs = next === null ? null : strftime(next, '%Y-%m-%d');
  const prevDs = prev === null ? null : strftime(prev, '%Y-%m-%d');
  const yesterdayDs = strftime(logical.binop('-', DAY, false) as PyDateTime, '%Y-%m-%d');
  const tomorrowDs = strftime(logical.binop('+', DAY, false) as PyDateTime, '%Y-%m-%d');

  const config: AirflowConfig = airflowConfig(input.airflowConfig);
  const conf = run.conf ?? {};
  const overrides = Object.keys(conf).length > 0 && config.getBoolean('core', 'dag_run_conf_overrides_params') ? conf : null;
  const params = mergeParams(dag.params, task.params, overrides);

  const dagTz = PyTimezone.named(dag.timezone, flavour);
  const dagObj = dagObject(dag, dagTz, flavour);
  const taskObj = taskObject(task, dagObj, dag.dag_id);
  const prevSuccess = input.previousSuccess ?? null;
  const dagRun = dagRunObject({
    dag_id: dag.dag_id,
    run_id: run.run_id,
    run_type: run.run_type,
    conf,
    logical_date: logical,
    data_interval_start: intervalStart,
    data_interval_end: intervalEnd,
    external_trigger: run.external_trigger,
    start_date: optInstant(run.start_date, 'run.start_date'),
    queued_at: optInstant(run.queued_at, 'run.queued_at'),
    state: 'running',
  });
  const ti = taskInstanceObject({
    dag_id: dag.dag_id,
    task_id: task.task_id,
    run_id: run.run_id,
    try_number: input.tryNumber,
    max_tries: task.retries,
    map_index: input.mapIndex ?? -1,
    logical_date: logical,
    start_date: optInstant(input.taskStartDate, 'taskStartDate') ?? PyDateTime.fromDate(nowDate, utc, flavour),
    state: input.taskState ?? 'running',
    hostname: input.hostname ?? 'localhost',
    operator: task.operator,
    task_display_name: task.task_display_name ?? task.task_id,
    task: taskObj,
    dag_run: dagRun,
    ...ownXComs(input, dag.dag_id, task.task_id, run.run_id),
  });

  const values: Record<string, unknown> = {
    conf: config,
    conn: new ConnectionAccessor(input.connections),
    dag: dagObj,
    dag_run: dagRun,
    data_interval_end: intervalEnd,
    data_interval_start: intervalStart,
    ds,
    ds_nodash: dsNodash,
    execution_date: logical,
    expanded_ti_count: null,
    inlets: [],
    inlet_events: {},
    logical_date: logical,
    macros: createMacros({
      now: () => nowDate,
      ...(input.pythonCall ? { plugin: (name: string) => new PythonValue(input.pythonCall!, name, [], 'plugin_macros') } : {}),
    }),
    map_index_template: task.map_index_template ?? null,
    models: new RepositoryAccessor('model', input.repository),
    datasets: new RepositoryAccessor('dataset', input.repository),
    next_ds: nextDs,
    next_ds_nodash: nextDs === null ? null : nextDs.replace(/-/g, ''),
    next_execution_date: next,
    outlets: [],
    outlet_events: {},
    params,
    prev_data_interval_start_success: optInstant(prevSuccess?.data_interval_start, 'previousSuccess.data_interval_start'),
    prev_data_interval_end_success: optInstant(prevSuccess?.data_interval_end, 'previousSuccess.data_interval_end'),
    prev_ds: prevDs,
    prev_ds_nodash: prevDs === null ? null : prevDs.replace(/-/g, ''),
    prev_execution_date: prev,
    prev_execution_date_success: optInstant(prevSuccess?.logical_date, 'previousSuccess.logical_date'),
    prev_start_date_success: optInstant(prevSuccess?.start_date, 'previousSuccess.start_date'),
    prev_end_date_success: optInstant(prevSuccess?.end_date, 'previousSuccess.end_date'),
    run_id: run.run_id,
    task: taskObj,
    task_instance: ti,
    task_instance_key_str: `${dag.dag_id}__${task.task_id}__${dsNodash}`,
    test_mode: input.testMode ?? false,
    templates_dict: null,
    ti,
    tomorrow_ds: tomorrowDs,
    tomorrow_ds_nodash: tomorrowDs.replace(/-/g, ''),
    triggering_dataset_events: triggeringDatasetEvents(run),
    ts,
    ts_nodash: strftime(logical, '%Y%m%dT%H%M%S'),
    ts_nodash_with_tz: ts.replace(/-/g, '').replace(/:/g, ''),
    var: { json: new VariableAccessor(input.variables, true), value: new VariableAccessor(input.variables, false) },
    yesterday_ds: yesterdayDs,
    yesterday_ds_nodash: yesterdayDs.replace(/-/g, ''),
  };

  if (input.extra) Object.assign(values, input.extra);
  addUserDefined(values, dag, input.pythonCall ?? NO_PYTHON);

  const meta: TemplateContextMeta = {
    dagId: dag.dag_id,
    taskId: task.task_id,
    runId: run.run_id,
    renderTemplateAsNativeObj: dag.render_template_as_native_obj,
    resolveXComArg(taskId: string, key: string): unknown {
      if (input.xcomPull === undefined) throw new PyError('RuntimeError', 'XCom is not available in this rendering context');
      const v = input.xcomPull({ dag_id: dag.dag_id, run_id: run.run_id, task_id: taskId, key, map_index: null, include_prior_dates: false });
      if (v !== undefined) return v;
      if (key === 'return_value') return null;
      throw new PyError('XComNotFound', `XComArg result from ${taskId} at ${dag.dag_id} with key="${key}" is not found!`);
    },
  };
  Object.defineProperty(values, TEMPLATE_CONTEXT_META, { value: meta, enumerable: false });
  return values as TemplateContext;
}

/**
 * The DAG's user_defined_macros and user_defined_filters. Airflow adds the macros to the template
 * environment's globals, so a context variable of the same name wins; its filters go over Jinja's.
 */
function addUserDefined(values: Record<string, unknown>, dag: TemplateDag, pythonCall: PythonCallAccessor): void {
  const macros = dag.user_defined_macros;
  if (macros) {
    for (const [name, value] of Object.entries(macros.values)) if (!(name in values)) values[name] = value;
    for (const name of macros.python) if (!(name in values)) values[name] = new PythonValue(pythonCall, name);
  }
  if (dag.user_defined_filters && dag.user_defined_filters.length > 0) {
    const filters: Record<string, PyFunction> = {};
    for (const name of dag.user_defined_filters) {
      const apply = pythonFilter(pythonCall, name);
      filters[name] = new PyFunction(name, (args, kwargs) => apply(args[0], args.slice(1), kwargs));
    }
    values[USER_FILTERS_VARIABLE] = filters;
  }
}

/**
 * The task instance's XCom accessors for templates: what a template pushes is recorded through
 * `input.xcomPush` and, as in Airflow (where the push is written at once), a later `xcom_pull` of
 * this task instance's key in the same render sees it.
 */
function ownXComs(input: TemplateContextInput, dagId: string, taskId: string, runId: string): { xcomPull: XComPull | undefined; xcomPush: XComPush | undefined } {
  const { xcomPull, xcomPush } = input;
  if (xcomPush === undefined) return { xcomPull, xcomPush };
  const pushed = new Map<string, unknown>();
  return {
    xcomPush: (push) => {
      pushed.set(push.key, push.value);
      xcomPush(push);
    },
    xcomPull: (r) => {
      if (r.dag_id === dagId && r.run_id === runId && r.task_id === taskId && r.key !== null && pushed.has(r.key) && !r.include_prior_dates) return pushed.get(r.key);
      return xcomPull?.(r);
    },
  };
}

/** The context with `templates_dict` set (PythonOperator renders it first, then exposes it). */
export function withTemplatesDict(context: TemplateContext, templatesDict: Record<string, unknown> | null): TemplateContext {
  const next: Record<string, unknown> = { ...context, templates_dict: templatesDict };
  const meta = context[TEMPLATE_CONTEXT_META];
  if (meta) Object.defineProperty(next, TEMPLATE_CONTEXT_META, { value: meta, enumerable: false });
  return next as TemplateContext;
}

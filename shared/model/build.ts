/**
 * Builds model objects from the keyword arguments a front-end read (Python or YAML), so both
 * front-ends apply Airflow's rules identically: default_args merging (explicit arguments win),
 * BaseOperator fields lifted out of operator args, durations normalised to seconds, trigger-rule
 * aliases, sensor settings, and per-operator argument checks.
 */
import { relativedeltaFields } from './relativedelta.js';
import { CronExpressionParser } from 'cron-parser';
import { DiagnosticCode, type DiagnosticBag } from './diagnostics.js';
import { aliasesFromValue, isDatasetValue, outletsFromValue, splitDatasetSchedule } from './datasets.js';
import { DAG_MODEL_SCHEMA_VERSION, TRIGGER_RULES, TRIGGER_RULE_ALIASES, DAG_ACTIONS, ROLE_NAME_MAX_LENGTH, ROLE_NAME_PATTERN, WEIGHT_RULES } from './constants.js';
import {
  type AccessControl,
  type CallableRef,
  type Callbacks,
  type DagAction,
  type Dag,
  type DateTimeValue,
  type PyValue,
  type Schedule,
  type SensorSettings,
  type SourceLocation,
  type Task,
  type TaskExpand,
  type TaskGroup,
  type TriggerRule,
} from './schema.js';
import type { ArgSpec, ArgType, OperatorSpec } from '../operators/registry.js';
import { didYouMean } from '../util/suggest.js';

/**
 * The task's weight rule: `priority_weight_strategy` (Airflow 2.9+) when it names one of Airflow's,
 * else `weight_rule`, else downstream. A plugin's PriorityWeightStrategy object is accepted and not
 * applied (skydag orders queued tasks by priority_weight alone).
 */
function weightRule(merged: Readonly<Record<string, PyValue>>): string {
  const strategy = merged.priority_weight_strategy;
  if (typeof strategy === 'string' && WEIGHT_RULES.has(strategy)) return strategy;
  return typeof merged.weight_rule === 'string' ? merged.weight_rule : 'downstream';
}

/** Arguments every operator accepts (BaseOperator in Airflow 1.10 and 2.x, plus Couture's additions). */
export const BASE_OPERATOR_ARGS: ReadonlySet<string> = new Set([
  'task_id', 'owner', 'email', 'email_on_retry', 'email_on_failure', 'retries', 'retry_delay',
  'retry_exponential_backoff', 'max_retry_delay', 'start_date', 'end_date', 'depends_on_past',
  'wait_for_downstream', 'dag', 'params', 'default_args', 'priority_weight', 'weight_rule', 'queue',
  'pool', 'pool_slots', 'sla', 'execution_timeout', 'on_execute_callback', 'on_failure_callback',
  'on_success_callback', 'on_retry_callback', 'trigger_rule', 'resources', 'run_as_user',
  'task_concurrency', 'max_active_tis_per_dag', 'executor_config', 'do_xcom_push', 'inlets', 'outlets',
  'task_group', 'doc', 'doc_md', 'doc_rst', 'doc_json', 'doc_yaml', 'description', 'run_dag_id',
  'multiple_outputs', 'wait_for_past_depends_before_skipping', 'map_index_template', 'retry_delay_sec',
  'task_display_name', 'pre_execute', 'post_execute', 'on_skipped_callback',
  // Airflow 2.10 arguments with nothing to change here: the executor and the task logger's name are
  // skydag's own; nested-operator warnings and the (default) first-run depends_on_past exemption
  // hold as they are. `max_active_tis_per_dagrun` limits the indexes running at once in one run.
  'executor', 'logger_name', 'allow_nested_operators', 'ignore_first_depends_on_past', 'max_active_tis_per_dagrun',
  // Airflow 2.9+: the weight rule by its new name, or a plugin's PriorityWeightStrategy (see weightRule).
  'priority_weight_strategy',
]);

/** Arguments every sensor accepts (BaseSensorOperator; `deferrable` as Airflow's deferrable sensors take it). */
export const SENSOR_ARGS: ReadonlySet<string> = new Set(['poke_interval', 'timeout', 'soft_fail', 'mode', 'exponential_backoff', 'max_wait', 'silent_fail', 'deferrable']);

const PRESETS: Readonly<Record<string, string>> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@quarterly': '0 0 1 */3 *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

export function isTagged<T extends string>(v: PyValue | undefined, tag: T): v is Extract<PyValue, { $type: T }> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as { $type?: unknown }).$type === tag;
}

export function pyTypeName(v: PyValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  const tag = (v as { $type?: string }).$type;
  if (tag === 'callable') return 'function';
  if (tag === 'xcom_arg') return 'XComArg';
  if (tag === 'mapped_argument') return 'MappedArgument';
  if (tag === 'datetime') return 'datetime';
  if (tag === 'timedelta') return 'timedelta';
  return 'dict';
}

function matchesType(v: PyValue, type: ArgType): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'string':
      return typeof v === 'string';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'list':
      return Array.isArray(v);
    case 'dict':
      return pyTypeName(v) === 'dict';
    case 'callable':
      return isTagged(v, 'callable');
    case 'timedelta':
      return isTagged(v, 'timedelta') || typeof v === 'number';
    case 'datetime':
      return isTagged(v, 'datetime');
  }
}

const TYPE_LABEL: Record<ArgType, string> = {
  any: 'any value', string: 'a string', int: 'an integer', number: 'a number', bool: 'a boolean',
  list: 'a list', dict: 'a dict', callable: 'a function', timedelta: 'a timedelta', datetime: 'a datetime',
};

/** Seconds from a timedelta or a number of seconds; undefined when absent or None. */
export function durationSeconds(v: PyValue | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (isTagged(v, 'timedelta')) return v.seconds;
  return undefined;
}

/** Normalises a schedule argument (schedule / schedule_interval / timedelta / preset / None). */
export function scheduleFromValue(
  v: PyValue | undefined,
  at: SourceLocation,
  bag: DiagnosticBag,
  dagId: string,
): Schedule {
  if (v === undefined) {
    bag.warning(DiagnosticCode.DEFAULT_SCHEDULE, `DAG '${dagId}' sets no schedule; like Airflow 2 it runs daily`, at, {
      dag_id: dagId,
      hint: 'pass schedule=None (or schedule_interval=None) for a DAG that only runs when triggered',
    });
    return { type: 'timedelta', seconds: 86400 };
  }
  if (v === null) return { type: 'none' };
  if (isTagged(v, 'timetable')) return scheduleFromTimetable(v, at, bag, dagId);
  const custom = customTimetableClass(v);
  if (custom !== undefined) return { type: 'custom', timetable: custom };
  if (isTagged(v, 'events_timetable')) return scheduleFromEvents(v, at, bag, dagId);
  if (isTagged(v, 'relativedelta')) return scheduleFromRelativedelta(v, at, bag, dagId);
  if (isTagged(v, 'timedelta')) {
    if (v.seconds <= 0) {
      bag.error(DiagnosticCode.BAD_SCHEDULE, `DAG '${dagId}': schedule timedelta must be positive`, at, { dag_id: dagId });
      return { type: 'none' };
    }
    return { type: 'timedelta', seconds: v.seconds };
  }
  if (typeof v !== 'string') {
    bag.error(DiagnosticCode.BAD_SCHEDULE, `DAG '${dagId}': schedule must be a cron string, a preset, a timedelta or None (got ${pyTypeName(v)})`, at, { dag_id: dagId });
    return { type: 'none' };
  }
  const text = v.trim();
  if (text === '@once') return { type: 'once' };
  if (text === '@continuous') {
    bag.error(DiagnosticCode.BAD_SCHEDULE, `DAG '${dagId}': the @continuous schedule is not supported`, at, {
      dag_id: dagId,
      hint: 'use a cron expression or a timedelta',
    });
    return { type: 'none' };
  }
  const preset = PRESETS[text];
  if (preset) return { type: 'cron', cron: preset, preset: text };
  if (text.startsWith('@')) {
    bag.error(DiagnosticCode.BAD_SCHEDULE, `DAG '${dagId}': unknown schedule preset '${text}'${didYouMean(text, [...Object.keys(PRESETS), '@once'])}`, at, { dag_id: dagId });
    return { type: 'none' };
  }
  const problem = cronProblem(text);
  if (problem) {
    bag.error(DiagnosticCode.BAD_SCHEDULE, `DAG '${dagId}': invalid cron expression '${text}': ${problem}`, at, {
      dag_id: dagId,
      hint: 'five fields: minute hour day-of-month month day-of-week, e.g. "0 6 * * 1-5"',
    });
    return { type: 'none' };
  }
  return { type: 'cron', cron: text.split(/\s+/).join(' ') };
}

/** The class of a custom timetable value (`schedule=AfterWorkdayTimetable()`), else undefined. */
function customTimetableClass(v: PyValue): string | undefined {
  if (!isTagged(v, 'custom_timetable')) return undefined;
  const cls = (v as { class?: unknown }).class;
  return typeof cls === 'string' && cls !== '' ? cls : undefined;
}

/**
 * A timetable object (`CronDataIntervalTimetable`, `DeltaDataIntervalTimetable`, `CronTriggerTimetable`):
 * its cron or timedelta as a plain schedule, plus the timetable's own zone and, for the trigger
 * timetable, the length of the data interval ending at each tick.
 */
function scheduleFromTimetable(v: { [key: string]: PyValue }, at: SourceLocation, bag: DiagnosticBag, dagId: string): Schedule {
  const schedule = scheduleFromValue(v.schedule, at, bag, dagId);
  if (schedule.type !== 'cron') return schedule;
  const zone = typeof v.timezone === 'string' ? v.timezone : undefined;
  if (zone !== undefined && !isValidTimeZone(zone)) {
    bag.error(DiagnosticCode.BAD_DATE, `DAG '${dagId}': unknown timetable time zone '${zone}'`, at, { dag_id: dagId, hint: 'use an IANA zone name such as Europe/Berlin' });
    return { type: 'none' };
  }
  const interval = durationSeconds(v.trigger_interval);
  return { ...schedule, ...(zone !== undefined ? { timezone: zone } : {}), ...(interval !== undefined ? { trigger: { interval_seconds: interval } } : {}) };
}

/**
 * `schedule=relativedelta(...)`: Airflow's DeltaDataIntervalTimetable over it. Without years or
 * months it is a fixed duration, the same schedule as a timedelta; it must move time forward.
 */
function scheduleFromRelativedelta(v: { [key: string]: PyValue }, at: SourceLocation, bag: DiagnosticBag, dagId: string): Schedule {
  const num = (k: string) => (typeof v[k] === 'number' ? (v[k] as number) : 0);
  const years = num('years');
  const months = num('months');
  const seconds = num('seconds');
  // Airflow's check is `now + delta > now`: months count at least 28 days forward, at most 31 back.
  const total = years * 12 + months;
  const positive = total * (total > 0 ? 28 : 31) * 86400 + seconds > 0;
  if (!positive) {
    bag.error(DiagnosticCode.BAD_SCHEDULE, `DAG '${dagId}': schedule interval must be positive, not ${describeSchedule({ type: 'relativedelta', years, months, seconds })}`, at, { dag_id: dagId });
    return { type: 'none' };
  }
  if (years === 0 && months === 0) return { type: 'timedelta', seconds };
  return { type: 'relativedelta', years, months, seconds };
}

/**
 * `EventsTimetable(event_dates, restrict_to_events=False, presorted=False, description=None)`: the
 * events as instants, ascending (Airflow sorts them unless `presorted`, and a duplicate is one run),
 * with the flag and the description.
 */
function scheduleFromEvents(v: { [key: string]: PyValue }, at: SourceLocation, bag: DiagnosticBag, dagId: string): Schedule {
  const dates = Array.isArray(v.event_dates) ? v.event_dates : [];
  const instants: number[] = [];
  for (const d of dates) {
    if (!isTagged(d, 'datetime')) {
      bag.error(DiagnosticCode.BAD_SCHEDULE, `DAG '${dagId}': EventsTimetable event_dates must be datetimes (got ${pyTypeName(d)})`, at, { dag_id: dagId, hint: 'e.g. event_dates=[pendulum.datetime(2024, 3, 1, 14, 30, tz="UTC")]' });
      return { type: 'none' };
    }
    instants.push(Date.parse(d.value));
  }
  if (instants.length === 0) {
    bag.error(DiagnosticCode.BAD_SCHEDULE, `DAG '${dagId}': EventsTimetable needs at least one event date`, at, { dag_id: dagId });
    return { type: 'none' };
  }
  // presorted=True is Airflow's promise, not a check; a list not in order would still be used in order here.
  const events = [...new Set(instants)].sort((a, b) => a - b).map((t) => new Date(t).toISOString());
  return {
    type: 'events',
    events,
    restrict_to_events: v.restrict_to_events === true,
    ...(typeof v.description === 'string' ? { description: v.description } : {}),
  };
}

/** Whether `zone` is an IANA zone name this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a 5-field cron expression is invalid, or undefined when it is valid. */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return `expected 5 fields, found ${fields.length}`;
  try {
    CronExpressionParser.parse(expression, { strict: false });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** A schedule as a user wrote it (preset, cron, timedelta, @once; null for None), for the CLI and the API. */
export function describeSchedule(s: Schedule): string | null {
  switch (s.type) {
    case 'none':
      return null;
    case 'once':
      return '@once';
    case 'cron':
      return s.preset ?? s.cron;
    case 'timedelta':
      return `timedelta(seconds=${s.seconds})`;
    case 'custom':
      // Timetable.summary's default: the class name.
      return s.timetable;
    case 'events':
      // EventsTimetable's summary: its description, else "N Events".
      return s.description ?? `${s.events.length} Events`;
    case 'relativedelta': {
      // dateutil's repr, the summary Airflow shows: relativedelta(months=+1, days=+2).
      const parts = Object.entries(relativedeltaFields(s)).filter(([, v]) => v !== 0).map(([k, v]) => `${k}=${v > 0 ? '+' : ''}${v}`);
      return `relativedelta(${parts.join(', ')})`;
    }
  }
}

/** Python's `str(timedelta(seconds=n))`: `1 day, 2:03:04`, `0:10:00`, `0:00:01.500000`. */
export function pythonTimedeltaStr(totalSeconds: number): string {
  const micros = Math.round(totalSeconds * 1e6);
  const days = Math.floor(micros / 86_400e6);
  const rest = micros - days * 86_400e6;
  const seconds = Math.floor(rest / 1e6);
  const fraction = rest - seconds * 1e6;
  const clock = `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}${fraction ? `.${String(fraction).padStart(6, '0')}` : ''}`;
  return days === 0 ? clock : `${days} day${Math.abs(days) === 1 ? '' : 's'}, ${clock}`;
}

/**
 * The SCHEDULE `airflow dags list` shows for a DAG (Airflow 2 sets `schedule_interval` to the
 * timetable's summary when the schedule is not a plain interval): `Dataset` for a DAG triggered by
 * datasets (DatasetTriggeredTimetable.summary), `Dataset or <time>` for a DatasetOrTimeSchedule
 * (its timetable's summary: a cron timetable's expression with presets expanded, a delta
 * timetable's `str(timedelta)`), otherwise the schedule as written; null for None.
 */
export function scheduleSummary(dag: Pick<Dag, 'schedule' | 'dataset_schedule'>): string | null {
  if (dag.dataset_schedule === undefined) return describeSchedule(dag.schedule);
  const s = dag.schedule;
  if (s.type === 'none') return 'Dataset';
  const time = s.type === 'cron' ? s.cron : s.type === 'timedelta' ? pythonTimedeltaStr(s.seconds) : describeSchedule(s);
  return `Dataset or ${time}`;
}

function triggerRuleFrom(v: PyValue | undefined, at: SourceLocation, bag: DiagnosticBag, ids: { dag_id: string; task_id: string }): TriggerRule {
  if (v === undefined || v === null) return 'all_success';
  if (typeof v !== 'string') {
    bag.error(DiagnosticCode.UNKNOWN_TRIGGER_RULE, `task '${ids.task_id}': trigger_rule must be a string (got ${pyTypeName(v)})`, at, ids);
    return 'all_success';
  }
  if ((TRIGGER_RULES as readonly string[]).includes(v)) return v as TriggerRule;
  const alias = TRIGGER_RULE_ALIASES[v];
  if (alias) return alias;
  bag.error(DiagnosticCode.UNKNOWN_TRIGGER_RULE, `task '${ids.task_id}': unknown trigger rule '${v}'${didYouMean(v, TRIGGER_RULES)}`, at, {
    ...ids,
    hint: `one of ${TRIGGER_RULES.join(', ')}`,
  });
  return 'all_success';
}

function emailList(v: PyValue | undefined): string[] {
  if (typeof v === 'string') return v.split(/[,;]/).map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v)) return v.filter((e): e is string => typeof e === 'string');
  return [];
}

const CALLBACK_KEYS = ['on_failure_callback', 'on_success_callback', 'on_retry_callback', 'on_execute_callback', 'on_skipped_callback', 'pre_execute', 'post_execute', 'sla_miss_callback'] as const;

function callbacksFrom(source: Record<string, PyValue>): Callbacks {
  const out: Callbacks = {};
  for (const key of CALLBACK_KEYS) {
    const v = source[key];
    if (isTagged(v, 'callable')) out[key] = v as CallableRef;
    // A list of callbacks (Airflow 2.6+): the model records the first; the runner calls every callback
    // of the DAG file's list in turn (shared/python/skydag_runner/run.py), as Airflow does.
    else if (Array.isArray(v)) {
      const first = v.find((e) => isTagged(e, 'callable'));
      if (first) out[key] = first as CallableRef;
    }
  }
  return out;
}

/** Whether a model value holds a reference to a Python function anywhere (only the DAG file's process can use it). */
function holdsCallable(v: PyValue): boolean {
  if (Array.isArray(v)) return v.some(holdsCallable);
  if (v === null || typeof v !== 'object') return false;
  if (isTagged(v, 'callable')) return true;
  return Object.values(v).some(holdsCallable);
}

/**
 * `user_defined_macros` / `user_defined_filters` (Airflow puts them in the template environment's
 * globals and filters): plain-data macros are kept as values; a macro holding a function (or a value
 * the front-end could only refer to, such as a module) and every filter are evaluated in the DAG
 * file's process when a template uses them. Either must be a dict with string keys.
 */
function templateNamespaces(kwargs: Record<string, PyValue>, source: SourceLocation, bag: DiagnosticBag, dagId: string): Pick<Dag, 'user_defined_macros' | 'user_defined_filters'> {
  const out: Pick<Dag, 'user_defined_macros' | 'user_defined_filters'> = {};
  for (const key of ['user_defined_macros', 'user_defined_filters'] as const) {
    const v = kwargs[key];
    if (v === undefined || v === null) continue;
    if (pyTypeName(v) !== 'dict') {
      bag.error(DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': ${key} must be a dict (got ${pyTypeName(v)})`, source, { dag_id: dagId });
      continue;
    }
    const entries = Object.entries(v as Record<string, PyValue>);
    if (key === 'user_defined_filters') {
      out.user_defined_filters = entries.map(([name]) => name);
      continue;
    }
    const values: Record<string, PyValue> = {};
    const python: string[] = [];
    for (const [name, value] of entries) {
      if (holdsCallable(value)) python.push(name);
      else values[name] = value;
    }
    out.user_defined_macros = { values, python };
  }
  return out;
}

function asDict(v: PyValue | undefined): Record<string, PyValue> {
  return v !== undefined && pyTypeName(v) === 'dict' ? (v as Record<string, PyValue>) : {};
}

export interface TaskBuildInput {
  spec: OperatorSpec;
  /** Class name as written (e.g. DummyOperator) or the TaskFlow decorator (@task). */
  operator: string;
  operatorModule?: string;
  taskId: string;
  groupId: string | null;
  dagId: string;
  /** Explicit keyword arguments as written (task_id and dag excluded or ignored). */
  kwargs: Record<string, PyValue>;
  /** default_args in effect (DAG's merged with enclosing task groups'). */
  defaultArgs: Record<string, PyValue>;
  dagParams: Record<string, PyValue>;
  source: SourceLocation;
  branchTargets?: string[];
  /** `.expand()`: the mapped arguments (given per index, so never reported missing). */
  expand?: TaskExpand;
}

const NO_NAMES: ReadonlySet<string> = new Set();

/** The argument names a mapping gives each index, when they are known statically (not an XComArg of kwargs). */
function mappedArgNames(expand: TaskExpand | undefined): ReadonlySet<string> {
  if (!expand || expand.target !== 'args') return NO_NAMES;
  const names = new Set<string>();
  const value = expand.value;
  if (expand.kind === 'kwargs' && value !== null && typeof value === 'object' && !Array.isArray(value)) for (const k of Object.keys(value)) names.add(k);
  if (expand.kind === 'kwargs_list' && Array.isArray(value)) for (const item of value) if (item && typeof item === 'object' && !Array.isArray(item)) for (const k of Object.keys(item)) names.add(k);
  return names;
}

/** A duration argument in seconds (null when absent or None); a value that is not one is reported. */
function durationArg(name: string, v: PyValue | undefined, input: TaskBuildInput, bag: DiagnosticBag, ids: { dag_id: string; task_id: string }): number | null {
  if (v === undefined || v === null) return null;
  const seconds = durationSeconds(v);
  if (seconds === undefined || seconds < 0) {
    bag.error(DiagnosticCode.ARGUMENT_TYPE, `task '${input.taskId}': ${name} must be a timedelta or a number of seconds (got ${pyTypeName(v)})`, input.source, ids);
    return null;
  }
  return seconds;
}

/** The smaller of two concurrency limits, each counted only when it is a number of at least 1. */
function tightestLimit(a: PyValue | undefined, b: PyValue | undefined): number | undefined {
  const hasA = typeof a === 'number' && a >= 1;
  const hasB = typeof b === 'number' && b >= 1;
  if (hasA && hasB) return Math.min(a, b);
  return hasA ? a : hasB ? b : undefined;
}

/** Whether the operator takes `name`: BaseOperator's, a sensor's, its own (or any, for operators that accept all). */
function acceptsArg(spec: OperatorSpec, name: string): boolean {
  return BASE_OPERATOR_ARGS.has(name) || (spec.sensor && SENSOR_ARGS.has(name)) || name in spec.args || spec.unknownArgs === 'accept';
}

/** Whether a default_args entry applies to the operator (a parameter it declares). */
function takesDefault(spec: OperatorSpec, name: string): boolean {
  return BASE_OPERATOR_ARGS.has(name) || (spec.sensor && SENSOR_ARGS.has(name)) || name in spec.args;
}

/**
 * Builds a task (without edges) and reports argument problems: unknown arguments, missing required
 * arguments and type mismatches, exactly once each, at the task's location.
 */
export function buildTask(input: TaskBuildInput, bag: DiagnosticBag): Task {
  const { spec, kwargs, source } = input;
  const ids = { dag_id: input.dagId, task_id: input.taskId };
  // Built for every task of the file: plain loops over keys, no per-task closures or entry arrays.
  for (const name of Object.keys(kwargs)) {
    if (acceptsArg(spec, name)) continue;
    const known = [...Object.keys(spec.args), ...BASE_OPERATOR_ARGS, ...(spec.sensor ? SENSOR_ARGS : [])];
    const message = `${input.operator} '${input.taskId}': unknown argument '${name}'${didYouMean(name, known)}`;
    if (spec.unknownArgs === 'error') bag.error(DiagnosticCode.UNKNOWN_ARGUMENT, message, source, ids);
    else bag.warning(DiagnosticCode.UNKNOWN_ARGUMENT, `${message}; it is kept but skydag does not use it`, source, ids);
  }

  // default_args apply to every parameter the operator accepts; explicit arguments win.
  const merged: Record<string, PyValue> = {};
  const defaults = input.defaultArgs;
  for (const k of Object.keys(defaults)) if (takesDefault(spec, k)) merged[k] = defaults[k]!;
  for (const k of Object.keys(kwargs)) merged[k] = kwargs[k]!;
  // literal() only means something in a templated field; elsewhere the operator gets the value itself.
  for (const k of Object.keys(merged)) {
    const v = merged[k]!;
    if (v !== null && typeof v === 'object' && !spec.templateFields.includes(k)) merged[k] = withoutLiterals(v);
  }

  const args: Record<string, PyValue> = {};
  for (const name of Object.keys(merged)) {
    if (BASE_OPERATOR_ARGS.has(name) || (spec.sensor && SENSOR_ARGS.has(name))) continue;
    args[name] = merged[name]!;
  }
  // Couture's BaseOperator carries run_dag_id; for child-DAG operators it is their main argument.
  if (merged.run_dag_id !== undefined && 'run_dag_id' in spec.args) args.run_dag_id = merged.run_dag_id;

  const mapped = mappedArgNames(input.expand);
  // expand_kwargs over an XComArg: which arguments each index brings is only known at run time.
  const mappedUnknown = input.expand?.target === 'args' && input.expand.kind === 'kwargs_list' && !Array.isArray(input.expand.value);
  for (const name of Object.keys(spec.args)) {
    const argSpec = spec.args[name]!;
    const value = args[name];
    if (value === undefined || value === null) {
      // Airflow checks that a required argument is passed, not its value: None fails when the task runs.
      if (value === undefined && argSpec.required && !mapped.has(name) && !mappedUnknown) {
        bag.error(DiagnosticCode.MISSING_ARGUMENT, `${input.operator} '${input.taskId}': Argument ['${name}'] is required`, source, ids);
      }
      continue;
    }
    checkArgType(input, name, value, argSpec, bag);
  }

  const retries = merged.retries;
  const retryDelay = merged.retry_delay ?? (typeof merged.retry_delay_sec === 'number' ? merged.retry_delay_sec : undefined);
  if (retries !== undefined && retries !== null && !(typeof retries === 'number' && Number.isInteger(retries) && retries >= 0)) {
    bag.error(DiagnosticCode.ARGUMENT_TYPE, `task '${input.taskId}': retries must be a non-negative integer (got ${pyTypeName(retries)})`, source, ids);
  }

  const sensor: SensorSettings | null = spec.sensor
    ? {
        poke_interval_seconds: durationArg('poke_interval', merged.poke_interval, input, bag, ids) ?? 60,
        timeout_seconds: durationArg('timeout', merged.timeout, input, bag, ids) ?? 604800,
        // A deferred sensor frees its worker slot between checks, as reschedule mode does.
        mode: merged.mode === 'reschedule' || merged.deferrable === true ? 'reschedule' : 'poke',
        soft_fail: merged.soft_fail === true,
        exponential_backoff: merged.exponential_backoff === true,
      }
    : null;
  if (spec.sensor && merged.mode !== undefined && merged.mode !== 'poke' && merged.mode !== 'reschedule') {
    bag.error(DiagnosticCode.ARGUMENT_TYPE, `task '${input.taskId}': mode must be 'poke' or 'reschedule'`, source, ids);
  }

  const params = { ...input.dagParams, ...asDict(merged.params) };
  const doXcomPush = typeof merged.do_xcom_push === 'boolean' ? merged.do_xcom_push : typeof args.xcom_push === 'boolean' ? args.xcom_push : true;
  const description = typeof merged.description === 'string' ? merged.description : null;
  const docMd = typeof merged.doc_md === 'string' ? merged.doc_md : typeof merged.doc === 'string' ? merged.doc : null;
  // skydag limits a mapped task's indexes within one run: the per-run limit is that, the per-DAG one
  // (Airflow counts it over every run) applies the same way; the tighter one wins.
  const maxActive = tightestLimit(merged.max_active_tis_per_dag ?? merged.task_concurrency, merged.max_active_tis_per_dagrun);

  const task: Task = {
    task_id: input.taskId,
    operator: input.operator,
    operator_kind: spec.kind,
    args,
    upstream_task_ids: [],
    downstream_task_ids: [],
    trigger_rule: triggerRuleFrom(merged.trigger_rule, source, bag, ids),
    retries: typeof retries === 'number' && Number.isInteger(retries) && retries >= 0 ? retries : 0,
    retry_delay_seconds: durationArg('retry_delay', retryDelay, input, bag, ids) ?? 300,
    retry_exponential_backoff: merged.retry_exponential_backoff === true,
    max_retry_delay_seconds: durationArg('max_retry_delay', merged.max_retry_delay, input, bag, ids),
    execution_timeout_seconds: durationArg('execution_timeout', merged.execution_timeout, input, bag, ids),
    depends_on_past: merged.depends_on_past === true,
    wait_for_downstream: merged.wait_for_downstream === true,
    pool: typeof merged.pool === 'string' ? merged.pool : 'default_pool',
    pool_slots: typeof merged.pool_slots === 'number' && merged.pool_slots >= 1 ? Math.floor(merged.pool_slots) : 1,
    priority_weight: typeof merged.priority_weight === 'number' ? merged.priority_weight : 1,
    weight_rule: weightRule(merged),
    sla_seconds: durationArg('sla', merged.sla, input, bag, ids),
    queue: typeof merged.queue === 'string' ? merged.queue : null,
    max_active_tis_per_dag: typeof maxActive === 'number' && maxActive >= 1 ? Math.floor(maxActive) : null,
    do_xcom_push: doXcomPush,
    owner: typeof merged.owner === 'string' ? merged.owner : 'airflow',
    email: emailList(merged.email),
    email_on_failure: merged.email_on_failure !== false,
    email_on_retry: merged.email_on_retry !== false,
    params,
    templated_fields: [...spec.templateFields],
    template_ext: [...spec.templateExt],
    task_group_id: input.groupId,
    description,
    doc_md: docMd,
    sensor,
    callbacks: callbacksFrom(merged),
    source,
  };
  if (input.operatorModule !== undefined) task.operator_module = input.operatorModule;
  if (typeof merged.map_index_template === 'string') task.map_index_template = merged.map_index_template;
  const displayName = merged.task_display_name;
  if (typeof displayName === 'string' && displayName !== '') task.task_display_name = displayName;
  else if (displayName !== undefined && displayName !== null && displayName !== '') {
    bag.error(DiagnosticCode.ARGUMENT_TYPE, `task '${input.taskId}': task_display_name must be a string (got ${pyTypeName(displayName)})`, source, ids);
  }
  if (isTagged(merged.executor_config, 'callable') === false && pyTypeName(merged.executor_config) === 'dict') {
    task.executor_config = merged.executor_config as Record<string, PyValue>;
  }
  if (input.branchTargets !== undefined) task.branch_targets = [...input.branchTargets];
  if (input.expand !== undefined) task.expand = input.expand;
  const outlets = outletsFromValue(merged.outlets, source, bag, ids);
  if (outlets) task.outlets = outlets;
  const inlets = outletsFromValue(merged.inlets, source, bag, ids, 'inlets');
  if (inlets) task.inlets = inlets;
  const outletAliases = aliasesFromValue(merged.outlets);
  if (outletAliases) task.outlet_aliases = outletAliases;
  const inletAliases = aliasesFromValue(merged.inlets);
  if (inletAliases) task.inlet_aliases = inletAliases;
  return task;
}

/** `value` with every `literal()` wrapper replaced by the value it wraps. */
export function withoutLiterals(value: PyValue): PyValue {
  if (isTagged(value, 'literal')) return withoutLiterals(value.value);
  if (Array.isArray(value)) return value.map(withoutLiterals);
  if (value !== null && typeof value === 'object' && typeof (value as { $type?: unknown }).$type !== 'string') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutLiterals(v as PyValue)]));
  }
  return value;
}

function checkArgType(input: TaskBuildInput, name: string, wrapped: PyValue, argSpec: ArgSpec, bag: DiagnosticBag): void {
  // A literal() value is used as it is: its own type is what the operator gets.
  const value = isTagged(wrapped, 'literal') ? wrapped.value : wrapped;
  const types: readonly ArgType[] = typeof argSpec.type === 'string' ? [argSpec.type] : argSpec.type;
  if (types.some((t) => matchesType(value, t))) return;
  // A templated field may hold a Jinja string that renders to the expected type at run time.
  if (typeof value === 'string' && input.spec.templateFields.includes(name)) return;
  // TaskFlow outputs and a mapped task group's arguments are resolved at run time.
  if (isTagged(value, 'xcom_arg') || isTagged(value, 'mapped_argument')) return;
  const expected = types.map((t) => TYPE_LABEL[t]).join(' or ');
  bag.error(DiagnosticCode.ARGUMENT_TYPE, `${input.operator} '${input.taskId}': ${name} must be ${expected} (got ${pyTypeName(value)})`, input.source, {
    dag_id: input.dagId,
    task_id: input.taskId,
  });
}

export interface DagBuildInput {
  dagId: string;
  /** DAG constructor keyword arguments (positional ones already mapped to names). */
  kwargs: Record<string, PyValue>;
  tasks: Task[];
  groups: TaskGroup[];
  source: SourceLocation;
}

const DAG_ARGS: ReadonlySet<string> = new Set([
  'dag_id', 'description', 'schedule_interval', 'schedule', 'timetable', 'start_date', 'end_date', 'full_filepath',
  'template_searchpath', 'template_undefined', 'user_defined_macros', 'user_defined_filters', 'default_args',
  'concurrency', 'max_active_tasks', 'max_active_runs', 'dagrun_timeout', 'sla_miss_callback', 'default_view',
  'orientation', 'catchup', 'on_success_callback', 'on_failure_callback', 'doc_md', 'params', 'access_control',
  'is_paused_upon_creation', 'jinja_environment_kwargs', 'render_template_as_native_obj', 'tags', 'owner_links',
  'auto_register', 'fail_stop', 'max_consecutive_failed_dag_runs', 'dag_display_name', 'dagrun_timeout_sec',
]);

const TEMPLATE_UNDEFINED_CLASSES: readonly string[] = ['Undefined', 'ChainableUndefined', 'DebugUndefined'];
const isTemplateUndefinedClass = (v: PyValue | undefined): v is NonNullable<Dag['template_undefined']> => typeof v === 'string' && TEMPLATE_UNDEFINED_CLASSES.includes(v);

/** Names of the arguments `DAG(...)` takes, in positional order (Airflow 2). */
export const DAG_POSITIONAL_ARGS = ['dag_id', 'description', 'schedule_interval', 'start_date', 'end_date'] as const;

export function isDagArgument(name: string): boolean {
  return DAG_ARGS.has(name);
}

function datetimeArg(
  name: string,
  v: PyValue | undefined,
  at: SourceLocation,
  bag: DiagnosticBag,
  dagId: string,
): DateTimeValue | null {
  if (v === undefined || v === null) return null;
  if (isTagged(v, 'datetime')) return v;
  bag.error(DiagnosticCode.BAD_DATE, `DAG '${dagId}': ${name} must be a datetime (got ${pyTypeName(v)})`, at, {
    dag_id: dagId,
    hint: 'use datetime(2024, 1, 1), pendulum.datetime(2024, 1, 1, tz="UTC") or days_ago(1)',
  });
  return null;
}

/** Airflow 2's deprecated action names in access_control, upgraded as Airflow does (with a warning). */
const LEGACY_DAG_ACTIONS: Readonly<Record<string, DagAction>> = { can_dag_read: 'can_read', can_dag_edit: 'can_edit' };

/**
 * Reads `access_control` as Airflow 2.10 accepts it: `{role: {actions}}` or, per resource,
 * `{role: {"DAGs": {actions}, "DAG Runs": {...}}}`. Actions are can_read, can_edit, can_delete
 * (an unknown one is an error, as Airflow refuses the file); `can_dag_read`/`can_dag_edit` are
 * upgraded with a warning; per-DAG "DAG Runs" grants are ignored with a warning (skydag grants
 * run actions through the DAG's can_edit and the role's global DAG Runs permissions).
 * Undefined when the argument is absent or None (Airflow then leaves the DAG's grants alone).
 */
export function accessControlFromValue(v: PyValue | undefined, at: SourceLocation, bag: DiagnosticBag, dagId: string): AccessControl | undefined {
  if (v === undefined || v === null) return undefined;
  const fail = (message: string, hint?: string) => bag.error(DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': access_control ${message}`, at, { dag_id: dagId, ...(hint ? { hint } : {}) });
  if (pyTypeName(v) !== 'dict') {
    fail(`must be a dict of role name to actions (got ${pyTypeName(v)})`, 'e.g. access_control={"analysts": {"can_read", "can_edit"}}');
    return undefined;
  }
  const out: AccessControl = {};
  for (const [role, grant] of Object.entries(v as Record<string, PyValue>)) {
    if (role.length > ROLE_NAME_MAX_LENGTH || !ROLE_NAME_PATTERN.test(role)) {
      fail(`names an invalid role '${role.slice(0, 80)}'`, `role names have at most ${ROLE_NAME_MAX_LENGTH} letters, digits, '_', '.', '@', '+', '-' and single spaces`);
      continue;
    }
    let actions: PyValue | undefined = grant;
    if (pyTypeName(grant) === 'dict') {
      const perResource = grant as Record<string, PyValue>;
      for (const resource of Object.keys(perResource)) {
        if (resource === 'DAGs') continue;
        if (resource === 'DAG Runs') {
          bag.warning(DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': access_control grants on "DAG Runs" for role '${role}' are ignored`, at, {
            dag_id: dagId,
            hint: "grant can_edit on the DAG instead: triggering, clearing and marking need it and the role's global DAG Runs / Task Instances permissions",
          });
        } else fail(`names an unknown resource '${resource}' for role '${role}' (use "DAGs")`);
      }
      actions = perResource.DAGs ?? [];
    }
    const names = Array.isArray(actions) ? actions : typeof actions === 'string' ? [actions] : undefined;
    if (!names || names.some((a) => typeof a !== 'string')) {
      fail(`for role '${role}' must be a set of action names (got ${pyTypeName(actions)})`, `use a set such as {"can_read", "can_edit"}`);
      continue;
    }
    const granted = new Set<DagAction>();
    for (const name of names as string[]) {
      const legacy = LEGACY_DAG_ACTIONS[name];
      if (legacy) {
        bag.warning(DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': access_control action '${name}' is deprecated; it means '${legacy}'`, at, { dag_id: dagId });
        granted.add(legacy);
      } else if ((DAG_ACTIONS as readonly string[]).includes(name)) granted.add(name as DagAction);
      else fail(`grants an invalid action '${name}' to role '${role}'${didYouMean(name, DAG_ACTIONS)}`, `DAG-level actions are ${DAG_ACTIONS.join(', ')}`);
    }
    out[role] = DAG_ACTIONS.filter((a) => granted.has(a));
  }
  return out;
}

/** Builds the DAG from its constructor arguments and its (already edged) tasks. */
export function buildDag(input: DagBuildInput, bag: DiagnosticBag): Dag {
  const { kwargs, dagId, source } = input;
  const defaultArgs = asDict(kwargs.default_args);
  for (const name of Object.keys(kwargs)) {
    if (!DAG_ARGS.has(name)) {
      bag.error(DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': unknown argument '${name}'${didYouMean(name, DAG_ARGS)}`, source, { dag_id: dagId });
    }
  }
  if (kwargs.schedule !== undefined && kwargs.schedule_interval !== undefined) {
    bag.error(DiagnosticCode.BAD_SCHEDULE, `DAG '${dagId}': pass either schedule or schedule_interval, not both`, source, { dag_id: dagId });
  }
  const scheduleValue = kwargs.schedule !== undefined ? kwargs.schedule : kwargs.schedule_interval !== undefined ? kwargs.schedule_interval : kwargs.timetable;
  // Data-aware: `schedule` keeps only the time part (DatasetOrTimeSchedule's timetable, else None).
  const datasets = scheduleValue !== undefined && isDatasetValue(scheduleValue) ? splitDatasetSchedule(scheduleValue) : undefined;
  if (datasets && !datasets.condition) {
    bag.error(DiagnosticCode.BAD_SCHEDULE, `DAG '${dagId}': DatasetOrTimeSchedule needs datasets (a Dataset, a list of them, or a condition built with & and |)`, source, { dag_id: dagId });
  }
  const schedule = scheduleFromValue(datasets ? (datasets.time ?? null) : scheduleValue, source, bag, dagId);

  const start = datetimeArg('start_date', kwargs.start_date ?? defaultArgs.start_date, source, bag, dagId);
  const end = datetimeArg('end_date', kwargs.end_date ?? defaultArgs.end_date, source, bag, dagId);
  if (start && end && Date.parse(end.value) < Date.parse(start.value)) {
    bag.error(DiagnosticCode.BAD_DATE, `DAG '${dagId}': end_date ${end.value} is before start_date ${start.value}`, source, { dag_id: dagId });
  }
  if (!start && schedule.type !== 'none') {
    bag.error(DiagnosticCode.BAD_DATE, `DAG '${dagId}' is scheduled but has no start_date`, source, {
      dag_id: dagId,
      hint: 'set start_date on the DAG or in default_args (or schedule=None for a manually triggered DAG)',
    });
  }

  const intArg = (name: string, fallback: number): number => {
    const v = kwargs[name];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return v;
    bag.error(DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': ${name} must be a positive integer (got ${pyTypeName(v)})`, source, { dag_id: dagId });
    return fallback;
  };

  const owners = [...new Set(input.tasks.map((t) => t.owner))];
  const searchpath = kwargs.template_searchpath;
  const dagrunTimeout = durationSeconds(kwargs.dagrun_timeout ?? kwargs.dagrun_timeout_sec);
  const tags = Array.isArray(kwargs.tags) ? kwargs.tags.filter((t): t is string => typeof t === 'string') : [];
  const accessControl = accessControlFromValue(kwargs.access_control, source, bag, dagId);
  const displayName = typeof kwargs.dag_display_name === 'string' && kwargs.dag_display_name !== '' ? kwargs.dag_display_name : undefined;
  if (kwargs.dag_display_name !== undefined && kwargs.dag_display_name !== null && typeof kwargs.dag_display_name !== 'string') {
    bag.error(DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': dag_display_name must be a string (got ${pyTypeName(kwargs.dag_display_name)})`, source, { dag_id: dagId });
  }

  return {
    schema_version: DAG_MODEL_SCHEMA_VERSION,
    dag_id: dagId,
    ...(displayName !== undefined ? { dag_display_name: displayName } : {}),
    description: typeof kwargs.description === 'string' ? kwargs.description : null,
    doc_md: typeof kwargs.doc_md === 'string' ? kwargs.doc_md : null,
    schedule,
    ...(datasets?.condition ? { dataset_schedule: datasets.condition } : {}),
    start_date: start?.value ?? null,
    end_date: end?.value ?? null,
    timezone: start?.timezone ?? 'UTC',
    catchup: kwargs.catchup === undefined ? true : kwargs.catchup === true,
    max_active_runs: intArg('max_active_runs', 16),
    max_active_tasks: kwargs.max_active_tasks !== undefined ? intArg('max_active_tasks', 16) : intArg('concurrency', 16),
    dagrun_timeout_seconds: dagrunTimeout !== undefined && dagrunTimeout > 0 ? dagrunTimeout : null,
    params: asDict(kwargs.params),
    tags,
    owner: owners.length > 0 ? owners.join(', ') : typeof defaultArgs.owner === 'string' ? defaultArgs.owner : 'airflow',
    default_args: defaultArgs,
    callbacks: callbacksFrom(kwargs),
    template_searchpath: typeof searchpath === 'string' ? [searchpath] : Array.isArray(searchpath) ? searchpath.filter((p): p is string => typeof p === 'string') : [],
    render_template_as_native_obj: kwargs.render_template_as_native_obj === true,
    // Only when not Airflow's default (StrictUndefined): other DAGs keep their model and content hash.
    ...(isTemplateUndefinedClass(kwargs.template_undefined) ? { template_undefined: kwargs.template_undefined } : {}),
    ...templateNamespaces(kwargs, source, bag, dagId),
    is_paused_upon_creation: typeof kwargs.is_paused_upon_creation === 'boolean' ? kwargs.is_paused_upon_creation : null,
    // Only when written: DAGs without it keep their model (and its content hash) unchanged.
    ...(accessControl ? { access_control: accessControl } : {}),
    tasks: input.tasks,
    task_groups: input.groups,
    source,
  };
}

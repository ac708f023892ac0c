/**
 * Python views of the objects Airflow puts in the template context: the DAG, the task (operator), the
 * DAG run, the task instance (`ti.xcom_pull`), and the `var`, `conn` and `conf` accessors.
 */
import { AIRFLOW_CONFIG_DEFAULTS, configOption, convertConfigValue } from '../../model/airflow-config.js';
import type { PyValue, Schedule, Task } from '../../model/schema.js';
import type { TemplateDag } from './context.js';
import { PyDateTime, PyTimedelta, PyTimezone } from './py/datetime.js';
import { MISSING, PyError, PyFunction, PyObject, PyRecord, PyTuple, bindArgs, isPlainDict, toInt, type Kwargs } from './py/object.js';

/** What `xcom_pull` asks the XCom store for. `task_id`/`key` null mean "any". */
export interface XComPullRequest {
  dag_id: string;
  run_id: string;
  task_id: string | null;
  key: string | null;
  /** The mapped-task index; null for the unmapped instance (-1). */
  map_index: number | null;
  include_prior_dates: boolean;
}

/** Returns the stored value, or `undefined` when there is no such XCom. */
export type XComPull = (request: XComPullRequest) => unknown;

/** A connection as the connections store returns it. */
export interface ConnectionInfo {
  conn_id?: string;
  conn_type?: string | null;
  description?: string | null;
  host?: string | null;
  login?: string | null;
  password?: string | null;
  schema?: string | null;
  port?: number | null;
  /** JSON text or an already-parsed object. */
  extra?: string | Record<string, unknown> | null;
}

const method = (name: string, params: Parameters<typeof bindArgs>[1], f: (a: Record<string, unknown>) => unknown): PyFunction =>
  new PyFunction(name, (args, kwargs) => f(bindArgs(name, params, args, kwargs)));

/** `schedule_interval` as Airflow 2 reports it (preset string, cron, timedelta or None). */
export function scheduleInterval(s: Schedule): unknown {
  switch (s.type) {
    case 'none':
      return null;
    case 'once':
      return '@once';
    case 'cron':
      return s.preset ?? s.cron;
    case 'timedelta':
      return PyTimedelta.fromSeconds(s.seconds);
  }
}

const secondsOrNone = (s: number | null): PyTimedelta | null => (s === null ? null : PyTimedelta.fromSeconds(s));

export function dagObject(dag: TemplateDag, tz: PyTimezone, flavour: 'pendulum2' | 'pendulum3'): PyRecord {
  // Airflow's DAG keeps start_date/end_date in UTC (timezone.convert_to_utc); `timezone` is the DAG's zone.
  const utc = PyTimezone.utc(flavour);
  const date = (iso: string | null): PyDateTime | null => (iso === null ? null : PyDateTime.fromISO(iso, flavour, utc));
  return new PyRecord(
    'DAG',
    {
      dag_id: dag.dag_id,
      description: dag.description,
      doc_md: dag.doc_md,
      owner: dag.owner,
      tags: [...dag.tags],
      params: dag.params,
      default_args: dag.default_args,
      schedule_interval: () => scheduleInterval(dag.schedule),
      timezone: tz,
      start_date: () => date(dag.start_date),
      end_date: () => date(dag.end_date),
      catchup: dag.catchup,
      max_active_runs: dag.max_active_runs,
      max_active_tasks: dag.max_active_tasks,
      dagrun_timeout: () => secondsOrNone(dag.dagrun_timeout_seconds),
      template_searchpath: dag.template_searchpath.length ? [...dag.template_searchpath] : null,
      render_template_as_native_obj: dag.render_template_as_native_obj,
      is_paused_upon_creation: dag.is_paused_upon_creation,
      fileloc: dag.source.file,
      task_ids: () => dag.tasks.map((t) => t.task_id),
      task_count: dag.tasks.length,
    },
    `<DAG: ${dag.dag_id}>`,
  );
}

/** The operator; its own arguments (unrendered) are attributes too, as on an Airflow operator. */
export function taskObject(task: Task, dag: PyRecord, dagId: string): PyRecord {
  const base: Record<string, unknown> = {
    task_id: task.task_id,
    task_display_name: task.task_display_name ?? task.task_id,
    dag_id: dagId,
    dag,
    task_type: task.operator,
    operator_name: task.operator,
    owner: task.owner,
    email: task.email.length === 0 ? null : task.email.length === 1 ? task.email[0] : [...task.email],
    email_on_failure: task.email_on_failure,
    email_on_retry: task.email_on_retry,
    retries: task.retries,
    retry_delay: () => PyTimedelta.fromSeconds(task.retry_delay_seconds),
    retry_exponential_backoff: task.retry_exponential_backoff,
    max_retry_delay: () => secondsOrNone(task.max_retry_delay_seconds),
    execution_timeout: () => secondsOrNone(task.execution_timeout_seconds),
    sla: () => secondsOrNone(task.sla_seconds),
    depends_on_past: task.depends_on_past,
    wait_for_downstream: task.wait_for_downstream,
    trigger_rule: task.trigger_rule,
    pool: task.pool,
    pool_slots: task.pool_slots,
    queue: task.queue ?? 'default',
    priority_weight: task.priority_weight,
    weight_rule: task.weight_rule,
    do_xcom_push: task.do_xcom_push,
    params: task.params,
    template_fields: new PyTuple([...task.templated_fields]),
    template_ext: new PyTuple([...task.template_ext]),
    doc_md: task.doc_md,
    upstream_task_ids: [...task.upstream_task_ids],
    downstream_task_ids: [...task.downstream_task_ids],
    inlets: [],
    outlets: [],
  };
  const attrs: Record<string, unknown> = { ...task.args, ...base };
  return new PyRecord('Task', attrs, `<Task(${task.operator}): ${task.task_id}>`);
}

export interface DagRunView {
  dag_id: string;
  run_id: string;
  run_type: string;
  conf: Record<string, unknown>;
  logical_date: PyDateTime;
  data_interval_start: PyDateTime;
  data_interval_end: PyDateTime;
  external_trigger: boolean;
  start_date: PyDateTime | null;
  queued_at: PyDateTime | null;
  state: string;
}

export function dagRunObject(r: DagRunView): PyRecord {
  const repr = `<DagRun ${r.dag_id} @ ${r.logical_date.str()}: ${r.run_id}, state:${r.state}, queued_at: ${r.queued_at?.str() ?? 'None'}. externally triggered: ${r.external_trigger ? 'True' : 'False'}>`;
  return new PyRecord(
    'DagRun',
    {
      dag_id: r.dag_id,
      run_id: r.run_id,
      run_type: r.run_type,
      conf: r.conf,
      logical_date: r.logical_date,
      execution_date: r.logical_date,
      data_interval_start: r.data_interval_start,
      data_interval_end: r.data_interval_end,
      external_trigger: r.external_trigger,
      start_date: r.start_date,
      queued_at: r.queued_at,
      state: r.state,
    },
    repr,
  );
}

export interface TaskInstanceView {
  dag_id: string;
  task_id: string;
  run_id: string;
  try_number: number;
  max_tries: number;
  map_index: number;
  logical_date: PyDateTime;
  start_date: PyDateTime | null;
  state: string;
  hostname: string;
  operator: string;
  task_display_name: string;
  task: PyRecord;
  dag_run: PyRecord;
  xcomPull: XComPull | undefined;
  xcomPush: XComPush | undefined;
}

/** What `ti.xcom_push(key, value)` in a template records (the value as plain data). */
export type XComPush = (push: { key: string; value: unknown }) => void;

/** A value from the template as plain data (what XCom stores): host objects as their native value, tuples as lists. */
function plainValue(v: unknown): unknown {
  if (v instanceof PyObject) return v.toNative();
  if (v instanceof PyTuple) return v.items.map(plainValue);
  if (Array.isArray(v)) return v.map(plainValue);
  if (isPlainDict(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainValue(x)]));
  return v;
}

/** `ti.xcom_push(key, value)`: recorded for the try (pushed when the render ends); renders None. */
function xcomPushMethod(v: TaskInstanceView): PyFunction {
  return method('xcom_push', [['key'], ['value'], ['execution_date', null], ['session', null]], (a) => {
    if (v.xcomPush === undefined) throw new PyError('RuntimeError', 'XCom is not available in this rendering context');
    if (typeof a.key !== 'string') throw new PyError('TypeError', 'key must be a str');
    if (a.execution_date !== null) throw new PyError('NotImplementedError', 'xcom_push(execution_date=...) (deprecated in Airflow 2) is not supported by skydag: push to the running task instance');
    v.xcomPush({ key: a.key, value: plainValue(a.value) });
    return null;
  });
}

const XCOM_PULL_PARAMS = [
  ['task_ids', null],
  ['dag_id', null],
  ['key', 'return_value'],
  ['include_prior_dates', false],
  ['session', null],
  ['map_indexes', null],
  ['default', null],
  ['run_id', null],
] as const;

/** `ti.xcom_pull(task_ids=None, dag_id=None, key='return_value', ...)` with Airflow's shapes. */
function xcomPullMethod(v: TaskInstanceView): PyFunction {
  return method('xcom_pull', XCOM_PULL_PARAMS, (a) => {
    if (v.xcomPull === undefined) throw new PyError('RuntimeError', 'XCom is not available in this rendering context');
    const pull = v.xcomPull;
    const text = (x: unknown, what: string): string | null => {
      if (x === null || x === undefined) return null;
      if (typeof x !== 'string') throw new PyError('TypeError', `${what} must be a str`);
      return x;
    };
    if (Array.isArray(a.map_indexes) || a.map_indexes instanceof PyTuple) {
      throw new PyError('NotImplementedError', 'xcom_pull with several map_indexes is not supported by skydag');
    }
    const base = {
      dag_id: text(a.dag_id, 'dag_id') ?? v.dag_id,
      run_id: text(a.run_id, 'run_id') ?? v.run_id,
      key: text(a.key, 'key'),
      map_index: a.map_indexes === null ? null : toInt(a.map_indexes, 'map_indexes'),
      include_prior_dates: a.include_prior_dates === true,
    };
    const ids = a.task_ids instanceof PyTuple ? a.task_ids.items : a.task_ids;
    if (Array.isArray(ids)) {
      const out: unknown[] = [];
      for (const id of ids) {
        const value = pull({ ...base, task_id: text(id, 'task_ids') });
        if (value !== undefined) out.push(value);
      }
      return out;
    }
    const value = pull({ ...base, task_id: text(ids, 'task_ids') });
    return value === undefined ? a.default : value;
  });
}

export function taskInstanceObject(v: TaskInstanceView): PyRecord {
  const prefix = v.map_index >= 0 ? `map_index=${v.map_index} ` : '';
  return new PyRecord(
    'TaskInstance',
    {
      dag_id: v.dag_id,
      task_id: v.task_id,
      run_id: v.run_id,
      try_number: v.try_number,
      max_tries: v.max_tries,
      map_index: v.map_index,
      execution_date: v.logical_date,
      logical_date: v.logical_date,
      start_date: v.start_date,
      hostname: v.hostname,
      operator: v.operator,
      task_display_name: v.task_display_name,
      state: v.state,
      task: v.task,
      dag_run: v.dag_run,
      xcom_pull: xcomPullMethod(v),
      xcom_push: xcomPushMethod(v),
    },
    `<TaskInstance: ${v.dag_id}.${v.task_id} ${v.run_id} ${prefix}[${v.state}]>`,
  );
}

/** `var.value` / `var.json`: attribute access reads an Airflow Variable (KeyError when absent). */
export class VariableAccessor extends PyObject {
  readonly pyTypeName = 'VariableAccessor';

  constructor(
    private readonly lookup: ((key: string) => string | null | undefined) | undefined,
    private readonly deserializeJson: boolean,
  ) {
    super();
  }

  private read(key: string): unknown {
    const raw = this.lookup?.(key);
    if (raw === undefined || raw === null) return MISSING;
    if (!this.deserializeJson) return raw;
    try {
      return JSON.parse(raw) as unknown;
    } catch (err) {
      throw new PyError('JSONDecodeError', err instanceof Error ? err.message : String(err));
    }
  }

  override getattr(name: string): unknown {
    if (name === 'get') {
      return new PyFunction('get', (args, kwargs: Kwargs) => {
        const kw = { ...kwargs };
        if ('default_var' in kw) {
          kw.default = kw.default_var;
          delete kw.default_var;
        }
        const a = bindArgs('get', [['key'], ['default', MISSING]], args, kw);
        const v = this.read(String(a.key));
        if (v !== MISSING) return v;
        if (a.default === MISSING) throw new PyError('KeyError', `'Variable ${String(a.key)} does not exist'`);
        return a.default;
      });
    }
    const v = this.read(name);
    if (v === MISSING) throw new PyError('KeyError', `'Variable ${name} does not exist'`);
    return v;
  }

  repr(): string {
    return '<VariableAccessor (dynamic access)>';
  }
}

function connectionObject(connId: string, c: ConnectionInfo): PyRecord {
  const extraText = typeof c.extra === 'string' ? c.extra : c.extra ? JSON.stringify(c.extra) : null;
  const extraDejson = (): unknown => {
    if (c.extra && typeof c.extra === 'object') return c.extra;
    if (!extraText) return {};
    try {
      const parsed = JSON.parse(extraText) as unknown;
      return isPlainDict(parsed) ? parsed : {};
    } catch {
      return {};
    }
  };
  const getUri = (): string => {
    const q = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
    let uri = c.conn_type ? `${c.conn_type.toLowerCase().replace(/_/g, '-')}://` : '//';
    let auth = '';
    if (c.login) auth += q(c.login);
    if (c.password) auth += `:${q(c.password)}`;
    if (auth) uri += `${auth}@`;
    if (c.host) uri += q(c.host);
    if (c.port) uri += `${c.host ? '' : '@'}:${c.port}`;
    if (c.schema) uri += `/${q(c.schema)}`;
    const extra = extraDejson() as Record<string, unknown>;
    if (extraText && Object.keys(extra).length > 0) {
      const query = Object.entries(extra)
        .map(([k, x]) => `${q(k)}=${q(typeof x === 'string' ? x : JSON.stringify(x))}`)
        .join('&');
      uri += (c.schema ? '?' : '/?') + query;
    }
    return uri;
  };
  return new PyRecord(
    'Connection',
    {
      conn_id: c.conn_id ?? connId,
      conn_type: c.conn_type ?? null,
      description: c.description ?? null,
      host: c.host ?? null,
      login: c.login ?? null,
      password: c.password ?? null,
      schema: c.schema ?? null,
      port: c.port ?? null,
      extra: extraText,
      extra_dejson: extraDejson,
      get_uri: method('get_uri', [], getUri),
      get_password: method('get_password', [], () => c.password ?? null),
      get_extra: method('get_extra', [], () => extraText),
    },
    c.conn_id ?? connId,
  );
}

/** `conn.<conn_id>`: a connection by id (AirflowNotFoundException when absent). */
export class ConnectionAccessor extends PyObject {
  readonly pyTypeName = 'ConnectionAccessor';

  constructor(private readonly lookup: ((connId: string) => ConnectionInfo | null | undefined) | undefined) {
    super();
  }

  private find(connId: string): PyRecord | undefined {
    const c = this.lookup?.(connId);
    return c ? connectionObject(connId, c) : undefined;
  }

  override getattr(name: string): unknown {
    if (name === 'get') {
      return method('get', [['conn_id'], ['default_conn', null]], (a) => this.find(String(a.conn_id)) ?? a.default_conn);
    }
    const c = this.find(name);
    if (c === undefined) throw new PyError('AirflowNotFoundException', `The conn_id \`${name}\` isn't defined`);
    return c;
  }

  repr(): string {
    return '<ConnectionAccessor (dynamic access)>';
  }
}

export { AIRFLOW_CONFIG_DEFAULTS };

/** `conf`: a minimal `AirflowConfigParser` (`get`, `getboolean`, `getint`, `getfloat`, `has_option`). */
export class AirflowConfig extends PyObject {
  readonly pyTypeName = 'AirflowConfigParser';

  constructor(private readonly values: Readonly<Record<string, Readonly<Record<string, string>>>>) {
    super();
  }

  lookup(section: string, key: string): string | undefined {
    const [where, option] = configOption(section, key);
    return this.values[where]?.[option];
  }

  getBoolean(section: string, key: string): boolean {
    const v = this.lookup(section, key);
    if (v === undefined) throw new PyError('AirflowConfigException', `section/key [${section}/${key}] not found in config`);
    return this.converted('bool', v, section, key) as boolean;
  }

  private converted(type: 'bool' | 'int' | 'float', value: string, section: string, key: string): boolean | number {
    const c = convertConfigValue(type, value, section, key);
    if ('error' in c) throw new PyError('AirflowConfigException', c.error);
    return c.value;
  }

  override getattr(name: string): unknown {
    const get = (convert: (v: string, section: string, key: string) => unknown) =>
      new PyFunction(name, (args, kwargs) => {
        const a = bindArgs(name, [['section'], ['key'], ['fallback', MISSING]], args, kwargs);
        const section = String(a.section);
        const key = String(a.key);
        const v = this.lookup(section, key);
        if (v === undefined) {
          if (a.fallback !== MISSING) return a.fallback;
          throw new PyError('AirflowConfigException', `section/key [${section}/${key}] not found in config`);
        }
        return convert(v, section, key);
      });
    switch (name) {
      case 'get':
        return get((v) => v);
      case 'getboolean':
        return get((v, s, k) => this.converted('bool', v, s, k));
      case 'getint':
        return get((v, s, k) => this.converted('int', v, s, k));
      case 'getfloat':
        return get((v, s, k) => this.converted('float', v, s, k));
      case 'has_option':
        return method('has_option', [['section'], ['option']], (a) => this.lookup(String(a.section), String(a.option)) !== undefined);
      default:
        return MISSING;
    }
  }

  repr(): string {
    return '<airflow.configuration.AirflowConfigParser>';
  }
}

/** Merges caller-supplied configuration over {@link AIRFLOW_CONFIG_DEFAULTS} (keys lower-cased). */
export function airflowConfig(overrides: Record<string, Record<string, string>> = {}): AirflowConfig {
  const merged: Record<string, Record<string, string>> = {};
  for (const src of [AIRFLOW_CONFIG_DEFAULTS, overrides]) {
    for (const [section, kv] of Object.entries(src)) {
      for (const [k, v] of Object.entries(kv)) {
        const [where, option] = configOption(section, k);
        (merged[where] ??= {})[option] = v;
      }
    }
  }
  return new AirflowConfig(merged);
}

/** Params as plain values: model params may hold tagged datetimes/timedeltas, kept for conversion. */
export function mergeParams(...sources: readonly (Readonly<Record<string, PyValue | unknown>> | null | undefined)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of sources) if (s) Object.assign(out, s);
  return out;
}

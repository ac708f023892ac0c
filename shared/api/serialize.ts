/**
 * Records and models in Airflow 2's REST API JSON shapes (airflow/api_connexion/openapi/v1.yaml:
 * DAG, DAGDetail, Task, DAGRun, TaskInstance, XCom, EventLog, ImportError, Pool, Variable,
 * Connection, User). Dates are Python-style ISO strings (`2024-01-01T00:00:00+00:00`). skydag-only
 * fields are additions, never renames. Nothing secret leaves through here: connection passwords are
 * never serialised, sensitive variable values and sensitive keys in conf/extra/rendered fields are
 * masked.
 */
import { formatDiagnostic } from '../model/diagnostics.js';
import type {
  AuditLogRecord,
  DagRecord,
  DagRunRecord,
  ImportErrorRecord,
  PoolRecord,
  TaskInstanceRecord,
  UserRecord,
  XComRecord,
} from '../model/records.js';
import type { CompileReport } from '../compiler/compile.js';
import type { Dag, Schedule, Task } from '../model/schema.js';
import { relativedeltaFields } from '../model/relativedelta.js';
import { pythonIsoFormat } from '../runtime/intervals.js';
import { MASK, isSensitiveKey, redactByKey } from '../secrets/masker.js';
import type { PlainConnection } from './secrets/records.js';
import type { JsonSchema } from './validation.js';

export { MASK };

export function isoOut(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : pythonIsoFormat(new Date(t).toISOString());
}

export function timeDelta(seconds: number | null | undefined): { __type: 'TimeDelta'; days: number; seconds: number; microseconds: number } | null {
  if (seconds === null || seconds === undefined) return null;
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  const whole = Math.floor(rest);
  return { __type: 'TimeDelta', days, seconds: whole, microseconds: Math.round((rest - whole) * 1e6) };
}

export function scheduleInterval(schedule: Schedule): object | null {
  switch (schedule.type) {
    case 'none':
      return null;
    case 'once':
      return { __type: 'CronExpression', value: '@once' };
    case 'cron':
      return { __type: 'CronExpression', value: schedule.preset ?? schedule.cron };
    case 'timedelta':
      return timeDelta(schedule.seconds);
    case 'events':
    case 'custom':
      // Airflow's API has no schedule_interval for a timetable that is neither cron nor delta; timetable_description names it.
      return null;
    case 'relativedelta': {
      // Airflow's RelativeDelta schema: the relative fields, and the absolute ones (none here).
      const absent = { leapdays: 0, year: null, month: null, day: null, hour: null, minute: null, second: null, microsecond: null };
      return { __type: 'RelativeDelta', ...relativedeltaFields(schedule), ...absent };
    }
  }
}

export interface DagFacts {
  hasImportErrors: boolean;
  /** The current model, when known (details, task-concurrency flag). */
  model?: Dag | undefined;
}

const nullableTime: JsonSchema = { type: ['string', 'null'], format: 'date-time' };

/** The JSON schema of serializeDag's answer (Airflow's DAG), for the OpenAPI document; tests check answers against it. */
export const DAG_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    dag_id: { type: 'string' },
    dag_display_name: { type: 'string' },
    is_paused: { type: 'boolean' },
    is_active: { type: 'boolean' },
    is_subdag: { type: 'boolean' },
    last_parsed_time: nullableTime,
    fileloc: { type: 'string' },
    file_token: { type: 'string' },
    owners: { type: 'array', items: { type: 'string' } },
    description: { type: ['string', 'null'] },
    timetable_description: { type: ['string', 'null'] },
    tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    max_active_tasks: { type: 'integer' },
    max_active_runs: { type: 'integer' },
    has_task_concurrency_limits: { type: 'boolean' },
    has_import_errors: { type: 'boolean' },
    next_dagrun: nullableTime,
    next_dagrun_data_interval_start: nullableTime,
    next_dagrun_data_interval_end: nullableTime,
    next_dagrun_create_after: nullableTime,
    current_version: { type: 'string', description: 'skydag: the content hash of the DAG model in use' },
  },
  required: ['dag_id', 'is_paused', 'is_active', 'fileloc', 'file_token', 'owners', 'tags', 'next_dagrun', 'has_import_errors'],
};

/** Airflow's DAGCollection. */
export const DAG_COLLECTION_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { dags: { type: 'array', items: DAG_SCHEMA }, total_entries: { type: 'integer' } },
  required: ['dags', 'total_entries'],
};

export function serializeDag(dag: DagRecord, facts: DagFacts) {
  return {
    dag_id: dag.dag_id,
    dag_display_name: dag.dag_display_name ?? dag.dag_id,
    root_dag_id: dag.parent_dag_id ?? null,
    is_paused: dag.is_paused,
    is_active: dag.is_active,
    is_subdag: dag.parent_dag_id !== undefined,
    last_parsed_time: isoOut(dag.last_parsed_time),
    last_pickled: null,
    last_expired: null,
    scheduler_lock: null,
    pickle_id: null,
    default_view: 'grid',
    fileloc: dag.fileloc,
    file_token: Buffer.from(dag.fileloc, 'utf8').toString('base64url'),
    owners: dag.owners,
    description: dag.description,
    schedule_interval: scheduleInterval(dag.schedule),
    timetable_description: dag.schedule_description,
    tags: dag.tags.map((name) => ({ name })),
    max_active_tasks: dag.max_active_tasks,
    max_active_runs: dag.max_active_runs,
    has_task_concurrency_limits: facts.model ? facts.model.tasks.some((t) => t.max_active_tis_per_dag !== null) : false,
    has_import_errors: facts.hasImportErrors,
    next_dagrun: isoOut(dag.next_dagrun),
    next_dagrun_data_interval_start: isoOut(dag.next_dagrun_data_interval_start),
    next_dagrun_data_interval_end: isoOut(dag.next_dagrun_data_interval_end),
    next_dagrun_create_after: isoOut(dag.next_dagrun_data_interval_end),
    max_consecutive_failed_dag_runs: 0,
    // skydag
    current_version: dag.current_version,
    timezone: dag.timezone,
  };
}

const OPERATOR_MODULE_FALLBACK = 'airflow.operators';

export function serializeTask(task: Task, dag: Dag) {
  return {
    class_ref: { module_path: task.operator_module ?? OPERATOR_MODULE_FALLBACK, class_name: task.operator },
    task_id: task.task_id,
    task_display_name: task.task_display_name ?? task.task_id,
    owner: task.owner,
    start_date: isoOut(dag.start_date),
    end_date: isoOut(dag.end_date),
    trigger_rule: task.trigger_rule,
    extra_links: [],
    depends_on_past: task.depends_on_past,
    is_mapped: false,
    wait_for_downstream: task.wait_for_downstream,
    retries: task.retries,
    queue: task.queue,
    executor: null,
    pool: task.pool,
    pool_slots: task.pool_slots,
    execution_timeout: timeDelta(task.execution_timeout_seconds),
    retry_delay: timeDelta(task.retry_delay_seconds),
    retry_exponential_backoff: task.retry_exponential_backoff,
    priority_weight: task.priority_weight,
    weight_rule: task.weight_rule,
    ui_color: '#fff',
    ui_fgcolor: '#000',
    template_fields: task.templated_fields,
    sub_dag: null,
    downstream_task_ids: task.downstream_task_ids,
    doc_md: task.doc_md,
    // skydag
    upstream_task_ids: task.upstream_task_ids,
    operator_kind: task.operator_kind,
    task_group_id: task.task_group_id,
    description: task.description,
    run_dag_id: childDagId(task),
  };
}

/** The DAG a task starts (DagOperator, loopable batches, TriggerDagRunOperator), when the file names it plainly: the console's "zoom into DAG". */
export function childDagId(task: Task): string | null {
  const value = task.args.run_dag_id ?? task.args.trigger_dag_id;
  return typeof value === 'string' && value !== '' && !value.includes('{{') ? value : null;
}

export function serializeDagDetail(dag: DagRecord, facts: DagFacts & { model: Dag | undefined; costEstimate?: CompileReport | null }) {
  const m = facts.model;
  return {
    ...serializeDag(dag, facts),
    timezone: m?.timezone ?? dag.timezone,
    catchup: m?.catchup ?? dag.catchup,
    orientation: 'LR',
    concurrency: dag.max_active_tasks,
    start_date: isoOut(m?.start_date ?? dag.start_date),
    dag_run_timeout: timeDelta(m?.dagrun_timeout_seconds ?? null),
    dataset_expression: null,
    doc_md: m?.doc_md ?? null,
    params: redactByKey(m?.params ?? {}),
    end_date: isoOut(m?.end_date ?? dag.end_date),
    is_paused_upon_creation: m?.is_paused_upon_creation ?? null,
    last_parsed: isoOut(dag.last_parsed_time),
    template_search_path: m?.template_searchpath ?? null,
    render_template_as_native_obj: m?.render_template_as_native_obj ?? false,
    // skydag: the tasks of the current version, in definition order; its edge labels; what one run costs
    tasks: m ? m.tasks.map((t) => serializeTask(t, m)) : [],
    edge_labels: m?.edge_labels ?? [],
    cost_estimate: facts.costEstimate ?? null,
  };
}

export function serializeDagRun(run: DagRunRecord) {
  return {
    dag_run_id: run.run_id,
    dag_id: run.dag_id,
    logical_date: isoOut(run.logical_date),
    execution_date: isoOut(run.logical_date),
    start_date: isoOut(run.start_date),
    end_date: isoOut(run.end_date),
    data_interval_start: isoOut(run.data_interval_start),
    data_interval_end: isoOut(run.data_interval_end),
    last_scheduling_decision: null,
    run_type: run.run_type,
    state: run.state,
    external_trigger: run.external_trigger,
    // Sensitive keys (password, token, ...) are masked: the run still receives them in full.
    conf: redactByKey(run.conf),
    note: run.note,
    // skydag
    queued_at: isoOut(run.queued_at),
    dag_version: run.dag_version,
    parent: run.parent,
  };
}

export function taskStateOut(state: TaskInstanceRecord['state'] | string | null | undefined): string | null {
  return state === null || state === undefined || state === 'none' ? null : state;
}

export function serializeTaskInstance(ti: TaskInstanceRecord, run: Pick<DagRunRecord, 'logical_date'>) {
  return {
    task_id: ti.task_id,
    task_display_name: ti.task_display_name ?? ti.task_id,
    dag_id: ti.dag_id,
    dag_run_id: ti.run_id,
    execution_date: isoOut(run.logical_date),
    start_date: isoOut(ti.start_date),
    end_date: isoOut(ti.end_date),
    duration: ti.duration,
    state: taskStateOut(ti.state),
    try_number: ti.try_number,
    map_index: ti.map_index,
    max_tries: ti.max_tries,
    hostname: ti.hostname,
    unixname: 'skydag',
    pool: ti.pool,
    pool_slots: ti.pool_slots,
    queue: ti.queue,
    priority_weight: ti.priority_weight,
    operator: ti.operator,
    queued_when: isoOut(ti.queued_when),
    pid: null,
    executor: null,
    executor_config: '{}',
    sla_miss: null,
    rendered_map_index: ti.rendered_map_index ?? null,
    rendered_fields: redactByKey(ti.rendered_fields ?? {}),
    trigger: null,
    triggerer_job: null,
    note: ti.note,
    // skydag
    child_runs: ti.child_runs ?? [],
    config_group: ti.config_group ?? null,
  };
}

export function taskInstanceReference(ti: Pick<TaskInstanceRecord, 'task_id' | 'dag_id' | 'run_id'>, run: Pick<DagRunRecord, 'logical_date'>) {
  return { task_id: ti.task_id, dag_id: ti.dag_id, execution_date: isoOut(run.logical_date), dag_run_id: ti.run_id };
}

/** Python's str() of a JSON value, as Airflow's `stringify=true` XCom endpoint returns it. */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  return String(value);
}

export function serializeXComItem(x: XComRecord, run: Pick<DagRunRecord, 'logical_date'>) {
  return {
    key: x.key,
    timestamp: isoOut(x.timestamp),
    execution_date: isoOut(run.logical_date),
    map_index: x.map_index,
    task_id: x.task_id,
    dag_id: x.dag_id,
    // skydag
    dag_run_id: x.run_id,
  };
}

/**
 * The value as stored: secrets the pushing try had seen are already masked (the real value is sealed,
 * for tasks only); values under sensitive keys (or under a sensitive XCom key) are masked here too.
 */
export function serializeXCom(x: XComRecord, run: Pick<DagRunRecord, 'logical_date'>, stringify: boolean) {
  const value = redactByKey(x.value, x.key);
  return { ...serializeXComItem(x, run), value: stringify ? pythonStr(value) : value, value_json: value };
}

export function serializeEventLog(a: AuditLogRecord) {
  return {
    event_log_id: a.event_log_id,
    when: isoOut(a.when),
    dag_id: a.dag_id,
    task_id: a.task_id,
    run_id: a.run_id,
    map_index: null,
    try_number: null,
    event: a.event,
    execution_date: null,
    owner: a.owner,
    extra: a.extra,
    // skydag
    source_ip: a.source_ip,
  };
}

/** Import errors have no numeric id in skydag: the id is the file name, base64url-encoded (stable, reversible). */
export const importErrorId = (filename: string) => Buffer.from(filename, 'utf8').toString('base64url');
export const filenameOfImportErrorId = (id: string) => Buffer.from(id, 'base64url').toString('utf8');

export function serializeImportError(e: ImportErrorRecord) {
  return {
    import_error_id: importErrorId(e.filename),
    timestamp: isoOut(e.timestamp),
    filename: e.filename,
    stack_trace: e.diagnostics.map(formatDiagnostic).join('\n'),
    // skydag
    diagnostics: e.diagnostics,
  };
}

export interface PoolUsage {
  running: number;
  queued: number;
  scheduled: number;
  deferred: number;
}

export function serializePool(p: PoolRecord, usage: PoolUsage) {
  const occupied = usage.running + usage.queued;
  return {
    name: p.name,
    slots: p.slots,
    occupied_slots: occupied,
    running_slots: usage.running,
    queued_slots: usage.queued,
    open_slots: p.slots < 0 ? -1 : Math.max(0, p.slots - occupied),
    scheduled_slots: usage.scheduled,
    deferred_slots: usage.deferred,
    description: p.description,
    include_deferred: false,
  };
}

/** Variable values of sensitive keys (password, secret, token, ...) are always masked, as Airflow's UI/API do. */
export function serializeVariable(key: string, value: string, description: string | null) {
  return { key, value: isSensitiveKey(key) ? MASK : value, description };
}

/** `extra` is returned with sensitive keys masked; a non-JSON extra is masked entirely. The password never leaves. */
export function maskConnectionExtra(extra: string | null): string | null {
  if (extra === null || extra === '') return extra;
  try {
    return JSON.stringify(redactByKey(JSON.parse(extra)));
  } catch {
    return MASK;
  }
}

export function serializeConnectionItem(c: PlainConnection) {
  return { connection_id: c.conn_id, conn_type: c.conn_type, description: c.description, host: c.host, login: c.login, schema: c.schema, port: c.port };
}

export function serializeConnection(c: PlainConnection) {
  return { ...serializeConnectionItem(c), extra: maskConnectionExtra(c.extra) };
}

export function serializeUser(u: UserRecord) {
  return {
    first_name: u.first_name,
    last_name: u.last_name,
    username: u.username,
    email: u.email,
    active: u.active,
    last_login: isoOut(u.last_login),
    login_count: null,
    failed_login_count: null,
    roles: u.roles.map((name) => ({ name })),
    created_on: isoOut(u.created_on),
    changed_on: isoOut(u.changed_on),
  };
}

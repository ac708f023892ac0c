/**
 * The REST API's JSON shapes (Airflow 2 stable API plus skydag's additions), as the console reads
 * them. Kept in step with shared/api/serialize.ts; only the fields the console uses are required.
 */
import type { DagPermissions } from '../lib/dag-permissions';

export type TaskState =
  | 'success'
  | 'running'
  | 'failed'
  | 'upstream_failed'
  | 'skipped'
  | 'up_for_retry'
  | 'up_for_reschedule'
  | 'queued'
  | 'scheduled'
  | 'deferred'
  | 'removed'
  | 'restarting';

export type DagRunState = 'queued' | 'running' | 'success' | 'failed';

export interface TimeDelta {
  __type: 'TimeDelta';
  days: number;
  seconds: number;
  microseconds: number;
}

/** Airflow's RelativeDelta (a `dateutil.relativedelta` schedule); skydag's have no absolute fields. */
export interface RelativeDelta {
  __type: 'RelativeDelta';
  years: number;
  months: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
  microseconds: number;
}

export type ScheduleInterval = { __type: 'CronExpression'; value: string } | TimeDelta | RelativeDelta | null;

export interface Dag {
  dag_id: string;
  dag_display_name: string;
  is_paused: boolean;
  is_active: boolean;
  fileloc: string;
  file_token: string;
  owners: string[];
  description: string | null;
  schedule_interval: ScheduleInterval;
  timetable_description: string | null;
  tags: { name: string }[];
  max_active_tasks: number;
  max_active_runs: number;
  has_import_errors: boolean;
  next_dagrun: string | null;
  next_dagrun_data_interval_start: string | null;
  next_dagrun_data_interval_end: string | null;
  last_parsed_time: string | null;
  current_version: string;
  /** IANA zone of the DAG's schedule (skydag). */
  timezone: string;
}

export interface Task {
  class_ref: { module_path: string; class_name: string };
  task_id: string;
  /** Airflow 2.9+: the task's display name (its id when it has none). */
  task_display_name?: string;
  owner: string;
  trigger_rule: string;
  retries: number;
  pool: string;
  pool_slots: number;
  queue: string | null;
  execution_timeout: TimeDelta | null;
  retry_delay: TimeDelta | null;
  priority_weight: number;
  template_fields: string[];
  downstream_task_ids: string[];
  upstream_task_ids: string[];
  doc_md: string | null;
  operator_kind: string;
  task_group_id: string | null;
  /** Child DAG for DagOperator / SkippableDagOperator / TriggerDagRunOperator / loopable batches (skydag). */
  run_dag_id: string | null;
  description: string | null;
}

export interface CompileReport {
  tasks: number;
  states: number;
  branches: number;
  parts: number;
  definition_bytes: number;
  estimated_events_per_run: number;
  worst_case_events_per_run: number;
  transitions_per_task: number;
  lambda_invocations_per_task: number;
}

export interface DagDetail extends Dag {
  catchup: boolean;
  start_date: string | null;
  end_date: string | null;
  dag_run_timeout: TimeDelta | null;
  doc_md: string | null;
  params: Record<string, unknown>;
  tasks: Task[];
  /** What one run costs on Step Functions, from the compiler (skydag). */
  cost_estimate: CompileReport | null;
  edge_labels: EdgeLabel[];
}

export interface DagRun {
  dag_run_id: string;
  dag_id: string;
  logical_date: string | null;
  execution_date: string | null;
  start_date: string | null;
  end_date: string | null;
  data_interval_start: string | null;
  data_interval_end: string | null;
  run_type: 'manual' | 'scheduled' | 'backfill' | 'dataset_triggered';
  state: DagRunState;
  external_trigger: boolean;
  conf: Record<string, unknown>;
  note: string | null;
  queued_at: string | null;
  dag_version: string | null;
}

export interface TaskInstance {
  task_id: string;
  task_display_name?: string;
  dag_id: string;
  dag_run_id: string;
  execution_date: string | null;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  state: TaskState | null;
  try_number: number;
  max_tries: number;
  hostname: string;
  pool: string;
  queue: string | null;
  priority_weight: number;
  operator: string;
  queued_when: string | null;
  rendered_fields: Record<string, unknown>;
  note: string | null;
  child_runs: { dag_id: string; run_id: string }[];
}

export interface TaskInstanceReference {
  task_id: string;
  dag_id: string;
  execution_date: string | null;
  dag_run_id: string;
}

export interface XComEntry {
  key: string;
  timestamp: string | null;
  task_id: string;
  dag_id: string;
  dag_run_id: string;
  value?: unknown;
  value_json?: unknown;
}

export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  end_line?: number;
  end_col?: number;
  message: string;
  code: string;
  severity: 'error' | 'warning';
  dag_id?: string;
  task_id?: string;
  hint?: string;
}

export interface ImportError {
  import_error_id: string;
  timestamp: string | null;
  filename: string;
  stack_trace: string;
  diagnostics: Diagnostic[];
}

export interface EventLog {
  event_log_id: string;
  when: string | null;
  dag_id: string | null;
  task_id: string | null;
  run_id: string | null;
  event: string;
  owner: string;
  extra: string | null;
  source_ip: string | null;
}

export interface Variable {
  key: string;
  value: string;
  description: string | null;
}

export interface Connection {
  connection_id: string;
  conn_type: string;
  description: string | null;
  host: string | null;
  login: string | null;
  schema: string | null;
  port: number | null;
  extra?: string | null;
}

export interface Pool {
  name: string;
  slots: number;
  occupied_slots: number;
  running_slots: number;
  queued_slots: number;
  open_slots: number;
  scheduled_slots: number;
  description: string | null;
}

export interface User {
  first_name: string;
  last_name: string;
  username: string;
  email: string;
  active: boolean;
  last_login: string | null;
  roles: { name: string }[];
  created_on: string | null;
  changed_on: string | null;
}

export interface Role {
  name: string;
  actions: { action: { name: string }; resource: { name: string } }[];
}

export interface Me {
  username: string | null;
  roles: { name: string }[];
  permissions: string[];
  /** DAG actions held on every DAG, and per DAG beyond them. */
  dag_permissions: DagPermissions;
}

export interface LoginResult {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** Per DAG: run-state counts, the last run and the task states of recent runs (GET /dagStats, skydag additions). */
export interface DagStats {
  dag_id: string;
  stats: { state: DagRunState; count: number }[];
  last_dag_run: DagRun | null;
  recent_task_states: { state: TaskState | 'none'; count: number }[];
}

/** GET /dags/{dag_id}/gridData (skydag): the newest runs and their task instances, compact. */
export interface GridData {
  /** Newest first. */
  dag_runs: DagRun[];
  task_instances: GridTaskInstance[];
  /** Older runs exist beyond this page. */
  has_more: boolean;
}

export interface GridTaskInstance {
  dag_run_id: string;
  task_id: string;
  state: TaskState | null;
  try_number: number;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
}

export interface DagVersionHeader {
  dag_id: string;
  version: string;
  created_at: string | null;
  fileloc: string;
  is_current: boolean;
}

export interface EdgeLabel {
  upstream_task_id: string;
  downstream_task_id: string;
  label: string;
}

export interface DagVersion extends DagVersionHeader {
  /** The DAG file's text this version was parsed from; null for versions recorded before sources were kept. */
  source: string | null;
  /** The file also defines DAGs the user may not read, so its text is withheld. */
  source_redacted: boolean;
  tasks: Task[];
  edge_labels: EdgeLabel[];
}

export interface ValidationResult {
  filename: string;
  valid: boolean;
  diagnostics: Diagnostic[];
  dags: { dag_id: string; schedule_interval: ScheduleInterval; tasks: Task[]; edge_labels: EdgeLabel[] }[];
}

export interface UploadResult {
  filename: string;
  dags: { dag_id: string; tasks: number; schedule_interval: ScheduleInterval }[];
  warnings: Diagnostic[];
}

/** RFC 7807 problem JSON, as every API error is answered. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  diagnostics?: Diagnostic[];
}

/** GET /auth/config: how to sign in. */
export interface AuthConfig {
  password_login: boolean;
  oidc: {
    provider_name: string;
    client_id: string;
    authorization_endpoint: string;
    end_session_endpoint: string | null;
    scopes: string[];
  } | null;
}

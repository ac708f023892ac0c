/**
 * What the metadata store keeps about runs: DAG runs, task instances and XComs. Field names follow
 * Airflow 2's REST API, so API responses are mostly these records as they are.
 */
import type { DagRunState, DagRunType, TaskState } from '../runtime/states.js';
import type { AccessControl, Dag, Diagnostic, Schedule } from './schema.js';

export interface DagRunRecord {
  dag_id: string;
  run_id: string;
  /** The logical date (Airflow's execution_date): the start of the data interval for scheduled runs. */
  logical_date: string;
  data_interval_start: string;
  data_interval_end: string;
  run_type: DagRunType;
  state: DagRunState;
  external_trigger: boolean;
  /** The trigger payload, values under sensitive keys masked when it has any (the real conf is then in sealed_conf). */
  conf: Record<string, unknown>;
  /** The real conf, encrypted, when it has sensitive keys: only the runtime opens it (shared/secrets/sealed.ts). */
  sealed_conf?: string;
  queued_at: string | null;
  start_date: string | null;
  end_date: string | null;
  /** Content hash of the DAG model this run executes (runs stay bound to the version they ran). */
  dag_version: string | null;
  /** Set for runs started by another DAG's task (DagOperator, TriggerDagRunOperator). */
  /** The task that started this run (child DAGs, triggers) and its try: a redelivered start of that try finds its run again. */
  parent: { dag_id: string; run_id: string; task_id: string; try_number?: number } | null;
  note: string | null;
  /**
   * Which execution of the run's state machine runs it: 0 (or absent) for the first; whoever starts it
   * again (a cleared or recovered run) bumps it, so the new execution gets a new name (executionName()).
   */
  generation?: number;
  /** Dataset-triggered runs: the dataset events that created the run (the context's `triggering_dataset_events`). */
  triggering_dataset_events?: DatasetEventRecord[];
  /**
   * What the run's end still owes (its DAG callback, tasks whose own side effects were still being
   * sent), as JSON text: written with the end state, sent under a lease and cleared by whoever claims
   * it (owed-effects.ts, finalize.ts). A run owing something stays in the active-runs index, so the
   * reconciler finds it if the delivery sending it died.
   */
  effects_due?: string | null;
}

/**
 * One update of a dataset (Airflow's DatasetEvent): recorded when a task with the dataset in its
 * `outlets` succeeds, or posted through the API (then without a source).
 */
export interface DatasetEventRecord {
  /** Unique and increasing with `timestamp` (µs since the epoch, made unique by the writer). */
  id: number;
  uri: string;
  extra: Record<string, unknown>;
  source_dag_id: string | null;
  source_task_id: string | null;
  source_run_id: string | null;
  /** -1 unless a mapped task instance produced it (Airflow's default map_index). */
  source_map_index: number;
  timestamp: string;
  /** The dataset aliases the event was added through (`outlet_events[alias].add(...)`); absent: none. */
  source_aliases?: string[];
}

/** A task that had not finished by its SLA (Airflow's SlaMiss): one per (dag, task, logical date). */
export interface SlaMissRecord {
  dag_id: string;
  task_id: string;
  /** The run's logical date (Airflow's execution_date). */
  execution_date: string;
  run_id: string;
  /** When the miss was recorded. */
  timestamp: string;
  /** The deadline that passed: the run's data interval end plus the task's `sla`. */
  deadline: string;
  email_sent: boolean;
  notification_sent: boolean;
  description: string | null;
}

export interface TaskInstanceRecord {
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  /** null is Airflow's "none" (no state yet). */
  state: TaskState | null;
  /** Number of the current (or last) try; 0 before the first try. */
  try_number: number;
  max_tries: number;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  queued_when: string | null;
  operator: string;
  pool: string;
  pool_slots: number;
  queue: string | null;
  priority_weight: number;
  hostname: string;
  /** The callback token a waiting prepare state left; the decision taken for it (each decided once). */
  token: string | null;
  decision: 'run' | 'skip' | null;
  /** Runs this task started (DagOperator, TriggerDagRunOperator, loopable batches), for failure checks and "zoom into DAG". */
  child_runs?: { dag_id: string; run_id: string }[];
  /** Spark tasks: the config group the latest submitting try resolved (name and content version). */
  config_group?: { name: string; version: string } | null;
  /** Rendered templated fields of the current try (secrets masked). */
  rendered_fields: Record<string, unknown> | null;
  /** The task's `task_display_name` when the run was created (Airflow 2.9+ keeps it on the task instance); absent: the id. */
  task_display_name?: string;
  /** The task's `map_index_template` rendered after its latest try (Airflow 2.9+); absent without one. */
  rendered_map_index?: string | null;
  /**
   * The side effects the try's end still owes, as JSON text (owed-effects.ts): on failure its log
   * lines, alert and on_failure/on_retry callback; on success its dataset events and
   * on_success_callback. Written with the end state (the claim), sent under a lease and cleared by
   * whoever claims them, so twin, redelivered or crashed deliveries send each once.
   */
  effects_due?: string | null;
  note: string | null;
  /**
   * A token-holding wait of the current try handed from one invocation to the next (a sensor between
   * pokes, a Livy batch between polls: shared/runtime/handlers/waits.ts); absent or null otherwise.
   */
  wait?: TaskWait | null;
  /** Invocations of the current try's wait so far: the next one claims `wait_invocation + 1` by a conditional write. */
  wait_invocation?: number | null;
}

/** What a handed-off wait keeps between invocations (never shown by the API: the token is a capability). */
export interface TaskWait {
  /** The waiting state's task token, sealed with the runtime's cipher. */
  token: string;
  /** When the next invocation is due (ISO). */
  next_at: string;
  /** When this wait was handed off first (ISO). */
  since: string;
  /** True while the try gives its slots back between invocations (reschedule-mode sensors). */
  released_slots: boolean;
  /** The executor's own progress (a sensor's first poke time and poke count, a Livy batch id and log offset). */
  progress: Record<string, unknown>;
}

export interface XComRecord {
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  key: string;
  /** The value as shown: secrets the pushing try had seen are masked (the real value is then in sealed_value). */
  value: unknown;
  /** The real value, encrypted, when it carries secrets: only the runtime opens it (shared/secrets/sealed.ts). */
  sealed_value?: string;
  timestamp: string;
}

export const RETURN_VALUE_KEY = 'return_value';

/** A DAG as the platform knows it: what the API lists. Its model lives in DagVersionRecord. */
export interface DagRecord {
  dag_id: string;
  /** The current version's `dag_display_name` (Airflow 2.9+); absent: the id. */
  dag_display_name?: string;
  /** A SubDagOperator's sub-DAG: its parent DAG (Airflow's `is_subdag` / `root_dag_id`); listings leave it out. */
  parent_dag_id?: string;
  /** Relative path of the file that defines it, in the DAGs folder. */
  fileloc: string;
  is_paused: boolean;
  /** False once its file is gone or no longer defines it (history is kept). */
  is_active: boolean;
  current_version: string;
  description: string | null;
  schedule: Schedule;
  schedule_description: string | null;
  timezone: string;
  tags: string[];
  owners: string[];
  max_active_runs: number;
  max_active_tasks: number;
  catchup: boolean;
  start_date: string | null;
  end_date: string | null;
  last_parsed_time: string;
  /**
   * The current version's `access_control` (role → DAG-level actions), absent when its file sets none:
   * kept here so permission checks and listings need no model.
   */
  access_control?: AccessControl;
  /**
   * The Airflow Variables the current version's file read while it was read (Dag.parse_variables):
   * a change of one reads the file again (the API's variable routes), as Airflow's next parse would.
   */
  parse_variables?: string[];
  /** Scheduler bookkeeping: the logical date of the next scheduled run (null when none is due ever). */
  next_dagrun: string | null;
  next_dagrun_data_interval_start: string | null;
  next_dagrun_data_interval_end: string | null;
}

/** One deployed version of a DAG (a content hash of its model); runs record the version they ran. */
export interface DagVersionRecord {
  dag_id: string;
  version: string;
  created_at: string;
  fileloc: string;
  /** Digest of the version's source bundle in the blob store (shared/bundles): the files its tasks run. Absent for versions stored before bundles. */
  bundle?: string;
  /**
   * In the cloud: the published Step Functions version of the DAG's main state machine for this DAG
   * version (its parts are pinned inside its definition). Runs of this version execute it.
   */
  state_machine_version_arn?: string;
  model: Dag;
  /** The DAG file's text the model was read from (the console's code view and version diff); absent for versions recorded without it. */
  source?: string;
  /** The git pull that first brought this version (shared/git): repository, branch, commit and the user whose link it was. */
  git?: { repository: string; branch: string; commit: string; user: string };
}

/** What listing a DAG's versions returns: everything but the model and the source. */
export type DagVersionHeader = Omit<DagVersionRecord, 'model' | 'source'>;

export interface ImportErrorRecord {
  /** Relative path in the DAGs folder. */
  filename: string;
  timestamp: string;
  diagnostics: Diagnostic[];
}

/** Variables and connection secrets are stored encrypted (`encrypted: true`); the API decrypts. */
export interface VariableRecord {
  key: string;
  value: string;
  encrypted: boolean;
  description: string | null;
}

export interface ConnectionRecord {
  conn_id: string;
  conn_type: string;
  description: string | null;
  host: string | null;
  schema: string | null;
  login: string | null;
  /** Encrypted at rest; never returned by the API. */
  password: string | null;
  port: number | null;
  /** JSON text, encrypted at rest. */
  extra: string | null;
  encrypted: boolean;
}

export interface PoolRecord {
  name: string;
  slots: number;
  description: string | null;
}

/** What the models and datasets repository holds (Couture's "Models and Datasets"). */
export type RepositoryKind = 'model' | 'dataset';
/** How a model is served/loaded: TF SavedModel, Spark ML (PMML or a saved pipeline), PyTorch, anything else. */
export type ModelFlavor = 'tensorflow' | 'spark' | 'pytorch' | 'other';

/**
 * One stored version of a model or dataset (shared/repository/). The file itself is in the blob store
 * at `blob_key`; a TensorFlow SavedModel is also unpacked under `serving_prefix` (TF Serving's
 * `<base_path>/<version>/`).
 */
export interface RepositoryVersionRecord {
  kind: RepositoryKind;
  name: string;
  /** 1, 2, ... per (kind, name), given in upload order. */
  version: number;
  /** Models only (null for datasets). */
  flavor: ModelFlavor | null;
  description: string;
  /** The uploaded file's name (bare). */
  file_name: string;
  size: number;
  /** Hex SHA-256 of the file. */
  sha256: string;
  blob_key: string;
  serving_prefix: string | null;
  created_at: string;
  created_by: string | null;
}

/** The built-in roles (not stored; their permissions are fixed in code). */
export type RoleName = 'Admin' | 'Op' | 'User' | 'Viewer' | 'Public';

/** One permission as Airflow names it: an action on a resource (`can_read` on `DAG Runs`, `can_edit` on `DAG:etl`). */
export interface PermissionPair {
  action: string;
  resource: string;
}

/** A custom role, made through the roles API (Airflow's `POST /roles`); built-in roles are not stored. */
export interface RoleRecord {
  name: string;
  /** Global resources (`DAG Runs`, `Variables`, ...) and single DAGs (`DAG:<dag_id>`), as Airflow's role API lists them. */
  permissions: PermissionPair[];
  created_on: string;
  changed_on: string;
}

export interface UserRecord {
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  /** scrypt hash: `scrypt$N$r$p$salt$hash` (base64); never leaves the store. */
  password_hash: string;
  /** Built-in role names and custom role names (RoleRecord). */
  roles: string[];
  active: boolean;
  created_on: string;
  changed_on: string;
  last_login: string | null;
  /** `ldap`: a directory user (shared/api/auth/ldap.ts), signed in against the LDAP server only; absent: a local user. */
  auth_source?: 'ldap';
}

/**
 * Failed sign-ins of one subject (`user:<name>` or `addr:<ip>`) since the count last started: what
 * the sign-in throttle decides lockouts from. Kept in the store so the count survives restarts and is
 * shared by every API instance; `expires_at` (epoch seconds) is the table's TTL attribute.
 */
export interface SignInFailuresRecord {
  subject: string;
  failures: number;
  last_failure_at: string;
  expires_at: number;
}

/** One mutating request (or login): who, what, where from. Secrets are masked before writing. */
export interface AuditLogRecord {
  event_log_id: string;
  when: string;
  event: string;
  owner: string;
  dag_id: string | null;
  task_id: string | null;
  run_id: string | null;
  source_ip: string | null;
  extra: string | null;
}

/**
 * Executors run a task's code for one try. The execute handler prepares everything they need
 * (rendered arguments, the template context, a logger, XCom/variable/connection access) and turns
 * their outcome into task-instance state; executors never touch the metadata store directly.
 */
import type { DatasetEventRecord } from '../../model/records.js';
import type { DagRunRecord, TaskInstanceRecord } from '../../model/records.js';
import type { Dag, PyValue, Task } from '../../model/schema.js';
import type { OutletAliasEvent } from '../protocol.js';
import type { MailAttachment } from './email.js';

/** Writes the task's log for this try (one log per try). */
export interface TaskLogger {
  /** Appends text as written by the task (stdout/stderr); lines are kept as they are. */
  write(text: string): void;
  /** A timestamped line from skydag itself (like Airflow's `{taskinstance.py}` lines). */
  info(message: string): void;
}

export interface Connection {
  conn_id: string;
  conn_type: string;
  host: string | null;
  schema: string | null;
  login: string | null;
  password: string | null;
  port: number | null;
  extra: Record<string, unknown>;
}

/** Read/write access to the run's XComs, variables and connections, scoped to this task instance. */
export interface TaskServices {
  /**
   * Airflow's ti.xcom_pull: `taskIds` a string → one value; a list → a list; `key` defaults to
   * return_value, and null (Airflow's `key=None`) takes the task's most recent XCom of any key.
   */
  xcomPull(taskIds: string | readonly string[] | null, key?: string | null, dagId?: string): Promise<unknown>;
  xcomPush(key: string, value: unknown): Promise<void>;
  getVariable(key: string): Promise<string | undefined>;
  setVariable(key: string, value: string): Promise<void>;
  getConnection(connId: string): Promise<Connection | undefined>;
  /** Airflow's mask_secret: the value (or a dict's values under sensitive keys) is masked in all the try leaves behind. */
  maskSecret?(secret: unknown, name?: string | null): void;
  /** The value as the try's masker shows it (Airflow's secrets_masker.redact). */
  redact?(value: unknown, name?: string | null): unknown;
  /**
   * Renders template strings the task's own code holds (a custom operator's template_fields, found
   * by the Python runner) with the renderer and context of the operator's declared fields; `field`
   * names each one's place (`sql`, `items[0]`) in errors, `templateExt` marks template files.
   * Absent where no try is running (callbacks).
   */
  renderTemplates?(templates: readonly { field: string; template: string }[], templateExt: readonly string[]): Promise<unknown[]>;
  /** Records what the task's code holds in its template_fields once rendered, as the try's rendered_fields. */
  recordRenderedFields?(fields: Record<string, unknown>): Promise<void>;
  /**
   * airflow.utils.email.send_email from the task's own code (a callback, a notifier): the arguments as
   * EmailOperator takes them, the files already read; answers the line to log.
   */
  sendEmail?(args: Record<string, PyValue>, attachments: MailAttachment[]): Promise<string>;
  /** Spark tasks: records the config group this try resolved (name and content version) on the task instance. */
  recordConfigGroup?(group: { name: string; version: string }): Promise<void>;
}

/**
 * The serializable Airflow context of this try (what Python callables receive as keyword arguments
 * and what templates see), as plain JSON: dates as ISO strings.
 */
export interface SerializableContext {
  dag_id: string;
  task_id: string;
  run_id: string;
  try_number: number;
  map_index: number;
  /** The task's map_index_template (Airflow 2.9+), when it has one: the runner then reports the variables its code adds to the context. */
  map_index_template?: string;
  /** `ti.state` where the try has ended (its callbacks run after Airflow sets it: failed, up_for_retry, success); absent: running. */
  ti_state?: string;
  ds: string;
  ds_nodash: string;
  ts: string;
  ts_nodash: string;
  ts_nodash_with_tz: string;
  logical_date: string;
  data_interval_start: string;
  data_interval_end: string;
  prev_data_interval_start_success: string | null;
  prev_data_interval_end_success: string | null;
  prev_start_date_success: string | null;
  run_type: string;
  external_trigger: boolean;
  conf: Record<string, unknown>;
  params: Record<string, unknown>;
  task_instance_key_str: string;
  /** Rendered templates_dict for Python tasks, when the task has one. */
  templates_dict: Record<string, unknown> | null;
  test_mode: boolean;
  timezone: string;
  /** Dataset-triggered runs: URI → the events that created the run (Airflow's `triggering_dataset_events`). */
  triggering_dataset_events?: Record<string, DatasetEventRecord[]>;
  /** The task's inlets: URI → their newest events, oldest first (Airflow's `inlet_events`). */
  inlet_events?: Record<string, DatasetEventRecord[]>;
  /** The task's inlet aliases: alias name → the newest events added through it, oldest first. */
  inlet_alias_events?: Record<string, DatasetEventRecord[]>;
}

export interface ExecutionRequest {
  dag: Dag;
  task: Task;
  run: DagRunRecord;
  ti: TaskInstanceRecord;
  tryNumber: number;
  /** Absolute path of the DAG file (the Python runner executes it with the airflow shim). */
  dagFilePath: string;
  /** Absolute path of the DAGs folder (working directory and import root for Python tasks). */
  dagsFolder: string;
  /** The plugins folder on the tasks' sys.path (SourceLocation.pluginsFolder). */
  pluginsFolder?: string;
  /** The project folder on the tasks' sys.path after the plugins (SourceLocation.projectFolder). */
  projectFolder?: string;
  /** The task's args with templated fields rendered for this try. */
  args: Record<string, PyValue>;
  context: SerializableContext;
  services: TaskServices;
  log: TaskLogger;
  /** Aborted when execution_timeout expires or the run is stopped; executors must stop promptly. */
  signal: AbortSignal;
  now: () => Date;
  /**
   * Records the process groups the executor starts for this try. Local mode keeps these records so a
   * task process still running when the platform died is stopped before the task runs again (orphan
   * recovery).
   */
  trackProcess?: ProcessTracking;
  /**
   * Set when the try's waiting may continue in a later invocation (the cloud: a sensor between pokes,
   * a Livy batch between polls): a wait that would end after `handOffAfter` is handed off by throwing
   * {@link WaitHandOff} instead of being waited for here. Absent (local mode): executors wait in place.
   */
  wait?: WaitContext;
}

export interface WaitContext {
  /** Waits ending after this instant are handed off (a reschedule-mode sensor hands off every wait). */
  handOffAfter: Date;
  /** What the previous invocation handed off (its WaitHandOff's progress); absent in the first invocation. */
  resumed?: Record<string, unknown>;
}

/**
 * The try is not done: continue it in a later invocation at `nextAt` with `progress` (Airflow's
 * AirflowRescheduleException, for sensors and for anything else that polls). `releaseSlots`: the try
 * gives back its pool and concurrency slots meanwhile, as a reschedule-mode sensor does in Airflow.
 */
export class WaitHandOff extends Error {
  override readonly name = 'Skydag.WaitHandOff';
  constructor(
    readonly nextAt: Date,
    readonly progress: Record<string, unknown>,
    readonly releaseSlots: boolean,
    message: string,
  ) {
    super(message);
  }
}

export interface ExecutionOutcome {
  outcome: 'success' | 'skipped';
  /** The value pushed as the `return_value` XCom (when the task pushes XComs). */
  returnValue?: unknown;
  /** Branching operators: the task ids (or task-group ids) to follow. */
  followed?: string[] | null;
  /** Short-circuit: false skips downstream. */
  proceed?: boolean;
  message?: string;
  /** Variables the task's code added to its context (JSON values), for its map_index_template. */
  contextAdded?: Record<string, unknown>;
  /** Extra the task's code gave its outlets' events, by dataset URI (Airflow 2.10's outlet_events / Metadata). */
  outletExtras?: Record<string, Record<string, unknown>>;
  /** Events the task's code added through dataset aliases (`outlet_events[alias].add(...)`), in order. */
  outletAliasEvents?: OutletAliasEvent[];
}

export type TaskExecutor = (request: ExecutionRequest) => Promise<ExecutionOutcome>;

/** The task failed (non-zero exit, exception, sensor timeout without soft_fail); retried per policy. */
export class TaskFailedError extends Error {
  override readonly name = 'Skydag.TaskFailed';
}

/** The task can never succeed as written (retrying will not help), e.g. an operator skydag cannot run. */
export class TaskNotRunnableError extends Error {
  override readonly name = 'Skydag.TaskNotRunnable';
}

/** execution_timeout expired. */
export class TaskTimeoutError extends Error {
  override readonly name = 'Skydag.TaskTimeout';
}

/**
 * A task process's record for orphan recovery: the file `<dir>/<pid>.json` holding `fields` and the
 * process's `pid` and `start_ticks` (written by writeProcessRecord, or by a spawner's own copy of it).
 */
export interface ProcessRecord {
  dir: string;
  fields: Readonly<Record<string, string | number | null>>;
}

/**
 * How an executor records the processes of its try. The record must exist before anything else
 * learns the process started: a platform that dies in between would leave a process no record
 * names. So a process started in this process is recorded at once (`track`), and one a spawner
 * starts elsewhere is recorded by the spawner (`SpawnProcessOptions.record`) before it reports it.
 */
export interface ProcessTracking {
  /** The record of a process about to start. */
  record(): ProcessRecord;
  /** Writes the record of a process started here; returns the function that forgets it once the process ended. */
  track(pid: number): () => void;
  /** Forgets a process that ended (its record is removed). */
  forget(pid: number): void;
}

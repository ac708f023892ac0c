/**
 * The Python task runner, TypeScript side: runs PythonOperator-family tasks, TaskFlow functions,
 * custom operators, Python sensors (one poke per call), task/DAG callbacks, DAGs' `sla_miss_callback`
 * and the `python_callable(context, dag_run_obj)` of DagOperator / TriggerDagRunOperator in a `python3`
 * process that executes the DAG file with skydag's airflow shim (`shared/python/airflow`).
 *
 * Protocol (see `shared/python/skydag_runner/PROTOCOL.md`): one JSON request on stdin
 * ({@link RunnerRequest}); RPC and the final result as newline-delimited JSON on fd 3
 * ({@link RunnerResult}); task output on stdout/stderr, streamed into the task log.
 */
import { PYTHON_RUNNER_KINDS } from '../../operators/registry.js';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallableRef, Dag, PyValue, Task } from '../../model/schema.js';
import { afterFalsePoke, sensorHandOff, sensorStart } from '../sensor.js';
import { runPythonProcess, type RunnerMessage } from './python-process.js';
import type { PythonWorkers } from './python-worker.js';
import { defaultPython, taskBaseEnv, taskCredentials, withTaskWorkDir } from './task-environment.js';
import { ensureVirtualenv, virtualenvSpec } from './virtualenv.js';
import type { PythonCall, PythonCallResult } from '../templates/python-values.js';
import {
  TaskFailedError,
  TaskNotRunnableError,
  TaskTimeoutError,
  type ExecutionOutcome,
  type ExecutionRequest,
  type SerializableContext,
  type TaskExecutor,
  type TaskLogger,
  type TaskServices,
} from './types.js';

function moduleDir(): string {
  // jest runs this file as CommonJS (where __dirname exists); tsx/node run it as ESM.
  if (typeof __dirname === 'string') return __dirname;
  return dirname(fileURLToPath(import.meta.url));
}

/**
 * The directory holding the `airflow` shim and the `skydag_runner` package (`shared/python`).
 * A package that ships skydag must ship this directory at the same place relative to this module,
 * or pass `shimDir`.
 */
export const PYTHON_SHIM_DIR: string = resolve(moduleDir(), '..', '..', 'python');

export { defaultPython } from './task-environment.js';

export interface PythonRunnerOptions {
  /** Interpreter (default {@link defaultPython}). */
  python?: string;
  /** Directory with `airflow/` and `skydag_runner/` (default {@link PYTHON_SHIM_DIR}). */
  shimDir?: string;
  /** SIGTERM → SIGKILL grace when a task is stopped (default 3000 ms). */
  killGraceMs?: number;
  /** Extra environment variables for the task process (added to its task environment). */
  env?: Record<string, string>;
  /** Warm workers that fork tries instead of starting a cold interpreter each (python-worker.ts). */
  workers?: PythonWorkers;
}

/**
 * The task failed and must not be retried: `AirflowFailException`, or a sensor timeout. It is a
 * TaskNotRunnableError (so handlers that skip retries for those do the right thing) that callers can
 * tell apart with `instanceof` or `failNoRetry` to show it as a plain failure.
 */
export class TaskFailedNoRetryError extends TaskNotRunnableError {
  readonly failNoRetry = true;
  readonly retryable = false;
}

export type RunnerMode = 'execute' | 'poke' | 'callback' | 'dag_operator_callable' | 'sla_miss_callback' | 'template_calls' | 'timetable';

/** What is written to the runner's stdin. */
export interface RunnerRequest {
  version: 1;
  mode: RunnerMode;
  dag_file: string;
  dags_folder: string;
  /** Read by the TypeScript side only (runnerEnv puts it on PYTHONPATH). */
  plugins_folder?: string;
  /** Read by the TypeScript side only (runnerEnv puts it on PYTHONPATH after the plugins). */
  project_folder?: string;
  dag_id: string;
  task_id: string | null;
  operator_kind: string | null;
  /** Class name as written, and its import module (custom operators of YAML DAGs are imported by these). */
  operator: string | null;
  operator_module: string | null;
  args: Record<string, PyValue>;
  /** Absent in sla_miss_callback mode, which belongs to no run. */
  context?: SerializableContext;
  /** callback mode: which callback, and its reference. */
  callback?: { kind: string; ref: CallableRef | null };
  /** callback mode: `context['exception']` (failure/retry callbacks). */
  exception?: string | null;
  /** callback mode (DAG callbacks): `context['reason']`. */
  reason?: string | null;
  /** callback mode, post_execute: the execution's return value (its `result` argument). */
  result?: PyValue | null;
  /** dag_operator_callable mode: the initial dag_run_obj (`DagRunOrder`). */
  dag_run_obj?: { run_id: string; payload?: unknown };
  /** dag_operator_callable mode: the callable when the task object does not hold one. */
  callable?: CallableRef | null;
  /** sla_miss_callback mode: the callback's arguments besides the DAG. */
  sla_miss?: SlaMissArguments;
  /** template_calls mode: uses of the DAG's Python-side user_defined_macros / user_defined_filters. */
  template_calls?: PythonCall[];
  /** timetable mode: what to ask the DAG's custom timetable (instants ISO-8601, UTC). */
  timetable?: TimetableCall;
}

/** A question to a DAG's custom timetable (skydag_runner/timetables.py). */
export type TimetableCall =
  | { op: 'next_dagrun_info'; last: { start: string; end: string } | null; restriction: { earliest: string | null; latest: string | null; catchup: boolean } }
  | { op: 'infer_manual_data_interval'; run_after: string };

/** A custom timetable's answer: a DagRunInfo or a DataInterval (only start/end), ISO-8601 UTC; null for None. */
export interface TimetableAnswer {
  start: string;
  end: string;
  run_after?: string;
  logical_date?: string;
}

/** One SLA miss as the callback's `slas` hold it (Airflow's SlaMiss row); dates ISO-8601. */
export interface SlaMissArgument {
  dag_id: string;
  task_id: string;
  execution_date: string;
  timestamp: string;
  email_sent: boolean;
  notification_sent: boolean;
  description: string | null;
}

/** One task instance as the callback's `blocking_tis` hold it (Airflow's TaskInstance row); dates ISO-8601. */
export interface BlockingTaskInstanceArgument {
  dag_id: string;
  task_id: string;
  run_id: string;
  map_index: number;
  state: string | null;
  execution_date: string;
  try_number: number;
  max_tries: number;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  hostname: string;
  operator: string;
  pool: string;
  pool_slots: number;
  queue: string | null;
  priority_weight: number;
}

/** `sla_miss_callback(dag, task_list, blocking_task_list, slas, blocking_tis)` without the DAG (the runner loads it from the file). */
export interface SlaMissArguments {
  task_list: string;
  blocking_task_list: string;
  slas: SlaMissArgument[];
  blocking_tis: BlockingTaskInstanceArgument[];
}

/** The runner's final `{"op": "result"}` message. */
export interface RunnerResult {
  status: 'success' | 'skipped' | 'failed' | 'not_runnable';
  message?: string;
  error_type?: string;
  /** failed: false for AirflowFailException / AirflowSensorTimeout. */
  retryable?: boolean;
  phase?: string;
  return_value?: unknown;
  has_return_value?: boolean;
  /** Variables the task's code added to its context (for its map_index_template). */
  context_added?: Record<string, unknown>;
  /** Extra the task gave its outlets' events (`outlet_events[ds].extra`, `yield Metadata(...)`), by URI. */
  outlet_extras?: Record<string, Record<string, unknown>>;
  /** Events added through dataset aliases, as Airflow's DatasetAliasEvent dicts. */
  outlet_alias_events?: { source_alias_name: string; dest_dataset_uri: string; extra: Record<string, unknown> }[];
  /** Branching operators: the ids returned (null when the callable returned None). */
  followed?: string[] | null;
  /** Short-circuit: Python truthiness of the callable's result. */
  proceed?: boolean;
  /** poke mode. */
  done?: boolean;
  /** dag_operator_callable mode. */
  trigger?: boolean;
  payload?: unknown;
  run_id?: string | null;
  /** template_calls mode: one per call, in order. */
  template_results?: PythonCallResult[];
  /** timetable mode. */
  timetable_result?: TimetableAnswer | null;
}

/** Where the runner's RPC calls go and where its output is written. */
export interface RunnerIO {
  services: TaskServices;
  log: TaskLogger;
  signal?: AbortSignal;
  /** For the timeout message ("execution_timeout of Ns exceeded"). */
  executionTimeoutSeconds?: number | null;
  /** Records the runner's process group for orphan recovery. */
  trackProcess?: ExecutionRequest['trackProcess'];
}

function isAbortTimeout(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError';
}

/** The error a stopped task ends with (see {@link RunnerIO.signal}). */
export function abortErrorFor(reason: unknown, executionTimeoutSeconds: number | null | undefined): Error {
  if (reason instanceof TaskTimeoutError || reason instanceof TaskFailedError || reason instanceof TaskNotRunnableError) return reason;
  if (isAbortTimeout(reason) || executionTimeoutSeconds != null) {
    return new TaskTimeoutError(
      executionTimeoutSeconds != null ? `execution_timeout of ${executionTimeoutSeconds}s exceeded` : 'execution_timeout exceeded',
    );
  }
  const why = reason instanceof Error ? reason.message : reason === undefined ? 'aborted' : String(reason);
  return new TaskFailedError(`task stopped: ${why}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function serveRpc(message: RunnerMessage, services: TaskServices): Promise<unknown> {
  switch (message.op) {
    case 'xcom_pull': {
      const raw = message.task_ids;
      const taskIds = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.map(String) : null;
      // `key=None` in Python (null here) is any key; a key not given is return_value.
      const key = typeof message.key === 'string' || message.key === null ? message.key : undefined;
      const dagId = typeof message.dag_id === 'string' ? message.dag_id : undefined;
      return (await services.xcomPull(taskIds, key, dagId)) ?? null;
    }
    case 'xcom_push':
      await services.xcomPush(String(message.key), message.value ?? null);
      return null;
    case 'variable_get':
      return (await services.getVariable(String(message.key))) ?? null;
    case 'variable_set':
      await services.setVariable(String(message.key), String(message.value));
      return null;
    case 'connection_get':
      return (await services.getConnection(String(message.conn_id))) ?? null;
    case 'mask_secret':
      services.maskSecret?.(message.secret, typeof message.name === 'string' ? message.name : null);
      return null;
    case 'redact':
      return services.redact ? services.redact(message.value, typeof message.name === 'string' ? message.name : null) : (message.value ?? null);
    case 'render_templates': {
      if (!services.renderTemplates) throw new Error('templates cannot be rendered here (no task try is running)');
      const templates = Array.isArray(message.templates) ? (message.templates as { field?: unknown; template?: unknown }[]) : [];
      const ext = Array.isArray(message.template_ext) ? message.template_ext.map(String) : [];
      return services.renderTemplates(templates.map((t) => ({ field: String(t.field), template: String(t.template) })), ext);
    }
    case 'send_email': {
      if (!services.sendEmail) throw new Error('send_email is not available here');
      if (!isRecord(message.args)) throw new Error('send_email: arguments must be a dict');
      const files = Array.isArray(message.attachments) ? (message.attachments as { filename?: unknown; content?: unknown }[]) : [];
      const attachments = files.map((f) => ({ filename: String(f.filename), content: Buffer.from(String(f.content), 'base64') }));
      return services.sendEmail(message.args as Record<string, PyValue>, attachments);
    }
    case 'rendered_fields':
      if (isRecord(message.fields)) await services.recordRenderedFields?.(message.fields);
      return null;
    default:
      throw new Error(`unknown operation ${JSON.stringify(message.op)}`);
  }
}

/**
 * The plugins folder whose modules tasks can import, as Airflow puts `$AIRFLOW_HOME/plugins` on
 * sys.path: `SKYDAG_PLUGINS_FOLDER`, else `plugins` beside the DAGs folder.
 */
export function pluginsFolder(dagsFolder: string, source: NodeJS.ProcessEnv = process.env): string {
  return source.SKYDAG_PLUGINS_FOLDER || join(dirname(dagsFolder), 'plugins');
}

/**
 * The project folder whose packages tasks can import (`from include.helpers import x`), as the Astro
 * runtime has the project root (the DAGs folder's parent) on sys.path: `SKYDAG_PROJECT_FOLDER`, else
 * the DAGs folder's parent. It comes after the DAGs and plugins folders, so their modules win.
 */
export function projectFolder(dagsFolder: string, source: NodeJS.ProcessEnv = process.env): string {
  return source.SKYDAG_PROJECT_FOLDER || dirname(dagsFolder);
}

/**
 * The environment of a runner process: the task environment (task-environment.ts) plus what the
 * runner needs — PYTHONPATH = shim, DAGs folder, plugins folder, project folder, then the platform's PYTHONPATH only
 * when the site passes it through (SKYDAG_TASK_ENV_PASSTHROUGH=PYTHONPATH).
 */
export function runnerEnv(shimDir: string, dagsFolder: string, extra?: Record<string, string>, source: NodeJS.ProcessEnv = process.env, plugins?: string, project?: string): Record<string, string> {
  const base = taskBaseEnv(source);
  const passed = base.PYTHONPATH;
  return {
    ...base,
    PYTHONPATH: [shimDir, dagsFolder, plugins ?? pluginsFolder(dagsFolder, source), project ?? projectFolder(dagsFolder, source), ...(passed ? [passed] : [])].join(':'),
    PYTHONUNBUFFERED: '1',
    PYTHONIOENCODING: 'utf-8',
    PYTHONDONTWRITEBYTECODE: '1',
    SKYDAG_DAGS_FOLDER: dagsFolder,
    ...extra,
  };
}

/**
 * Runs one runner request to its result. Infrastructure problems reject (missing interpreter →
 * TaskNotRunnableError, abort → TaskTimeoutError); the task's own outcome is in the result.
 */
export async function invokePythonRunner(request: RunnerRequest, io: RunnerIO, options: PythonRunnerOptions = {}): Promise<RunnerResult> {
  const python = options.python ?? defaultPython();
  const shimDir = options.shimDir ?? PYTHON_SHIM_DIR;
  // A fresh working directory per process: the DAGs folder is on sys.path, so imports work as in Airflow.
  const run = await withTaskWorkDir((cwd) =>
    runPythonProcess({
      python,
      args: ['-m', 'skydag_runner'],
      cwd,
      env: runnerEnv(shimDir, request.dags_folder, options.env, process.env, request.plugins_folder, request.project_folder),
      input: request,
      log: io.log,
      signal: io.signal,
      handle: (message) => serveRpc(message, io.services),
      killGraceMs: options.killGraceMs,
      abortError: (reason) => abortErrorFor(reason, io.executionTimeoutSeconds),
      notFoundMessage: `${python} not found; install Python 3 or set SKYDAG_PYTHON`,
      trackProcess: io.trackProcess,
      credentials: taskCredentials(),
      ...(options.workers ? { warm: { workers: options.workers, shimDir } } : {}),
    }),
  );
  if (!run.result) {
    const how = run.exitSignal ? `was killed by ${run.exitSignal}` : `exited with code ${run.exitCode}`;
    throw new TaskFailedError(`the Python runner ${how} without reporting a result (see the task log)`);
  }
  return run.result as unknown as RunnerResult;
}

/** Turns a failed/not-runnable result into the error to throw; undefined for success/skipped. */
export function runnerError(result: RunnerResult): Error | undefined {
  const text = result.error_type && result.message && !result.message.startsWith(result.error_type)
    ? `${result.error_type}: ${result.message}`
    : result.message ?? result.error_type ?? 'the task failed';
  if (result.status === 'not_runnable') return new TaskNotRunnableError(text);
  if (result.status === 'failed') return result.retryable === false ? new TaskFailedNoRetryError(text) : new TaskFailedError(text);
  return undefined;
}

/** An ExecutionRequest whose `signal` (and `args`, for callbacks) may be missing. */
export type LooseExecutionRequest = Omit<ExecutionRequest, 'signal' | 'args'> & { signal?: AbortSignal; args?: Record<string, PyValue> };

/** The runner request for a task of an ExecutionRequest. */
export function buildRunnerRequest(request: LooseExecutionRequest, mode: RunnerMode): RunnerRequest {
  return {
    version: 1,
    mode,
    dag_file: request.dagFilePath,
    dags_folder: request.dagsFolder,
    ...(request.pluginsFolder ? { plugins_folder: request.pluginsFolder } : {}),
    ...(request.projectFolder ? { project_folder: request.projectFolder } : {}),
    dag_id: request.dag.dag_id,
    task_id: request.task.task_id,
    operator_kind: request.task.operator_kind,
    operator: request.task.operator,
    operator_module: request.task.operator_module ?? null,
    args: request.args ?? request.task.args,
    context: request.context,
  };
}

function ioOf(request: LooseExecutionRequest): RunnerIO {
  return {
    services: request.services,
    log: request.log,
    signal: request.signal,
    executionTimeoutSeconds: request.task.execution_timeout_seconds,
    trackProcess: request.trackProcess,
  };
}

const BRANCHING_KINDS = new Set(['sql_branch', 'branch_python', 'branch_python_virtualenv', 'branch_external_python', 'branch_datetime', 'branch_day_of_week']);
const SENSOR_KINDS = new Set(['python_sensor', 'sql_sensor']);
/** Kinds run in execute mode: the runner's own kinds but its sensors, and the date branches (Python's calendar decides). */
const PYTHON_EXECUTE_KINDS = new Set([...[...PYTHON_RUNNER_KINDS].filter((k) => !SENSOR_KINDS.has(k)), 'branch_datetime', 'branch_day_of_week']);
/** Kinds whose callable runs in a virtualenv made from the task's settings / with the interpreter the task names. */
const VIRTUALENV_KINDS = new Set(['python_virtualenv', 'branch_python_virtualenv']);
const EXTERNAL_PYTHON_KINDS = new Set(['external_python', 'branch_external_python']);

/** One execute-mode run of a Python task (PythonOperator family, TaskFlow, custom operator). */
export async function executePython(request: ExecutionRequest, options: PythonRunnerOptions = {}): Promise<ExecutionOutcome> {
  const result = await invokePythonRunner(buildRunnerRequest(request, 'execute'), ioOf(request), options);
  const error = runnerError(result);
  if (error) throw error;
  if (result.status === 'skipped') return { outcome: 'skipped', message: result.message };
  const outcome: ExecutionOutcome = { outcome: 'success' };
  if (result.has_return_value) outcome.returnValue = result.return_value;
  if (result.context_added) outcome.contextAdded = result.context_added;
  if (result.outlet_extras && Object.keys(result.outlet_extras).length > 0) outcome.outletExtras = result.outlet_extras;
  if (result.outlet_alias_events?.length) {
    outcome.outletAliasEvents = result.outlet_alias_events.map((e) => ({ alias: e.source_alias_name, uri: e.dest_dataset_uri, extra: e.extra ?? {} }));
  }
  if (BRANCHING_KINDS.has(request.task.operator_kind) || result.followed !== undefined) outcome.followed = result.followed ?? null;
  if (request.task.operator_kind === 'short_circuit' || result.proceed !== undefined) outcome.proceed = result.proceed ?? false;
  return outcome;
}

export interface PokeResult {
  /** The sensor's condition is met. */
  done: boolean;
  /** The poke raised AirflowSkipException. */
  skipped?: boolean;
  message?: string;
  /** A PokeReturnValue's xcom_value (pushed as return_value once done). */
  returnValue?: unknown;
}

/** One poke of a Python sensor (PythonSensor, `@task.sensor`, custom BaseSensorOperator subclasses). */
export async function pokePython(request: ExecutionRequest, options: PythonRunnerOptions = {}): Promise<PokeResult> {
  const result = await invokePythonRunner(buildRunnerRequest(request, 'poke'), ioOf(request), options);
  const error = runnerError(result);
  if (error) throw error;
  if (result.status === 'skipped') return { done: true, skipped: true, message: result.message };
  const poke: PokeResult = { done: result.done === true };
  if (result.has_return_value) poke.returnValue = result.return_value;
  return poke;
}

export interface PythonCallbackRequest {
  dag: Dag;
  /** The task whose callback runs; null for DAG-level callbacks. */
  task: Task | null;
  /** e.g. `on_failure_callback`, `on_success_callback`, `on_retry_callback`. */
  kind: string;
  /** The callback as recorded in the model (used when the file's object cannot be found). */
  callback: CallableRef | null;
  dagFilePath: string;
  dagsFolder: string;
  pluginsFolder?: string;
  projectFolder?: string;
  context: SerializableContext;
  args?: Record<string, PyValue>;
  /** The failure's message, given to the callback as `context['exception']`. */
  exception?: string | null;
  /** DAG callbacks: `context['reason']` (e.g. `task_failure`, `success`). */
  reason?: string | null;
  /** post_execute: the execution's return value. */
  result?: PyValue | null;
  services: TaskServices;
  log: TaskLogger;
  signal?: AbortSignal;
  trackProcess?: ExecutionRequest['trackProcess'];
}

/**
 * Calls a task or DAG callback `cb(context)` (a task's post_execute hook: `cb(context, result)`). An
 * exception in the callback rejects with TaskFailedError (for callbacks Airflow logs it and leaves the
 * task state alone; callers should do the same); AirflowSkipException resolves `skipped` (its message).
 */
export async function runPythonCallback(request: PythonCallbackRequest, options: PythonRunnerOptions = {}): Promise<{ skipped?: string }> {
  const runnerRequest: RunnerRequest = {
    version: 1,
    mode: 'callback',
    dag_file: request.dagFilePath,
    dags_folder: request.dagsFolder,
    ...(request.pluginsFolder ? { plugins_folder: request.pluginsFolder } : {}),
    ...(request.projectFolder ? { project_folder: request.projectFolder } : {}),
    dag_id: request.dag.dag_id,
    task_id: request.task?.task_id ?? null,
    operator_kind: request.task?.operator_kind ?? null,
    operator: request.task?.operator ?? null,
    operator_module: request.task?.operator_module ?? null,
    args: request.args ?? request.task?.args ?? {},
    context: request.context,
    callback: { kind: request.kind, ref: request.callback },
    exception: request.exception ?? null,
    reason: request.reason ?? null,
    ...(request.result !== undefined ? { result: request.result } : {}),
  };
  const io: RunnerIO = { services: request.services, log: request.log, signal: request.signal, trackProcess: request.trackProcess };
  const result = await invokePythonRunner(runnerRequest, io, options);
  const error = runnerError(result);
  if (error) throw error;
  return result.status === 'skipped' ? { skipped: result.message ?? '' } : {};
}

/** A DAG's sla_miss_callback call: DAG-level, no run or task instance. */
export interface SlaMissCallbackRequest {
  dag: Dag;
  /** The callback as recorded in the model (used when the file's DAG does not hold one). */
  callback: CallableRef | null;
  dagFilePath: string;
  dagsFolder: string;
  pluginsFolder?: string;
  projectFolder?: string;
  arguments: SlaMissArguments;
  /** Variables and connections for the callback's code (no XComs: there is no task instance). */
  services: TaskServices;
  log: TaskLogger;
  signal?: AbortSignal;
}

/**
 * Calls the DAG's `sla_miss_callback(dag, task_list, blocking_task_list, slas, blocking_tis)` (each of
 * them, when the DAG holds a list). Rejects with TaskFailedError when none of them got through (each
 * failure's traceback is in the log), as Airflow counts the misses notified once one callback returned.
 */
export async function runSlaMissCallback(request: SlaMissCallbackRequest, options: PythonRunnerOptions = {}): Promise<void> {
  await runDagLevel(request, { mode: 'sla_miss_callback', callback: { kind: 'sla_miss_callback', ref: request.callback }, sla_miss: request.arguments }, options);
}

/** What a DAG-level runner request (no task, no run) is made from. */
export type DagLevelRequest = Pick<SlaMissCallbackRequest, 'dag' | 'dagFilePath' | 'dagsFolder' | 'pluginsFolder' | 'projectFolder' | 'services' | 'log' | 'signal'>;

/** Runs a DAG-level request (`task_id` null, no context) to its result; rejects with the runner's error. */
async function runDagLevel(request: DagLevelRequest, fields: Pick<RunnerRequest, 'mode'> & Partial<RunnerRequest>, options: PythonRunnerOptions): Promise<RunnerResult> {
  const runnerRequest: RunnerRequest = {
    version: 1,
    dag_file: request.dagFilePath,
    dags_folder: request.dagsFolder,
    ...(request.pluginsFolder ? { plugins_folder: request.pluginsFolder } : {}),
    ...(request.projectFolder ? { project_folder: request.projectFolder } : {}),
    dag_id: request.dag.dag_id,
    task_id: null,
    operator_kind: null,
    operator: null,
    operator_module: null,
    args: {},
    ...fields,
  };
  const result = await invokePythonRunner(runnerRequest, { services: request.services, log: request.log, ...(request.signal ? { signal: request.signal } : {}) }, options);
  const error = runnerError(result);
  if (error) throw error;
  return result;
}

/**
 * Evaluates uses of a DAG's Python-side user_defined_macros and user_defined_filters in the DAG file's
 * process (templates/python-values.ts): one result per call, an exception a call raised among them.
 * Rejects when the process could not answer at all (the DAG file did not load).
 */
export async function runTemplateCalls(request: DagLevelRequest, calls: PythonCall[], options: PythonRunnerOptions = {}): Promise<PythonCallResult[]> {
  const result = await runDagLevel(request, { mode: 'template_calls', template_calls: calls }, options);
  return result.template_results ?? [];
}

/** Asks the DAG's custom timetable (the file builds it); rejects when it raised or the file did not load. */
export async function runTimetableCall(request: DagLevelRequest, call: TimetableCall, options: PythonRunnerOptions = {}): Promise<TimetableAnswer | null> {
  const result = await runDagLevel(request, { mode: 'timetable', timetable: call }, options);
  return result.timetable_result ?? null;
}

/** What a DagOperator / TriggerDagRunOperator `python_callable(context, dag_run_obj)` decided. */
export interface DagOperatorDecision {
  /** False when the callable returned None ("do not trigger"). */
  trigger: boolean;
  /** `dag_run_obj.payload` (JSON) when triggering. */
  payload: unknown;
  /** `dag_run_obj.run_id`, possibly changed by the callable. */
  runId: string | null;
}

/** Calls the task's `python_callable(context, dag_run_obj)`; a None return means "do not trigger". */
export async function runDagOperatorCallable(
  request: LooseExecutionRequest,
  dagRunObj: { run_id: string; payload?: unknown } = { run_id: initialDagRunObjRunId(request) },
  options: PythonRunnerOptions = {},
): Promise<DagOperatorDecision> {
  const runnerRequest = buildRunnerRequest(request, 'dag_operator_callable');
  runnerRequest.dag_run_obj = dagRunObj;
  const ref = runnerRequest.args.python_callable;
  runnerRequest.callable = typeof ref === 'object' && ref !== null && !Array.isArray(ref) && (ref as { $type?: unknown }).$type === 'callable' ? (ref as CallableRef) : null;
  const result = await invokePythonRunner(runnerRequest, ioOf(request), options);
  const error = runnerError(result);
  if (error) throw error;
  if (result.status === 'skipped') throw new TaskFailedError(`python_callable raised AirflowSkipException: ${result.message ?? ''}`);
  if (!result.trigger) return { trigger: false, payload: null, runId: null };
  return { trigger: true, payload: result.payload ?? null, runId: result.run_id ?? dagRunObj.run_id };
}

/**
 * The run id the callable's `dag_run_obj` starts with: Couture's DagOperator uses
 * `backfill_rundag_<parent logical date>`, Airflow 1.10's TriggerDagRunOperator `trig__<now>`.
 */
export function initialDagRunObjRunId(request: Pick<ExecutionRequest, 'task' | 'context' | 'now'>): string {
  const kind = request.task.operator_kind;
  if (kind === 'dag_operator' || kind === 'skippable_dag_operator') return `backfill_rundag_${request.context.logical_date}`;
  return `trig__${request.now().toISOString()}`;
}

/**
 * The runtime's `PythonCallables` (handlers/deps.ts): task and DAG callbacks, and DagOperator /
 * TriggerDagRun callables. `callbackName` is `on_failure_callback` (task) or `dag.on_failure_callback` (DAG).
 */
export function createPythonCallables(options: PythonRunnerOptions = {}): {
  callback(request: LooseExecutionRequest, callbackName: string, exception?: string | null): Promise<void>;
  hook(request: LooseExecutionRequest, name: 'pre_execute' | 'post_execute', result?: PyValue | null): Promise<{ skipped?: string }>;
  dagRunCallable(request: LooseExecutionRequest): Promise<{ trigger: boolean; payload: Record<string, unknown> | null }>;
  slaMissCallback(request: SlaMissCallbackRequest): Promise<void>;
  templateCalls(request: LooseExecutionRequest, calls: PythonCall[]): Promise<PythonCallResult[]>;
  timetable(request: DagLevelRequest, call: TimetableCall): Promise<TimetableAnswer | null>;
} {
  const call = (request: LooseExecutionRequest, callbackName: string, extra: Pick<PythonCallbackRequest, 'exception' | 'result'>) => {
    const dagLevel = callbackName.startsWith('dag.');
    const kind = dagLevel ? callbackName.slice(4) : callbackName;
    const owner = dagLevel ? request.dag.callbacks : request.task.callbacks;
    const ref = (owner as Record<string, CallableRef | undefined>)[kind] ?? null;
    return runPythonCallback(
      {
        dag: request.dag,
        task: dagLevel ? null : request.task,
        kind,
        callback: ref,
        dagFilePath: request.dagFilePath,
        dagsFolder: request.dagsFolder,
        ...(request.pluginsFolder ? { pluginsFolder: request.pluginsFolder } : {}),
        ...(request.projectFolder ? { projectFolder: request.projectFolder } : {}),
        context: request.context,
        args: request.args,
        reason: dagLevel ? (kind === 'on_success_callback' ? 'success' : 'task_failure') : null,
        ...extra,
        services: request.services,
        log: request.log,
        signal: request.signal,
        trackProcess: request.trackProcess,
      },
      options,
    );
  };
  return {
    slaMissCallback: (request) => runSlaMissCallback(request, options),
    templateCalls: (request, calls) => runTemplateCalls(request, calls, options),
    timetable: (request, call) => runTimetableCall(request, call, options),
    async callback(request, callbackName, exception) {
      await call(request, callbackName, { exception: exception ?? null });
    },
    hook: (request, name, result) => call(request, name, { result: result ?? null }),
    async dagRunCallable(request) {
      const decision = await runDagOperatorCallable(request, undefined, options);
      if (!decision.trigger) return { trigger: false, payload: null };
      const payload = decision.payload;
      if (payload !== null && (typeof payload !== 'object' || Array.isArray(payload))) {
        throw new TaskFailedError(`dag_run_obj.payload must be a dict (it becomes the child run's conf); got ${JSON.stringify(payload)}`);
      }
      return { trigger: true, payload: payload as Record<string, unknown> | null };
    },
  };
}

function sleep(ms: number, signal: AbortSignal, onAbort: () => Error): Promise<void> {
  return new Promise((resolveSleep, rejectSleep) => {
    if (signal.aborted) {
      rejectSleep(onAbort());
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', abort);
      resolveSleep();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      rejectSleep(onAbort());
    };
    signal.addEventListener('abort', abort, { once: true });
  });
}

/** Poke mode inside one executor call: poke, wait poke_interval, poke again, until done or timeout. */
async function runSensor(request: ExecutionRequest, options: PythonRunnerOptions): Promise<ExecutionOutcome> {
  const settings = request.task.sensor ?? { poke_interval_seconds: 60, timeout_seconds: 604800, mode: 'poke' as const, soft_fail: false, exponential_backoff: false };
  const start = sensorStart(request.wait, request.now());
  const firstPokeAt = start.firstPokeAt;
  for (let pokeCount = start.pokeCount + 1; ; pokeCount++) {
    const poke = await pokePython(request, options);
    if (poke.skipped) return { outcome: 'skipped', message: poke.message };
    if (poke.done) {
      const outcome: ExecutionOutcome = { outcome: 'success' };
      if (poke.returnValue !== undefined) outcome.returnValue = poke.returnValue;
      return outcome;
    }
    const step = afterFalsePoke(settings, { dagId: request.dag.dag_id, taskId: request.task.task_id, firstPokeAt, now: request.now(), pokeCount });
    if (step.action === 'timeout') {
      if (step.state === 'skipped') return { outcome: 'skipped', message: step.message };
      throw new TaskFailedNoRetryError(step.message);
    }
    request.log.info(`Poke returned False; next poke in ${step.delaySeconds}s`);
    const handOff = sensorHandOff(settings, request.wait, step, firstPokeAt, pokeCount);
    if (handOff) throw handOff;
    await sleep(step.delaySeconds * 1000, request.signal, () => abortErrorFor(request.signal.reason, request.task.execution_timeout_seconds));
  }
}

/**
 * The executor for Python tasks: `python`, `branch_python`, `short_circuit` and `custom` kinds run in
 * execute mode; `python_sensor` and custom sensors (`task.sensor` set) poke in a loop honouring the
 * sensor settings; `couture_jupyter` is delegated to `notebookExecutor` when given.
 */
export function createPythonExecutor(options: PythonRunnerOptions & { notebookExecutor?: TaskExecutor; venvCacheDir?: string } = {}): TaskExecutor {
  const { notebookExecutor, venvCacheDir, ...runnerOptions } = options;
  return async (request) => {
    const kind = request.task.operator_kind;
    if (VIRTUALENV_KINDS.has(kind)) {
      const spec = virtualenvSpec(request, runnerOptions.python ?? defaultPython());
      const python = await ensureVirtualenv(spec, venvCacheDir ?? join(tmpdir(), 'skydag-venvs'), request);
      return executePython(request, { ...runnerOptions, python, workers: undefined }); // a venv's own interpreter: cold
    }
    if (EXTERNAL_PYTHON_KINDS.has(kind)) {
      const python = request.args.python;
      if (typeof python !== 'string' || python === '') throw new TaskNotRunnableError(`${request.task.operator} '${request.task.task_id}': python must be the path of a Python interpreter`);
      return executePython(request, { ...runnerOptions, python, workers: undefined });
    }
    if (kind === 'couture_jupyter') {
      if (!notebookExecutor) throw new TaskNotRunnableError('CoutureJupyterOperator tasks need the notebook executor (createNotebookExecutor)');
      return notebookExecutor(request);
    }
    if (SENSOR_KINDS.has(kind) || (kind === 'custom' && request.task.sensor)) return runSensor(request, runnerOptions);
    if (PYTHON_EXECUTE_KINDS.has(kind)) return executePython(request, runnerOptions);
    if (kind === 'dag_operator' || kind === 'skippable_dag_operator' || kind === 'trigger_dagrun') {
      throw new TaskNotRunnableError(`${request.task.operator} tasks are run by the child-DAG executor (its python_callable goes through runDagOperatorCallable)`);
    }
    throw new TaskNotRunnableError(`operator kind '${kind}' (${request.task.operator}) is not run by the Python task runner`);
  };
}

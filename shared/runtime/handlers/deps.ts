/**
 * What the runtime handlers need from the outside world, as ports. Cloud adapters (DynamoDB, Step
 * Functions SendTaskSuccess, S3 logs) and local adapters (embedded store, in-process token registry,
 * log files) implement the same interfaces, so the handlers are identical in both modes.
 */
import type { SecretCipher } from '../../api/secrets/cipher.js';
import type { Dag, PyValue, Task } from '../../model/schema.js';
import type { RunStore } from '../../stores/metadata.js';
import type { Connection, ExecutionRequest, ProcessTracking, TaskExecutor, TaskLogger } from '../executors/types.js';
import type { MailTransport } from '../executors/email.js';
import type { CustomTimetables } from '../../scheduling/custom-timetable.js';
import type { DagLevelRequest, SlaMissCallbackRequest, TimetableAnswer, TimetableCall } from '../executors/python.js';
import type { ArtifactStore, BlobLocator } from '../../spark/artifacts.js';
import type { ConfigGroupStore } from '../../spark/config-groups.js';
import type { ResumeWaitRequest } from '../protocol.js';
import type { TokenRetryPolicy } from './token-answers.js';

/**
 * Step Functions task tokens: answer a waiting waitForTaskToken state. Error kinds are part of the
 * port: when nothing waits for the token any more (timed out or already answered, malformed, its
 * execution gone) an adapter throws TaskTokenGoneError with the Step Functions error name as reason
 * (token-answers.ts); any other error means "try again" (throttling, service errors). Handlers answer
 * through deliverAnswer(), which retries those with backoff.
 */
export interface TaskTokens {
  sendSuccess(token: string, output: unknown): Promise<void>;
  sendFailure(token: string, error: string, cause: string): Promise<void>;
  /** Keeps a state with HeartbeatSeconds waiting (absent where nothing enforces heartbeats: local mode). */
  sendHeartbeat?(token: string): Promise<void>;
}

/**
 * Waits handed from one invocation to the next (cloud): a sensor between pokes, a Livy batch between
 * polls. `schedule` arranges the invocation that continues the wait (an EventBridge Scheduler `at()`
 * one-shot invoking the sensor-poker Lambda); the same request scheduled twice is one schedule.
 */
export interface WaitScheduler {
  /** How long one invocation may wait in place before handing off (below the Lambda timeout). */
  budgetMs: number;
  schedule(request: ResumeWaitRequest, at: Date): Promise<void>;
}

/**
 * The status of a run's current execution (DescribeExecution of executionName(run, run.generation) in
 * the cloud; the local engine's in-flight executions locally). `undefined`: not known here (not
 * started yet, or started by another process): the reconciler then leaves the run's end alone.
 */
export interface ExecutionStatusLookup {
  statusOf(run: { dag_id: string; run_id: string; generation?: number }): Promise<'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | undefined>;
}

/** Where DAG models (by version) and their deployed state machines are found. */
export interface DagSource {
  /** The DAG model a run executes: its recorded version, or the current one when version is null. */
  getDag(dagId: string, version?: string | null): Promise<Dag | undefined>;
  /** The current version's content hash (stored on new runs). */
  currentVersion(dagId: string): Promise<string | null>;
  /** The state machine that runs this DAG's version (current when null): ARN in cloud, registry name locally. */
  stateMachineFor(dagId: string, version?: string | null): Promise<string>;
  /**
   * Where a run's tasks read the DAG's files: the DAG file and the folder imports resolve in. For a
   * version registered with a source bundle, the bundle's extracted folder (the run's code stays as it
   * was when the run was created, whatever the DAGs folder holds now); else the live DAGs folder.
   */
  sourceLocation(dag: Dag, version?: string | null): Promise<SourceLocation>;
}

export interface SourceLocation {
  /** Absolute path of the DAG file. */
  dagFilePath: string;
  /** Absolute path of the folder on the runner's sys.path (the DAGs folder or an extracted bundle). */
  dagsFolder: string;
  /**
   * The plugins folder tasks import from. Live, not part of a version's bundle: Airflow loads plugins
   * when its processes start, not per DAG version. Absent: `plugins` beside `dagsFolder`.
   */
  pluginsFolder?: string;
  /**
   * The project folder on sys.path after the plugins (Astro projects import `include.*` from it).
   * Live like the plugins. Absent: the parent of `dagsFolder`.
   */
  projectFolder?: string;
}

export interface TaskLogHandle extends TaskLogger {
  close(): Promise<void>;
}

/** One log per try: logs/dag_id=…/run_id=…/task_id=…/[map_index=M/]attempt=N.log locally, S3 in cloud. */
export interface TaskLogs {
  /** `mapIndex`: one index of a mapped task (default -1: not mapped). */
  open(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex?: number): TaskLogHandle;
  read(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex?: number): Promise<string | undefined>;
}

/** One try of a task instance. */
export interface TryRef {
  dag_id: string;
  run_id: string;
  task_id: string;
  try_number: number;
}

/**
 * Keeps a record of each task process group while it runs (local mode), so that one still running
 * when the platform died is stopped before its task runs again. `tracking` gives a try's executor
 * the means to record its processes (see ProcessTracking).
 */
export interface TaskProcessTracker {
  tracking(ref: TryRef): ProcessTracking;
}

/**
 * Values rendered instead of the task's own args: the `args` named by `templated_fields`, with files
 * by `template_ext`. Custom operators hold their templated fields as attributes only the Python
 * runner sees; it collects their template strings and has them rendered through this.
 */
export type TemplatedValues = Pick<Task, 'args' | 'templated_fields' | 'template_ext'>;

/**
 * Renders a task's templated fields (or `fields`) for one try (Jinja with the Airflow context, and
 * `extraContext`: variables the task's code added to its context).
 */
export type RenderTemplatedFields = (
  request: Omit<ExecutionRequest, 'args' | 'log' | 'signal'> & { log: TaskLogger; fields?: TemplatedValues; extraContext?: Record<string, unknown> },
) => Promise<ExecutionRequest['args']>;

/** Picks the executor for a task's operator kind. */
export type ExecutorFor = (request: Pick<ExecutionRequest, 'task' | 'dag'>) => TaskExecutor;

export interface RuntimeDeps {
  store: RunStore;
  dags: DagSource;
  tokens: TaskTokens;
  logs: TaskLogs;
  render: RenderTemplatedFields;
  executorFor: ExecutorFor;
  variables: VariableStore;
  connections: ConnectionStore;
  clock: () => Date;
  hostname: string;
  /** Seals what carries secrets at rest: XComs showing a try's secrets, conf with sensitive keys (shared/secrets/sealed.ts). */
  cipher: SecretCipher;
  /** Where failure/retry alert emails go (local: the outbox folder); absent: no alert emails. */
  mail?: MailTransport & { from: string };
  /** Pool sizes (Airflow's pools: a task needs pool_slots free slots of its pool to start); absent: not enforced. */
  pools?: { slots(pool: string): Promise<number | undefined> };
  /** Aborted when the run is stopped (dagrun_timeout, marked failed/success by hand): its running tries stop. */
  runSignal?: (run: { dag_id: string; run_id: string }) => AbortSignal | undefined;
  /** Aborted when the process hosting the runtime shuts down: running tasks stop (local mode). */
  shutdownSignal?: AbortSignal;
  /** Runs DAG/task callbacks and DagOperator callables (the Python runner); absent: callbacks are logged as skipped. */
  python?: PythonCallables;
  /** Records running task processes for orphan recovery (local mode; in AWS each try has its own compute). */
  processes?: TaskProcessTracker;
  /** Spark config groups and artifacts (submit_spark); absent: Spark tasks run on the runner's local backend. */
  spark?: SparkDeps;
  /** Absent: every try waits in its own invocation (local mode, where nothing bounds it). */
  waits?: WaitScheduler;
  /**
   * Stops what a handed-off wait's progress holds outside (a Livy batch) once its try ended between
   * invocations (timeout, run stopped, task marked failed); absent: nothing is stopped.
   */
  abandonWait?: (progress: Record<string, unknown>, log: TaskLogger, reason: string) => Promise<void>;
  /** How token answers are retried (default DEFAULT_TOKEN_RETRY in token-answers.ts). */
  tokenRetry?: TokenRetryPolicy;
  /** Waits between answer attempts and between looks for a twin's run (default a timer; tests pass one that does not wait). */
  sleep?: (ms: number) => Promise<void>;
  /** Custom timetables' Python (scheduling/custom-timetable.ts): manual runs' data intervals, the scheduler. Absent: none can run. */
  timetables?: CustomTimetables;
}

/** What submit_spark reads: config groups, artifacts, and where the engines find uploaded blobs (s3:// in AWS). */
export interface SparkDeps {
  groups: ConfigGroupStore;
  artifacts: ArtifactStore;
  locate: BlobLocator;
}

export interface VariableStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

export interface ConnectionStore {
  get(connId: string): Promise<Connection | undefined>;
}

/** Python callables that run outside task execution: callbacks, DAGs' sla_miss_callback and DagOperator's python_callable. */
export interface PythonCallables {
  /**
   * Calls a task or DAG callback with the context; failures are logged, never fail the run.
   * `exception`: the failure that led to an on_failure/on_retry callback (its `context['exception']`).
   */
  callback(request: Omit<ExecutionRequest, 'args' | 'signal'>, callbackName: string, exception?: string | null): Promise<void>;
  /**
   * A task's pre_execute (context) or post_execute (context, result) hook, for tasks the Python runner
   * does not execute itself: rejects when it raised (the try fails), `skipped` on AirflowSkipException.
   */
  hook(request: Omit<ExecutionRequest, 'args' | 'signal'>, name: 'pre_execute' | 'post_execute', result?: PyValue | null): Promise<{ skipped?: string }>;
  /** DagOperator/TriggerDagRun python_callable(context, dag_run_obj): whether to trigger and the payload. */
  dagRunCallable(request: Omit<ExecutionRequest, 'signal'>): Promise<{ trigger: boolean; payload: Record<string, unknown> | null }>;
  /** A DAG's sla_miss_callback (DAG-level: no run, no task instance); rejects when it raised. */
  slaMissCallback(request: SlaMissCallbackRequest): Promise<void>;
  /** Asks a DAG's custom timetable (DAG-level); rejects when it raised. Absent: custom timetables cannot run. */
  timetable?(request: DagLevelRequest, call: TimetableCall): Promise<TimetableAnswer | null>;
}

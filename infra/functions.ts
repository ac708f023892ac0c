/**
 * How each Lambda entry of scripts/bundle-functions.ts (FUNCTION_ENTRIES) is deployed: which package
 * (the zip of its esbuild bundle, or the runner image), its size and time limit, what invokes it and
 * which of the stack's resources it may touch. The stack walks FUNCTION_ENTRIES and looks each one up
 * here, so an entry added to the bundle list without a deployment fails the synth instead of being
 * silently left out (and infra/stack.test.ts checks every entry is deployed).
 */

/** What a function may do; infra/permissions.ts turns each into IAM statements scoped to this stack. */
export type Capability =
  /** Read and write the metadata table (and use the key that encrypts it). */
  | 'table'
  /** Read and write the data bucket: bundles, artifacts, confs, large values. */
  | 'data'
  | 'dags-read'
  | 'dags-write'
  | 'task-logs-read'
  | 'task-logs-write'
  /** Answer task tokens (SendTaskSuccess/Failure/Heartbeat). */
  | 'task-tokens'
  /** Start, stop and describe executions of this stack's state machines. */
  | 'executions'
  /** Create/update/publish this stack's state machines and their aliases (the deployer). */
  | 'deploy-machines'
  /** Create/update/delete schedules in this stack's schedule group (and pass the Scheduler role). */
  | 'schedules'
  /** Create (and delete) one-shot schedules in this stack's group, passing only the Scheduler role: token waits' next invocations. */
  | 'one-shots'
  /** Add steps to the configured EMR clusters and start job runs on the configured EMR Serverless apps. */
  | 'spark'
  /** Invoke the git-pull function (the API's on-demand pulls). */
  | 'git-pull'
  /** Invoke the scheduler function to ask custom timetables (the API has no Python; timetable-client.ts). */
  | 'timetables'
  /** Send mail with SES from the configured identity only (alert emails, EmailOperator); nothing when none is configured. */
  | 'mail';

/** What invokes a function (besides the state machines, which may invoke the control and runner functions). */
export type Trigger =
  | 'http-api'
  | 'dags-bucket-events'
  | 'scheduler'
  | 'every-minute'
  | 'execution-status-events'
  | 'state-machines';

export interface FunctionDeployment {
  description: string;
  /** `zip`: its bundle; `image`: the runner image (python3 + the airflow shim); `fargate-container`: the runner image's long-task entry on ECS. */
  package: 'zip' | 'image' | 'fargate-container';
  memoryMb: number;
  timeoutSeconds: number;
  capabilities: readonly Capability[];
  triggers: readonly Trigger[];
  /** At most this many at once (the deployer: one, so two uploads never deploy one DAG at once). */
  reservedConcurrency?: number;
}

/**
 * Per FUNCTION_ENTRIES name. Async triggers (S3, Scheduler, EventBridge) get a dead-letter queue.
 * Names of the cloud-runtime entries follow scripts/bundle-functions.ts.
 */
export const FUNCTION_DEPLOYMENTS: Readonly<Record<string, FunctionDeployment>> = {
  api: {
    description: 'skydag REST API (HTTP API, Cognito JWT)',
    package: 'zip',
    memoryMb: 1024,
    timeoutSeconds: 29,
    capabilities: ['table', 'data', 'dags-read', 'dags-write', 'task-logs-read', 'executions', 'task-tokens', 'git-pull', 'timetables'],
    triggers: ['http-api'],
  },
  // Control, scheduler, reconciler and execution-status run the DAG file's Python: task and DAG
  // callbacks (complete/fail/finalize), sla_miss_callback, a DagOperator's python_callable. So they
  // are the runner image (python3 + the shim; the Node runtime has no python3). Warm invocations cost
  // and take the same as a zip; only a cold start pulls the (cached) image.
  control: {
    description: 'skydag control: prepare / complete / fail / finalize / start_child / submit_spark',
    package: 'image',
    memoryMb: 512,
    timeoutSeconds: 60,
    capabilities: ['table', 'data', 'task-logs-write', 'task-tokens', 'executions', 'schedules', 'mail'],
    triggers: ['state-machines'],
  },
  runner: {
    description: 'skydag runner: one try of a task (bash, Python, sensors, builtin operators)',
    package: 'image',
    memoryMb: 2048,
    timeoutSeconds: 900,
    capabilities: ['table', 'data', 'task-logs-write', 'task-tokens', 'one-shots', 'spark', 'mail'],
    triggers: ['state-machines'],
  },
  'runner-task': {
    description: 'skydag runner on Fargate: tries longer than Lambda allows',
    package: 'fargate-container',
    memoryMb: 2048,
    timeoutSeconds: 0,
    capabilities: ['table', 'data', 'task-logs-write', 'task-tokens', 'spark', 'mail'],
    triggers: ['state-machines'],
  },
  deployer: {
    description: 'skydag DAG deployer: DAG files in S3 become versioned state machines and schedules',
    package: 'zip',
    memoryMb: 1769,
    timeoutSeconds: 300,
    // `executions`: starts the runs the API asked for before their file was deployed (EDA's generated DAGs).
    capabilities: ['table', 'data', 'dags-read', 'deploy-machines', 'schedules', 'executions'],
    triggers: ['dags-bucket-events'],
    reservedConcurrency: 1,
  },
  scheduler: {
    description: "skydag scheduler pass: a DAG's schedule fired (creates its due runs)",
    package: 'image',
    memoryMb: 512,
    timeoutSeconds: 60,
    // `mail`: SLA miss emails.
    capabilities: ['table', 'data', 'executions', 'mail'],
    triggers: ['scheduler'],
  },
  reconciler: {
    description: 'skydag reconciler: re-answers lost token answers, repairs stuck runs (every minute)',
    package: 'image',
    memoryMb: 512,
    timeoutSeconds: 120,
    capabilities: ['table', 'data', 'task-tokens', 'executions', 'one-shots'],
    triggers: ['every-minute'],
  },
  'execution-status': {
    description: 'skydag execution-status finalizer: runs finalize when an execution failed, timed out or was aborted',
    package: 'image',
    memoryMb: 512,
    timeoutSeconds: 60,
    capabilities: ['table', 'data', 'task-tokens', 'executions'],
    triggers: ['execution-status-events'],
  },
  'git-pull': {
    // The runner image: the pull needs the system git, which the Node runtime lacks.
    description: "skydag git pull: users' linked repositories into git/<user>/ of the DAGs bucket (on demand from the API, and every minute for those due)",
    package: 'image',
    memoryMb: 1024,
    timeoutSeconds: 300,
    // `data`: the links and sealed tokens, and the master key; no table (the deployer records the DAG versions).
    capabilities: ['data', 'dags-read', 'dags-write'],
    triggers: ['every-minute'],
  },
  'sensor-poker': {
    // The runner image: a Python sensor pokes through the shim. Invoked by token waits' one-shots.
    description: 'skydag sensor poker: the next poke of a sensor, the next poll of a Livy batch (answers or hands on the task token)',
    package: 'image',
    memoryMb: 2048,
    timeoutSeconds: 900,
    capabilities: ['table', 'data', 'task-logs-write', 'task-tokens', 'one-shots'],
    triggers: ['scheduler'],
  },
};

/** The deployment of each bundled entry; an entry without one is an error naming it. */
export function deploymentsOf(entries: Readonly<Record<string, string>>): [string, FunctionDeployment][] {
  return Object.keys(entries).map((name) => {
    const deployment = FUNCTION_DEPLOYMENTS[name];
    if (!deployment) throw new Error(`scripts/bundle-functions.ts bundles '${name}' but infra/functions.ts has no deployment for it: add one to FUNCTION_DEPLOYMENTS`);
    return [name, deployment];
  });
}

/** Async triggers: Lambda retries their events twice, then they go to the function's dead-letter queue. */
export const ASYNC_TRIGGERS: readonly Trigger[] = ['dags-bucket-events', 'scheduler', 'every-minute', 'execution-status-events'];

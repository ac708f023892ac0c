/**
 * Where each task's code runs in AWS, and that compute's own time limit: the only limit besides
 * `execution_timeout` (the compiled Task states have no TimeoutSeconds otherwise, so Step Functions
 * waits up to its one-year execution limit). `dags compile` shows it per task.
 *
 * - bash / python tasks (PythonOperator family, TaskFlow, custom operators, notebooks): the runner
 *   Lambda when `execution_timeout` fits in 14 minutes (Lambda stops at 15; the last minute is kept
 *   for start-up, logs and XCom), otherwise ECS Fargate, which has no limit; `queue='lambda'` or
 *   `queue='fargate'` forces either (other queue names, Celery's, mean nothing here and change nothing);
 * - operators skydag implements itself (HTTP, email, latest-only, ...): the runner Lambda;
 * - sensors: one runner Lambda invocation per poke, the wait between pokes holds no compute; the
 *   sensor's own `timeout` (Airflow's default 7 days) ends the wait;
 * - Spark: an EMR step, EMR Serverless job run or Livy batch, per the task's config group; none of
 *   them has a limit of its own as skydag submits them;
 * - DAG runs of other DAGs: child executions; no compute of their own.
 */
import type { Task } from '../model/schema.js';
import type { OperatorSpec } from '../operators/registry.js';

/** Lambda's hard limit on one invocation. */
export const LAMBDA_LIMIT_SECONDS = 900;
/** The longest `execution_timeout` a bash/python task may have to run in Lambda. */
export const LAMBDA_TASK_BUDGET_SECONDS = 840;

/** The `queue=` values that force a bash/python task's compute instead of choosing it from `execution_timeout`. */
export const COMPUTE_QUEUES = ['lambda', 'fargate'] as const;
export type ComputeQueue = (typeof COMPUTE_QUEUES)[number];

export function computeQueue(task: Task): ComputeQueue | null {
  return (COMPUTE_QUEUES as readonly string[]).includes(task.queue ?? '') ? (task.queue as ComputeQueue) : null;
}

export type ComputeKind = 'none' | 'lambda' | 'fargate' | 'spark' | 'child_run';

export interface TaskCompute {
  runs_on: ComputeKind;
  /** The compute's own limit on one try (one poke for sensors), in seconds; null when it has none. */
  limit_seconds: number | null;
  /** What the limit applies to: a try, or each poke of a sensor. */
  per: 'try' | 'poke';
}

const NONE: TaskCompute = { runs_on: 'none', limit_seconds: null, per: 'try' };

export function taskCompute(task: Task, spec: OperatorSpec): TaskCompute {
  if (task.operator_kind === 'unsupported') return NONE; // fails at once, saying why
  switch (spec.execution) {
    case 'noop':
    case 'unsupported':
      return NONE;
    case 'child_dag':
      return { runs_on: 'child_run', limit_seconds: null, per: 'try' };
    case 'spark':
      return { runs_on: 'spark', limit_seconds: null, per: 'try' };
    case 'builtin':
      return { runs_on: 'lambda', limit_seconds: LAMBDA_LIMIT_SECONDS, per: spec.sensor || task.sensor ? 'poke' : 'try' };
    case 'bash':
    case 'python': {
      if (spec.sensor || task.sensor) return { runs_on: 'lambda', limit_seconds: LAMBDA_LIMIT_SECONDS, per: 'poke' };
      const forced = computeQueue(task);
      if (forced === 'fargate') return { runs_on: 'fargate', limit_seconds: null, per: 'try' };
      // Forced into Lambda, a try without execution_timeout is stopped by Lambda's own limit (validation
      // refuses an execution_timeout Lambda cannot honour).
      if (forced === 'lambda') return { runs_on: 'lambda', limit_seconds: LAMBDA_LIMIT_SECONDS, per: 'try' };
      const timeout = task.execution_timeout_seconds;
      return timeout !== null && timeout <= LAMBDA_TASK_BUDGET_SECONDS
        ? { runs_on: 'lambda', limit_seconds: LAMBDA_LIMIT_SECONDS, per: 'try' }
        : { runs_on: 'fargate', limit_seconds: null, per: 'try' };
    }
  }
}

/** A short label for tables: `lambda (≤ 900 s)`, `lambda (≤ 900 s per poke)`, `fargate`, ... */
export function describeCompute(c: TaskCompute): string {
  if (c.limit_seconds === null) return c.runs_on;
  return `${c.runs_on} (≤ ${c.limit_seconds} s${c.per === 'poke' ? ' per poke' : ''})`;
}

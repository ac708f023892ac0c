/**
 * fail: a try failed (error caught on the execute states). Retries while tries remain (up_for_retry
 * with Airflow's delay), else the task fails, on_failure_callback runs and downstream tasks are decided.
 */
import type { TaskInstanceRecord } from '../../model/records.js';
import type { Task } from '../../model/schema.js';
import { ConditionFailedError } from '../../stores/metadata.js';
import { CONTROL_FAILED_TRY, type FailRequest, type FailResult } from '../protocol.js';
import { nextRetryDelaySeconds, shouldRetry } from '../retries.js';
import { TaskState, isFinished } from '../states.js';
import { afterTaskFinished, stateOfTi } from './advance.js';
import { closeUnstartedChildRuns } from './child-runs.js';
import type { RuntimeDeps } from './deps.js';
import { loadRunContext, taskInstanceAccess, type RunContext, type TaskInstanceAccess } from './run-context.js';
import { owedFailureEffects, settleTaskEffects } from './task-effects.js';

/** Errors that retrying cannot fix (Airflow's AirflowFailException; operators skydag cannot run). */
const NON_RETRYABLE = new Set(['Skydag.TaskNotRunnable', 'AirflowFailException', 'Skydag.NonRetryable']);

export function describeError(error: FailRequest['error'], executionTimeoutSeconds?: number | null): { name: string; message: string } {
  const name = error.Error ?? 'Error';
  let message = error.Cause ?? '';
  try {
    // Lambda reports {errorMessage, errorType} as a JSON string in Cause.
    const parsed = JSON.parse(message) as { errorMessage?: string; errorType?: string };
    if (parsed.errorMessage) message = parsed.errorMessage;
  } catch {
    // a plain message
  }
  // The execute state's TimeoutSeconds (execution_timeout) fired. Its Cause says nothing useful (empty
  // in Step Functions, the error name itself in aws-local-stepfunctions): say what timed out, as the
  // executor's own timer does when it fires first.
  if (name === 'States.Timeout' && (!message || message === name)) {
    message = executionTimeoutSeconds ? `execution_timeout of ${executionTimeoutSeconds} s exceeded` : 'execution_timeout exceeded';
  }
  return { name, message };
}

export async function fail(deps: RuntimeDeps, request: FailRequest): Promise<FailResult> {
  const ctx = await loadRunContext(deps, request.run);
  // One index of a mapped task fails (or retries) on its own: the task's complete, after its Map
  // state, decides the downstream tasks.
  const access = taskInstanceAccess(deps, request.run, request.task_id, request.map_index);
  let ti = await access.load();
  const task = ctx.task(request.task_id);
  if (request.try_number === CONTROL_FAILED_TRY) return controlFailed(deps, ctx, task, ti, request, access);
  if (ti.try_number !== request.try_number) return { retry: false, delay_seconds: 0 }; // stale
  await closeUnstartedChildRuns(deps, ti);
  const { name, message } = describeError(request.error, task.execution_timeout_seconds);
  const retry = !NON_RETRYABLE.has(name) && shouldRetry(task, ti.try_number, ti.max_tries);
  const delay = retry ? nextRetryDelaySeconds(task, ti.try_number, { dagId: ti.dag_id, logicalDate: ctx.run.logical_date }) : 0;

  if (ti.state === TaskState.RUNNING || ti.state === TaskState.QUEUED) {
    const end = deps.clock().toISOString();
    const due = owedFailureEffects(task, ti.try_number, { retry, delay, name, message });
    const changes: Partial<TaskInstanceRecord> = retry
      ? { state: TaskState.UP_FOR_RETRY, end_date: end, token: null, decision: null, effects_due: due }
      : { state: TaskState.FAILED, end_date: end, start_date: ti.start_date ?? end, duration: ti.start_date ? Math.max(0, (Date.parse(end) - Date.parse(ti.start_date)) / 1000) : null, effects_due: due };
    try {
      // The claim: of twin deliveries, the one that records the failure decides retry or fail; the
      // failure's side effects are recorded as owed in the same write (owed-effects.ts).
      ti = await access.update(changes, { tryNumber: ti.try_number, stateIn: [ti.state] });
      return await recordFailure(deps, ctx, ti, access, { retry, delay_seconds: delay });
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      ti = await access.load();
      if (ti.try_number !== request.try_number) return { retry: false, delay_seconds: 0 };
    }
  }
  // A redelivered (or twin) fail, or a fail after the try already ended (a complete that recorded
  // success and then died for good): the outcome stands. Side effects a delivery that died after its
  // claim still owes are sent (each once), and the idempotent steps (slot release, downstream
  // decisions) redone.
  await settleTaskEffects(deps, ctx, ti, access);
  const state = stateOfTi(ti);
  if (state === TaskState.UP_FOR_RETRY) {
    if (ti.map_index < 0) await afterTaskFinished(deps, ctx, [], { task, tryNumber: ti.try_number });
    return { retry: true, delay_seconds: delay };
  }
  if (isFinished(state) && ti.map_index < 0) await afterTaskFinished(deps, ctx, [request.task_id], { task, tryNumber: ti.try_number });
  return { retry: false, delay_seconds: 0 };
}

/**
 * The task's prepare or fail handler kept failing past the state machine's retries: the task fails
 * (whatever state it was in, unless it already ended), without retries, so its downstream tasks are
 * decided and the run can end. Idempotent like the rest: the write is the claim.
 */
async function controlFailed(deps: RuntimeDeps, ctx: RunContext, task: Task, read: TaskInstanceRecord, request: FailRequest, access: TaskInstanceAccess): Promise<FailResult> {
  const { name, message } = describeError(request.error);
  let ti = read;
  if (!isFinished(stateOfTi(ti))) {
    const end = deps.clock().toISOString();
    const due = owedFailureEffects(task, ti.try_number, { retry: false, delay: 0, name, message: `the task's control handler failed: ${message}` });
    try {
      ti = await access.update({ state: TaskState.FAILED, end_date: end, start_date: ti.start_date ?? end, token: null, effects_due: due }, { stateIn: [ti.state], tryNumber: ti.try_number });
      return await recordFailure(deps, ctx, ti, access, { retry: false, delay_seconds: 0 });
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      ti = await access.load();
    }
  }
  await settleTaskEffects(deps, ctx, ti, access);
  if (isFinished(stateOfTi(ti)) && ti.map_index < 0) await afterTaskFinished(deps, ctx, [ti.task_id], { task, tryNumber: ti.try_number });
  return { retry: false, delay_seconds: 0 };
}

/** What follows the winning write: the owed side effects, then the downstream step. */
async function recordFailure(deps: RuntimeDeps, ctx: RunContext, ti: TaskInstanceRecord, access: TaskInstanceAccess, result: FailResult): Promise<FailResult> {
  await settleTaskEffects(deps, ctx, ti, access);
  // A task waiting to retry frees its slot; its next prepare takes one again. (A map index holds none: its task does.)
  if (ti.map_index < 0) await afterTaskFinished(deps, ctx, result.retry ? [] : [ti.task_id], { task: ctx.task(ti.task_id), tryNumber: ti.try_number });
  return result;
}

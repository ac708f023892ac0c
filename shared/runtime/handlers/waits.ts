/**
 * Token-holding waits handed from one invocation to the next (cloud). A sensor in reschedule mode
 * (or one whose poke mode outlasts an invocation's budget) and a Livy batch do not hold a Lambda
 * while they wait: the invocation that would wait throws WaitHandOff, and
 *
 * 1. handOffWait records the wait on the task instance — the task token sealed with the runtime
 *    cipher, the executor's progress, the next invocation's time, `wait_invocation` = this one's
 *    number — sets the state (`up_for_reschedule` for reschedule-mode sensors, which give their pool
 *    and concurrency slots back as Airflow does; `running` otherwise) and schedules the next
 *    invocation (WaitScheduler: an EventBridge Scheduler `at()` one-shot invoking the sensor-poker).
 *    The token is not in the schedule's input: the store keeps it.
 * 2. resumeWait (the sensor-poker) claims invocation N with one conditional write
 *    (`wait_invocation` = N − 1 → N, same try, still waiting): a twin delivery, a late one or one for
 *    a try that ended changes nothing. It takes the slots back (if full, it waits again without
 *    poking), sends SendTaskHeartbeat (the compiled state's HeartbeatSeconds fails the state when the
 *    pokes stop coming), and runs the try again through runTry with the progress: the token is then
 *    answered (success, soft-fail skip, timeout failure) or the wait handed off again. A try that
 *    ended meanwhile (its state's TimeoutSeconds = execution_timeout, the run stopped, the task marked
 *    failed: the token gone or the task instance no longer waiting) has what its wait left running
 *    stopped through deps.abandonWait (a Livy batch is deleted).
 * 3. repairLostWaits (the reconciler) schedules the next invocation again for waits overdue by more
 *    than a grace period (a schedule that was lost, an invocation that died after its claim).
 */
import type { TaskInstanceRecord, TaskWait } from '../../model/records.js';
import { ConditionFailedError } from '../../stores/metadata.js';
import type { WaitHandOff } from '../executors/types.js';
import { RunnerAction, WaitAction, type ExecuteRequest, type ResumeWaitRequest } from '../protocol.js';
import { TaskState } from '../states.js';
import type { RuntimeDeps } from './deps.js';
import { loadRunContext, taskInstanceAccess } from './run-context.js';
import { acquireTrySlots, releaseTrySlots } from './slots.js';
import { TaskTokenGoneError } from './token-answers.js';

/** How long past its due time (plus an invocation's budget once claimed) a wait may be before the reconciler schedules it again. */
export const LOST_WAIT_GRACE_MS = 5 * 60_000;
/** A try whose slots are all taken when its wait resumes waits this long before trying again (without poking). */
export const SLOT_RETRY_MS = 60_000;

/** A wait continued by this invocation: its record (as claimed) and its number. */
export interface ResumedWait {
  wait: TaskWait;
  invocation: number;
}

export type ResumeOutcome = 'resumed' | 'duplicate' | 'stale' | 'waiting_for_slots' | 'gone';

const tokenContext = (ti: Pick<TaskInstanceRecord, 'dag_id' | 'run_id' | 'task_id' | 'map_index'>, tryNumber: number) =>
  `task-wait:${ti.dag_id}/${ti.run_id}/${ti.task_id}/${ti.map_index}/${tryNumber}`;

function resumeRequest(request: Pick<ExecuteRequest, 'run' | 'task_id' | 'try_number' | 'map_index'>, invocation: number): ResumeWaitRequest {
  return {
    action: WaitAction.RESUME,
    run: { dag_id: request.run.dag_id, run_id: request.run.run_id },
    task_id: request.task_id,
    try_number: request.try_number,
    ...(request.map_index !== undefined && request.map_index >= 0 ? { map_index: request.map_index } : {}),
    invocation,
  };
}

/**
 * Records a hand-off and schedules the next invocation (see the module comment). A try that is no
 * longer running (stopped, cleared, another try current) is left alone: nothing is scheduled.
 */
export async function handOffWait(deps: RuntimeDeps, request: ExecuteRequest, token: string, handOff: WaitHandOff, resumed?: ResumedWait): Promise<'handed_off' | 'stale'> {
  const waits = deps.waits;
  if (!waits) throw new Error('a wait was handed off where no WaitScheduler is configured');
  const access = taskInstanceAccess(deps, request.run, request.task_id, request.map_index);
  const invocation = resumed?.invocation ?? 1;
  const ref = { dag_id: request.run.dag_id, run_id: request.run.run_id, task_id: request.task_id, map_index: request.map_index ?? -1 };
  const wait: TaskWait = {
    token: deps.cipher.encrypt(token, tokenContext(ref, request.try_number)),
    next_at: handOff.nextAt.toISOString(),
    since: resumed?.wait.since ?? deps.clock().toISOString(),
    released_slots: handOff.releaseSlots,
    progress: handOff.progress,
  };
  try {
    await access.update(
      { state: handOff.releaseSlots ? TaskState.UP_FOR_RESCHEDULE : TaskState.RUNNING, wait, wait_invocation: invocation },
      { tryNumber: request.try_number, stateIn: [TaskState.RUNNING], ...(resumed ? { waitInvocationIs: invocation } : {}) },
    );
  } catch (error) {
    if (error instanceof ConditionFailedError) return 'stale';
    throw error;
  }
  if (handOff.releaseSlots) {
    const ctx = await loadRunContext(deps, request.run);
    await releaseTrySlots(deps, ctx.dag, ctx.task(request.task_id), ref, request.try_number);
  }
  await waits.schedule(resumeRequest(request, invocation + 1), handOff.nextAt);
  return 'handed_off';
}

/** The token of a recorded wait, unsealed. */
export function waitToken(deps: Pick<RuntimeDeps, 'cipher'>, ti: TaskInstanceRecord, wait: TaskWait): string {
  return deps.cipher.decrypt(wait.token, tokenContext(ti, ti.try_number));
}

/**
 * The sensor-poker's work for one delivery of a one-shot: claim invocation `request.invocation`,
 * heartbeat, and continue the try (runTry answers its token or hands the wait off again).
 * `run`: runTry, passed in to keep this module free of the runner's entry (and testable).
 */
export async function resumeWait(
  deps: RuntimeDeps,
  request: ResumeWaitRequest,
  run: (execute: ExecuteRequest & { token: string }, resumed: ResumedWait) => Promise<unknown>,
): Promise<ResumeOutcome> {
  if (request.action !== WaitAction.RESUME || !Number.isInteger(request.invocation) || request.invocation < 2 || !Number.isInteger(request.try_number)) {
    throw new Error(`not a resume_wait request: ${JSON.stringify({ action: request.action, invocation: request.invocation, try_number: request.try_number })}`);
  }
  const access = taskInstanceAccess(deps, request.run, request.task_id, request.map_index);
  const ti = await access.load();
  const previous = request.invocation - 1;
  if (ti.try_number !== request.try_number || !ti.wait || (ti.wait_invocation ?? 0) !== previous) return ti.wait_invocation !== undefined && (ti.wait_invocation ?? 0) >= request.invocation ? 'duplicate' : 'stale';
  if (ti.state !== TaskState.UP_FOR_RESCHEDULE && ti.state !== TaskState.RUNNING) {
    // The try ended under its wait (the state's timeout → fail, the run stopped, marked failed): stop
    // what the wait left running, then forget it so a twin delivery does not do it again.
    await abandonWait(deps, ti, ti.wait, `the try ended (${ti.state}) while it waited`, true);
    await access.update({ wait: null, wait_invocation: request.invocation }, { tryNumber: request.try_number, waitInvocationIs: previous }).catch((error: unknown) => {
      if (!(error instanceof ConditionFailedError)) throw error;
    });
    return 'stale';
  }
  const now = deps.clock();
  const waits = deps.waits!;
  // Claimed: due again (for the reconciler) once this invocation's budget is over.
  const claimed: TaskWait = { ...ti.wait, next_at: new Date(now.getTime() + waits.budgetMs).toISOString() };
  try {
    await access.update(
      { state: TaskState.RUNNING, wait: claimed, wait_invocation: request.invocation },
      { tryNumber: request.try_number, waitInvocationIs: previous, stateIn: [TaskState.UP_FOR_RESCHEDULE, TaskState.RUNNING] },
    );
  } catch (error) {
    if (error instanceof ConditionFailedError) return 'duplicate';
    throw error;
  }
  const token = waitToken(deps, ti, ti.wait);
  const executeRequest: ExecuteRequest & { token: string } = {
    action: RunnerAction.EXECUTE,
    run: request.run,
    task_id: request.task_id,
    try_number: request.try_number,
    ...(request.map_index !== undefined ? { map_index: request.map_index } : {}),
    token,
  };
  if (ti.wait.released_slots) {
    const ctx = await loadRunContext(deps, request.run);
    if (!(await acquireTrySlots(deps, ctx.dag, ctx.task(request.task_id), ti, request.try_number))) {
      // As in Airflow, a rescheduled sensor pokes again only once its pool has room: try again later.
      const again = { ...ti.wait, next_at: new Date(now.getTime() + SLOT_RETRY_MS).toISOString() };
      await access.update({ state: TaskState.UP_FOR_RESCHEDULE, wait: again }, { tryNumber: request.try_number, waitInvocationIs: request.invocation });
      await waits.schedule(resumeRequest(executeRequest, request.invocation + 1), new Date(again.next_at));
      return 'waiting_for_slots';
    }
  }
  try {
    await deps.tokens.sendHeartbeat?.(token);
  } catch (error) {
    // The state stopped waiting (its heartbeat or overall timeout fired, the execution ended): nothing to answer.
    if (error instanceof TaskTokenGoneError) {
      await abandonWait(deps, ti, claimed, 'the waiting state ended (its timeout or heartbeat timeout, or the run was stopped)', false);
      return 'gone';
    }
    throw error;
  }
  await run(executeRequest, { wait: claimed, invocation: request.invocation });
  return 'resumed';
}

/**
 * Hands a wait whose try ended to deps.abandonWait (a Livy batch is deleted), noting it in the try's
 * log. `retryOnError`: a failure propagates (the one-shot's delivery is retried while the wait is
 * still recorded); otherwise it is only logged.
 */
async function abandonWait(deps: RuntimeDeps, ti: TaskInstanceRecord, wait: TaskWait, reason: string, retryOnError: boolean): Promise<void> {
  if (!deps.abandonWait || !wait.progress || Object.keys(wait.progress).length === 0) return;
  const log = deps.logs.open(ti.dag_id, ti.run_id, ti.task_id, ti.try_number, ti.map_index);
  try {
    await deps.abandonWait(wait.progress, log, reason);
  } catch (error) {
    log.info(`${reason}; stopping what it left running failed: ${(error as Error).message}`);
    if (retryOnError) throw error;
  } finally {
    await log.close();
  }
}

/** Forgets a wait's token once its try's token is answered (the invocation count stays: late deliveries still find nothing to claim). */
export async function clearWait(deps: RuntimeDeps, request: ExecuteRequest): Promise<void> {
  const access = taskInstanceAccess(deps, request.run, request.task_id, request.map_index);
  await access.update({ wait: null }, { tryNumber: request.try_number }).catch((error: unknown) => {
    if (!(error instanceof ConditionFailedError)) throw error;
  });
}

/**
 * The reconciler's part: waits of this run's task instances overdue by more than LOST_WAIT_GRACE_MS
 * get their next invocation scheduled again (now). A twin of a schedule that did fire is harmless:
 * the claim lets one of them through. Returns the task ids repaired.
 */
export async function repairLostWaits(deps: RuntimeDeps, tis: readonly TaskInstanceRecord[]): Promise<string[]> {
  if (!deps.waits) return [];
  const now = deps.clock();
  const repaired: string[] = [];
  for (const ti of tis) {
    if (!ti.wait || (ti.state !== TaskState.UP_FOR_RESCHEDULE && ti.state !== TaskState.RUNNING)) continue;
    if (Date.parse(ti.wait.next_at) + LOST_WAIT_GRACE_MS > now.getTime()) continue;
    const ref = { run: { dag_id: ti.dag_id, run_id: ti.run_id }, task_id: ti.task_id, try_number: ti.try_number, map_index: ti.map_index };
    await deps.waits.schedule(resumeRequest(ref, (ti.wait_invocation ?? 1) + 1), now);
    repaired.push(ti.map_index >= 0 ? `${ti.task_id}[${ti.map_index}]` : ti.task_id);
  }
  return repaired;
}

/**
 * finalize: after every task block ended (or the Parallel state failed), compute the run state —
 * failed iff a leaf task failed or is upstream_failed — record it and run the DAG callback, once
 * whatever the deliveries: the end is a conditional write (running → ended) that also records the
 * callback as owed (owed-effects.ts), sent by that delivery or, if it dies, by the next finalize or
 * the reconciler. What the tasks' own ends still owe (their fail/complete died) is sent first.
 */
import { DagRunState, TaskState, isFinished } from '../states.js';
import type { FinalizeRequest, FinalizeResult } from '../protocol.js';
import { evaluateRunState } from '../run-state.js';
import { stateOfTi } from './advance.js';
import { runDagCallback } from './callbacks.js';
import { owedField, owedRecord, settleOwed, type OwedRecord, type SettleOutcome } from './owed-effects.js';
import { releaseEndedSlots } from './slots.js';
import { settleOwingTasks } from './task-effects.js';
import type { RuntimeDeps } from './deps.js';
import { loadRunContext, type RunContext } from './run-context.js';
import type { DagRunRecord, TaskInstanceRecord } from '../../model/records.js';
import { ConditionFailedError } from '../../stores/metadata.js';

export async function finalize(deps: RuntimeDeps, request: FinalizeRequest): Promise<FinalizeResult> {
  const ctx = await loadRunContext(deps, request.run);
  if (ctx.run.state === DagRunState.SUCCESS || ctx.run.state === DagRunState.FAILED) return endStands(deps, ctx, ctx.run);
  if (request.engine_error) await failUnfinished(deps, request, ctx.run.dag_id);
  const tis = await deps.store.listTaskInstances(ctx.run.dag_id, ctx.run.run_id);
  await settleOwingTasks(deps, ctx, tis);
  const states = new Map(tis.map((ti) => [ti.task_id, stateOfTi(ti)]));
  const evaluated = evaluateRunState(ctx.index, states);
  // Every block has ended, so anything still unfinished can no longer run: the run failed.
  const ended = request.engine_error?.timed_out || request.engine_error?.dag_removed;
  const state = evaluated.state === DagRunState.SUCCESS && !ended ? DagRunState.SUCCESS : DagRunState.FAILED;
  // A removed DAG's callbacks live in the file that is gone: none is owed.
  const named = state === DagRunState.SUCCESS ? 'on_success_callback' : 'on_failure_callback';
  const callback = request.engine_error?.dag_removed || !ctx.dag.callbacks[named] ? null : named;
  const now = deps.clock();
  const due = callback ? owedRecord<RunEffects>({ steps: ['callback'], callback }) : null;
  let recorded: DagRunRecord;
  try {
    // The end is recorded once: a twin delivery, or the abnormal-end event racing the machine's own
    // finalize, loses this conditional write and keeps the winner's end.
    recorded = await deps.store.updateDagRun(ctx.run.dag_id, ctx.run.run_id, { state, end_date: now.toISOString(), effects_due: due }, { stateIn: [DagRunState.RUNNING, DagRunState.QUEUED] });
  } catch (err) {
    if (!(err instanceof ConditionFailedError) || !err.current) throw err;
    return endStands(deps, ctx, err.current as DagRunRecord);
  }
  // Nothing of the run runs any more: slots its tries still hold (a handler died before giving them back) are freed.
  await releaseEndedSlots(deps, ctx.dag, ctx.ref);
  await settleRunEffects(deps, ctx, recorded, tis);
  return { state: state === DagRunState.SUCCESS ? 'success' : 'failed' };
}

/**
 * The run had ended already (a twin or earlier delivery, an abnormal end handled, a mark by hand): that
 * end stands. Leftover slots are freed again, and the steps the end still owes that no delivery has
 * taken yet (its finalize died before taking them) are sent.
 */
async function endStands(deps: RuntimeDeps, ctx: RunContext, run: DagRunRecord): Promise<FinalizeResult> {
  await releaseEndedSlots(deps, ctx.dag, ctx.ref);
  await settleRunEffects(deps, ctx, run);
  return { state: run.state === DagRunState.SUCCESS ? 'success' : 'failed' };
}

type RunEffects = OwedRecord & { callback: 'on_success_callback' | 'on_failure_callback' };

/** Sends what the run's end still owes (its DAG callback), once (see settleOwed). */
export async function settleRunEffects(deps: RuntimeDeps, ctx: RunContext, run: DagRunRecord, tis?: TaskInstanceRecord[]): Promise<SettleOutcome> {
  const field = owedField(run.effects_due, (next, expected) =>
    deps.store.updateDagRun(run.dag_id, run.run_id, { effects_due: next }, { effectsDueIs: expected, stateIn: [DagRunState.SUCCESS, DagRunState.FAILED] }),
  );
  return settleOwed<RunEffects>(field, async (_step, owed) => {
    const all = tis ?? (await deps.store.listTaskInstances(run.dag_id, run.run_id));
    const lastTi = [...all].sort((a, b) => (b.end_date ?? '').localeCompare(a.end_date ?? ''))[0];
    await runDagCallback(deps, { ...ctx, run: { ...ctx.run, state: run.state } }, owed.callback, lastTi);
  });
}

/**
 * The execution failed outside any task (a Step Functions runtime error, a stopped execution): the
 * tasks that never finished can no longer run, so they fail, with the cause in their log.
 */
async function failUnfinished(deps: RuntimeDeps, request: FinalizeRequest, dagId: string): Promise<void> {
  const now = deps.clock().toISOString();
  const error = request.engine_error!;
  for (const ti of await deps.store.listTaskInstances(dagId, request.run.run_id)) {
    const current = stateOfTi(ti);
    if (isFinished(current)) continue;
    const log = deps.logs.open(ti.dag_id, ti.run_id, ti.task_id, Math.max(1, ti.try_number));
    const started = current === TaskState.RUNNING || current === TaskState.QUEUED;
    let state: TaskState;
    if (error.timed_out) {
      state = TaskState.SKIPPED;
      log.info("The run exceeded its dagrun_timeout; marking the task as SKIPPED (Airflow skips a timed-out run's unfinished tasks)");
    } else if (error.dag_removed) {
      // Airflow's state for task instances whose task is no longer in the DAG; a try that was running was stopped.
      state = started ? TaskState.FAILED : TaskState.REMOVED;
      log.info(`${error.cause}; ${started ? 'the running try was stopped; marking the task as FAILED' : 'marking the task as REMOVED'}`);
    } else {
      state = TaskState.FAILED;
      log.info(`The run's state machine failed (${error.error}: ${error.cause}); marking the task as FAILED`);
    }
    await log.close();
    await deps.store.updateTaskInstance(ti.dag_id, ti.run_id, ti.task_id, { state, end_date: now, start_date: ti.start_date ?? (state === TaskState.REMOVED ? null : now) });
  }
}

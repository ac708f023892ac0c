/**
 * What a try's end owes beyond its state (owed-effects.ts): on failure, the log lines, the alert
 * email and the on_failure/on_retry callback; on success, the outlets' dataset events and the
 * on_success_callback. Recorded in the claim's write by fail/complete, sent by the claimer, and
 * resumed (when it died) by the redelivery, the next try's prepare, finalize or the reconciler.
 */
import type { TaskInstanceRecord } from '../../model/records.js';
import type { Task } from '../../model/schema.js';
import { recordOutletEvents } from '../../scheduling/datasets.js';
import type { OutletAliasEvent } from '../protocol.js';
import { sendTaskAlert } from './alerts.js';
import { runTaskCallback } from './callbacks.js';
import type { RuntimeDeps } from './deps.js';
import { owedField, owedRecord, settleOwed, type OwedRecord, type SettleOutcome } from './owed-effects.js';
import { taskInstanceAccess, type RunContext, type TaskInstanceAccess } from './run-context.js';

type TaskEffects = OwedRecord & { try_number: number } & (
    | { outcome: 'failure' | 'retry'; delay: number; name: string; message: string }
    | { outcome: 'success'; at: string; outlet_extras?: Record<string, Record<string, unknown>>; outlet_alias_events?: OutletAliasEvent[] }
  );

/** The owed record of a failed try (failure: for good; retry: up_for_retry after `delay` s). */
export function owedFailureEffects(task: Task, tryNumber: number, failure: { retry: boolean; delay: number; name: string; message: string }): string | null {
  const outcome = failure.retry ? 'retry' : 'failure';
  const steps = ['report', ...(task.callbacks[failure.retry ? 'on_retry_callback' : 'on_failure_callback'] ? ['callback'] : [])];
  return owedRecord<TaskEffects>({ steps, try_number: tryNumber, outcome, delay: failure.delay, name: failure.name, message: failure.message });
}

/** The owed record of a succeeded try: null (nothing to write) for a task without outlets or success callback. */
export function owedSuccessEffects(task: Task, tryNumber: number, result: { outlet_extras?: Record<string, Record<string, unknown>>; outlet_alias_events?: OutletAliasEvent[] }, at: Date): string | null {
  const outlets = (task.outlets ?? []).length > 0 || (result.outlet_alias_events ?? []).length > 0;
  const steps = [...(outlets ? ['outlets'] : []), ...(task.callbacks.on_success_callback ? ['callback'] : [])];
  return owedRecord<TaskEffects>(
    {
      steps,
      try_number: tryNumber,
      outcome: 'success',
      at: at.toISOString(),
      ...(result.outlet_extras ? { outlet_extras: result.outlet_extras } : {}),
      ...(result.outlet_alias_events?.length ? { outlet_alias_events: result.outlet_alias_events } : {}),
    });
}

/** Sends what `ti`'s end still owes, each step once (see settleOwed). */
export async function settleTaskEffects(deps: RuntimeDeps, ctx: RunContext, ti: TaskInstanceRecord, given?: TaskInstanceAccess): Promise<SettleOutcome> {
  if (!ti.effects_due) return 'none';
  const access = given ?? taskInstanceAccess(deps, ctx.ref, ti.task_id, ti.map_index);
  const task = ctx.task(ti.task_id);
  const field = owedField(ti.effects_due, (next, expected) => access.update({ effects_due: next }, { effectsDueIs: expected }));
  // The try's end as its callbacks see it (Airflow sets the state before it runs them: `{{ ti.state }}`).
  const ended = (owed: TaskEffects): TaskInstanceRecord['state'] => (owed.outcome === 'success' ? 'success' : owed.outcome === 'retry' ? 'up_for_retry' : 'failed');
  return settleOwed<TaskEffects>(field, (step, owed) => sendStep(deps, ctx, task, { ...ti, try_number: owed.try_number, state: ended(owed) }, step, owed));
}

async function sendStep(deps: RuntimeDeps, ctx: RunContext, task: Task, ti: TaskInstanceRecord, step: string, owed: TaskEffects): Promise<void> {
  if (owed.outcome === 'success') {
    // Airflow records the outlets' dataset events with the success (skipped tasks record none).
    if (step === 'outlets') await recordOutletEvents(deps.store, task, ti, new Date(owed.at), owed.outlet_extras, owed.outlet_alias_events);
    else if (step === 'callback') await runTaskCallback(deps, ctx, ti, 'on_success_callback');
    return;
  }
  const retry = owed.outcome === 'retry';
  if (step === 'callback') return runTaskCallback(deps, ctx, ti, retry ? 'on_retry_callback' : 'on_failure_callback', owed.message);
  const log = deps.logs.open(ti.dag_id, ti.run_id, ti.task_id, Math.max(1, ti.try_number), ti.map_index);
  try {
    log.info(`Task failed with ${owed.name}: ${owed.message}`);
    if (retry) log.info(`Marking task as UP_FOR_RETRY (try ${ti.try_number} of ${ti.max_tries + 1}); next try in ${owed.delay} s`);
    else log.info(`Marking task as FAILED (try ${ti.try_number})`);
    await sendTaskAlert(deps, task, ti, retry ? 'retry' : 'failure', `${owed.name}: ${owed.message}`, log);
  } finally {
    await log.close();
  }
}

/** The run's task instances (mapped indexes included) whose end still owes effects. */
export async function taskInstancesOwing(deps: RuntimeDeps, ctx: RunContext, tis: readonly TaskInstanceRecord[]): Promise<TaskInstanceRecord[]> {
  const owing = tis.filter((ti) => ti.effects_due);
  const mapped = new Set(ctx.dag.tasks.filter((t) => t.expand).map((t) => t.task_id));
  for (const ti of tis) {
    if (!mapped.has(ti.task_id)) continue;
    owing.push(...(await deps.store.listMappedTaskInstances(ctx.run.dag_id, ctx.run.run_id, ti.task_id)).filter((index) => index.effects_due));
  }
  return owing;
}

/** Sends what the run's task instances still owe (their senders died); returns those this call settled (`task` or `task[i]`). */
export async function settleOwingTasks(deps: RuntimeDeps, ctx: RunContext, tis: readonly TaskInstanceRecord[]): Promise<string[]> {
  const settled: string[] = [];
  const known = new Set(ctx.dag.tasks.map((t) => t.task_id));
  for (const ti of await taskInstancesOwing(deps, ctx, tis)) {
    if (!known.has(ti.task_id)) continue; // a task gone from the DAG: its callbacks went with it
    if ((await settleTaskEffects(deps, ctx, ti)) === 'settled') settled.push(taskKey(ti));
  }
  return settled;
}

export const taskKey = (ti: Pick<TaskInstanceRecord, 'task_id' | 'map_index'>): string => (ti.map_index >= 0 ? `${ti.task_id}[${ti.map_index}]` : ti.task_id);

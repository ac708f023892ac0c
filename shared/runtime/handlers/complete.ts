/**
 * complete: a try succeeded (or its code asked to be skipped). Records the final state, applies
 * branching / short-circuit / latest-only skips, runs on_success_callback, then decides whatever the
 * change unblocks downstream — the chain's next task (`next_task_id`) with its answer returned, so its
 * block goes on without a prepare of its own (see handOff).
 */
import type { TaskInstanceRecord } from '../../model/records.js';
import type { PyValue } from '../../model/schema.js';
import { operatorByKind } from '../../operators/registry.js';
import { resolveBranch, resolveShortCircuit } from '../branching.js';
import { TaskFailedError } from '../executors/types.js';
import type { CompleteRequest, ExecuteResult, HandOffResult } from '../protocol.js';
import { ConditionFailedError } from '../../stores/metadata.js';
import { DagRunState, TaskState, isFailedLike, isFinished } from '../states.js';
import { afterTaskFinished, handOff, stateOfTi } from './advance.js';
import type { RuntimeDeps } from './deps.js';
import { owedSuccessEffects, settleTaskEffects } from './task-effects.js';
import { recordMappedSummary } from './mapped.js';
import { loadRunAndTaskInstance, loadTaskInstance, taskInstanceAccess, type RunContext } from './run-context.js';

/** Tasks with nothing to execute never started: they start and end at once. */
function durationSeconds(start: string | null, end: string): number {
  return start ? Math.max(0, (Date.parse(end) - Date.parse(start)) / 1000) : 0;
}

export async function complete(deps: RuntimeDeps, request: CompleteRequest): Promise<HandOffResult | undefined> {
  // The run and the task instance in one round trip (the happy path's budget: issue 13).
  const { ctx, ti } = await loadRunAndTaskInstance(deps, request.run, request.task_id, request.map_index);
  const ended = await recordCompletion(deps, ctx, request, ti);
  if (request.next_task_id === undefined) return undefined;
  return handOff(deps, ctx, request.next_task_id, new Map(ended ? [[request.task_id, ended]] : []));
}

/** Records the try's end and decides the downstream tasks (but `next_task_id`); returns the task's final state when it has one. */
async function recordCompletion(deps: RuntimeDeps, ctx: RunContext, request: CompleteRequest, loaded: TaskInstanceRecord): Promise<TaskState | undefined> {
  const task = ctx.task(request.task_id);
  const handedOff = request.next_task_id;
  if (task.expand && request.map_index === undefined) return completeMappedTask(deps, ctx, request);
  // One index of a mapped task ends on its own; the task's complete (after its Map state) decides the downstream tasks.
  const index = request.map_index !== undefined;
  const access = taskInstanceAccess(deps, request.run, request.task_id, request.map_index);
  let ti = loaded;
  if (ti.try_number !== request.try_number) return undefined; // a late answer of an older try: the current one decides
  const result = (request.result ?? { outcome: 'success' }) as ExecuteResult;

  if (ti.state === TaskState.RUNNING || ti.state === TaskState.QUEUED) {
    if (task.operator_kind === 'dag_operator' || task.operator_kind === 'skippable_dag_operator') await checkChildRuns(deps, ctx, ti);
    if (task.operator_kind === 'subdag') await checkSubdagRun(deps, ti);
    // Validate the branch before recording success: an error after the write would be retried by the
    // state machine against a finished task, and the downstream tasks would run regardless.
    // (The execute handler already fails such a try; this guards results that did not come through it.)
    const spec = operatorByKind(task.operator_kind);
    if (result.outcome !== 'skipped' && spec?.branching && result.followed !== undefined) {
      const branch = resolveBranch(ctx.index, request.task_id, result.followed);
      if (!branch.ok) throw new TaskFailedError(branch.error);
    }
    const now = deps.clock();
    const end = now.toISOString();
    const state = result.outcome === 'skipped' ? TaskState.SKIPPED : TaskState.SUCCESS;
    // The success's dataset events and callback are owed by the same write (owed-effects.ts).
    const due = state === TaskState.SUCCESS ? owedSuccessEffects(task, ti.try_number, result, now) : null;
    const changes = { state, end_date: end, start_date: ti.start_date ?? end, duration: durationSeconds(ti.start_date, end), ...(due ? { effects_due: due } : {}) };
    // The branches not followed are skipped before the success is recorded: once it is, anyone (a twin,
    // the reconciler) may decide the downstream tasks, and must not see them as runnable.
    const skipped = state === TaskState.SUCCESS && !index ? await applySkips(deps, ctx, request.task_id, result) : [];
    try {
      // The claim: of twin deliveries, the one that records the end sends what it owes.
      const ended = await access.update(changes, { tryNumber: ti.try_number, stateIn: [ti.state] });
      await settleTaskEffects(deps, ctx, ended, access);
      if (!index) await afterTaskFinished(deps, ctx, [request.task_id, ...skipped], { task, tryNumber: ti.try_number }, handedOff);
      return state;
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      ti = await access.load();
      if (ti.try_number !== request.try_number) return undefined;
    }
  }
  // A redelivered (or twin) complete: the try already ended. What its end still owes is sent (the
  // first delivery died before sending it); what follows the write is idempotent and is
  // done again (slots released by holder id, downstream decided), since the first delivery may have
  // died before (the tasks would otherwise wait forever).
  await settleTaskEffects(deps, ctx, ti, access);
  if (index) return undefined;
  const state = stateOfTi(ti);
  if (!isFinished(state)) return undefined; // up_for_retry: the fail handler owns this try
  const skipped = state === TaskState.SUCCESS ? await applySkips(deps, ctx, request.task_id, result) : [];
  await afterTaskFinished(deps, ctx, [request.task_id, ...skipped], { task, tryNumber: ti.try_number }, handedOff);
  return state;
}

/** A mapped task after its Map state: every index ended; its summary is recorded and the downstream tasks decided. */
async function completeMappedTask(deps: RuntimeDeps, ctx: RunContext, request: CompleteRequest): Promise<TaskState | undefined> {
  const ti = await loadTaskInstance(deps, request.run, request.task_id);
  if (ti.try_number !== request.try_number) return undefined;
  if (ti.state === TaskState.RUNNING) await recordMappedSummary(deps, ti);
  const now = await loadTaskInstance(deps, request.run, request.task_id);
  const state = stateOfTi(now);
  if (!isFinished(state)) return undefined;
  await afterTaskFinished(deps, ctx, [request.task_id], { task: ctx.task(request.task_id), tryNumber: now.try_number }, request.next_task_id);
  return state;
}

/** Marks the tasks a branch did not follow (or a short-circuit cut off) as skipped; returns those now skipped. */
async function applySkips(deps: RuntimeDeps, ctx: RunContext, taskId: string, result: ExecuteResult): Promise<string[]> {
  const task = ctx.task(taskId);
  const spec = operatorByKind(task.operator_kind);
  let toSkip: string[] = [];
  if (spec?.branching && result.followed !== undefined) {
    const branch = resolveBranch(ctx.index, taskId, result.followed);
    if (!branch.ok) throw new TaskFailedError(branch.error);
    toSkip = [...branch.skipped];
  } else if (task.operator_kind === 'short_circuit' && result.proceed === false) {
    const ignore = task.args.ignore_downstream_trigger_rules !== false;
    toSkip = [...resolveShortCircuit(ctx.index, taskId, false, ignore).skipped];
  } else if (task.operator_kind === 'subdag' && (await subdagLeavesSkipped(deps, ctx, taskId, task.args.propagate_skipped_state))) {
    toSkip = [...(ctx.index.downstream.get(taskId) ?? [])];
  }
  const now = deps.clock().toISOString();
  const skipped: string[] = [];
  for (const id of toSkip) {
    const ti = await deps.store.getTaskInstance(ctx.run.dag_id, ctx.run.run_id, id);
    if (!ti) continue;
    // Already skipped (by this branch's earlier delivery): still returned, so its downstream is decided.
    if (stateOfTi(ti) === TaskState.SKIPPED) skipped.push(id);
    if (stateOfTi(ti) !== TaskState.NONE) continue;
    try {
      await deps.store.updateTaskInstance(ctx.run.dag_id, ctx.run.run_id, id, { state: TaskState.SKIPPED, start_date: now, end_date: now, duration: 0 }, { stateIn: [ti.state] });
      skipped.push(id);
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      // Someone decided it first; their decision stands.
    }
  }
  return skipped;
}

/** Airflow 2.10's SubDagOperator.post_execute: the sub-DAG's run must have succeeded. */
async function checkSubdagRun(deps: RuntimeDeps, ti: TaskInstanceRecord): Promise<void> {
  for (const child of ti.child_runs ?? []) {
    const run = await deps.store.getDagRun(child.dag_id, child.run_id);
    if (run?.state !== DagRunState.SUCCESS) throw new TaskFailedError(`Expected state: SUCCESS. Actual state: ${run?.state ?? 'no run'} (sub-DAG ${child.dag_id} run ${child.run_id})`);
  }
}

/**
 * SubDagOperator's `propagate_skipped_state` ('all_leaves' / 'any_leaf'): whether all (any) of the
 * sub-DAG run's leaf tasks were skipped, in which case the operator's direct downstream tasks are skipped.
 */
async function subdagLeavesSkipped(deps: RuntimeDeps, ctx: RunContext, taskId: string, option: PyValue | undefined): Promise<boolean> {
  if (option !== 'all_leaves' && option !== 'any_leaf') return false;
  const ti = await deps.store.getTaskInstance(ctx.run.dag_id, ctx.run.run_id, taskId);
  const child = ti?.child_runs?.[0];
  if (!child) return false;
  const [run, tis] = await Promise.all([deps.store.getDagRun(child.dag_id, child.run_id), deps.store.listTaskInstances(child.dag_id, child.run_id)]);
  const model = run ? await deps.dags.getDag(child.dag_id, run.dag_version) : undefined;
  if (!model) return false;
  const leaves = new Set(model.tasks.filter((t) => t.downstream_task_ids.length === 0).map((t) => t.task_id));
  const skipped = tis.filter((t) => leaves.has(t.task_id)).map((t) => stateOfTi(t) === TaskState.SKIPPED);
  return option === 'any_leaf' ? skipped.some(Boolean) : skipped.length > 0 && skipped.every(Boolean);
}

/** Couture's DagOperator fails when any task of the child run failed, even if the child run succeeded. */
async function checkChildRuns(deps: RuntimeDeps, ctx: RunContext, ti: TaskInstanceRecord): Promise<void> {
  for (const child of ti.child_runs ?? []) {
    const tis = await deps.store.listTaskInstances(child.dag_id, child.run_id);
    const failed = tis.filter((t) => isFailedLike(stateOfTi(t))).map((t) => t.task_id);
    if (failed.length > 0) throw new TaskFailedError(`child DAG ${child.dag_id} run ${child.run_id}: task(s) ${failed.join(', ')} failed`);
  }
}

/**
 * Dynamic task mapping in the handlers. A mapped task keeps its own record (map_index -1) as the
 * task's summary for trigger rules, the run state and the Map state around its indexes; each index has
 * its own task instance (map_index ≥ 0) with its own tries, log, rendered fields and XComs.
 *
 * - expansion (`startMappedTask`, when the task's upstream tasks allow it to run): the indexes are
 *   made from the mapped arguments (literals, upstream XComs); zero indexes → the task is skipped
 *   (Airflow's "mapped over an empty list"), an unmappable value → it fails.
 * - `prepareIndex`: one index starts its next try.
 * - `completeMapped`: after the Map state, every index ended; the task's summary is recorded and the
 *   downstream tasks are decided.
 */
import type { TaskInstanceRecord } from '../../model/records.js';
import type { Task } from '../../model/schema.js';
import { ConditionFailedError, type TaskInstanceCondition } from '../../stores/metadata.js';
import { TaskFailedError } from '../executors/types.js';
import { argsForIndex, expandItems, expandReferences, MappedArgumentError, ResolvedXComs, type Expansion } from '../mapping.js';
import type { PrepareIndexRequest, PrepareResult } from '../protocol.js';
import { TaskState, isFailedLike, isFinished, normalizeTaskState } from '../states.js';
import type { RuntimeDeps } from './deps.js';
import { taskServices } from './execution-request.js';
import { decideGroupIndex, mappedGroupOf, resolveGroupXComArgs } from './mapped-groups.js';
import { loadRunContext, taskInstanceAccess, type RunContext } from './run-context.js';
import type { SecretsMasker } from '../../secrets/masker.js';

/** Every index's arguments, reading the upstream XComs the mapping names. */
export async function resolveExpansion(deps: RuntimeDeps, ctx: RunContext, task: Task): Promise<Expansion> {
  const expand = task.expand!;
  const services = taskServices(deps, ctx, task.task_id, 0);
  const xcoms = new ResolvedXComs();
  for (const ref of expandReferences(expand)) xcoms.set(ref, await services.xcomPull(ref.task_id, ref.key));
  return expandItems(expand, xcoms);
}

/**
 * The task as one map index runs it: its mapped arguments over the fixed ones (in a mapped task group:
 * the group's values for this index, and this index's values of the group's other tasks).
 */
export async function taskForIndex(deps: RuntimeDeps, ctx: RunContext, task: Task, mapIndex: number, masker: SecretsMasker): Promise<Task> {
  if (!task.expand || mapIndex < 0) return task;
  const expansion = await resolveExpansion(deps, ctx, task);
  if (!expansion.ok) throw new TaskFailedError(expansion.error);
  const item = expansion.items[mapIndex];
  if (!item) throw new TaskFailedError(`map index ${mapIndex} of ${task.task_id} is out of range (${expansion.items.length} indexes)`);
  let args: Task['args'];
  try {
    args = argsForIndex(task.expand, task.args, item);
  } catch (err) {
    if (err instanceof MappedArgumentError) throw new TaskFailedError(`map index ${mapIndex} of ${task.task_id}: ${err.message}`);
    throw err;
  }
  if (mappedGroupOf(task)) args = await resolveGroupXComArgs(deps, ctx, task, args, mapIndex, masker);
  return { ...task, args };
}

/** The record of one fresh map index, from the task's own record. */
function indexRecord(parent: TaskInstanceRecord, mapIndex: number): TaskInstanceRecord {
  const { child_runs: _childRuns, ...rest } = parent;
  return {
    ...rest,
    map_index: mapIndex,
    state: null,
    try_number: 0,
    start_date: null,
    end_date: null,
    duration: null,
    queued_when: null,
    hostname: '',
    token: null,
    decision: null,
    rendered_fields: null,
    note: null,
  };
}

/** The answer a decided mapped task's prepare gets: with the map indexes when it runs. */
export async function mappedDecision(deps: RuntimeDeps, ti: TaskInstanceRecord, decision: 'run' | 'skip'): Promise<PrepareResult> {
  if (decision !== 'run') return { decision, try_number: ti.try_number };
  const indexes = await deps.store.listMappedTaskInstances(ti.dag_id, ti.run_id, ti.task_id);
  return { decision, try_number: ti.try_number, map_indexes: indexes.map((i) => i.map_index), index_count: indexes.length };
}

export type MappedStart = { kind: 'run'; result: PrepareResult } | { kind: 'ended'; state: TaskState } | { kind: 'lost' };

/**
 * Expands a mapped task whose dependencies are met (its slots are taken by the caller) and claims its
 * run: the indexes are created first (idempotent), so whoever answers the token finds them.
 */
export async function startMappedTask(deps: RuntimeDeps, ctx: RunContext, ti: TaskInstanceRecord, tryNumber: number): Promise<MappedStart> {
  const task = ctx.task(ti.task_id);
  const expansion = await resolveExpansion(deps, ctx, task);
  const now = deps.clock().toISOString();
  const condition: TaskInstanceCondition = { stateIn: [ti.state], tryNumber: ti.try_number, ...(ti.decision === null ? { decisionAbsent: true as const } : {}) };
  if (!expansion.ok || expansion.items.length === 0) {
    const state = expansion.ok ? TaskState.SKIPPED : TaskState.FAILED;
    const log = deps.logs.open(ti.dag_id, ti.run_id, ti.task_id, tryNumber);
    try {
      log.info(expansion.ok ? 'Marking task as SKIPPED: it was mapped over an empty input (0 map indexes)' : `Task failed: cannot expand the mapped task: ${expansion.error}`);
    } finally {
      await log.close();
    }
    try {
      await deps.store.updateTaskInstance(ti.dag_id, ti.run_id, ti.task_id, { state, try_number: tryNumber, decision: 'skip', start_date: now, end_date: now, duration: 0 }, condition);
    } catch (err) {
      if (err instanceof ConditionFailedError) return { kind: 'lost' };
      throw err;
    }
    return { kind: 'ended', state };
  }
  await deps.store.createMappedTaskInstances(ti.dag_id, ti.run_id, expansion.items.map((_, i) => indexRecord(ti, i)));
  await removeSurplusIndexes(deps, ti, expansion.items.length);
  try {
    await deps.store.updateTaskInstance(ti.dag_id, ti.run_id, ti.task_id, { decision: 'run', state: TaskState.RUNNING, try_number: tryNumber, queued_when: now, start_date: now, end_date: null }, condition);
  } catch (err) {
    if (err instanceof ConditionFailedError) return { kind: 'lost' };
    throw err;
  }
  return { kind: 'run', result: { decision: 'run', try_number: tryNumber, map_indexes: expansion.items.map((_, i) => i), index_count: expansion.items.length } };
}

/**
 * A task expanded again (its run or the task was cleared) to fewer indexes than before: the indexes
 * past the new length are `removed`, as Airflow's scheduler marks them.
 */
async function removeSurplusIndexes(deps: RuntimeDeps, ti: TaskInstanceRecord, length: number): Promise<void> {
  const existing = await deps.store.listMappedTaskInstances(ti.dag_id, ti.run_id, ti.task_id);
  for (const index of existing) {
    if (index.map_index < length || index.state === TaskState.REMOVED) continue;
    try {
      await deps.store.updateMappedTaskInstance(ti.dag_id, ti.run_id, ti.task_id, index.map_index, { state: TaskState.REMOVED }, { stateIn: [index.state] });
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
    }
  }
}

/**
 * One map index starts its next try (or, delivered again, is told the try it is on). An index of a
 * mapped task group's task first applies its trigger rule to its own upstream indexes (see mapped-groups.ts).
 */
export async function prepareIndex(deps: RuntimeDeps, request: PrepareIndexRequest): Promise<PrepareResult> {
  const access = taskInstanceAccess(deps, request.run, request.task_id, request.map_index);
  for (;;) {
    const ti = await access.load();
    const state = normalizeTaskState(ti.state);
    if (isFinished(state)) return { decision: 'skip', try_number: ti.try_number };
    if (state === TaskState.QUEUED || state === TaskState.RUNNING) return { decision: 'run', try_number: ti.try_number };
    if (request.group_mapped && state === TaskState.NONE && ti.try_number === 0) {
      const ctx = await loadRunContext(deps, request.run);
      const decided = await decideGroupIndex(deps, ctx, ctx.task(request.task_id), request.map_index);
      if (decided !== undefined) {
        const now = deps.clock().toISOString();
        try {
          await access.update({ state: decided, start_date: now, end_date: now, duration: 0 }, { stateIn: [ti.state], tryNumber: ti.try_number });
          return { decision: 'skip', try_number: ti.try_number };
        } catch (err) {
          if (!(err instanceof ConditionFailedError)) throw err;
          continue; // a twin decided it: look again
        }
      }
    }
    const tryNumber = ti.try_number + 1;
    try {
      await access.update({ state: TaskState.QUEUED, try_number: tryNumber, queued_when: deps.clock().toISOString(), end_date: null }, { stateIn: [ti.state], tryNumber: ti.try_number });
      return { decision: 'run', try_number: tryNumber };
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err; // a twin claimed it: look again
    }
  }
}

/**
 * The state a mapped task's own record shows once every index ended, for trigger rules and the run
 * state: failed if an index failed (upstream_failed if those indexes only were: a mapped group's task whose
 * upstream index failed), skipped if all were skipped, else success.
 */
export function mappedSummary(indexes: readonly TaskInstanceRecord[]): TaskState {
  const states = indexes.map((i) => normalizeTaskState(i.state)).filter((s) => s !== TaskState.REMOVED);
  const failed = states.filter((s) => isFailedLike(s));
  if (failed.length > 0) return failed.every((s) => s === TaskState.UPSTREAM_FAILED) ? TaskState.UPSTREAM_FAILED : TaskState.FAILED;
  if (states.length > 0 && states.every((s) => s === TaskState.SKIPPED)) return TaskState.SKIPPED;
  return TaskState.SUCCESS;
}

/** After the Map state: records the task's summary (the write is the claim); returns whether this delivery wrote it. */
export async function recordMappedSummary(deps: RuntimeDeps, ti: TaskInstanceRecord): Promise<boolean> {
  const indexes = await deps.store.listMappedTaskInstances(ti.dag_id, ti.run_id, ti.task_id);
  const unfinished = indexes.filter((i) => !isFinished(normalizeTaskState(i.state)));
  if (unfinished.length > 0) throw new Error(`mapped task ${ti.task_id}: map index ${unfinished[0]!.map_index} has not ended`);
  const end = deps.clock().toISOString();
  const duration = ti.start_date ? Math.max(0, (Date.parse(end) - Date.parse(ti.start_date)) / 1000) : 0;
  try {
    await deps.store.updateTaskInstance(ti.dag_id, ti.run_id, ti.task_id, { state: mappedSummary(indexes), end_date: end, duration }, { stateIn: [ti.state], tryNumber: ti.try_number });
    return true;
  } catch (err) {
    if (err instanceof ConditionFailedError) return false;
    throw err;
  }
}

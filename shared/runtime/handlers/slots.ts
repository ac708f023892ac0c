/**
 * Concurrency and pool slots, held by tries. A try that is decided to run takes one slot of its DAG's
 * max_active_tasks (when that binds) and `pool_slots` slots of its pool (when pools are enforced),
 * all under its holder id (slotHolder: dag/run/task/try). Because each holding names its try, every
 * release is idempotent (a redelivered handler releases again, harmlessly), and slots that a crashed
 * handler left behind are found and given back: by finalize for its run, and by the reconciler for
 * tries that ended.
 */
import type { TaskInstanceRecord } from '../../model/records.js';
import type { Dag, Task } from '../../model/schema.js';
import { parseSlotHolder, slotHolder } from '../../stores/metadata.js';
import type { RuntimeDeps } from './deps.js';

export const dagSlotScope = (dagId: string) => `dag:${dagId}`;
export const poolSlotScope = (pool: string) => `pool:${pool}`;

type TryRef = Pick<TaskInstanceRecord, 'dag_id' | 'run_id' | 'task_id'>;

/**
 * max_active_tasks binds (then slots are counted per DAG, across runs) only when the DAG's running runs
 * could together run more tasks than that: at most `max_active_runs` runs, each running at most as many
 * tasks at once as its widest set of tasks no dependency orders. Where it cannot bind (a chain, a narrow
 * DAG), its tries take no slot: two store writes and the wakers' reads saved per task, same behaviour.
 * A mapped task's width is only known when it expands: such a DAG is limited as soon as it has more
 * tasks than max_active_tasks.
 */
export function concurrencyLimited(dag: Dag): boolean {
  if (dag.max_active_tasks >= dag.tasks.length) return false;
  let limited = LIMITED.get(dag);
  if (limited === undefined) {
    limited = dag.tasks.some((t) => t.expand) || widthBound(dag) * dag.max_active_runs > dag.max_active_tasks;
    LIMITED.set(dag, limited);
  }
  return limited;
}

const LIMITED = new WeakMap<Dag, boolean>();

/**
 * An upper bound of the DAG's width (the most tasks that can run at once): the chains of a greedy
 * path cover. Tasks in topological order each extend the chain ending at one of their upstream tasks,
 * else start one; no two tasks of a chain can run together, so any set that can has at most one per chain.
 */
function widthBound(dag: Dag): number {
  const byId = new Map(dag.tasks.map((t) => [t.task_id, t]));
  const pending = new Map(dag.tasks.map((t) => [t.task_id, t.upstream_task_ids.filter((u) => byId.has(u)).length]));
  const ready = dag.tasks.filter((t) => pending.get(t.task_id) === 0).map((t) => t.task_id);
  const chainEnds = new Set<string>(); // tasks that end a chain no later task has extended yet
  let chains = 0;
  while (ready.length > 0) {
    const id = ready.pop()!;
    const task = byId.get(id)!;
    const extended = task.upstream_task_ids.find((u) => chainEnds.has(u));
    if (extended !== undefined) chainEnds.delete(extended);
    else chains++;
    chainEnds.add(id);
    for (const d of task.downstream_task_ids) {
      const left = (pending.get(d) ?? 0) - 1;
      pending.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  return chains;
}

/** The pool's size, or undefined when pools are not enforced here (or the pool is unknown). */
export async function poolLimit(deps: Pick<RuntimeDeps, 'pools'>, task: Task): Promise<number | undefined> {
  return deps.pools ? deps.pools.slots(task.pool) : undefined;
}

interface SlotNeed {
  scope: string;
  limit: number;
  slots: number;
}

/** The scopes a try of `task` takes slots of, with their limits. */
async function slotNeeds(deps: Pick<RuntimeDeps, 'pools'>, dag: Dag, task: Task): Promise<SlotNeed[]> {
  const needs: SlotNeed[] = [];
  if (concurrencyLimited(dag)) needs.push({ scope: dagSlotScope(dag.dag_id), limit: dag.max_active_tasks, slots: 1 });
  const pool = await poolLimit(deps, task);
  if (pool !== undefined) needs.push({ scope: poolSlotScope(task.pool), limit: pool, slots: task.pool_slots });
  return needs;
}

/** Takes every slot try `tryNumber` needs, all or none; false when one scope is full. */
export async function acquireTrySlots(deps: Pick<RuntimeDeps, 'pools' | 'store'>, dag: Dag, task: Task, ti: TryRef, tryNumber: number): Promise<boolean> {
  const holder = slotHolder(ti, tryNumber);
  const taken: string[] = [];
  for (const need of await slotNeeds(deps, dag, task)) {
    if (!(await deps.store.acquireSlot(need.scope, need.limit, holder, need.slots))) {
      for (const scope of taken) await deps.store.releaseSlot(scope, holder);
      return false;
    }
    taken.push(need.scope);
  }
  return true;
}

/** Gives back what try `tryNumber` holds (nothing, if it holds nothing). */
export async function releaseTrySlots(deps: Pick<RuntimeDeps, 'pools' | 'store'>, dag: Dag, task: Task, ti: TryRef, tryNumber: number): Promise<void> {
  const holder = slotHolder(ti, tryNumber);
  for (const need of await slotNeeds(deps, dag, task)) await deps.store.releaseSlot(need.scope, holder);
}

/**
 * Gives back the slots held by tries of this run that are not in flight (`inFlight` says which are:
 * by default none, as when the run ended). Returns how many holdings were released.
 */
export async function releaseEndedSlots(
  deps: Pick<RuntimeDeps, 'pools' | 'store'>,
  dag: Dag,
  run: { dag_id: string; run_id: string },
  inFlight: (taskId: string, tryNumber: number) => boolean = () => false,
): Promise<number> {
  const scopes = new Set<string>();
  for (const task of dag.tasks) for (const need of await slotNeeds(deps, dag, task)) scopes.add(need.scope);
  let released = 0;
  for (const scope of scopes) {
    for (const { holder } of await deps.store.listSlotHolders(scope)) {
      const held = parseSlotHolder(holder);
      if (!held || held.dag_id !== run.dag_id || held.run_id !== run.run_id || inFlight(held.task_id, held.try_number)) continue;
      await deps.store.releaseSlot(scope, holder);
      released++;
    }
  }
  return released;
}

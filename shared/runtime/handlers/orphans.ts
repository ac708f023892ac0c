/**
 * Before a run's execution starts again (recovered after a crash, restarted in a new generation),
 * nothing of the run is executing: task instances left queued, running or waiting for a decision by
 * the previous execution are orphans and go back to no state — Airflow's "reset orphaned tasks" — so
 * the new execution runs them again; tries waiting for a retry start over from prepare. Slots their
 * tries held are given back (their complete/fail will never run). Shared by the local runtime and
 * the cloud run starter.
 */
import type { Dag } from '../../model/schema.js';
import type { TaskInstanceRecord } from '../../model/records.js';
import type { RuntimeDeps } from './deps.js';
import { indexedDag } from './run-context.js';
import { releaseTrySlots } from './slots.js';

export async function resetOrphanedTasks(deps: Pick<RuntimeDeps, 'store' | 'dags' | 'pools'>, run: { dag_id: string; run_id: string; dag_version?: string | null }): Promise<void> {
  const dag = await deps.dags.getDag(run.dag_id, run.dag_version);
  for (const ti of await deps.store.listTaskInstances(run.dag_id, run.run_id)) {
    const orphan = ti.state === 'queued' || ti.state === 'running' || ti.state === 'scheduled' || (ti.state === null && ti.token !== null);
    const waitingRetry = ti.state === 'up_for_retry';
    if (!orphan && !waitingRetry) continue;
    await deps.store.updateTaskInstance(run.dag_id, run.run_id, ti.task_id, { ...(orphan ? { state: null } : {}), token: null, decision: null });
    await releaseSlotsHeldBy(deps, dag, ti);
  }
}

/** A try that was queued or running held concurrency and pool slots; one whose fail/complete will never run must give them back. */
export async function releaseSlotsHeldBy(deps: Pick<RuntimeDeps, 'store' | 'pools'>, dag: Dag | undefined, ti: TaskInstanceRecord): Promise<void> {
  const task = dag && indexedDag(dag).byId.get(ti.task_id);
  if (dag && task && (ti.state === 'queued' || ti.state === 'running')) await releaseTrySlots(deps, dag, task, ti, ti.try_number);
}

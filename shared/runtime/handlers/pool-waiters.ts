/**
 * Tasks waiting in prepare for a pool slot that a task of *another* DAG freed are not woken by that
 * task's handlers (they only decide their own run's tasks): every scheduler pass wakes them, in the
 * cloud's scheduler Lambda as in the local ticker.
 */
import type { DagRunRecord } from '../../model/records.js';
import type { RuntimeDeps } from './deps.js';
import { wakeWaitingTasks } from './advance.js';
import { loadRunContext } from './run-context.js';

export async function wakePoolWaiters(deps: RuntimeDeps): Promise<void> {
  // One running run per DAG that has any (from the active-runs index: no pass over every DAG);
  // wakeWaitingTasks then wakes the waiters of each running run of that DAG.
  const oneRunPerDag = new Map<string, DagRunRecord>();
  for (const run of await deps.store.listActiveDagRuns({ states: ['running'] })) if (!oneRunPerDag.has(run.dag_id)) oneRunPerDag.set(run.dag_id, run);
  for (const run of oneRunPerDag.values()) await wakeWaitingTasks(deps, await loadRunContext(deps, { dag_id: run.dag_id, run_id: run.run_id }));
}

/**
 * Tasks waiting in prepare for a pool slot that a task of *another* DAG freed are not woken by that
 * task's handlers (they only decide their own run's tasks): every scheduler pass wakes them, in the
 * cloud's scheduler Lambda as in the local ticker.
 */
import type { DagStore } from '../../stores/metadata.js';
import type { RuntimeDeps } from './deps.js';
import { wakeWaitingTasks } from './advance.js';
import { loadRunContext } from './run-context.js';

export async function wakePoolWaiters(deps: RuntimeDeps, dags: Pick<DagStore, 'listDags'>): Promise<void> {
  for (const dag of (await dags.listDags()).items) {
    const [running] = await deps.store.listDagRuns(dag.dag_id, { states: ['running'], limit: 1 });
    if (running) await wakeWaitingTasks(deps, await loadRunContext(deps, { dag_id: running.dag_id, run_id: running.run_id }));
  }
}

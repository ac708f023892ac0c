/**
 * What the "actions" endpoints do to runs and task instances: clear (Airflow's
 * `clear_task_instances`), mark a run success/failed/queued (`set_dag_run_state_to_*`), and set task
 * states by hand (`DAG.set_task_instance_state`). The store is updated here; the engine learns about
 * it through the RunController port.
 */
import type { DagRunRecord, TaskInstanceRecord } from '../model/records.js';
import type { Dag } from '../model/schema.js';
import { DagRunState, RUNNING_STATES, TaskState, isDagRunFinished, normalizeTaskState, type TaskState as TaskStateT } from '../runtime/states.js';
import type { ApiDeps } from './deps.js';

/** Task ids plus, optionally, all their ancestors and/or descendants in the model. */
export function withRelatives(model: Dag, taskIds: Iterable<string>, options: { upstream?: boolean; downstream?: boolean }): Set<string> {
  const byId = new Map(model.tasks.map((t) => [t.task_id, t]));
  const result = new Set<string>(taskIds);
  const walk = (start: Iterable<string>, next: (id: string) => readonly string[]) => {
    const stack = [...start];
    while (stack.length) {
      for (const n of next(stack.pop()!)) {
        if (!result.has(n)) {
          result.add(n);
          stack.push(n);
        }
      }
    }
  };
  const roots = [...result];
  if (options.upstream) walk(roots, (id) => byId.get(id)?.upstream_task_ids ?? []);
  if (options.downstream) walk(roots, (id) => byId.get(id)?.downstream_task_ids ?? []);
  return result;
}

/**
 * Clearing a task clears its setups and teardowns too (Airflow 2.10's `partial_subset`): the setup
 * tasks upstream of each selected task, at any depth, and the teardowns of those setups.
 */
export function withSetupsAndTeardowns(model: Dag, taskIds: Iterable<string>): Set<string> {
  const byId = new Map(model.tasks.map((t) => [t.task_id, t]));
  const result = new Set<string>(taskIds);
  const setups = new Set<string>();
  for (const id of [...result]) {
    if (byId.get(id)?.is_setup) setups.add(id);
    for (const ancestor of withRelatives(model, [id], { upstream: true })) if (byId.get(ancestor)?.is_setup) setups.add(ancestor);
  }
  for (const setup of setups) {
    result.add(setup);
    for (const down of byId.get(setup)?.downstream_task_ids ?? []) if (byId.get(down)?.is_teardown) result.add(down);
  }
  return result;
}

export interface RunTasks {
  run: DagRunRecord;
  tis: TaskInstanceRecord[];
}

/**
 * Resets task instances to no state (Airflow's clear): the next try gets a fresh token and decision,
 * and max_tries grows by the task's retries so a cleared task gets its full retries again. Each
 * affected run becomes `queued` (when `resetRuns`) and is handed to RunController.restart.
 */
export async function clearTaskInstances(deps: ApiDeps, model: Dag | undefined, selected: readonly RunTasks[], resetRuns: boolean): Promise<void> {
  const retriesOf = new Map(model?.tasks.map((t) => [t.task_id, t.retries]) ?? []);
  const mapped = new Set(model?.tasks.filter((t) => t.expand).map((t) => t.task_id) ?? []);
  const cleared = (ti: TaskInstanceRecord) => {
    const retries = retriesOf.get(ti.task_id);
    return { state: null, token: null, decision: null, max_tries: retries === undefined ? Math.max(ti.max_tries, ti.try_number) : ti.try_number + retries };
  };
  for (const { run, tis } of selected) {
    if (tis.length === 0) continue;
    for (const ti of tis) {
      await deps.store.updateTaskInstance(run.dag_id, run.run_id, ti.task_id, cleared(ti));
      // A mapped task's indexes are cleared with it; it is expanded again when it next runs.
      if (!mapped.has(ti.task_id)) continue;
      for (const index of await deps.store.listMappedTaskInstances(run.dag_id, run.run_id, ti.task_id)) {
        await deps.store.updateMappedTaskInstance(run.dag_id, run.run_id, ti.task_id, index.map_index, cleared(index));
      }
    }
    let current = run;
    if (resetRuns) {
      current = await deps.store.updateDagRun(run.dag_id, run.run_id, {
        state: DagRunState.QUEUED,
        queued_at: deps.clock().toISOString(),
        start_date: null,
        end_date: null,
      });
    }
    await deps.controller.restart(current);
  }
}

/**
 * Marks a run success (every task not success/skipped becomes success) or failed (running tasks
 * fail, unfinished ones are skipped), as Airflow's set_dag_run_state_to_success/failed; then stops
 * its execution. Queued re-queues the run and restarts it.
 */
export async function setRunState(deps: ApiDeps, run: DagRunRecord, state: 'success' | 'failed' | 'queued'): Promise<DagRunRecord> {
  if (state === 'queued') {
    const queued = await deps.store.updateDagRun(run.dag_id, run.run_id, { state: DagRunState.QUEUED, queued_at: deps.clock().toISOString(), end_date: null });
    await deps.controller.restart(queued);
    return queued;
  }
  const updated = await finishRunRecords(deps, run, state);
  await deps.controller.stop(updated);
  return updated;
}

/**
 * The records' part of {@link setRunState} for success/failed: task instances and the run, not the
 * execution (the caller stops it: the API through its RunController, the deployer for a deleted DAG).
 */
export async function finishRunRecords(deps: Pick<ApiDeps, 'store' | 'clock'>, run: DagRunRecord, state: 'success' | 'failed'): Promise<DagRunRecord> {
  const now = deps.clock().toISOString();
  for (const ti of await deps.store.listTaskInstances(run.dag_id, run.run_id)) {
    const current = normalizeTaskState(ti.state);
    let next: TaskStateT | undefined;
    if (state === 'success') next = current === TaskState.SUCCESS || current === TaskState.SKIPPED ? undefined : TaskState.SUCCESS;
    else if (RUNNING_STATES.has(current) || current === TaskState.UP_FOR_RESCHEDULE) next = TaskState.FAILED;
    else if (current === TaskState.NONE || current === TaskState.SCHEDULED || current === TaskState.QUEUED || current === TaskState.UP_FOR_RETRY) next = TaskState.SKIPPED;
    if (next) await deps.store.updateTaskInstance(run.dag_id, run.run_id, ti.task_id, { state: next, end_date: ti.end_date ?? now });
  }
  return deps.store.updateDagRun(run.dag_id, run.run_id, {
    state: state === 'success' ? DagRunState.SUCCESS : DagRunState.FAILED,
    end_date: now,
  });
}

/**
 * Sets task states by hand (updateTaskInstancesState) and, like Airflow's set_task_instance_state,
 * clears the failed/upstream_failed tasks downstream of `taskId` so the run can resume: their runs
 * are re-queued and restarted; other unfinished runs are told which tasks changed.
 */
export async function setTaskStates(deps: ApiDeps, model: Dag, taskId: string, selected: readonly RunTasks[], state: TaskStateT): Promise<void> {
  const now = deps.clock().toISOString();
  const downstream = withRelatives(model, [taskId], { downstream: true });
  for (const { run, tis } of selected) {
    const changed = new Set<string>();
    for (const ti of tis) {
      await deps.store.updateTaskInstance(run.dag_id, run.run_id, ti.task_id, { state, end_date: ti.end_date ?? now, start_date: ti.start_date ?? now });
      changed.add(ti.task_id);
    }
    const toClear = (await deps.store.listTaskInstances(run.dag_id, run.run_id)).filter(
      (ti) => downstream.has(ti.task_id) && !changed.has(ti.task_id) && (ti.state === TaskState.FAILED || ti.state === TaskState.UPSTREAM_FAILED),
    );
    if (toClear.length) await clearTaskInstances(deps, model, [{ run, tis: toClear }], true);
    else if (changed.size && !isDagRunFinished(run.state)) await deps.controller.tasksChanged(run, [...changed]);
  }
}

/**
 * A DAG run's state from its task states — Airflow 2's `DagRun.update_state`
 * (`airflow/models/dagrun.py`, 2.x):
 *
 * - **failed** when no task is unfinished and at least one *leaf* is failed or upstream_failed
 *   (`State.failed_states`). A run does not fail while other branches still run: in the book's
 *   `08_trigger_rules` case the run stays running until the weather branch has finished too.
 * - **success** when no task is unfinished and every leaf is success or skipped. A failure that a
 *   leaf absorbs (e.g. a leaf with `all_done`) does not fail the run.
 * - **failed (deadlock)** when tasks are unfinished but none of them can ever run
 *   (`all_tasks_deadlocked`) — checked only when no unfinished task has `depends_on_past` or
 *   `max_active_tis_per_dag` and none is deferred, as in Airflow (`should_schedule`).
 * - **running** otherwise.
 *
 * Leaves in state `removed` are ignored, and so are teardown tasks unless `on_failure_fail_dagrun`
 * (their upstream tasks stand in for them: `runStateTaskIds`).
 */
import { type DagIndex, type RuntimeTask, indexDag, runStateTaskIds } from './graph.js';
import { type PropagationOptions, type StateMap, evaluateTask, propagate } from './propagation.js';
import { DagRunState, type MaybeTaskState, TaskState, isFailedLike, isSuccessLike, isUnfinished, normalizeTaskState } from './states.js';
import { TriggerDecision } from './trigger-rules.js';

/**
 * The run state from the leaves' states and all task states (leaves included or not). Without the
 * DAG this cannot detect deadlocks; use {@link evaluateRunState} for that.
 */
export function computeRunState(leafStates: readonly MaybeTaskState[], allStates: readonly MaybeTaskState[]): DagRunState {
  const all = allStates.map(normalizeTaskState);
  const leafList = leafStates.map(normalizeTaskState);
  if (all.some(isUnfinished) || leafList.some(isUnfinished)) return DagRunState.RUNNING;
  const leaves = leafList.filter((s) => s !== TaskState.REMOVED);
  if (leaves.some(isFailedLike)) return DagRunState.FAILED;
  if (leaves.every(isSuccessLike)) return DagRunState.SUCCESS;
  return DagRunState.RUNNING; // unreachable: a finished, non-removed state is failed-like or success-like
}

export const RunStateReason = {
  SUCCESS: 'success',
  TASK_FAILURE: 'task_failure',
  ALL_TASKS_DEADLOCKED: 'all_tasks_deadlocked',
  RUNNING: 'running',
} as const;
export type RunStateReason = (typeof RunStateReason)[keyof typeof RunStateReason];

export interface RunStateResult {
  state: DagRunState;
  /** Airflow's callback `reason` / message: success, task_failure, all_tasks_deadlocked; or running. */
  reason: RunStateReason;
  /** A sentence for users. */
  message: string;
  /** For deadlocks: the unfinished tasks and why none can run. */
  blocked: { task_id: string; reason: string }[];
}

function result(state: DagRunState, reason: RunStateReason, message: string, blocked: RunStateResult['blocked'] = []): RunStateResult {
  return { state, reason, message, blocked };
}

/**
 * The run state for a DAG and its task states, with deadlock detection. Pending skip /
 * upstream_failed propagation is applied first (as the scheduler would in its next loops), so the
 * answer is the one Airflow reaches once those settle.
 */
export function evaluateRunState(
  dagOrTasks: DagIndex | readonly RuntimeTask[],
  states: StateMap,
  options: Pick<PropagationOptions, 'pastDependsMet'> = {},
): RunStateResult {
  const dag = Array.isArray(dagOrTasks) ? indexDag(dagOrTasks as readonly RuntimeTask[]) : (dagOrTasks as DagIndex);
  const settled = propagate(dag, states, options).states;
  const unfinished = dag.order.filter((id) => isUnfinished(settled[id]!));
  const leaves = runStateTaskIds(dag).filter((id) => settled[id] !== TaskState.REMOVED);

  if (unfinished.length === 0) {
    const failedLeaves = leaves.filter((id) => isFailedLike(settled[id]!));
    if (failedLeaves.length) {
      return result(
        DagRunState.FAILED,
        RunStateReason.TASK_FAILURE,
        `The run failed: final ${failedLeaves.length === 1 ? 'task' : 'tasks'} ${failedLeaves.map((id) => `'${id}' (${settled[id]})`).join(', ')}`,
      );
    }
    return result(DagRunState.SUCCESS, RunStateReason.SUCCESS, 'The run succeeded: every final task succeeded or was skipped');
  }

  const shouldSchedule = unfinished.every((id) => {
    const task = dag.tasks.get(id)!;
    return !task.depends_on_past && task.max_active_tis_per_dag == null && settled[id] !== TaskState.DEFERRED;
  });
  if (shouldSchedule) {
    const evaluations = unfinished.map((id) => ({ task_id: id, result: evaluateTask(dag, id, settled) }));
    if (!evaluations.some((e) => e.result.decision === TriggerDecision.RUN)) {
      const blocked = evaluations.map((e) => ({ task_id: e.task_id, reason: e.result.reason }));
      return result(
        DagRunState.FAILED,
        RunStateReason.ALL_TASKS_DEADLOCKED,
        `The run failed: no task can run any more (deadlock): ${blocked.map((b) => `'${b.task_id}': ${b.reason}`).join('; ')}`,
        blocked,
      );
    }
  }
  return result(
    DagRunState.RUNNING,
    RunStateReason.RUNNING,
    `The run is running: ${unfinished.length} ${unfinished.length === 1 ? 'task has' : 'tasks have'} not finished`,
  );
}

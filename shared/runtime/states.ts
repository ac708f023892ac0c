/**
 * Task-instance and DAG-run states, with Airflow 2's literal values (`airflow/utils/state.py`).
 *
 * Airflow represents "no state yet" as Python `None`; here it is the string `'none'` (the name
 * Airflow's UI and CLI show), and `null`/`undefined` are accepted as the same thing
 * ({@link MaybeTaskState}). An API layer that must emit Airflow's JSON maps `'none'` to `null`.
 * Airflow's `shutdown` and `restarting` states are not used: skydag never kills a running task by
 * flipping its state, so nothing would ever write them.
 */
import { assertNever } from './assert-never.js';

export const TaskState = {
  NONE: 'none',
  SCHEDULED: 'scheduled',
  QUEUED: 'queued',
  RUNNING: 'running',
  SUCCESS: 'success',
  FAILED: 'failed',
  SKIPPED: 'skipped',
  UPSTREAM_FAILED: 'upstream_failed',
  UP_FOR_RETRY: 'up_for_retry',
  UP_FOR_RESCHEDULE: 'up_for_reschedule',
  REMOVED: 'removed',
  DEFERRED: 'deferred',
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];
export const TASK_STATES: readonly TaskState[] = Object.values(TaskState);

export const DagRunState = {
  QUEUED: 'queued',
  RUNNING: 'running',
  SUCCESS: 'success',
  FAILED: 'failed',
} as const;
export type DagRunState = (typeof DagRunState)[keyof typeof DagRunState];
export const DAG_RUN_STATES: readonly DagRunState[] = Object.values(DagRunState);

/** Airflow 2's `DagRunType` values (the run id prefix, e.g. `scheduled__2024-01-01T00:00:00+00:00`). */
export const DagRunType = {
  SCHEDULED: 'scheduled',
  MANUAL: 'manual',
  BACKFILL: 'backfill',
  DATASET_TRIGGERED: 'dataset_triggered',
} as const;
export type DagRunType = (typeof DagRunType)[keyof typeof DagRunType];
export const DAG_RUN_TYPES: readonly DagRunType[] = Object.values(DagRunType);

/**
 * Whether a state is terminal ("needs no further action": `State.finished`) or not
 * (`State.unfinished`). Written as an exhaustive switch so a new state must be classified here.
 */
export function isFinished(state: TaskState): boolean {
  switch (state) {
    case TaskState.SUCCESS:
    case TaskState.FAILED:
    case TaskState.SKIPPED:
    case TaskState.UPSTREAM_FAILED:
    case TaskState.REMOVED:
      return true;
    case TaskState.NONE:
    case TaskState.SCHEDULED:
    case TaskState.QUEUED:
    case TaskState.RUNNING:
    case TaskState.UP_FOR_RETRY:
    case TaskState.UP_FOR_RESCHEDULE:
    case TaskState.DEFERRED:
      return false;
    default:
      return assertNever(state, 'task state');
  }
}

export function isUnfinished(state: TaskState): boolean {
  return !isFinished(state);
}

/** `State.finished`: success, failed, skipped, upstream_failed, removed. */
export const FINISHED_STATES: ReadonlySet<TaskState> = new Set(TASK_STATES.filter(isFinished));
/** `State.unfinished`: none, scheduled, queued, running, up_for_retry, up_for_reschedule, deferred. */
export const UNFINISHED_STATES: ReadonlySet<TaskState> = new Set(TASK_STATES.filter(isUnfinished));
/** `State.failed_states`: the states that make a leaf fail its DAG run. */
export const FAILED_STATES: ReadonlySet<TaskState> = new Set<TaskState>([TaskState.FAILED, TaskState.UPSTREAM_FAILED]);
/** `State.success_states`: the states a leaf may end in for its DAG run to succeed. */
export const SUCCESS_STATES: ReadonlySet<TaskState> = new Set<TaskState>([TaskState.SUCCESS, TaskState.SKIPPED]);
/**
 * `SCHEDULEABLE_STATES` (taskinstance.py): states in which the scheduler re-evaluates a task's
 * dependencies (no state yet, or waiting to retry / to be rescheduled).
 */
export const SCHEDULABLE_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  TaskState.NONE,
  TaskState.UP_FOR_RETRY,
  TaskState.UP_FOR_RESCHEDULE,
]);
/** `State.running`: a task is executing (or deferred, waiting on a trigger). */
export const RUNNING_STATES: ReadonlySet<TaskState> = new Set<TaskState>([TaskState.RUNNING, TaskState.DEFERRED]);

/** failed or upstream_failed. */
export function isFailedLike(state: TaskState): boolean {
  return FAILED_STATES.has(state);
}

/** success or skipped. */
export function isSuccessLike(state: TaskState): boolean {
  return SUCCESS_STATES.has(state);
}

export function isTaskState(value: unknown): value is TaskState {
  return typeof value === 'string' && (TASK_STATES as readonly string[]).includes(value);
}

export function isDagRunState(value: unknown): value is DagRunState {
  return typeof value === 'string' && (DAG_RUN_STATES as readonly string[]).includes(value);
}

/** A run is finished once it is success or failed. */
export function isDagRunFinished(state: DagRunState): boolean {
  switch (state) {
    case DagRunState.SUCCESS:
    case DagRunState.FAILED:
      return true;
    case DagRunState.QUEUED:
    case DagRunState.RUNNING:
      return false;
    default:
      return assertNever(state, 'DAG run state');
  }
}

/**
 * Airflow's Python `None` ("no state yet") may arrive as `null`/`undefined` (the metadata records use
 * `null`); the runtime functions accept it wherever they take states and read it as `'none'`.
 */
export type MaybeTaskState = TaskState | null | undefined;

export function normalizeTaskState(state: MaybeTaskState): TaskState {
  return state ?? TaskState.NONE;
}

/** Reads a state as Airflow's API returns it (`null` for no state) into skydag's `TaskState`. */
export function taskStateFromAirflow(value: string | null | undefined): TaskState {
  if (value == null) return TaskState.NONE;
  if (isTaskState(value)) return value;
  throw new RangeError(`Unknown task state '${value}'; expected one of ${TASK_STATES.join(', ')}`);
}

/** Task and run states: display order, colours (CSS variables) and labels. */
import type { DagRunState, TaskState } from '../api/types';

export type AnyState = TaskState | DagRunState | 'none';

/** The order states are listed in (most actionable first), as Airflow's legend lists them. */
export const STATE_ORDER: readonly AnyState[] = [
  'failed',
  'upstream_failed',
  'up_for_retry',
  'up_for_reschedule',
  'running',
  'restarting',
  'deferred',
  'queued',
  'scheduled',
  'success',
  'skipped',
  'removed',
  'none',
];

export const stateColor = (state: string | null | undefined): string => `var(--state-${state ?? 'none'})`;

export const stateLabel = (state: string | null | undefined): string => (state ?? 'no status').replace(/_/g, ' ');

export function isFinishedTaskState(state: TaskState | null): boolean {
  return state === 'success' || state === 'failed' || state === 'skipped' || state === 'upstream_failed' || state === 'removed';
}

export function isActiveRunState(state: DagRunState): boolean {
  return state === 'running' || state === 'queued';
}

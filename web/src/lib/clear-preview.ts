/**
 * Clearing and marking task instances: the request a set of options makes (the same body for the
 * dry-run preview and for the real action, so what is previewed is what happens), and the preview
 * itself — the task instances affected, grouped by run, with a one-line summary.
 */
import type { ClearRequest, SetStateRequest } from '../api/endpoints';
import type { TaskInstanceReference } from '../api/types';

export interface ClearOptions {
  downstream: boolean;
  upstream: boolean;
  onlyFailed: boolean;
  past: boolean;
  future: boolean;
}

/** What the console's clear dialog starts with: the task and what depends on it, in this run, whatever its state (as Airflow's UI). */
export const DEFAULT_CLEAR_OPTIONS: ClearOptions = { downstream: true, upstream: false, onlyFailed: false, past: false, future: false };

export function clearRequest(taskId: string, runId: string, options: ClearOptions, dryRun: boolean): ClearRequest {
  return {
    dry_run: dryRun,
    task_ids: [taskId],
    dag_run_id: runId,
    include_downstream: options.downstream,
    include_upstream: options.upstream,
    include_past: options.past,
    include_future: options.future,
    only_failed: options.onlyFailed,
    reset_dag_runs: true,
  };
}

export type MarkState = 'success' | 'failed';

export function markRequest(taskId: string, runId: string, state: MarkState, options: Omit<ClearOptions, 'onlyFailed'>, dryRun: boolean): SetStateRequest {
  return {
    dry_run: dryRun,
    task_id: taskId,
    dag_run_id: runId,
    new_state: state,
    include_downstream: options.downstream,
    include_upstream: options.upstream,
    include_past: options.past,
    include_future: options.future,
  };
}

export interface Preview {
  total: number;
  runs: { runId: string; taskIds: string[] }[];
  summary: string;
}

/** The affected task instances by run (runs in the order the API listed them, tasks sorted). */
export function previewOf(refs: readonly TaskInstanceReference[], verb: string): Preview {
  const byRun = new Map<string, string[]>();
  for (const r of refs) {
    const list = byRun.get(r.dag_run_id) ?? [];
    list.push(r.task_id);
    byRun.set(r.dag_run_id, list);
  }
  const runs = [...byRun].map(([runId, taskIds]) => ({ runId, taskIds: [...new Set(taskIds)].sort() }));
  const total = refs.length;
  const summary =
    total === 0
      ? `Nothing to ${verb}: no task instance matches these options.`
      : `${total} task instance${total === 1 ? '' : 's'} in ${runs.length} run${runs.length === 1 ? '' : 's'} will be ${verb === 'clear' ? 'cleared and run again' : `marked ${verb}`}.`;
  return { total, runs, summary };
}

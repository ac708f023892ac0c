/**
 * The reconciler: repairs what a handler that died (or an answer that was lost) left behind. Run every
 * minute (an EventBridge schedule in the cloud, the scheduler's ticker locally); every step is
 * idempotent, so it may run while handlers run and may overlap itself. For each running run:
 *
 * - its execution ended (status known and not RUNNING) but the run is still running → finalize with
 *   the engine error (what the execution-status event does, had it been lost);
 * - tasks decided but whose token is still recorded (the answer never went through) → answered again;
 *   tasks waiting in prepare with no decision → decided if their upstream tasks allow (a prepare or
 *   complete that died between its write and its decisions);
 * - slots held by tries that are no longer queued or running → given back;
 * - waits handed between invocations (sensors, Livy batches) overdue well past their time (the
 *   one-shot schedule was lost, or the invocation that claimed them died) → scheduled again (waits.ts).
 */
import { executionName } from '../execution-names.js';
import { TaskState } from '../states.js';
import { advance } from './advance.js';
import type { ExecutionStatusLookup, RuntimeDeps } from './deps.js';
import { EXECUTION_STATUS_DETAIL_TYPE, onExecutionStatusChange, type ExecutionStatusHooks } from './execution-status.js';
import { loadRunContext } from './run-context.js';
import { releaseEndedSlots } from './slots.js';
import { repairLostWaits } from './waits.js';

export interface ReconcileReport {
  runs: number;
  finalized: string[];
  /** Task instances looked at again (tokens re-answered or decided). */
  revisited: number;
  releasedSlots: number;
  /** Waits whose next invocation was scheduled again (`dag/run/task`). */
  repairedWaits: string[];
  errors: string[];
}

export interface ReconcileOptions {
  /** The DAGs whose running runs are checked. */
  dagIds: readonly string[];
  executions: ExecutionStatusLookup;
  hooks?: ExecutionStatusHooks;
}

export async function reconcile(deps: RuntimeDeps, options: ReconcileOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = { runs: 0, finalized: [], revisited: 0, releasedSlots: 0, repairedWaits: [], errors: [] };
  const dagIds = new Set(options.dagIds);
  // Running runs from the active-runs index (one query, not one per DAG over its history).
  const running = (await deps.store.listActiveDagRuns({ states: ['running'] })).filter((run) => dagIds.has(run.dag_id));
  for (const run of running) {
    report.runs++;
    try {
      const status = await options.executions.statusOf(run);
      if (status !== undefined && status !== 'RUNNING') {
        const name = executionName(run, run.generation ?? 0);
        const event = {
          'detail-type': EXECUTION_STATUS_DETAIL_TYPE,
          source: 'aws.states',
          // A run still running after its execution SUCCEEDED never reached finalize's write: it failed somewhere.
          detail: { executionArn: name, stateMachineArn: '', name, status: status === 'SUCCEEDED' ? 'FAILED' : status, input: JSON.stringify({ run: { dag_id: run.dag_id, run_id: run.run_id } }), error: null, cause: `the reconciler found the execution ${status} while the run was still running` },
        } as const;
        const outcome = await onExecutionStatusChange(deps, event, options.hooks);
        if (outcome.action === 'finalized') report.finalized.push(`${run.dag_id}/${run.run_id}`);
        continue;
      }
      const ctx = await loadRunContext(deps, run);
      const tis = await deps.store.listTaskInstances(run.dag_id, run.run_id);
      const waiting = tis.filter((ti) => ti.token !== null).map((ti) => ti.task_id);
      report.revisited += waiting.length;
      await advance(deps, ctx, waiting);
      for (const taskId of await repairLostWaits(deps, tis)) report.repairedWaits.push(`${run.dag_id}/${run.run_id}/${taskId}`);
      const current = new Map((await deps.store.listTaskInstances(run.dag_id, run.run_id)).map((ti) => [ti.task_id, ti]));
      report.releasedSlots += await releaseEndedSlots(deps, ctx.dag, run, (taskId, tryNumber) => {
        const ti = current.get(taskId);
        if (!ti) return false;
        // A later try is being started (slots are taken before its claim is written): not ours to free.
        if (tryNumber > ti.try_number) return true;
        return tryNumber === ti.try_number && (ti.state === TaskState.QUEUED || ti.state === TaskState.RUNNING);
      });
    } catch (err) {
      report.errors.push(`${run.dag_id}/${run.run_id}: ${(err as Error).message}`);
    }
  }
  return report;
}

/**
 * The reconciler: repairs what a handler that died (or an answer that was lost) left behind. Run every
 * minute (an EventBridge schedule in the cloud, the scheduler's ticker locally); every step is
 * idempotent, so it may run while handlers run and may overlap itself. For each running run:
 *
 * - its execution ended (status known and not RUNNING) but the run is still running → finalize with
 *   the engine error (what the execution-status event does, had it been lost);
 * - it has no execution at all, well after it was started (whoever moved it queued → running died
 *   before StartExecution) → started (`startRun`: idempotent, the same execution name);
 * - tasks decided but whose token is still recorded (the answer never went through) → answered again;
 *   tasks waiting in prepare with no decision → decided if their upstream tasks allow (a prepare or
 *   complete that died between its write and its decisions);
 * - slots held by tries that are no longer queued or running → given back;
 * - waits handed between invocations (sensors, Livy batches) overdue well past their time (the
 *   one-shot schedule was lost, or the invocation that claimed them died) → scheduled again (waits.ts);
 * - side effects a try's or a run's end still owes whose sender died (alerts, callbacks, dataset
 *   events; owed-effects.ts) → sent. Ended runs owing them stay in the active-runs index until then.
 */
import type { DagRunRecord } from '../../model/records.js';
import { executionName } from '../execution-names.js';
import { TaskState } from '../states.js';
import { advance } from './advance.js';
import type { ExecutionStatusLookup, RuntimeDeps } from './deps.js';
import { EXECUTION_STATUS_DETAIL_TYPE, onExecutionStatusChange, type ExecutionStatusHooks } from './execution-status.js';
import { settleRunEffects } from './finalize.js';
import { loadRunContext } from './run-context.js';
import { releaseEndedSlots } from './slots.js';
import { settleOwingTasks } from './task-effects.js';
import { repairLostWaits } from './waits.js';

export interface ReconcileReport {
  runs: number;
  finalized: string[];
  /** Task instances looked at again (tokens re-answered or decided). */
  revisited: number;
  releasedSlots: number;
  /** Waits whose next invocation was scheduled again (`dag/run/task`). */
  repairedWaits: string[];
  /** Runs and task instances whose owed side effects were sent (`dag/run` or `dag/run/task`). */
  settledEffects: string[];
  /** Running runs that had no execution and were started (`dag/run`). */
  started: string[];
  /** Kept totals the store mended (its daily count repair). */
  repairedCounts: string[];
  errors: string[];
}

/**
 * How long a running run may have no execution before the reconciler starts it: its starter writes
 * the run's running state, then calls StartExecution a moment later; a reconciler pass in between
 * must not count it as lost (a second start would be harmless — same name — but noisy).
 */
export const START_GRACE_MS = 120_000;

export interface ReconcileOptions {
  /** The DAGs whose running runs are checked. */
  dagIds: readonly string[];
  executions: ExecutionStatusLookup;
  hooks?: ExecutionStatusHooks;
  /** Starts a running run's execution (idempotent per run); without it, runs with no execution are left to the scheduler. */
  startRun?: (run: DagRunRecord) => Promise<void>;
}

export async function reconcile(deps: RuntimeDeps, options: ReconcileOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = { runs: 0, finalized: [], revisited: 0, releasedSlots: 0, repairedWaits: [], settledEffects: [], started: [], repairedCounts: [], errors: [] };
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
      if (status === undefined && options.startRun && run.run_type !== 'backfill' && deps.clock().getTime() - Date.parse(run.start_date ?? run.queued_at ?? '') > START_GRACE_MS) {
        await options.startRun(run);
        report.started.push(`${run.dag_id}/${run.run_id}`);
        continue;
      }
      const ctx = await loadRunContext(deps, run);
      const tis = await deps.store.listTaskInstances(run.dag_id, run.run_id);
      const waiting = tis.filter((ti) => ti.token !== null).map((ti) => ti.task_id);
      report.revisited += waiting.length;
      await advance(deps, ctx, waiting);
      for (const taskId of await repairLostWaits(deps, tis)) report.repairedWaits.push(`${run.dag_id}/${run.run_id}/${taskId}`);
      for (const key of await settleOwingTasks(deps, ctx, tis)) report.settledEffects.push(`${run.dag_id}/${run.run_id}/${key}`);
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
  await settleEndedRuns(deps, dagIds, report);
  try {
    report.repairedCounts.push(...((await deps.store.repairKeptCounts?.(deps.clock())) ?? []));
  } catch (err) {
    report.errors.push(`repairing kept counts: ${(err as Error).message}`);
  }
  return report;
}

/** Ended runs whose end still owes side effects (the delivery sending them died): sent. */
async function settleEndedRuns(deps: RuntimeDeps, dagIds: ReadonlySet<string>, report: ReconcileReport): Promise<void> {
  for (const run of await deps.store.listActiveDagRuns({ owingEffects: true })) {
    if (!dagIds.has(run.dag_id)) continue;
    try {
      if ((await settleRunEffects(deps, await loadRunContext(deps, run), run)) === 'settled') report.settledEffects.push(`${run.dag_id}/${run.run_id}`);
    } catch (err) {
      report.errors.push(`${run.dag_id}/${run.run_id}: ${(err as Error).message}`);
    }
  }
}

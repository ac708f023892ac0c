/**
 * LatestOnlyOperator (Airflow `airflow/operators/latest_only.py`): follows all direct downstream
 * tasks when the run is for the latest schedule interval — `now` lies in the *next* interval
 * `(next.start, next.end]` — and none otherwise. Externally triggered runs and schedules without a
 * next run (`None`, `@once`) never skip. The decision itself is `evaluateLatestOnly`.
 *
 * The next interval is Airflow's `dag.next_dagrun_info(run's interval, restricted=False)`:
 * - cron: start = the run's interval end aligned to the latest cron time at or before it; end = the
 *   next cron time after start, computed in the DAG's timezone (cron-parser);
 * - timedelta: start = the run's interval end; end = start + the delta.
 * `restricted=False` means the DAG's end_date is not consulted, as in Airflow.
 */
import type { Dag } from '../../model/schema.js';
import { timetableFor } from '../../scheduling/timetable.js';
import { type Interval, evaluateLatestOnly } from '../branching.js';
import { toEpochMs } from '../time.js';
import { withReturnValue } from './support.js';
import type { ExecutionOutcome, ExecutionRequest, TaskExecutor } from './types.js';

/**
 * The data interval of the run after the one ending at `intervalEnd` (`DAG.next_dagrun_info(
 * dag_run.data_interval, restricted=False)`), or null when the schedule has none.
 */
export function nextDataInterval(dag: Pick<Dag, 'schedule' | 'timezone'>, intervalEnd: string): Interval | null {
  const end = toEpochMs(intervalEnd, 'data interval end');
  // A custom timetable's next run is its Python's to say; its runs are treated as the latest (never skipped).
  if (dag.schedule.type === 'none' || dag.schedule.type === 'once' || dag.schedule.type === 'custom') return null;
  const next = timetableFor(dag.schedule, dag.timezone).nextDagRunInfo({ start: end, end }, { earliest: null, latest: null, catchup: true }, end);
  return next && { start: new Date(next.start), end: new Date(next.end) };
}

export const latestOnlyExecutor: TaskExecutor = async (request: ExecutionRequest): Promise<ExecutionOutcome> => {
  const { run, task, log } = request;
  const downstream = [...task.downstream_task_ids];
  const external = run.external_trigger;
  const next = external ? null : nextDataInterval(request.dag, run.data_interval_end);
  const now = request.now();
  if (next && !external) {
    log.info(
      `Checking latest only with left_window: ${new Date(toEpochMs(next.start)).toISOString()} right_window: ${new Date(toEpochMs(next.end)).toISOString()} now: ${now.toISOString()}`,
    );
  }
  const decision = evaluateLatestOnly({
    runType: run.run_type,
    externalTrigger: external,
    logicalDate: run.logical_date,
    dataInterval: { start: run.data_interval_start, end: run.data_interval_end },
    nextDataInterval: next,
    now,
  });
  log.info(decision.reason);
  const followed = decision.skipDownstream ? [] : downstream;
  // BaseBranchOperator.execute returns the branches it follows (pushed as the return_value XCom).
  return { outcome: 'success', followed, message: decision.reason, ...withReturnValue(task, followed) };
};

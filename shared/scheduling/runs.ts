/**
 * Run records the scheduler and backfill create, and the store queries they need. Scheduled and
 * backfill runs are created in state `queued` (Airflow 2.1+: `dag.create_dagrun(state=QUEUED)`), then
 * moved to `running` by whoever starts them, so a run is never `running` without having been started
 * on purpose, and creation stays one conditional write (DagRunExistsError = someone else created it).
 */
import type { DagRunRecord } from '../model/records.js';
import type { Dag } from '../model/schema.js';
import { defaultRunId, newTaskInstances } from '../runtime/handlers/launch.js';
import { DagRunState, DagRunType } from '../runtime/states.js';
import { ACTIVE_RUN_STATES, DagRunExistsError, isActiveRunState, LogicalDateTakenError, type RunStore } from '../stores/metadata.js';
import type { DagRunInfo } from './timetable.js';

/** Run types whose runs follow the schedule: what Airflow's "last automated run" considers. */
export const AUTOMATED_RUN_TYPES: ReadonlySet<string> = new Set([DagRunType.SCHEDULED, DagRunType.BACKFILL]);
export { ACTIVE_RUN_STATES } from '../stores/metadata.js';

const PAGE = 100;

export interface NewRunOptions {
  runType: typeof DagRunType.SCHEDULED | typeof DagRunType.BACKFILL;
  info: DagRunInfo;
  dagVersion: string | null;
  now: Date;
}

/** The run record for a scheduled or backfill interval, in state `queued`. */
export function queuedRunRecord(dag: Dag, options: NewRunOptions): DagRunRecord {
  return {
    dag_id: dag.dag_id,
    run_id: defaultRunId(options.runType, options.info.logicalDate),
    logical_date: options.info.logicalDate.toISOString(),
    data_interval_start: options.info.dataInterval.start.toISOString(),
    data_interval_end: options.info.dataInterval.end.toISOString(),
    run_type: options.runType,
    state: DagRunState.QUEUED,
    external_trigger: false,
    conf: {},
    queued_at: options.now.toISOString(),
    start_date: null,
    end_date: null,
    dag_version: options.dagVersion,
    parent: null,
    note: null,
  };
}

export type CreateOutcome = { created: true; run: DagRunRecord } | { created: false; existing: DagRunRecord | undefined };

/**
 * Creates the run for an interval unless a run with the same logical date exists (Airflow 2 keeps
 * one run per (dag_id, logical date) and skips creation when one exists). Safe under concurrency and
 * retries: the run id is deterministic, and the store refuses a second run id or a second run at the
 * logical date with conditional writes (the read first only saves a write in the common case).
 */
export async function createRunOnce(store: RunStore, dag: Dag, options: NewRunOptions): Promise<CreateOutcome> {
  const existing = await runAtLogicalDate(store, dag.dag_id, options.info.logicalDate);
  if (existing) return { created: false, existing };
  const run = queuedRunRecord(dag, options);
  try {
    await store.createDagRun(run, newTaskInstances(dag, run.run_id));
    return { created: true, run };
  } catch (err) {
    // Another launcher created this run, or a run of another kind (a manual one) took the logical date first.
    if (err instanceof DagRunExistsError) return { created: false, existing: await store.getDagRun(dag.dag_id, err instanceof LogicalDateTakenError ? err.existingRunId : run.run_id) };
    throw err;
  }
}

/** The run (of any type) whose logical date is exactly `logicalDate`, if any. */
export async function runAtLogicalDate(store: RunStore, dagId: string, logicalDate: Date): Promise<DagRunRecord | undefined> {
  const at = logicalDate.getTime();
  const [newest] = await store.listDagRuns(dagId, { logicalDateBefore: new Date(at + 1).toISOString(), limit: 1 });
  if (newest && Date.parse(newest.logical_date) === at) return newest;
  // Several runs may share the logical date; the newest-first order puts one of them first, which is enough.
  return undefined;
}

/** The automated (scheduled or backfill) run with the latest logical date: Airflow's "last automated run". */
export async function latestAutomatedRun(store: RunStore, dagId: string): Promise<DagRunRecord | undefined> {
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listDagRuns(dagId, { limit: PAGE, offset });
    const found = page.find((r) => AUTOMATED_RUN_TYPES.has(r.run_type));
    if (found || page.length < PAGE) return found;
  }
}

/** Runs in `states`, oldest logical date first. */
export async function runsInStates(store: RunStore, dagId: string, states: readonly string[]): Promise<DagRunRecord[]> {
  const runs = states.every(isActiveRunState) ? await store.listActiveDagRuns({ dagId, states }) : await store.listDagRuns(dagId, { states });
  return runs.sort((a, b) => Date.parse(a.logical_date) - Date.parse(b.logical_date) || a.run_id.localeCompare(b.run_id));
}

/** Airflow's `DagRun.active_runs_of_dags`: queued + running (onlyRunning: running only), every run type. */
export async function countActiveRuns(store: RunStore, dagId: string, onlyRunning = false): Promise<number> {
  return (await store.listActiveDagRuns({ dagId, states: onlyRunning ? [DagRunState.RUNNING] : ACTIVE_RUN_STATES })).length;
}

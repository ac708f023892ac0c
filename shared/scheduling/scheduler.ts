/**
 * One scheduling pass, pure over ports (store, clock, run starter, DAG models): what Airflow 2's
 * `SchedulerJobRunner` does per loop in `_create_dagruns_for_dags` / `_create_dag_runs` and
 * `_start_queued_dagruns` (`airflow/jobs/scheduler_job_runner.py`).
 *
 * For every active, unpaused DAG:
 * 1. Create the due scheduled runs, oldest first, in state `queued`, with run id
 *    `scheduled__<logical date>`. A run is due when its data interval has ended (`run_after <= now`).
 *    Creation stops while the DAG has `max_active_runs` active (queued + running) runs: like Airflow
 *    (`_should_update_dag_next_dagruns` sets `next_dagrun_create_after = None` at the limit), runs
 *    beyond the limit are *not created yet*; they are created by later passes as runs finish, so
 *    catch-up proceeds oldest first at most `max_active_runs` at a time. (Airflow creates one run per
 *    DAG per loop; a pass here creates every due run up to the limit, which converges to the same
 *    runs faster.)
 * 2. Start queued runs (scheduled ones, and manual ones created queued), oldest logical date first,
 *    while fewer than `max_active_runs` are running: `queued → running`, then `startRun`. Backfill
 *    runs are started by the backfill, never here (Airflow excludes BACKFILL_JOB runs too).
 * 3. Record the next run in the DagRecord (`next_dagrun`, `next_dagrun_data_interval_*`).
 * 4. Data-aware DAGs (`dataset_schedule`): create the dataset-triggered run (queued, started by step 2)
 *    when the dataset events since the last one satisfy the condition (./datasets.ts). This runs
 *    before starting queued runs, so a run created in a pass starts in the same pass.
 * 5. Record the SLA misses of the DAG's scheduled runs and notify them: the DAG's sla_miss_callback
 *    and the SLA email (./slas.ts). A failing notification is reported in `errors`, never fatal.
 *
 * Paused DAGs are skipped entirely: nothing is created or started and nothing accumulates. When a
 * DAG is unpaused, the next interval is computed from the last automated run again, so with
 * catchup=True the missed intervals run (oldest first) and with catchup=False only the latest.
 *
 * Restart safety: the metadata store is the only state. The next interval is always recomputed from
 * the latest automated (scheduled or backfill) run in the store — never from the DagRecord's cached
 * `next_dagrun` — and creation is one conditional write of a deterministic run id, skipped when any
 * run exists at that logical date. A pass that dies after creating k runs therefore leaves k queued
 * runs, and the next pass continues with run k+1: nothing is duplicated or lost. Starting is
 * `queued → running` then `startRun`; a crash between the two leaves a running run with no
 * execution, which a pass with `recoverRunning` re-starts (`startRun` must be idempotent per run id,
 * as Step Functions' StartExecution is for the same name and input).
 */
import type { DagRecord, DagRunRecord, SlaMissRecord } from '../model/records.js';
import type { Dag } from '../model/schema.js';
import { DagRunState, DagRunType } from '../runtime/states.js';
import type { DagStore, RunStore } from '../stores/metadata.js';
import { createDatasetTriggeredRun } from './datasets.js';
import { checkSlas, type SlaPorts } from './slas.js';
import { countActiveRuns, createRunOnce, latestAutomatedRun, runsInStates } from './runs.js';
import type { DagRunInfo, LastAutomatedRun } from './timetable.js';
import { nextRunInfo, type CustomTimetables } from './custom-timetable.js';

/** Starts a run's execution (local: the local engine; cloud: StartExecution). Must be idempotent per run id. */
export type StartRun = (run: DagRunRecord) => Promise<void>;

export interface SchedulerPorts {
  store: Pick<DagStore, 'listDags' | 'updateDag' | 'listDagVersions'> & RunStore;
  now: Date;
  startRun: StartRun;
  /** The DAG model of a version (the DagRecord's `current_version`). */
  dagModel(dagId: string, version: string): Promise<Dag | undefined>;
  /**
   * Re-issue `startRun` for every running non-backfill run of the scheduled DAGs: for the first pass
   * after a restart of a scheduler whose store survived it (needs an idempotent `startRun`).
   */
  recoverRunning?: boolean;
  /** Where SLA miss emails go (the runtime's mail transport); absent: misses are only recorded. */
  mail?: SlaPorts['mail'];
  /** Runs DAGs' sla_miss_callback (the Python runner: ../runtime/handlers/sla-callback.ts); absent: not called. */
  slaMissCallback?: SlaPorts['slaMissCallback'];
  /** Upper bound on runs created per DAG in one pass (default 1000): keeps passes short. */
  maxCreatesPerDag?: number;
  /** Asks custom timetables (the Python runner: custom-timetable.ts); absent: DAGs with one get an error per pass. */
  customTimetables?: CustomTimetables | undefined;
}

export interface SchedulerError {
  dag_id: string;
  run_id?: string;
  message: string;
}

export interface SchedulePassResult {
  /** Runs created in this pass (state queued at creation), oldest first per DAG. */
  created: DagRunRecord[];
  /** Runs moved to running and started in this pass. */
  started: DagRunRecord[];
  /** Runs re-started by `recoverRunning`. */
  recovered: DagRunRecord[];
  /** SLA misses recorded in this pass. */
  slaMisses: SlaMissRecord[];
  /** DAGs examined (active and unpaused). */
  dags: number;
  errors: SchedulerError[];
}

const PAGE = 100;

const messageOf = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

const asLastRun = (info: DagRunInfo): LastAutomatedRun => ({
  logical_date: info.logicalDate.toISOString(),
  data_interval_start: info.dataInterval.start.toISOString(),
  data_interval_end: info.dataInterval.end.toISOString(),
});

/** Every active DAG (paged), optionally only unpaused ones. */
async function allDags(store: Pick<DagStore, 'listDags'>, paused?: boolean): Promise<DagRecord[]> {
  const dags: DagRecord[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listDags({ limit: PAGE, offset, ...(paused === undefined ? {} : { paused }) });
    dags.push(...page.items);
    if (page.items.length < PAGE || dags.length >= page.total) return dags;
  }
}

/** Runs one scheduling pass over every active, unpaused DAG. Errors of one DAG do not stop the others. */
export async function schedulePass(ports: SchedulerPorts): Promise<SchedulePassResult> {
  const result: SchedulePassResult = { created: [], started: [], recovered: [], slaMisses: [], dags: 0, errors: [] };
  for (const record of await allDags(ports.store, false)) {
    if (!record.is_active || record.is_paused) continue;
    result.dags++;
    try {
      const dag = await ports.dagModel(record.dag_id, record.current_version);
      if (!dag) throw new Error(`the model of version ${record.current_version} is not available`);
      // A sub-DAG only runs through its SubDagOperator (Airflow's scheduler skips sub-DAGs).
      if (!dag.parent_dag_id) {
        result.created.push(...(await createDueRuns(ports, record, dag)));
        const triggered = await createDatasetTriggeredRun(ports, record, dag);
        if (triggered) result.created.push(triggered);
      }
      if (ports.recoverRunning) result.recovered.push(...(await recoverRunningRuns(ports, dag, result.errors)));
      result.started.push(...(await startQueuedRuns(ports, dag, result.errors)));
      result.slaMisses.push(...(await checkSlas(ports, dag, record.current_version, result.errors)));
    } catch (err) {
      result.errors.push({ dag_id: record.dag_id, message: messageOf(err) });
    }
  }
  return result;
}

export type NextRunFields = Pick<DagRecord, 'next_dagrun' | 'next_dagrun_data_interval_start' | 'next_dagrun_data_interval_end'>;

/** The DagRecord's bookkeeping of a DAG's next run (all null when no run is due ever). */
export function nextRunFields(next: DagRunInfo | null): NextRunFields {
  return {
    next_dagrun: next ? next.logicalDate.toISOString() : null,
    next_dagrun_data_interval_start: next ? next.dataInterval.start.toISOString() : null,
    next_dagrun_data_interval_end: next ? next.dataInterval.end.toISOString() : null,
  };
}

/**
 * The next run as the scheduler would record it now, before creating any: Airflow's `next_dagrun_info`
 * after the DAG's latest automated run. For writers other than the scheduler (unpausing through the API),
 * so the DAG they return is not stale until the next scheduling pass.
 */
export async function currentNextRunFields(store: RunStore, dag: Dag, now: Date, timetables?: CustomTimetables): Promise<Partial<NextRunFields>> {
  // A custom timetable where none can be asked: the scheduler's next pass records it.
  if (dag.schedule.type === 'custom' && !timetables) return {};
  const last = await latestAutomatedRun(store, dag.dag_id);
  return nextRunFields(await nextRunInfo(dag, last ?? null, { now, timetables }));
}

/**
 * Creates the DAG's due scheduled runs (queued), oldest first, up to `max_active_runs` active runs,
 * and records the next run in the DagRecord. Returns the runs created.
 */
export async function createDueRuns(ports: Omit<SchedulerPorts, 'dagModel' | 'startRun'>, record: DagRecord, dag: Dag): Promise<DagRunRecord[]> {
  const { store, now } = ports;
  const created: DagRunRecord[] = [];
  let last: LastAutomatedRun | null = (await latestAutomatedRun(store, dag.dag_id)) ?? null;
  const ask = { now, timetables: ports.customTimetables, version: record.current_version };
  let next = await nextRunInfo(dag, last, ask);
  if (next && next.runAfter <= now) {
    let active = await countActiveRuns(store, dag.dag_id);
    const limit = ports.maxCreatesPerDag ?? 1000;
    for (let i = 0; next && next.runAfter <= now && active < dag.max_active_runs && i < limit; i++) {
      const outcome = await createRunOnce(store, dag, { runType: DagRunType.SCHEDULED, info: next, dagVersion: record.current_version, now });
      if (outcome.created) {
        created.push(outcome.run);
        active++;
      }
      last = asLastRun(next);
      next = await nextRunInfo(dag, last, ask);
    }
  }
  const fields = nextRunFields(next);
  if (
    fields.next_dagrun !== record.next_dagrun ||
    fields.next_dagrun_data_interval_start !== record.next_dagrun_data_interval_start ||
    fields.next_dagrun_data_interval_end !== record.next_dagrun_data_interval_end
  ) {
    await store.updateDag(dag.dag_id, fields);
  }
  return created;
}

/**
 * Airflow's `_start_queued_dagruns` for one DAG: moves queued runs (not backfill runs) to running,
 * oldest logical date first, while fewer than `max_active_runs` runs are running, and starts them.
 * A run whose start fails goes back to queued (retried by the next pass) and is reported in `errors`.
 */
export async function startQueuedRuns(
  ports: Pick<SchedulerPorts, 'store' | 'now' | 'startRun'>,
  dag: Pick<Dag, 'dag_id' | 'max_active_runs'>,
  errors: SchedulerError[] = [],
): Promise<DagRunRecord[]> {
  const { store, now } = ports;
  const queued = (await runsInStates(store, dag.dag_id, [DagRunState.QUEUED])).filter((r) => r.run_type !== DagRunType.BACKFILL);
  if (queued.length === 0) return [];
  let running = await countActiveRuns(store, dag.dag_id, true);
  const started: DagRunRecord[] = [];
  for (const run of queued) {
    if (running >= dag.max_active_runs) break;
    const claimed = await store.updateDagRun(dag.dag_id, run.run_id, { state: DagRunState.RUNNING, start_date: now.toISOString() });
    running++;
    try {
      await ports.startRun(claimed);
      started.push(claimed);
    } catch (err) {
      errors.push({ dag_id: dag.dag_id, run_id: run.run_id, message: messageOf(err) });
      await store.updateDagRun(dag.dag_id, run.run_id, { state: DagRunState.QUEUED, start_date: null });
      running--;
    }
  }
  return started;
}

/** Re-issues `startRun` for the DAG's running non-backfill runs (idempotent starts; see `recoverRunning`). */
async function recoverRunningRuns(ports: Pick<SchedulerPorts, 'store' | 'startRun'>, dag: Dag, errors: SchedulerError[]): Promise<DagRunRecord[]> {
  const running = (await runsInStates(ports.store, dag.dag_id, [DagRunState.RUNNING])).filter((r) => r.run_type !== DagRunType.BACKFILL);
  const recovered: DagRunRecord[] = [];
  for (const run of running) {
    try {
      await ports.startRun(run);
      recovered.push(run);
    } catch (err) {
      errors.push({ dag_id: dag.dag_id, run_id: run.run_id, message: messageOf(err) });
    }
  }
  return recovered;
}

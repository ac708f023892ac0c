/**
 * Backfill: `airflow dags backfill -s START -e END` (Airflow 2's BackfillJobRunner). The runs are the
 * schedule's logical dates in [START, END] (`DAG.iter_dagrun_infos_between`, both ends inclusive),
 * run as `backfill__<logical date>` runs, oldest first, never more than the DAG's `max_active_runs`
 * active at a time (a backfill waits while the DAG is at the limit, counting every run type).
 *
 * Logical dates a backfill can never run are left out of the plan and reported instead: Airflow
 * creates their runs but its `RunnableExecDateDep` refuses to run any task whose logical date is in
 * the future or after the DAG's end_date. Dates before the DAG's start_date do run (Airflow's
 * `DagRun.verify_integrity` creates task instances for backfill runs regardless of start dates).
 *
 * Idempotent: a logical date that already has a run (any type) is not run again; its state is
 * reported. The one exception is a queued backfill run (a backfill that died between creating and
 * starting it), which is started.
 */
import type { DagRunRecord } from '../model/records.js';
import type { Dag } from '../model/schema.js';
import { defaultRunId } from '../runtime/handlers/launch.js';
import { DagRunState, DagRunType } from '../runtime/states.js';
import type { RunStore } from '../stores/metadata.js';
import { countActiveRuns, createRunOnce, runAtLogicalDate } from './runs.js';
import type { DagRunInfo } from './timetable.js';
import { runsBetween, type CustomTimetableOptions, type CustomTimetables } from './custom-timetable.js';

export interface BackfillPlanEntry {
  run_id: string;
  logical_date: string;
  data_interval_start: string;
  data_interval_end: string;
}

export interface BackfillExclusion {
  logical_date: string;
  reason: string;
}

export interface BackfillPlan {
  dag_id: string;
  start: string;
  end: string;
  runs: BackfillPlanEntry[];
  /** Logical dates of the schedule in [start, end] that cannot run (in the future, after end_date). */
  excluded: BackfillExclusion[];
}

export function planEntry(info: DagRunInfo): BackfillPlanEntry {
  return {
    run_id: defaultRunId(DagRunType.BACKFILL, info.logicalDate),
    logical_date: info.logicalDate.toISOString(),
    data_interval_start: info.dataInterval.start.toISOString(),
    data_interval_end: info.dataInterval.end.toISOString(),
  };
}

/**
 * The runs a backfill of [start, end] creates (a dry run prints exactly these). A range with more
 * than `limit` logical dates (default MAX_ENUMERATED_RUNS) is a RangeError.
 */
export async function planBackfill(dag: Dag, start: Date, end: Date, options: CustomTimetableOptions & { now: Date; limit?: number }): Promise<BackfillPlan> {
  if (start.getTime() > end.getTime()) throw new RangeError(`the backfill start ${start.toISOString()} is after its end ${end.toISOString()}`);
  const endDate = dag.end_date ? Date.parse(dag.end_date) : null;
  const plan: BackfillPlan = { dag_id: dag.dag_id, start: start.toISOString(), end: end.toISOString(), runs: [], excluded: [] };
  for (const info of await runsBetween(dag, start, end, options)) {
    const at = info.logicalDate.getTime();
    const logical_date = info.logicalDate.toISOString();
    if (at > options.now.getTime()) plan.excluded.push({ logical_date, reason: `in the future (now is ${options.now.toISOString()})` });
    else if (endDate !== null && at > endDate) plan.excluded.push({ logical_date, reason: `after the DAG's end_date ${dag.end_date}` });
    else plan.runs.push(planEntry(info));
  }
  return plan;
}

export interface BackfillRunOutcome {
  run_id: string;
  logical_date: string;
  /** The run's final state (or its current state when it existed and was not run again). */
  state: string;
  /** False when a run already existed at that logical date. */
  created: boolean;
  error?: string;
}

export interface BackfillPorts {
  store: RunStore;
  dag: Dag;
  dagVersion: string | null;
  clock: () => Date;
  /** Runs a run (already `running` in the store) to its end and returns its final record. */
  execute(run: DagRunRecord): Promise<DagRunRecord>;
  /** Waits while the DAG is at max_active_runs (default: a timer). */
  sleep?(ms: number): Promise<void>;
  /** Called when a run starts (created or reused). */
  onRunStarted?(run: DagRunRecord): void;
  /** Called as each planned logical date is settled. */
  onRunFinished?(outcome: BackfillRunOutcome): void;
  /** Asks a custom timetable for the runs in the range. */
  timetables?: CustomTimetables | undefined;
}

export interface BackfillOptions {
  dryRun?: boolean;
  /** Runs executing at once (default 1: sequential); never above the DAG's max_active_runs. */
  concurrency?: number;
  /** How often to re-check max_active_runs while waiting (default 1000 ms). */
  pollMs?: number;
  /** Give up waiting for a free max_active_runs slot after this long (default: wait forever). */
  maxWaitMs?: number;
}

export interface BackfillResult {
  plan: BackfillPlan;
  dryRun: boolean;
  runs: BackfillRunOutcome[];
  /** True iff every planned run ended in success (a dry run succeeds). */
  succeeded: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runBackfill(ports: BackfillPorts, start: Date, end: Date, options: BackfillOptions = {}): Promise<BackfillResult> {
  const plan = await planBackfill(ports.dag, start, end, { now: ports.clock(), timetables: ports.timetables, version: ports.dagVersion });
  if (options.dryRun) return { plan, dryRun: true, runs: [], succeeded: true };
  const outcomes: BackfillRunOutcome[] = new Array(plan.runs.length);
  const inFlight = new Set<Promise<void>>();
  try {
    await launchAll(ports, plan, options, outcomes, inFlight);
  } finally {
    await Promise.allSettled([...inFlight]);
  }
  return { plan, dryRun: false, runs: outcomes, succeeded: outcomes.every((o) => o.state === DagRunState.SUCCESS) };
}

async function launchAll(ports: BackfillPorts, plan: BackfillPlan, options: BackfillOptions, outcomes: BackfillRunOutcome[], inFlight: Set<Promise<void>>): Promise<void> {
  const { store, dag } = ports;
  const sleep = ports.sleep ?? defaultSleep;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, dag.max_active_runs));
  const pollMs = options.pollMs ?? 1000;
  const settle = (index: number, outcome: BackfillRunOutcome) => {
    outcomes[index] = outcome;
    ports.onRunFinished?.(outcome);
  };
  /** Waits until the DAG has fewer than max_active_runs active runs (`alreadyCounted`: our own queued run). */
  const waitForSlot = async (alreadyCounted: number) => {
    const waitStart = ports.clock().getTime();
    while ((await countActiveRuns(store, dag.dag_id)) - alreadyCounted >= dag.max_active_runs) {
      if (options.maxWaitMs !== undefined && ports.clock().getTime() - waitStart > options.maxWaitMs) {
        throw new Error(`DAG '${dag.dag_id}' stayed at max_active_runs (${dag.max_active_runs}) for more than ${options.maxWaitMs} ms`);
      }
      await sleep(pollMs);
    }
  };

  for (const [index, entry] of plan.runs.entries()) {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    const logicalDate = new Date(entry.logical_date);
    const existing = await runAtLogicalDate(store, dag.dag_id, logicalDate);
    const reusable = existing !== undefined && existing.run_type === DagRunType.BACKFILL && existing.state === DagRunState.QUEUED;
    if (existing && !reusable) {
      settle(index, { run_id: existing.run_id, logical_date: entry.logical_date, state: existing.state, created: false });
      continue;
    }
    await waitForSlot(reusable ? 1 : 0);
    let run = existing;
    let created = false;
    if (!run) {
      const info: DagRunInfo = {
        logicalDate,
        dataInterval: { start: new Date(entry.data_interval_start), end: new Date(entry.data_interval_end) },
        runAfter: new Date(entry.data_interval_end),
      };
      const outcome = await createRunOnce(store, dag, { runType: DagRunType.BACKFILL, info, dagVersion: ports.dagVersion, now: ports.clock() });
      if (!outcome.created) {
        // Another process created it between our check and our write: report it, never run it twice.
        settle(index, { run_id: outcome.existing?.run_id ?? entry.run_id, logical_date: entry.logical_date, state: outcome.existing?.state ?? 'unknown', created: false });
        continue;
      }
      run = outcome.run;
      created = true;
    }
    const running = await store.updateDagRun(dag.dag_id, run.run_id, { state: DagRunState.RUNNING, start_date: ports.clock().toISOString() });
    ports.onRunStarted?.(running);
    const task: Promise<void> = ports
      .execute(running)
      .then(
        (final) => settle(index, { run_id: final.run_id, logical_date: entry.logical_date, state: final.state, created }),
        (err: unknown) =>
          settle(index, { run_id: running.run_id, logical_date: entry.logical_date, state: DagRunState.FAILED, created, error: err instanceof Error ? err.message : String(err) }),
      )
      .finally(() => {
        inFlight.delete(task);
      });
    inFlight.add(task);
  }
}

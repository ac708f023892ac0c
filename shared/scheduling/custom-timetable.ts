/**
 * Custom timetables (`schedule=AfterWorkdayTimetable()`, a `Timetable` subclass of the DAG file or of
 * a plugin): Airflow's scheduler calls their `next_dagrun_info` and `infer_manual_data_interval`, so
 * skydag asks the DAG file's Python process (the runner's `timetable` mode) through the
 * {@link CustomTimetables} port. The other schedules are computed here, synchronously (timetable.ts).
 *
 * Answers are kept for a short while per question (DAG version, last interval, restriction): a
 * scheduling pass asks every DAG each time it runs (every minute in AWS), and a timetable is a pure
 * function of its arguments and the day (catchup=False timetables look at "today").
 */
import type { Dag } from '../model/schema.js';
import {
  CustomTimetableError,
  nextDagRunInfo,
  inferManualDataInterval,
  intervalsBetween,
  MAX_ENUMERATED_RUNS,
  parseInstant,
  timeRestriction,
  toInfo,
  type DagRunInfo,
  type Interval,
  type LastAutomatedRun,
  type NextRunOptions,
  type RawRunInfo,
  type TimeRestriction,
} from './timetable.js';

/** The Python side of custom timetables (runtime/handlers/custom-timetables.ts over the Python runner). */
export interface CustomTimetables {
  /** `timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)`, null for None. */
  nextDagRunInfo(call: { dag: Dag; version: string | null; last: { start: number; end: number } | null; restriction: TimeRestriction }): Promise<RawRunInfo | null>;
  /** `timetable.infer_manual_data_interval(run_after=runAfter)`. */
  inferManualDataInterval(call: { dag: Dag; version: string | null; runAfter: number }): Promise<{ start: number; end: number }>;
}

export interface CustomTimetableOptions {
  /** Absent where no Python runner is wired: a custom timetable is then an error saying so. */
  timetables?: CustomTimetables | undefined;
  /** The DAG version whose file answers (the DAG's current one when null). */
  version?: string | null | undefined;
}

/** The custom timetable's class name, for messages. */
export function timetableName(dag: Pick<Dag, 'schedule'>): string {
  return dag.schedule.type === 'custom' ? dag.schedule.timetable : 'timetable';
}

function portFor(dag: Pick<Dag, 'dag_id' | 'schedule'>, options: CustomTimetableOptions): CustomTimetables {
  if (options.timetables) return options.timetables;
  throw new CustomTimetableError(`DAG '${dag.dag_id}' is scheduled by the custom timetable ${timetableName(dag)}, whose Python code cannot run here (no Python runner)`);
}

/** `DAG.next_dagrun_info(last)` for any schedule: the custom timetable's Python, else timetable.ts. */
export async function nextRunInfo(dag: Dag, last: LastAutomatedRun | null, options: NextRunOptions & CustomTimetableOptions): Promise<DagRunInfo | null> {
  if (dag.schedule.type !== 'custom') return nextDagRunInfo(dag, last, options);
  const raw = await portFor(dag, options).nextDagRunInfo({
    dag,
    version: options.version ?? null,
    last: last ? { start: parseInstant(last.data_interval_start, 'data_interval_start'), end: parseInstant(last.data_interval_end, 'data_interval_end') } : null,
    restriction: timeRestriction(dag, options.catchup ?? dag.catchup),
  });
  return raw && toInfo(raw);
}

/** The data interval of a manual run triggered at `runAfter`, for any schedule. */
export async function manualDataInterval(dag: Dag, runAfter: Date, options: CustomTimetableOptions = {}): Promise<Interval> {
  if (dag.schedule.type !== 'custom') return inferManualDataInterval(dag, runAfter);
  const { start, end } = await portFor(dag, options).inferManualDataInterval({ dag, version: options.version ?? null, runAfter: runAfter.getTime() });
  return { start: new Date(start), end: new Date(end) };
}

/**
 * `DAG.iter_dagrun_infos_between(start, end)` for any schedule (backfills): a custom timetable is asked
 * run after run, as Airflow does, up to `limit` runs.
 */
export async function runsBetween(dag: Dag, start: Date, end: Date, options: CustomTimetableOptions & { limit?: number } = {}): Promise<DagRunInfo[]> {
  if (dag.schedule.type !== 'custom') return intervalsBetween(dag, start, end, options.limit !== undefined ? { limit: options.limit } : {});
  const port = portFor(dag, options);
  const limit = options.limit ?? MAX_ENUMERATED_RUNS;
  const restriction: TimeRestriction = { earliest: start.getTime(), latest: end.getTime(), catchup: true };
  const infos: DagRunInfo[] = [];
  const version = options.version ?? null;
  let raw = await port.nextDagRunInfo({ dag, version, last: null, restriction });
  while (raw !== null) {
    if (infos.length >= limit) throw new RangeError(`more than ${limit} runs between ${start.toISOString()} and ${end.toISOString()}`);
    const info = toInfo(raw);
    // A timetable that does not move forward would be asked forever.
    const previous = infos[infos.length - 1];
    if (previous && info.dataInterval.start.getTime() <= previous.dataInterval.start.getTime()) {
      throw new CustomTimetableError(`the timetable of DAG '${dag.dag_id}' gave the data interval starting ${info.dataInterval.start.toISOString()} again or earlier after one starting ${previous.dataInterval.start.toISOString()}`);
    }
    infos.push(info);
    raw = await port.nextDagRunInfo({ dag, version, last: { start: raw.start, end: raw.end }, restriction });
  }
  return infos;
}

/** How long an answer is reused (a pass every minute asks each DAG once per pass at most). */
export const CUSTOM_TIMETABLE_CACHE_MS = 60_000;
const CACHE_LIMIT = 1000;

/**
 * Keeps a port's answers for {@link CUSTOM_TIMETABLE_CACHE_MS} per question, so a scheduling pass
 * does not start Python for every custom DAG every time. A failure is kept as long: a timetable that
 * raises or hangs costs one call a minute, not one per pass, and the passes in between report it.
 */
export function cachedCustomTimetables(port: CustomTimetables, clock: () => number = Date.now): CustomTimetables {
  const answers = new Map<string, { at: number; value: Promise<RawRunInfo | null> }>();
  return {
    nextDagRunInfo(call) {
      const key = JSON.stringify([call.dag.dag_id, call.version, call.last, call.restriction]);
      const now = clock();
      const kept = answers.get(key);
      if (kept && now - kept.at < CUSTOM_TIMETABLE_CACHE_MS) return kept.value;
      const value = port.nextDagRunInfo(call);
      if (answers.size >= CACHE_LIMIT) answers.clear();
      answers.set(key, { at: now, value });
      // Kept rejected; marked handled here (each caller still sees the rejection).
      value.catch(() => undefined);
      return value;
    },
    inferManualDataInterval: (call) => port.inferManualDataInterval(call),
  };
}

/**
 * Airflow 2's timetables as pure functions: which data interval a DAG runs next, and which intervals
 * a backfill covers. Ported from `airflow/timetables/interval.py` (CronDataIntervalTimetable,
 * DeltaDataIntervalTimetable, `_DataIntervalTimetable.next_dagrun_info`), `airflow/timetables/_cron.py`
 * (CronMixin: DST-aware `_get_next`/`_get_prev`/`_align_to_next`/`_align_to_prev`),
 * `airflow/timetables/simple.py` (OnceTimetable, NullTimetable) and `airflow/models/dag.py`
 * (`DAG._time_restriction`, `DAG.iter_dagrun_infos_between`).
 *
 * Semantics, as Airflow 2.8+ (the last 2.x behaviour):
 * - cron: intervals run between consecutive cron ticks in the DAG's time zone; a run is due when its
 *   interval ends (`run_after` = interval end). The first interval starts at the first tick at or after
 *   `start_date`. Ticks are computed on the wall clock and mapped to instants with `fold=1`: on a
 *   spring-forward night a tick inside the gap fires shifted forward (`0 2 * * *` in Berlin fires at
 *   03:00 CEST), on a fall-back night a repeated tick fires once, at its second occurrence. Crons that
 *   fire every hour (hour field `*`) step in absolute time instead, so the repeated hour runs twice
 *   and the skipped hour not at all, as Airflow's "fold hour" fix does.
 * - timedelta: intervals of the fixed length, anchored at `start_date` (absolute time: Airflow keeps
 *   `start_date` in UTC).
 * - `@once`: one run whose interval is the instant `start_date` (due at `start_date`), whatever catchup.
 * - CronTriggerTimetable: a run at each cron tick (see the class).
 * - EventsTimetable: a run at each listed instant (see the class).
 * - `None`: never.
 * - `end_date` bounds the interval *start* (inclusive): no interval starting after it.
 * - catchup=True: the interval after the last automated run (oldest missed first). catchup=False: never
 *   earlier than the latest complete interval; cron uses the interval that ended at the latest tick at
 *   or before now, timedelta the one ending at now rounded down to a multiple of the delta since the
 *   epoch (Airflow 2.8+, PR #35391).
 */
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import type { Dag, Schedule } from '../model/schema.js';
import { airflowCron } from './cron.js';
import { fromWallClock, toWallClock } from './zones.js';

const DAY_MS = 86_400_000;
/** Safety net against runaway enumerations (e.g. a minutely cron backfilled over decades). */
export const MAX_ENUMERATED_RUNS = 100_000;

export interface Interval {
  start: Date;
  end: Date;
}

/** Airflow's `DagRunInfo`: the logical date, the data interval, and when the run may be created. */
export interface DagRunInfo {
  logicalDate: Date;
  dataInterval: Interval;
  runAfter: Date;
}

/** The scheduling fields of a DAG (both the model and the DagRecord carry them). */
export type SchedulingFields = Pick<Dag, 'schedule' | 'start_date' | 'end_date' | 'timezone' | 'catchup'>;

/** The last automated (scheduled or backfill) run, as the metadata store keeps it. */
export interface LastAutomatedRun {
  logical_date: string;
  data_interval_start: string;
  data_interval_end: string;
}

/** Airflow's `TimeRestriction` (epoch ms; null = unbounded). */
export interface TimeRestriction {
  earliest: number | null;
  latest: number | null;
  catchup: boolean;
}

/** One of Airflow's timetables, in epoch milliseconds. */
export interface Timetable {
  /** False for `None` (NullTimetable.can_be_scheduled). */
  readonly canBeScheduled: boolean;
  nextDagRunInfo(last: { start: number; end: number } | null, restriction: TimeRestriction, now: number): RawRunInfo | null;
  /** `infer_manual_data_interval`: the interval a manual run triggered at `runAfter` covers. */
  inferManualDataInterval(runAfter: number): { start: number; end: number };
}

export interface RawRunInfo {
  logicalDate: number;
  start: number;
  end: number;
  runAfter: number;
}

export function parseInstant(text: string, what: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new RangeError(`${what} '${text}' is not an ISO-8601 instant`);
  return ms;
}

const interval = (start: number, end: number): RawRunInfo => ({ logicalDate: start, start, end, runAfter: end });

/** `_DataIntervalTimetable`: the shared algorithm of the cron and timedelta timetables. */
abstract class DataIntervalTimetable implements Timetable {
  readonly canBeScheduled = true;
  abstract getNext(current: number): number;
  abstract getPrev(current: number): number;
  abstract alignToNext(current: number): number;
  abstract alignToPrev(current: number): number;
  protected abstract skipToLatest(earliest: number | null, now: number): number;
  abstract inferManualDataInterval(runAfter: number): { start: number; end: number };

  nextDagRunInfo(last: { start: number; end: number } | null, restriction: TimeRestriction, now: number): RawRunInfo | null {
    let earliest = restriction.earliest;
    if (!restriction.catchup) earliest = this.skipToLatest(earliest, now);
    else if (earliest !== null) earliest = this.alignToNext(earliest);
    let start: number;
    if (last === null) {
      // First run: the first time matching the schedule, with a retrospective data interval.
      if (earliest === null) return null;
      start = earliest;
    } else {
      // Alignment is needed when the DAG's schedule changed since the last run.
      const alignedLastEnd = this.alignToPrev(last.end);
      start = earliest !== null ? Math.max(alignedLastEnd, earliest) : alignedLastEnd;
    }
    if (restriction.latest !== null && start > restriction.latest) return null;
    return interval(start, this.getNext(start));
  }
}

/** CronDataIntervalTimetable with CronMixin's DST handling. */
export class CronTimetable extends DataIntervalTimetable {
  private readonly expression: CronExpression;
  /** croniter's `expanded[1] == ['*']`: the hour field selects every hour. */
  private readonly coversEveryHour: boolean;

  constructor(
    readonly cron: string,
    readonly timezone: string,
  ) {
    super();
    // Evaluated in UTC on wall-clock times (croniter works on naive datetimes too), with croniter's
    // day-of-month/day-of-week rule.
    this.expression = CronExpressionParser.parse(airflowCron(cron), { tz: 'UTC', currentDate: new Date(0) });
    this.coversEveryHour = this.expression.fields.hour.values.length === 24;
    toWallClock(0, timezone); // validates the zone
  }

  private wallNext(wall: number): number {
    this.expression.reset(new Date(wall));
    return this.expression.next().getTime();
  }

  private wallPrev(wall: number): number {
    this.expression.reset(new Date(wall));
    return this.expression.prev().getTime();
  }

  /** Pendulum's `aware ± timedelta`: whole days move the wall clock, shorter deltas absolute time. */
  private shift(current: number, wallTarget: number, delta: number): number {
    return Math.abs(delta) >= DAY_MS ? fromWallClock(wallTarget, this.timezone) : current + delta;
  }

  getNext(current: number): number {
    const naive = toWallClock(current, this.timezone);
    const scheduled = this.wallNext(naive);
    if (!this.coversEveryHour) return fromWallClock(scheduled, this.timezone);
    return this.shift(current, scheduled, scheduled - naive);
  }

  getPrev(current: number): number {
    const naive = toWallClock(current, this.timezone);
    const scheduled = this.wallPrev(naive);
    if (!this.coversEveryHour) return fromWallClock(scheduled, this.timezone);
    return this.shift(current, scheduled, scheduled - naive);
  }

  alignToNext(current: number): number {
    const next = this.getNext(current);
    return this.getPrev(next) !== current ? next : current;
  }

  alignToPrev(current: number): number {
    const prev = this.getPrev(current);
    return this.getNext(prev) !== current ? prev : current;
  }

  protected skipToLatest(earliest: number | null, now: number): number {
    const lastStart = this.getPrev(now);
    const nextStart = this.getNext(lastStart);
    let newStart: number;
    if (nextStart === now) newStart = lastStart; // now is on an interval boundary
    else if (nextStart > now) newStart = this.getPrev(lastStart);
    else throw new Error(`cron '${this.cron}': next schedule shouldn't be earlier`);
    return earliest === null ? newStart : Math.max(newStart, this.alignToNext(earliest));
  }

  inferManualDataInterval(runAfter: number): { start: number; end: number } {
    const end = this.alignToPrev(runAfter);
    return { start: this.getPrev(end), end };
  }
}

/**
 * CronTriggerTimetable (`airflow/timetables/trigger.py`): a run fires at each cron tick, like POSIX
 * cron, instead of once the interval between two ticks has passed. Its data interval ends at the tick
 * and is `interval` long (zero by default), so the logical date (the interval's start, as
 * `DagRunInfo.logical_date`) is the tick itself unless an interval is given. catchup=False follows
 * Airflow 2's default (`catchup_false_no_dagrun_airflow_2_fix` off): the latest tick at or before now.
 */
export class CronTriggerTimetable implements Timetable {
  readonly canBeScheduled = true;
  private readonly ticks: CronTimetable;
  private readonly intervalMs: number;

  constructor(cron: string, timezone: string, intervalSeconds: number) {
    if (!(intervalSeconds >= 0)) throw new RangeError(`CronTriggerTimetable interval must not be negative, not ${intervalSeconds} seconds`);
    this.ticks = new CronTimetable(cron, timezone);
    this.intervalMs = intervalSeconds * 1000;
  }

  private at(tick: number): RawRunInfo {
    const start = tick - this.intervalMs;
    return { logicalDate: start, start, end: tick, runAfter: tick };
  }

  nextDagRunInfo(last: { start: number; end: number } | null, restriction: TimeRestriction, now: number): RawRunInfo | null {
    let next: number;
    if (restriction.catchup) {
      if (last !== null) next = this.ticks.getNext(last.end);
      else if (restriction.earliest === null) return null; // no idea where to catch up from
      else next = this.ticks.alignToNext(restriction.earliest);
    } else {
      const candidates = [this.ticks.alignToPrev(now)];
      if (last !== null) candidates.push(this.ticks.getNext(last.end));
      if (restriction.earliest !== null) candidates.push(this.ticks.alignToNext(restriction.earliest));
      next = Math.max(...candidates);
    }
    if (restriction.latest !== null && restriction.latest < next) return null;
    return this.at(next);
  }

  inferManualDataInterval(runAfter: number): { start: number; end: number } {
    return { start: runAfter - this.intervalMs, end: runAfter };
  }
}

/**
 * `DeltaDataIntervalTimetable`: no alignment, catchup=False from `_round(now)` (now rounded down to a
 * multiple of the delta's length in seconds since the epoch) set back by one interval, a manual run
 * covering the interval ending at it. Subclasses say how a delta moves time and how long it counts.
 */
abstract class DeltaStepTimetable extends DataIntervalTimetable {
  /** What `_round` rounds by (a relativedelta's is Airflow's approximation). */
  protected abstract readonly roundingMs: number;

  alignToNext(current: number): number {
    return current;
  }

  alignToPrev(current: number): number {
    return current;
  }

  protected skipToLatest(earliest: number | null, now: number): number {
    const rounded = now - (((now % this.roundingMs) + this.roundingMs) % this.roundingMs);
    const nextStart = this.getPrev(rounded);
    return earliest === null ? nextStart : Math.max(nextStart, earliest);
  }

  inferManualDataInterval(runAfter: number): { start: number; end: number } {
    return { start: this.getPrev(runAfter), end: runAfter };
  }
}

/** DeltaDataIntervalTimetable for a `datetime.timedelta` (absolute time). */
export class DeltaTimetable extends DeltaStepTimetable {
  protected readonly roundingMs: number;

  constructor(readonly seconds: number) {
    super();
    if (!(seconds > 0)) throw new RangeError(`schedule interval must be positive, not ${seconds} seconds`);
    this.roundingMs = seconds * 1000;
  }

  getNext(current: number): number {
    return current + this.roundingMs;
  }

  getPrev(current: number): number {
    return current - this.roundingMs;
  }
}

/**
 * DeltaDataIntervalTimetable over a `dateutil.relativedelta` with years or months: the next interval
 * starts where the last ended, plus the years and months (in UTC, the day clamped to the month's
 * length: Jan 31 → Feb 29 → Mar 29, as repeated additions drift in dateutil), then the rest as a
 * duration. catchup=False rounds now down to a multiple of Airflow's approximate length (a year 365
 * days, a month 30) since the epoch, set back one interval, as `_round`/`_skip_to_latest` do.
 */
export class RelativeDeltaTimetable extends DeltaStepTimetable {
  private readonly months: number;
  private readonly ms: number;
  protected readonly roundingMs: number;

  constructor(years: number, months: number, seconds: number) {
    super();
    this.months = years * 12 + months;
    this.ms = seconds * 1000;
    this.roundingMs = (years * 365 * 86400 + months * 30 * 86400 + Math.trunc(seconds)) * 1000;
    if (!(this.getNext(Date.UTC(2024, 0, 31)) > Date.UTC(2024, 0, 31)) || this.roundingMs <= 0) throw new RangeError('schedule interval must be positive');
  }

  getNext(current: number): number {
    return addMonths(current, this.months) + this.ms;
  }

  getPrev(current: number): number {
    return addMonths(current, -this.months) - this.ms;
  }
}

/** dateutil's month arithmetic in UTC: the same day of the month, or the month's last day when it is shorter. */
function addMonths(t: number, months: number): number {
  const d = new Date(t);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(d.getUTCDate(), new Date(Date.UTC(year, month + 1, 0)).getUTCDate());
  return Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** OnceTimetable (`@once`): a single run at the earliest start date, regardless of catchup. */
export class OnceTimetable implements Timetable {
  readonly canBeScheduled = true;

  nextDagRunInfo(last: { start: number; end: number } | null, restriction: TimeRestriction): RawRunInfo | null {
    if (last !== null) return null; // already run
    if (restriction.earliest === null) return null; // no start date: never runs
    const runAfter = restriction.earliest;
    if (restriction.latest !== null && runAfter > restriction.latest) return null;
    return { logicalDate: runAfter, start: runAfter, end: runAfter, runAfter };
  }

  inferManualDataInterval(runAfter: number): { start: number; end: number } {
    return { start: runAfter, end: runAfter };
  }
}

/**
 * EventsTimetable (`airflow/timetables/events.py`): a run at each listed instant, its data interval
 * the instant itself. As Airflow's, it takes the first event after the last automated run's interval
 * end (the first event when there is none), whatever start_date, end_date or catchup say; a manual
 * run covers its own instant, or with `restrict_to_events` the latest event at or before it (the
 * first event when all are later).
 */
export class EventsTimetable implements Timetable {
  readonly canBeScheduled = true;
  private readonly events: number[];

  constructor(events: readonly string[], private readonly restrictToEvents: boolean) {
    this.events = events.map((e) => Date.parse(e)).sort((a, b) => a - b);
  }

  nextDagRunInfo(last: { start: number; end: number } | null): RawRunInfo | null {
    const next = last === null ? this.events[0] : this.events.find((t) => t > last.end);
    return next === undefined ? null : { logicalDate: next, start: next, end: next, runAfter: next };
  }

  inferManualDataInterval(runAfter: number): { start: number; end: number } {
    if (!this.restrictToEvents) return { start: runAfter, end: runAfter };
    let event = this.events[0]!;
    for (const t of this.events) if (t <= runAfter) event = t;
    return { start: event, end: event };
  }
}

/** NullTimetable (`schedule=None`): never scheduled. */
export class NullTimetable implements Timetable {
  readonly canBeScheduled = false;

  nextDagRunInfo(): RawRunInfo | null {
    return null;
  }

  inferManualDataInterval(runAfter: number): { start: number; end: number } {
    return { start: runAfter, end: runAfter };
  }
}

/**
 * A custom timetable: its methods are Python code of the DAG's, which only the DAG file's process can
 * run (custom-timetable.ts calls them asynchronously). The synchronous computations refuse it.
 */
export class PythonTimetable implements Timetable {
  readonly canBeScheduled = true;
  constructor(readonly className: string) {}

  nextDagRunInfo(): RawRunInfo | null {
    throw new CustomTimetableError(`the custom timetable ${this.className} runs in Python: ask it through custom-timetable.ts`);
  }

  inferManualDataInterval(): { start: number; end: number } {
    throw new CustomTimetableError(`the custom timetable ${this.className} runs in Python: ask it through custom-timetable.ts`);
  }
}

/** A custom timetable could not be asked (no Python runner here) or failed; the message says which. */
export class CustomTimetableError extends Error {
  override readonly name = 'CustomTimetableError';
}

/** The zone a schedule's ticks are computed in: a timetable's own `timezone=`, else the DAG's. */
export function scheduleTimezone(dag: Pick<Dag, 'schedule' | 'timezone'>): string {
  return (dag.schedule.type === 'cron' && dag.schedule.timezone) || dag.timezone || 'UTC';
}

const cache = new Map<string, Timetable>();

/** The timetable of a schedule in a zone (cached: timetables are immutable). */
export function timetableFor(schedule: Schedule, timezone: string): Timetable {
  const key = `${JSON.stringify(schedule)}@${timezone}`;
  let timetable = cache.get(key);
  if (!timetable) {
    switch (schedule.type) {
      case 'none':
        timetable = new NullTimetable();
        break;
      case 'once':
        timetable = new OnceTimetable();
        break;
      case 'cron': {
        const zone = schedule.timezone || timezone || 'UTC';
        timetable = schedule.trigger
          ? new CronTriggerTimetable(schedule.cron, zone, schedule.trigger.interval_seconds)
          : new CronTimetable(schedule.cron, zone);
        break;
      }
      case 'timedelta':
        timetable = new DeltaTimetable(schedule.seconds);
        break;
      case 'events':
        timetable = new EventsTimetable(schedule.events, schedule.restrict_to_events);
        break;
      case 'relativedelta':
        timetable = new RelativeDeltaTimetable(schedule.years, schedule.months, schedule.seconds);
        break;
      case 'custom':
        timetable = new PythonTimetable(schedule.timetable);
        break;
    }
    if (cache.size > 1000) cache.clear();
    cache.set(key, timetable);
  }
  return timetable;
}

export const toInfo = (raw: RawRunInfo): DagRunInfo => ({
  logicalDate: new Date(raw.logicalDate),
  dataInterval: { start: new Date(raw.start), end: new Date(raw.end) },
  runAfter: new Date(raw.runAfter),
});

/** `DAG._time_restriction`: start_date and end_date bound the schedule (task-level dates are not modelled). */
export function timeRestriction(dag: SchedulingFields, catchup: boolean = dag.catchup): TimeRestriction {
  return {
    earliest: dag.start_date ? parseInstant(dag.start_date, 'start_date') : null,
    latest: dag.end_date ? parseInstant(dag.end_date, 'end_date') : null,
    catchup,
  };
}

export interface NextRunOptions {
  now: Date;
  /** Defaults to the DAG's `catchup`. */
  catchup?: boolean;
}

/**
 * Airflow's `DAG.next_dagrun_info(last_automated_data_interval)`: the run after `lastAutomatedRun`
 * (the latest scheduled or backfill run), or the first run when there is none; null when the DAG
 * will never run again (no schedule, past its end_date, `@once` done). The run is due once
 * `runAfter <= now`; `now` only matters for catchup=False.
 */
export function nextDagRunInfo(dag: SchedulingFields, lastAutomatedRun: LastAutomatedRun | null, options: NextRunOptions): DagRunInfo | null {
  const timetable = timetableFor(dag.schedule, dag.timezone);
  const last = lastAutomatedRun
    ? { start: parseInstant(lastAutomatedRun.data_interval_start, 'data_interval_start'), end: parseInstant(lastAutomatedRun.data_interval_end, 'data_interval_end') }
    : null;
  const raw = timetable.nextDagRunInfo(last, timeRestriction(dag, options.catchup ?? dag.catchup), options.now.getTime());
  return raw && toInfo(raw);
}

/**
 * `DAG.iter_dagrun_infos_between(start, end, align=True)`: the runs whose logical date lies in
 * [start, end], oldest first, as `airflow dags backfill -s START -e END` enumerates them. The DAG's own
 * start_date/end_date are not applied here (Airflow applies them per task instance; see backfill.ts).
 */
export function intervalsBetween(dag: SchedulingFields, start: Date, end: Date, options: { limit?: number } = {}): DagRunInfo[] {
  const limit = options.limit ?? MAX_ENUMERATED_RUNS;
  const timetable = timetableFor(dag.schedule, dag.timezone);
  const restriction: TimeRestriction = { earliest: start.getTime(), latest: end.getTime(), catchup: true };
  const infos: DagRunInfo[] = [];
  let raw = timetable.nextDagRunInfo(null, restriction, end.getTime());
  while (raw !== null) {
    if (infos.length >= limit) throw new RangeError(`more than ${limit} runs between ${start.toISOString()} and ${end.toISOString()}`);
    infos.push(toInfo(raw));
    raw = timetable.nextDagRunInfo({ start: raw.start, end: raw.end }, restriction, end.getTime());
  }
  return infos;
}

/** `Timetable.infer_manual_data_interval` with Airflow's DST handling. */
export function inferManualDataInterval(dag: Pick<Dag, 'schedule' | 'timezone'>, runAfter: Date): Interval {
  const { start, end } = timetableFor(dag.schedule, dag.timezone).inferManualDataInterval(runAfter.getTime());
  return { start: new Date(start), end: new Date(end) };
}

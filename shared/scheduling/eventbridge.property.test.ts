/**
 * The EventBridge translation fires when Airflow would. For random valid 5-field Unix crons (lists,
 * ranges, steps, month and day names, both day fields) and random zones, the next fire times of the
 * Airflow timetable (cron-parser evaluated as croniter, in the DAG's zone) equal those of
 * aws-cron-parser evaluating `cronToEventBridge(cron)` (two expressions merged), on the zone's wall
 * clock. The hours around DST transitions are compared separately (below): there the two systems
 * differ by design (Airflow shifts a skipped time forward, EventBridge skips it), which is why the
 * launcher computes intervals itself instead of trusting the trigger time.
 */
import awsCronParser from 'aws-cron-parser';
import fc from 'fast-check';
import { cronToEventBridge } from '../compiler/eventbridge.js';
import { CronTimetable } from './timetable.js';
import { instantsOf, offsetAt, toWallClock } from './zones.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata',
  'Australia/Sydney',
  'Australia/Lord_Howe', // 30-minute DST shift
  'America/St_Johns', // UTC-03:30
  'Asia/Kathmandu', // UTC+05:45
  'Pacific/Auckland',
  'America/Sao_Paulo',
  'Europe/London',
];

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

type Namer = (n: number) => string | undefined;

/** One Unix cron field: `*`, or 1–3 comma-separated parts (value, range, range/step, *\/step, value/step). */
function field(min: number, max: number, name?: Namer): fc.Arbitrary<string> {
  const token = (n: number) =>
    fc.boolean().map((useName) => {
      const named = name?.(n);
      return useName && named ? (n % 2 === 0 ? named : named.toLowerCase()) : String(n);
    });
  const value = fc.integer({ min, max }).chain(token);
  const range = fc
    .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
    .map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]))
    .chain(([a, b]) => fc.tuple(token(a), token(b)).map(([x, y]) => `${x}-${y}`));
  const step = fc.integer({ min: 1, max: Math.max(1, max - min) });
  const part = fc.oneof(
    { weight: 3, arbitrary: value },
    { weight: 2, arbitrary: range },
    { weight: 1, arbitrary: fc.tuple(range, step).map(([r, s]) => `${r}/${s}`) },
    { weight: 2, arbitrary: step.map((s) => `*/${s}`) },
    { weight: 1, arbitrary: fc.tuple(value, step).map(([v, s]) => `${v}/${s}`) },
  );
  return fc.oneof({ weight: 2, arbitrary: fc.constant('*') }, { weight: 3, arbitrary: fc.array(part, { minLength: 1, maxLength: 3 }).map((p) => p.join(',')) });
}

const cronArb = fc
  .tuple(
    field(0, 59),
    field(0, 23),
    field(1, 31),
    field(1, 12, (n) => MONTHS[n - 1]),
    field(0, 7, (n) => DAYS[n]),
  )
  .map((fields) => fields.join(' '));

const START_MIN = Date.UTC(2020, 0, 1);
const START_MAX = Date.UTC(2032, 0, 1);

/** aws-cron-parser's fields for validating its results (it can roll day 31 of a 30-day month over). */
type Parsed = ReturnType<typeof awsCronParser.parse>;

function awsMatches(parsed: Parsed, wall: Date): boolean {
  const has = (values: readonly unknown[], v: number) => values.includes(v);
  if (!has(parsed.minutes, wall.getUTCMinutes()) || !has(parsed.hours, wall.getUTCHours()) || !has(parsed.months, wall.getUTCMonth() + 1)) return false;
  if (parsed.daysOfMonth.length > 0) return has(parsed.daysOfMonth, wall.getUTCDate());
  return has(parsed.daysOfWeek, wall.getUTCDay() + 1);
}

/**
 * EventBridge wall-clock fire times of one `cron(...)` expression in (fromWall, toWall]. Works around
 * aws-cron-parser 1.1.12 rolling day 29–31 of a shorter month over into the next month
 * (`0 0 31 * ? *` after April 1 gives May 1, `0 0 1,2,30 * ? *` after Feb 3 gives Mar 2, skipping
 * Mar 1): whenever a result lies in another month than the search start, the search is repeated from
 * the first minute of that month, and results that do not match the expression are skipped.
 */
function awsWallTicks(expression: string, fromWall: number, toWall: number): number[] {
  const inner = /^cron\((.*)\)$/.exec(expression)![1]!;
  const parsed = awsCronParser.parse(inner);
  const ticks: number[] = [];
  let cursor = new Date(fromWall);
  for (let guard = 0; guard < 10_000; guard++) {
    let next = awsCronParser.next(parsed, cursor);
    if (!next) return ticks;
    const from = new Date(cursor.getTime() + MINUTE);
    if (next.getUTCFullYear() !== from.getUTCFullYear() || next.getUTCMonth() !== from.getUTCMonth()) {
      const again = awsCronParser.next(parsed, new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth(), 1) - MINUTE));
      if (again && again.getTime() < next.getTime()) next = again;
    }
    if (!awsMatches(parsed, next)) {
      cursor = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth(), 1) - MINUTE);
      continue;
    }
    if (next.getTime() > toWall) return ticks;
    ticks.push(next.getTime());
    cursor = next;
  }
  throw new Error(`too many iterations for ${expression}`);
}

/** Within 3 hours of a UTC-offset change of the zone. */
const nearTransition = (instant: number, zone: string) => offsetAt(instant - 3 * HOUR, zone) !== offsetAt(instant + 3 * HOUR, zone);

const iso = (ms: number) => new Date(ms).toISOString();

describe('cronToEventBridge fires when Airflow does (property)', () => {
  it('matches the next fire times of random crons in random zones (wall clock, DST hours aside)', () => {
    fc.assert(
      fc.property(cronArb, fc.constantFrom(...ZONES), fc.integer({ min: START_MIN, max: START_MAX }), (cron, zone, start) => {
        let timetable: CronTimetable;
        const airflow: number[] = [];
        try {
          timetable = new CronTimetable(cron, zone);
          let t = start;
          for (let i = 0; i < 8; i++) {
            t = timetable.getNext(t);
            airflow.push(t);
          }
        } catch {
          fc.pre(false); // not a valid cron for Airflow (e.g. duplicates, `0 0 30 2 *`)
          return;
        }
        const horizon = airflow[airflow.length - 1]!;
        fc.pre(horizon < Date.UTC(2190, 0, 1)); // EventBridge's year field ends at 2199

        const expressions = cronToEventBridge(cron);
        expect(expressions.length).toBe(expressions.length === 2 ? 2 : 1);
        const fromWall = toWallClock(start, zone) - 3 * HOUR; // wider than any UTC-offset change: instants are filtered below
        const toWall = toWallClock(horizon, zone) + 3 * HOUR;
        const eventBridge = [
          ...new Set(expressions.flatMap((e) => awsWallTicks(e, fromWall, toWall)).flatMap((wall) => instantsOf(wall, zone))),
        ]
          .filter((i) => i > start && i <= horizon)
          .sort((a, b) => a - b);

        const keep = (i: number) => !nearTransition(i, zone);
        expect({ cron, zone, expressions, fires: eventBridge.filter(keep).map(iso) }).toEqual({
          cron,
          zone,
          expressions,
          fires: airflow.filter(keep).map(iso),
        });
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 400) },
    );
  });

  it('merges the two expressions of a cron that restricts both day fields (Unix cron ORs them)', () => {
    const cron = '30 6 1,15 * MON';
    expect(cronToEventBridge(cron)).toEqual(['cron(30 6 1,15 * ? *)', 'cron(30 6 ? * MON *)']);
    const timetable = new CronTimetable(cron, 'UTC');
    const airflow: string[] = [];
    for (let t = Date.UTC(2024, 0, 1), i = 0; i < 6; i++) airflow.push(iso((t = timetable.getNext(t))));
    expect(airflow).toEqual([
      '2024-01-01T06:30:00.000Z', // Monday the 1st (both)
      '2024-01-08T06:30:00.000Z',
      '2024-01-15T06:30:00.000Z', // Monday the 15th (both)
      '2024-01-22T06:30:00.000Z',
      '2024-01-29T06:30:00.000Z',
      '2024-02-01T06:30:00.000Z', // Thursday the 1st
    ]);
    const merged = [...new Set(cronToEventBridge(cron).flatMap((e) => awsWallTicks(e, Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1, 6, 30))))].sort((a, b) => a - b);
    expect(merged.map(iso)).toEqual(airflow);
  });
});

describe('cronToEventBridge: cases the property found', () => {
  it.each([
    // `a/n` in day-of-week runs to 7 (= Sunday) in croniter and cron-parser
    ['0 0 * * 1/2', ['cron(0 0 ? * SUN,MON,WED,FRI *)']],
    ['0 0 * * 3/2', ['cron(0 0 ? * SUN,WED,FRI *)']],
    ['0 0 * * 7/2', ['cron(0 0 ? * SUN *)']],
    ['0 0 * * 5-7', ['cron(0 0 ? * SUN,FRI,SAT *)']],
    // croniter treats a day field covering its whole range as `*` when the other day field has a `*`
    ['0 0 1-31 * */2', ['cron(0 0 ? * SUN,TUE,THU,SAT *)']],
    ['0 0 */2 * 0-6', ['cron(0 0 1/2 * ? *)']],
    // ... but not otherwise: 1-31 OR Monday is every day
    ['0 0 1-31 * 1', ['cron(0 0 1-31 * ? *)', 'cron(0 0 ? * MON *)']],
    // month names (any case in Airflow) become numbers; lists are emitted in ascending order
    ['0 12 * oct,jan-mar *', ['cron(0 12 * 1-3,10 ? *)']],
    ['0 12 * JAN-JAN *', ['cron(0 12 * 1-1 ? *)']],
    ['19,0 9,8 * * *', ['cron(0,19 8,9 * * ? *)']],
    ['*/15 */6 */10 */3 *', ['cron(0/15 0/6 1/10 1/3 ? *)']],
  ])('%s → %j', (cron, expected) => {
    expect(cronToEventBridge(cron)).toEqual(expected);
  });
});

describe('DST: where EventBridge and Airflow differ (the launcher computes intervals itself)', () => {
  /** EventBridge's documented DST rule: a skipped local time does not fire; a repeated one fires once. */
  function eventBridgeInstants(cron: string, zone: string, from: number, to: number): number[] {
    return cronToEventBridge(cron)
      .flatMap((e) => awsWallTicks(e, toWallClock(from, zone), toWallClock(to, zone)))
      .flatMap((wall) => instantsOf(wall, zone).slice(0, 1))
      .filter((i) => i > from && i <= to)
      .sort((a, b) => a - b);
  }

  function airflowInstants(cron: string, zone: string, from: number, to: number): number[] {
    const timetable = new CronTimetable(cron, zone);
    const out: number[] = [];
    for (let t = timetable.getNext(from); t <= to; t = timetable.getNext(t)) out.push(t);
    return out;
  }

  it('0 2 * * * in Europe/Berlin on the spring-forward night: Airflow fires at 03:00 CEST, EventBridge skips the day', () => {
    const from = Date.UTC(2025, 2, 28, 12);
    const to = Date.UTC(2025, 2, 31, 12);
    expect(airflowInstants('0 2 * * *', 'Europe/Berlin', from, to).map(iso)).toEqual(['2025-03-29T01:00:00.000Z', '2025-03-30T01:00:00.000Z', '2025-03-31T00:00:00.000Z']);
    expect(eventBridgeInstants('0 2 * * *', 'Europe/Berlin', from, to).map(iso)).toEqual(['2025-03-29T01:00:00.000Z', '2025-03-31T00:00:00.000Z']);
  });

  it('0 2 * * * in Europe/Berlin on the fall-back night: both fire once (Airflow at the second 02:00)', () => {
    const from = Date.UTC(2025, 9, 25, 12);
    const to = Date.UTC(2025, 9, 27, 12);
    expect(airflowInstants('0 2 * * *', 'Europe/Berlin', from, to).map(iso)).toEqual(['2025-10-26T01:00:00.000Z', '2025-10-27T01:00:00.000Z']);
    expect(eventBridgeInstants('0 2 * * *', 'Europe/Berlin', from, to)).toHaveLength(2);
  });
});

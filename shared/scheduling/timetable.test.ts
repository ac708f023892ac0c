/**
 * Airflow 2's timetables: catch-up lists, start/end dates, catchup=False, @once, None and DST, each
 * compared as the full list of data intervals.
 */
import type { Schedule } from '../model/schema.js';
import { inferManualDataInterval, intervalsBetween, nextDagRunInfo, type DagRunInfo, type SchedulingFields } from './timetable.js';

const cron = (expression: string, preset?: string): Schedule => ({ type: 'cron', cron: expression, ...(preset ? { preset } : {}) });

function dag(schedule: Schedule, overrides: Partial<SchedulingFields> = {}): SchedulingFields {
  return { schedule, start_date: '2024-01-01T00:00:00Z', end_date: null, timezone: 'UTC', catchup: true, ...overrides };
}

/** `start → end` of each interval. */
const show = (infos: readonly DagRunInfo[]) => infos.map((i) => `${i.dataInterval.start.toISOString()} → ${i.dataInterval.end.toISOString()}`);

/** What a scheduler with unlimited max_active_runs creates by `now` (runs are due when their interval ended). */
function dueRuns(d: SchedulingFields, now: string): DagRunInfo[] {
  const at = new Date(now);
  const runs: DagRunInfo[] = [];
  let info = nextDagRunInfo(d, null, { now: at });
  while (info && info.runAfter <= at) {
    runs.push(info);
    info = nextDagRunInfo(d, asLast(info), { now: at });
  }
  return runs;
}

const asLast = (info: DagRunInfo) => ({
  logical_date: info.logicalDate.toISOString(),
  data_interval_start: info.dataInterval.start.toISOString(),
  data_interval_end: info.dataInterval.end.toISOString(),
});

const days = (...pairs: [string, string][]) => pairs.map(([a, b]) => `${a}T00:00:00.000Z → ${b}T00:00:00.000Z`);

describe('cron schedules with catchup', () => {
  it('creates every missed daily interval, oldest first; the last one only once it has ended', () => {
    const runs = dueRuns(dag(cron('0 0 * * *', '@daily')), '2024-01-05T10:00:00Z');
    expect(show(runs)).toEqual(
      days(['2024-01-01', '2024-01-02'], ['2024-01-02', '2024-01-03'], ['2024-01-03', '2024-01-04'], ['2024-01-04', '2024-01-05']),
    );
    expect(runs.map((r) => r.logicalDate.toISOString())).toEqual(['2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z', '2024-01-04T00:00:00.000Z']);
    expect(runs.map((r) => r.runAfter.toISOString())).toEqual(runs.map((r) => r.dataInterval.end.toISOString()));
  });

  it('a run is due exactly when its interval ends', () => {
    expect(show(dueRuns(dag(cron('0 0 * * *')), '2024-01-02T00:00:00Z'))).toEqual(days(['2024-01-01', '2024-01-02']));
    expect(dueRuns(dag(cron('0 0 * * *')), '2024-01-01T23:59:59.999Z')).toEqual([]);
  });

  it('the book: @daily with a 14-day look-back creates 14 runs (digest item 3)', () => {
    const runs = dueRuns(dag(cron('0 0 * * *', '@daily'), { start_date: '2024-03-01T00:00:00Z' }), '2024-03-15T08:00:00Z');
    expect(runs.map((r) => r.logicalDate.toISOString().slice(0, 10))).toEqual(Array.from({ length: 14 }, (_, i) => `2024-03-${String(i + 1).padStart(2, '0')}`));
  });

  it('@hourly', () => {
    expect(show(dueRuns(dag(cron('0 * * * *', '@hourly')), '2024-01-01T03:30:00Z'))).toEqual([
      '2024-01-01T00:00:00.000Z → 2024-01-01T01:00:00.000Z',
      '2024-01-01T01:00:00.000Z → 2024-01-01T02:00:00.000Z',
      '2024-01-01T02:00:00.000Z → 2024-01-01T03:00:00.000Z',
    ]);
  });

  it('@weekly runs Sunday to Sunday: the first interval starts at the first tick at or after start_date', () => {
    // 2024-01-01 is a Monday: the first interval starts on Sunday the 7th.
    expect(show(dueRuns(dag(cron('0 0 * * 0', '@weekly')), '2024-01-29T00:00:00Z'))).toEqual(
      days(['2024-01-07', '2024-01-14'], ['2024-01-14', '2024-01-21'], ['2024-01-21', '2024-01-28']),
    );
  });

  it('@monthly and @quarterly', () => {
    expect(show(dueRuns(dag(cron('0 0 1 * *', '@monthly')), '2024-04-15T00:00:00Z'))).toEqual(
      days(['2024-01-01', '2024-02-01'], ['2024-02-01', '2024-03-01'], ['2024-03-01', '2024-04-01']),
    );
    expect(show(dueRuns(dag(cron('0 0 1 */3 *', '@quarterly'), { start_date: '2023-11-15T00:00:00Z' }), '2024-12-31T00:00:00Z'))).toEqual(
      days(['2024-01-01', '2024-04-01'], ['2024-04-01', '2024-07-01'], ['2024-07-01', '2024-10-01']),
    );
  });

  it('aligns a start_date between ticks to the next tick', () => {
    expect(show(dueRuns(dag(cron('0 6 * * *'), { start_date: '2024-01-01T10:00:00Z' }), '2024-01-04T07:00:00Z'))).toEqual([
      '2024-01-02T06:00:00.000Z → 2024-01-03T06:00:00.000Z',
      '2024-01-03T06:00:00.000Z → 2024-01-04T06:00:00.000Z',
    ]);
  });

  it('weekdays only: the Friday interval runs until Monday', () => {
    expect(show(dueRuns(dag(cron('0 0 * * MON-FRI'), { start_date: '2024-01-04T00:00:00Z' }), '2024-01-09T01:00:00Z'))).toEqual(
      days(['2024-01-04', '2024-01-05'], ['2024-01-05', '2024-01-08'], ['2024-01-08', '2024-01-09']),
    );
  });

  it('end_date bounds the interval start, inclusively (03_with_end_date: Jan 1–5, the last firing Jan 6)', () => {
    const d = dag(cron('0 0 * * *', '@daily'), { start_date: '2019-01-01T00:00:00Z', end_date: '2019-01-05T00:00:00Z' });
    const runs = dueRuns(d, '2019-03-01T00:00:00Z');
    expect(show(runs)).toEqual(
      days(['2019-01-01', '2019-01-02'], ['2019-01-02', '2019-01-03'], ['2019-01-03', '2019-01-04'], ['2019-01-04', '2019-01-05'], ['2019-01-05', '2019-01-06']),
    );
    expect(nextDagRunInfo(d, asLast(runs[4]!), { now: new Date('2019-03-01T00:00:00Z') })).toBeNull();
  });

  it('a schedule changed since the last run realigns to the new ticks (Airflow: _align_to_prev of the last end)', () => {
    const d = dag(cron('0 6 * * *'));
    const last = { logical_date: '2024-01-04T00:00:00Z', data_interval_start: '2024-01-04T00:00:00Z', data_interval_end: '2024-01-05T00:00:00Z' };
    expect(show([nextDagRunInfo(d, last, { now: new Date('2024-01-10T00:00:00Z') })!])).toEqual(['2024-01-04T06:00:00.000Z → 2024-01-05T06:00:00.000Z']);
  });

  it('without a start_date a catch-up DAG never runs (Airflow requires one)', () => {
    expect(nextDagRunInfo(dag(cron('0 0 * * *'), { start_date: null }), null, { now: new Date('2024-01-10T00:00:00Z') })).toBeNull();
  });
});

describe('catchup=False', () => {
  const now = new Date('2024-01-10T10:00:00Z');

  it('cron: only the latest complete interval, then on schedule', () => {
    const d = dag(cron('0 0 * * *'), { catchup: false });
    const first = nextDagRunInfo(d, null, { now })!;
    expect(show([first])).toEqual(days(['2024-01-09', '2024-01-10']));
    expect(first.runAfter.toISOString()).toBe('2024-01-10T00:00:00.000Z');
    const second = nextDagRunInfo(d, asLast(first), { now })!;
    expect(show([second])).toEqual(days(['2024-01-10', '2024-01-11']));
    expect(second.runAfter > now).toBe(true);
    expect(show(dueRuns(d, now.toISOString()))).toEqual(days(['2024-01-09', '2024-01-10']));
  });

  it('cron: on an interval boundary the interval that ends now runs', () => {
    expect(show([nextDagRunInfo(dag(cron('0 0 * * *'), { catchup: false }), null, { now: new Date('2024-01-10T00:00:00Z') })!])).toEqual(days(['2024-01-09', '2024-01-10']));
  });

  it('cron: with an old last run, the missed intervals are skipped', () => {
    const last = { logical_date: '2024-01-02T00:00:00Z', data_interval_start: '2024-01-02T00:00:00Z', data_interval_end: '2024-01-03T00:00:00Z' };
    expect(show([nextDagRunInfo(dag(cron('0 0 * * *'), { catchup: false }), last, { now })!])).toEqual(days(['2024-01-09', '2024-01-10']));
  });

  it('cron: a start_date inside the current interval waits for the first interval that starts after it (Airflow 2)', () => {
    const info = nextDagRunInfo(dag(cron('0 0 * * *'), { catchup: false, start_date: '2024-01-09T12:00:00Z' }), null, { now })!;
    expect(show([info])).toEqual(days(['2024-01-10', '2024-01-11']));
  });

  it('the catchup option overrides the DAG (the book: 09_no_catchup)', () => {
    const d = dag(cron('0 0 * * *'));
    expect(show([nextDagRunInfo(d, null, { now, catchup: false })!])).toEqual(days(['2024-01-09', '2024-01-10']));
    expect(show([nextDagRunInfo(d, null, { now })!])).toEqual(days(['2024-01-01', '2024-01-02']));
  });

  it('timedelta: the interval ending at now rounded down to a multiple of the delta (Airflow 2.8+)', () => {
    const d = dag({ type: 'timedelta', seconds: 3600 }, { catchup: false });
    expect(show([nextDagRunInfo(d, null, { now: new Date('2024-01-10T10:17:33Z') })!])).toEqual(['2024-01-10T09:00:00.000Z → 2024-01-10T10:00:00.000Z']);
  });
});

describe('timedelta schedules', () => {
  it('intervals of the delta anchored at start_date', () => {
    const d = dag({ type: 'timedelta', seconds: 3 * 86400 }, { start_date: '2019-01-01T00:00:00Z' });
    expect(show(dueRuns(d, '2019-01-12T00:00:00Z'))).toEqual(days(['2019-01-01', '2019-01-04'], ['2019-01-04', '2019-01-07'], ['2019-01-07', '2019-01-10']));
  });

  it('04_time_delta with end_date 2019-01-05: logical dates Jan 1 and Jan 4 only (digest item 7)', () => {
    const d = dag({ type: 'timedelta', seconds: 3 * 86400 }, { start_date: '2019-01-01T00:00:00Z', end_date: '2019-01-05T00:00:00Z' });
    expect(show(dueRuns(d, '2019-06-01T00:00:00Z'))).toEqual(days(['2019-01-01', '2019-01-04'], ['2019-01-04', '2019-01-07']));
  });

  it('a start_date off the minute keeps its offset (no alignment for deltas)', () => {
    const d = dag({ type: 'timedelta', seconds: 5400 }, { start_date: '2024-01-01T10:17:00Z' });
    expect(show(dueRuns(d, '2024-01-01T14:00:00Z'))).toEqual(['2024-01-01T10:17:00.000Z → 2024-01-01T11:47:00.000Z', '2024-01-01T11:47:00.000Z → 2024-01-01T13:17:00.000Z']);
  });

  it('is absolute time across DST (Airflow keeps start_date in UTC)', () => {
    const d = dag({ type: 'timedelta', seconds: 86400 }, { start_date: '2025-03-28T23:00:00Z', timezone: 'Europe/Berlin' });
    expect(show(dueRuns(d, '2025-04-01T00:00:00Z'))).toEqual([
      '2025-03-28T23:00:00.000Z → 2025-03-29T23:00:00.000Z',
      '2025-03-29T23:00:00.000Z → 2025-03-30T23:00:00.000Z',
      '2025-03-30T23:00:00.000Z → 2025-03-31T23:00:00.000Z',
    ]);
  });
});

describe('@once and None', () => {
  const once = dag({ type: 'once' }, { start_date: '2024-01-01T12:00:00Z' });

  it('@once: one run whose interval is start_date itself, due at start_date', () => {
    const info = nextDagRunInfo(once, null, { now: new Date('2024-01-01T00:00:00Z') })!;
    expect(info).toEqual({
      logicalDate: new Date('2024-01-01T12:00:00Z'),
      dataInterval: { start: new Date('2024-01-01T12:00:00Z'), end: new Date('2024-01-01T12:00:00Z') },
      runAfter: new Date('2024-01-01T12:00:00Z'),
    });
    expect(dueRuns(once, '2024-01-01T11:59:59Z')).toEqual([]);
    expect(show(dueRuns(once, '2030-01-01T00:00:00Z'))).toEqual(['2024-01-01T12:00:00.000Z → 2024-01-01T12:00:00.000Z']);
    expect(nextDagRunInfo(once, asLast(info), { now: new Date('2030-01-01T00:00:00Z') })).toBeNull();
  });

  it('@once ignores catchup and runs at start_date; no start_date or a start after end_date: never', () => {
    expect(show(dueRuns({ ...once, catchup: false }, '2030-01-01T00:00:00Z'))).toEqual(['2024-01-01T12:00:00.000Z → 2024-01-01T12:00:00.000Z']);
    expect(nextDagRunInfo({ ...once, start_date: null }, null, { now: new Date('2030-01-01T00:00:00Z') })).toBeNull();
    expect(nextDagRunInfo({ ...once, end_date: '2024-01-01T00:00:00Z' }, null, { now: new Date('2030-01-01T00:00:00Z') })).toBeNull();
  });

  it('None: never, whatever catchup', () => {
    expect(nextDagRunInfo(dag({ type: 'none' }), null, { now: new Date('2030-01-01T00:00:00Z') })).toBeNull();
    expect(nextDagRunInfo(dag({ type: 'none' }, { catchup: false }), null, { now: new Date('2030-01-01T00:00:00Z') })).toBeNull();
  });
});

describe('DST (Europe/Berlin, America/New_York)', () => {
  const berlin = (expression: string) => dag(cron(expression), { timezone: 'Europe/Berlin', start_date: '2025-01-01T00:00:00Z' });

  it('0 2 * * * across spring-forward: the skipped 02:00 fires at 03:00 CEST (a 23 h interval, then a 23 h one)', () => {
    expect(show(intervalsBetween(berlin('0 2 * * *'), new Date('2025-03-28T00:00:00Z'), new Date('2025-03-31T12:00:00Z')))).toEqual([
      '2025-03-28T01:00:00.000Z → 2025-03-29T01:00:00.000Z', // 02:00 CET → 02:00 CET
      '2025-03-29T01:00:00.000Z → 2025-03-30T01:00:00.000Z', // → 03:00 CEST (02:00 does not exist)
      '2025-03-30T01:00:00.000Z → 2025-03-31T00:00:00.000Z', // → 02:00 CEST
      '2025-03-31T00:00:00.000Z → 2025-04-01T00:00:00.000Z',
    ]);
  });

  it('0 2 * * * across fall-back: the repeated 02:00 fires once, at its second occurrence (CET)', () => {
    expect(show(intervalsBetween(berlin('0 2 * * *'), new Date('2025-10-24T00:00:00Z'), new Date('2025-10-27T12:00:00Z')))).toEqual([
      '2025-10-24T00:00:00.000Z → 2025-10-25T00:00:00.000Z', // 02:00 CEST
      '2025-10-25T00:00:00.000Z → 2025-10-26T01:00:00.000Z', // → 02:00 CET (25 h)
      '2025-10-26T01:00:00.000Z → 2025-10-27T01:00:00.000Z',
      '2025-10-27T01:00:00.000Z → 2025-10-28T01:00:00.000Z',
    ]);
  });

  it('0 0 * * * stays at local midnight (23 h and 25 h days)', () => {
    const d = berlin('0 0 * * *');
    expect(show(intervalsBetween(d, new Date('2025-03-29T00:00:00Z'), new Date('2025-03-31T00:00:00Z')))).toEqual([
      '2025-03-29T23:00:00.000Z → 2025-03-30T22:00:00.000Z',
      '2025-03-30T22:00:00.000Z → 2025-03-31T22:00:00.000Z',
    ]);
    expect(show(intervalsBetween(d, new Date('2025-10-25T00:00:00Z'), new Date('2025-10-27T00:00:00Z')))).toEqual([
      '2025-10-25T22:00:00.000Z → 2025-10-26T23:00:00.000Z',
      '2025-10-26T23:00:00.000Z → 2025-10-27T23:00:00.000Z',
    ]);
  });

  it('hourly across spring-forward: every real hour once (the skipped hour has no run)', () => {
    expect(show(intervalsBetween(berlin('0 * * * *'), new Date('2025-03-29T23:00:00Z'), new Date('2025-03-30T02:00:00Z')))).toEqual([
      '2025-03-29T23:00:00.000Z → 2025-03-30T00:00:00.000Z', // 00:00 → 01:00 CET
      '2025-03-30T00:00:00.000Z → 2025-03-30T01:00:00.000Z', // 01:00 CET → 03:00 CEST
      '2025-03-30T01:00:00.000Z → 2025-03-30T02:00:00.000Z', // 03:00 → 04:00 CEST
      '2025-03-30T02:00:00.000Z → 2025-03-30T03:00:00.000Z',
    ]);
  });

  it('hourly across fall-back: the repeated hour runs twice (Airflow 2.8 fold-hour fix)', () => {
    expect(show(intervalsBetween(berlin('30 * * * *'), new Date('2025-10-25T23:30:00Z'), new Date('2025-10-26T02:30:00Z')))).toEqual([
      '2025-10-25T23:30:00.000Z → 2025-10-26T00:30:00.000Z', // 01:30 CEST → 02:30 CEST
      '2025-10-26T00:30:00.000Z → 2025-10-26T01:30:00.000Z', // 02:30 CEST → 02:30 CET
      '2025-10-26T01:30:00.000Z → 2025-10-26T02:30:00.000Z', // 02:30 CET → 03:30 CET
      '2025-10-26T02:30:00.000Z → 2025-10-26T03:30:00.000Z',
    ]);
  });

  it('every two hours across fall-back: the 02:00 tick fires at its second occurrence', () => {
    expect(show(intervalsBetween(berlin('0 */2 * * *'), new Date('2025-10-25T22:00:00Z'), new Date('2025-10-26T03:00:00Z')))).toEqual([
      '2025-10-25T22:00:00.000Z → 2025-10-26T01:00:00.000Z', // 00:00 CEST → 02:00 CET (3 h)
      '2025-10-26T01:00:00.000Z → 2025-10-26T03:00:00.000Z', // 02:00 CET → 04:00 CET
      '2025-10-26T03:00:00.000Z → 2025-10-26T05:00:00.000Z',
    ]);
  });

  it('America/New_York: 30 2 * * * shifts to 03:30 EDT on spring-forward, 30 1 * * * runs the second 01:30 on fall-back', () => {
    const ny = (expression: string) => dag(cron(expression), { timezone: 'America/New_York', start_date: '2025-01-01T05:00:00Z' });
    expect(show(intervalsBetween(ny('30 2 * * *'), new Date('2025-03-08T00:00:00Z'), new Date('2025-03-09T12:00:00Z')))).toEqual([
      '2025-03-08T07:30:00.000Z → 2025-03-09T07:30:00.000Z', // 02:30 EST → 03:30 EDT (02:30 does not exist)
      '2025-03-09T07:30:00.000Z → 2025-03-10T06:30:00.000Z', // → 02:30 EDT
    ]);
    expect(show(intervalsBetween(ny('30 1 * * *'), new Date('2025-11-01T00:00:00Z'), new Date('2025-11-02T12:00:00Z')))).toEqual([
      '2025-11-01T05:30:00.000Z → 2025-11-02T06:30:00.000Z', // 01:30 EDT → 01:30 EST (25 h)
      '2025-11-02T06:30:00.000Z → 2025-11-03T06:30:00.000Z',
    ]);
  });

  it('catch-up through a DST change gives contiguous intervals', () => {
    const runs = dueRuns(berlin('0 2 * * *'), '2025-04-02T12:00:00Z');
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.dataInterval.start).toEqual(runs[i - 1]!.dataInterval.end);
    expect(runs).toHaveLength(91); // Jan 1 02:00 … Apr 1 02:00 local
  });
});

describe('intervalsBetween (backfill enumeration)', () => {
  it('logical dates in [start, end], both inclusive', () => {
    const infos = intervalsBetween(dag(cron('0 0 * * *')), new Date('2019-01-01T00:00:00Z'), new Date('2019-01-05T00:00:00Z'));
    expect(infos.map((i) => i.logicalDate.toISOString().slice(0, 10))).toEqual(['2019-01-01', '2019-01-02', '2019-01-03', '2019-01-04', '2019-01-05']);
  });

  it('aligns the start to the next tick', () => {
    const infos = intervalsBetween(dag(cron('0 0 * * *')), new Date('2019-01-01T12:00:00Z'), new Date('2019-01-03T00:00:00Z'));
    expect(show(infos)).toEqual(days(['2019-01-02', '2019-01-03'], ['2019-01-03', '2019-01-04']));
  });

  it('timedelta intervals are anchored at the backfill start (as Airflow)', () => {
    const infos = intervalsBetween(dag({ type: 'timedelta', seconds: 3 * 86400 }), new Date('2019-01-02T00:00:00Z'), new Date('2019-01-08T00:00:00Z'));
    expect(show(infos)).toEqual(days(['2019-01-02', '2019-01-05'], ['2019-01-05', '2019-01-08'], ['2019-01-08', '2019-01-11']));
  });

  it('@once: one run at the backfill start; None: none', () => {
    expect(show(intervalsBetween(dag({ type: 'once' }), new Date('2019-01-02T00:00:00Z'), new Date('2019-01-08T00:00:00Z')))).toEqual(days(['2019-01-02', '2019-01-02']));
    expect(intervalsBetween(dag({ type: 'none' }), new Date('2019-01-02T00:00:00Z'), new Date('2019-01-08T00:00:00Z'))).toEqual([]);
  });

  it('refuses runaway enumerations', () => {
    expect(() => intervalsBetween(dag(cron('* * * * *')), new Date('2000-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'), { limit: 500 })).toThrow(/more than 500 runs/);
  });
});

describe('inferManualDataInterval', () => {
  it('cron: the last complete interval before the trigger time; timedelta: the delta before it; None: the instant', () => {
    const at = new Date('2024-01-25T01:00:00Z');
    expect(inferManualDataInterval(dag(cron('0 0 * * *')), at)).toEqual({ start: new Date('2024-01-24T00:00:00Z'), end: new Date('2024-01-25T00:00:00Z') });
    expect(inferManualDataInterval(dag(cron('0 0 * * *')), new Date('2024-01-25T00:00:00Z'))).toEqual({ start: new Date('2024-01-24T00:00:00Z'), end: new Date('2024-01-25T00:00:00Z') });
    expect(inferManualDataInterval(dag({ type: 'timedelta', seconds: 3600 }), at)).toEqual({ start: new Date('2024-01-25T00:00:00Z'), end: at });
    expect(inferManualDataInterval(dag({ type: 'none' }), at)).toEqual({ start: at, end: at });
  });
});

it('rejects unknown time zones', () => {
  expect(() => nextDagRunInfo(dag(cron('0 0 * * *'), { timezone: 'Mars/Olympus' }), null, { now: new Date() })).toThrow("unknown time zone 'Mars/Olympus'");
});

describe('CronTriggerTimetable', () => {
  const trigger = (expression: string, intervalSeconds = 0, timezone?: string): Schedule => ({
    type: 'cron',
    cron: expression,
    trigger: { interval_seconds: intervalSeconds },
    ...(timezone ? { timezone } : {}),
  });
  const logical = (infos: readonly DagRunInfo[]) => infos.map((i) => i.logicalDate.toISOString());

  it('fires at each tick with the tick as logical date and an empty data interval (catchup)', () => {
    const runs = dueRuns(dag(trigger('0 6 * * *')), '2024-01-03T07:00:00Z');
    expect(logical(runs)).toEqual(['2024-01-01T06:00:00.000Z', '2024-01-02T06:00:00.000Z', '2024-01-03T06:00:00.000Z']);
    expect(runs.map((r) => r.runAfter.toISOString())).toEqual(logical(runs));
    expect(show(runs)[0]).toBe('2024-01-01T06:00:00.000Z → 2024-01-01T06:00:00.000Z');
  });

  it('a data interval of `interval` ends at the tick (logical date = its start, as DagRunInfo.logical_date)', () => {
    const runs = dueRuns(dag(trigger('0 6 * * *', 86400)), '2024-01-02T07:00:00Z');
    expect(show(runs)).toEqual(['2023-12-31T06:00:00.000Z → 2024-01-01T06:00:00.000Z', '2024-01-01T06:00:00.000Z → 2024-01-02T06:00:00.000Z']);
    expect(runs.map((r) => r.runAfter.toISOString())).toEqual(['2024-01-01T06:00:00.000Z', '2024-01-02T06:00:00.000Z']);
  });

  it('catchup=False starts at the latest tick at or before now, and never repeats the last run', () => {
    const d = dag(trigger('0 * * * *'), { catchup: false });
    const first = nextDagRunInfo(d, null, { now: new Date('2024-03-05T10:30:00Z') })!;
    expect(first.logicalDate.toISOString()).toBe('2024-03-05T10:00:00.000Z');
    const second = nextDagRunInfo(d, asLast(first), { now: new Date('2024-03-05T10:30:00Z') })!;
    expect(second.logicalDate.toISOString()).toBe('2024-03-05T11:00:00.000Z');
  });

  it("ticks in the timetable's own zone, not the DAG's", () => {
    const runs = dueRuns(dag(trigger('0 9 * * *', 0, 'America/New_York')), '2024-01-02T15:00:00Z');
    expect(logical(runs)).toEqual(['2024-01-01T14:00:00.000Z', '2024-01-02T14:00:00.000Z']);
  });

  it('end_date bounds the tick; no start_date with catchup never runs', () => {
    expect(dueRuns(dag(trigger('0 6 * * *'), { end_date: '2024-01-02T00:00:00Z' }), '2024-01-05T00:00:00Z')).toHaveLength(1);
    expect(nextDagRunInfo(dag(trigger('0 6 * * *'), { start_date: null }), null, { now: new Date('2024-01-05T00:00:00Z') })).toBeNull();
  });

  it('a manual run covers [run_after - interval, run_after]', () => {
    const at = new Date('2024-05-05T12:34:00Z');
    const { start, end } = inferManualDataInterval({ schedule: trigger('0 6 * * *', 3600), timezone: 'UTC' }, at);
    expect([start.toISOString(), end.toISOString()]).toEqual(['2024-05-05T11:34:00.000Z', '2024-05-05T12:34:00.000Z']);
  });

  it('backfill enumerates the ticks between the dates', () => {
    const infos = intervalsBetween(dag(trigger('30 6 * * 1-5')), new Date('2024-01-05T00:00:00Z'), new Date('2024-01-09T00:00:00Z'));
    expect(logical(infos)).toEqual(['2024-01-05T06:30:00.000Z', '2024-01-08T06:30:00.000Z']);
  });
});

describe('EventsTimetable', () => {
  const events: Schedule = { type: 'events', events: ['2024-03-01T09:00:00.000Z', '2024-03-10T13:30:00.000Z', '2024-04-02T09:00:00.000Z'], restrict_to_events: false };

  it('runs once at each event, its data interval the instant, the next one after the last run, whatever catchup and start_date', () => {
    expect(show(dueRuns(dag(events), '2024-03-15T00:00:00Z'))).toEqual(['2024-03-01T09:00:00.000Z → 2024-03-01T09:00:00.000Z', '2024-03-10T13:30:00.000Z → 2024-03-10T13:30:00.000Z']);
    // As Airflow's, neither catchup=False nor a later start_date skips earlier events.
    expect(show(dueRuns(dag(events, { catchup: false, start_date: '2024-03-05T00:00:00Z' }), '2024-03-15T00:00:00Z'))).toHaveLength(2);
    const after = nextDagRunInfo(dag(events), { logical_date: '2024-03-10T13:30:00.000Z', data_interval_start: '2024-03-10T13:30:00.000Z', data_interval_end: '2024-03-10T13:30:00.000Z' }, { now: new Date('2024-03-15T00:00:00Z') })!;
    expect(after.logicalDate.toISOString()).toBe('2024-04-02T09:00:00.000Z');
    expect(after.runAfter.toISOString()).toBe('2024-04-02T09:00:00.000Z');
    expect(nextDagRunInfo(dag(events), { logical_date: '2024-04-02T09:00:00.000Z', data_interval_start: '2024-04-02T09:00:00.000Z', data_interval_end: '2024-04-02T09:00:00.000Z' }, { now: new Date('2025-01-01T00:00:00Z') })).toBeNull();
  });

  it('a manual run covers its own instant, or with restrict_to_events the latest event at or before it (the first when none is)', () => {
    const at = new Date('2024-03-12T00:00:00Z');
    expect(inferManualDataInterval(dag(events), at)).toEqual({ start: at, end: at });
    const restricted: Schedule = { ...events, restrict_to_events: true };
    expect(inferManualDataInterval(dag(restricted), at)).toEqual({ start: new Date('2024-03-10T13:30:00.000Z'), end: new Date('2024-03-10T13:30:00.000Z') });
    expect(inferManualDataInterval(dag(restricted), new Date('2024-01-01T00:00:00Z')).start.toISOString()).toBe('2024-03-01T09:00:00.000Z');
    expect(inferManualDataInterval(dag(restricted), new Date('2024-03-10T13:30:00.000Z')).start.toISOString()).toBe('2024-03-10T13:30:00.000Z');
  });
});

describe('relativedelta schedules (DeltaDataIntervalTimetable over a relativedelta)', () => {
  const monthly: Schedule = { type: 'relativedelta', years: 0, months: 1, seconds: 0 };

  it('steps by calendar months from start_date in UTC, the day clamped and then kept (dateutil drift)', () => {
    expect(show(dueRuns(dag(monthly, { start_date: '2024-01-31T06:00:00Z' }), '2024-05-01T00:00:00Z'))).toEqual([
      '2024-01-31T06:00:00.000Z → 2024-02-29T06:00:00.000Z',
      '2024-02-29T06:00:00.000Z → 2024-03-29T06:00:00.000Z',
      '2024-03-29T06:00:00.000Z → 2024-04-29T06:00:00.000Z',
    ]);
    const mixed: Schedule = { type: 'relativedelta', years: 1, months: 0, seconds: 86400 };
    expect(show(dueRuns(dag(mixed, { start_date: '2023-02-28T00:00:00Z' }), '2025-03-02T00:00:00Z'))).toEqual(['2023-02-28T00:00:00.000Z → 2024-02-29T00:00:00.000Z', '2024-02-29T00:00:00.000Z → 2025-03-01T00:00:00.000Z']);
  });

  it('catchup=False rounds now down by Airflow\'s approximate month (30 days) since the epoch, one interval back; a manual run covers the month before it', () => {
    const now = new Date('2024-06-15T00:00:00Z');
    const approx = 30 * 86400_000;
    const rounded = now.getTime() - (now.getTime() % approx);
    const info = nextDagRunInfo(dag(monthly, { catchup: false }), null, { now })!;
    const expectedStart = new Date(rounded);
    expectedStart.setUTCMonth(expectedStart.getUTCMonth() - 1);
    expect(info.dataInterval.start.toISOString()).toBe(expectedStart.toISOString());
    expect(inferManualDataInterval(dag(monthly), new Date('2024-03-31T12:00:00Z'))).toEqual({ start: new Date('2024-02-29T12:00:00Z'), end: new Date('2024-03-31T12:00:00Z') });
  });
});

/** Custom timetables over the CustomTimetables port (the Python runner in production; a recording fake here). */
import type { Dag } from '../model/schema.js';
import { cachedCustomTimetables, manualDataInterval, nextRunInfo, runsBetween, type CustomTimetables } from './custom-timetable.js';
import { scheduledDag } from './test-support.js';
import { CustomTimetableError, type RawRunInfo } from './timetable.js';

const DAY = 86_400_000;
const ms = (iso: string) => Date.parse(iso);
const dag: Dag = scheduledDag('custom', { schedule: { type: 'custom', timetable: 'EveryOtherDay' }, start_date: '2024-01-01T00:00:00Z', catchup: true });

/** A timetable of two-day intervals from the restriction's earliest (what a Python one might answer), recording the questions. */
function everyOtherDay(): CustomTimetables & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async nextDagRunInfo({ last, restriction }): Promise<RawRunInfo | null> {
      asked.push(`next after ${last ? new Date(last.start).toISOString() : 'none'}`);
      const start = last ? last.end : restriction.earliest;
      if (start === null || (restriction.latest !== null && start > restriction.latest)) return null;
      return { logicalDate: start, start, end: start + 2 * DAY, runAfter: start + 2 * DAY };
    },
    async inferManualDataInterval({ runAfter }) {
      asked.push(`manual at ${new Date(runAfter).toISOString()}`);
      return { start: runAfter - 2 * DAY, end: runAfter };
    },
  };
}

describe('custom timetables', () => {
  it('asks the port with the last automated interval and the DAG\'s restriction', async () => {
    const port = everyOtherDay();
    const next = await nextRunInfo(dag, { logical_date: '2024-01-01T00:00:00Z', data_interval_start: '2024-01-01T00:00:00Z', data_interval_end: '2024-01-03T00:00:00Z' }, { now: new Date('2024-02-01T00:00:00Z'), timetables: port });
    expect([next!.logicalDate.toISOString(), next!.dataInterval.end.toISOString(), next!.runAfter.toISOString()]).toEqual(['2024-01-03T00:00:00.000Z', '2024-01-05T00:00:00.000Z', '2024-01-05T00:00:00.000Z']);
    const manual = await manualDataInterval(dag, new Date('2024-01-10T00:00:00Z'), { timetables: port });
    expect(manual.start.toISOString()).toBe('2024-01-08T00:00:00.000Z');
    expect(port.asked).toEqual(['next after 2024-01-01T00:00:00.000Z', 'manual at 2024-01-10T00:00:00.000Z']);
  });

  it('is an error naming the class where no Python runner can ask it; other schedules need none', async () => {
    await expect(nextRunInfo(dag, null, { now: new Date() })).rejects.toThrow(new CustomTimetableError("DAG 'custom' is scheduled by the custom timetable EveryOtherDay, whose Python code cannot run here (no Python runner)"));
    const daily = scheduledDag('daily');
    expect((await nextRunInfo(daily, null, { now: new Date('2024-01-05T00:00:00Z') }))!.logicalDate.toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });

  it('enumerates a backfill range run after run, and refuses a timetable that does not move forward', async () => {
    const port = everyOtherDay();
    const runs = await runsBetween(dag, new Date('2024-01-01T00:00:00Z'), new Date('2024-01-06T00:00:00Z'), { timetables: port });
    expect(runs.map((r) => r.logicalDate.toISOString().slice(0, 10))).toEqual(['2024-01-01', '2024-01-03', '2024-01-05']);
    await expect(runsBetween(dag, new Date('2024-01-01T00:00:00Z'), new Date('2024-03-01T00:00:00Z'), { timetables: port, limit: 5 })).rejects.toThrow(RangeError);
    const stuck: CustomTimetables = { ...port, nextDagRunInfo: async () => ({ logicalDate: ms('2024-01-01T00:00:00Z'), start: ms('2024-01-01T00:00:00Z'), end: ms('2024-01-02T00:00:00Z'), runAfter: ms('2024-01-02T00:00:00Z') }) };
    await expect(runsBetween(dag, new Date('2024-01-01T00:00:00Z'), new Date('2024-01-06T00:00:00Z'), { timetables: stuck })).rejects.toThrow(/gave the data interval starting 2024-01-01T00:00:00.000Z again or earlier/);
  });

  it('keeps an answer, or a failure, for a minute per question', async () => {
    let now = 0;
    const port = everyOtherDay();
    let fail = true;
    const flaky: CustomTimetables = { ...port, nextDagRunInfo: async (call) => (fail ? Promise.reject(new Error('boom')) : port.nextDagRunInfo(call)) };
    const cached = cachedCustomTimetables(flaky, () => now);
    const ask = () => nextRunInfo(dag, null, { now: new Date(), timetables: cached });
    await expect(ask()).rejects.toThrow('boom');
    fail = false;
    // The failure is the answer for a minute (a hanging timetable is not started at every pass).
    await expect(ask()).rejects.toThrow('boom');
    now += 61_000;
    await ask();
    await ask();
    now += 59_000;
    await ask();
    expect(port.asked).toEqual(['next after none']);
    now += 2_000;
    await ask();
    // Another question (a new version) is asked at once.
    await nextRunInfo(dag, null, { now: new Date(), timetables: cached, version: 'v2' });
    expect(port.asked).toEqual(['next after none', 'next after none', 'next after none']);
  });
});

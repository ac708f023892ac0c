import type { DagRunRecord } from '../../model/records.js';
import type { Dag } from '../../model/schema.js';
import { latestOnlyExecutor, nextDataInterval } from './latest-only.js';
import { makeDag, makeRequest, makeTask } from './test-request.js';

const iso = (d: Date | string | undefined) => (d === undefined ? undefined : new Date(d).toISOString());
const interval = (i: ReturnType<typeof nextDataInterval>) => (i ? { start: iso(i.start), end: iso(i.end) } : null);

describe('nextDataInterval (dag.next_dagrun_info, restricted=False)', () => {
  const daily: Pick<Dag, 'schedule' | 'timezone'> = { schedule: { type: 'cron', cron: '0 0 * * *' }, timezone: 'UTC' };

  it('cron: the interval after the one that ends at the given time', () => {
    expect(interval(nextDataInterval(daily, '2024-01-02T00:00:00+00:00'))).toEqual({
      start: '2024-01-02T00:00:00.000Z',
      end: '2024-01-03T00:00:00.000Z',
    });
  });

  it('cron: aligns an end that is not on the schedule to the previous cron time', () => {
    expect(interval(nextDataInterval(daily, '2024-01-02T05:00:00Z'))).toEqual({ start: '2024-01-02T00:00:00.000Z', end: '2024-01-03T00:00:00.000Z' });
  });

  it('cron: computes in the DAG timezone (DST change in New York)', () => {
    const ny: Pick<Dag, 'schedule' | 'timezone'> = { schedule: { type: 'cron', cron: '0 0 * * *' }, timezone: 'America/New_York' };
    // Midnight EST is 05:00Z; the next midnight (after the switch to EDT) is 04:00Z.
    expect(interval(nextDataInterval(ny, '2024-03-10T05:00:00Z'))).toEqual({ start: '2024-03-10T05:00:00.000Z', end: '2024-03-11T04:00:00.000Z' });
    const kolkata: Pick<Dag, 'schedule' | 'timezone'> = { schedule: { type: 'cron', cron: '0 6 * * *' }, timezone: 'Asia/Kolkata' };
    expect(interval(nextDataInterval(kolkata, '2024-01-02T00:30:00Z'))).toEqual({ start: '2024-01-02T00:30:00.000Z', end: '2024-01-03T00:30:00.000Z' });
  });

  it('timedelta: adds the delta to the end', () => {
    expect(interval(nextDataInterval({ schedule: { type: 'timedelta', seconds: 7200 }, timezone: 'UTC' }, '2024-01-01T10:00:00Z'))).toEqual({
      start: '2024-01-01T10:00:00.000Z',
      end: '2024-01-01T12:00:00.000Z',
    });
  });

  it("CronTriggerTimetable: the next tick (with its interval before it), in the timetable's zone", () => {
    const hourly: Pick<Dag, 'schedule' | 'timezone'> = { schedule: { type: 'cron', cron: '0 9 * * *', timezone: 'Europe/Berlin', trigger: { interval_seconds: 3600 } }, timezone: 'UTC' };
    expect(interval(nextDataInterval(hourly, '2024-01-02T08:00:00Z'))).toEqual({ start: '2024-01-03T07:00:00.000Z', end: '2024-01-03T08:00:00.000Z' });
  });

  it('no schedule or @once: no next run', () => {
    expect(nextDataInterval({ schedule: { type: 'none' }, timezone: 'UTC' }, '2024-01-01T00:00:00Z')).toBeNull();
    expect(nextDataInterval({ schedule: { type: 'once' }, timezone: 'UTC' }, '2024-01-01T00:00:00Z')).toBeNull();
  });
});

describe('LatestOnlyOperator', () => {
  const latest = makeTask({ task_id: 'latest_only', operator: 'LatestOnlyOperator', operator_kind: 'latest_only', downstream_task_ids: ['deploy', 'notify'] });
  function request(now: string, run: Partial<DagRunRecord> = {}, dag: Partial<Dag> = {}) {
    return makeRequest({
      task: latest,
      dag: makeDag([latest], dag),
      run: { data_interval_start: '2024-01-01T00:00:00+00:00', data_interval_end: '2024-01-02T00:00:00+00:00', ...run },
      now: () => new Date(now),
    });
  }

  it('follows all direct downstream tasks when the run is the latest interval', async () => {
    const req = request('2024-01-02T12:00:00Z');
    await expect(latestOnlyExecutor(req)).resolves.toEqual({
      outcome: 'success',
      followed: ['deploy', 'notify'],
      returnValue: ['deploy', 'notify'],
      message:
        'This run for the interval 2024-01-01T00:00:00.000Z – 2024-01-02T00:00:00.000Z is the latest: now is within (2024-01-02T00:00:00.000Z, 2024-01-03T00:00:00.000Z]; downstream tasks proceed',
    });
    expect(req.log.infos()[0]).toBe(
      'Checking latest only with left_window: 2024-01-02T00:00:00.000Z right_window: 2024-01-03T00:00:00.000Z now: 2024-01-02T12:00:00.000Z',
    );
  });

  it('follows nothing for an older interval (catch-up / backfill)', async () => {
    const out = await latestOnlyExecutor(request('2024-01-05T12:00:00Z'));
    expect(out.outcome).toBe('success');
    expect(out.followed).toEqual([]);
    expect(out.returnValue).toEqual([]);
    expect(out.message).toMatch(/is not the latest: now \(2024-01-05T12:00:00.000Z\) is not within/);
  });

  it('counts the right edge of the next interval as latest, the left edge not', async () => {
    expect((await latestOnlyExecutor(request('2024-01-03T00:00:00Z'))).followed).toEqual(['deploy', 'notify']);
    expect((await latestOnlyExecutor(request('2024-01-02T00:00:00Z'))).followed).toEqual([]);
  });

  it('never skips an externally triggered run, even for an old interval', async () => {
    const out = await latestOnlyExecutor(request('2024-06-01T00:00:00Z', { run_type: 'manual', external_trigger: true }));
    expect(out.followed).toEqual(['deploy', 'notify']);
    expect(out.message).toBe('Externally triggered run: downstream tasks proceed');
  });

  it('never skips when the schedule has no next run (@once)', async () => {
    const out = await latestOnlyExecutor(request('2030-01-01T00:00:00Z', {}, { schedule: { type: 'once' } }));
    expect(out.followed).toEqual(['deploy', 'notify']);
  });

  it('uses timedelta schedules', async () => {
    const dag = { schedule: { type: 'timedelta' as const, seconds: 3600 } };
    const run = { data_interval_start: '2024-01-01T09:00:00Z', data_interval_end: '2024-01-01T10:00:00Z' };
    expect((await latestOnlyExecutor(request('2024-01-01T10:30:00Z', run, dag))).followed).toEqual(['deploy', 'notify']);
    expect((await latestOnlyExecutor(request('2024-01-01T11:30:00Z', run, dag))).followed).toEqual([]);
  });
});

import type { CustomTimetables } from '../../scheduling/custom-timetable.js';
import { call, createHarness, etlModel, putDag } from '../test-support.js';

/** Two-day intervals from the restriction's start (the Python runner answers in production). */
const everyOtherDay: CustomTimetables = {
  async nextDagRunInfo({ last, restriction }) {
    const start = last ? last.end : restriction.earliest!;
    if (restriction.latest !== null && start > restriction.latest) return null;
    return { logicalDate: start, start, end: start + 2 * 86_400_000, runAfter: start + 2 * 86_400_000 };
  },
  async inferManualDataInterval({ runAfter }) {
    return { start: runAfter - 2 * 86_400_000, end: runAfter };
  },
};

describe('POST /dags/{dag_id}/backfill', () => {
  it('lists the logical dates of a range on a dry run, creating nothing', async () => {
    const h = await createHarness();
    const before = (await h.store.listDagRuns('etl')).length;
    const res = await call(h, 'POST', '/api/v1/dags/etl/backfill', { token: h.tokens.User, body: { start_date: '2024-05-01', end_date: '2024-05-03', dry_run: true } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ dag_id: 'etl', dry_run: true, logical_dates: ['2024-05-01T00:00:00.000Z', '2024-05-02T00:00:00.000Z', '2024-05-03T00:00:00.000Z'], excluded: [] });
    expect(res.json.dag_runs[0].dag_run_id).toBe('backfill__2024-05-01T00:00:00+00:00');
    expect((await h.store.listDagRuns('etl')).length).toBe(before);
  });

  it('hands the range to the backfill runner, and lists future dates as excluded', async () => {
    const started: [string, string, string][] = [];
    const h = await createHarness({ config: { backfill: { start: async ({ model }, s, e) => void started.push([model.dag_id, s.toISOString(), e.toISOString()]) } } });
    const res = await call(h, 'POST', '/api/v1/dags/etl/backfill', { token: h.tokens.User, body: { start_date: '2024-05-31', end_date: '2024-06-03' } });
    expect(res.status).toBe(200);
    expect(res.json.logical_dates).toEqual(['2024-05-31T00:00:00.000Z', '2024-06-01T00:00:00.000Z']);
    expect(res.json.excluded.map((e: { logical_date: string }) => e.logical_date)).toEqual(['2024-06-02T00:00:00.000Z', '2024-06-03T00:00:00.000Z']);
    expect(started).toEqual([['etl', '2024-05-31T00:00:00.000Z', '2024-06-03T00:00:00.000Z']]);
  });

  it('rejects bad ranges and unknown DAGs', async () => {
    const h = await createHarness();
    expect((await call(h, 'POST', '/api/v1/dags/etl/backfill', { token: h.tokens.User, body: { start_date: '2024-05-03', end_date: '2024-05-01' } })).status).toBe(400);
    expect((await call(h, 'POST', '/api/v1/dags/etl/backfill', { token: h.tokens.User, body: { start_date: 'soon', end_date: '2024-05-01' } })).status).toBe(400);
    const huge = await call(h, 'POST', '/api/v1/dags/etl/backfill', { token: h.tokens.User, body: { start_date: '0001-01-01', end_date: '9999-12-31', dry_run: true } });
    expect(huge.status).toBe(400);
    expect(huge.json.detail).toMatch(/^cannot backfill this range: more than 1000 runs between .*; backfill a shorter range$/);
    expect((await call(h, 'POST', '/api/v1/dags/nope/backfill', { token: h.tokens.User, body: { start_date: '2024-05-01', end_date: '2024-05-02' } })).status).toBe(404);
    expect((await call(h, 'POST', '/api/v1/dags/etl/backfill', { token: h.tokens.Viewer, body: { start_date: '2024-05-01', end_date: '2024-05-02' } })).status).toBe(403);
  });

  it('asks a custom timetable for the range; where none can be asked, the plan and a trigger are refused with the reason', async () => {
    const custom = etlModel({ dag_id: 'workdays', schedule: { type: 'custom', timetable: 'EveryOtherDay' } });
    const h = await createHarness({ config: { timetables: everyOtherDay } });
    await putDag(h.store, custom);
    const res = await call(h, 'POST', '/api/v1/dags/workdays/backfill', { token: h.tokens.User, body: { start_date: '2024-05-01', end_date: '2024-05-06', dry_run: true } });
    expect(res.status).toBe(200);
    expect(res.json.logical_dates).toEqual(['2024-05-01T00:00:00.000Z', '2024-05-03T00:00:00.000Z', '2024-05-05T00:00:00.000Z']);

    const without = await createHarness();
    await putDag(without.store, custom);
    const refused = await call(without, 'POST', '/api/v1/dags/workdays/backfill', { token: without.tokens.User, body: { start_date: '2024-05-01', end_date: '2024-05-06', dry_run: true } });
    expect([refused.status, refused.json.detail]).toEqual([400, "cannot plan this backfill: DAG 'workdays' is scheduled by the custom timetable EveryOtherDay, whose Python code cannot run here (no Python runner)"]);
    const trigger = await call(without, 'POST', '/api/v1/dags/workdays/dagRuns', { token: without.tokens.User, body: {} });
    expect([trigger.status, trigger.json.detail]).toEqual([400, "cannot create the run: DAG 'workdays' is scheduled by the custom timetable EveryOtherDay, whose Python code cannot run here (no Python runner)"]);
    expect(await without.store.listDagRuns('workdays')).toEqual([]);
  });
});

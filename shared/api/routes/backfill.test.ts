import { call, createHarness } from '../test-support.js';

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
});

/** GET /api/v1/dagStats: run-state counts per DAG (Airflow 2.7 shape) with the last run and recent task states. */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { RUN_ID, call, createHarness, putDag, putRun, runRecord, signInWithRole } from '../test-support.js';
import { recentRuns } from './dag-stats.js';

describe('GET /api/v1/dagStats', () => {
  it('counts runs by state and reports the newest run and the task states of recent runs', async () => {
    const h = await createHarness();
    await putRun(h.store, h.model, runRecord('etl', 'manual__2024-06-01', '2024-06-01T00:00:00.000Z', { state: 'running', run_type: 'manual' }), {
      extract: { state: 'success' },
      transform: { state: 'running' },
    });
    const res = await call(h, 'GET', '/api/v1/dagStats?dag_ids=etl', { token: h.tokens.Viewer });
    expect(res.status).toBe(200);
    expect(res.json.total_entries).toBe(1);
    const [etl] = res.json.dags;
    expect(etl.dag_id).toBe('etl');
    expect(etl.stats).toEqual([
      { state: 'queued', count: 0 },
      { state: 'running', count: 1 },
      { state: 'success', count: 0 },
      { state: 'failed', count: 1 },
    ]);
    expect(etl.last_dag_run).toMatchObject({ dag_run_id: 'manual__2024-06-01', state: 'running' });
    // The newest run (running: extract success, transform running, load none); the older failed run is finished and not recent.
    expect(etl.recent_task_states).toEqual([
      { state: 'none', count: 1 },
      { state: 'running', count: 1 },
      { state: 'success', count: 1 },
    ]);
  });

  it('takes comma-separated or repeated ids; a DAG without runs has zero counts and no last run', async () => {
    const h = await createHarness();
    await putDag(h.store, makeDag('quiet', [makeTask('t')]));
    const res = await call(h, 'GET', '/api/v1/dagStats?dag_ids=etl,quiet&dag_ids=etl', { token: h.tokens.Viewer });
    expect(res.json.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual(['etl', 'quiet']);
    expect(res.json.dags[1]).toMatchObject({ last_dag_run: null, recent_task_states: [] });
    expect(res.json.dags[0].last_dag_run.dag_run_id).toBe(RUN_ID);
  });

  it('needs dag_ids (at most 100), known DAGs and a signed-in user with read access', async () => {
    const h = await createHarness();
    expect((await call(h, 'GET', '/api/v1/dagStats', { token: h.tokens.Viewer })).status).toBe(400);
    const many = Array.from({ length: 101 }, (_, i) => `d${i}`).join(',');
    expect((await call(h, 'GET', `/api/v1/dagStats?dag_ids=${many}`, { token: h.tokens.Viewer })).status).toBe(400);
    expect((await call(h, 'GET', '/api/v1/dagStats?dag_ids=nope', { token: h.tokens.Viewer })).status).toBe(404);
    expect((await call(h, 'GET', '/api/v1/dagStats?dag_ids=etl')).status).toBe(401);
    expect((await call(h, 'GET', '/api/v1/dagStats?dag_ids=etl', { token: h.tokens.Public })).status).toBe(403);
  });
  it('answers only for DAGs the caller can read: a hidden one is absent (404)', async () => {
    const h = await createHarness();
    await putDag(h.store, makeDag('hidden', [makeTask('t')]));
    const token = await signInWithRole(h, 'etl_readers', [['can_read', 'DAG:etl'], ['can_read', 'DAG Runs'], ['can_read', 'Task Instances']]);
    expect((await call(h, 'GET', '/api/v1/dagStats?dag_ids=etl', { token })).json.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual(['etl']);
    const hidden = await call(h, 'GET', '/api/v1/dagStats?dag_ids=etl,hidden', { token });
    const absent = await call(h, 'GET', '/api/v1/dagStats?dag_ids=etl,absent', { token });
    expect([hidden.status, hidden.json.detail]).toEqual([404, absent.json.detail.replace('absent', 'hidden')]);
  });
});

describe('recentRuns', () => {
  it('is the newest run plus every unfinished run', () => {
    const runs = [runRecord('d', 'c', '2024-01-03T00:00:00Z', { state: 'success' }), runRecord('d', 'b', '2024-01-02T00:00:00Z', { state: 'queued' }), runRecord('d', 'a', '2024-01-01T00:00:00Z', { state: 'failed' })];
    expect(recentRuns(runs).map((r) => r.run_id)).toEqual(['c', 'b']);
    expect(recentRuns([])).toEqual([]);
  });
});

/** The console's DAG view endpoints: grid data of the newest runs, versions with their source, and details' additions. */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { RUN_ID, T0, call, createHarness, etlModel, putDag, putRun, runRecord, signInWithRole } from '../test-support.js';

describe('GET /api/v1/dags/{dag_id}/gridData', () => {
  it('returns the newest runs and every task instance of them, compact', async () => {
    const h = await createHarness();
    await putRun(h.store, h.model, runRecord('etl', 'manual__2', '2024-06-02T00:00:00.000Z', { state: 'running', run_type: 'manual' }), {
      extract: { state: 'running', try_number: 1, start_date: '2024-06-02T00:00:01.000Z' },
    });
    const res = await call(h, 'GET', '/api/v1/dags/etl/gridData', { token: h.tokens.Viewer });
    expect(res.status).toBe(200);
    expect(res.json.dag_runs.map((r: { dag_run_id: string }) => r.dag_run_id)).toEqual(['manual__2', RUN_ID]);
    expect(res.json.has_more).toBe(false);
    expect(res.json.task_instances).toHaveLength(6);
    expect(res.json.task_instances).toContainEqual({ dag_run_id: 'manual__2', task_id: 'extract', state: 'running', try_number: 1, start_date: '2024-06-02T00:00:01+00:00', end_date: null, duration: null });
    expect(res.json.task_instances).toContainEqual(expect.objectContaining({ dag_run_id: RUN_ID, task_id: 'load', state: 'upstream_failed' }));
    expect(res.json.task_instances).toContainEqual(expect.objectContaining({ dag_run_id: 'manual__2', task_id: 'load', state: null }));
  });

  it('pages through older runs with limit and offset, saying when more exist', async () => {
    const h = await createHarness();
    for (let d = 1; d <= 4; d++) await putRun(h.store, h.model, runRecord('etl', `r${d}`, `2024-07-0${d}T00:00:00.000Z`, { state: 'success' }));
    const first = await call(h, 'GET', '/api/v1/dags/etl/gridData?limit=2', { token: h.tokens.Viewer });
    expect(first.json.dag_runs.map((r: { dag_run_id: string }) => r.dag_run_id)).toEqual(['r4', 'r3']);
    expect(first.json.has_more).toBe(true);
    const last = await call(h, 'GET', '/api/v1/dags/etl/gridData?limit=2&offset=4', { token: h.tokens.Viewer });
    expect(last.json.dag_runs.map((r: { dag_run_id: string }) => r.dag_run_id)).toEqual([RUN_ID]);
    expect(last.json.has_more).toBe(false);
    expect((await call(h, 'GET', '/api/v1/dags/nope/gridData', { token: h.tokens.Viewer })).status).toBe(404);
  });
});

describe('DAG versions', () => {
  it('lists versions newest first with the current one marked, and returns a version with its source and tasks', async () => {
    const h = await createHarness();
    const v2 = etlModel({ description: 'changed' });
    await h.store.putDagVersion({ dag_id: 'etl', version: 'v-2', created_at: '2024-06-02T00:00:00.000Z', fileloc: 'etl.py', model: v2, source: 'from airflow import DAG\n# v2\n' });
    await h.store.updateDag('etl', { current_version: 'v-2' });
    const list = await call(h, 'GET', '/api/v1/dags/etl/versions', { token: h.tokens.Viewer });
    expect(list.json).toEqual({
      versions: [
        { dag_id: 'etl', version: 'v-2', created_at: '2024-06-02T00:00:00+00:00', fileloc: 'etl.py', is_current: true },
        { dag_id: 'etl', version: 'v-etl', created_at: '2024-06-01T12:00:00+00:00', fileloc: 'etl.py', is_current: false },
      ],
      total_entries: 2,
    });
    const one = await call(h, 'GET', '/api/v1/dags/etl/versions/v-2', { token: h.tokens.Viewer });
    expect(one.json).toMatchObject({ version: 'v-2', is_current: true, source: 'from airflow import DAG\n# v2\n', edge_labels: [] });
    expect(one.json.tasks.map((t: { task_id: string }) => t.task_id)).toEqual(['extract', 'transform', 'load']);
    // A version recorded without its source says so with null.
    expect((await call(h, 'GET', '/api/v1/dags/etl/versions/v-etl', { token: h.tokens.Viewer })).json.source).toBeNull();
    const missing = await call(h, 'GET', '/api/v1/dags/etl/versions/v-nope', { token: h.tokens.Viewer });
    expect([missing.status, missing.json.detail]).toEqual([404, "DAG 'etl' has no version 'v-nope'"]);
  });
});

describe('GET /api/v1/dags/{dag_id}/details additions', () => {
  it("carries edge labels, each task's child DAG and description, and the compiler's cost per run", async () => {
    const h = await createHarness();
    const model = makeDag(
      'master',
      [makeTask('start'), makeTask('child', { operator: 'DagOperator', operator_kind: 'dag_operator', args: { run_dag_id: 'etl' }, description: 'Runs <b>etl</b>' }), makeTask('templated', { args: { run_dag_id: '{{ params.x }}' } })],
      [['start', 'child']],
    );
    model.edge_labels = [{ upstream_task_id: 'start', downstream_task_id: 'child', label: 'go' }];
    await h.store.putDagVersion({ dag_id: 'master', version: 'v-master', created_at: '2024-06-01T00:00:00.000Z', fileloc: 'master.py', model });
    await h.store.putDag({ ...(await h.store.getDag('etl'))!, dag_id: 'master', fileloc: 'master.py', current_version: 'v-master' });
    const res = await call(h, 'GET', '/api/v1/dags/master/details', { token: h.tokens.Viewer });
    expect(res.json.edge_labels).toEqual([{ upstream_task_id: 'start', downstream_task_id: 'child', label: 'go' }]);
    const byId = Object.fromEntries(res.json.tasks.map((t: { task_id: string }) => [t.task_id, t]));
    expect(byId.child).toMatchObject({ run_dag_id: 'etl', description: 'Runs <b>etl</b>' });
    expect(byId.templated.run_dag_id).toBeNull();
    expect(res.json.cost_estimate).toMatchObject({ tasks: 3, estimated_events_per_run: expect.any(Number), transitions_per_task: expect.any(Number) });
  });
});

describe('GET /api/v1/dags/{dag_id}/versions/{version} with per-DAG permissions', () => {
  it("withholds the file's source from callers who cannot read every DAG it defines (Airflow's DAG source rule)", async () => {
    const h = await createHarness();
    const left = makeDag('left', [makeTask('t')]);
    await putDag(h.store, left, { fileloc: 'both.py' });
    await putDag(h.store, makeDag('right', [makeTask('t')]), { fileloc: 'both.py' });
    await h.store.putDagVersion({ dag_id: 'left', version: 'v2', created_at: T0.toISOString(), fileloc: 'both.py', model: left, source: 'left and right' });
    const token = await signInWithRole(h, 'left_readers', [['can_read', 'DAG:left']]);
    const path = '/api/v1/dags/left/versions/v2';
    expect((await call(h, 'GET', path, { token })).json).toMatchObject({ dag_id: 'left', source: null, source_redacted: true, tasks: [{ task_id: 't' }] });
    expect((await call(h, 'GET', path, { token: h.tokens.Viewer })).json).toMatchObject({ source: 'left and right', source_redacted: false });
  });
});

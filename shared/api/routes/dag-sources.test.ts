/** GET /dagSources/{file_token} and GET /dagWarnings: Airflow's shapes, per-DAG visibility. */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { call, createHarness, etlModel, putDag, signInWithRole } from '../test-support.js';

const token = (file: string) => Buffer.from(file).toString('base64url');

describe('GET /api/v1/dagSources/{file_token}', () => {
  it("returns the file as its DAG's current version was read: JSON {content}, or text/plain when asked; the token is the DAG's file_token", async () => {
    const h = await createHarness();
    // The version with its source first: putDag's own write of that version is then a no-op (first writer wins).
    await h.store.putDagVersion({ dag_id: 'report', version: 'v2', created_at: '2024-06-01T00:00:00.000Z', fileloc: 'reports/report.py', model: makeDag('report', [makeTask('t')]), source: 'print("v2")\n' });
    await putDag(h.store, makeDag('report', [makeTask('t')]), { fileloc: 'reports/report.py', current_version: 'v2' });
    const dag = await call(h, 'GET', '/api/v1/dags/report', { token: h.tokens.Viewer });
    expect(dag.json.file_token).toBe(token('reports/report.py'));
    const json = await call(h, 'GET', `/api/v1/dagSources/${dag.json.file_token}`, { token: h.tokens.Viewer });
    expect(json.status).toBe(200);
    expect(json.json).toEqual({ content: 'print("v2")\n' });
    const text = await call(h, 'GET', `/api/v1/dagSources/${dag.json.file_token}`, { token: h.tokens.Viewer, headers: { accept: 'text/plain' } });
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.text).toBe('print("v2")\n');
  });

  it('is 404 for a token that names no DAG file, or is not a token at all', async () => {
    const h = await createHarness();
    for (const bad of [token('nothing.py'), 'not*a*token', token('etl.py').slice(0, -1)]) {
      const res = await call(h, 'GET', `/api/v1/dagSources/${encodeURIComponent(bad)}`, { token: h.tokens.Viewer });
      expect(`${bad} → ${res.status}`).toBe(`${bad} → 404`);
    }
  });

  it('is 404 (as absent) to a user who reads none of the DAGs of the file, 403 to one who reads only some', async () => {
    const h = await createHarness();
    const source = 'two DAGs\n';
    for (const id of ['left', 'right']) {
      await h.store.putDagVersion({ dag_id: id, version: 'v1', created_at: '2024-06-01T00:00:00.000Z', fileloc: 'pair.py', model: makeDag(id, [makeTask('t')]), source });
      await putDag(h.store, makeDag(id, [makeTask('t')]), { fileloc: 'pair.py', current_version: 'v1' });
    }
    const leftOnly = await signInWithRole(h, 'left_reader', [['can_read', 'DAG:left']]);
    const etlOnly = await signInWithRole(h, 'etl_reader', [['can_read', 'DAG:etl']]);
    expect((await call(h, 'GET', `/api/v1/dagSources/${token('pair.py')}`, { token: etlOnly })).status).toBe(404);
    const partly = await call(h, 'GET', `/api/v1/dagSources/${token('pair.py')}`, { token: leftOnly });
    expect(partly.status).toBe(403);
    expect(partly.text).not.toContain(source.trim());
    expect((await call(h, 'GET', `/api/v1/dagSources/${token('pair.py')}`, { token: h.tokens.Viewer })).json).toEqual({ content: source });
  });
});

describe('GET /api/v1/dagWarnings', () => {
  it("reports Airflow's 'non-existent pool' for tasks using a pool that does not exist, and drops it once the pool exists", async () => {
    const h = await createHarness();
    await putDag(h.store, makeDag('fine', [makeTask('t', { pool: 'default_pool' })]));
    await putDag(h.store, makeDag('two', [makeTask('a', { pool: 'zeta' }), makeTask('b', { pool: "o'neil" }), makeTask('c', { pool: 'zeta' })]));
    const res = await call(h, 'GET', '/api/v1/dagWarnings', { token: h.tokens.Viewer });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      dag_warnings: [
        { dag_id: 'etl', warning_type: 'non-existent pool', message: "Dag 'etl' references non-existent pools: ['etl_pool']", timestamp: '2024-06-01T12:00:00+00:00' },
        { dag_id: 'two', warning_type: 'non-existent pool', message: "Dag 'two' references non-existent pools: ['o\\'neil', 'zeta']", timestamp: '2024-06-01T12:00:00+00:00' },
      ],
      total_entries: 2,
    });
    expect((await call(h, 'GET', '/api/v1/dagWarnings?dag_id=two&limit=1', { token: h.tokens.Viewer })).json.dag_warnings.map((w: { dag_id: string }) => w.dag_id)).toEqual(['two']);
    expect((await call(h, 'GET', '/api/v1/dagWarnings?warning_type=asset%20conflict', { token: h.tokens.Viewer })).json.total_entries).toBe(0);
    expect((await call(h, 'POST', '/api/v1/pools', { token: h.tokens.Op, body: { name: 'etl_pool', slots: 2 } })).status).toBe(200);
    expect((await call(h, 'GET', '/api/v1/dagWarnings', { token: h.tokens.Viewer })).json.dag_warnings.map((w: { dag_id: string }) => w.dag_id)).toEqual(['two']);
  });

  it("lists only the DAGs the caller reads; an unknown warning_type is a 400", async () => {
    const h = await createHarness();
    await putDag(h.store, etlModel({ dag_id: 'hidden' }));
    const etlOnly = await signInWithRole(h, 'etl_reader', [['can_read', 'DAG:etl']]);
    expect((await call(h, 'GET', '/api/v1/dagWarnings', { token: etlOnly })).json.dag_warnings.map((w: { dag_id: string }) => w.dag_id)).toEqual(['etl']);
    expect((await call(h, 'GET', '/api/v1/dagWarnings?warning_type=nope', { token: h.tokens.Viewer })).status).toBe(400);
  });
});

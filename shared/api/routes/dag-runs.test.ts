/** DAG runs: trigger (conf, logical date, ids, conflicts, paused/inactive/broken DAGs), list filters, get/delete/state/note/clear. */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { RUN_ID, call, createHarness, putDag, putRun, runRecord } from '../test-support.js';

const runPath = (runId: string) => `/api/v1/dags/etl/dagRuns/${encodeURIComponent(runId)}`;

describe('POST /api/v1/dags/{dag_id}/dagRuns (trigger)', () => {
  it('creates a manual run with conf, logical date, run id and note, and starts it', async () => {
    const h = await createHarness();
    const res = await call(h, 'POST', '/api/v1/dags/etl/dagRuns', {
      token: h.tokens.User,
      body: { dag_run_id: 'my_run', logical_date: '2024-03-01T10:00:00+02:00', conf: { region: 'eu', n: 3 }, note: 'rerun for March' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      dag_run_id: 'my_run',
      dag_id: 'etl',
      logical_date: '2024-03-01T08:00:00+00:00',
      execution_date: '2024-03-01T08:00:00+00:00',
      run_type: 'manual',
      state: 'running',
      external_trigger: true,
      conf: { region: 'eu', n: 3 },
      note: 'rerun for March',
      dag_version: 'v-etl',
    });
    const stored = (await h.store.getDagRun('etl', 'my_run'))!;
    expect(stored.conf).toEqual({ region: 'eu', n: 3 });
    expect((await h.store.listTaskInstances('etl', 'my_run')).map((t) => [t.task_id, t.state])).toEqual([
      ['extract', null],
      ['transform', null],
      ['load', null],
    ]);
    expect(h.started.map((r) => r.run_id)).toEqual(['my_run']);
    const audit = (await h.store.listAuditLog({ event: 'trigger' })).items[0]!;
    expect(audit).toMatchObject({ owner: 'user', dag_id: 'etl', run_id: 'my_run' });
    expect(JSON.parse(audit.extra!)).toMatchObject({ status: 200, body: { conf: { region: 'eu', n: 3 } } });
  });

  it('defaults: logical date = now, run id = manual__<iso>, empty conf', async () => {
    const h = await createHarness();
    const res = await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, body: {} });
    expect(res.json).toMatchObject({ dag_run_id: 'manual__2024-06-01T12:00:00+00:00', logical_date: '2024-06-01T12:00:00+00:00', conf: {} });
    // @daily: the manual run covers the last complete interval before the trigger (Airflow 2.2+).
    expect(res.json.data_interval_start).toBe('2024-05-31T00:00:00+00:00');
    expect(res.json.data_interval_end).toBe('2024-06-01T00:00:00+00:00');
  });

  it('409 on a duplicate run id or logical date, nothing created', async () => {
    const h = await createHarness();
    await putRun(h.store, h.model, runRecord('etl', 'by_hand', '2024-05-01T00:00:00.000Z', { run_type: 'manual' }));
    const dupId = await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, body: { dag_run_id: 'by_hand', logical_date: '2020-01-01T00:00:00Z' } });
    expect(dupId.status).toBe(409);
    expect(dupId.json).toMatchObject({ title: 'Conflict', detail: "DAGRun with DAG ID: 'etl' and DAGRun ID: 'by_hand' already exists" });
    const dupDate = await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, body: { dag_run_id: 'new', execution_date: '2024-05-31T00:00:00Z' } });
    expect(dupDate.status).toBe(409);
    expect(dupDate.json.detail).toBe(`DAGRun with DAG ID: 'etl' and DAGRun logical date: '2024-05-31T00:00:00+00:00' already exists (run '${RUN_ID}')`);
    expect((await h.store.listDagRuns('etl')).map((r) => r.run_id)).toEqual([RUN_ID, 'by_hand']);
    // The refused 2020 date stayed free.
    expect((await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, body: { logical_date: '2020-01-01T00:00:00Z' } })).status).toBe(200);
    expect(h.started.map((r) => r.run_id)).toEqual(['manual__2020-01-01T00:00:00+00:00']);
  });

  it("400 for the scheduler's run id prefixes; nothing created", async () => {
    const h = await createHarness();
    for (const id of ['scheduled__2024-01-01T00:00:00+00:00', 'backfill__x', 'dataset_triggered__y']) {
      const res = await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, body: { dag_run_id: id, logical_date: '2021-01-01T00:00:00Z' } });
      expect(res.status).toBe(400);
      expect(res.json.detail).toContain(`The run_id '${id}' is reserved`);
    }
    expect((await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, body: { dag_run_id: 'manual__mine', logical_date: '2021-01-01T00:00:00Z' } })).status).toBe(200);
    expect((await h.store.listDagRuns('etl')).map((r) => r.run_id)).toEqual([RUN_ID, 'manual__mine']);
  });

  it('without a logical date, a trigger whose "now" is taken gets the next free millisecond', async () => {
    const h = await createHarness();
    const results = await Promise.all(Array.from({ length: 5 }, () => call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, body: {} })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results.map((r) => r.json.dag_run_id).sort()).toEqual(
      ['12:00:00', '12:00:00.001000', '12:00:00.002000', '12:00:00.003000', '12:00:00.004000'].map((t) => `manual__2024-06-01T${t}+00:00`),
    );
    // A run id the client chose keeps its id and moves only its date.
    const named = await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, body: { dag_run_id: 'named' } });
    expect(named.json).toMatchObject({ dag_run_id: 'named', logical_date: '2024-06-01T12:00:00.005000+00:00' });
  });

  it('400 with the field named for bad bodies; nothing stored', async () => {
    const h = await createHarness();
    const cases: [unknown, string][] = [
      [{ conf: 'a=1' }, "field 'conf' must be object"],
      [{ conf: {}, state: 'success' }, "unknown field 'state'"],
      [{ logical_date: 'yesterday' }, "field 'logical_date' must be an ISO-8601 date-time"],
      [{ dag_run_id: '../../etc' }, "field 'dag_run_id' must match pattern"],
      [{ logical_date: '2024-01-01T00:00:00Z', execution_date: '2024-01-02T00:00:00Z' }, 'logical_date conflicts with execution_date'],
      [[1, 2], 'request body must be a JSON object'],
    ];
    for (const [body, message] of cases) {
      const res = await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, body });
      expect([res.status, res.json.detail]).toEqual([400, expect.stringContaining(message)]);
    }
    const malformed = await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, rawBody: '{conf: 1}', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.json.detail).toMatch(/^request body is not valid JSON/);
    const textPlain = await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, rawBody: 'not json', headers: { 'content-type': 'text/plain' } });
    expect(textPlain.status).toBe(400);
    expect((await h.store.listDagRuns('etl')).length).toBe(1);
    expect(h.started).toHaveLength(0);
  });

  it('refuses unknown DAGs (404), inactive DAGs (404) and DAGs with import errors (400)', async () => {
    const h = await createHarness();
    expect((await call(h, 'POST', '/api/v1/dags/ghost/dagRuns', { token: h.tokens.User, body: {} })).status).toBe(404);
    await putDag(h.store, makeDag('gone', [makeTask('t')]), { is_active: false });
    const gone = await call(h, 'POST', '/api/v1/dags/gone/dagRuns', { token: h.tokens.User, body: {} });
    expect(gone.status).toBe(404);
    expect(gone.json.detail).toMatch(/not active/);
    await putDag(h.store, makeDag('broken', [makeTask('t')]));
    await h.store.putImportError({ filename: 'broken.py', timestamp: '2024-06-01T00:00:00Z', diagnostics: [] });
    const broken = await call(h, 'POST', '/api/v1/dags/broken/dagRuns', { token: h.tokens.User, body: {} });
    expect(broken.status).toBe(400);
    expect(broken.json).toMatchObject({ title: 'DAG cannot be triggered', detail: "DAG with dag_id: 'broken' has import errors" });
    expect(h.started).toHaveLength(0);
  });

  it('at max_active_runs the new run waits queued (started like the scheduler starts queued runs)', async () => {
    const h = await createHarness();
    const single = makeDag('single', [makeTask('t')], [], { max_active_runs: 1 });
    await putDag(h.store, single, { max_active_runs: 1 });
    await putRun(h.store, single, runRecord('single', 'busy', '2024-05-01T00:00:00.000Z', { state: 'running', end_date: null }));
    const res = await call(h, 'POST', '/api/v1/dags/single/dagRuns', { token: h.tokens.User, body: { dag_run_id: 'waiting' } });
    expect(res.json).toMatchObject({ dag_run_id: 'waiting', state: 'queued', start_date: null });
    expect(h.started).toHaveLength(0);
  });

  it('a paused DAG gets a queued run that is not started', async () => {
    const h = await createHarness();
    await h.store.updateDag('etl', { is_paused: true });
    const res = await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, body: { dag_run_id: 'p1' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ state: 'queued', start_date: null });
    expect(h.started).toHaveLength(0);
  });
});

describe('GET /api/v1/dags/{dag_id}/dagRuns', () => {
  async function seeded() {
    const h = await createHarness();
    await putRun(h.store, h.model, runRecord('etl', 'r_apr', '2024-04-01T00:00:00.000Z', { state: 'success', queued_at: '2024-04-02T00:00:00.000Z' }));
    await putRun(h.store, h.model, runRecord('etl', 'r_may', '2024-05-01T00:00:00.000Z', { state: 'running', queued_at: '2024-05-02T00:00:00.000Z', end_date: null }));
    const other = makeDag('other', [makeTask('t')]);
    await putDag(h.store, other);
    await putRun(h.store, other, runRecord('other', 'o1', '2024-05-15T00:00:00.000Z', { state: 'success', queued_at: '2024-05-15T00:00:00.000Z' }));
    return h;
  }

  it('lists in creation order by default, with total_entries', async () => {
    const h = await seeded();
    const res = await call(h, 'GET', '/api/v1/dags/etl/dagRuns', { token: h.tokens.Viewer });
    expect(res.json.total_entries).toBe(3);
    expect(res.json.dag_runs.map((r: { dag_run_id: string }) => r.dag_run_id)).toEqual(['r_apr', 'r_may', RUN_ID]);
  });

  it('~ lists every DAG; filters by state and dates; orders and pages', async () => {
    const h = await seeded();
    const all = await call(h, 'GET', '/api/v1/dags/~/dagRuns?order_by=-execution_date', { token: h.tokens.Viewer });
    expect(all.json.dag_runs.map((r: { dag_run_id: string }) => r.dag_run_id)).toEqual([RUN_ID, 'o1', 'r_may', 'r_apr']);
    const success = await call(h, 'GET', '/api/v1/dags/~/dagRuns?state=success&state=running&order_by=dag_run_id', { token: h.tokens.Viewer });
    expect(success.json.dag_runs.map((r: { dag_run_id: string }) => r.dag_run_id)).toEqual(['o1', 'r_apr', 'r_may']);
    const window = await call(h, 'GET', '/api/v1/dags/~/dagRuns?execution_date_gte=2024-04-15T00:00:00Z&execution_date_lte=2024-05-20T00:00:00Z', { token: h.tokens.Viewer });
    expect(window.json.dag_runs.map((r: { dag_run_id: string }) => r.dag_run_id).sort()).toEqual(['o1', 'r_may']);
    const ended = await call(h, 'GET', '/api/v1/dags/etl/dagRuns?end_date_gte=2024-01-01T00:00:00Z', { token: h.tokens.Viewer });
    expect(ended.json.total_entries).toBe(2);
    const paged = await call(h, 'GET', '/api/v1/dags/~/dagRuns?limit=1&offset=1&order_by=execution_date', { token: h.tokens.Viewer });
    expect(paged.json).toMatchObject({ total_entries: 4, dag_runs: [{ dag_run_id: 'r_may' }] });
    expect((await call(h, 'GET', '/api/v1/dags/~/dagRuns?state=exploded', { token: h.tokens.Viewer })).status).toBe(400);
    expect((await call(h, 'GET', '/api/v1/dags/~/dagRuns?start_date_gte=soon', { token: h.tokens.Viewer })).status).toBe(400);
  });
});

describe('one DAG run', () => {
  it('get and 404', async () => {
    const h = await createHarness();
    const res = await call(h, 'GET', runPath(RUN_ID), { token: h.tokens.Viewer });
    expect(res.json).toMatchObject({ dag_run_id: RUN_ID, state: 'failed', run_type: 'scheduled', external_trigger: false });
    const missing = await call(h, 'GET', runPath('nope'), { token: h.tokens.Viewer });
    expect(missing.json).toMatchObject({ status: 404, title: 'DAGRun not found', detail: "DAGRun with DAG ID: 'etl' and DagRun ID: 'nope' not found" });
  });

  it('delete: 204, stops an unfinished run first, then 404', async () => {
    const h = await createHarness();
    await putRun(h.store, h.model, runRecord('etl', 'live', '2024-05-01T00:00:00.000Z', { state: 'running' }));
    expect((await call(h, 'DELETE', runPath('live'), { token: h.tokens.User })).status).toBe(204);
    expect(h.controller.calls).toEqual([{ kind: 'stop', runId: 'live' }]);
    expect(await h.store.getDagRun('etl', 'live')).toBeUndefined();
    expect((await call(h, 'DELETE', runPath('live'), { token: h.tokens.User })).status).toBe(404);
  });

  it('mark success: unfinished and failed tasks become success, run success, execution stopped', async () => {
    const h = await createHarness();
    const res = await call(h, 'PATCH', runPath(RUN_ID), { token: h.tokens.User, body: { state: 'success' } });
    expect(res.json).toMatchObject({ state: 'success', end_date: '2024-06-01T12:00:00+00:00' });
    expect((await h.store.listTaskInstances('etl', RUN_ID)).map((t) => t.state)).toEqual(['success', 'success', 'success']);
    expect(h.controller.calls).toEqual([{ kind: 'stop', runId: RUN_ID }]);
    expect((await h.store.listAuditLog({ event: 'dag_run.mark_success' })).total).toBe(1);
  });

  it('mark failed: running tasks fail, not-yet-run tasks are skipped', async () => {
    const h = await createHarness();
    await putRun(h.store, h.model, runRecord('etl', 'live', '2024-05-01T00:00:00.000Z', { state: 'running' }), {
      extract: { state: 'success' },
      transform: { state: 'running' },
    });
    await call(h, 'PATCH', runPath('live'), { token: h.tokens.User, body: { state: 'failed' } });
    expect((await h.store.listTaskInstances('etl', 'live')).map((t) => t.state)).toEqual(['success', 'failed', 'skipped']);
    expect((await h.store.getDagRun('etl', 'live'))!.state).toBe('failed');
  });

  it('queued re-queues and restarts; a bad state is a 400', async () => {
    const h = await createHarness();
    const res = await call(h, 'PATCH', runPath(RUN_ID), { token: h.tokens.User, body: { state: 'queued' } });
    expect(res.json).toMatchObject({ state: 'queued', end_date: null });
    expect(h.controller.calls).toEqual([{ kind: 'restart', runId: RUN_ID }]);
    const bad = await call(h, 'PATCH', runPath(RUN_ID), { token: h.tokens.User, body: { state: 'running' } });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toBe('field \'state\' must be one of "success", "failed", "queued"');
  });

  it('setNote and clear (dry run lists, real clear resets every task and restarts)', async () => {
    const h = await createHarness();
    expect((await call(h, 'PATCH', `${runPath(RUN_ID)}/setNote`, { token: h.tokens.User, body: { note: 'looked at it' } })).json.note).toBe('looked at it');
    const dry = await call(h, 'POST', `${runPath(RUN_ID)}/clear`, { token: h.tokens.User, body: {} });
    expect(dry.json.task_instances).toHaveLength(3);
    expect(h.controller.calls).toHaveLength(0);
    const real = await call(h, 'POST', `${runPath(RUN_ID)}/clear`, { token: h.tokens.User, body: { dry_run: false } });
    expect(real.json).toMatchObject({ dag_run_id: RUN_ID, state: 'queued' });
    expect((await h.store.listTaskInstances('etl', RUN_ID)).every((t) => t.state === null)).toBe(true);
    expect(h.controller.calls).toEqual([{ kind: 'restart', runId: RUN_ID }]);
  });
});

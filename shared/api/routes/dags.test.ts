/** DAG endpoints: listing filters and paging, Airflow shapes, pause/unpause, details and tasks. */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { RUN_ID, call, createHarness, etlModel, putDag, putRun, runRecord, signInWithRole, type Harness } from '../test-support.js';

async function withManyDags(): Promise<Harness> {
  const h = await createHarness();
  for (let i = 0; i < 120; i++) {
    const id = `bulk_${String(i).padStart(3, '0')}`;
    await putDag(h.store, makeDag(id, [makeTask('t')], [], { tags: i % 2 ? ['odd'] : ['even'] }), { is_paused: i % 3 === 0 });
  }
  await putDag(h.store, makeDag('Reporting_Daily', [makeTask('t')]), { is_active: false });
  return h;
}

describe('GET /api/v1/dags', () => {
  it('returns Airflow DAG objects', async () => {
    const h = await createHarness();
    const res = await call(h, 'GET', '/api/v1/dags', { token: h.tokens.Viewer });
    expect(res.status).toBe(200);
    expect(res.json.total_entries).toBe(1);
    expect(res.json.dags[0]).toMatchObject({
      dag_id: 'etl',
      is_paused: false,
      is_active: true,
      fileloc: 'etl.py',
      owners: ['airflow'],
      description: 'Nightly ETL',
      schedule_interval: { __type: 'CronExpression', value: '@daily' },
      tags: [{ name: 'finance' }, { name: 'daily' }],
      has_import_errors: false,
      last_parsed_time: '2024-06-01T12:00:00+00:00',
      timezone: 'UTC',
    });
  });

  it('pages with Airflow limits: default and maximum 100, offset, total_entries', async () => {
    const h = await withManyDags();
    const first = await call(h, 'GET', '/api/v1/dags', { token: h.tokens.Viewer });
    expect(first.json.dags).toHaveLength(100);
    expect(first.json.total_entries).toBe(121);
    const capped = await call(h, 'GET', '/api/v1/dags?limit=500', { token: h.tokens.Viewer });
    expect(capped.json.dags).toHaveLength(100);
    const page = await call(h, 'GET', '/api/v1/dags?limit=5&offset=118', { token: h.tokens.Viewer });
    expect(page.json.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual(['bulk_118', 'bulk_119', 'etl']);
  });

  it('rejects bad paging parameters with a 400 naming the parameter', async () => {
    const h = await createHarness();
    const word = await call(h, 'GET', '/api/v1/dags?limit=ten', { token: h.tokens.Viewer });
    expect(word.status).toBe(400);
    expect(word.json.detail).toBe("query parameter 'limit' must be integer");
    const negative = await call(h, 'GET', '/api/v1/dags?offset=-1', { token: h.tokens.Viewer });
    expect(negative.status).toBe(400);
    expect(negative.json.detail).toContain("'offset'");
    const negLimit = await call(h, 'GET', '/api/v1/dags?limit=-5', { token: h.tokens.Viewer });
    expect(negLimit.status).toBe(400);
    expect(negLimit.json.detail).toBe('Page limit must be a positive integer');
  });

  it('filters by tags, paused, only_active and a case-insensitive dag_id_pattern; orders by order_by', async () => {
    const h = await withManyDags();
    const tagged = await call(h, 'GET', '/api/v1/dags?tags=finance&tags=nothing', { token: h.tokens.Viewer });
    expect(tagged.json.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual(['etl']);
    const paused = await call(h, 'GET', '/api/v1/dags?paused=true&limit=100', { token: h.tokens.Viewer });
    expect(paused.json.total_entries).toBe(40);
    expect(paused.json.dags.every((d: { is_paused: boolean }) => d.is_paused)).toBe(true);
    expect((await call(h, 'GET', '/api/v1/dags?dag_id_pattern=reporting', { token: h.tokens.Viewer })).json.total_entries).toBe(0);
    const all = await call(h, 'GET', '/api/v1/dags?dag_id_pattern=reporting&only_active=false', { token: h.tokens.Viewer });
    expect(all.json.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual(['Reporting_Daily']);
    const desc = await call(h, 'GET', '/api/v1/dags?order_by=-dag_id&limit=2', { token: h.tokens.Viewer });
    expect(desc.json.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual(['etl', 'bulk_119']);
    const bad = await call(h, 'GET', '/api/v1/dags?order_by=password', { token: h.tokens.Viewer });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/Ordering with 'password' is disallowed/);
    const badBool = await call(h, 'GET', '/api/v1/dags?paused=maybe', { token: h.tokens.Viewer });
    expect(badBool.status).toBe(400);
  });

  it('leaves sub-DAGs out of the listing (Airflow: ~is_subdag) and marks them when read directly', async () => {
    const h = await createHarness();
    await putDag(h.store, { ...makeDag('etl.section', [makeTask('t')]), parent_dag_id: 'etl' }, { parent_dag_id: 'etl' });
    const listed = await call(h, 'GET', '/api/v1/dags', { token: h.tokens.Viewer });
    expect(listed.json.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual(['etl']);
    expect(listed.json.dags[0]).toMatchObject({ is_subdag: false, root_dag_id: null });
    expect((await call(h, 'GET', '/api/v1/dags/etl.section', { token: h.tokens.Viewer })).json).toMatchObject({ dag_id: 'etl.section', is_subdag: true, root_dag_id: 'etl' });
  });

  it('flags DAGs whose file has import errors', async () => {
    const h = await createHarness();
    await h.store.putImportError({ filename: 'etl.py', timestamp: '2024-06-01T00:00:00Z', diagnostics: [] });
    expect((await call(h, 'GET', '/api/v1/dags/etl', { token: h.tokens.Viewer })).json.has_import_errors).toBe(true);
  });
});

describe('GET /api/v1/dags/{dag_id}', () => {
  it('404 is problem JSON in Airflow shape', async () => {
    const h = await createHarness();
    const res = await call(h, 'GET', '/api/v1/dags/nope', { token: h.tokens.Viewer });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.json).toEqual({
      type: 'https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html#section/Errors/NotFound',
      title: 'DAG not found',
      status: 404,
      detail: "DAG with dag_id: 'nope' not found",
      instance: '/api/v1/dags/nope',
    });
  });

  it('details include the model: timezone, catchup, params and tasks', async () => {
    const h = await createHarness();
    const res = await call(h, 'GET', '/api/v1/dags/etl/details', { token: h.tokens.Viewer });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ dag_id: 'etl', timezone: 'UTC', catchup: true, start_date: '2024-01-01T00:00:00+00:00', params: {}, orientation: 'LR' });
    expect(res.json.tasks.map((t: { task_id: string }) => t.task_id)).toEqual(['extract', 'transform', 'load']);
    expect(res.json.tasks[1]).toMatchObject({ downstream_task_ids: ['load'], upstream_task_ids: ['extract'], pool: 'etl_pool', retry_delay: { __type: 'TimeDelta', days: 0, seconds: 300, microseconds: 0 } });
  });

  it('lists tasks sorted by task_id (Airflow default) and gets one', async () => {
    const h = await createHarness();
    const tasks = await call(h, 'GET', '/api/v1/dags/etl/tasks', { token: h.tokens.Viewer });
    expect(tasks.json.total_entries).toBe(3);
    expect(tasks.json.tasks.map((t: { task_id: string }) => t.task_id)).toEqual(['extract', 'load', 'transform']);
    const one = await call(h, 'GET', '/api/v1/dags/etl/tasks/extract', { token: h.tokens.Viewer });
    expect(one.json).toMatchObject({ task_id: 'extract', retries: 2, class_ref: { class_name: 'EmptyOperator' }, trigger_rule: 'all_success' });
    expect((await call(h, 'GET', '/api/v1/dags/etl/tasks/nope', { token: h.tokens.Viewer })).status).toBe(404);
  });
});

describe('dag_display_name (Airflow 2.9+)', () => {
  it("is the DAG's display name in the DAG list, one DAG and its details, else its id", async () => {
    const h = await createHarness();
    await putDag(h.store, makeDag('named', [makeTask('t')], [], { dag_display_name: 'Named DAG 📊' }), { dag_display_name: 'Named DAG 📊' });
    const list = await call(h, 'GET', '/api/v1/dags', { token: h.tokens.Viewer });
    expect(list.json.dags.map((d: { dag_id: string; dag_display_name: string }) => [d.dag_id, d.dag_display_name])).toEqual([
      ['etl', 'etl'],
      ['named', 'Named DAG 📊'],
    ]);
    expect((await call(h, 'GET', '/api/v1/dags/named', { token: h.tokens.Viewer })).json.dag_display_name).toBe('Named DAG 📊');
    expect((await call(h, 'GET', '/api/v1/dags/named/details', { token: h.tokens.Viewer })).json.dag_display_name).toBe('Named DAG 📊');
  });
});

describe('task_display_name (Airflow 2.9+)', () => {
  it('is the task\'s display name in the task endpoints and DAG details, else its id', async () => {
    const h = await createHarness();
    const model = makeDag('named', [makeTask('load_eu', { task_display_name: 'Load Europe 🇪🇺' }), makeTask('plain')], [['load_eu', 'plain']]);
    await putDag(h.store, model);
    const tasks = await call(h, 'GET', '/api/v1/dags/named/tasks', { token: h.tokens.Viewer });
    expect(tasks.json.tasks.map((t: { task_id: string; task_display_name: string }) => [t.task_id, t.task_display_name])).toEqual([
      ['load_eu', 'Load Europe 🇪🇺'],
      ['plain', 'plain'],
    ]);
    expect((await call(h, 'GET', '/api/v1/dags/named/tasks/load_eu', { token: h.tokens.Viewer })).json.task_display_name).toBe('Load Europe 🇪🇺');
    const details = await call(h, 'GET', '/api/v1/dags/named/details', { token: h.tokens.Viewer });
    expect(details.json.tasks.map((t: { task_display_name: string }) => t.task_display_name)).toEqual(['Load Europe 🇪🇺', 'plain']);
  });
});

describe('PATCH /api/v1/dags/{dag_id}', () => {
  it('pauses and unpauses, audited as dag.pause / dag.unpause', async () => {
    const h = await createHarness();
    const paused = await call(h, 'PATCH', '/api/v1/dags/etl?update_mask=is_paused', { token: h.tokens.User, body: { is_paused: true } });
    expect(paused.status).toBe(200);
    expect(paused.json.is_paused).toBe(true);
    expect((await h.store.getDag('etl'))!.is_paused).toBe(true);
    await call(h, 'PATCH', '/api/v1/dags/etl', { token: h.tokens.User, body: { is_paused: false } });
    const events = (await h.store.listAuditLog()).items.map((a) => [a.event, a.owner, a.dag_id]);
    expect(events).toEqual(
      expect.arrayContaining([
        ['dag.pause', 'user', 'etl'],
        ['dag.unpause', 'user', 'etl'],
      ]),
    );
  });

  it('unpausing returns (and records) the next run the scheduler will create, not a stale null', async () => {
    const h = await createHarness({ seed: false });
    // Daily, no catch-up, clock at 2024-06-01T12:00Z: the next run is the last complete interval, 2024-05-31.
    await putDag(h.store, etlModel({ catchup: false }), { is_paused: true, next_dagrun: null, next_dagrun_data_interval_start: null, next_dagrun_data_interval_end: null });
    const unpaused = await call(h, 'PATCH', '/api/v1/dags/etl', { token: h.tokens.User, body: { is_paused: false } });
    expect(unpaused.status).toBe(200);
    expect(unpaused.json).toMatchObject({ is_paused: false, next_dagrun: '2024-05-31T00:00:00+00:00', next_dagrun_data_interval_end: '2024-06-01T00:00:00+00:00' });
    expect((await h.store.getDag('etl'))!.next_dagrun).toBe('2024-05-31T00:00:00.000Z');
  });

  it('runs triggered while paused stay queued; unpausing leaves starting them to the scheduler', async () => {
    const h = await createHarness();
    await h.store.updateDag('etl', { is_paused: true });
    const trig = await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, body: { dag_run_id: 'while_paused' } });
    expect(trig.json.state).toBe('queued');
    expect(h.started).toHaveLength(0);
    await call(h, 'PATCH', '/api/v1/dags/etl', { token: h.tokens.User, body: { is_paused: false } });
    expect(h.started).toHaveLength(0);
    expect(h.controller.calls).toHaveLength(0);
    expect((await h.store.getDagRun('etl', 'while_paused'))!.state).toBe('queued');
  });

  it('refuses other fields and masks, with nothing changed', async () => {
    const h = await createHarness();
    const mask = await call(h, 'PATCH', '/api/v1/dags/etl?update_mask=description', { token: h.tokens.User, body: { is_paused: true } });
    expect(mask.status).toBe(400);
    expect(mask.json.detail).toBe('Only `is_paused` field can be updated through the REST API');
    const extra = await call(h, 'PATCH', '/api/v1/dags/etl', { token: h.tokens.User, body: { is_paused: true, fileloc: '/etc/passwd' } });
    expect(extra.status).toBe(400);
    expect(extra.json.detail).toBe("unknown field 'fileloc'");
    const wrongType = await call(h, 'PATCH', '/api/v1/dags/etl', { token: h.tokens.User, body: { is_paused: 'yes' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.detail).toBe("field 'is_paused' must be boolean");
    expect(wrongType.json.errors).toEqual([{ field: 'is_paused', message: "field 'is_paused' must be boolean" }]);
    expect((await h.store.getDag('etl'))!.is_paused).toBe(false);
    expect((await call(h, 'PATCH', '/api/v1/dags/ghost', { token: h.tokens.User, body: { is_paused: true } })).status).toBe(404);
  });

  it('works with a DAG that has runs (smoke)', async () => {
    const h = await createHarness();
    await putRun(h.store, h.model, runRecord('etl', 'another', '2024-05-01T00:00:00.000Z', { state: 'success' }));
    expect((await call(h, 'GET', `/api/v1/dags/etl/dagRuns/${encodeURIComponent(RUN_ID)}`, { token: h.tokens.Viewer })).status).toBe(200);
  });
});

describe('PATCH /api/v1/dags (bulk)', () => {
  it('pauses the DAGs whose id contains dag_id_pattern (case-insensitive; ~ for all), one page by dag_id, counting every match', async () => {
    const h = await withManyDags();
    const res = await call(h, 'PATCH', '/api/v1/dags?dag_id_pattern=BULK_00&limit=3', { token: h.tokens.User, body: { is_paused: true } });
    expect(res.status).toBe(200);
    expect(res.json.total_entries).toBe(10);
    expect(res.json.dags.map((d: { dag_id: string; is_paused: boolean }) => [d.dag_id, d.is_paused])).toEqual([
      ['bulk_000', true],
      ['bulk_001', true],
      ['bulk_002', true],
    ]);
    expect((await h.store.getDag('bulk_001'))!.is_paused).toBe(true);
    expect((await h.store.getDag('bulk_004'))!.is_paused).toBe(false);
    const audit = (await h.store.listAuditLog()).items.find((a) => a.event === 'dag.pause')!;
    expect(JSON.parse(audit.extra!).body).toEqual({ dag_ids: ['bulk_000', 'bulk_001', 'bulk_002'], is_paused: true });
    const all = await call(h, 'PATCH', '/api/v1/dags?dag_id_pattern=~', { token: h.tokens.User, body: { is_paused: false } });
    expect(all.json.total_entries).toBe(121);
    // One page (limit default 100), as Airflow: bulk_100 … bulk_119 are beyond it, and the paused ones among them (i % 3 = 0) stay paused.
    expect(all.json.dags).toHaveLength(100);
    expect((await h.store.listDags({ paused: true })).items.map((d) => d.dag_id)).toEqual(['bulk_102', 'bulk_105', 'bulk_108', 'bulk_111', 'bulk_114', 'bulk_117']);
  });

  it('changes only DAGs the caller may edit; needs dag_id_pattern; refuses other fields', async () => {
    const h = await createHarness();
    await putDag(h.store, etlModel({ dag_id: 'etl_other' }));
    const editor = await signInWithRole(h, 'etl_editor', [['can_read', 'DAG:etl'], ['can_edit', 'DAG:etl']]);
    const res = await call(h, 'PATCH', '/api/v1/dags?dag_id_pattern=etl', { token: editor, body: { is_paused: true } });
    expect(res.json.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual(['etl']);
    expect((await h.store.getDag('etl_other'))!.is_paused).toBe(false);
    expect((await call(h, 'PATCH', '/api/v1/dags', { token: h.tokens.User, body: { is_paused: true } })).status).toBe(400);
    expect((await call(h, 'PATCH', '/api/v1/dags?dag_id_pattern=etl&update_mask=description', { token: h.tokens.User, body: { is_paused: true } })).status).toBe(400);
    expect((await call(h, 'PATCH', '/api/v1/dags?dag_id_pattern=etl', { token: h.tokens.Viewer, body: { is_paused: true } })).status).toBe(403);
  });
});

describe('DELETE /api/v1/dags/{dag_id}', () => {
  it("deletes the DAG's record and runs (204, audited as dag.delete); unfinished runs are stopped first", async () => {
    const h = await createHarness();
    await putRun(h.store, h.model, runRecord('etl', 'queued_run', '2024-05-30T00:00:00.000Z', { state: 'queued' }));
    const res = await call(h, 'DELETE', '/api/v1/dags/etl', { token: h.tokens.User });
    expect(res.status).toBe(204);
    expect(await h.store.getDag('etl')).toBeUndefined();
    expect(await h.store.listDagRuns('etl')).toEqual([]);
    expect(await h.store.listTaskInstances('etl', RUN_ID)).toEqual([]);
    expect(h.controller.calls).toEqual([{ kind: 'stop', runId: 'queued_run' }]);
    expect((await h.store.listAuditLog()).items.find((a) => a.event === 'dag.delete')).toMatchObject({ dag_id: 'etl', owner: 'user' });
    expect((await call(h, 'DELETE', '/api/v1/dags/etl', { token: h.tokens.User })).status).toBe(404);
  });

  it('is a 409 while a task instance runs, with nothing deleted; Viewer may not', async () => {
    const h = await createHarness();
    await putRun(h.store, h.model, runRecord('etl', 'busy', '2024-05-30T00:00:00.000Z', { state: 'running' }), { extract: { state: 'running' } });
    expect((await call(h, 'DELETE', '/api/v1/dags/etl', { token: h.tokens.Viewer })).status).toBe(403);
    const res = await call(h, 'DELETE', '/api/v1/dags/etl', { token: h.tokens.User });
    expect(res.status).toBe(409);
    expect(res.json.detail).toBe("Task instances of dag with id: 'etl' are still running");
    expect(await h.store.getDag('etl')).toBeDefined();
    expect((await h.store.listDagRuns('etl')).length).toBe(2);
  });
});

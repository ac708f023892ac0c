/** Task instances, logs, XComs, clearTaskInstances and updateTaskInstancesState. */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { RUN_ID, call, createHarness, putDag, putRun, runRecord } from '../test-support.js';

const tiPath = (runId: string, rest = '') => `/api/v1/dags/etl/dagRuns/${encodeURIComponent(runId)}/taskInstances${rest}`;

describe('task instances', () => {
  it('lists one run in Airflow shape (no state is null)', async () => {
    const h = await createHarness();
    const res = await call(h, 'GET', tiPath(RUN_ID), { token: h.tokens.Viewer });
    expect(res.json.total_entries).toBe(3);
    expect(res.json.task_instances[1]).toMatchObject({
      task_id: 'transform',
      dag_id: 'etl',
      dag_run_id: RUN_ID,
      execution_date: '2024-05-31T00:00:00+00:00',
      state: 'failed',
      try_number: 2,
      pool: 'etl_pool',
      operator: 'EmptyOperator',
      duration: 10,
    });
    const more = await putRun(h.store, h.model, runRecord('etl', 'fresh', '2024-06-01T00:00:00.000Z', { state: 'running' }));
    const none = await call(h, 'GET', tiPath(more.run_id), { token: h.tokens.Viewer });
    expect(none.json.task_instances.map((t: { state: unknown }) => t.state)).toEqual([null, null, null]);
  });

  it('gives each task instance its task\'s display name (task_display_name, Airflow 2.9+), else its id', async () => {
    const h = await createHarness();
    const model = makeDag('named', [makeTask('load_eu', { task_display_name: 'Load Europe' }), makeTask('plain')], [['load_eu', 'plain']]);
    await putDag(h.store, model);
    await putRun(h.store, model, runRecord('named', 'r1', '2024-06-01T00:00:00.000Z', { state: 'running' }));
    const list = await call(h, 'GET', '/api/v1/dags/named/dagRuns/r1/taskInstances', { token: h.tokens.Viewer });
    expect(list.json.task_instances.map((t: { task_id: string; task_display_name: string }) => [t.task_id, t.task_display_name])).toEqual([
      ['load_eu', 'Load Europe'],
      ['plain', 'plain'],
    ]);
    const one = await call(h, 'GET', '/api/v1/dags/named/dagRuns/r1/taskInstances/load_eu', { token: h.tokens.Viewer });
    expect(one.json.task_display_name).toBe('Load Europe');
  });

  it('~ for runs and DAGs, with state (none included), pool and duration filters', async () => {
    const h = await createHarness();
    await putRun(h.store, h.model, runRecord('etl', 'fresh', '2024-06-01T00:00:00.000Z', { state: 'running' }), { extract: { state: 'running' } });
    const other = makeDag('other', [makeTask('only')]);
    await putDag(h.store, other);
    await putRun(h.store, other, runRecord('other', 'o1', '2024-05-01T00:00:00.000Z'), { only: { state: 'failed', duration: 99 } });
    const failed = await call(h, 'GET', '/api/v1/dags/~/dagRuns/~/taskInstances?state=failed', { token: h.tokens.Viewer });
    expect(failed.json.task_instances.map((t: { dag_id: string; task_id: string }) => `${t.dag_id}.${t.task_id}`)).toEqual(['other.only', 'etl.transform']);
    const none = await call(h, 'GET', '/api/v1/dags/etl/dagRuns/~/taskInstances?state=none', { token: h.tokens.Viewer });
    expect(none.json.total_entries).toBe(2);
    const pool = await call(h, 'GET', '/api/v1/dags/~/dagRuns/~/taskInstances?pool=etl_pool', { token: h.tokens.Viewer });
    expect(pool.json.total_entries).toBe(2);
    const long = await call(h, 'GET', '/api/v1/dags/~/dagRuns/~/taskInstances?duration_gte=5&order_by=-duration', { token: h.tokens.Viewer });
    expect(long.json.task_instances.map((t: { duration: number }) => t.duration)).toEqual([99, 10]);
    expect((await call(h, 'GET', '/api/v1/dags/~/dagRuns/~/taskInstances?state=bogus', { token: h.tokens.Viewer })).status).toBe(400);
  });

  it('~ runs are listed from the store index, paged across DAGs by execution date, with no query per run', async () => {
    const h = await createHarness();
    const other = makeDag('other', [makeTask('only')]);
    await putDag(h.store, other);
    for (let day = 1; day <= 3; day++) {
      await putRun(h.store, h.model, runRecord('etl', `e${day}`, `2024-06-0${day}T00:00:00.000Z`));
      await putRun(h.store, other, runRecord('other', `o${day}`, `2024-06-0${day}T12:00:00.000Z`));
    }
    const perRun = jest.spyOn(h.store, 'listTaskInstances');
    const page = await call(h, 'GET', '/api/v1/dags/~/dagRuns/~/taskInstances?limit=3&offset=5&execution_date_gte=2024-06-01T00:00:00Z', { token: h.tokens.Viewer });
    expect(page.json.task_instances.map((t: { dag_run_id: string; task_id: string }) => `${t.dag_run_id}.${t.task_id}`)).toEqual(['e2.transform', 'e2.load', 'o2.only']);
    expect(page.json.total_entries).toBe(12);
    const oneDag = await call(h, 'GET', '/api/v1/dags/etl/dagRuns/~/taskInstances?limit=2&offset=1&execution_date_lte=2024-06-01T00:00:00Z', { token: h.tokens.Viewer });
    expect([oneDag.json.task_instances.map((t: { task_id: string }) => t.task_id), oneDag.json.total_entries]).toEqual([['transform', 'load'], 6]); // the harness's run of 2024-05-31 and e1
    expect(perRun).not.toHaveBeenCalled();
  });

  it('batch list (POST ~/dagRuns/~/taskInstances/list): DAG, run, task and state filters, paging; 403 for a DAG the caller cannot read', async () => {
    const h = await createHarness();
    const other = makeDag('other', [makeTask('only')]);
    await putDag(h.store, other);
    await putRun(h.store, other, runRecord('other', 'o1', '2024-05-01T00:00:00.000Z'), { only: { state: 'failed' } });
    const list = (body: object) => call(h, 'POST', '/api/v1/dags/~/dagRuns/~/taskInstances/list', { token: h.tokens.Viewer, body });
    const ids = (res: Awaited<ReturnType<typeof list>>) => res.json.task_instances.map((t: { dag_id: string; task_id: string }) => `${t.dag_id}.${t.task_id}`);
    const all = await list({});
    expect([ids(all), all.json.total_entries]).toEqual([['other.only', 'etl.extract', 'etl.transform', 'etl.load'], 4]);
    expect(ids(await list({ dag_ids: ['etl'], task_ids: ['load', 'extract'] }))).toEqual(['etl.extract', 'etl.load']);
    expect(ids(await list({ state: ['failed'], page_limit: 1, page_offset: 1 }))).toEqual(['etl.transform']);
    expect(ids(await list({ dag_run_ids: ['o1'] }))).toEqual(['other.only']);
    expect((await list({ dag_ids: ['etl', 'hidden'] })).status).toBe(403);
    expect((await list({ state: ['bogus'] })).status).toBe(400);
  });

  it('gets one task instance; 404 for unknown run or task', async () => {
    const h = await createHarness();
    expect((await call(h, 'GET', tiPath(RUN_ID, '/load'), { token: h.tokens.Viewer })).json).toMatchObject({ task_id: 'load', state: 'upstream_failed' });
    expect((await call(h, 'GET', tiPath(RUN_ID, '/nope'), { token: h.tokens.Viewer })).status).toBe(404);
    expect((await call(h, 'GET', tiPath('nope', '/load'), { token: h.tokens.Viewer })).status).toBe(404);
  });
});

describe('task logs', () => {
  it('JSON by default with a continuation token; text/plain by Accept; per try', async () => {
    const h = await createHarness();
    const json = await call(h, 'GET', tiPath(RUN_ID, '/transform/logs/1'), { token: h.tokens.Viewer });
    expect(json.status).toBe(200);
    expect(json.json).toEqual({ content: 'try 1 line 1\ntry 1 line 2\n', continuation_token: expect.any(String) });
    const text = await call(h, 'GET', tiPath(RUN_ID, '/transform/logs/2'), { token: h.tokens.Viewer, headers: { accept: 'text/plain' } });
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.text).toBe('try 2 failed\n');
    // A client following the log gets only what was appended since its token.
    h.logs.set('etl', RUN_ID, 'transform', 1, 'try 1 line 1\ntry 1 line 2\ntry 1 line 3\n');
    const next = await call(h, 'GET', tiPath(RUN_ID, `/transform/logs/1?token=${json.json.continuation_token}`), { token: h.tokens.Viewer });
    expect(next.json.content).toBe('try 1 line 3\n');
    const full = await call(h, 'GET', tiPath(RUN_ID, `/transform/logs/1?full_content=true&token=${json.json.continuation_token}`), { token: h.tokens.Viewer });
    expect(full.json.content).toMatch(/^try 1 line 1/);
  });

  it('400 for a forged token or a bad try number, 404 for a missing try or task', async () => {
    const h = await createHarness();
    const forged = await call(h, 'GET', tiPath(RUN_ID, '/transform/logs/1?token=eyJvIjowLCJ0IjoxfQ.AAAA'), { token: h.tokens.Viewer });
    expect(forged.status).toBe(400);
    expect(forged.json.detail).toMatch(/Bad Signature/);
    expect((await call(h, 'GET', tiPath(RUN_ID, '/transform/logs/zero'), { token: h.tokens.Viewer })).status).toBe(400);
    expect((await call(h, 'GET', tiPath(RUN_ID, '/transform/logs/0'), { token: h.tokens.Viewer })).status).toBe(400);
    const missing = await call(h, 'GET', tiPath(RUN_ID, '/transform/logs/3'), { token: h.tokens.Viewer });
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toMatch(/No log for try 3/);
    expect((await call(h, 'GET', tiPath(RUN_ID, '/nope/logs/1'), { token: h.tokens.Viewer })).status).toBe(404);
  });
});

describe('XCom entries', () => {
  it('lists and gets values as Airflow does (str() by default, JSON with stringify=false)', async () => {
    const h = await createHarness();
    const list = await call(h, 'GET', tiPath(RUN_ID, '/extract/xcomEntries'), { token: h.tokens.Viewer });
    expect(list.json).toEqual({
      xcom_entries: [{ key: 'return_value', timestamp: '2024-05-31T00:00:00+00:00', execution_date: '2024-05-31T00:00:00+00:00', map_index: -1, task_id: 'extract', dag_id: 'etl', dag_run_id: RUN_ID }],
      total_entries: 1,
    });
    const all = await call(h, 'GET', '/api/v1/dags/~/dagRuns/~/taskInstances/~/xcomEntries', { token: h.tokens.Viewer });
    expect(all.json.total_entries).toBe(1);
    const one = await call(h, 'GET', tiPath(RUN_ID, '/extract/xcomEntries/return_value'), { token: h.tokens.Viewer });
    expect(one.json).toMatchObject({ key: 'return_value', value: "{'rows': 42, 'ok': True}", value_json: { rows: 42, ok: true } });
    const native = await call(h, 'GET', tiPath(RUN_ID, '/extract/xcomEntries/return_value?stringify=false'), { token: h.tokens.Viewer });
    expect(native.json.value).toEqual({ rows: 42, ok: true });
    expect((await call(h, 'GET', tiPath(RUN_ID, '/extract/xcomEntries/missing'), { token: h.tokens.Viewer })).status).toBe(404);
  });
});

describe('POST /api/v1/dags/{dag_id}/clearTaskInstances', () => {
  it('dry run by default, only failed tasks by default: nothing changes', async () => {
    const h = await createHarness();
    const res = await call(h, 'POST', '/api/v1/dags/etl/clearTaskInstances', { token: h.tokens.User, body: {} });
    expect(res.status).toBe(200);
    expect(res.json.task_instances).toEqual([
      { task_id: 'transform', dag_id: 'etl', execution_date: '2024-05-31T00:00:00+00:00', dag_run_id: RUN_ID },
      { task_id: 'load', dag_id: 'etl', execution_date: '2024-05-31T00:00:00+00:00', dag_run_id: RUN_ID },
    ]);
    expect((await h.store.getTaskInstance('etl', RUN_ID, 'transform'))!.state).toBe('failed');
    expect(h.controller.calls).toHaveLength(0);
    expect((await h.store.listAuditLog({ event: 'task_instances.clear.dry_run' })).total).toBe(1);
  });

  it('clears the selected tasks with their downstream, resets the run to queued and restarts it', async () => {
    const h = await createHarness();
    const res = await call(h, 'POST', '/api/v1/dags/etl/clearTaskInstances', {
      token: h.tokens.User,
      body: { dry_run: false, only_failed: false, task_ids: ['transform'], include_downstream: true, dag_run_id: RUN_ID },
    });
    expect(res.json.task_instances.map((t: { task_id: string }) => t.task_id)).toEqual(['transform', 'load']);
    const tis = await h.store.listTaskInstances('etl', RUN_ID);
    expect(tis.map((t) => [t.task_id, t.state])).toEqual([
      ['extract', 'success'],
      ['transform', null],
      ['load', null],
    ]);
    // A cleared task gets its full retries again: max_tries = try_number + retries.
    expect(tis.find((t) => t.task_id === 'transform')!.max_tries).toBe(2);
    expect((await h.store.getDagRun('etl', RUN_ID))!).toMatchObject({ state: 'queued', start_date: null, end_date: null });
    expect(h.controller.calls).toEqual([{ kind: 'restart', runId: RUN_ID }]);
  });

  it('clears the setups upstream of a cleared task and their teardowns with it (Airflow 2.10)', async () => {
    const h = await createHarness();
    const model = makeDag(
      'st',
      [makeTask('create', { is_setup: true }), makeTask('work'), makeTask('other'), makeTask('delete', { is_teardown: true, trigger_rule: 'all_done_setup_success' })],
      [['create', 'work'], ['work', 'delete'], ['create', 'delete']],
    );
    await putDag(h.store, model);
    const done = { state: 'success' as const, try_number: 1 };
    await putRun(h.store, model, runRecord('st', 'r', '2024-06-03T00:00:00.000Z'), { create: done, work: { state: 'failed', try_number: 1 }, other: done, delete: done });
    const res = await call(h, 'POST', '/api/v1/dags/st/clearTaskInstances', { token: h.tokens.User, body: { dry_run: true, only_failed: false, task_ids: ['work'], dag_run_id: 'r' } });
    expect(res.json.task_instances.map((t: { task_id: string }) => t.task_id).sort()).toEqual(['create', 'delete', 'work']);
  });

  it('selects runs by date range and validates the form', async () => {
    const h = await createHarness();
    await putRun(h.store, h.model, runRecord('etl', 'older', '2024-01-01T00:00:00.000Z'), { extract: { state: 'failed' } });
    const ranged = await call(h, 'POST', '/api/v1/dags/etl/clearTaskInstances', { token: h.tokens.User, body: { start_date: '2023-12-01T00:00:00Z', end_date: '2024-02-01T00:00:00Z' } });
    expect(ranged.json.task_instances.map((t: { dag_run_id: string }) => t.dag_run_id)).toEqual(['older']);
    const both = await call(h, 'POST', '/api/v1/dags/etl/clearTaskInstances', { token: h.tokens.User, body: { dag_run_id: RUN_ID, start_date: '2024-01-01T00:00:00Z' } });
    expect(both.json.detail).toBe('Exactly one of dag_run_id or (start_date and end_date) must be provided');
    const reversed = await call(h, 'POST', '/api/v1/dags/etl/clearTaskInstances', { token: h.tokens.User, body: { start_date: '2024-03-01T00:00:00Z', end_date: '2024-01-01T00:00:00Z' } });
    expect(reversed.json.detail).toBe('end_date is sooner than start_date');
    const unknownTask = await call(h, 'POST', '/api/v1/dags/etl/clearTaskInstances', { token: h.tokens.User, body: { task_ids: ['nope'] } });
    expect(unknownTask.json.detail).toMatch(/unknown task id\(s\).*nope/);
    const emptyIds = await call(h, 'POST', '/api/v1/dags/etl/clearTaskInstances', { token: h.tokens.User, body: { task_ids: [] } });
    expect(emptyIds.json.detail).toMatch(/'task_ids' must NOT have fewer than 1 items/);
  });
});

describe('POST /api/v1/dags/{dag_id}/updateTaskInstancesState', () => {
  it('dry run lists what would change', async () => {
    const h = await createHarness();
    const res = await call(h, 'POST', '/api/v1/dags/etl/updateTaskInstancesState', { token: h.tokens.User, body: { task_id: 'transform', dag_run_id: RUN_ID, new_state: 'success' } });
    expect(res.json.task_instances).toEqual([{ task_id: 'transform', dag_id: 'etl', execution_date: '2024-05-31T00:00:00+00:00', dag_run_id: RUN_ID }]);
    expect((await h.store.getTaskInstance('etl', RUN_ID, 'transform'))!.state).toBe('failed');
  });

  it('marks success and clears the failed tasks downstream so the run resumes', async () => {
    const h = await createHarness();
    const res = await call(h, 'POST', '/api/v1/dags/etl/updateTaskInstancesState', {
      token: h.tokens.User,
      body: { dry_run: false, task_id: 'transform', execution_date: '2024-05-31T00:00:00Z', new_state: 'success' },
    });
    expect(res.status).toBe(200);
    const states = (await h.store.listTaskInstances('etl', RUN_ID)).map((t) => [t.task_id, t.state]);
    expect(states).toEqual([
      ['extract', 'success'],
      ['transform', 'success'],
      ['load', null],
    ]);
    expect((await h.store.getDagRun('etl', RUN_ID))!.state).toBe('queued');
    expect(h.controller.calls).toEqual([{ kind: 'restart', runId: RUN_ID }]);
    expect((await h.store.listAuditLog({ event: 'task_instances.mark_success' })).items[0]).toMatchObject({ task_id: 'transform', run_id: RUN_ID });
  });

  it('tells the engine about changed tasks of a running run', async () => {
    const h = await createHarness();
    await putRun(h.store, h.model, runRecord('etl', 'live', '2024-06-01T00:00:00.000Z', { state: 'running' }), { extract: { state: 'running' } });
    await call(h, 'POST', '/api/v1/dags/etl/updateTaskInstancesState', { token: h.tokens.User, body: { dry_run: false, task_id: 'extract', dag_run_id: 'live', new_state: 'skipped' } });
    expect(h.controller.calls).toEqual([{ kind: 'tasksChanged', runId: 'live', taskIds: ['extract'] }]);
  });

  it('validates: exactly one of dag_run_id/execution_date, a known task, a settable state', async () => {
    const h = await createHarness();
    const neither = await call(h, 'POST', '/api/v1/dags/etl/updateTaskInstancesState', { token: h.tokens.User, body: { task_id: 'load', new_state: 'success' } });
    expect(neither.json.detail).toBe('Exactly one of execution_date or dag_run_id must be provided');
    const task = await call(h, 'POST', '/api/v1/dags/etl/updateTaskInstancesState', { token: h.tokens.User, body: { task_id: 'nope', dag_run_id: RUN_ID, new_state: 'success' } });
    expect(task.status).toBe(404);
    const state = await call(h, 'POST', '/api/v1/dags/etl/updateTaskInstancesState', { token: h.tokens.User, body: { task_id: 'load', dag_run_id: RUN_ID, new_state: 'running' } });
    expect(state.status).toBe(400);
    expect(state.json.detail).toMatch(/'new_state' must be one of "success", "failed", "skipped"/);
  });
});

describe('mapped task instances', () => {
  const mappedPath = (rest: string) => `/api/v1/dags/mapdag/dagRuns/mapped/taskInstances${rest}`;
  async function mappedHarness() {
    const h = await createHarness();
    const model = makeDag('mapdag', [makeTask('extract'), makeTask('fan', { expand: { kind: 'kwargs', value: { x: [1, 2, 3] }, target: 'op_kwargs' } })]);
    await putDag(h.store, model);
    await putRun(h.store, model, runRecord('mapdag', 'mapped', '2024-06-02T00:00:00.000Z'), { fan: { state: 'failed', try_number: 1 } });
    const parent = (await h.store.getTaskInstance('mapdag', 'mapped', 'fan'))!;
    await h.store.createMappedTaskInstances('mapdag', 'mapped', [0, 1, 2].map((i) => ({ ...parent, map_index: i, state: i === 1 ? 'failed' : 'success', try_number: i === 1 ? 2 : 1, ...(i === 1 ? { rendered_map_index: 'file-b.csv' } : {}) })));
    h.logs.set('mapdag', 'mapped', 'fan', 2, 'index 1, try 2\n', 1);
    return { h };
  }

  it('lists the map indexes of a mapped task (Airflow 2.10 listMapped), with state filter and paging', async () => {
    const { h } = await mappedHarness();
    const all = await call(h, 'GET', mappedPath('/fan/listMapped'), { token: h.tokens.Viewer });
    expect(all.status).toBe(200);
    expect(all.json.total_entries).toBe(3);
    expect(all.json.task_instances.map((t: { map_index: number; state: string; try_number: number }) => [t.map_index, t.state, t.try_number])).toEqual([
      [0, 'success', 1],
      [1, 'failed', 2],
      [2, 'success', 1],
    ]);
    const failed = await call(h, 'GET', mappedPath('/fan/listMapped?state=failed'), { token: h.tokens.Viewer });
    expect(failed.json.task_instances.map((t: { map_index: number }) => t.map_index)).toEqual([1]);
    const page = await call(h, 'GET', mappedPath('/fan/listMapped?limit=1&offset=2'), { token: h.tokens.Viewer });
    expect(page.json).toMatchObject({ total_entries: 3, task_instances: [{ map_index: 2 }] });
    const unmapped = await call(h, 'GET', mappedPath('/extract/listMapped'), { token: h.tokens.Viewer });
    expect(unmapped.status).toBe(404);
    expect(unmapped.json.detail).toContain('is not mapped');
  });

  it('gets one map index, and its log by ?map_index=', async () => {
    const { h } = await mappedHarness();
    expect((await call(h, 'GET', mappedPath('/fan/1'), { token: h.tokens.Viewer })).json).toMatchObject({ task_id: 'fan', map_index: 1, state: 'failed', try_number: 2, rendered_map_index: 'file-b.csv' });
    expect((await call(h, 'GET', mappedPath('/fan/0'), { token: h.tokens.Viewer })).json).toMatchObject({ map_index: 0, rendered_map_index: null });
    expect((await call(h, 'GET', mappedPath('/fan/7'), { token: h.tokens.Viewer })).status).toBe(404);
    expect((await call(h, 'GET', mappedPath('/fan/-1'), { token: h.tokens.Viewer })).status).toBe(400);
    const log = await call(h, 'GET', mappedPath('/fan/logs/2?map_index=1'), { token: h.tokens.Viewer });
    expect(log.json.content).toBe('index 1, try 2\n');
    expect((await call(h, 'GET', mappedPath('/fan/logs/2'), { token: h.tokens.Viewer })).status).toBe(404);
  });
});

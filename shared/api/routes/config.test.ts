/** Variables, connections, pools, users, roles, event logs and import errors. */
import { decryptConnection } from '../secrets/records.js';
import { importErrorId } from '../serialize.js';
import { USERS, call, createHarness } from '../test-support.js';

describe('variables', () => {
  it('CRUD round-trip, encrypted at rest, bound to their key', async () => {
    const h = await createHarness();
    const created = await call(h, 'POST', '/api/v1/variables', { token: h.tokens.Op, body: { key: 'region', value: 'eu-west-1', description: 'AWS region' } });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ key: 'region', value: 'eu-west-1', description: 'AWS region' });
    const raw = (await h.store.getVariable('region'))!;
    expect(raw.encrypted).toBe(true);
    expect(raw.value).toMatch(/^enc:v1:/);
    expect(raw.value).not.toContain('eu-west-1');
    // A ciphertext copied onto another key does not decrypt (the key is bound as associated data).
    await h.store.putVariable({ ...raw, key: 'stolen' });
    expect((await call(h, 'GET', '/api/v1/variables/stolen', { token: h.tokens.Op })).status).toBe(500);
    await h.store.deleteVariable('stolen');

    const patched = await call(h, 'PATCH', '/api/v1/variables/region?update_mask=value', { token: h.tokens.Op, body: { key: 'region', value: 'us-east-1', description: 'ignored' } });
    expect(patched.json).toEqual({ key: 'region', value: 'us-east-1', description: 'AWS region' });
    const list = await call(h, 'GET', '/api/v1/variables', { token: h.tokens.Op });
    expect(list.json).toEqual({ variables: [{ key: 'region', value: 'us-east-1', description: 'AWS region' }], total_entries: 1 });
    expect((await call(h, 'DELETE', '/api/v1/variables/region', { token: h.tokens.Op })).status).toBe(204);
    expect((await call(h, 'GET', '/api/v1/variables/region', { token: h.tokens.Op })).status).toBe(404);
    expect((await call(h, 'DELETE', '/api/v1/variables/region', { token: h.tokens.Op })).status).toBe(404);
    const events = (await h.store.listAuditLog()).items.map((a) => a.event);
    expect(events).toEqual(expect.arrayContaining(['variable.create', 'variable.update', 'variable.delete']));
  });

  it('masks values of sensitive keys in every response', async () => {
    const h = await createHarness();
    const res = await call(h, 'POST', '/api/v1/variables', { token: h.tokens.Op, body: { key: 'db_password', value: 'hunter2-hunter2' } });
    expect(res.json.value).toBe('***');
    expect((await call(h, 'GET', '/api/v1/variables/db_password', { token: h.tokens.Op })).json.value).toBe('***');
    expect((await call(h, 'GET', '/api/v1/variables', { token: h.tokens.Op })).text).not.toContain('hunter2');
  });

  it('refuses bad bodies with the field named; nothing stored', async () => {
    const h = await createHarness();
    const noValue = await call(h, 'POST', '/api/v1/variables', { token: h.tokens.Op, body: { key: 'k' } });
    expect([noValue.status, noValue.json.detail]).toEqual([400, "field 'value' is required"]);
    const number = await call(h, 'POST', '/api/v1/variables', { token: h.tokens.Op, body: { key: 'k', value: 5 } });
    expect(number.json.detail).toBe("field 'value' must be string");
    const mismatch = await call(h, 'POST', '/api/v1/variables', { token: h.tokens.Op, body: { key: 'a', value: 'b' } });
    expect(mismatch.status).toBe(200);
    const wrongKey = await call(h, 'PATCH', '/api/v1/variables/a', { token: h.tokens.Op, body: { key: 'b', value: 'c' } });
    expect(wrongKey.json).toMatchObject({ status: 400, title: 'Invalid post body', detail: "key from request body doesn't match uri parameter" });
    const badMask = await call(h, 'PATCH', '/api/v1/variables/a?update_mask=key', { token: h.tokens.Op, body: { key: 'a', value: 'c' } });
    expect(badMask.status).toBe(400);
    expect((await h.store.listVariables()).items.map((v) => v.key)).toEqual(['a']);
  });
});

describe('connections', () => {
  it('never return the password; extra is encrypted at rest and masked on the way out', async () => {
    const h = await createHarness();
    const body = { connection_id: 'warehouse', conn_type: 'postgres', host: 'db.internal', login: 'etl', port: 5432, password: 'pg-Pa55word!', extra: '{"sslmode": "require", "api_key": "xyz-extra-secret"}' };
    const created = await call(h, 'POST', '/api/v1/connections', { token: h.tokens.Op, body });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({
      connection_id: 'warehouse',
      conn_type: 'postgres',
      description: null,
      host: 'db.internal',
      login: 'etl',
      schema: null,
      port: 5432,
      extra: '{"sslmode":"require","api_key":"***"}',
    });
    const raw = (await h.store.getConnection('warehouse'))!;
    expect(raw.password).toMatch(/^enc:v1:/);
    expect(raw.extra).toMatch(/^enc:v1:/);
    expect(JSON.stringify(raw)).not.toMatch(/pg-Pa55word|xyz-extra-secret|sslmode/);
    expect(decryptConnection(h.cipher, raw).password).toBe('pg-Pa55word!');
    const got = await call(h, 'GET', '/api/v1/connections/warehouse', { token: h.tokens.Op });
    expect(got.json.password).toBeUndefined();
    expect(got.text).not.toContain('pg-Pa55word');
    const list = await call(h, 'GET', '/api/v1/connections', { token: h.tokens.Op });
    expect(list.json.connections[0]).toEqual({ connection_id: 'warehouse', conn_type: 'postgres', description: null, host: 'db.internal', login: 'etl', schema: null, port: 5432 });
  });

  it('PATCH keeps the password unless named; 409 on duplicates; 404 on unknown; bad extra is a 400', async () => {
    const h = await createHarness();
    await call(h, 'POST', '/api/v1/connections', { token: h.tokens.Op, body: { connection_id: 'c1', conn_type: 'http', password: 'keep-me-please' } });
    const dup = await call(h, 'POST', '/api/v1/connections', { token: h.tokens.Op, body: { connection_id: 'c1', conn_type: 'http' } });
    expect([dup.status, dup.json.detail]).toEqual([409, 'Connection already exist. ID: c1']);
    await call(h, 'PATCH', '/api/v1/connections/c1', { token: h.tokens.Op, body: { connection_id: 'c1', conn_type: 'http', host: 'api.example.com' } });
    let plain = decryptConnection(h.cipher, (await h.store.getConnection('c1'))!);
    expect([plain.host, plain.password]).toEqual(['api.example.com', 'keep-me-please']);
    await call(h, 'PATCH', '/api/v1/connections/c1?update_mask=password', { token: h.tokens.Op, body: { connection_id: 'c1', conn_type: 'http', password: 'rotated-password' } });
    plain = decryptConnection(h.cipher, (await h.store.getConnection('c1'))!);
    expect([plain.host, plain.password]).toEqual(['api.example.com', 'rotated-password']);
    const rename = await call(h, 'PATCH', '/api/v1/connections/c1', { token: h.tokens.Op, body: { connection_id: 'c2', conn_type: 'http' } });
    expect(rename.json.detail).toBe('The connection_id cannot be updated.');
    const extra = await call(h, 'POST', '/api/v1/connections', { token: h.tokens.Op, body: { connection_id: 'c3', conn_type: 'http', extra: 'not json' } });
    expect(extra.status).toBe(400);
    expect(extra.json.detail).toMatch(/'extra' must be a JSON object/);
    const badId = await call(h, 'POST', '/api/v1/connections', { token: h.tokens.Op, body: { connection_id: 'bad id/..', conn_type: 'http' } });
    expect(badId.json.detail).toMatch(/'connection_id' must match pattern/);
    expect((await h.store.listConnections()).items.map((c) => c.conn_id)).toEqual(['c1']);
    expect((await call(h, 'DELETE', '/api/v1/connections/c1', { token: h.tokens.Op })).status).toBe(204);
    expect((await call(h, 'GET', '/api/v1/connections/c1', { token: h.tokens.Op })).status).toBe(404);
  });
});

describe('pools', () => {
  it('default_pool with 128 slots always exists and cannot be deleted or renamed, only resized', async () => {
    const h = await createHarness();
    const list = await call(h, 'GET', '/api/v1/pools', { token: h.tokens.Op });
    expect(list.json.pools).toEqual([
      { name: 'default_pool', slots: 128, occupied_slots: 0, running_slots: 0, queued_slots: 0, open_slots: 128, scheduled_slots: 0, deferred_slots: 0, description: 'Default pool', include_deferred: false },
    ]);
    const del = await call(h, 'DELETE', '/api/v1/pools/default_pool', { token: h.tokens.Op });
    expect([del.status, del.json.detail]).toEqual([400, "Default Pool can't be deleted"]);
    const rename = await call(h, 'PATCH', '/api/v1/pools/default_pool', { token: h.tokens.Op, body: { name: 'other', slots: 5 } });
    expect([rename.status, rename.json.detail]).toEqual([400, "Default Pool's name can't be modified"]);
    const resize = await call(h, 'PATCH', '/api/v1/pools/default_pool?update_mask=slots', { token: h.tokens.Op, body: { slots: 64 } });
    expect(resize.json).toMatchObject({ name: 'default_pool', slots: 64 });
  });

  it('create, 409, usage from running tasks, rename, delete', async () => {
    const h = await createHarness();
    expect((await call(h, 'POST', '/api/v1/pools', { token: h.tokens.Op, body: { name: 'etl_pool', slots: 4, description: 'ETL' } })).status).toBe(200);
    expect((await call(h, 'POST', '/api/v1/pools', { token: h.tokens.Op, body: { name: 'etl_pool', slots: 4 } })).status).toBe(409);
    await h.store.updateDagRun('etl', 'scheduled__2024-05-31T00:00:00+00:00', { state: 'running' });
    await h.store.updateTaskInstance('etl', 'scheduled__2024-05-31T00:00:00+00:00', 'transform', { state: 'running' });
    expect((await call(h, 'GET', '/api/v1/pools/etl_pool', { token: h.tokens.Op })).json).toMatchObject({ slots: 4, running_slots: 1, occupied_slots: 1, open_slots: 3 });
    const renamed = await call(h, 'PATCH', '/api/v1/pools/etl_pool?update_mask=name', { token: h.tokens.Op, body: { name: 'etl' } });
    expect(renamed.json.name).toBe('etl');
    expect(await h.store.getPool('etl_pool')).toBeUndefined();
    const bad = await call(h, 'POST', '/api/v1/pools', { token: h.tokens.Op, body: { name: 'x', slots: -5 } });
    expect([bad.status, bad.json.detail]).toEqual([400, "field 'slots' must be >= -1"]);
    expect((await call(h, 'DELETE', '/api/v1/pools/etl', { token: h.tokens.Op })).status).toBe(204);
    expect((await call(h, 'DELETE', '/api/v1/pools/etl', { token: h.tokens.Op })).status).toBe(404);
  });
});

describe('users and roles', () => {
  it('create, read (no password hash), update, delete; passwords never returned', async () => {
    const h = await createHarness();
    const created = await call(h, 'POST', '/api/v1/users', { token: h.tokens.Admin, body: { username: 'dana', email: 'dana@example.com', first_name: 'Dana', last_name: 'S', roles: [{ name: 'Op' }], password: 'dana-password-1' } });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ username: 'dana', roles: [{ name: 'Op' }], active: true });
    expect(created.text).not.toMatch(/password|scrypt/);
    expect((await call(h, 'POST', '/api/v1/auth/login', { body: { username: 'dana', password: 'dana-password-1' } })).status).toBe(200);
    const weak = await call(h, 'POST', '/api/v1/users', { token: h.tokens.Admin, body: { username: 'eve', email: 'e@x', roles: [], password: 'short' } });
    expect(weak.json.detail).toBe('password must be at least 8 characters long');
    const badRole = await call(h, 'POST', '/api/v1/users', { token: h.tokens.Admin, body: { username: 'eve', email: 'e@x', roles: [{ name: 'Developer' }], password: 'long-enough-pw' } });
    expect(badRole.json.detail).toMatch(/Unknown role\(s\): Developer/);
    const dup = await call(h, 'POST', '/api/v1/users', { token: h.tokens.Admin, body: { username: 'dana2', email: 'DANA@example.com', roles: [], password: 'long-enough-pw' } });
    expect(dup.status).toBe(409);
    const disabled = await call(h, 'PATCH', '/api/v1/users/dana?update_mask=active', { token: h.tokens.Admin, body: { active: false } });
    expect(disabled.json.active).toBe(false);
    expect((await call(h, 'POST', '/api/v1/auth/login', { body: { username: 'dana', password: 'dana-password-1' } })).status).toBe(401);
    expect((await call(h, 'DELETE', '/api/v1/users/dana', { token: h.tokens.Admin })).status).toBe(204);
    expect((await call(h, 'GET', '/api/v1/users/dana', { token: h.tokens.Admin })).status).toBe(404);
  });

  it('the last active Admin cannot be deleted, disabled or demoted', async () => {
    const h = await createHarness();
    const del = await call(h, 'DELETE', `/api/v1/users/${USERS.Admin}`, { token: h.tokens.Admin });
    expect([del.status, del.json.detail]).toEqual([400, "'admin' is the last active Admin: create or enable another Admin first"]);
    expect((await call(h, 'PATCH', `/api/v1/users/${USERS.Admin}?update_mask=roles`, { token: h.tokens.Admin, body: { roles: [{ name: 'Viewer' }] } })).status).toBe(400);
    expect((await call(h, 'PATCH', `/api/v1/users/${USERS.Admin}?update_mask=active`, { token: h.tokens.Admin, body: { active: false } })).status).toBe(400);
    await call(h, 'PATCH', `/api/v1/users/${USERS.Op}?update_mask=roles`, { token: h.tokens.Admin, body: { roles: [{ name: 'Admin' }] } });
    expect((await call(h, 'DELETE', `/api/v1/users/${USERS.Admin}`, { token: h.tokens.Admin })).status).toBe(204);
  });

  it('roles list Airflow-style actions', async () => {
    const h = await createHarness();
    const viewer = await call(h, 'GET', '/api/v1/roles/Viewer', { token: h.tokens.Admin });
    expect(viewer.json.actions).toContainEqual({ action: { name: 'can_read' }, resource: { name: 'DAGs' } });
    expect(viewer.json.actions).toContainEqual({ action: { name: 'can_read' }, resource: { name: 'DAG Runs' } });
    expect(viewer.json.actions).not.toContainEqual({ action: { name: 'can_read' }, resource: { name: 'Variables' } });
    expect((await call(h, 'GET', '/api/v1/roles', { token: h.tokens.Admin })).json.total_entries).toBe(5);
    expect((await call(h, 'GET', '/api/v1/roles/Developer', { token: h.tokens.Admin })).status).toBe(404);
  });
});

describe('event logs', () => {
  it('newest first, filters, get by id', async () => {
    const h = await createHarness();
    await call(h, 'PATCH', '/api/v1/dags/etl', { token: h.tokens.User, body: { is_paused: true } });
    h.clock.advance(1000);
    await call(h, 'POST', '/api/v1/variables', { token: h.tokens.Op, body: { key: 'k', value: 'v' } });
    h.clock.advance(1000);
    await call(h, 'PATCH', '/api/v1/dags/etl', { token: h.tokens.User, body: { is_paused: false } });
    const list = await call(h, 'GET', '/api/v1/eventLogs', { token: h.tokens.Admin });
    expect(list.json.event_logs.map((e: { event: string }) => e.event)).toEqual(['dag.unpause', 'variable.create', 'dag.pause']);
    expect(list.json.event_logs[0]).toMatchObject({ owner: 'user', dag_id: 'etl', source_ip: '10.0.0.7', when: '2024-06-01T12:00:02+00:00' });
    const dagOnly = await call(h, 'GET', '/api/v1/eventLogs?dag_id=etl&order_by=when', { token: h.tokens.Admin });
    expect(dagOnly.json.event_logs.map((e: { event: string }) => e.event)).toEqual(['dag.pause', 'dag.unpause']);
    const excluded = await call(h, 'GET', '/api/v1/eventLogs?excluded_events=dag.pause,dag.unpause', { token: h.tokens.Admin });
    expect(excluded.json.total_entries).toBe(1);
    const after = await call(h, 'GET', '/api/v1/eventLogs?after=2024-06-01T12:00:00.500Z', { token: h.tokens.Admin });
    expect(after.json.total_entries).toBe(2);
    const one = await call(h, 'GET', `/api/v1/eventLogs/${list.json.event_logs[1].event_log_id}`, { token: h.tokens.Admin });
    expect(one.json.event).toBe('variable.create');
  });

  it('denied mutations are audited too', async () => {
    const h = await createHarness();
    expect((await call(h, 'POST', '/api/v1/variables', { token: h.tokens.Viewer, body: { key: 'k', value: 'v' } })).status).toBe(403);
    const [entry] = (await h.store.listAuditLog()).items;
    expect(entry).toMatchObject({ event: 'variable.create', owner: 'viewer' });
    expect(JSON.parse(entry!.extra!)).toMatchObject({ status: 403, body: { denied: ['create:variables'] } });
  });
});

describe('import errors', () => {
  it('list and get with diagnostics as file:line:col lines', async () => {
    const h = await createHarness();
    await h.store.putImportError({
      filename: 'broken.py',
      timestamp: '2024-06-01T10:00:00.000Z',
      diagnostics: [{ file: 'broken.py', line: 3, col: 7, message: "name 'foo' is not defined", code: 'SKYDAG-P003', severity: 'error' }],
    });
    const list = await call(h, 'GET', '/api/v1/importErrors', { token: h.tokens.Viewer });
    expect(list.json.import_errors[0]).toMatchObject({
      import_error_id: importErrorId('broken.py'),
      filename: 'broken.py',
      timestamp: '2024-06-01T10:00:00+00:00',
      stack_trace: "broken.py:3:7: error: name 'foo' is not defined [SKYDAG-P003]",
    });
    expect((await call(h, 'GET', `/api/v1/importErrors/${importErrorId('broken.py')}`, { token: h.tokens.Viewer })).json.filename).toBe('broken.py');
    expect((await call(h, 'GET', '/api/v1/importErrors/bm9wZQ', { token: h.tokens.Viewer })).status).toBe(404);
  });
});

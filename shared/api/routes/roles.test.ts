/** The roles API: custom roles with global and per-DAG permissions, built-in roles fixed, users cascade. */
import { PASSWORD, call, createHarness, etlModel, putDag, type Harness } from '../test-support.js';

const pair = (action: string, resource: string) => ({ action: { name: action }, resource: { name: resource } });
const ANALYSTS = { name: 'analysts', actions: [pair('can_read', 'DAG:etl'), pair('can_edit', 'DAG:etl'), pair('can_read', 'DAG Runs')] };

async function createRole(h: Harness, body: unknown = ANALYSTS) {
  return call(h, 'POST', '/api/v1/roles', { token: h.tokens.Admin, body });
}

async function createUser(h: Harness, username: string, roles: string[]) {
  const res = await call(h, 'POST', '/api/v1/users', { token: h.tokens.Admin, body: { username, email: `${username}@example.com`, password: PASSWORD, roles: roles.map((name) => ({ name })) } });
  expect(res.status).toBe(200);
}

describe('custom roles', () => {
  it('are created with Airflow-style actions, listed after the built-in ones and read back', async () => {
    const h = await createHarness();
    const created = await createRole(h);
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ name: 'analysts', actions: [pair('can_read', 'DAG Runs'), pair('can_read', 'DAG:etl'), pair('can_edit', 'DAG:etl')] });
    expect((await call(h, 'GET', '/api/v1/roles/analysts', { token: h.tokens.Admin })).json).toEqual(created.json);
    const list = await call(h, 'GET', '/api/v1/roles', { token: h.tokens.Admin });
    expect(list.json.total_entries).toBe(6);
    expect(list.json.roles.map((r: { name: string }) => r.name)).toEqual(['Admin', 'Op', 'Public', 'User', 'Viewer', 'analysts']);
    expect((await call(h, 'GET', '/api/v1/roles?limit=1&offset=5', { token: h.tokens.Admin })).json.roles.map((r: { name: string }) => r.name)).toEqual(['analysts']);
    const [entry] = (await h.store.listAuditLog({ event: 'role.create' })).items;
    expect(entry).toMatchObject({ owner: 'admin' });
  });

  it('refuse unknown resources and actions (every problem at once), taken names (case-insensitively), bad names', async () => {
    const h = await createHarness();
    const bad = await createRole(h, { name: 'x', actions: [pair('can_fly', 'DAGs'), pair('can_read', 'Secrets'), pair('can_create', 'DAG:etl'), pair('can_read', 'DAG:no/slash')] });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toBe(
      "The specified action: 'can_fly' is not available on 'DAGs'; The specified resource: 'Secrets' was not found (use one of DAGs, DAG Runs, Task Instances, Task Logs, XComs, ImportError, Dataset Events, SLA Misses, Variables, Connections, Pools, DAG Files, Spark Artifacts, Models, Datasets, Spark Config Groups, LDAP Configuration, Platform Archive, Audit Logs, Users, Roles, Permissions, or DAG:<dag_id>); the action 'can_create' does not apply to a DAG (use can_read, can_edit, can_delete); 'DAG:no/slash' is not a DAG resource: the DAG id must be 1-250 letters, digits, '_', '.' or '-'",
    );
    expect((await createRole(h, { name: 'viewer', actions: [] })).json).toMatchObject({ status: 409, detail: 'Role with name `Viewer` already exists; please update with the PATCH endpoint' });
    await createRole(h);
    expect((await createRole(h, { name: 'Analysts', actions: [] })).status).toBe(409);
    expect((await createRole(h, { name: 'two  spaces', actions: [] })).status).toBe(400);
    expect((await createRole(h, { name: 'x'.repeat(65), actions: [] })).status).toBe(400);
    expect((await h.store.listRoles()).total).toBe(1);
  });

  it('built-in roles cannot be changed or deleted', async () => {
    const h = await createHarness();
    expect((await call(h, 'PATCH', '/api/v1/roles/Viewer', { token: h.tokens.Admin, body: { actions: [] } })).json).toMatchObject({ status: 400, detail: expect.stringMatching(/'Viewer' is a built-in role/) });
    expect((await call(h, 'DELETE', '/api/v1/roles/Admin', { token: h.tokens.Admin })).status).toBe(400);
    expect((await call(h, 'DELETE', '/api/v1/roles/nobody', { token: h.tokens.Admin })).status).toBe(404);
    expect((await call(h, 'GET', '/api/v1/roles/nobody', { token: h.tokens.Admin })).status).toBe(404);
  });

  it('users hold them: a permission change applies at once, a rename follows them, a delete removes it from them', async () => {
    const h = await createHarness();
    await createRole(h);
    await createUser(h, 'ana', ['analysts', 'Public']);
    const token = (await call(h, 'POST', '/api/v1/auth/login', { body: { username: 'ana', password: PASSWORD } })).json.access_token as string;
    expect((await call(h, 'GET', '/api/v1/dags/etl/dagRuns', { token })).json.total_entries).toBe(1);
    expect((await call(h, 'POST', '/api/v1/users', { token: h.tokens.Admin, body: { username: 'x', email: 'x@x', password: PASSWORD, roles: [{ name: 'ghosts' }] } })).json.detail).toMatch(/^Unknown role\(s\): ghosts \(known: Public, Viewer, User, Op, Admin, analysts\)$/);

    // Take DAG Runs away: the same token is refused at once.
    const patched = await call(h, 'PATCH', '/api/v1/roles/analysts?update_mask=actions', { token: h.tokens.Admin, body: { actions: [pair('can_read', 'DAG:etl')] } });
    expect(patched.json).toEqual({ name: 'analysts', actions: [pair('can_read', 'DAG:etl')] });
    expect((await call(h, 'GET', '/api/v1/dags/etl/dagRuns', { token })).status).toBe(403);
    expect((await call(h, 'GET', '/api/v1/dags/etl', { token })).status).toBe(200);

    const renamed = await call(h, 'PATCH', '/api/v1/roles/analysts', { token: h.tokens.Admin, body: { name: 'data analysts' } });
    expect(renamed.json.name).toBe('data analysts');
    expect((await h.store.getUser('ana'))!.roles).toEqual(['data analysts', 'Public']);
    expect(await h.store.getRole('analysts')).toBeUndefined();
    expect((await call(h, 'GET', '/api/v1/dags/etl', { token })).status).toBe(200);
    expect((await call(h, 'PATCH', '/api/v1/roles/data%20analysts', { token: h.tokens.Admin, body: { name: 'Op' } })).status).toBe(409);

    expect((await call(h, 'DELETE', '/api/v1/roles/data%20analysts', { token: h.tokens.Admin })).status).toBe(204);
    expect((await h.store.getUser('ana'))!.roles).toEqual(['Public']);
    expect((await call(h, 'GET', '/api/v1/dags/etl', { token })).status).toBe(403);
    expect((await h.store.listAuditLog()).items.map((a) => a.event).filter((e) => e.startsWith('role.')).sort()).toEqual(['role.create', 'role.delete', 'role.update', 'role.update', 'role.update']);
  });

  it('an edit based on a version another request already changed is refused (a conditional put; the API answers 409)', async () => {
    const h = await createHarness();
    await createRole(h);
    const stale = (await h.store.getRole('analysts'))!;
    await call(h, 'PATCH', '/api/v1/roles/analysts', { token: h.tokens.Admin, body: { actions: [] } });
    // Replay the lost race directly: a put that still expects the version read before.
    await expect(h.store.putRole({ ...stale, permissions: [] }, { ifChangedOn: stale.changed_on })).rejects.toThrow(/changed by another request/);
  });

  it("show the per-DAG grants DAG files' access_control gives them, and those files override API grants", async () => {
    const h = await createHarness();
    await putDag(h.store, etlModel({ dag_id: 'guarded' }), { access_control: { analysts: ['can_read'], Viewer: ['can_edit'] } });
    await createRole(h, { name: 'analysts', actions: [pair('can_edit', 'DAG:guarded'), pair('can_read', 'DAG:etl')] });
    expect((await call(h, 'GET', '/api/v1/roles/analysts', { token: h.tokens.Admin })).json.actions).toEqual([pair('can_read', 'DAG:etl'), pair('can_read', 'DAG:guarded')]);
    const viewer = (await call(h, 'GET', '/api/v1/roles/Viewer', { token: h.tokens.Admin })).json.actions;
    expect(viewer).toContainEqual(pair('can_edit', 'DAG:guarded'));
    expect(viewer).toContainEqual(pair('can_read', 'DAGs'));
  });
});

describe('GET /permissions', () => {
  it("lists Airflow's actions with the resources each applies to", async () => {
    const h = await createHarness();
    const res = await call(h, 'GET', '/api/v1/permissions', { token: h.tokens.Admin });
    expect(res.json.actions.map((a: { name: string }) => a.name)).toEqual(['can_read', 'can_edit', 'can_delete', 'can_create']);
    expect(res.json.total_entries).toBe(4);
    expect(res.json.actions[0].resources).toContainEqual({ name: 'Audit Logs' });
    expect((await call(h, 'GET', '/api/v1/permissions', { token: h.tokens.Op })).status).toBe(403);
  });
});

describe('GET /auth/me', () => {
  it("shows a custom role's global permissions and per-DAG actions", async () => {
    const h = await createHarness();
    await createRole(h);
    await createUser(h, 'ana', ['analysts']);
    const token = (await call(h, 'POST', '/api/v1/auth/login', { body: { username: 'ana', password: PASSWORD } })).json.access_token as string;
    expect((await call(h, 'GET', '/api/v1/auth/me', { token })).json).toEqual({
      username: 'ana',
      roles: [{ name: 'analysts' }],
      permissions: ['read:dag_runs'],
      dag_permissions: { all_dags: [], dags: { etl: ['can_read', 'can_edit'] } },
    });
    expect((await call(h, 'GET', '/api/v1/auth/me', { token: h.tokens.Viewer })).json.dag_permissions).toEqual({ all_dags: ['can_read'], dags: {} });
  });
});

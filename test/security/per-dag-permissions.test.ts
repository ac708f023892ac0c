/**
 * BOLA probes of per-DAG permissions, over the whole route table: two DAGs, alpha (A) and bravo (B);
 * a custom role `a_editors` that may read and edit A only, and `a_readers` that may read A only —
 * granted through the roles API, or by A's file's access_control. Their users must not read or act
 * on B through any route, and must not be able to tell B exists.
 *
 * The route table is enumerated (buildRouter().routes), so routes added later are probed too: every
 * route with {dag_id} is called for B (must be 404, as for a DAG that does not exist), for `~` and
 * for A; every other route must be classified below (listed / content / none), and is called too.
 * The strongest check is non-interference: each request gets the same answer in a world where B
 * exists as in one where it never did (same users, same A, same sequence of requests).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../local/cli/main.js';
import { startPlatform } from '../../local/platform/platform.js';
import { openLocalStore } from '../../local/stores/embedded-dynamodb.js';
import { syncDagFile, syncDagsFolder } from '../../local/platform/dag-sync.js';
import { PASSWORD, RUN_DATE, RUN_ID, T0, call, createHarness, putRun, runRecord, type Harness } from '../../shared/api/test-support.js';
import { buildRouter, dagActionOfRoute, type Route } from '../../shared/api/router.js';
import { importErrorId } from '../../shared/api/serialize.js';
import { call as httpCall } from '../helpers/platform-client.js';

const A = 'alpha';
const B = 'bravo';
type GrantSource = 'api' | 'file';

/** Routes without {dag_id}, each classified on purpose: a new one fails the test until it is. */
const NO_DAG_PARAM: Record<string, 'listed' | 'content' | 'none'> = {
  get_health: 'none',
  get_version: 'none',
  get_openapi: 'none',
  get_api_reference: 'none',
  login: 'none',
  get_auth_config: 'none',
  redeem_oidc_code: 'none',
  get_current_user: 'none',
  get_dags: 'listed',
  patch_dags: 'listed',
  get_dag_source: 'listed',
  get_dag_warnings: 'listed',
  get_airflow_datasets: 'listed',
  get_dataset: 'listed',
  get_dataset_events: 'listed',
  create_dataset_event: 'listed',
  get_sla_misses: 'listed',
  get_task_instances_batch: 'listed',
  get_variables: 'none',
  get_variable: 'none',
  post_variables: 'none',
  patch_variable: 'none',
  delete_variable: 'none',
  get_connections: 'none',
  get_connection: 'none',
  post_connection: 'none',
  test_connection: 'none',
  patch_connection: 'none',
  delete_connection: 'none',
  get_pools: 'none',
  get_pool: 'none',
  post_pool: 'none',
  patch_pool: 'none',
  delete_pool: 'none',
  get_event_logs: 'listed',
  get_event_log: 'listed',
  get_import_errors: 'listed',
  get_import_error: 'listed',
  get_users: 'none',
  get_user: 'none',
  post_user: 'none',
  patch_user: 'none',
  delete_user: 'none',
  get_roles: 'none',
  get_role: 'none',
  post_role: 'none',
  patch_role: 'none',
  delete_role: 'none',
  get_permissions: 'none',
  post_dag_file: 'content',
  validate_dag_file: 'content',
  delete_dag_file: 'content',
  get_dag_stats: 'listed',
  get_config_groups: 'none',
  get_ldap_settings: 'none',
  get_git_config: 'none',
  put_git_config: 'none',
  delete_git_config: 'none',
  post_git_pull: 'none',
  patch_ldap_settings: 'none',
  get_config_group: 'none',
  put_config_group: 'none',
  delete_config_group: 'none',
  post_config_group_default: 'none',
  put_config_group_keytab: 'none',
  delete_config_group_keytab: 'none',
  get_config_group_hadoop_file: 'none',
  put_config_group_hadoop_file: 'none',
  delete_config_group_hadoop_file: 'none',
  put_config_group_hadoop_property: 'none',
  delete_config_group_hadoop_property: 'none',
  get_config_groups_archive: 'none',
  post_config_groups_archive: 'none',
  post_export: 'none',
  post_import: 'none',
  get_artifacts: 'none',
  put_artifact: 'none',
  delete_artifact: 'none',
  // Models, datasets and EDA sources are not DAG resources; an EDA run needs the global create:dag_runs.
  delete_dataset: 'none',
  delete_dataset_upload: 'none',
  delete_dataset_version: 'none',
  delete_eda_source: 'none',
  delete_model: 'none',
  delete_model_upload: 'none',
  delete_model_version: 'none',
  get_dataset_upload: 'none',
  get_dataset_version: 'none',
  get_dataset_version_file: 'none',
  get_dataset_versions: 'none',
  get_datasets: 'none',
  get_eda_report_html: 'none',
  get_eda_report_summary: 'none',
  get_eda_reports: 'none',
  get_eda_source: 'none',
  get_eda_sources: 'none',
  get_model_serving_config: 'none',
  get_model_upload: 'none',
  get_model_version: 'none',
  get_model_version_file: 'none',
  get_model_versions: 'none',
  get_models: 'none',
  patch_dataset_version: 'none',
  patch_model_version: 'none',
  post_dataset_upload: 'none',
  post_dataset_upload_complete: 'none',
  post_eda_run: 'none',
  post_model_upload: 'none',
  post_model_upload_complete: 'none',
  put_dataset_upload_chunk: 'none',
  put_eda_source: 'none',
  put_model_upload_chunk: 'none',
};

/** Bodies that would succeed on A, so an allowed call reaches the handler. */
const BODIES: Record<string, unknown> = {
  login: { username: 'nobody', password: 'wrong-password' },
  patch_dag: { is_paused: true },
  patch_dags: { is_paused: true },
  post_dag_run: { dag_run_id: 'probe_run', conf: { a: 1 } },
  post_backfill: { start_date: '2024-05-01', end_date: '2024-05-02', dry_run: true },
  update_dag_run_state: { state: 'success' },
  set_dag_run_note: { note: 'checked' },
  clear_dag_run: { dry_run: false },
  post_clear_task_instances: { dry_run: false, only_failed: false },
  post_set_task_instances_state: { dry_run: false, task_id: 'extract', dag_run_id: RUN_ID, new_state: 'success' },
  post_variables: { key: 'v', value: 'x' },
  patch_variable: { key: 'v', value: 'y' },
  post_connection: { connection_id: 'c', conn_type: 'postgres' },
  patch_connection: { connection_id: 'c', conn_type: 'postgres' },
  post_pool: { name: 'p', slots: 1 },
  patch_pool: { name: 'p', slots: 2 },
  post_user: { username: 'mallory', email: 'm@example.com', password: PASSWORD, roles: [{ name: 'Admin' }] },
  patch_user: { roles: [{ name: 'Admin' }] },
  post_role: { name: 'mine', actions: [{ action: { name: 'can_read' }, resource: { name: `DAG:${B}` } }] },
  patch_role: { actions: [{ action: { name: 'can_read' }, resource: { name: 'DAGs' } }] },
};

/** Query strings that name the DAG a route without {dag_id} is asked about. */
const QUERIES: Record<string, (dagId: string) => string> = {
  get_dag_stats: (dagId) => `dag_ids=${dagId}`,
  patch_dags: (dagId) => `dag_id_pattern=${dagId}`,
};

function dagFile(dagId: string, accessControl = ''): string {
  return [
    'from datetime import datetime',
    'from airflow import DAG',
    'from airflow.datasets import Dataset',
    'from airflow.operators.bash import BashOperator',
    `with DAG("${dagId}", start_date=datetime(2024, 1, 1), schedule="@daily"${accessControl ? `, access_control=${accessControl}` : ''}) as dag:`,
    `    extract = BashOperator(task_id="extract", bash_command="echo ${dagId}", outlets=[Dataset("s3://lake/${dagId}")])`,
    `    load = BashOperator(task_id="load", bash_command="echo done")`,
    `    fan = BashOperator.partial(task_id="fan").expand(bash_command=["echo 1", "echo 2"])`,
    '    extract >> load',
    '    extract >> fan',
    '',
  ].join('\n');
}

const A_FILE_GRANTS = '{"a_editors": {"can_read", "can_edit"}, "a_readers": {"can_read"}}';
const B_FILE_GRANTS = '{"b_team": {"can_read", "can_edit"}}';

const pair = (action: string, resource: string) => ({ action: { name: action }, resource: { name: resource } });
const READS = ['DAG Runs', 'Task Instances', 'Task Logs', 'XComs', 'ImportError', 'Audit Logs', 'Dataset Events', 'SLA Misses'].map((r) => pair('can_read', r));
const EDITS = [pair('can_create', 'DAG Runs'), pair('can_edit', 'DAG Runs'), pair('can_delete', 'DAG Runs'), pair('can_edit', 'Task Instances'), pair('can_create', 'DAG Files')];

interface World {
  h: Harness;
  folder: string;
  tokens: { ua: string; ur: string };
  /** A's current version (the same in both worlds: the same file). */
  aVersion: string;
  /** The audit entry of an Admin action on B (it exists in both worlds: the action was refused where B does not exist). */
  bEventId: string;
  aEventId: string;
}

const JWT_SECRET = 'per-dag-permissions-probe-secret-0123456789';

async function send(w: World, token: string, method: string, path: string, body?: unknown) {
  const res = await call(w.h, method, path, { token, ...(body === undefined ? {} : { body }) });
  w.h.clock.advance(1); // a distinct time per request keeps audit order the same in both worlds
  return res;
}

/** A platform with A (and B unless `withB` is false), a run of each with logs and XComs, and an import error on each file. */
async function makeWorld(source: GrantSource, withB: boolean): Promise<World> {
  const h = await createHarness({ seed: false, config: { jwtSecret: JWT_SECRET } });
  const folder = mkdtempSync(join(tmpdir(), 'skydag-bola-'));
  const fileGrants = (grants: string) => (source === 'file' ? grants : '');
  writeFileSync(join(folder, 'a.py'), dagFile(A, fileGrants(A_FILE_GRANTS)));
  if (withB) writeFileSync(join(folder, 'b.py'), dagFile(B, fileGrants(B_FILE_GRANTS)));
  const sync = { now: T0, pausedAtCreation: false };
  await syncDagsFolder(h.store, folder, sync);
  for (const dagId of withB ? [A, B] : [A]) {
    const record = (await h.store.getDag(dagId))!;
    const model = (await h.store.getDagVersion(dagId, record.current_version))!.model;
    await putRun(h.store, model, runRecord(dagId, RUN_ID, RUN_DATE, { dag_version: record.current_version }), {
      extract: { state: 'success', try_number: 1, start_date: RUN_DATE, end_date: RUN_DATE, duration: 1, rendered_fields: { bash_command: `echo ${dagId}` } },
      load: { state: 'failed', try_number: 1, start_date: RUN_DATE, end_date: RUN_DATE, duration: 1 },
      fan: { state: 'success', try_number: 1 },
    });
    // The mapped task's indexes (the mapped task-instance routes read them).
    const fan = (await h.store.getTaskInstance(dagId, RUN_ID, 'fan'))!;
    await h.store.createMappedTaskInstances(dagId, RUN_ID, [0, 1].map((i) => ({ ...fan, map_index: i, state: 'success', try_number: 1 })));
    await h.store.setXCom({ dag_id: dagId, run_id: RUN_ID, task_id: 'extract', map_index: -1, key: 'return_value', value: { secret_of: dagId }, timestamp: RUN_DATE });
    h.logs.set(dagId, RUN_ID, 'extract', 1, `log of ${dagId}\n`);
    // A broken edit: an import error on the file, the DAG stays on its last good version.
    const file = dagId === A ? 'a.py' : 'b.py';
    writeFileSync(join(folder, file), `${dagFile(dagId)}    undefined_name >> load\n`);
    await syncDagFile(h.store, folder, join(folder, file), sync);
  }
  const admin = h.tokens.Admin;
  const w: World = { h, folder, tokens: { ua: '', ur: '' }, aVersion: (await h.store.getDag(A))!.current_version, bEventId: '', aEventId: '' };
  const apiGrant = (...actions: string[]) => (source === 'api' ? actions.map((a) => pair(a, `DAG:${A}`)) : []);
  expect((await send(w, admin, 'POST', '/api/v1/roles', { name: 'a_editors', actions: [...READS, ...EDITS, ...apiGrant('can_read', 'can_edit')] })).status).toBe(200);
  expect((await send(w, admin, 'POST', '/api/v1/roles', { name: 'a_readers', actions: [...READS, ...apiGrant('can_read')] })).status).toBe(200);
  for (const [username, role] of [['ua', 'a_editors'], ['ur', 'a_readers']] as const) {
    expect((await send(w, admin, 'POST', '/api/v1/users', { username, email: `${username}@example.com`, password: PASSWORD, roles: [{ name: role }] })).status).toBe(200);
    const login = await call(h, 'POST', '/api/v1/auth/login', { body: { username, password: PASSWORD } });
    h.clock.advance(1);
    w.tokens[username] = login.json.access_token as string;
  }
  await send(w, admin, 'PATCH', `/api/v1/dags/${B}`, { is_paused: true });
  await send(w, admin, 'PATCH', `/api/v1/dags/${A}`, { is_paused: false });
  const entries = (await h.store.listAuditLog()).items;
  w.bEventId = entries.find((e) => e.dag_id === B)!.event_log_id;
  w.aEventId = entries.find((e) => e.dag_id === A)!.event_log_id;
  return w;
}

/** Routes about a mapped task's indexes are probed on the mapped task. */
const MAPPED_ROUTES = new Set(['get_mapped_task_instances', 'get_mapped_task_instance']);

function fill(route: Route, dagId: string, w: World): string {
  const values: Record<string, string> = {
    dag_id: dagId,
    dag_run_id: RUN_ID,
    task_id: MAPPED_ROUTES.has(route.id) ? 'fan' : 'extract',
    map_index: '1',
    xcom_key: 'return_value',
    task_try_number: '1',
    event_log_id: dagId === B ? w.bEventId : w.aEventId,
    import_error_id: importErrorId(dagId === B ? 'b.py' : 'a.py'),
    username: 'ua',
    role_name: 'a_editors',
    variable_key: 'v',
    connection_id: 'c',
    pool_name: 'p',
    version: w.aVersion,
    filename: dagId === B ? 'b.py' : 'a.py',
    file_token: Buffer.from(dagId === B ? 'b.py' : 'a.py').toString('base64url'),
    uri: `s3://lake/${dagId}`,
  };
  const query = QUERIES[route.id]?.(dagId);
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? name)) + (query ? `?${query}` : '');
}

/** An answer as comparable across worlds: status and body, with the per-world random ids and tokens neutralised. */
function comparable(res: { status: number; text: string }, w: World): string {
  return `${res.status} ${res.text.replaceAll(w.bEventId, '<b-event>').replaceAll(w.aEventId, '<a-event>').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')}`;
}

/** Read routes first, destructive ones last, so allowed calls on A find what they act on. */
const METHOD_ORDER: Record<string, number> = { GET: 0, POST: 1, PATCH: 2, PUT: 2, DELETE: 3 };
const ROUTES = [...buildRouter().routes].sort((a, b) => METHOD_ORDER[a.method]! - METHOD_ORDER[b.method]!);
const hasDagParam = (route: Route) => route.path.includes('{dag_id}');

describe('the route table is classified', () => {
  it('every route without {dag_id} is classified here as the router declares it (a new one must be added on purpose)', () => {
    const info = new Map(buildRouter().info().map((r) => [r.id, r]));
    const unclassified = ROUTES.filter((r) => !hasDagParam(r) && !(r.id in NO_DAG_PARAM)).map((r) => `${r.id} (${r.method} ${r.path})`);
    expect(unclassified).toEqual([]);
    for (const [id, scope] of Object.entries(NO_DAG_PARAM)) expect(`${id}: ${info.get(id)?.dagScope}`).toBe(`${id}: ${scope}`);
    for (const r of ROUTES.filter(hasDagParam)) expect(`${r.id}: ${info.get(r.id)!.dagScope}`).toBe(`${r.id}: param:dag_id`);
    expect(ROUTES.filter(hasDagParam).length).toBeGreaterThanOrEqual(20);
  });
});

describe.each(['api', 'file'] as const)('BOLA matrix, grants from %s', (source) => {
  let withB: World;
  let withoutB: World;
  beforeAll(async () => {
    withB = await makeWorld(source, true);
    withoutB = await makeWorld(source, false);
  });
  afterAll(() => {
    for (const w of [withB, withoutB]) rmSync(w.folder, { recursive: true, force: true });
  });

  /**
   * The same request in both worlds; the answers must be the same: B makes no difference to what the
   * user sees (any mention of B is then the user's own input, echoed as it would be if B did not exist).
   */
  async function probe(user: 'ua' | 'ur', route: Route, dagId: string, body?: unknown) {
    const answers = [];
    for (const w of [withB, withoutB]) answers.push(await send(w, w.tokens[user], route.method, fill(route, dagId, w), body ?? BODIES[route.id] ?? (route.body ? {} : undefined)));
    const [inB, inNoB] = answers as [Awaited<ReturnType<typeof send>>, Awaited<ReturnType<typeof send>>];
    expect(`${route.id} as ${user} on ${dagId}: ${comparable(inB, withB)}`).toBe(`${route.id} as ${user} on ${dagId}: ${comparable(inNoB, withoutB)}`);
    return inB;
  }

  it("B's state before the probes", async () => {
    expect((await call(withB.h, 'GET', '/api/v1/dags', { token: withB.h.tokens.Viewer })).json.total_entries).toBe(2);
    expect((await call(withoutB.h, 'GET', '/api/v1/dags', { token: withoutB.h.tokens.Viewer })).json.total_entries).toBe(1);
  });

  it("lists show A only and count A only; B's import error is not shown; /auth/me names A only", async () => {
    const token = withB.tokens.ua;
    // Reads are not audited: the two worlds' clocks stay in step.
    const get = async (path: string) => (await call(withB.h, 'GET', path, { token })).json;
    expect((await get('/api/v1/dags')).dags.map((d: { dag_id: string }) => d.dag_id)).toEqual([A]);
    expect((await get('/api/v1/dags?only_active=false&limit=1')).total_entries).toBe(1);
    expect(new Set((await get('/api/v1/dags/~/dagRuns')).dag_runs.map((r: { dag_id: string }) => r.dag_id))).toEqual(new Set([A]));
    expect((await get(`/api/v1/dags/~/dagRuns/${RUN_ID}/taskInstances`)).task_instances.every((t: { dag_id: string }) => t.dag_id === A)).toBe(true);
    expect((await get('/api/v1/dags/~/dagRuns/~/taskInstances/~/xcomEntries')).total_entries).toBe(1);
    expect((await get('/api/v1/importErrors')).import_errors.map((e: { filename: string }) => e.filename)).toEqual(['a.py']);
    expect((await get(`/api/v1/eventLogs?dag_id=${B}`)).total_entries).toBe(0);
    expect((await get('/api/v1/auth/me')).dag_permissions).toEqual({ all_dags: [], dags: { [A]: ['can_read', 'can_edit'] } });
    // The global roles still see both.
    expect((await call(withB.h, 'GET', '/api/v1/importErrors', { token: withB.h.tokens.Viewer })).json.total_entries).toBe(2);
  });

  // ur first: ua's allowed calls change A (they delete its run last).
  it.each(['ur', 'ua'] as const)('%s cannot reach B through any route, and B makes no difference to what it sees', async (user) => {
    const snapshot = async () => {
      const store = withB.h.store;
      const runs = await store.listDagRuns(B);
      return JSON.stringify({ dag: await store.getDag(B), runs, tis: await Promise.all(runs.map((r) => store.listTaskInstances(B, r.run_id))), xcoms: await store.listXComs(B, RUN_ID) });
    };
    const before = await snapshot();
    const counts = { dag: 0, listed: 0, content: 0, none: 0 };
    for (const route of ROUTES) {
      if (hasDagParam(route)) {
        counts.dag++;
        const onB = await probe(user, route, B);
        await probe(user, route, '~');
        const onA = await probe(user, route, A);
        if (onB.status === 403) {
          // Refused for a global permission the role lacks (e.g. can_create on DAG Runs): the same answer as on A, naming no DAG.
          expect(onB.json.detail).toMatch(/it needs [a-z]+:(?!dags)[a-z_]+ /);
          expect({ ...onA.json, instance: null }).toEqual({ ...onB.json, instance: null });
        } else {
          expect(`${route.id} as ${user} on B → ${onB.status}`).toBe(`${route.id} as ${user} on B → 404`);
          expect(onB.json).toMatchObject({ title: 'DAG not found', detail: `DAG with dag_id: '${B}' not found` });
          // Neither role holds can_delete on A: a DELETE of the DAG itself is refused for both.
          const action = dagActionOfRoute(route);
          const allowed = action === 'can_read' || (user === 'ua' && action === 'can_edit');
          if (allowed) expect(`${route.id} as ${user} on A → ${onA.status}`).not.toMatch(/→ (401|403|404|5\d\d)$/);
          else expect(`${route.id} as ${user} on A → ${onA.status} ${onA.json.detail}`).toMatch(new RegExp(`^${route.id} as ${user} on A → 403 .*it needs ${action} on DAG '${A}'`));
        }
      } else if (NO_DAG_PARAM[route.id] === 'listed') {
        counts.listed++;
        await probe(user, route, A);
        // A bulk change names B by a pattern: it matches nothing the user may edit, as if B did not exist.
        if (route.id === 'patch_dags') expect((await probe(user, route, B)).json.total_entries ?? 0).toBe(0);
        else if (route.path.includes('{') || QUERIES[route.id]) expect((await probe(user, route, B)).status).toBe(404);
      } else if (NO_DAG_PARAM[route.id] === 'content') {
        counts.content++;
        if (route.method === 'DELETE') {
          // Deleting B's file answers as deleting a file that does not exist; neither role may delete A's.
          await probe(user, route, B);
          expect((await probe(user, route, A)).status).toBe(403);
          continue;
        }
        const upload = (dagId: string, grants: string) => ({ filename: `${dagId}_copy.py`, content: dagFile(dagId, source === 'file' ? grants : '') });
        expect((await probe(user, route, A, upload(B, B_FILE_GRANTS))).status).toBe(403);
        const stored = route.id === 'post_dag_file' ? 201 : 200;
        expect((await probe(user, route, A, { filename: 'a.py', content: dagFile(A, source === 'file' ? A_FILE_GRANTS : '') })).status).toBe(user === 'ua' ? stored : 403);
      } else {
        counts.none++;
        await probe(user, route, A);
      }
    }
    expect(counts.dag).toBeGreaterThanOrEqual(20);
    expect(counts.listed).toBe(15);
    expect(counts.content).toBe(3);
    expect(await snapshot()).toBe(before);
    // The only upload that got through is A's own file.
    expect([...withB.h.dagFiles.files.keys()]).toEqual(user === 'ua' ? ['a.py'] : []);
  });

});

describe('precedence and replacement', () => {
  it("a DAG file's access_control overrides grants made through the API on that DAG (as Airflow's sync revokes them)", async () => {
    const h = await createHarness({ seed: false });
    const folder = mkdtempSync(join(tmpdir(), 'skydag-bola-'));
    try {
      writeFileSync(join(folder, 'b.py'), dagFile(B, B_FILE_GRANTS));
      await syncDagsFolder(h.store, folder, { now: T0, pausedAtCreation: false });
      await call(h, 'POST', '/api/v1/roles', { token: h.tokens.Admin, body: { name: 'stale', actions: [pair('can_read', `DAG:${B}`), pair('can_edit', `DAG:${B}`), pair('can_read', 'DAG:other')] } });
      await call(h, 'POST', '/api/v1/users', { token: h.tokens.Admin, body: { username: 'sam', email: 's@example.com', password: PASSWORD, roles: [{ name: 'stale' }] } });
      const token = (await call(h, 'POST', '/api/v1/auth/login', { body: { username: 'sam', password: PASSWORD } })).json.access_token as string;
      expect((await call(h, 'GET', `/api/v1/dags/${B}`, { token })).status).toBe(404);
      expect((await call(h, 'PATCH', `/api/v1/dags/${B}`, { token, body: { is_paused: true } })).status).toBe(404);
      // Once the file no longer sets access_control, the API grant applies again.
      writeFileSync(join(folder, 'b.py'), dagFile(B));
      await syncDagFile(h.store, folder, join(folder, 'b.py'), { now: T0, pausedAtCreation: false });
      expect((await call(h, 'GET', `/api/v1/dags/${B}`, { token })).status).toBe(200);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("an upload cannot replace the file of a DAG its user cannot edit, nor change a DAG's access_control", async () => {
    const w = await makeWorld('file', true);
    try {
      const ua = w.tokens.ua;
      const replace = await send(w, ua, 'POST', '/api/v1/dagFiles', { filename: 'b.py', content: dagFile(A, A_FILE_GRANTS) });
      expect(replace.status).toBe(403);
      expect(replace.json.detail).toMatch(/can_edit on every DAG that b\.py defines now/);
      const widen = await send(w, ua, 'POST', '/api/v1/dagFiles', { filename: 'a.py', content: dagFile(A, '{"a_editors": {"can_read", "can_edit", "can_delete"}, "a_readers": {"can_read"}}') });
      expect(widen.status).toBe(403);
      expect(widen.json.detail).toMatch(/can_edit on all DAGs to change the access_control of DAG 'alpha'/);
      expect(w.h.dagFiles.files.size).toBe(0);
      // Op edits every DAG: it may.
      expect((await send(w, w.h.tokens.Op, 'POST', '/api/v1/dagFiles', { filename: 'a.py', content: dagFile(A) })).status).toBe(201);
    } finally {
      rmSync(w.folder, { recursive: true, force: true });
    }
  });
});

describe('per-DAG checks and input limits', () => {
  it("a DAG is checked before the body is read: hidden → 404 and visible → 403, audited with what was missing and never the body; an allowed DAG's oversized or malformed body is refused as usual", async () => {
    const w = await makeWorld('api', true);
    try {
      const path = (dagId: string) => `/api/v1/dags/${dagId}/dagRuns`;
      // A user who may trigger runs (globally) but only read A: its refusal on A is the per-DAG one.
      const admin = w.h.tokens.Admin;
      await send(w, admin, 'POST', '/api/v1/roles', { name: 'a_watchers', actions: [pair('can_create', 'DAG Runs'), pair('can_read', `DAG:${A}`)] });
      await send(w, admin, 'POST', '/api/v1/users', { username: 'uw', email: 'uw@example.com', password: PASSWORD, roles: [{ name: 'a_watchers' }] });
      const watcher = (await call(w.h, 'POST', '/api/v1/auth/login', { body: { username: 'uw', password: PASSWORD } })).json.access_token as string;
      w.h.clock.advance(1); // each request its own time: the newest audit entry is the last request's
      const oversized = JSON.stringify({ dag_run_id: 'big', conf: { blob: 'x'.repeat(2 * 1024 * 1024) } });
      const lastAudit = async () => {
        const [entry] = (await w.h.store.listAuditLog()).items;
        return JSON.parse(entry!.extra!) as { status: number; body?: unknown; refused?: string };
      };
      for (const rawBody of [oversized, '{"dag_run_id": ']) {
        const hidden = await call(w.h, 'POST', path(B), { token: w.tokens.ua, rawBody, headers: { 'content-type': 'application/json' } });
        w.h.clock.advance(1);
        expect([hidden.status, hidden.json.detail]).toEqual([404, `DAG with dag_id: '${B}' not found`]);
        expect(await lastAudit()).toMatchObject({ status: 404, body: { denied: [`can_edit on DAG:${B}`] } });
        const readOnly = await call(w.h, 'POST', path(A), { token: watcher, rawBody, headers: { 'content-type': 'application/json' } });
        w.h.clock.advance(1);
        expect([readOnly.status, readOnly.json.detail]).toEqual([403, expect.stringMatching(`it needs can_edit on DAG '${A}'`)]);
        expect(await lastAudit()).toMatchObject({ status: 403, body: { denied: [`can_edit on DAG:${A}`] } });
      }
      const big = await call(w.h, 'POST', path(A), { token: w.tokens.ua, rawBody: oversized, headers: { 'content-type': 'application/json' } });
      w.h.clock.advance(1);
      expect(big.status).toBe(413);
      expect(await lastAudit()).toMatchObject({ status: 413, refused: expect.stringMatching(/takes at most/) });
      const broken = await call(w.h, 'POST', path(A), { token: w.tokens.ua, rawBody: '{"dag_run_id": ', headers: { 'content-type': 'application/json' } });
      expect(broken.status).toBe(400);
      expect(await lastAudit()).toMatchObject({ status: 400, refused: expect.stringMatching(/not valid JSON/) });
      expect(JSON.stringify((await w.h.store.listAuditLog()).items)).not.toContain('xxxxxxxx');
    } finally {
      rmSync(w.folder, { recursive: true, force: true });
    }
  });
});

describe('on the HTTP platform', () => {
  it('DAG files with access_control, a custom role, a user: only the granted DAG is visible and only as granted', async () => {
    const home = mkdtempSync(join(tmpdir(), 'skydag-bola-platform-'));
    const dags = join(home, 'dags');
    const adminPassword = 'bola-platform-Passw0rd';
    try {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dags);
      writeFileSync(join(dags, 'a.py'), dagFile(A, '{"a_readers": {"can_read"}}'));
      writeFileSync(join(dags, 'b.py'), dagFile(B));
      const platform = await startPlatform({ dagsFolder: dags, home, port: 0, adminPassword, version: 'test', tickSeconds: 1, log: () => undefined });
      try {
        const admin = (await httpCall(platform, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: adminPassword } })).json.access_token as string;
        expect((await httpCall(platform, 'POST', '/api/v1/roles', { token: admin, body: { name: 'a_readers', actions: READS } })).status).toBe(200);
        expect((await httpCall(platform, 'POST', '/api/v1/users', { token: admin, body: { username: 'rita', email: 'rita@example.com', password: PASSWORD, roles: [{ name: 'a_readers' }] } })).status).toBe(200);
        const token = (await httpCall(platform, 'POST', '/api/v1/auth/login', { body: { username: 'rita', password: PASSWORD } })).json.access_token as string;
        const listed = await httpCall(platform, 'GET', '/api/v1/dags', { token });
        expect([listed.json.dags.map((d: { dag_id: string }) => d.dag_id), listed.json.total_entries]).toEqual([[A], 1]);
        expect((await httpCall(platform, 'GET', `/api/v1/dags/${A}/details`, { token })).status).toBe(200);
        expect((await httpCall(platform, 'PATCH', `/api/v1/dags/${A}`, { token, body: { is_paused: false } })).status).toBe(403);
        for (const [method, path] of [
          ['GET', `/api/v1/dags/${B}`],
          ['GET', `/api/v1/dags/${B}/details`],
          ['GET', `/api/v1/dags/${B}/dagRuns`],
          ['GET', `/api/v1/dags/${B}/dagRuns/~/taskInstances`],
          ['PATCH', `/api/v1/dags/${B}`],
        ] as const) {
          const res = await httpCall(platform, method, path, { token, ...(method === 'PATCH' ? { body: { is_paused: false } } : {}) });
          expect(`${method} ${path} → ${res.status} ${res.json?.detail}`).toBe(`${method} ${path} → 404 DAG with dag_id: '${B}' not found`);
        }
        expect((await httpCall(platform, 'GET', '/api/v1/auth/me', { token })).json.dag_permissions).toEqual({ all_dags: [], dags: { [A]: ['can_read'] } });
        expect((await httpCall(platform, 'GET', `/api/v1/roles/a_readers`, { token: admin })).json.actions).toContainEqual(pair('can_read', `DAG:${A}`));
      } finally {
        await platform.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('the users CLI', () => {
  it('gives a user a custom role that exists, and names the known ones otherwise', async () => {
    const home = mkdtempSync(join(tmpdir(), 'skydag-bola-cli-'));
    const previous = process.env.SKYDAG_HOME;
    process.env.SKYDAG_HOME = home;
    try {
      const local = await openLocalStore(home);
      await local.store.putRole({ name: 'a_readers', permissions: [{ action: 'can_read', resource: `DAG:${A}` }], created_on: T0.toISOString(), changed_on: T0.toISOString() });
      await local.close();
      const run = async (args: string[]) => {
        let out = '';
        let err = '';
        const code = await main(args, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) }, { readStdin: async () => `${PASSWORD}\n` });
        return { code, out, err };
      };
      expect(await run(['users', 'create', 'rita', '--role', 'a_readers', '--password-stdin'])).toMatchObject({ code: 0, out: "created user 'rita' with role a_readers\n" });
      const unknown = await run(['users', 'create', 'sam', '--role', 'ghosts', '--password-stdin']);
      expect(unknown.code).not.toBe(0);
      expect(unknown.err).toContain("unknown role 'ghosts' (known: Public, Viewer, User, Op, Admin, a_readers)");
      const check = await openLocalStore(home);
      try {
        expect((await check.store.getUser('rita'))!.roles).toEqual(['a_readers']);
        expect(await check.store.getUser('sam')).toBeUndefined();
      } finally {
        await check.close();
      }
    } finally {
      if (previous === undefined) delete process.env.SKYDAG_HOME;
      else process.env.SKYDAG_HOME = previous;
      rmSync(home, { recursive: true, force: true });
    }
  });
});

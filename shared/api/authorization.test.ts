/**
 * Authorization for every route × every role, against a hand-written policy table (so a permission
 * change in the route table must be mirrored here on purpose): anonymous → 401 on every non-public
 * route, a role below the route's least role → 403, a role at or above it → neither 401 nor 403.
 */
import type { RoleName } from '../model/records.js';
import { PERMISSION_MIN_ROLE, PERMISSIONS, ROLES, ROLE_RANK, roleHasPermission } from './auth/permissions.js';
import { buildRouter } from './router.js';
import { ROUTES } from './routes/index.js';
import { MUTATING_METHODS } from './route.js';
import { PASSWORD, RUN_ID, USERS, call, createHarness, type Harness } from './test-support.js';

type Expected = RoleName | 'public' | 'any';

/** The least role allowed on each route ('public': no login; 'any': any signed-in user, even Public). */
const POLICY: Record<string, Expected> = {
  get_health: 'public',
  get_version: 'public',
  get_openapi: 'public',
  get_api_reference: 'public',
  login: 'public',
  get_auth_config: 'public',
  redeem_oidc_code: 'public',
  get_current_user: 'any',
  get_dags: 'Viewer',
  get_dag: 'Viewer',
  patch_dag: 'User',
  patch_dags: 'User',
  test_connection: 'Op',
  delete_dag: 'User',
  get_dag_source: 'Viewer',
  get_dag_warnings: 'Viewer',
  get_dag_details: 'Viewer',
  get_tasks: 'Viewer',
  get_task: 'Viewer',
  get_dag_runs: 'Viewer',
  post_dag_run: 'User',
  post_backfill: 'User',
  get_dag_run: 'Viewer',
  delete_dag_run: 'User',
  update_dag_run_state: 'User',
  set_dag_run_note: 'User',
  clear_dag_run: 'User',
  get_task_instances: 'Viewer',
  get_task_instances_batch: 'Viewer',
  get_task_instance: 'Viewer',
  get_mapped_task_instances: 'Viewer',
  get_mapped_task_instance: 'Viewer',
  get_log: 'Viewer',
  post_clear_task_instances: 'User',
  post_set_task_instances_state: 'User',
  get_xcom_entries: 'Viewer',
  get_xcom_entry: 'Viewer',
  get_variables: 'Op',
  get_variable: 'Op',
  post_variables: 'Op',
  patch_variable: 'Op',
  delete_variable: 'Op',
  get_connections: 'Op',
  get_connection: 'Op',
  post_connection: 'Op',
  patch_connection: 'Op',
  delete_connection: 'Op',
  get_pools: 'Op',
  get_pool: 'Op',
  post_pool: 'Op',
  patch_pool: 'Op',
  delete_pool: 'Op',
  get_event_logs: 'Admin',
  get_event_log: 'Admin',
  get_import_errors: 'Viewer',
  get_import_error: 'Viewer',
  get_airflow_datasets: 'Viewer',
  get_dataset: 'Viewer',
  get_dataset_events: 'Viewer',
  create_dataset_event: 'Op',
  get_sla_misses: 'Viewer',
  get_users: 'Admin',
  get_user: 'Admin',
  post_user: 'Admin',
  patch_user: 'Admin',
  delete_user: 'Admin',
  get_roles: 'Admin',
  get_role: 'Admin',
  post_role: 'Admin',
  patch_role: 'Admin',
  delete_role: 'Admin',
  get_permissions: 'Admin',
  post_dag_file: 'Op',
  get_config_groups: 'Admin',
  get_ldap_settings: 'Admin',
  get_git_config: 'Op',
  put_git_config: 'Op',
  delete_git_config: 'Op',
  post_git_pull: 'Op',
  patch_ldap_settings: 'Admin',
  get_config_group: 'Admin',
  put_config_group: 'Admin',
  delete_config_group: 'Admin',
  post_config_group_default: 'Admin',
  put_config_group_keytab: 'Admin',
  delete_config_group_keytab: 'Admin',
  get_config_group_hadoop_file: 'Admin',
  put_config_group_hadoop_file: 'Admin',
  delete_config_group_hadoop_file: 'Admin',
  put_config_group_hadoop_property: 'Admin',
  delete_config_group_hadoop_property: 'Admin',
  get_config_groups_archive: 'Admin',
  post_config_groups_archive: 'Admin',
  post_export: 'Admin',
  post_import: 'Admin',
  get_artifacts: 'Op',
  put_artifact: 'Op',
  delete_artifact: 'Op',
  get_models: 'User',
  get_model_versions: 'User',
  get_model_version: 'User',
  get_model_version_file: 'User',
  patch_model_version: 'Op',
  delete_model_version: 'Op',
  delete_model: 'Op',
  post_model_upload: 'Op',
  get_model_upload: 'Op',
  put_model_upload_chunk: 'Op',
  post_model_upload_complete: 'Op',
  delete_model_upload: 'Op',
  get_datasets: 'User',
  get_dataset_versions: 'User',
  get_dataset_version: 'User',
  get_dataset_version_file: 'User',
  patch_dataset_version: 'Op',
  delete_dataset_version: 'Op',
  delete_dataset: 'Op',
  post_dataset_upload: 'Op',
  get_dataset_upload: 'Op',
  put_dataset_upload_chunk: 'Op',
  post_dataset_upload_complete: 'Op',
  delete_dataset_upload: 'Op',
  get_model_serving_config: 'User',
  get_eda_sources: 'User',
  get_eda_source: 'User',
  put_eda_source: 'Op',
  delete_eda_source: 'Op',
  post_eda_run: 'Op',
  get_eda_reports: 'User',
  get_eda_report_summary: 'User',
  get_eda_report_html: 'User',
  delete_dag_file: 'Op',
  validate_dag_file: 'Op',
  get_dag_stats: 'Viewer',
  get_grid_data: 'Viewer',
  get_dag_versions: 'Viewer',
  get_dag_version: 'Viewer',
};

const PARAMS: Record<string, string> = {
  dag_id: 'etl',
  dag_run_id: RUN_ID,
  task_id: 'transform',
  map_index: '0',
  xcom_key: 'return_value',
  task_try_number: '1',
  variable_key: 'plain_var',
  connection_id: 'my_db',
  pool_name: 'etl_pool',
  event_log_id: 'missing-id',
  import_error_id: Buffer.from('broken.py').toString('base64url'),
  username: 'viewer',
  role_name: 'Viewer',
  group_name: 'prod',
  file_name: 'core-site.xml',
  property_name: 'fs.defaultFS',
  kind: 'code',
  artifact_name: 'job.jar',
  filename: 'etl.py',
  version: 'v-etl',
  file_token: Buffer.from('etl.py').toString('base64url'),
};

/** Plausible bodies so allowed calls exercise the handler (a 400/404/409 still proves authorization passed). */
const BODIES: Record<string, unknown> = {
  login: { username: 'viewer', password: PASSWORD },
  patch_dag: { is_paused: true },
  post_dag_run: { conf: { a: 1 } },
  post_backfill: { start_date: '2024-01-01', end_date: '2024-01-03', dry_run: true },
  update_dag_run_state: { state: 'success' },
  set_dag_run_note: { note: 'checked' },
  clear_dag_run: { dry_run: true },
  post_clear_task_instances: { dry_run: true },
  post_set_task_instances_state: { dry_run: true, task_id: 'transform', dag_run_id: RUN_ID, new_state: 'success' },
  post_variables: { key: 'plain_var', value: 'v' },
  patch_variable: { key: 'plain_var', value: 'v2' },
  post_connection: { connection_id: 'my_db', conn_type: 'postgres' },
  test_connection: { connection_id: 'probe', conn_type: 'postgres' },
  patch_connection: { connection_id: 'my_db', conn_type: 'postgres', host: 'db' },
  post_pool: { name: 'etl_pool', slots: 4 },
  patch_pool: { name: 'etl_pool', slots: 8 },
  post_user: { username: 'newbie', email: 'newbie@example.com', password: 'another-long-pw', roles: [{ name: 'Viewer' }] },
  patch_user: { first_name: 'Vera' },
  post_role: { name: 'analysts', actions: [{ action: { name: 'can_read' }, resource: { name: 'DAG:etl' } }] },
  patch_role: { actions: [] },
  validate_dag_file: { filename: 'hello.py', content: 'from airflow import DAG\n' },
  post_dag_file: { filename: 'hello.yaml', content: 'hello:\n  default_args:\n    start_date: 2024-01-01\n  tasks:\n    t1:\n      operator: airflow.operators.bash.BashOperator\n      bash_command: echo hi\n' },
};

const fill = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(PARAMS[name] ?? name));

async function seedForRoute(h: Harness): Promise<void> {
  await h.store.putPool({ name: 'etl_pool', slots: 4, description: null });
  await h.api.handle({
    method: 'POST',
    rawPath: '/api/v1/variables',
    query: {},
    headers: { authorization: `Bearer ${h.tokens.Admin}`, 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(JSON.stringify({ key: 'plain_var', value: 'x' })),
    sourceIp: null,
    userAgent: null,
    requestId: '',
  });
}

describe('permission table', () => {
  it('every permission is granted to its least role and every role above it, never to Public', () => {
    for (const p of PERMISSIONS) {
      for (const role of ROLES) expect(roleHasPermission(role, p)).toBe(ROLE_RANK[role] >= ROLE_RANK[PERMISSION_MIN_ROLE[p]]);
      expect(roleHasPermission('Public', p)).toBe(false);
    }
  });

  it('follows Airflow 2: Viewer reads DAGs/runs/TIs/logs/XComs but not variables, connections, pools or the audit log', () => {
    for (const p of ['read:dags', 'read:dag_runs', 'read:task_instances', 'read:task_logs', 'read:xcoms', 'read:import_errors'] as const) expect(roleHasPermission('Viewer', p)).toBe(true);
    for (const p of ['read:variables', 'read:connections', 'read:pools', 'read:audit_log', 'read:users'] as const) expect(roleHasPermission('Viewer', p)).toBe(false);
    expect(roleHasPermission('User', 'create:dag_runs')).toBe(true);
    expect(roleHasPermission('User', 'read:connections')).toBe(false);
    expect(roleHasPermission('Op', 'edit:variables')).toBe(true);
    expect(roleHasPermission('Op', 'read:audit_log')).toBe(false);
    expect(roleHasPermission('Admin', 'read:audit_log')).toBe(true);
  });

  it('every route is in the policy table, declares a permission, and every mutating route an audit event', () => {
    const ids = ROUTES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(Object.keys(POLICY).sort());
    for (const r of ROUTES) {
      expect(r.access.public === true || 'permissions' in r.access).toBe(true);
      if (MUTATING_METHODS.has(r.method) && !r.readOnly) expect(r.audit?.event).toBeTruthy();
    }
    // The router's public description (what the CDK stack will read) covers every route.
    expect(buildRouter().info()).toHaveLength(ROUTES.length);
  });
});

describe.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_name, route) => {
  const expected = POLICY[route.id]!;

  // Connection testing is off by default (403 for everyone, as Airflow): probed here with it on.
  const options = route.id === 'test_connection' ? { config: { connectionTester: { test: async () => ({ status: true, message: 'ok' }) } } } : {};
  it('matches the policy for anonymous callers and every role', async () => {
    const h = await createHarness(options);
    await seedForRoute(h);
    const path = fill(route.path);
    const body = BODIES[route.id] ?? (route.body ? {} : undefined);

    const anonymous = await call(h, route.method, path, body === undefined ? {} : { body });
    if (expected === 'public') expect(anonymous.status).not.toBe(401);
    else {
      expect(anonymous.status).toBe(401);
      expect(anonymous.json).toMatchObject({ status: 401, title: 'Unauthorized' });
    }

    for (const role of ROLES) {
      const allowed = expected === 'public' || expected === 'any' || ROLE_RANK[role] >= ROLE_RANK[expected];
      const fresh = await createHarness(options);
      await seedForRoute(fresh);
      const res = await call(fresh, route.method, path, { token: fresh.tokens[role], ...(body === undefined ? {} : { body }) });
      if (allowed) {
        expect(`${role} → ${res.status}`).not.toMatch(/→ (40[13]|5\d\d)$/);
      } else {
        expect(`${role} → ${res.status}`).toBe(`${role} → 403`);
        expect(res.json).toMatchObject({ status: 403, title: 'Forbidden' });
      }
    }
  });
});

describe('the seeded users', () => {
  it('have one role each', () => {
    expect(Object.keys(USERS).sort()).toEqual([...ROLES].sort());
  });
});

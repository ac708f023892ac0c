/**
 * The Airflow-style CLI (dags trigger/pause/state/list-runs/delete, tasks, variables, connections,
 * pools, login) against a temp $SKYDAG_HOME, in-process with output captured; and with --api against
 * an API reached through an injected fetch.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { main } from '../../local/cli/main.js';
import type { CliIO } from '../../local/cli/io.js';
import { openLocalStore } from '../../local/stores/embedded-dynamodb.js';
import { PASSWORD, USERS, createHarness, request, type Harness } from '../../shared/api/test-support.js';

const DAG_FILE = [
  'from datetime import datetime',
  'from airflow import DAG',
  'from airflow.operators.bash import BashOperator',
  'for name in ["team_a_load", "team_b_load"]:',
  '    with DAG(name, start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False) as dag:',
  '        extract = BashOperator(task_id="extract", bash_command="echo e")',
  '        load = BashOperator(task_id="load", bash_command="echo l", pool="etl_pool")',
  '        extract >> load',
  '    globals()[name] = dag',
  '',
].join('\n');

let root: string;
let dags: string;
const saved = { home: process.env.SKYDAG_HOME, config: process.env.SKYDAG_CONFIG_DIR, api: process.env.SKYDAG_API_URL };

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'skydag-cli-'));
  dags = join(root, 'dags');
  mkdirSync(dags);
  writeFileSync(join(dags, 'teams.py'), DAG_FILE);
  process.env.SKYDAG_HOME = join(root, 'home');
  process.env.SKYDAG_CONFIG_DIR = join(root, 'config');
  delete process.env.SKYDAG_API_URL;
});

afterAll(() => {
  for (const [name, value] of [['SKYDAG_HOME', saved.home], ['SKYDAG_CONFIG_DIR', saved.config], ['SKYDAG_API_URL', saved.api]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(root, { recursive: true, force: true });
});

async function run(args: string[], options: { stdin?: string; fetch?: typeof fetch; local?: boolean } = {}) {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) };
  const withFolder = options.local === false ? args : [...args, '--dags-folder', dags];
  const code = await main(withFolder, io, { readStdin: async () => options.stdin ?? '', ...(options.fetch ? { fetch: options.fetch } : {}) });
  return { code, out, err };
}

const json = (text: string) => JSON.parse(text) as any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('variables', () => {
  it('set, get (masked when sensitive, --json, --default), list, delete; a missing one is exit 1 with Airflow-style words', async () => {
    expect((await run(['variables', 'set', 'env', 'staging'])).out).toBe('Variable env created\n');
    expect((await run(['variables', 'set', 'settings', '{"retries": 3}', '--json', '--description', 'ETL settings'])).code).toBe(0);
    expect((await run(['variables', 'set', 'api_token', 's3cret'])).code).toBe(0);
    expect((await run(['variables', 'get', 'env'])).out).toBe('staging\n');
    expect((await run(['variables', 'get', 'settings', '-j'])).out).toBe('{\n  "retries": 3\n}\n');
    const secret = await run(['variables', 'get', 'api_token']);
    expect(secret.out).toBe('***\n');
    expect(secret.out + secret.err).not.toContain('s3cret');
    expect((await run(['variables', 'set', 'bad', '{nope', '--json'])).code).toBe(1);
    expect((await run(['variables', 'get', 'missing', '--default', 'none'])).out).toBe('none\n');
    const missing = await run(['variables', 'get', 'missing']);
    expect([missing.code, missing.err]).toEqual([1, 'error: Variable missing does not exist\n']);
    const list = await run(['variables', 'list', '-o', 'json']);
    expect(json(list.out)).toEqual([
      { key: 'api_token', description: null },
      { key: 'env', description: null },
      { key: 'settings', description: 'ETL settings' },
    ]);
    expect((await run(['variables', 'list'])).out).toBe('KEY\napi_token\nenv\nsettings\n');
    expect((await run(['variables', 'delete', 'env'])).out).toBe('Variable env deleted\n');
    expect((await run(['variables', 'delete', 'env'])).code).toBe(1);
  });

  it('export writes {"key": value} with sensitive values masked; import skips masked values instead of overwriting the secret, and honours --action-on-existing-key', async () => {
    const file = join(root, 'variables.json');
    const exported = await run(['variables', 'export', file]);
    expect(exported.code).toBe(0);
    expect(json(readFileSync(file, 'utf8'))).toEqual({ api_token: '***', settings: '{"retries":3}' });
    expect(exported.err).toMatch(/1 sensitive value\(s\) are masked/);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    writeFileSync(file, JSON.stringify({ api_token: '***', settings: 'replaced', fresh: { nested: [1, 2] } }));
    const skip = await run(['variables', 'import', file, '--action-on-existing-key', 'skip']);
    expect(skip.out).toBe('1 of 3 variable(s) successfully updated. 2 skipped.\n');
    expect((await run(['variables', 'get', 'fresh'])).out).toBe('{"nested":[1,2]}\n');
    expect((await run(['variables', 'get', 'settings'])).out).toBe('{"retries":3}\n');
    const fail = await run(['variables', 'import', file, '-a', 'fail']);
    expect(fail.code).toBe(1);
    expect(fail.err).toMatch(/error: settings: the variable exists/);
    expect((await run(['variables', 'import', file])).out).toBe('2 of 3 variable(s) successfully updated. 1 skipped.\n');
    expect((await run(['variables', 'get', 'settings'])).out).toBe('replaced\n');
    // The secret is still the real one: the store's record decrypts to it, not to the mask.
    const local = await openLocalStore(process.env.SKYDAG_HOME!);
    try {
      expect((await local.store.getVariable('api_token'))!.value).not.toBe('***');
    } finally {
      await local.close();
    }
    writeFileSync(file, '[1, 2]');
    expect((await run(['variables', 'import', file])).err).toMatch(/must hold an object of variables/);
  });
});

describe('variables DAG files read while they are read', () => {
  const VARIABLE_DAG = [
    'from datetime import datetime',
    'from airflow import DAG',
    'from airflow.models import Variable',
    'from airflow.operators.bash import BashOperator',
    'TARGET = Variable.get("etl_target", default_var="dev")',
    'for region in Variable.get("regions", default_var=["eu"], deserialize_json=True):',
    '    with DAG(f"export_{region}", start_date=datetime(2024, 1, 1), schedule=None) as dag:',
    '        BashOperator(task_id="export", bash_command=f"echo {region} to {TARGET}")',
    '    globals()[dag.dag_id] = dag',
    '',
  ].join('\n');

  it('are the store\'s values in dags list, dags compile and dags test; AIRFLOW_VAR_<KEY> comes first; a default when unset', async () => {
    const folder = join(root, 'variable-dags');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'export.py'), VARIABLE_DAG);
    const inFolder = async (args: string[]) => {
      let out = '';
      let err = '';
      const code = await main([...args, '--dags-folder', folder], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
      return { code, out, err };
    };
    const listed = async () => json((await inFolder(['dags', 'list', '-o', 'json'])).out).dags.map((d: { dag_id: string }) => d.dag_id);
    expect(await listed()).toEqual(['export_eu']);
    expect((await run(['variables', 'set', 'regions', '["us", "ap"]', '--json'])).code).toBe(0);
    expect((await run(['variables', 'set', 'etl_target', 'warehouse'])).code).toBe(0);
    expect(await listed()).toEqual(['export_ap', 'export_us']);
    const compiled = json((await inFolder(['dags', 'compile', 'export.py', '-o', 'json'])).out);
    expect(compiled.dags.map((d: { tasks: { args: { bash_command: string } }[] }) => d.tasks[0]!.args.bash_command)).toEqual(['echo us to warehouse', 'echo ap to warehouse']);
    process.env.AIRFLOW_VAR_ETL_TARGET = 'lake';
    try {
      const tested = await inFolder(['dags', 'test', 'export_us', '2024-01-01', '-o', 'json']);
      expect(tested.code).toBe(0);
      expect(json(tested.out).task_instances[0].xcom.return_value).toBe('us to lake');
    } finally {
      delete process.env.AIRFLOW_VAR_ETL_TARGET;
    }
    for (const key of ['regions', 'etl_target']) expect((await run(['variables', 'delete', key])).code).toBe(0);
  });
});

describe('a DAG scheduled by a custom timetable, without a running platform', () => {
  it("dags trigger asks the timetable for the run's data interval (Python runner), as the platform would", async () => {
    const base = join(root, 'timetable');
    mkdirSync(join(base, 'dags'), { recursive: true });
    mkdirSync(join(base, 'plugins'), { recursive: true });
    // The run's data interval is the week before the day it is triggered (whatever the day is).
    writeFileSync(
      join(base, 'plugins', 'weekly.py'),
      [
        'from datetime import timedelta',
        'from pendulum import UTC, DateTime, Time',
        'from airflow.timetables.base import DagRunInfo, DataInterval, Timetable',
        'class PreviousWeek(Timetable):',
        '    def infer_manual_data_interval(self, run_after):',
        '        end = DateTime.combine(run_after.date(), Time.min).replace(tzinfo=UTC)',
        '        return DataInterval(start=end - timedelta(days=7), end=end)',
        '    def next_dagrun_info(self, *, last_automated_data_interval, restriction):',
        '        return None',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(base, 'dags', 'weekly_report.py'),
      'from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\nfrom weekly import PreviousWeek\nwith DAG("weekly_report", start_date=datetime(2024, 1, 1), timetable=PreviousWeek()):\n    EmptyOperator(task_id="t")\n',
    );
    let err = '';
    const code = await main(['dags', 'trigger', 'weekly_report', '--run-id', 'by_timetable', '--dags-folder', join(base, 'dags')], { out: () => undefined, err: (t) => (err += t) });
    expect([code, err]).toEqual([0, '']);
    const local = await openLocalStore(process.env.SKYDAG_HOME!);
    try {
      const run = (await local.store.getDagRun('weekly_report', 'by_timetable'))!;
      const end = new Date(run.data_interval_end!);
      expect(end.toISOString()).toMatch(/T00:00:00\.000Z$/);
      expect(end.getTime() - new Date(run.data_interval_start!).getTime()).toBe(7 * 24 * 3600 * 1000);
      expect(Date.now() - end.getTime()).toBeLessThan(24 * 3600 * 1000 + 60_000);
    } finally {
      await local.close();
    }
  });
});

describe('connections', () => {
  it('add from a URI, --conn-json or fields; get and list never show the password; delete; duplicates are exit 1', async () => {
    const added = await run(['connections', 'add', 'my_pg', '--conn-uri', 'postgresql://etl:p%40ss@db.example.com:5432/warehouse?sslmode=require']);
    expect(added.out).toBe('Successfully added `conn_id`=my_pg : postgres://db.example.com:5432\n');
    expect((await run(['connections', 'add', 'my_api', '--conn-json', '{"conn_type": "http", "host": "api.example.com", "password": "tok", "extra": {"timeout": 30}}'])).code).toBe(0);
    expect((await run(['connections', 'add', 'my_s3', '--conn-type', 'aws', '--conn-login', 'AKIA', '--conn-password', 'sk', '--conn-port', '443'])).code).toBe(0);
    const duplicate = await run(['connections', 'add', 'my_pg', '--conn-type', 'postgres']);
    expect([duplicate.code, duplicate.err]).toEqual([1, 'error: A connection with conn_id `my_pg` already exists.\n']);
    expect((await run(['connections', 'add', 'x', '--conn-uri', 'a://b', '--conn-type', 'c'])).code).toBe(1);

    const got = await run(['connections', 'get', 'my_pg', '-o', 'json']);
    expect(json(got.out)).toEqual([{ conn_id: 'my_pg', conn_type: 'postgres', description: null, host: 'db.example.com', schema: 'warehouse', login: 'etl', port: 5432, extra: '{"sslmode":"require"}' }]);
    const yaml = await run(['connections', 'get', 'my_api', '-o', 'yaml']);
    expect(parseYaml(yaml.out)).toEqual([expect.objectContaining({ conn_id: 'my_api', host: 'api.example.com', extra: '{"timeout":30}' })]);
    const list = await run(['connections', 'list']);
    expect(list.out.split('\n')[0]).toMatch(/^CONN_ID\s+CONN_TYPE\s+DESCRIPTION\s+HOST\s+SCHEMA\s+LOGIN\s+PORT$/);
    for (const output of [got, yaml, list]) expect(output.out).not.toMatch(/p@ss|p%40ss|tok\b|"sk"/);
    expect((await run(['connections', 'delete', 'my_s3'])).out).toBe('Successfully deleted connection with `conn_id`=my_s3\n');
    expect((await run(['connections', 'delete', 'my_s3'])).code).toBe(1);
  });

  it('export has no passwords; import adds, reports existing ones, and with --overwrite keeps the stored password', async () => {
    const file = join(root, 'connections.yaml');
    expect((await run(['connections', 'export', file])).err).toMatch(/2 connection\(s\) exported .* without passwords/);
    const exported = parseYaml(readFileSync(file, 'utf8'));
    expect(Object.keys(exported)).toEqual(['my_api', 'my_pg']);
    expect(JSON.stringify(exported)).not.toMatch(/password|p@ss|tok/);

    exported.my_pg.host = 'db2.example.com';
    exported.new_one = { conn_type: 'http', host: 'new.example.com', password: 'fresh' };
    writeFileSync(file, JSON.stringify(exported));
    const again = await run(['connections', 'import', `${file}`]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/my_pg: the connection exists \(use --overwrite/);
    expect(again.out).toBe('1 of 3 connection(s) successfully updated.\n');
    expect((await run(['connections', 'import', file, '--overwrite'])).out).toBe('3 of 3 connection(s) successfully updated.\n');
    expect(json((await run(['connections', 'get', 'my_pg', '-o', 'json'])).out)[0].host).toBe('db2.example.com');
    const local = await openLocalStore(process.env.SKYDAG_HOME!);
    try {
      expect((await local.store.getConnection('my_pg'))!.password).not.toBeNull();
    } finally {
      await local.close();
    }
  });
});

describe('pools', () => {
  it('set (create, then update), get, list, export, import, delete in Airflow shapes', async () => {
    expect((await run(['pools', 'set', 'etl_pool', '4', 'ETL connections'])).out).toBe('POOL      SLOTS  DESCRIPTION      INCLUDE_DEFERRED\netl_pool  4      ETL connections  false\n');
    expect(json((await run(['pools', 'set', 'etl_pool', '6', 'ETL connections', '-o', 'json'])).out)).toEqual([{ pool: 'etl_pool', slots: 6, description: 'ETL connections', include_deferred: false }]);
    expect((await run(['pools', 'set', 'etl_pool', '6', 'ETL connections', '--include-deferred'])).err).toBe('error: include_deferred is not supported: skydag has no deferred tasks\n');
    expect((await run(['pools', 'set', 'bad', 'many', 'x'])).code).toBe(1);
    expect((await run(['pools', 'get', 'nope'])).err).toBe('error: Pool nope does not exist\n');
    const file = join(root, 'pools.json');
    await run(['pools', 'export', file]);
    expect(json(readFileSync(file, 'utf8'))).toEqual({ default_pool: { slots: 128, description: 'Default pool', include_deferred: false }, etl_pool: { slots: 6, description: 'ETL connections', include_deferred: false } });
    writeFileSync(file, JSON.stringify({ spark: { slots: 2, description: 'Spark' }, etl_pool: { slots: 3, description: 'fewer' } }));
    expect((await run(['pools', 'import', file])).out).toBe('2 of 2 pool(s) successfully updated.\n');
    expect((await run(['pools', 'list', '-o', 'plain'])).out).toBe('default_pool  128  Default pool  false\netl_pool  3  fewer  false\nspark  2  Spark  false\n');
    expect((await run(['pools', 'delete', 'spark'])).code).toBe(0);
    expect((await run(['pools', 'get', 'spark'])).code).toBe(1);
  });
});

describe('dags and tasks', () => {
  it('trigger queues a run (the folder is synced into the store first); list-runs, state and states-for-dag-run find it by run id or date', async () => {
    const trigger = await run(['dags', 'trigger', 'team_a_load', '-r', 'fix_1', '-e', '2024-06-01', '-c', '{"table": "orders"}', '-o', 'json']);
    expect(trigger.code).toBe(0);
    expect(json(trigger.out)).toEqual([{ dag_id: 'team_a_load', run_id: 'fix_1', state: 'queued', execution_date: '2024-06-01T00:00:00+00:00', conf: { table: 'orders' } }]);
    expect((await run(['dags', 'trigger', 'team_a_load', '-r', 'fix_1'])).err).toMatch(/^error: .*fix_1.*already exists/);
    expect((await run(['dags', 'trigger', 'nope'])).err).toBe("error: DAG with dag_id: 'nope' not found\n");
    expect((await run(['dags', 'trigger', 'team_a_load', '-c', '[1]'])).code).toBe(1);
    const runs = await run(['dags', 'list-runs', '-d', 'team_a_load']);
    expect(runs.out).toMatch(/^DAG_ID\s+RUN_ID\s+STATE\s+EXECUTION_DATE\s+START_DATE\s+END_DATE\nteam_a_load\s+fix_1\s+queued\s+2024-06-01T00:00:00\+00:00\n$/);
    expect(json((await run(['dags', 'list-runs', '-d', 'team_a_load', '--state', 'failed', '-o', 'json'])).out)).toEqual([]);
    expect((await run(['dags', 'state', 'team_a_load', '2024-06-01'])).out).toBe('queued, {"table":"orders"}\n');
    expect((await run(['dags', 'state', 'team_a_load', 'fix_1'])).out).toBe('queued, {"table":"orders"}\n');
    expect((await run(['dags', 'state', 'team_a_load', '2020-01-01'])).code).toBe(1);
    expect((await run(['tasks', 'list', 'team_a_load'])).out).toBe('extract\nload\n');
    // A Spark try records the config group it resolved; the listing shows it as name@version.
    const local = await openLocalStore(process.env.SKYDAG_HOME!);
    try {
      await local.store.updateTaskInstance('team_a_load', 'fix_1', 'load', { config_group: { name: 'secure', version: '0123456789ab' } });
    } finally {
      await local.close();
    }
    const states = await run(['tasks', 'states-for-dag-run', 'team_a_load', 'fix_1', '-o', 'json']);
    expect(json(states.out).map((t: { task_id: string; state: string | null; config_group: string | null }) => [t.task_id, t.state, t.config_group])).toEqual([
      ['extract', null, null],
      ['load', null, 'secure@0123456789ab'],
    ]);
  });

  it('pause and unpause one DAG or every DAG a regex finds', async () => {
    expect(json((await run(['dags', 'unpause', 'team_a_load', '-o', 'json'])).out)).toEqual([{ dag_id: 'team_a_load', is_paused: false }]);
    const both = await run(['dags', 'pause', '_load$', '--treat-dag-id-as-regex', '-o', 'json']);
    expect(json(both.out)).toEqual([
      { dag_id: 'team_a_load', is_paused: true },
      { dag_id: 'team_b_load', is_paused: true },
    ]);
    expect((await run(['dags', 'pause', '^nothing', '--treat-dag-id-as-regex'])).err).toBe("error: No DAGs found matching '^nothing'\n");
  });

  it('tasks clear lists what it would clear and needs --yes; dags delete needs --yes and removes the runs', async () => {
    const dry = await run(['tasks', 'clear', 'team_a_load', '-t', '^load$']);
    expect(dry.out).toMatch(/^TASK_ID\s+RUN_ID\s+EXECUTION_DATE\nload\s+fix_1\s+2024-06-01T00:00:00\+00:00\n$/);
    expect(dry.err).toBe('1 task instance(s) would be cleared: run again with --yes to clear them\n');
    expect((await run(['tasks', 'clear', 'team_a_load', '-t', '^load$', '-y'])).err).toBe('cleared 1 task instance(s)\n');
    expect((await run(['tasks', 'clear', 'team_a_load', '--only-failed'])).err).toBe('No task instances to clear\n');
    expect((await run(['tasks', 'clear', 'team_a_load', '-t', '('])).code).toBe(1);

    const unconfirmed = await run(['dags', 'delete', 'team_a_load']);
    expect(unconfirmed.code).toBe(1);
    expect((await run(['dags', 'list-runs', '-d', 'team_a_load', '-o', 'json'])).out).not.toBe('[]\n');
    expect((await run(['dags', 'delete', 'team_a_load', '--yes'])).out).toBe("Removed all records of 'team_a_load'\n");
    // The file still defines it: the next sync registers it again, with no runs.
    expect(json((await run(['dags', 'list-runs', '-d', 'team_a_load', '-o', 'json'])).out)).toEqual([]);
  });

  it("every change is in the audit log under the local user's name", async () => {
    const local = await openLocalStore(process.env.SKYDAG_HOME!);
    try {
      const entries = (await local.store.listAuditLog({ limit: 1000 })).items;
      const events = new Set(entries.map((e) => e.event));
      for (const event of ['trigger', 'dag.pause', 'dag.unpause', 'variable.create', 'connection.create', 'pool.create', 'dag.delete', 'task_instances.clear']) expect([...events]).toContain(event);
      expect(entries.every((e) => e.owner?.startsWith('cli:'))).toBe(true);
    } finally {
      await local.close();
    }
  });
});

describe('--api and skydag login', () => {
  let h: Harness;
  /** A fetch that answers from an in-process API, as a deployed one would over HTTPS. */
  const apiFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    const response = await h.api.handle(request(init?.method ?? 'GET', `${url.pathname}${url.search}`, { headers, ...(init?.body ? { rawBody: String(init.body) } : {}) }));
    return new Response(response.body === undefined ? null : response.body, { status: response.status, headers: response.headers });
  };
  beforeAll(async () => {
    h = await createHarness();
  });

  it('refuses commands before signing in, and plain http to another machine', async () => {
    const before = await run(['variables', 'list', '--api', 'https://skydag.example.com'], { fetch: apiFetch, local: false });
    expect([before.code, before.err]).toEqual([1, 'error: not signed in to https://skydag.example.com: run skydag login --api https://skydag.example.com --username <name> first\n']);
    expect((await run(['login', '--api', 'http://skydag.example.com', '-u', USERS.Op], { stdin: PASSWORD, fetch: apiFetch, local: false })).err).toMatch(/use https/);
  });

  it('login keeps the token 0600 in the config dir; commands then act as that user, with its role', async () => {
    const wrong = await run(['login', '--api', 'https://skydag.example.com/api/v1/', '-u', USERS.Op, '--password-stdin'], { stdin: 'wrong-password\n', fetch: apiFetch, local: false });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/refused the sign-in \(401/);
    const login = await run(['login', '--api', 'https://skydag.example.com/api/v1/', '-u', USERS.Op, '--password-stdin'], { stdin: `${PASSWORD}\n`, fetch: apiFetch, local: false });
    expect(login.code).toBe(0);
    expect(login.out).toMatch(/^signed in to https:\/\/skydag\.example\.com as op until /);
    const file = join(process.env.SKYDAG_CONFIG_DIR!, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(process.env.SKYDAG_CONFIG_DIR!).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).not.toContain(PASSWORD);

    process.env.SKYDAG_API_URL = 'https://skydag.example.com';
    try {
      expect((await run(['variables', 'set', 'remote_key', 'v1'], { fetch: apiFetch, local: false })).code).toBe(0);
      expect((await h.store.listAuditLog()).items.find((e) => e.event === 'variable.create')?.owner).toBe(USERS.Op);
      expect((await run(['dags', 'pause', 'etl'], { fetch: apiFetch, local: false })).code).toBe(0);
      expect((await h.store.getDag('etl'))!.is_paused).toBe(true);
      expect(json((await run(['dags', 'list-runs', '-d', 'etl', '-o', 'json'], { fetch: apiFetch, local: false })).out).map((r: { run_id: string }) => r.run_id)).toHaveLength(1);
    } finally {
      delete process.env.SKYDAG_API_URL;
    }
    expect((await run(['logout', '--api', 'https://skydag.example.com'], { local: false })).out).toBe('signed out of https://skydag.example.com\n');
    expect((await run(['variables', 'list', '--api', 'https://skydag.example.com'], { fetch: apiFetch, local: false })).code).toBe(1);
  });
});

describe('help', () => {
  it('each command documents Airflow-style examples', async () => {
    for (const command of [['dags', 'trigger'], ['variables', 'import'], ['connections', 'add'], ['pools', 'set'], ['tasks', 'clear'], ['login']]) {
      const help = await run([...command, '--help'], { local: false });
      expect(`${command.join(' ')}: ${help.code}`).toBe(`${command.join(' ')}: 0`);
      expect(help.out).toMatch(/Examples:\n {2}(printf .*\| )?skydag /);
    }
  });
});

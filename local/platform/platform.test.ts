/**
 * The local platform as a user drives it over HTTP: log in, list DAGs, unpause, trigger with conf,
 * poll to success, read logs and XCom, upload a DAG file; then restart on the same state folder.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../../test/helpers/platform-client.js';
import { startPlatform } from './platform.js';

const EXAMPLES = join(__dirname, '../../examples/dags');
const PASSWORD = 'platform-test-Passw0rd';

describe('skydag dev (local platform)', () => {
  let home: string;
  let dags: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'skydag-platform-'));
    dags = join(home, 'dags');
    cpSync(EXAMPLES, dags, { recursive: true });
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const start = () => startPlatform({ dagsFolder: dags, home, port: 0, adminPassword: PASSWORD, version: 'test', tickSeconds: 1, log: () => undefined, consoleDir: null });

  it('runs a triggered DAG to success through the REST API and keeps state across restarts', async () => {
    let platform = await start();
    try {
      expect(platform.generatedAdminPassword).toBeUndefined();
      expect((await call(platform, 'GET', '/api/v1/dags')).status).toBe(401);
      const login = await call(platform, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: PASSWORD } });
      expect(login.status).toBe(200);
      const token = login.json.access_token as string;

      const listed = await call(platform, 'GET', '/api/v1/dags', { token });
      expect(listed.json.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual(['ExampleSchemaGeneration', 'MasterDag', 'branching', 'example_datasets_consumer', 'example_datasets_producer', 'taskflow_etl', 'tutorial_bash', 'video_embedding_dag', 'yaml_example_etl']);
      expect(listed.json.dags.every((d: { is_paused: boolean }) => d.is_paused)).toBe(true);

      expect((await call(platform, 'PATCH', '/api/v1/dags/taskflow_etl?update_mask=is_paused', { token, body: { is_paused: false } })).json.is_paused).toBe(false);
      const trigger = await call(platform, 'POST', '/api/v1/dags/taskflow_etl/dagRuns', { token, body: { dag_run_id: 'api_run_1', logical_date: '2024-03-05T00:00:00Z', conf: { source: 'test' } } });
      expect(trigger.status).toBe(200);
      expect((await call(platform, 'POST', '/api/v1/dags/taskflow_etl/dagRuns', { token, body: { dag_run_id: 'api_run_1' } })).status).toBe(409);

      let state = '';
      for (let i = 0; i < 60 && state !== 'success' && state !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 250));
        state = (await call(platform, 'GET', '/api/v1/dags/taskflow_etl/dagRuns/api_run_1', { token })).json.state;
      }
      expect(state).toBe('success');
      const tis = await call(platform, 'GET', '/api/v1/dags/taskflow_etl/dagRuns/api_run_1/taskInstances', { token });
      expect(tis.json.task_instances.map((t: { task_id: string; state: string }) => `${t.task_id}:${t.state}`).sort()).toEqual(
        ['extract:success', 'load.load_count:success', 'load.load_total:success', 'summarize:success', 'transform:success'],
      );
      const log = await call(platform, 'GET', '/api/v1/dags/taskflow_etl/dagRuns/api_run_1/taskInstances/summarize/logs/1', { token });
      expect(log.json.content).toContain('loaded: order_totals:1236.7, order_counts:3');
      const xcom = await call(platform, 'GET', '/api/v1/dags/taskflow_etl/dagRuns/api_run_1/taskInstances/summarize/xcomEntries/return_value', { token });
      expect(xcom.json.value_json ?? JSON.parse(xcom.json.value)).toBe(2);

      const bad = await call(platform, 'POST', '/api/v1/dagFiles', { token, body: { filename: 'broken.py', content: 'from airflow import DAG\nwith DAG("broken", schedule=None) as dag:\n    BashOperator(task_id="x")\n' } });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('broken.py');
      const good = await call(platform, 'POST', '/api/v1/dagFiles', {
        token,
        body: { filename: 'uploaded.py', content: 'from airflow import DAG\nfrom airflow.operators.bash import BashOperator\nwith DAG("uploaded", schedule=None) as dag:\n    BashOperator(task_id="x", bash_command="echo up")\n' },
      });
      expect(good.status).toBeLessThan(300);
      expect((await call(platform, 'GET', '/api/v1/dags/uploaded', { token })).json.is_paused).toBe(true);
      // Deleting the file deactivates its DAG (gone from the list, history kept).
      expect((await call(platform, 'DELETE', '/api/v1/dagFiles/uploaded.py', { token })).status).toBe(204);
      expect((await call(platform, 'GET', '/api/v1/dags/uploaded', { token })).json.is_active).toBe(false);
      expect((await call(platform, 'DELETE', '/api/v1/dagFiles/uploaded.py', { token })).status).toBe(404);
    } finally {
      await platform.close();
    }

    platform = await start();
    try {
      const token = (await call(platform, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: PASSWORD } })).json.access_token as string;
      const runs = await call(platform, 'GET', '/api/v1/dags/taskflow_etl/dagRuns', { token });
      const manual = runs.json.dag_runs.filter((r: { run_type: string }) => r.run_type === 'manual');
      expect(manual.map((r: { dag_run_id: string; state: string }) => `${r.dag_run_id}:${r.state}`)).toEqual(['api_run_1:success']);
      expect((await call(platform, 'GET', '/api/v1/users', { token })).json.total_entries).toBe(1);
    } finally {
      await platform.close();
    }
  }, 60_000);

  it('recovers a run that was running when the platform stopped, re-running its orphaned task', async () => {
    const slow = 'from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n' +
      'with DAG("slow_dag", start_date=datetime(2024, 1, 1), schedule=None, is_paused_upon_creation=False) as dag:\n' +
      '    BashOperator(task_id="slow", bash_command="sleep 2 && echo done")\n';
    writeFileSync(join(dags, 'slow_dag.py'), slow);
    let platform = await startPlatform({ dagsFolder: dags, home, port: 0, adminPassword: PASSWORD, version: 'test', tickSeconds: 1, log: () => undefined, consoleDir: null, shutdownGraceSeconds: 0 });
    try {
      const token = (await call(platform, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: PASSWORD } })).json.access_token as string;
      expect((await call(platform, 'POST', '/api/v1/dags/slow_dag/dagRuns', { token, body: { dag_run_id: 'interrupted' } })).status).toBe(200);
      for (let i = 0; i < 40; i++) {
        const ti = (await call(platform, 'GET', '/api/v1/dags/slow_dag/dagRuns/interrupted/taskInstances/slow', { token })).json;
        if (ti.state === 'running') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await platform.close();
    }
    platform = await startPlatform({ dagsFolder: dags, home, port: 0, adminPassword: PASSWORD, version: 'test', tickSeconds: 1, log: () => undefined, consoleDir: null });
    try {
      const token = (await call(platform, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: PASSWORD } })).json.access_token as string;
      let run: { state: string } = { state: '' };
      for (let i = 0; i < 80 && run.state !== 'success' && run.state !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 250));
        run = (await call(platform, 'GET', '/api/v1/dags/slow_dag/dagRuns/interrupted', { token })).json;
      }
      expect(run.state).toBe('success');
      const ti = (await call(platform, 'GET', '/api/v1/dags/slow_dag/dagRuns/interrupted/taskInstances/slow', { token })).json;
      expect(ti).toMatchObject({ state: 'success', try_number: 2 });
    } finally {
      await platform.close();
    }
  }, 60_000);

  it('reads the DAG files again when a config file or module they use changes (the watcher, not the periodic rescan)', async () => {
    const folder = join(home, 'config-dags');
    mkdirSync(folder);
    writeFileSync(join(folder, 'tables.json'), '["orders"]');
    writeFileSync(
      join(folder, 'from_config.py'),
      'import json, os\nfrom datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\n' +
        'TABLES = json.load(open(os.path.join(os.path.dirname(__file__), "tables.json")))\n' +
        'with DAG("from_config", start_date=datetime(2024, 1, 1), schedule=None):\n    for t in TABLES:\n        EmptyOperator(task_id=t)\n',
    );
    const platform = await startPlatform({ dagsFolder: folder, home: join(home, 'config-state'), port: 0, adminPassword: PASSWORD, version: 'test', tickSeconds: 1, rescanSeconds: 3600, log: () => undefined, consoleDir: null });
    try {
      const token = (await call(platform, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: PASSWORD } })).json.access_token as string;
      const tasks = async () => (await call(platform, 'GET', '/api/v1/dags/from_config/tasks', { token })).json.tasks.map((t: { task_id: string }) => t.task_id);
      expect(await tasks()).toEqual(['orders']);
      writeFileSync(join(folder, 'tables.json'), '["orders", "users"]');
      let now: string[] = [];
      for (let i = 0; i < 60 && now.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 250));
        now = await tasks();
      }
      expect(now).toEqual(['orders', 'users']);
    } finally {
      await platform.close();
    }
  }, 60_000);
});

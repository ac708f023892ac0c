/**
 * Secrets masking in the runtime, beyond what a task's own output shows (the platform-level probe is
 * test/security/secrets-masking.test.ts): callbacks, secrets registered with `mask_secret`, a conf
 * with sensitive keys handed to a child DAG, and XComs passed between tasks — masked wherever they are
 * shown or stored, while the tasks themselves still receive the real values.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { createLocalRuntime } from '../../local/engine/wiring.js';
import { EnvConnectionStore, EnvVariableStore } from '../../local/stores/env-secrets.js';
import { runDag, scan, statesAndTries, TempDirs, tryLog } from './support.js';

const DB_PASSWORD = 'Db-Pa55w0rd-e2e';
const CONN_PASSWORD = 'Conn-Pa55-e2e';
const CUSTOM = 'Custom-Masked-Value-9';
const CONF_KEY = 'Conf-Api-Key-e2e';
const ALL = [DB_PASSWORD, CONN_PASSWORD, CUSTOM, CONF_KEY];

const DAGS = `
from datetime import datetime

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator
from airflow.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.utils.log.secrets_masker import mask_secret, redact


def announce_failure(context):
    print("callback saw", Variable.get("db_password"), "after", context["exception"])


def fail_loudly():
    raise ValueError("wrong password " + Variable.get("db_password"))


def custom_secret():
    mask_secret("${CUSTOM}")
    print("custom:", "${CUSTOM}")
    print("redacted:", redact({"password": "short", "other": "${CUSTOM}"}))
    return {"nested": ["${CUSTOM}"]}


def use_conf(dag_run):
    if dag_run.conf["api_key"] != "${CONF_KEY}":
        raise ValueError("the child did not receive the real conf")
    print("child got", dag_run.conf["api_key"])


with DAG("secret_callbacks", start_date=datetime(2024, 1, 1), schedule=None) as callbacks:
    PythonOperator(task_id="fail_loudly", python_callable=fail_loudly, on_failure_callback=announce_failure)
    PythonOperator(task_id="custom_secret", python_callable=custom_secret)

with DAG("secret_parent", start_date=datetime(2024, 1, 1), schedule=None) as parent:
    TriggerDagRunOperator(
        task_id="trigger",
        trigger_dag_id="secret_child",
        trigger_run_id="child_of_{{ run_id }}",
        conf={"api_key": "{{ dag_run.conf.api_key }}", "password_hint": "{{ conn.my_conn.password }}"},
        wait_for_completion=True,
        poke_interval=1,
    )

with DAG("secret_child", start_date=datetime(2024, 1, 1), schedule=None) as child:
    PythonOperator(task_id="use_conf", python_callable=use_conf)
    BashOperator(task_id="echo_conf", bash_command="echo key={{ dag_run.conf.api_key }} hint={{ dag_run.conf.password_hint }}")
`;

const temp = new TempDirs();
let runtime: LocalRuntime;

beforeAll(() => {
  const folder = temp.make('skydag-secrets-dags-');
  writeFileSync(join(folder, 'secret_dags.py'), DAGS);
  const env = { AIRFLOW_VAR_DB_PASSWORD: DB_PASSWORD, AIRFLOW_CONN_MY_CONN: `postgres://app:${CONN_PASSWORD}@db.example.com:5432/app` };
  runtime = createLocalRuntime({ dagsFolder: folder, home: temp.make('skydag-secrets-home-'), variables: new EnvVariableStore(env), connections: new EnvConnectionStore(env) });
  for (const { dag } of scan(folder).dags.values()) runtime.register(dag);
});
afterAll(() => {
  runtime.close();
  temp.cleanup();
});

const shown = (text: string) => ALL.filter((secret) => text.includes(secret));

describe('secrets in what the runtime leaves behind', () => {
  it('failure messages and callbacks are masked; mask_secret masks a value in the log and in the XCom', async () => {
    const { run, tasks } = await runDag(runtime, 'secret_callbacks');
    expect(statesAndTries(tasks)).toEqual({ fail_loudly: ['failed', 1], custom_secret: ['success', 1] });
    const failed = await tryLog(runtime, run, 'fail_loudly', 1);
    expect(failed).toContain('ValueError: wrong password ***');
    expect(failed).toContain('callback saw *** after ValueError: wrong password ***');
    const custom = await tryLog(runtime, run, 'custom_secret', 1);
    expect(custom).toContain('custom: ***');
    expect(custom).toContain("redacted: {'password': '***', 'other': '***'}");
    expect(tasks.custom_secret!.xcom).toEqual({ return_value: { nested: ['***'] } });
    expect(shown(failed + custom + JSON.stringify(tasks))).toEqual([]);
  });

  it('a conf with sensitive keys is stored masked and sealed; the child run receives the real values, its log shows ***', async () => {
    const { run, tasks } = await runDag(runtime, 'secret_parent', { runId: 'parent_1', conf: { api_key: CONF_KEY, region: 'eu' } });
    expect(statesAndTries(tasks)).toEqual({ trigger: ['success', 1] });
    expect(run.conf).toEqual({ api_key: '***', region: 'eu' });
    expect(run.sealed_conf).toMatch(/^enc:v1:/);
    const stored = (await runtime.store.getDagRun('secret_child', 'child_of_parent_1'))!;
    expect(stored).toMatchObject({ state: 'success', conf: { api_key: '***', password_hint: '***' } });
    expect(stored.sealed_conf).toMatch(/^enc:v1:/);
    expect(await tryLog(runtime, stored, 'use_conf', 1)).toContain('child got ***');
    expect(await tryLog(runtime, stored, 'echo_conf', 1)).toContain('key=*** hint=***');
    const echo = (await runtime.store.getTaskInstance('secret_child', 'child_of_parent_1', 'echo_conf'))!;
    expect(echo.rendered_fields).toEqual({ bash_command: 'echo key=*** hint=***' });
    const parentLog = await tryLog(runtime, run, 'trigger', 1);
    expect(parentLog).toContain('with conf {"api_key":"***","password_hint":"***"}');
    expect(shown(parentLog + JSON.stringify(stored) + JSON.stringify(run))).toEqual([]);
  });
});

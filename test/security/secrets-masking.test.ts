/**
 * The "secret echo" probe, replayed on the real local platform (`skydag dev`): a variable whose key
 * looks sensitive, a connection with a password and a sensitive extra, and a trigger conf with an
 * `api_key` are echoed by bash and python tasks, printed split across output chunks, in their repr
 * and JSON forms, line by line, returned as XCom and put into an exception. Everything the API shows
 * (logs, rendered fields, XCom, task instances, the audit log) must carry `***` instead, and no file
 * under $SKYDAG_HOME (task logs, the embedded store's files, blobs, the alert outbox) nor any item of
 * the store may hold a plain value: only the encrypted records do.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startPlatform } from '../../local/platform/platform.js';
import { DEFAULT_TABLE_NAME, startEmbeddedDynamoDB } from '../../local/stores/embedded-dynamodb.js';
import { call, type Json } from '../helpers/platform-client.js';

const ADMIN_PASSWORD = 'secrets-probe-Adm1n-pw';
const DB_PASSWORD = 'Db-Pa55w0rd-7f3k';
const CONN_PASSWORD = 'Conn-Pa55-q9zx';
const EXTRA_TOKEN = 'Extra-Tok-55aa';
const CONF_API_KEY = 'Conf-Key-8h2m';
/** Printed by Python in its repr and JSON forms, which escape the quotes and the backslash. */
const TRICKY_TOKEN = 'Tr1cky"Tok\'en\\x';
const KEY_LINES = ['Line1Abc123SecretPart', 'Line2Def456SecretPart'];
const PRIVATE_KEY = ['-----BEGIN TEST KEY-----', ...KEY_LINES, '-----END TEST KEY-----'].join('\n');

/** Every value that must never be shown, and the escaped forms a JSON or Python repr would give it. */
const PLAIN = [DB_PASSWORD, CONN_PASSWORD, EXTRA_TOKEN, CONF_API_KEY, TRICKY_TOKEN, ...KEY_LINES];
const FORMS = [...PLAIN, JSON.stringify(TRICKY_TOKEN).slice(1, -1), "Tr1cky\"Tok\\'en\\\\x", 'Tr1cky"Tok'];

const DAG_FILE = `
from datetime import datetime
import json
import sys
import time

from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def print_secret():
    value = Variable.get("db_password")
    print("plain:", value)
    half = len(value) // 2
    sys.stdout.write("split:" + value[:half])
    sys.stdout.flush()
    time.sleep(0.3)
    sys.stdout.write(value[half:] + "\\n")
    sys.stdout.flush()
    tricky = Variable.get("service_token")
    print("repr:", repr({"v": tricky}))
    print("json:", json.dumps({"v": tricky}))
    for line in Variable.get("ssh_private_key").splitlines():
        print("key>", line)
    return value


def check_xcom(ti):
    pulled = ti.xcom_pull(task_ids="print_secret")
    if pulled != Variable.get("db_password"):
        raise ValueError("the XCom lost its value: %r" % (pulled,))
    print("pulled:", pulled)
    return "match"


def fail_with_secret():
    conn = BaseHook.get_connection("my_conn")
    raise ValueError("could not log in with " + conn.password + " at " + conn.get_uri())


with DAG("secret_echo", start_date=datetime(2024, 1, 1), schedule=None, is_paused_upon_creation=False) as dag:
    echo = BashOperator(
        task_id="echo_secrets",
        bash_command="echo var={{ var.value.db_password }} conn={{ conn.my_conn.password }} "
        "extra={{ conn.my_conn.extra_dejson.api_token }} conf={{ dag_run.conf.api_key }}",
    )
    printer = PythonOperator(task_id="print_secret", python_callable=print_secret)
    checker = PythonOperator(task_id="check_xcom", python_callable=check_xcom)
    pulled = BashOperator(task_id="echo_pulled", bash_command="echo pulled={{ ti.xcom_pull(task_ids='print_secret') }}")
    boom = PythonOperator(
        task_id="fail_with_secret",
        python_callable=fail_with_secret,
        retries=0,
        email=["ops@example.com"],
        email_on_failure=True,
    )
    printer >> [checker, pulled]
`;


/** The secret forms a text shows (an empty list is the safe outcome). */
function leaks(text: string): string[] {
  return FORMS.filter((form) => text.includes(form));
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('secrets are masked everywhere (the secret echo probe)', () => {
  let root: string;
  let home: string;
  let dags: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'skydag-secrets-'));
    home = join(root, 'home');
    dags = join(root, 'dags');
    mkdirSync(dags);
    writeFileSync(join(dags, 'secret_echo.py'), DAG_FILE);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('shows *** in logs, rendered fields, XCom, task instances and the audit log, and keeps no plain copy on disk', async () => {
    // The embedded store the platform would open itself, opened here so that its items can be read
    // back after the platform stopped (its files may be compressed, so a search of them is not enough).
    const db = await startEmbeddedDynamoDB({ home });
    try {
      const platform = await startPlatform({ dagsFolder: dags, home, port: 0, adminPassword: ADMIN_PASSWORD, version: 'test', tickSeconds: 1, log: () => undefined, store: db.store });
      const seen: string[] = [];
      const get = async (token: string, path: string) => {
        const res = await call(platform, 'GET', path, { token });
        expect(res.status).toBe(200);
        seen.push(res.text);
        return res.json;
      };
      const run = '/api/v1/dags/secret_echo/dagRuns/probe';
      try {
        const token = (await call(platform, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } })).json.access_token as string;
        for (const [key, value] of [['db_password', DB_PASSWORD], ['service_token', TRICKY_TOKEN], ['ssh_private_key', PRIVATE_KEY]]) {
          expect((await call(platform, 'POST', '/api/v1/variables', { token, body: { key, value } })).status).toBe(200);
        }
        const connection = { connection_id: 'my_conn', conn_type: 'postgres', host: 'db.example.com', login: 'app', password: CONN_PASSWORD, extra: JSON.stringify({ api_token: EXTRA_TOKEN, region: 'eu' }) };
        expect((await call(platform, 'POST', '/api/v1/connections', { token, body: connection })).status).toBe(200);
        expect((await call(platform, 'POST', '/api/v1/dags/secret_echo/dagRuns', { token, body: { dag_run_id: 'probe', conf: { api_key: CONF_API_KEY, region: 'eu' } } })).status).toBe(200);

        let state = '';
        for (let i = 0; i < 240 && state !== 'success' && state !== 'failed'; i++) {
          await new Promise((r) => setTimeout(r, 250));
          state = (await call(platform, 'GET', run, { token })).json.state;
        }
        const tis = await get(token, `${run}/taskInstances`);
        const states = Object.fromEntries(tis.task_instances.map((t: Json) => [t.task_id, t.state]));
        expect(states).toEqual({ echo_secrets: 'success', print_secret: 'success', check_xcom: 'success', echo_pulled: 'success', fail_with_secret: 'failed' });
        expect(state).toBe('failed');

        const logOf = async (task: string) => (await get(token, `${run}/taskInstances/${task}/logs/1`)).content as string;
        expect(await logOf('echo_secrets')).toContain('var=*** conn=*** extra=*** conf=***');
        const printed = await logOf('print_secret');
        expect(printed).toContain('plain: ***');
        expect(printed).toContain('split:***');
        expect(printed).toContain("repr: {'v': '***'}");
        expect(printed).toContain('json: {"v": "***"}');
        expect(printed).toContain('key> ***');
        expect(await logOf('check_xcom')).toContain('pulled: ***');
        expect(await logOf('echo_pulled')).toContain('pulled=***');
        const failed = await logOf('fail_with_secret');
        expect(failed).toContain('could not log in with ***');

        const echoTi = await get(token, `${run}/taskInstances/echo_secrets`);
        expect(echoTi.rendered_fields.bash_command).toBe('echo var=*** conn=*** extra=*** conf=***');
        expect((await get(token, `${run}/taskInstances/echo_pulled`)).rendered_fields.bash_command).toBe('echo pulled=***');
        await get(token, `${run}/taskInstances/fail_with_secret`);
        await get(token, run);

        const xcom = await get(token, `${run}/taskInstances/print_secret/xcomEntries/return_value`);
        expect(xcom.value_json).toBe('***');
        expect((await get(token, `${run}/taskInstances/echo_secrets/xcomEntries/return_value`)).value_json).toBe('var=*** conn=*** extra=*** conf=***');
        expect((await get(token, `${run}/taskInstances/check_xcom/xcomEntries/return_value`)).value_json).toBe('match');
        await get(token, '/api/v1/dags/~/dagRuns/~/taskInstances/~/xcomEntries');

        const audit = await get(token, '/api/v1/eventLogs?limit=100');
        expect(audit.event_logs.length).toBeGreaterThanOrEqual(6);
        await get(token, '/api/v1/variables');
        await get(token, '/api/v1/connections/my_conn');

        expect(seen.flatMap(leaks)).toEqual([]);
      } finally {
        await platform.close();
      }

      // At rest: no item of the store holds a plain value (variables and connections are encrypted) ...
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.client.send(new ScanCommand({ TableName: DEFAULT_TABLE_NAME, ExclusiveStartKey: start }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      expect(items.length).toBeGreaterThan(10);
      expect(stringsIn(items).flatMap(leaks)).toEqual([]);
    } finally {
      await db.close();
    }
    // ... nor any file under $SKYDAG_HOME: task logs, the store's files, blobs, the alert outbox.
    const files = filesUnder(home);
    expect(files.some((f) => f.includes(join(home, 'logs')))).toBe(true);
    expect(files.some((f) => f.includes(join(home, 'outbox')))).toBe(true);
    expect(files.some((f) => f.includes(join(home, 'dynamodb')))).toBe(true);
    const onDisk = files.flatMap((f) => leaks(readFileSync(f).toString('latin1')).map((form) => `${form} in ${f}`));
    expect(onDisk).toEqual([]);
  }, 120_000);
});

/**
 * Provider operators and hooks end to end (test/fixtures/e2e/providers.py): SQL against a SQLite
 * file named by a skydag connection, HttpHook against a local HTTP server, with the states and XComs
 * Airflow 2.10 gives them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { EnvConnectionStore } from '../../local/stores/env-secrets.js';
import { E2E_DAGS, e2eRuntime, runDag, statesAndTries, TempDirs, tryLog, type E2eRun } from './support.js';

const temp = new TempDirs();
let runtime: LocalRuntime;
let result: E2eRun;
let http: E2eRun;
let server: Server;

/** Echoes the method, path, query, the X-Test header, the authorization and the body as JSON; 404 for /missing. */
function echoServer(): Promise<number> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/missing') {
        res.writeHead(404, 'Not Found').end('no such thing');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), test: req.headers['x-test'] ?? null, auth: req.headers.authorization ?? null, body }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  const port = await echoServer();
  const connections = new EnvConnectionStore({});
  const db = path.join(temp.make('skydag-e2e-sql-'), 'sales.db');
  connections.add({ conn_id: 'local_sqlite', conn_type: 'sqlite', host: db, schema: null, login: null, password: null, port: null, extra: {} });
  connections.add({ conn_id: 'local_http', conn_type: 'http', host: '127.0.0.1', schema: null, login: 'ann', password: 'pw', port, extra: {} });
  connections.add({ conn_id: 'not_a_db', conn_type: 'http', host: 'example.com', schema: null, login: null, password: null, port: null, extra: {} });
  runtime = e2eRuntime(temp, E2E_DAGS, { connections });
  result = await runDag(runtime, 'e2e_sql', { logicalDate: new Date('2024-03-05T00:00:00Z') });
  http = await runDag(runtime, 'e2e_http_hook', { logicalDate: new Date('2024-03-05T00:00:00Z') });
}, 120_000);
afterAll(() => {
  server.close();
  runtime.close();
  temp.cleanup();
});

describe('SQL providers (e2e_sql)', () => {
  it('ends each task as Airflow does', () => {
    expect(statesAndTries(result.tasks)).toEqual({
      create: ['success', 1],
      report: ['success', 1],
      totals: ['success', 1],
      split: ['success', 1],
      with_params: ['success', 1],
      silent: ['success', 1],
      via_hook: ['success', 1],
      not_a_db: ['failed', 1],
    });
  });

  it('pushes the rows of the last statement, rendered from templates and .sql files beside the DAG file', () => {
    expect(result.tasks.create!.xcom).toEqual({ return_value: [null, null] }); // a list of statements: each one's result (no rows)
    expect(result.tasks.report!.xcom).toEqual({ return_value: [['2024-03-05', 'eu', 5]] });
    expect(result.tasks.totals!.xcom).toEqual({ return_value: [[11]] });
    expect(result.tasks.with_params!.xcom).toEqual({ return_value: [['eu', 5], ['eu', 11]] });
    expect(result.tasks.silent!.xcom).toEqual({});
  });

  it('with split_statements and return_last=False, pushes the rows of each statement', () => {
    expect(result.tasks.split!.xcom).toEqual({ return_value: [[[1]], [['a;b']]] });
  });

  it('SqliteHook works from a Python task', () => {
    expect(result.tasks.via_hook!.xcom).toEqual({ return_value: { first: [3], records: [['eu'], ['us']] } });
  });

  it('logs the statements, and names the supported connection types for another', async () => {
    expect(await tryLog(runtime, result.run, 'totals', 1)).toContain('Operator output is: [(11,)]');
    expect(await tryLog(runtime, result.run, 'not_a_db', 1)).toContain("skydag runs SQL on sqlite and postgres connections; connection 'not_a_db' has type 'http'");
  });
});

describe('HttpHook (e2e_http_hook)', () => {
  const basic = `Basic ${Buffer.from('ann:pw').toString('base64')}`;

  it('sends GET data as the query and other methods as the body, with the connection\'s basic auth', () => {
    expect(statesAndTries(http.tasks)).toEqual({ get_json: ['success', 1], post_form: ['success', 1], not_found: ['failed', 1] });
    expect(http.tasks.get_json!.xcom.return_value).toEqual({ method: 'GET', path: '/echo', query: { day: '2024-03-05' }, test: 'yes', auth: basic, body: '' });
    expect(http.tasks.post_form!.xcom.return_value).toEqual({ method: 'POST', path: '/echo', query: {}, test: null, auth: basic, body: 'a=1' });
  });

  it('fails on an error status with the status and reason', async () => {
    expect(await tryLog(runtime, http.run, 'not_found', 1)).toContain('AirflowException: 404:Not Found');
  });
});

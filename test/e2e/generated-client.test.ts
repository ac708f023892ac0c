/**
 * An unmodified client generated from the served OpenAPI document drives the platform: types from
 * GET /api/v1/openapi.json by openapi-typescript, and a small client written against them with plain
 * fetch — sign in, trigger a run, poll it to the end, read each task's log. The client is type-checked
 * with the TypeScript compiler against the generated file (so a route whose answer the document does
 * not describe fails here), then run as a separate Node process against the platform this test runs.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { startPlatform, type Platform } from '../../local/platform/platform.js';
import { TempDirs } from './support.js';

const DAG = [
  'from datetime import datetime',
  'from airflow import DAG',
  'from airflow.operators.bash import BashOperator',
  'with DAG("client_hello", start_date=datetime(2024, 1, 1), schedule=None) as dag:',
  '    greet = BashOperator(task_id="greet", bash_command="echo hello {{ dag_run.conf[\'who\'] }}")',
  '    done = BashOperator(task_id="done", bash_command="echo done")',
  '    greet >> done',
  '',
].join('\n');

/** Written by a user against the generated types only: no skydag import, no hand-written response types. */
const CLIENT = `
import type { paths } from './api';

type Login = paths['/api/v1/auth/login']['post'];
type Trigger = paths['/api/v1/dags/{dag_id}/dagRuns']['post'];
type GetRun = paths['/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}']['get'];
type ListTis = paths['/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances']['get'];
type GetLog = paths['/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{task_try_number}']['get'];
type Ok<O extends { responses: { '2XX': { content: { 'application/json': unknown } } } }> = O['responses']['2XX']['content']['application/json'];

async function send<O extends { responses: { '2XX': { content: { 'application/json': unknown } } } }>(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Ok<O>> {
  const response = await fetch(base + path, {
    method,
    headers: { accept: 'application/json', ...(token ? { authorization: 'Bearer ' + token } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(method + ' ' + path + ' → ' + response.status + ' ' + (await response.text()));
  return (await response.json()) as Ok<O>;
}

export async function drive(base: string, username: string, password: string) {
  const credentials: Login['requestBody']['content']['application/json'] = { username, password };
  const { access_token: token, token_type } = await send<Login>(base, 'POST', '/api/v1/auth/login', undefined, credentials);
  const trigger: Trigger['requestBody']['content']['application/json'] = { dag_run_id: 'client_1', conf: { who: 'client' } };
  let run = await send<Trigger>(base, 'POST', '/api/v1/dags/client_hello/dagRuns', token, trigger);
  const states: string[] = [run.state];
  while (run.state === 'queued' || run.state === 'running') {
    await new Promise((done) => setTimeout(done, 200));
    run = await send<GetRun>(base, 'GET', '/api/v1/dags/client_hello/dagRuns/' + encodeURIComponent(run.dag_run_id), token);
    if (states[states.length - 1] !== run.state) states.push(run.state);
  }
  const finished: 'success' | 'failed' = run.state;
  const { task_instances } = await send<ListTis>(base, 'GET', '/api/v1/dags/client_hello/dagRuns/client_1/taskInstances', token);
  const logs: Record<string, string> = {};
  for (const ti of task_instances) {
    const log = await send<GetLog>(base, 'GET', '/api/v1/dags/client_hello/dagRuns/client_1/taskInstances/' + ti.task_id + '/logs/' + ti.try_number, token);
    logs[ti.task_id] = log.content;
  }
  return { token_type, finished, states, tasks: task_instances.map((ti) => [ti.task_id, ti.state, ti.try_number]), logs };
}

declare const process: { argv: string[]; exit(code: number): never };
const [base, username, password] = process.argv.slice(2) as [string, string, string];
drive(base, username, password).then(
  (result) => console.log(JSON.stringify(result)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
`;

const ADMIN_PASSWORD = 'generated-client-password-1';
const GENERATOR = join(__dirname, '../../node_modules/openapi-typescript/bin/cli.js');

function runNode(file: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [file, ...args], { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout, err: stderr });
    });
  });
}

describe('a client generated from the OpenAPI document', () => {
  const temp = new TempDirs();
  let platform: Platform;
  let dir: string;
  beforeAll(async () => {
    const dags = temp.make('skydag-client-dags-');
    writeFileSync(join(dags, 'client_hello.py'), DAG);
    dir = temp.make('skydag-client-');
    mkdirSync(join(dir, 'src'));
    platform = await startPlatform({ dagsFolder: dags, home: temp.make('skydag-client-home-'), port: 0, consoleDir: null, version: 'client-test', adminPassword: ADMIN_PASSWORD, pausedAtCreation: false, tickSeconds: 1, log: () => undefined });
  });
  afterAll(async () => {
    await platform?.close();
    temp.cleanup();
  });

  it('type-checks against the generated types and drives trigger → poll → logs', async () => {
    // The generator's own command line (its ESM dependencies do not load under jest's CommonJS).
    writeFileSync(join(dir, 'openapi.json'), await (await fetch(`${platform.url}/api/v1/openapi.json`)).text());
    const generated = await runNode(GENERATOR, [join(dir, 'openapi.json'), '--output', join(dir, 'src/api.ts')]);
    expect(generated.code).toBe(0);
    const clientTs = join(dir, 'src/client.ts');
    writeFileSync(clientTs, CLIENT);

    const program = ts.createProgram([clientTs], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      skipLibCheck: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? `${d.file.fileName.slice(dir.length)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).toEqual([]);

    // Types are erased: what runs is the client's own code with plain fetch.
    const clientJs = join(dir, 'client.mjs');
    writeFileSync(clientJs, ts.transpileModule(CLIENT, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
    const { code, out, err } = await runNode(clientJs, [platform.url, 'admin', ADMIN_PASSWORD]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as { token_type: string; finished: string; states: string[]; tasks: [string, string, number][]; logs: Record<string, string> };
    expect(result.token_type).toBe('Bearer');
    expect(result.finished).toBe('success');
    expect(result.states[result.states.length - 1]).toBe('success');
    expect(Object.fromEntries(result.tasks.map(([id, state, tries]) => [id, [state, tries]]))).toEqual({ greet: ['success', 1], done: ['success', 1] });
    expect(result.logs.greet).toContain('hello client');
    expect(result.logs.done).toContain('done');
  }, 180_000);
});

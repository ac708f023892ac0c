/**
 * Test fixtures for the API: an in-memory store seeded with one user per role, a DAG `etl`
 * (extract >> transform >> load) with a finished run, logs and XComs, recording fakes for every port,
 * and a request builder. Used by shared/api/**\/*.test.ts and local/http tests only.
 */
import { randomBytes } from 'node:crypto';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { makeDag, makeTask } from '../../test/helpers/model.js';
import type { DagRecord, DagRunRecord, RoleName, TaskInstanceRecord } from '../model/records.js';
import type { Dag } from '../model/schema.js';
import { newTaskInstances } from '../runtime/handlers/launch.js';
import { startQueuedRuns } from '../scheduling/scheduler.js';
import { createApi, type Api, type ApiConfig } from './api.js';
import { hashPassword } from './auth/passwords.js';
import type { ApiRequest, ApiResponse } from './http.js';
import { createStoreRunLauncher, type DagFileSink, type RunController, type TaskLogReader } from './ports.js';
import { OpenApiConformance } from './openapi-conformance.js';
import type { Router } from './router.js';
import { AesGcmCipher } from './secrets/cipher.js';

export const PASSWORD = 'correct-horse-battery';
export const USERS: Readonly<Record<RoleName, string>> = { Public: 'public_user', Viewer: 'viewer', User: 'user', Op: 'op', Admin: 'admin' };
export const T0 = new Date('2024-06-01T12:00:00.000Z');
export const RUN_ID = 'scheduled__2024-05-31T00:00:00+00:00';
export const RUN_DATE = '2024-05-31T00:00:00.000Z';

let sharedHash: Promise<string> | undefined;
/** One scrypt hash of PASSWORD shared by every seeded user (hashing is the slow part of seeding). */
export function passwordHash(): Promise<string> {
  sharedHash ??= hashPassword(PASSWORD);
  return sharedHash;
}

export class FakeClock {
  constructor(private now: Date = T0) {}
  readonly fn = (): Date => new Date(this.now);
  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }
}

export class RecordingController implements RunController {
  readonly calls: { kind: 'restart' | 'stop' | 'tasksChanged'; runId: string; taskIds?: readonly string[] }[] = [];
  async restart(run: DagRunRecord) {
    this.calls.push({ kind: 'restart', runId: run.run_id });
  }
  async stop(run: DagRunRecord) {
    this.calls.push({ kind: 'stop', runId: run.run_id });
  }
  async tasksChanged(run: DagRunRecord, taskIds: readonly string[]) {
    this.calls.push({ kind: 'tasksChanged', runId: run.run_id, taskIds });
  }
}

export class MemoryLogs implements TaskLogReader {
  readonly logs = new Map<string, string>();
  set(dagId: string, runId: string, taskId: string, tryNumber: number, text: string, mapIndex = -1) {
    this.logs.set([dagId, runId, taskId, tryNumber, mapIndex].join('|'), text);
  }
  async read(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1) {
    return this.logs.get([dagId, runId, taskId, tryNumber, mapIndex].join('|'));
  }
}

export class MemoryDagFiles implements DagFileSink {
  readonly files = new Map<string, string>();
  async write(filename: string, content: string) {
    this.files.set(filename, content);
  }
  async remove(filename: string) {
    return this.files.delete(filename);
  }
  async read(filename: string) {
    return this.files.get(filename);
  }
  /** The files asked to be read again, in order. */
  readonly rereads: string[] = [];
  async reread(filename: string) {
    this.rereads.push(filename);
  }
}

export function etlModel(overrides: Partial<Dag> = {}): Dag {
  return makeDag(
    'etl',
    [makeTask('extract', { retries: 2 }), makeTask('transform', { pool: 'etl_pool' }), makeTask('load')],
    [
      ['extract', 'transform'],
      ['transform', 'load'],
    ],
    { tags: ['finance', 'daily'], schedule: { type: 'cron', cron: '0 0 * * *', preset: '@daily' }, description: 'Nightly ETL', ...overrides },
  );
}

export function dagRecord(model: Dag, overrides: Partial<DagRecord> = {}): DagRecord {
  return {
    dag_id: model.dag_id,
    fileloc: `${model.dag_id}.py`,
    is_paused: false,
    is_active: true,
    current_version: `v-${model.dag_id}`,
    description: model.description,
    schedule: model.schedule,
    schedule_description: model.schedule.type === 'cron' ? 'At 00:00' : null,
    timezone: 'UTC',
    tags: model.tags,
    owners: ['airflow'],
    max_active_runs: 16,
    max_active_tasks: 16,
    catchup: true,
    start_date: model.start_date,
    end_date: null,
    last_parsed_time: T0.toISOString(),
    next_dagrun: null,
    next_dagrun_data_interval_start: null,
    next_dagrun_data_interval_end: null,
    ...overrides,
  };
}

export async function putDag(store: MemoryMetadataStore, model: Dag, overrides: Partial<DagRecord> = {}): Promise<DagRecord> {
  const record = dagRecord(model, overrides);
  await store.putDag(record);
  await store.putDagVersion({ dag_id: model.dag_id, version: record.current_version, created_at: T0.toISOString(), fileloc: record.fileloc, model });
  return record;
}

export function runRecord(dagId: string, runId: string, logicalDate: string, overrides: Partial<DagRunRecord> = {}): DagRunRecord {
  return {
    dag_id: dagId,
    run_id: runId,
    logical_date: logicalDate,
    data_interval_start: logicalDate,
    data_interval_end: logicalDate,
    run_type: 'scheduled',
    state: 'failed',
    external_trigger: false,
    conf: {},
    queued_at: logicalDate,
    start_date: logicalDate,
    end_date: logicalDate,
    dag_version: `v-${dagId}`,
    parent: null,
    note: null,
    ...overrides,
  };
}

/** Creates a run of `model` whose task instances have the given states (missing: no state). */
export async function putRun(
  store: MemoryMetadataStore,
  model: Dag,
  run: DagRunRecord,
  states: Record<string, Partial<TaskInstanceRecord>> = {},
): Promise<DagRunRecord> {
  const tis = newTaskInstances(model, run.run_id).map((ti) => ({ ...ti, ...states[ti.task_id] }));
  await store.createDagRun(run, tis);
  return run;
}

export interface Harness {
  api: Api;
  store: MemoryMetadataStore;
  clock: FakeClock;
  controller: RecordingController;
  logs: MemoryLogs;
  dagFiles: MemoryDagFiles;
  started: DagRunRecord[];
  model: Dag;
  tokens: Record<RoleName, string>;
  cipher: AesGcmCipher;
}

export async function createHarness(options: { seed?: boolean; config?: Partial<ApiConfig> } = {}): Promise<Harness> {
  const store = new MemoryMetadataStore();
  const clock = new FakeClock();
  const controller = new RecordingController();
  const logs = new MemoryLogs();
  const dagFiles = new MemoryDagFiles();
  const started: DagRunRecord[] = [];
  const cipher = new AesGcmCipher(randomBytes(32));
  const api = createApi({
    store,
    logs,
    launcher: createStoreRunLauncher(
      store,
      async ({ model }) => void (await startQueuedRuns({ store, now: clock.fn(), startRun: async (run) => void started.push(run) }, model)),
      clock.fn,
      cipher,
    ),
    controller,
    dagFiles,
    cipher,
    jwtSecret: randomBytes(32),
    clock: clock.fn,
    version: '0.1.0-test',
    logger: { error: () => undefined },
    ...options.config,
  });
  const hash = await passwordHash();
  for (const [role, username] of Object.entries(USERS) as [RoleName, string][]) {
    await store.putUser({
      username,
      email: `${username}@example.com`,
      first_name: role,
      last_name: 'Tester',
      password_hash: hash,
      roles: [role],
      active: true,
      created_on: T0.toISOString(),
      changed_on: T0.toISOString(),
      last_login: null,
    });
  }
  const tokens = {} as Record<RoleName, string>;
  for (const [role, username] of Object.entries(USERS) as [RoleName, string][]) tokens[role] = (await api.deps.tokens.issue(username, T0.toISOString())).access_token;
  const model = etlModel();
  if (options.seed !== false) {
    await putDag(store, model);
    await putRun(store, model, runRecord('etl', RUN_ID, RUN_DATE), {
      extract: { state: 'success', try_number: 1, start_date: RUN_DATE, end_date: RUN_DATE, duration: 3 },
      transform: { state: 'failed', try_number: 2, start_date: RUN_DATE, end_date: RUN_DATE, duration: 10 },
      load: { state: 'upstream_failed' },
    });
    await store.setXCom({ dag_id: 'etl', run_id: RUN_ID, task_id: 'extract', map_index: -1, key: 'return_value', value: { rows: 42, ok: true }, timestamp: RUN_DATE });
    logs.set('etl', RUN_ID, 'transform', 1, 'try 1 line 1\ntry 1 line 2\n');
    logs.set('etl', RUN_ID, 'transform', 2, 'try 2 failed\n');
  }
  return { api, store, clock, controller, logs, dagFiles, started, model, tokens, cipher };
}

export interface RequestOptions {
  body?: unknown;
  rawBody?: Buffer | string;
  headers?: Record<string, string>;
  token?: string;
  basic?: [string, string];
  sourceIp?: string;
}

export function request(method: string, pathWithQuery: string, options: RequestOptions = {}): ApiRequest {
  const [rawPath, rawQuery = ''] = pathWithQuery.split('?') as [string, string?];
  const headers: Record<string, string> = {};
  let body: Buffer | undefined;
  if (options.rawBody !== undefined) body = Buffer.isBuffer(options.rawBody) ? options.rawBody : Buffer.from(options.rawBody, 'utf8');
  else if (options.body !== undefined) {
    body = Buffer.from(JSON.stringify(options.body), 'utf8');
    headers['content-type'] = 'application/json';
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.basic) headers.authorization = `Basic ${Buffer.from(`${options.basic[0]}:${options.basic[1]}`).toString('base64')}`;
  Object.assign(headers, Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])));
  const query: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) (query[k] ??= []).push(v);
  return { method, rawPath, query, headers, cookies: [], body, sourceIp: options.sourceIp ?? '10.0.0.7', userAgent: 'jest', requestId: 'test-request' };
}

/** Calls the API and parses a JSON body (text bodies are returned as `text`). */
const conformance = new WeakMap<Router, OpenApiConformance>();

/** Every response of the API tests must fit the OpenAPI document generated from the route table. */
function checkAgainstOpenApi(h: Harness, method: string, path: string, response: ApiResponse): void {
  let checker = conformance.get(h.api.router);
  if (!checker) conformance.set(h.api.router, (checker = new OpenApiConformance(h.api.router)));
  const problem = checker.problemOf(method, path.split('?')[0]!, response);
  if (problem) throw new Error(problem);
}

export async function call(h: Harness, method: string, path: string, options: RequestOptions = {}) {
  const response: ApiResponse = await h.api.handle(request(method, path, options));
  checkAgainstOpenApi(h, method, path, response);
  const raw = response.body === undefined ? '' : response.body.toString();
  let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = raw ? JSON.parse(raw) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text: raw };
}

/**
 * Signs in a new user holding one new custom role with these Airflow (action, resource) pairs, e.g.
 * `['can_read', 'DAG:etl']`; returns the user's token.
 */
export async function signInWithRole(h: Harness, role: string, pairs: readonly (readonly [string, string])[]): Promise<string> {
  const actions = pairs.map(([action, resource]) => ({ action: { name: action }, resource: { name: resource } }));
  const created = await call(h, 'POST', '/api/v1/roles', { token: h.tokens.Admin, body: { name: role, actions } });
  if (created.status !== 200) throw new Error(`role ${role}: ${created.status} ${created.text}`);
  const username = `${role}_user`;
  const user = await call(h, 'POST', '/api/v1/users', { token: h.tokens.Admin, body: { username, email: `${username}@example.com`, password: PASSWORD, roles: [{ name: role }] } });
  if (user.status !== 200) throw new Error(`user ${username}: ${user.status} ${user.text}`);
  return (await call(h, 'POST', '/api/v1/auth/login', { body: { username, password: PASSWORD } })).json.access_token as string;
}

/**
 * Benchmark: REST API latency (p50/p99) of every listing with a large store, the DynamoDB adapter
 * on the embedded server, measured over HTTP on loopback. The seed: 1,000 DAGs; 90 of them with 10
 * runs of 100 tasks, and one busy DAG with 10,000 runs of one task (100,000 task instances in all);
 * 10,000 audit entries and 10,000 dataset events of 10 datasets (`scale: false` seeds a tenth of the
 * runs and events, for the default `npm run bench`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApi } from '../shared/api/api.js';
import { bootstrapAdmin } from '../shared/api/auth/users.js';
import { apiGatewayHandler } from '../shared/api/http.js';
import { createStoreRunLauncher } from '../shared/api/ports.js';
import { describeSchedule } from '../shared/model/build.js';
import type { DagRecord } from '../shared/model/records.js';
import { launchDagRun } from '../shared/runtime/handlers/launch.js';
import { createApiGatewayServer } from '../local/http/apigw-adapter.js';
import { loadLocalSecrets } from '../local/http/secret-key.js';
import { FileTaskLogs } from '../local/engine/file-logs.js';
import { startEmbeddedDynamoDB } from '../local/stores/embedded-dynamodb.js';
import type { DynamoMetadataStore } from '../shared/stores/dynamodb/dynamo-metadata-store.js';
import { makeDag, makeTask } from '../test/helpers/model.js';

export interface ApiBenchRow {
  request: string;
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export interface ApiBenchSeed {
  dags: number;
  taskInstances: number;
  busyDagRuns: number;
  auditEntries: number;
  datasetEvents: number;
  seedSeconds: number;
}

const BUSY_DAG = 'dag_busy';
const DATASETS = Array.from({ length: 10 }, (_, i) => `s3://bench/dataset_${i}`);

/** Runs `fn` over 0..count-1, `width` at a time. */
async function inParallel(count: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, count) }, async () => {
    while (next < count) await fn(next++);
  }));
}

interface SeedShape {
  dagCount: number;
  tasksPerRun: number;
  runDags: number;
  runsPerDag: number;
  busyRuns: number;
  auditEntries: number;
  datasetEvents: number;
}

/** Writes the bench's DAGs, runs, audit entries and dataset events, and the admin user. */
async function seedStore(store: DynamoMetadataStore, { dagCount, tasksPerRun, runDags, runsPerDag, busyRuns, auditEntries, datasetEvents }: SeedShape): Promise<void> {
  const tasks = Array.from({ length: tasksPerRun }, (_, i) => makeTask(`task_${i}`));
  const edges = tasks.slice(1).map((t, i): [string, string] => [`task_${i}`, t.task_id]);
  for (let d = 0; d < dagCount; d++) {
    const dagId = d === runDags ? BUSY_DAG : `dag_${String(d).padStart(4, '0')}`;
    // Every tenth DAG updates a dataset (the datasets listing reads which).
    const outlets = d % 10 === 0 ? { outlets: [{ uri: DATASETS[(d / 10) % DATASETS.length]! }] } : {};
    const model = makeDag(dagId, d < runDags ? structuredClone(tasks) : [makeTask('only', outlets)], d < runDags ? edges : [], { schedule: { type: 'cron', cron: '0 0 * * *', preset: '@daily' } });
    const record: DagRecord = {
      dag_id: model.dag_id, fileloc: `${model.dag_id}.py`, is_paused: false, is_active: true, current_version: 'v1', description: null,
      schedule: model.schedule, schedule_description: describeSchedule(model.schedule), timezone: 'UTC', tags: ['bench'], owners: ['bench'],
      max_active_runs: 16, max_active_tasks: 16, catchup: false, start_date: model.start_date, end_date: null,
      last_parsed_time: new Date().toISOString(), next_dagrun: null, next_dagrun_data_interval_start: null, next_dagrun_data_interval_end: null,
    };
    await store.putDagVersion({ dag_id: model.dag_id, version: 'v1', created_at: record.last_parsed_time, fileloc: record.fileloc, model });
    await store.putDag(record);
    if (d < runDags) {
      await Promise.all(
        Array.from({ length: runsPerDag }, (_, r) =>
          launchDagRun(store, model, { runType: 'scheduled', logicalDate: new Date(Date.UTC(2024, 0, 1 + r)), now: new Date(), dagVersion: 'v1' }),
        ),
      );
    }
    if (d === runDags) {
      // The busy DAG: hourly runs, oldest first.
      await inParallel(busyRuns, 32, (r) => launchDagRun(store, model, { runType: 'scheduled', logicalDate: new Date(Date.UTC(2020, 0, 1) + r * 3_600_000), now: new Date(), dagVersion: 'v1' }));
    }
  }
  const t0 = Date.UTC(2024, 5, 1);
  await inParallel(auditEntries, 32, (i) =>
    store.appendAuditLog({ event_log_id: `bench-${i}`, when: new Date(t0 + i * 1000).toISOString(), event: i % 2 ? 'dag.pause' : 'dag_run.create', owner: 'admin', dag_id: `dag_${String(i % dagCount).padStart(4, '0')}`, task_id: null, run_id: null, source_ip: '127.0.0.1', extra: null }),
  );
  await inParallel(datasetEvents, 32, (i) =>
    store.appendDatasetEvent({ id: (t0 + i * 1000) * 1000, uri: DATASETS[i % DATASETS.length]!, extra: {}, source_dag_id: null, source_task_id: null, source_run_id: null, source_map_index: -1, timestamp: new Date(t0 + i * 1000).toISOString() }),
  );
  await bootstrapAdmin(store, { password: 'bench-Passw0rd-long' });
}

/**
 * `store`: a state folder kept between runs (seeded once, when it has no seed marker; the seed takes
 * minutes at full scale), so a change to the store or the API is measured in seconds.
 */
export async function benchApi(options: { scale?: boolean; samples?: number; store?: string; only?: RegExp } = {}): Promise<{ rows: ApiBenchRow[]; seed: ApiBenchSeed }> {
  const scale = options.scale ?? true;
  const dagCount = 1000;
  const tasksPerRun = 100;
  const runDags = scale ? 90 : 9;
  const runsPerDag = 10;
  const busyRuns = scale ? 10_000 : 1000;
  const auditEntries = scale ? 10_000 : 1000;
  const datasetEvents = scale ? 10_000 : 1000;
  const samples = options.samples ?? 200;
  const home = options.store ?? mkdtempSync(join(tmpdir(), 'skydag-bench-api-'));
  const marker = join(home, `bench-seed-${scale ? 'scale' : 'default'}.json`);
  const kept = options.store !== undefined && existsSync(marker);
  const embedded = await startEmbeddedDynamoDB({ home });
  const store = embedded.store;
  try {
    const seedStart = Date.now();
    if (!kept) await seedStore(store, { dagCount, tasksPerRun, runDags, runsPerDag, busyRuns, auditEntries, datasetEvents });
    const seedSeconds = kept ? (JSON.parse(readFileSync(marker, 'utf8')) as { seedSeconds: number }).seedSeconds : Math.round((Date.now() - seedStart) / 100) / 10;
    if (options.store !== undefined && !kept) writeFileSync(marker, JSON.stringify({ seedSeconds }));

    const { cipher, jwtSecret } = loadLocalSecrets(home);
    const api = createApi({
      store,
      logs: new FileTaskLogs(join(home, 'logs')),
      launcher: createStoreRunLauncher(store, async () => undefined),
      controller: { restart: async () => undefined, stop: async () => undefined, tasksChanged: async () => undefined },
      dagFiles: { write: async () => undefined, remove: async () => false },
      cipher,
      jwtSecret,
      version: 'bench',
    });
    const server = createApiGatewayServer(apiGatewayHandler(api));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const login = (await (await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'bench-Passw0rd-long' }) })).json()) as { access_token: string };
      const headers = { authorization: `Bearer ${login.access_token}` };
      /** A GET of the path, or a POST of the body. */
      const measure = async (label: string, request: (i: number) => string | { path: string; body: unknown }): Promise<ApiBenchRow | undefined> => {
        if (options.only && !options.only.test(label)) return undefined;
        const times: number[] = [];
        for (let i = 0; i < samples + 10; i++) {
          const r = request(i);
          const init = typeof r === 'string' ? { headers } : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(r.body) };
          const t0 = process.hrtime.bigint();
          const response = await fetch(`${base}${typeof r === 'string' ? r : r.path}`, init);
          if (!response.ok) throw new Error(`${label}: HTTP ${response.status}`);
          await response.arrayBuffer();
          if (i >= 10) times.push(Number(process.hrtime.bigint() - t0) / 1e6); // the first 10 warm up
        }
        times.sort((a, b) => a - b);
        return { request: label, samples, p50Ms: Math.round(percentile(times, 50) * 10) / 10, p99Ms: Math.round(percentile(times, 99) * 10) / 10 };
      };
      const dagId = (i: number) => `dag_${String(i % runDags).padStart(4, '0')}`;
      const busyPage = (i: number) => `limit=100&offset=${(i * 100) % busyRuns}`;
      const measured = [
        await measure('GET /dags?limit=100', (i) => `/api/v1/dags?limit=100&offset=${(i * 100) % dagCount}`),
        await measure('GET /dags/{id}/dagRuns', (i) => `/api/v1/dags/${dagId(i)}/dagRuns?limit=100`),
        await measure(`GET /dags/{busy}/dagRuns (${busyRuns.toLocaleString('en')} runs)`, (i) => `/api/v1/dags/${BUSY_DAG}/dagRuns?${busyPage(i)}`),
        await measure('GET …/dagRuns/{run}/taskInstances', (i) => `/api/v1/dags/${dagId(i)}/dagRuns/scheduled__2024-01-0${(i % 9) + 1}T00:00:00+00:00/taskInstances?limit=100`),
        await measure('GET /dags/{id}/dagRuns/~/taskInstances', (i) => `/api/v1/dags/${dagId(i)}/dagRuns/~/taskInstances?limit=100&offset=${(i * 100) % 1000}`),
        await measure('GET /dags/{busy}/dagRuns/~/taskInstances', (i) => `/api/v1/dags/${BUSY_DAG}/dagRuns/~/taskInstances?${busyPage(i)}`),
        await measure('POST /dags/~/dagRuns/~/taskInstances/list', (i) => ({ path: '/api/v1/dags/~/dagRuns/~/taskInstances/list', body: { dag_ids: [dagId(i), BUSY_DAG], page_limit: 100, page_offset: (i * 100) % 1000 } })),
        await measure('GET /eventLogs?limit=100', (i) => `/api/v1/eventLogs?limit=100&offset=${(i * 100) % 1000}`),
        await measure('GET /eventLogs?dag_id={id}', (i) => `/api/v1/eventLogs?limit=100&dag_id=${dagId(i)}`),
        await measure('GET /airflowDatasets', () => '/api/v1/airflowDatasets?limit=100'),
        await measure('GET /datasets/events?limit=100', (i) => `/api/v1/datasets/events?limit=100&offset=${(i * 100) % 1000}`),
      ];
      const rows = measured.filter((row): row is ApiBenchRow => row !== undefined);
      const taskInstances = runDags * runsPerDag * tasksPerRun + busyRuns;
      return { rows, seed: { dags: dagCount, taskInstances, busyDagRuns: busyRuns, auditEntries, datasetEvents, seedSeconds } };
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  } finally {
    await embedded.close();
    if (options.store === undefined) rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Benchmark: REST API latency (p50/p99) with 1,000 DAGs and 100,000 task instances in the local
 * platform's store (the DynamoDB adapter on the embedded server), measured over HTTP on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
import { makeDag, makeTask } from '../test/helpers/model.js';

export interface ApiBenchRow {
  request: string;
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function benchApi(options: { dags?: number; runsPerDag?: number; tasksPerRun?: number; runDags?: number; samples?: number } = {}): Promise<{ rows: ApiBenchRow[]; seedSeconds: number; taskInstances: number }> {
  const dagCount = options.dags ?? 1000;
  const tasksPerRun = options.tasksPerRun ?? 100;
  const runDags = options.runDags ?? 100;
  const runsPerDag = options.runsPerDag ?? 10;
  const samples = options.samples ?? 200;
  const home = mkdtempSync(join(tmpdir(), 'skydag-bench-api-'));
  const embedded = await startEmbeddedDynamoDB({ home });
  const store = embedded.store;
  try {
    const seedStart = Date.now();
    const tasks = Array.from({ length: tasksPerRun }, (_, i) => makeTask(`task_${i}`));
    const edges = tasks.slice(1).map((t, i): [string, string] => [`task_${i}`, t.task_id]);
    for (let d = 0; d < dagCount; d++) {
      const model = makeDag(`dag_${String(d).padStart(4, '0')}`, d < runDags ? structuredClone(tasks) : [makeTask('only')], d < runDags ? edges : [], { schedule: { type: 'cron', cron: '0 0 * * *', preset: '@daily' } });
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
    }
    const seedSeconds = Math.round((Date.now() - seedStart) / 100) / 10;

    const { cipher, jwtSecret } = loadLocalSecrets(home);
    await bootstrapAdmin(store, { password: 'bench-Passw0rd-long' });
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
      const measure = async (label: string, path: (i: number) => string): Promise<ApiBenchRow> => {
        const times: number[] = [];
        for (let i = 0; i < samples + 10; i++) {
          const t0 = process.hrtime.bigint();
          const response = await fetch(`${base}${path(i)}`, { headers });
          if (!response.ok) throw new Error(`${label}: HTTP ${response.status}`);
          await response.arrayBuffer();
          if (i >= 10) times.push(Number(process.hrtime.bigint() - t0) / 1e6); // the first 10 warm up
        }
        times.sort((a, b) => a - b);
        return { request: label, samples, p50Ms: Math.round(percentile(times, 50) * 10) / 10, p99Ms: Math.round(percentile(times, 99) * 10) / 10 };
      };
      const dagId = (i: number) => `dag_${String(i % runDags).padStart(4, '0')}`;
      const rows = [
        await measure('GET /dags?limit=100', (i) => `/api/v1/dags?limit=100&offset=${(i * 100) % dagCount}`),
        await measure('GET /dags/{id}/dagRuns', (i) => `/api/v1/dags/${dagId(i)}/dagRuns?limit=100`),
        await measure('GET …/dagRuns/{run}/taskInstances', (i) => `/api/v1/dags/${dagId(i)}/dagRuns/scheduled__2024-01-0${(i % 9) + 1}T00:00:00+00:00/taskInstances?limit=100`),
      ];
      return { rows, seedSeconds, taskInstances: runDags * runsPerDag * tasksPerRun };
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  } finally {
    await embedded.close();
    rmSync(home, { recursive: true, force: true });
  }
}

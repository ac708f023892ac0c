/**
 * Memory soak of the local platform (issue 13): runs of a small DAG go through the running platform
 * (`skydag dev`'s composition: API, scheduler, engine, embedded store) one batch after another, and
 * the process's RSS and heap (after a full collection) are printed at checkpoints, with
 * V8's external memory and the thread count (a leaked worker thread shows there). A platform that
 * does not leak stays flat once warm: compare the checkpoints. `store` replaces the embedded DynamoDB
 * (e.g. with MemoryMetadataStore) to tell the store's memory from the rest of the platform's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startPlatform } from '../local/platform/platform.js';
import { call } from '../test/helpers/platform-client.js';
import type { MetadataStore } from '../shared/stores/metadata.js';

const PASSWORD = 'soak-Passw0rd-bench';
const DAG = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator

with DAG("soak", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    first = BashOperator(task_id="first", bash_command="true")
    second = EmptyOperator(task_id="second")
    first >> second
`;

export interface SoakRow {
  runs: number;
  rssMb: number;
  heapMb: number;
  seconds: number;
}

const smaps = () => { try { return readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n').filter((l) => /^(Anonymous|Rss|Private_Dirty):/.test(l)).map((l) => l.replace(/\s+/g, ' ')).join(', '); } catch { return ''; } };
/**
 * A full collection before each checkpoint, so RSS and heap show what the platform retains rather than
 * garbage V8 has not collected yet (without one, RSS tracks when V8 last grew its heap, not a leak).
 * `node --expose-gc` gives `gc`; else it is exposed here (a fresh context then sees the flag).
 */
function fullCollection(): () => void {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

export async function benchSoak(options: { runs?: number; checkpoints?: readonly number[]; batch?: number; store?: MetadataStore } = {}): Promise<SoakRow[]> {
  const runs = options.runs ?? 500;
  const checkpoints = new Set(options.checkpoints ?? [100, 250, 500].filter((c) => c <= runs).concat(runs));
  const batch = options.batch ?? 10;
  const collect = fullCollection();
  const dags = mkdtempSync(join(tmpdir(), 'skydag-soak-dags-'));
  const home = mkdtempSync(join(tmpdir(), 'skydag-soak-home-'));
  writeFileSync(join(dags, 'soak.py'), DAG);
  const platform = await startPlatform({ dagsFolder: dags, home, port: 0, consoleDir: null, version: 'soak', adminPassword: PASSWORD, pausedAtCreation: false, tickSeconds: 1, log: () => undefined, ...(options.store ? { store: options.store } : {}) });
  const rows: SoakRow[] = [];
  try {
    const login = await call(platform, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: PASSWORD } });
    if (login.status !== 200) throw new Error(`login: ${login.status} ${login.text}`);
    const token = login.json.access_token as string;
    for (let i = 0; (await call(platform, 'GET', '/api/v1/dags/soak', { token })).status !== 200; i++) {
      if (i > 300) throw new Error('the soak DAG was not registered');
      await new Promise((r) => setTimeout(r, 100));
    }
    const started = Date.now();
    let done = 0;
    while (done < runs) {
      const n = Math.min(batch, runs - done);
      const ids = await Promise.all(
        Array.from({ length: n }, async (_, k) => {
          const id = `soak_${done + k}`;
          const r = await call(platform, 'POST', '/api/v1/dags/soak/dagRuns', { token, body: { dag_run_id: id } });
          if (r.status !== 200) throw new Error(`trigger ${id}: ${r.status} ${r.text}`);
          return id;
        }),
      );
      for (const id of ids) {
        for (;;) {
          const r = await call(platform, 'GET', `/api/v1/dags/soak/dagRuns/${id}`, { token });
          if (r.json?.state === 'success') break;
          if (r.json?.state === 'failed') throw new Error(`run ${id} failed`);
          await new Promise((res) => setTimeout(res, 50));
        }
      }
      done += n;
      if (checkpoints.has(done)) {
        collect();
        const usage = process.memoryUsage();
        rows.push({ runs: done, rssMb: mb(usage.rss), heapMb: mb(usage.heapUsed), seconds: Math.round((Date.now() - started) / 100) / 10 });
        const threads = /Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
        console.error(`soak: ${done} runs, RSS ${mb(usage.rss)} MB, heap ${mb(usage.heapUsed)} MB, external ${mb(usage.external)} MB, array buffers ${mb(usage.arrayBuffers)} MB, threads ${threads}, heapTotal ${mb(usage.heapTotal)} MB, ${smaps()}`);
      }
    }
  } finally {
    await platform.close();
    rmSync(dags, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
  return rows;
}

/**
 * Probe: a DAG whose templated field is `{% for %}` nested 1e5 × 1e5 froze the whole local platform
 * (the render ran on the server's event loop), and froze it again after a restart (the run was
 * recovered and re-rendered). Now the render stops at its budget in a worker thread: the task fails
 * with SKYDAG-T005 in its log, its retry fails the same way, the run ends, and /health answers within
 * a second throughout, across a restart in the middle of the render.
 *
 * /health is watched while the task's tries render, from when a try has started (on each platform):
 * before that, the local engine builds the DAG's state machine, whose ASL validation blocks the event
 * loop on its own (about 0.1 s, seconds on an overloaded machine) whatever the templates.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type Platform } from '../../local/platform/platform.js';

const PASSWORD = 'template-bomb-Passw0rd';
const DAG_ID = 'template_bomb';
const RUN_ID = 'bomb_run';
const BOMB = '{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}';

const DAG_FILE = `from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="${DAG_ID}", schedule=None, start_date=datetime(2024, 1, 1), catchup=False) as dag:
    BashOperator(task_id="bomb", bash_command="${BOMB}", retries=1, retry_delay=timedelta(seconds=1))
`;

// Response bodies are checked field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(platform: Platform, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Json> {
  const response = await fetch(`${platform.url}${path}`, {
    method,
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return response.json();
}

/** Polls /health of whichever platform is up, recording every answer slower than a second (or missing). */
class HealthWatch {
  platform: Platform | null = null;
  readonly slow: string[] = [];
  answered = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor() {
    this.loop = this.poll();
  }

  private async poll(): Promise<void> {
    while (this.running) {
      const platform = this.platform;
      if (platform !== null) {
        const started = performance.now();
        try {
          const response = await fetch(`${platform.url}/api/v1/health`, { signal: AbortSignal.timeout(1000) });
          await response.text();
          if (response.status !== 200) this.slow.push(`status ${response.status}`);
          else this.answered++;
        } catch (err) {
          // A platform closed between two polls refuses the connection: only a live one counts.
          if (this.platform === platform) this.slow.push(`${(err as Error).name} after ${Math.round(performance.now() - started)} ms`);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

describe('a template that would render forever', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'skydag-template-bomb-'));
    mkdirSync(join(home, 'dags'));
    writeFileSync(join(home, 'dags', 'bomb.py'), DAG_FILE);
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const start = () =>
    startPlatform({ dagsFolder: join(home, 'dags'), home, port: 0, adminPassword: PASSWORD, pausedAtCreation: false, version: 'test', tickSeconds: 1, shutdownGraceSeconds: 0, log: () => undefined });
  const login = async (platform: Platform): Promise<string> => (await call(platform, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: PASSWORD } })).access_token as string;

  it('fails its task with SKYDAG-T005 while the platform stays responsive, across a restart', async () => {
    const health = new HealthWatch();
    let platform = await start();
    try {
      let token = await login(platform);
      const trigger = await call(platform, 'POST', `/api/v1/dags/${DAG_ID}/dagRuns`, { token, body: { dag_run_id: RUN_ID } });
      expect(trigger.dag_run_id).toBe(RUN_ID);
      const ti = (): Promise<Json> => call(platform, 'GET', `/api/v1/dags/${DAG_ID}/dagRuns/${RUN_ID}/taskInstances/bomb`, { token });

      // The first try is rendering: watch /health, then restart the platform under the render.
      for (let i = 0; i < 100 && (await ti()).state !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
      const first = await ti();
      expect(first.state).toBe('running');
      health.platform = platform;
      await new Promise((r) => setTimeout(r, 1000));
      health.platform = null;
      await platform.close();
      platform = await start();
      token = await login(platform);
      // The recovered run starts the task again, which renders again.
      for (let i = 0; i < 200 && (await ti()).start_date === first.start_date; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await ti()).start_date).not.toBe(first.start_date);
      health.platform = platform;

      let run: Json;
      for (let i = 0; i < 600; i++) {
        run = await call(platform, 'GET', `/api/v1/dags/${DAG_ID}/dagRuns/${RUN_ID}`, { token });
        if (run.state === 'failed' || run.state === 'success') break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(run.state).toBe('failed');

      const final = await ti();
      expect(final.state).toBe('failed');
      // The retry ran too: every try that rendered failed the same way. 2 tries when the restart
      // interrupted the first; 3 when, on a loaded machine, the first failed before the restart and the
      // restart interrupted its retry (an interrupted try starts again under the next number).
      expect([2, 3]).toContain(final.try_number);
      for (let tryNumber = 1; tryNumber <= final.try_number; tryNumber++) {
        const log = await call(platform, 'GET', `/api/v1/dags/${DAG_ID}/dagRuns/${RUN_ID}/taskInstances/bomb/logs/${tryNumber}`, { token });
        if (tryNumber === final.try_number || String(log.content).includes('Task failed')) {
          expect(log.content).toContain('[SKYDAG-T005]');
          expect(log.content).toMatch(/template budget exceeded: the template needs more than [\d,]+ (steps|ms)/);
        }
      }
      expect(health.answered).toBeGreaterThan(0);
      expect(health.slow).toEqual([]);
    } finally {
      await health.stop();
      await platform.close();
    }
  }, 180_000);
});

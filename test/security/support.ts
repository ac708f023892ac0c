/**
 * Helpers for the security suite: the real local platform (`skydag dev`) started as its own process,
 * as `npm start` does — so a test can give it the environment an operator would (admin password,
 * cloud credentials), kill it without warning, and start it again on the same state folder — and a
 * small REST client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { call, type Json } from '../helpers/platform-client.js';

const BIN = join(__dirname, '../../bin/skydag.js');
export { call, type Json } from '../helpers/platform-client.js';

export interface PlatformProcess {
  url: string;
  child: ChildProcess;
  /** Everything the platform printed so far. */
  output(): string;
  /** Ctrl-C: the platform stops its tasks and exits. */
  stop(): Promise<void>;
  /** What a crash or `kill -9` does: the platform dies at once, its tasks are left running. */
  kill(): Promise<void>;
}

/** Starts `skydag dev` on a free port with exactly `env` (plus PATH/HOME/TMPDIR) and waits until it serves. */
export async function startPlatformProcess(options: { dags: string; home: string; env?: Record<string, string> }): Promise<PlatformProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}), // the test run's temporary folder (test/temp-root.cjs)
    SKYDAG_HOME: options.home,
    SKYDAG_PAUSED_AT_CREATION: 'false',
    ...(process.env.SKYDAG_PYTHON ? { SKYDAG_PYTHON: process.env.SKYDAG_PYTHON } : {}),
    ...options.env,
  };
  const child = spawn(process.execPath, [BIN, 'dev', '--dags-folder', options.dags, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`skydag dev did not start:\n${output}`)), 60_000);
    const check = () => {
      const match = /serving on (http:\/\/\S+) /.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`skydag dev exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    async stop() {
      child.kill('SIGINT');
      await exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function login(platform: { url: string }, username: string, password: string): Promise<string> {
  const response = await call(platform, 'POST', '/api/v1/auth/login', { body: { username, password } });
  if (response.status !== 200) throw new Error(`login of ${username} failed: ${response.status} ${response.text}`);
  return response.json.access_token as string;
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits for a run to reach success or failed and returns it. */
export function waitForRunEnd(platform: { url: string }, token: string, dagId: string, runId: string, ms = 60_000): Promise<Json> {
  return waitFor(`run ${runId} of ${dagId} to end`, async () => {
    const run = (await call(platform, 'GET', `/api/v1/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`, { token })).json;
    return run?.state === 'success' || run?.state === 'failed' ? run : undefined;
  }, ms);
}

/**
 * Bounded DAG parsing (issue 7, item 2): hostile DAG files — a billion-laughs YAML, Python bombs, an
 * infinite loop, 10,000 nested brackets — become import errors naming the file and line, through the
 * bounded loader, the running platform (whose /health keeps answering within 3 s, and which restarts
 * with the files present), the API upload (400, nothing stored) and the CLI.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePythonDag } from '../../bench/parse.js';
import type { CliIO } from '../../local/cli/io.js';
import { main } from '../../local/cli/main.js';
import { startPlatform, type Platform } from '../../local/platform/platform.js';
import { BoundedDagLoader, type ParseLimits } from '../../shared/frontends/bounded.js';
import { DiagnosticCode } from '../../shared/model/diagnostics.js';
import type { Diagnostic } from '../../shared/model/schema.js';
import { call } from '../helpers/platform-client.js';
import { HOSTILE_DAG_FILES } from './hostile-dag-files.js';

const PASSWORD = 'dag-parsing-Passw0rd';
const now = new Date('2024-06-01T00:00:00Z');
const GOOD = 'from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n' +
  'with DAG("good_dag", start_date=datetime(2024, 1, 1), schedule=None) as dag:\n    BashOperator(task_id="hello", bash_command="echo hello")\n';

const errorsOf = (diagnostics: readonly Diagnostic[]) => diagnostics.filter((d) => d.severity === 'error');

describe('bounded DAG parsing: the loader', () => {
  const loader = new BoundedDagLoader();
  afterAll(() => loader.close());

  it.each(HOSTILE_DAG_FILES.map((h) => [h.name, h] as const))('%s becomes an import error with file and line', async (_name, hostile) => {
    const loaded = await loader.load(hostile.source, { file: `dags/${hostile.name}`, now });
    expect(loaded.dags).toEqual([]);
    expect(errorsOf(loaded.diagnostics)).toEqual([expect.objectContaining({ file: `dags/${hostile.name}`, line: hostile.line, code: hostile.code, message: expect.stringContaining(hostile.says) })]);
  });

  it('the billion-laughs file is as small as the probe (about 1.3 KB)', () => {
    expect(HOSTILE_DAG_FILES[0]!.source.length).toBeLessThan(1400);
  });
});

/**
 * Polls GET /health every 100 ms until stopped; collects every answer that took over 3 s or failed. A
 * file parsed on the platform's event loop would hold it for the whole parse (up to its 30 s limit);
 * 3 s rather than 1 s because a 2-CPU machine running the whole suite can delay one answer past 1 s.
 */
function watchHealth(platform: Platform): { stop(): Promise<string[]>; answered(): number } {
  const problems: string[] = [];
  let answered = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      try {
        const response = await fetch(`${platform.url}/api/v1/health`, { signal: AbortSignal.timeout(3000) });
        await response.text();
        if (response.status !== 200) problems.push(`status ${response.status}`);
        else answered++;
      } catch (err) {
        problems.push(`no answer within 3 s after ${Date.now() - started} ms (${(err as Error).name})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    answered: () => answered,
    async stop() {
      running = false;
      await loop;
      return problems;
    },
  };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('bounded DAG parsing: the running platform', () => {
  let home: string;
  let dags: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'skydag-dag-parsing-'));
    dags = join(home, 'dags');
    mkdirSync(dags);
    writeFileSync(join(dags, 'good_dag.py'), GOOD);
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  /** Default parse limits (the process-wide loader), or a loader of the platform's own with `parseLimits`. */
  const start = (parseLimits?: Partial<ParseLimits>) =>
    startPlatform({ dagsFolder: dags, home, port: 0, adminPassword: PASSWORD, version: 'test', tickSeconds: 1, rescanSeconds: 3600, log: () => undefined, ...(parseLimits ? { parseLimits } : {}) });
  const login = async (platform: Platform) => (await call(platform, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: PASSWORD } })).json.access_token as string;
  const importErrors = async (platform: Platform, token: string) =>
    new Map((await call(platform, 'GET', '/api/v1/importErrors?limit=100', { token })).json.import_errors.map((e: { filename: string; diagnostics: Diagnostic[] }) => [e.filename, e.diagnostics] as const));
  const dagIds = async (platform: Platform, token: string) => (await call(platform, 'GET', '/api/v1/dags', { token })).json.dags.map((d: { dag_id: string }) => d.dag_id);

  /** Drops files into the folder and waits until each is an import error; /health is polled throughout. */
  async function dropAndWait(platform: Platform, files: readonly { name: string; source: string }[]): Promise<Map<string, Diagnostic[]>> {
    const health = watchHealth(platform);
    try {
      const token = await login(platform);
      for (const file of files) writeFileSync(join(dags, file.name), file.source);
      return await eventually('an import error for every dropped file', async () => {
        const found = await importErrors(platform, token);
        return files.every((f) => found.has(f.name)) ? (found as Map<string, Diagnostic[]>) : undefined;
      });
    } finally {
      const problems = await health.stop();
      expect(problems).toEqual([]);
      expect(health.answered()).toBeGreaterThan(0);
    }
  }

  it('turns dropped hostile files into import errors while /health keeps answering, and restarts with them present', async () => {
    let platform = await start();
    try {
      const errors = await dropAndWait(platform, HOSTILE_DAG_FILES);
      for (const hostile of HOSTILE_DAG_FILES) {
        expect(errorsOf(errors.get(hostile.name)!)).toEqual([expect.objectContaining({ file: hostile.name, line: hostile.line, code: hostile.code })]);
      }
      expect(await dagIds(platform, await login(platform))).toEqual(['good_dag']);
    } finally {
      await platform.close();
    }

    platform = await start();
    try {
      const token = await login(platform);
      expect((await call(platform, 'GET', '/api/v1/health')).status).toBe(200);
      expect([...(await importErrors(platform, token)).keys()].sort()).toEqual(HOSTILE_DAG_FILES.map((h) => h.name).sort());
      expect(await dagIds(platform, token)).toEqual(['good_dag']);
    } finally {
      await platform.close();
    }
  }, 300_000);

  it('refuses an upload of each hostile file with 400 naming the limit, and stores nothing; validation reports the same limit', async () => {
    const platform = await start();
    try {
      const token = await login(platform);
      for (const hostile of HOSTILE_DAG_FILES) {
        const filename = `uploaded_${hostile.name}`;
        const response = await call(platform, 'POST', '/api/v1/dagFiles', { token, body: { filename, content: hostile.source } });
        expect(response.status).toBe(400);
        expect(response.json).toMatchObject({ title: 'Invalid DAG file', status: 400 });
        expect(response.json.detail).toContain(`${filename} has 1 error(s); nothing was stored`);
        expect(response.json.detail).toContain(hostile.says);
        expect(existsSync(join(dags, filename))).toBe(false);
        // The editor's check as you type reads it within the same limits.
        const checked = await call(platform, 'POST', '/api/v1/dagFiles/validate', { token, body: { filename, content: hostile.source } });
        expect(checked.status).toBe(200);
        expect(checked.json).toMatchObject({ valid: false, dags: [] });
        expect(errorsOf(checked.json.diagnostics)).toEqual([expect.objectContaining({ file: filename, line: hostile.line, code: hostile.code })]);
      }
      expect((await importErrors(platform, token)).size).toBe(0);
      expect(await dagIds(platform, token)).toEqual(['good_dag']);
    } finally {
      await platform.close();
    }
  }, 300_000);

  it('stops a file that outlasts the parse timeout (the worker backstop): import error, 400 on upload, the same diagnostic from validation', async () => {
    // Within every evaluator budget, but longer to read than this platform's 200 ms parse timeout.
    const slow = { name: 'slow_15000_tasks.py', source: generatePythonDag(15_000) };
    const platform = await start({ timeoutMs: 200 });
    try {
      const errors = await dropAndWait(platform, [slow]);
      expect(errors.get(slow.name)).toEqual([
        expect.objectContaining({ file: slow.name, line: 1, code: DiagnosticCode.PARSE_ABORTED, message: 'reading this file took longer than 200 ms and was stopped' }),
      ]);
      const token = await login(platform);
      const response = await call(platform, 'POST', '/api/v1/dagFiles', { token, body: { filename: 'uploaded_slow.py', content: slow.source } });
      expect(response.status).toBe(400);
      expect(response.json.detail).toContain('took longer than 200 ms');
      expect(existsSync(join(dags, 'uploaded_slow.py'))).toBe(false);
      const checked = await call(platform, 'POST', '/api/v1/dagFiles/validate', { token, body: { filename: 'uploaded_slow.py', content: slow.source } });
      expect(checked.json).toMatchObject({ valid: false, dags: [] });
      expect(checked.json.diagnostics).toEqual([expect.objectContaining({ line: 1, code: DiagnosticCode.PARSE_ABORTED, message: 'reading this file took longer than 200 ms and was stopped' })]);
    } finally {
      await platform.close();
    }
  }, 300_000);
});

describe('bounded DAG parsing: the CLI', () => {
  it('dags list reports each hostile file as an import error and lists the good DAG', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'skydag-dag-parsing-cli-'));
    try {
      writeFileSync(join(folder, 'good_dag.py'), GOOD);
      for (const hostile of HOSTILE_DAG_FILES) writeFileSync(join(folder, hostile.name), hostile.source);
      let out = '';
      let err = '';
      const io: CliIO = { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`) };
      expect(await main(['dags', 'list', '--dags-folder', folder, '--output', 'json'], io)).toBe(0);
      const listed = JSON.parse(out) as { dags: { dag_id: string }[]; import_errors: { file: string; line: number; code: string }[] };
      expect(listed.dags.map((d) => d.dag_id)).toEqual(['good_dag']);
      expect(listed.import_errors.map((e) => `${e.file}:${e.line} ${e.code}`).sort()).toEqual(HOSTILE_DAG_FILES.map((h) => `${h.name}:${h.line} ${h.code}`).sort());
      expect(err).toBe('');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 300_000);
});

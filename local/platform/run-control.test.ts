/**
 * The platform's run controller reached from the command line: the channel itself (key, shapes, the
 * file), and a CLI command through a running `skydag dev` that stops the run's task processes there.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunController } from '../../shared/api/ports.js';
import type { DagRunRecord } from '../../shared/model/records.js';
import { main } from '../cli/main.js';
import type { CliIO } from '../cli/io.js';
import { startPlatform } from './platform.js';
import { RUN_CONTROL_FILE, platformRunController, serveRunControl } from './run-control.js';

const run = { dag_id: 'd', run_id: 'r1', state: 'failed' } as DagRunRecord;

describe('the run control channel', () => {
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'skydag-run-control-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("passes stop, restart and tasks-changed to the platform's controller with the run as stored; the file is 0600 and goes with the server", async () => {
    const calls: string[] = [];
    const controller: RunController = {
      restart: async (r) => void calls.push(`restart ${r.run_id} ${r.state}`),
      stop: async (r) => void calls.push(`stop ${r.run_id} ${r.state}`),
      tasksChanged: async (r, ids) => void calls.push(`tasks ${r.run_id} ${ids.join(',')}`),
    };
    const server = await serveRunControl(home, controller, async (dagId, runId) => (dagId === 'd' && runId === 'r1' ? run : undefined), () => undefined);
    const file = join(home, RUN_CONTROL_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const warnings: string[] = [];
    const remote = platformRunController(home, (line) => warnings.push(line));
    await remote.stop({ ...run, state: 'running' } as DagRunRecord);
    await remote.restart(run);
    await remote.tasksChanged(run, ['a', 'b']);
    // The platform acts on the run as the store has it, not as the caller described it.
    expect(calls).toEqual(['stop r1 failed', 'restart r1 failed', 'tasks r1 a,b']);
    expect(warnings).toEqual([]);

    const { url, key } = JSON.parse(readFileSync(file, 'utf8')) as { url: string; key: string };
    const post = (path: string, body: unknown, auth = `Bearer ${key}`) => fetch(`${url}${path}`, { method: 'POST', headers: { authorization: auth }, body: JSON.stringify(body) });
    expect((await post('/runs/stop', { dag_id: 'd', run_id: 'r1' }, `Bearer ${'0'.repeat(64)}`)).status).toBe(401);
    expect((await post('/runs/stop', { dag_id: 'd', run_id: 'r1' }, '')).status).toBe(401);
    expect((await post('/runs/stop', { dag_id: 'd', run_id: 'nope' })).status).toBe(404);
    expect((await post('/runs/stop', { dag_id: 'd' })).status).toBe(400);
    expect((await post('/runs/stop', { dag_id: 'd', run_id: 'r1', task_ids: [1] })).status).toBe(400);
    expect((await post('/runs/delete', { dag_id: 'd', run_id: 'r1' })).status).toBe(404);
    expect(calls).toHaveLength(3);

    await server.close();
    expect(existsSync(file)).toBe(false);
  });

  it('a platform that cannot be reached is a warning naming the run, not an error (the store change is made)', async () => {
    const warnings: string[] = [];
    await platformRunController(home, (line) => warnings.push(line)).stop(run);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^skydag: warning: the change is stored, but the running skydag dev could not be told to stop its execution for run r1 of d \(.*\); its tasks go on until skydag dev restarts$/);
  });
});

describe('a CLI command through a running skydag dev', () => {
  let root: string;
  const saved = process.env.SKYDAG_HOME;
  beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'skydag-run-control-dev-'))));
  afterAll(() => {
    if (saved === undefined) delete process.env.SKYDAG_HOME;
    else process.env.SKYDAG_HOME = saved;
    rmSync(root, { recursive: true, force: true });
  });

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
    for (const started = Date.now(); Date.now() - started < timeoutMs; await new Promise((r) => setTimeout(r, 100))) if (await check()) return;
    throw new Error(`timed out waiting for ${what}`);
  };

  it('dags set-state failed stops the task processes of the run in the platform', async () => {
    const home = join(root, 'home');
    const dags = join(root, 'dags');
    const pidFile = join(root, 'task.pid');
    mkdirSync(dags);
    writeFileSync(
      join(dags, 'sleepy.py'),
      [
        'from datetime import datetime',
        'from airflow import DAG',
        'from airflow.operators.bash import BashOperator',
        'with DAG("sleepy", start_date=datetime(2024, 1, 1), schedule=None) as dag:',
        `    BashOperator(task_id="nap", bash_command="echo $$ > ${pidFile}; sleep 120")`,
        '',
      ].join('\n'),
    );
    process.env.SKYDAG_HOME = home;
    const platform = await startPlatform({ dagsFolder: dags, home, port: 0, adminPassword: 'run-control-Passw0rd', version: 'test', tickSeconds: 1, log: () => undefined, consoleDir: null, pausedAtCreation: false, shutdownGraceSeconds: 0 });
    let pid = 0;
    try {
      let err = '';
      const io: CliIO = { out: () => undefined, err: (t) => (err += `${t}\n`) };
      const cli = (args: string[]) => main([...args, '--dags-folder', dags], io, { readStdin: async () => '' });
      expect(await cli(['dags', 'trigger', 'sleepy', '-r', 'long_one'])).toBe(0);
      await until('the task to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
      pid = Number(readFileSync(pidFile, 'utf8').trim());
      expect(alive(pid)).toBe(true);

      const stopped = await cli(['dags', 'set-state', 'sleepy', 'long_one', 'failed']);
      expect(err).toBe('');
      expect(stopped).toBe(0);
      expect(err).toBe('');
      // Without the channel the platform never heard of it, and the task slept on for two minutes.
      await until('the task process to be stopped', () => !alive(pid));
      await until('the execution to end', async () => (await platform.runtime.executions.statusOf({ ...run, dag_id: 'sleepy', run_id: 'long_one' })) === undefined);
    } finally {
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      await platform.close();
    }
  }, 90_000);
});

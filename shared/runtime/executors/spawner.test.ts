/** Task processes started through the long-lived spawner behave as with a direct spawn (see bash.test.ts). */
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PyValue } from '../../model/schema.js';
import { createBashExecutor } from './bash.js';
import { processGroupAlive, processStartTicks, signalGroup } from './process-group.js';
import { ProcessSpawner, spawnDirect, spawnerInterpreter, type ProcessSpawnerOptions, type SpawnProcess } from './spawner.js';
import { findBash } from './task-environment.js';
import { makeRequest, makeTask } from './test-request.js';
import { TaskFailedError, TaskTimeoutError } from './types.js';

function request(args: Record<string, PyValue>, signal?: AbortSignal) {
  return makeRequest({ task: makeTask({ args }), signal });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the spawner's interpreter", () => {
  let root: string;
  const dir = (name: string) => {
    mkdirSync(join(root, name));
    return join(root, name);
  };
  /** A version manager's shim (a script), a binary python3.N linked as python3 (any file that is not a script). */
  const shim = (at: string) => writeFileSync(join(at, 'python3'), '#!/usr/bin/env bash\nexec pyenv exec python3 "$@"\n', { mode: 0o755 });
  const binary = (at: string, version: string) => {
    copyFileSync('/bin/true', join(at, `python${version}`));
    symlinkSync(`python${version}`, join(at, 'python3'));
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'skydag-interp-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("passes over a version manager's shim for the first python3 binary on PATH, 3.9 or later", () => {
    const shims = dir('shims');
    const old = dir('old');
    const system = dir('system');
    shim(shims);
    binary(old, '3.8');
    binary(system, '3.11');
    expect(spawnerInterpreter(join(shims, 'python3'), ['', '.', shims, old, system].join(':'))).toBe(join(system, 'python3'));
  });

  it('keeps an interpreter that is no script, and a shim when PATH has no python3 binary fit for the spawner', () => {
    const shims = dir('shims');
    const venv = dir('venv');
    const old = dir('old');
    shim(shims);
    binary(venv, '3.12');
    binary(old, '3.7');
    expect(spawnerInterpreter(join(venv, 'python3'), [shims, old].join(':'))).toBe(join(venv, 'python3'));
    expect(spawnerInterpreter(join(shims, 'python3'), [shims, old].join(':'))).toBe(join(shims, 'python3'));
    expect(spawnerInterpreter('/nonexistent/python3', shims)).toBe('/nonexistent/python3');
  });
});

describe('ProcessSpawner with a Python that cannot run the spawner', () => {
  it.each([
    ['exits at once', '/bin/false'],
    ['does not exist', '/nonexistent/python3'],
  ])('hands its requests to a Node spawner when the interpreter %s', async (_what, python) => {
    const spawner = new ProcessSpawner({ python });
    try {
      expect(spawner.kind).toBe('python');
      const bash = createBashExecutor({ killGraceMs: 1000, spawn: spawner.spawn });
      const results = await Promise.all([1, 2, 3].map((i) => bash(request({ bash_command: `echo err >&2; echo ${i}` }))));
      expect(results).toEqual([1, 2, 3].map((i) => ({ outcome: 'success', returnValue: String(i) })));
      expect(spawner.kind).toBe('node');
      await expect(bash(request({ bash_command: 'echo after' }))).resolves.toEqual({ outcome: 'success', returnValue: 'after' });
    } finally {
      spawner.close();
    }
  });
});

/** `sh -c` arguments of a process that runs until `flag` exists (then exits 0). */
const untilFlag = (flag: string) => ['-c', `while [ ! -e '${flag}' ]; do sleep 0.01; done`];

/**
 * A process's record (orphan recovery) is whole on disk when 'spawn' says it started, in a folder made
 * for it, readable by the owner only; one that cannot be written does not stop the process.
 */
async function expectRecordedBeforeItIsReported(spawn: SpawnProcess): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'skydag-records-'));
  try {
    const records = join(dir, 'run', 'tasks');
    // It runs until the record was read: a spawner may forget the record of a process that closed (spawner.ts).
    const flag = join(dir, 'read');
    const child = spawn('/bin/sh', untilFlag(flag), { detached: true, env: {}, record: { dir: records, fields: { task_id: 't', try_number: 2, boot_id: null } } });
    child.stdout.resume();
    const closed = new Promise((resolve) => child.once('close', resolve));
    const seen = await new Promise<{ pid: number; text: string; mode: number; names: string[] }>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        try {
          const file = join(records, `${child.pid}.json`);
          resolve({ pid: child.pid!, text: readFileSync(file, 'utf8'), mode: statSync(file).mode & 0o777, names: readdirSync(records) });
        } catch (error) {
          reject(error as Error);
        } finally {
          writeFileSync(flag, '');
        }
      });
    });
    const ticks = processStartTicks(seen.pid);
    await closed;
    expect(JSON.parse(seen.text)).toEqual({ task_id: 't', try_number: 2, boot_id: null, pid: seen.pid, start_ticks: ticks ?? expect.any(Number) });
    expect(seen.mode).toBe(0o600);
    expect(seen.names).toEqual([`${seen.pid}.json`]); // written aside and renamed: nothing else left

    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, '');
    const unrecorded = spawn('/bin/sh', ['-c', 'echo ran'], { detached: true, env: {}, record: { dir: join(blocked, 'tasks'), fields: {} } });
    let output = '';
    unrecorded.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve, reject) => {
      unrecorded.once('error', reject);
      unrecorded.once('close', resolve);
    });
    expect({ code, output }).toEqual({ code: 0, output: 'ran\n' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('a direct spawn records its process before it reports it started', async () => {
  await expectRecordedBeforeItIsReported(spawnDirect);
});

describe('ProcessSpawner, python: the working directory made ahead, the record file kept', () => {
  let parent: string;
  let spawner: ProcessSpawner;
  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'skydag-spare-'));
    spawner = new ProcessSpawner({ idleMs: 60_000 });
  });
  afterEach(() => {
    spawner.close();
    rmSync(parent, { recursive: true, force: true });
  });

  /** Stops the spawner and waits until its process is gone; what `folder` holds then. */
  async function afterSpawnerExit(folder: string): Promise<string[]> {
    const pid = spawner.pid!;
    spawner.close();
    await waitFor(() => !isAlive(pid));
    return readdirSync(folder);
  }

  /** Runs `pwd; ls -A` (then `then`) in a directory the spawner makes under `parent`: [its directory, ...what it held]. */
  async function runInTempCwd(then = ''): Promise<string[]> {
    const child = spawner.spawn('/bin/sh', ['-c', `pwd; ls -A; ${then}`], { detached: true, env: { PATH: process.env.PATH! }, tempCwd: { parent, prefix: 'airflowtmp' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    return output.trim().split('\n');
  }

  /**
   * The one directory `parent` holds (once it holds exactly one), and `removed()`: whether that
   * directory itself (not its name) is gone by now, read from a descriptor kept open on it (a removed
   * directory has no links; inode numbers alone prove nothing, as a new one may get the old number).
   */
  async function theSpare(): Promise<{ path: string; removed: () => boolean; sameAs: (path: string) => boolean }> {
    await waitFor(() => readdirSync(parent).length === 1);
    const path = join(parent, readdirSync(parent)[0]!);
    const fd = openSync(path, 'r');
    held.push(fd);
    return {
      path,
      removed: () => fstatSync(fd).nlink === 0,
      sameAs: (other) => fstatSync(fd).nlink > 0 && statSync(other).ino === fstatSync(fd).ino,
    };
  }
  const held: number[] = [];
  afterEach(() => held.splice(0).forEach((fd) => closeSync(fd)));

  it('gives the next process the directory one left as it was given, under a new name, and removes it when it exits', async () => {
    const [first] = await runInTempCwd();
    const spare = await theSpare();
    expect(spare.path).not.toBe(first); // a new name: no process gets the name of another
    expect(spare.path).toMatch(/\/airflowtmp[0-9a-f]{12}$/);
    expect(statSync(spare.path).mode & 0o777).toBe(0o700);
    const [second, ...inside] = await runInTempCwd();
    expect(second).toBe(spare.path);
    expect(inside).toEqual([]);
    expect(existsSync(spare.path)).toBe(false); // gone under that name before its close
    const next = await theSpare();
    expect(spare.sameAs(next.path)).toBe(true); // the same directory again, not one made and one removed
    expect(next.path).not.toBe(spare.path);
    expect(await afterSpawnerExit(parent)).toEqual([]);
    expect(next.removed()).toBe(true);
  });

  it('removes a directory the process changed (a file left or made and removed in it, its mode, a process of its session still running), and makes a new one instead', async () => {
    await runInTempCwd();
    for (const then of [
      'echo x > left-behind',
      'touch made; rm made', // seen by the directory's change time (fine-grained once read: Linux 6.13+ multigrain timestamps)
      'chmod 755 .',
      // Its output elsewhere, so the close does not wait for it; it could still write into the directory.
      'sleep 2 > /dev/null 2>&1 &',
    ]) {
      const given = await theSpare();
      const [cwd] = await runInTempCwd(then);
      expect(cwd).toBe(given.path);
      expect(given.removed()).toBe(true);
      const made = await theSpare(); // made while no process runs
      expect(readdirSync(made.path)).toEqual([]);
      expect(statSync(made.path).mode & 0o777).toBe(0o700);
    }
  });

  it('makes a new directory when its spare was removed meanwhile, or is no longer empty (and removes that one)', async () => {
    await runInTempCwd();
    const spare = (await theSpare()).path;
    rmSync(spare, { recursive: true });
    const [cwd] = await runInTempCwd();
    expect(cwd).toMatch(new RegExp(`^${parent}/airflowtmp[0-9a-f]{12}$`));
    expect(cwd).not.toBe(spare);

    const planted = (await theSpare()).path;
    mkdirSync(join(planted, 'sub'));
    writeFileSync(join(planted, 'sub', 'file'), 'x');
    const [next, ...held] = await runInTempCwd();
    expect(next).not.toBe(planted);
    expect(held).toEqual([]);
    expect(existsSync(planted)).toBe(false);
  });

  it("writes a process's record over the file of one that closed before, renamed back then, and removes those files when it exits", async () => {
    const records = join(parent, 'tasks');
    let flags = 0;
    const byNumber = (a: number, b: number) => a - b;
    /**
     * Runs processes at once, each with a record; for each, what the folder held when it started and
     * its record then; and what the folder holds once all closed.
     */
    const recorded = async (...fieldsOf: Record<string, string | number>[]) => {
      const runs = fieldsOf.map(async (fields) => {
        const flag = join(parent, `read-${++flags}`);
        const child = spawner.spawn('/bin/sh', untilFlag(flag), { detached: true, env: {}, record: { dir: records, fields } });
        child.stdout.resume();
        const closed = new Promise((resolve) => child.once('close', resolve));
        const started = await new Promise<{ names: string[]; text: string; inode: number; mode: number }>((resolve, reject) => {
          child.once('error', reject);
          child.once('spawn', () => {
            try {
              const file = join(records, `${child.pid}.json`);
              resolve({ names: readdirSync(records), text: readFileSync(file, 'utf8'), inode: statSync(file).ino, mode: statSync(file).mode & 0o777 });
            } catch (error) {
              reject(error as Error);
            }
          });
        });
        return { pid: child.pid!, ...started, release: () => writeFileSync(flag, ''), closed };
      });
      const started = await Promise.all(runs); // all running at once: each has its own record
      for (const run of started) run.release();
      await Promise.all(started.map((run) => run.closed));
      const after = readdirSync(records);
      return { started, after, inodes: after.map((name) => statSync(join(records, name)).ino).sort(byNumber) };
    };

    const first = await recorded({ task_id: 'a-task-with-a-long-name', try_number: 1 });
    const spareName = new RegExp(`^\\.spare-${spawner.pid}-[0-9a-f]{8}$`);
    const [one] = first.started;
    expect(one!.names).toEqual([`${one!.pid}.json`]);
    expect(first.after).toEqual([expect.stringMatching(spareName)]);
    expect(first.inodes).toEqual([one!.inode]);

    const second = await recorded({ task_id: 't', try_number: 2 }); // shorter: nothing of the first may remain
    const [two] = second.started;
    expect(two!.names).toEqual([`${two!.pid}.json`]);
    expect(two!.inode).toBe(one!.inode);
    expect(two!.mode).toBe(0o600);
    expect(JSON.parse(two!.text)).toEqual({ task_id: 't', try_number: 2, pid: two!.pid, start_ticks: expect.any(Number) });
    expect(second.inodes).toEqual([one!.inode]);

    // Three at once: the spare serves one, two files are made; all three are spares after.
    const three = await recorded({ task_id: 'x' }, { task_id: 'y' }, { task_id: 'z' });
    expect(three.started.map((run) => run.inode)).toContain(one!.inode);
    expect(three.after).toEqual([expect.stringMatching(spareName), expect.stringMatching(spareName), expect.stringMatching(spareName)]);
    expect(three.inodes).toEqual(three.started.map((run) => run.inode).sort(byNumber));
    const again = await recorded({ task_id: 'x' }, { task_id: 'y' }, { task_id: 'z' });
    expect(again.started.map((run) => run.inode).sort(byNumber)).toEqual(three.inodes);

    expect(await afterSpawnerExit(records)).toEqual([]);
  });

  it("ignores Ctrl-C (its parent decides), and a SIGTERM stops it with its spare removed", async () => {
    await runInTempCwd();
    await waitFor(() => readdirSync(parent).length === 1);
    const pid = spawner.pid!;
    process.kill(pid, 'SIGINT'); // what a terminal's Ctrl-C sends to the whole foreground group
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(pid)).toBe(true);
    const [cwd] = await runInTempCwd(); // still serving
    expect(cwd).toMatch(new RegExp(`^${parent}/airflowtmp`));
    expect(spawner.pid).toBe(pid);
    await waitFor(() => readdirSync(parent).length === 1);
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !isAlive(pid));
    expect(readdirSync(parent)).toEqual([]);
  });
});

/** Both spawners: the Python one (where python3 is), and the Node one. */
const KINDS = [
  ['python', {}],
  ['node', { python: null }],
] as const satisfies readonly (readonly [string, ProcessSpawnerOptions])[];

describe.each(KINDS)('ProcessSpawner, %s (through the BashOperator)', (kind, kindOptions) => {
  const spawner = new ProcessSpawner(kindOptions);
  afterAll(() => spawner.close());
  const bash = createBashExecutor({ killGraceMs: 1000, spawn: spawner.spawn });

  it('is the one asked for', () => {
    expect(spawner.kind).toBe(kind);
  });

  it('delivers all output, in order, before the exit, and the last line as XCom', async () => {
    const req = request({ bash_command: 'for i in $(seq 1 2000); do echo "line $i"; done; echo err >&2; echo last' });
    await expect(bash(req)).resolves.toEqual({ outcome: 'success', returnValue: 'last' });
    const lines = req.log.output().trimEnd().split('\n');
    expect(lines).toHaveLength(2002);
    expect(lines.slice(0, 3)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(lines.slice(-2)).toEqual(['err', 'last']);
    expect(spawner.kind).toBe(kind); // still: the Python one did not fall back
  });

  it("leaves no record once the try ended, removed by the spawner (Python) or by the try's own tracking (Node)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skydag-records-'));
    try {
      const forgotten: number[] = [];
      const records = join(dir, 'tasks');
      const req = {
        ...request({ bash_command: 'echo $$' }),
        trackProcess: {
          record: () => ({ dir: records, fields: { task_id: 't' } }),
          track: () => () => undefined,
          forget: (pid: number) => {
            forgotten.push(pid);
            rmSync(join(records, `${pid}.json`), { force: true });
          },
        },
      };
      const result = await bash(req);
      expect(result).toMatchObject({ outcome: 'success' });
      expect(readdirSync(records).filter((name) => name.endsWith('.json'))).toEqual([]);
      // The Python spawner removed it before 'close': the try does not remove it again.
      expect(forgotten).toEqual(kind === 'python' ? [] : [Number(result.returnValue)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports exit codes and death by signal as a direct spawn does', async () => {
    await expect(bash(request({ bash_command: 'exit 3' }))).rejects.toThrow(new TaskFailedError('Bash command failed. The command returned a non-zero exit code 3.'));
    await expect(bash(request({ bash_command: 'kill -KILL $$' }))).rejects.toThrow('non-zero exit code -9.');
    await expect(bash(request({ bash_command: 'exit 99' }))).resolves.toMatchObject({ outcome: 'skipped' });
  });

  it('runs the command in its own session with only the environment asked for, in a fresh directory', async () => {
    const req = request({ bash_command: 'echo "sid=$(ps -o sid= -p $$ | tr -d " ") pid=$$ ppid=$PPID"; echo "home=[${HOME-unset}] only=[$ONLY]"; pwd', env: { ONLY: 'this' } });
    await bash(req);
    const [ids, env, cwd] = req.log.output().trim().split('\n');
    const { sid, pid, ppid } = Object.fromEntries(ids!.split(' ').map((kv) => kv.split('='))) as Record<string, string>;
    expect(sid).toBe(pid); // setsid(): its own session and process group
    expect(Number(ppid)).not.toBe(process.pid); // started by the spawner, not by this process
    expect(env).toBe('home=[unset] only=[this]');
    expect(cwd).toMatch(/\/airflowtmp[^/]+$/);
    expect(existsSync(cwd!)).toBe(false); // removed once the command ended
  });

  it('makes the working directory it is asked to, removes it with what the process left there before the close, and says when it cannot make it', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'skydag-cwd-'));
    try {
      const child = spawner.spawn('/bin/sh', ['-c', 'pwd; mkdir sub; echo x > sub/file; ls -ld .'], { detached: true, env: { PATH: process.env.PATH! }, tempCwd: { parent, prefix: 'airflowtmp' } });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const leftAtClose = await new Promise<string[]>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', () => resolve(readdirSync(parent)));
      });
      const [cwd, listing] = output.trim().split('\n');
      expect(cwd).toMatch(new RegExp(`^${parent}/airflowtmp[^/]+$`));
      expect(listing).toMatch(/^drwx------ /); // private, as mkdtemp makes it
      // Gone with what it held; the Python spawner may have made the next process's already (empty).
      expect(leftAtClose).not.toContain(cwd!.slice(parent.length + 1));
      for (const spare of leftAtClose) expect(readdirSync(join(parent, spare))).toEqual([]);
      expect(leftAtClose.length).toBeLessThanOrEqual(kind === 'python' ? 1 : 0);

      const missing = join(parent, 'missing');
      const failed = spawner.spawn('/bin/sh', ['-c', 'true'], { detached: true, env: {}, tempCwd: { parent: missing, prefix: 'airflowtmp' } });
      const error = await new Promise<Error>((resolve) => failed.once('error', resolve));
      expect(error.message).toContain("cannot make the process's working directory");
      expect(error.message).toContain('ENOENT');
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('runs many commands at once', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => bash(request({ bash_command: `echo ${i}` }))));
    expect(results.map((r) => (r as { returnValue: string }).returnValue)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('stops the whole process group on abort', async () => {
    const controller = new AbortController();
    const req = request({ bash_command: 'sleep 30 & echo "bg=$!"; sleep 30; wait' }, controller.signal);
    const running = bash(req);
    await waitFor(() => /bg=\d+\n/.test(req.log.output()));
    const bg = Number(/bg=(\d+)/.exec(req.log.output())![1]);
    expect(isAlive(bg)).toBe(true);
    controller.abort(new TaskTimeoutError('Timeout: execution_timeout of 1 second exceeded'));
    await expect(running).rejects.toBeInstanceOf(TaskTimeoutError);
    await waitFor(() => !isAlive(bg), 3000);
  });

  it('fails clearly when the program cannot start', async () => {
    const missing = createBashExecutor({ spawn: spawner.spawn, bashPath: '/nonexistent/bash' });
    await expect(missing(request({ bash_command: 'true' }))).rejects.toThrow(/Could not start bash \(\/nonexistent\/bash\): .*ENOENT/);
  });

  it('exits once idle, and the next task starts a new one', async () => {
    const idle = new ProcessSpawner({ ...kindOptions, idleMs: 100 });
    try {
      const run = createBashExecutor({ killGraceMs: 1000, spawn: idle.spawn });
      await expect(run(request({ bash_command: 'echo one' }))).resolves.toEqual({ outcome: 'success', returnValue: 'one' });
      const first = idle.pid;
      expect(first).toBeDefined();
      await waitFor(() => !isAlive(first!));
      expect(idle.pid).toBeUndefined();
      await expect(run(request({ bash_command: 'echo two' }))).resolves.toEqual({ outcome: 'success', returnValue: 'two' });
      expect(idle.pid).not.toBe(first);
    } finally {
      idle.close();
    }
  });

  it('a prewarmed spawner runs the next task itself, and exits when no task comes', async () => {
    const warm = new ProcessSpawner({ ...kindOptions, idleMs: 300 });
    try {
      warm.prewarm();
      const started = warm.pid;
      expect(started).toBeDefined();
      const run = createBashExecutor({ killGraceMs: 1000, spawn: warm.spawn });
      await expect(run(request({ bash_command: 'echo warm' }))).resolves.toEqual({ outcome: 'success', returnValue: 'warm' });
      expect(warm.pid).toBe(started); // not a second one
      warm.prewarm(); // already running: nothing new
      expect(warm.pid).toBe(started);
      await waitFor(() => !isAlive(started!));
      expect(warm.pid).toBeUndefined();
      warm.prewarm(); // an idle prewarmed one exits too
      const again = warm.pid;
      expect(again).not.toBe(started);
      await waitFor(() => !isAlive(again!));
    } finally {
      warm.close();
    }
  });

  it('a task started while the previous spawner is still exiting runs on the new one (the old exit fails only its own)', async () => {
    const spawner = new ProcessSpawner({ ...kindOptions, idleMs: 60_000 });
    try {
      const run = createBashExecutor({ killGraceMs: 1000, spawn: spawner.spawn });
      await expect(run(request({ bash_command: 'echo one' }))).resolves.toEqual({ outcome: 'success', returnValue: 'one' });
      // What the idle timer does, then a task at once: the old spawner's exit arrives while the new task runs.
      spawner.close();
      await expect(run(request({ bash_command: 'sleep 0.3; echo two' }))).resolves.toEqual({ outcome: 'success', returnValue: 'two' });
    } finally {
      spawner.close();
    }
  });

  it('records a process before it reports it started', async () => {
    await expectRecordedBeforeItIsReported(spawner.spawn);
  });

  it('records what it starts for a parent that died right after asking (orphan recovery can still find it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skydag-spawner-'));
    const records = join(dir, 'tasks');
    let pid: number | undefined;
    try {
      const script = join(dir, 'platform.mts');
      writeFileSync(
        script,
        `import { ProcessSpawner } from ${JSON.stringify(join(__dirname, 'spawner.ts'))};
const spawner = new ProcessSpawner(${JSON.stringify(kindOptions)});
spawner.spawn('/bin/sh', ['-c', 'sleep 30'], { detached: true, env: {}, record: { dir: ${JSON.stringify(records)}, fields: { task_id: 'left' } } });
setImmediate(() => process.kill(process.pid, 'SIGKILL')); // dies before its spawner even started
`,
      );
      const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: join(__dirname, '..', '..', '..'), stdio: 'ignore', timeout: 25_000 });
      expect(child.signal).toBe('SIGKILL');
      await waitFor(() => readdirSync(dir).includes('tasks') && readdirSync(records).some((name) => name.endsWith('.json')));
      const [name] = readdirSync(records);
      const record = JSON.parse(readFileSync(join(records, name!), 'utf8')) as { pid: number; task_id: string };
      pid = record.pid;
      expect(record.task_id).toBe('left');
      expect(processGroupAlive(record.pid)).toBe(true);
    } finally {
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it("runs Airflow's `bash -c <command>` itself, with stdin from /dev/null and stderr on the stdout descriptor (Linux)", async () => {
    expect(spawner.spawn.exactStdio).toBe(true);
    for (let i = 0; i < 2; i++) {
      // Twice: the spawner's one /dev/null serves every process.
      const req = request({ bash_command: 'tr "\\0" " " < /proc/$$/cmdline; echo; readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2' });
      await bash(req);
      const [cmdline, stdin, out, err] = req.log.output().trim().split('\n');
      expect(cmdline!.trim()).toBe(`${findBash()} -c tr "\\0" " " < /proc/$$/cmdline; echo; readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2`);
      expect(stdin).toBe('/dev/null');
      expect(out).toMatch(kind === 'python' ? /^pipe:\[\d+\]$/ : /^socket:\[\d+\]$/); // Popen's pipe; Node's socket pair
      expect(err).toBe(out);
    }
  });

  it('gives the process no descriptor but stdio, when the platform was started with leaked ones (Linux)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skydag-spawner-'));
    try {
      // A platform process started with descriptors 3-6 open (not close-on-exec, as leaked ones are).
      const script = join(dir, 'platform.mts');
      writeFileSync(
        script,
        `import { createBashExecutor } from ${JSON.stringify(join(__dirname, 'bash.ts'))};
import { ProcessSpawner } from ${JSON.stringify(join(__dirname, 'spawner.ts'))};
import { makeRequest, makeTask } from ${JSON.stringify(join(__dirname, 'test-request.ts'))};
const spawner = new ProcessSpawner(${JSON.stringify(kindOptions)});
const req = makeRequest({ task: makeTask({ args: { bash_command: 'for fd in /proc/$$/fd/*; do echo \${fd##*/}; done' } }) });
await createBashExecutor({ spawn: spawner.spawn })(req);
spawner.close();
console.log(JSON.stringify(req.log.output().trim().split('\\n')));
`,
      );
      const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
        cwd: join(__dirname, '..', '..', '..'),
        stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
        encoding: 'utf8',
        timeout: 25_000,
      });
      expect(child.stderr).toBe('');
      // The glob's own directory descriptor shows up in the listing; it is the highest one.
      expect((JSON.parse(child.stdout) as string[]).slice(0, -1)).toEqual(['0', '1', '2']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

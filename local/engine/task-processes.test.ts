/** Records of running task processes, and stopping the groups a dead skydag left running. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processGroupAlive, signalGroup } from '../../shared/runtime/executors/process-group.js';
import { TaskProcessRegistry } from './task-processes.js';

const ref = (task_id: string, run_id = 'manual__1') => ({ dag_id: 'd', run_id, task_id, try_number: 1 });

/** A detached `sleep` group, as the executors start tasks. */
function sleeper(): number {
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid!;
}

/** The pid of a process that has exited: an owner that is gone. */
function deadPid(): number {
  return Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
}

describe('task process records', () => {
  let dir: string;
  const groups: number[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-pids-'));
  });
  afterEach(() => {
    for (const pgid of groups.splice(0)) signalGroup(pgid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Tracks a new group, then makes its record look as if another (now dead) skydag process wrote it. */
  function orphan(registry: TaskProcessRegistry, task: string, edit: (record: Record<string, unknown>) => void = () => undefined, run?: string): number {
    const pid = sleeper();
    groups.push(pid);
    registry.track(ref(task, run), pid);
    const file = join(dir, `${pid}.json`);
    const record = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    record.owner_pid = deadPid();
    record.owner_start_ticks = 1;
    edit(record);
    writeFileSync(file, JSON.stringify(record));
    return pid;
  }

  it('a record that cannot be written does not throw into the executor (the process runs unrecorded)', () => {
    writeFileSync(join(dir, 'a-file'), '');
    const registry = new TaskProcessRegistry(join(dir, 'a-file', 'tasks'));
    const release = registry.track(ref('t'), process.pid);
    expect(() => release()).not.toThrow();
  });

  it('keeps a record while the process runs and forgets it when told', () => {
    const registry = new TaskProcessRegistry(dir);
    const pid = sleeper();
    groups.push(pid);
    const release = registry.track(ref('t'), pid);
    const record = JSON.parse(readFileSync(join(dir, `${pid}.json`), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ dag_id: 'd', run_id: 'manual__1', task_id: 't', try_number: 1, pid, owner_pid: process.pid });
    release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves the groups of a live owner alone (this process, or another skydag on the same folder)', async () => {
    const registry = new TaskProcessRegistry(dir, 500);
    const pid = sleeper();
    groups.push(pid);
    registry.track(ref('t'), pid);
    expect(await registry.reapOrphans()).toEqual([]);
    expect(processGroupAlive(pid)).toBe(true);
    expect(readdirSync(dir)).toEqual([`${pid}.json`]);
  });

  it('stops the group of an owner that is gone, then forgets it', async () => {
    const registry = new TaskProcessRegistry(dir, 500);
    const pid = orphan(registry, 't');
    expect(await registry.reapOrphans()).toEqual([{ ...ref('t'), pid }]);
    expect(processGroupAlive(pid)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('only touches the run asked for', async () => {
    const registry = new TaskProcessRegistry(dir, 500);
    const mine = orphan(registry, 'a', undefined, 'run_1');
    const other = orphan(registry, 'b', undefined, 'run_2');
    expect(await registry.reapOrphans({ dag_id: 'd', run_id: 'run_1' })).toEqual([{ ...ref('a', 'run_1'), pid: mine }]);
    expect(processGroupAlive(other)).toBe(true);
  });

  it('never signals a process that merely reuses a recorded pid, nor acts on records from an earlier boot', async () => {
    const registry = new TaskProcessRegistry(dir, 500);
    const reused = orphan(registry, 'a', (r) => (r.start_ticks = Number(r.start_ticks) - 1));
    const rebooted = orphan(registry, 'b', (r) => (r.boot_id = 'an-earlier-boot'));
    writeFileSync(join(dir, '999999.json'), '{"cut short'); // a record the crash cut short
    expect(await registry.reapOrphans()).toEqual([]);
    expect(processGroupAlive(reused)).toBe(true);
    expect(processGroupAlive(rebooted)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("removes the spare record file of a spawner that was killed, not a running spawner's", async () => {
    const registry = new TaskProcessRegistry(dir, 500);
    const left = `.spare-${deadPid()}-0a1b2c3d`;
    const kept = `.spare-${process.pid}-4e5f6a7b`;
    for (const name of [left, kept]) writeFileSync(join(dir, name), '{"pid":1}', { mode: 0o600 });
    expect(await registry.reapOrphans()).toEqual([]);
    expect(readdirSync(dir)).toEqual([kept]);
  });
});

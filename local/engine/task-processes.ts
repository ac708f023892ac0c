/**
 * Orphaned task processes. Every task process group the local runtime spawns is recorded in a small
 * file under `$SKYDAG_HOME/run/tasks/` (which try, the leader's pid and start time, and which skydag
 * process owns it) and the file is removed when the process ends. The record is written by whatever
 * starts the process as soon as the pid is known (a spawner: before it reports the start), so a
 * platform that dies just after asking for a process still leaves its record. When a platform dies without
 * stopping its tasks (killed, crashed, power cut), their groups keep running; the next platform finds
 * the records whose owner is gone and stops those groups before it resets and re-runs their tasks, so
 * an old try can never act (write files, push results) next to the new one. Records of live owners
 * (another `skydag` process on the same state folder) are left alone.
 *
 * A pid alone could name an unrelated process after a restart, so a group is only signalled when its
 * leader still has the recorded start time, or is gone (Linux never reuses a pid that is still the id
 * of a process group, so then only the old group's members can carry it). Records from an earlier
 * boot are dropped.
 */
import { readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { bootId, processGroupAlive, processStartTicks, terminateGroup, writeProcessRecord } from '../../shared/runtime/executors/process-group.js';
import type { ProcessRecord, ProcessTracking } from '../../shared/runtime/executors/types.js';
import type { TaskProcessTracker, TryRef } from '../../shared/runtime/handlers/deps.js';

interface StoredProcessRecord extends TryRef {
  /** The group leader's pid, which is also the group id. */
  pid: number;
  start_ticks: number | null;
  boot_id: string | null;
  owner_pid: number;
  owner_start_ticks: number | null;
  started_at: string;
}

export interface ReapedProcess extends TryRef {
  pid: number;
}

function alive(pid: number, startTicks: number | null): boolean {
  const ticks = processStartTicks(pid);
  if (ticks !== undefined) return startTicks === null || ticks === startTicks;
  try {
    process.kill(pid, 0); // no /proc: existence is all we can tell
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class TaskProcessRegistry implements TaskProcessTracker {
  private readonly owner = { pid: process.pid, ticks: processStartTicks(process.pid) ?? null };

  /** `dir`: the records' folder (`$SKYDAG_HOME/run/tasks`); `graceMs`: SIGTERM → SIGKILL wait when reaping. */
  constructor(
    private readonly dir: string,
    private readonly graceMs = 5000,
  ) {}

  /** How a try records its processes: files in this folder naming the try and this process as their owner. */
  tracking(ref: TryRef): ProcessTracking {
    const record = (): ProcessRecord => ({
      dir: this.dir,
      fields: {
        dag_id: ref.dag_id,
        run_id: ref.run_id,
        task_id: ref.task_id,
        try_number: ref.try_number,
        boot_id: bootId() ?? null,
        owner_pid: this.owner.pid,
        owner_start_ticks: this.owner.ticks,
        started_at: new Date().toISOString(),
      },
    });
    const forget = (pid: number) => {
      try {
        unlinkSync(join(this.dir, `${pid}.json`)); // one syscall (rmSync would lstat it twice first)
      } catch {
        // nothing there to remove (or its folder is not one): the task's own outcome stands
      }
    };
    return {
      record,
      track: (pid) => {
        try {
          writeProcessRecord(record(), pid);
        } catch {
          // As the spawners: not recorded, the process runs all the same (a throw here would leave it unsupervised).
        }
        return () => forget(pid);
      },
      forget,
    };
  }

  /** Records a process started here for a try; returns the function that forgets it. */
  track(ref: TryRef, pid: number): () => void {
    return this.tracking(ref).track(pid);
  }

  /**
   * Stops the process groups whose owning skydag process is gone (optionally only those of one run),
   * waits until they are gone, and forgets them. Returns the groups that were still running.
   */
  async reapOrphans(run?: { dag_id: string; run_id: string }): Promise<ReapedProcess[]> {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const files = names.filter((name) => name.endsWith('.json')); // not `.json.tmp`: one being written
    // A spawner's spare record file (spawner.ts: `.spare-<its pid>-…`) is its to remove; one whose spawner is gone was left by a kill.
    for (const name of names) {
      const spawner = /^\.spare-(\d+)-/.exec(name)?.[1];
      if (spawner !== undefined && !alive(Number(spawner), null)) rmSync(join(this.dir, name), { force: true });
    }
    const reaped: ReapedProcess[] = [];
    const boot = bootId() ?? null;
    for (const name of files) {
      const file = join(this.dir, name);
      let record: StoredProcessRecord;
      try {
        record = JSON.parse(readFileSync(file, 'utf8')) as StoredProcessRecord;
      } catch {
        rmSync(file, { force: true }); // unreadable (cut short by the crash): nothing to act on
        continue;
      }
      if (run && (record.dag_id !== run.dag_id || record.run_id !== run.run_id)) continue;
      if (alive(record.owner_pid, record.owner_start_ticks) && record.boot_id === boot) continue; // its owner still runs it
      const sameBoot = record.boot_id === null || boot === null || record.boot_id === boot;
      const leaderTicks = processStartTicks(record.pid);
      const pidReused = leaderTicks !== undefined && record.start_ticks !== null && leaderTicks !== record.start_ticks;
      if (sameBoot && !pidReused && processGroupAlive(record.pid)) {
        await terminateGroup(record.pid, this.graceMs);
        reaped.push({ dag_id: record.dag_id, run_id: record.run_id, task_id: record.task_id, try_number: record.try_number, pid: record.pid });
      }
      rmSync(file, { force: true });
    }
    return reaped;
  }
}

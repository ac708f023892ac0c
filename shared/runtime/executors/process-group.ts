/**
 * Process groups of task processes. Every spawner starts its task as the leader of a new process
 * group (Airflow's `os.setsid`), so stopping a task means signalling the whole group: the command and
 * everything it started. These helpers are shared by the spawners and by orphan recovery, which must
 * recognise a group again after the platform that started it died.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessRecord } from './types.js';

/** Fields after `pid (comm)` of /proc/<pid>/stat (comm may contain spaces and parentheses). */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The pids listed in /proc (empty on systems without it). */
function procPids(): number[] {
  try {
    return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number);
  } catch {
    return [];
  }
}

/**
 * When the process started, in clock ticks since boot (Linux `/proc/<pid>/stat` field 22); with the
 * pid and the boot id it names one process for good, even after its pid is reused. Undefined when the
 * process does not exist (or on systems without /proc).
 */
export function processStartTicks(pid: number): number | undefined {
  const fields = procStat(pid);
  // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
  const ticks = fields ? Number(fields[19]) : NaN;
  return Number.isFinite(ticks) ? ticks : undefined;
}

/**
 * Writes a started process's record (`<dir>/<pid>.json`: the fields, its pid and start ticks, mode
 * 0600) whole: a reader sees the complete file or none (written aside, then renamed). The folder is
 * made when missing. The spawners' programs (spawner.ts) hold the same steps in their languages.
 */
export function writeProcessRecord(record: ProcessRecord, pid: number): void {
  const file = join(record.dir, `${pid}.json`);
  const text = JSON.stringify({ ...record.fields, pid, start_ticks: processStartTicks(pid) ?? null });
  try {
    writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(record.dir, { recursive: true, mode: 0o700 });
    writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  }
  renameSync(`${file}.tmp`, file);
}

let thisBoot: string | undefined;

/** This boot's id (Linux), so records from before a reboot are recognised as stale (read once: a process outlives no boot). */
export function bootId(): string | undefined {
  if (thisBoot !== undefined) return thisBoot;
  try {
    return (thisBoot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  } catch {
    return undefined;
  }
}

/**
 * Whether any process of the group is still running. Zombies (dead, not yet reaped: orphans wait
 * for init to reap them) do not count; on Linux the group's members are read from /proc, elsewhere
 * `kill(-pgid, 0)` is the best available answer.
 */
export function processGroupAlive(pgid: number): boolean {
  const pids = procPids();
  if (pids.length === 0) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  return pids.some((pid) => {
    const fields = procStat(pid); // state ppid pgrp ...
    return fields !== undefined && Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X';
  });
}

/** Sends a signal to a whole process group; a group that is already gone is fine. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/** A timer that does not keep the process alive on its own. */
export const delay = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** SIGTERM the group, wait up to `graceMs` for it to empty, then SIGKILL whatever is left. */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (processGroupAlive(pgid) && Date.now() < deadline) await delay(25);
  if (processGroupAlive(pgid)) {
    signalGroup(pgid, 'SIGKILL');
    const hardDeadline = Date.now() + 2000;
    while (processGroupAlive(pgid) && Date.now() < hardDeadline) await delay(10);
  }
}

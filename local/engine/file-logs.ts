/**
 * Task logs on the filesystem, one file per try, in Airflow 2's layout:
 * `<logs>/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log`, with the ids encoded
 * injectively (shared/runtime/log-location.ts: `col_1` and `col~1` get different files).
 */
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Dag } from '../../shared/model/schema.js';
import type { TaskLogHandle, TaskLogs } from '../../shared/runtime/handlers/deps.js';
import type { DagProcessorLogs } from '../../shared/runtime/handlers/sla-callback.js';
import { taskLogSegments } from '../../shared/runtime/log-location.js';

export function taskLogPath(root: string, dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1): string {
  return join(root, ...taskLogSegments({ dagId, runId, taskId, tryNumber, mapIndex }));
}

export class FileTaskLogs implements TaskLogs {
  constructor(
    private readonly root: string,
    private readonly clock: () => Date = () => new Date(),
    /** Also echo each line (used by `skydag tasks test`, which prints the log). */
    private readonly echo?: (text: string) => void,
    /** A try's log that cannot be written (told once per try). */
    private readonly onLost: (path: string, error: Error) => void = (path, error) => console.error(`skydag: the task log ${path} cannot be written (${error.message}); its lines are lost`),
  ) {}

  open(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1): TaskLogHandle {
    return this.openFile(taskLogPath(this.root, dagId, runId, taskId, tryNumber, mapIndex));
  }

  /** A log handle appending to `path`. */
  openFile(path: string): TaskLogHandle {
    mkdirSync(dirname(path), { recursive: true });
    // The file stays open while the handle is (a try writes a few lines per step, and opening the file
    // for each was a good part of a short task's cost); a line written after close() opens it once.
    let fd: number | undefined;
    let closed = false;
    let lost = false;
    const append = (text: string) => {
      // A log folder removed under a running task is made again: the open file would take the lines away with it.
      if (fd !== undefined && fstatSync(fd).nlink === 0) release();
      if (fd === undefined) {
        mkdirSync(dirname(path), { recursive: true });
        fd = openSync(path, 'a');
      }
      const bytes = Buffer.from(text);
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
      if (closed) release();
    };
    const release = () => {
      const open = fd;
      fd = undefined;
      if (open !== undefined) closeSync(open);
    };
    const write = (text: string) => {
      // Appends are synchronous so lines from a task and from skydag interleave in order. They run in a
      // task's output handler, where a throw would be uncaught: a log that cannot be written loses its
      // lines (said once), not the process.
      try {
        append(text);
      } catch (error) {
        try {
          release();
        } catch {
          // already unusable
        }
        if (!lost) this.onLost(path, error as Error);
        lost = true;
      }
      this.echo?.(text);
    };
    return {
      write,
      info: (message) => write(`[${this.clock().toISOString()}] {skydag} INFO - ${message}\n`),
      close: async () => {
        closed = true;
        release();
      },
    };
  }

  async read(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1): Promise<string | undefined> {
    try {
      return await readFile(taskLogPath(this.root, dagId, runId, taskId, tryNumber, mapIndex), 'utf8');
    } catch {
      return undefined;
    }
  }
}

/**
 * The DAG processor's logs (Airflow's `logs/scheduler/latest/<DAG file>.log`): one file per DAG file,
 * `<root>/<DAG file path relative to the DAGs folder>.log`, appended to by DAG-level code the scheduler
 * runs (sla_miss_callback).
 */
export class FileDagProcessorLogs implements DagProcessorLogs {
  private readonly files: FileTaskLogs;

  constructor(
    private readonly root: string,
    clock: () => Date = () => new Date(),
  ) {
    this.files = new FileTaskLogs(root, clock);
  }

  locate(dag: Dag): string {
    // The model's file is relative to the DAGs folder; anything else (absolute, `..`) keeps its name only.
    const file = dag.source.file;
    const relative = !isAbsolute(file) && !file.split(/[\\/]/).includes('..') ? file : basename(file);
    return join(this.root, `${relative}.log`);
  }

  open(dag: Dag): TaskLogHandle {
    return this.files.openFile(this.locate(dag));
  }
}

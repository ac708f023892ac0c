/**
 * Task logs on the filesystem, one file per try, in Airflow 2's layout:
 * `<logs>/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log`, with the ids encoded
 * injectively (shared/runtime/log-location.ts: `col_1` and `col~1` get different files).
 */
import { closeSync, fstatSync, mkdirSync, open as openFile, openSync, writeSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Dag } from '../../shared/model/schema.js';
import type { TaskLogHandle, TaskLogs } from '../../shared/runtime/handlers/deps.js';
import type { DagProcessorLogs } from '../../shared/runtime/handlers/sla-callback.js';
import { taskLogSegments } from '../../shared/runtime/log-location.js';

export function taskLogPath(root: string, dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1): string {
  return join(root, ...taskLogSegments({ dagId, runId, taskId, tryNumber, mapIndex }));
}

/** A file log's handle; `ready` settles once its file is open and the lines written before are in it (or lost). */
export type FileLogHandle = TaskLogHandle & { readonly ready: Promise<void> };

/** Opens `path` for appending (its folder made first), off the event loop. */
async function openForAppend(path: string): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  return new Promise((resolve, reject) => openFile(path, 'a', (error, fd) => (error ? reject(error) : resolve(fd))));
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

  open(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1): FileLogHandle {
    return this.openFile(taskLogPath(this.root, dagId, runId, taskId, tryNumber, mapIndex));
  }

  /**
   * A log handle appending to `path`. The folder and the file are made off the event loop (making them
   * was a good part of a short task's cost on its thread); lines written before the file is open wait
   * in memory, in order. The file then stays open until close(); a line written after close() opens it once.
   */
  openFile(path: string): FileLogHandle {
    let fd: number | undefined;
    let waiting: string[] | undefined = [];
    let closed = false;
    let lost = false;
    const failed = (error: unknown) => {
      try {
        release();
      } catch {
        // already unusable
      }
      if (!lost) this.onLost(path, error as Error);
      lost = true;
    };
    const release = () => {
      const open = fd;
      fd = undefined;
      if (open !== undefined) closeSync(open);
    };
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
    // Appends are synchronous so lines from a task and from skydag interleave in order. They run in a
    // task's output handler, where a throw would be uncaught: a log that cannot be written loses its
    // lines (said once), not the process.
    const appendOrLose = (text: string) => {
      try {
        append(text);
      } catch (error) {
        failed(error);
      }
    };
    const ready = openForAppend(path).then(
      (opened) => {
        fd = opened;
        const lines = waiting!;
        waiting = undefined;
        if (lines.length > 0) appendOrLose(lines.join(''));
        else if (closed) release();
      },
      (error: unknown) => {
        waiting = undefined;
        failed(error);
      },
    );
    const write = (text: string) => {
      if (waiting) waiting.push(text);
      else appendOrLose(text);
      this.echo?.(text);
    };
    return {
      write,
      info: (message) => write(`[${this.clock().toISOString()}] {skydag} INFO - ${message}\n`),
      close: async () => {
        closed = true;
        await ready;
        release();
      },
      ready,
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

/**
 * Task logs on the filesystem, one file per try, in Airflow 2's layout:
 * `<logs>/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log`.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TaskLogHandle, TaskLogs } from '../../shared/runtime/handlers/deps.js';

/** Path segments come from ids: keep them to safe characters so no id can escape the logs folder. */
function segment(value: string): string {
  return value.replace(/[^A-Za-z0-9_.+:-]/g, '_').replace(/^\.+/, '_');
}

export function taskLogPath(root: string, dagId: string, runId: string, taskId: string, tryNumber: number): string {
  return join(root, `dag_id=${segment(dagId)}`, `run_id=${segment(runId)}`, `task_id=${segment(taskId)}`, `attempt=${tryNumber}.log`);
}

export class FileTaskLogs implements TaskLogs {
  constructor(
    private readonly root: string,
    private readonly clock: () => Date = () => new Date(),
    /** Also echo each line (used by `skydag tasks test`, which prints the log). */
    private readonly echo?: (text: string) => void,
  ) {}

  open(dagId: string, runId: string, taskId: string, tryNumber: number): TaskLogHandle {
    const path = taskLogPath(this.root, dagId, runId, taskId, tryNumber);
    mkdirSync(dirname(path), { recursive: true });
    const write = (text: string) => {
      // Appends are synchronous so lines from a task and from skydag interleave in order.
      appendFileSync(path, text);
      this.echo?.(text);
    };
    return {
      write,
      info: (message) => write(`[${this.clock().toISOString()}] {skydag} INFO - ${message}\n`),
      close: async () => undefined,
    };
  }

  async read(dagId: string, runId: string, taskId: string, tryNumber: number): Promise<string | undefined> {
    try {
      return await readFile(taskLogPath(this.root, dagId, runId, taskId, tryNumber), 'utf8');
    } catch {
      return undefined;
    }
  }
}

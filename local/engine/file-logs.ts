/**
 * Task logs on the filesystem, one file per try, in Airflow 2's layout:
 * `<logs>/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log`, with the ids encoded
 * injectively (shared/runtime/log-location.ts: `col_1` and `col~1` get different files).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TaskLogHandle, TaskLogs } from '../../shared/runtime/handlers/deps.js';
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
  ) {}

  open(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1): TaskLogHandle {
    const path = taskLogPath(this.root, dagId, runId, taskId, tryNumber, mapIndex);
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

  async read(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1): Promise<string | undefined> {
    try {
      return await readFile(taskLogPath(this.root, dagId, runId, taskId, tryNumber, mapIndex), 'utf8');
    } catch {
      return undefined;
    }
  }
}

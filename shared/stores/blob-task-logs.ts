/**
 * Task logs in the blob store (S3 in the cloud): one object per try, at the key the local log files
 * use (`<prefix>dag_id=…/run_id=…/task_id=…/attempt=N.log`, shared/runtime/log-location.ts). S3 has
 * no append, so a running try's log is buffered and the object rewritten with everything so far every
 * `flushMs` or once `flushBytes` are pending: the API's log endpoint (and its continuation tokens,
 * byte offsets into the object) shows a running task's output within seconds. `close()` writes the rest.
 */
import type { TaskLogHandle, TaskLogs } from '../runtime/handlers/deps.js';
import { taskLogKey } from '../runtime/log-location.js';
import type { BlobStore } from './blob.js';

export interface BlobTaskLogsOptions {
  /** Key prefix of the logs (e.g. `logs/`). */
  prefix?: string;
  /** Longest time written text waits before it is readable. @default 5000 */
  flushMs?: number;
  /** Pending bytes that trigger a write at once. @default 65536 */
  flushBytes?: number;
  clock?: () => Date;
  /** Timers (tests drive them by hand). */
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

const defaultTimer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return { cancel: () => clearTimeout(t) };
};

export class BlobTaskLogs implements TaskLogs {
  private readonly prefix: string;
  private readonly flushMs: number;
  private readonly flushBytes: number;
  private readonly clock: () => Date;
  private readonly setTimer: NonNullable<BlobTaskLogsOptions['setTimer']>;

  constructor(
    private readonly blobs: Pick<BlobStore, 'put' | 'get'>,
    options: BlobTaskLogsOptions = {},
  ) {
    this.prefix = options.prefix ?? 'logs/';
    this.flushMs = options.flushMs ?? 5000;
    this.flushBytes = options.flushBytes ?? 65536;
    this.clock = options.clock ?? (() => new Date());
    this.setTimer = options.setTimer ?? defaultTimer;
  }

  keyOf(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1): string {
    return `${this.prefix}${taskLogKey({ dagId, runId, taskId, tryNumber, mapIndex })}`;
  }

  open(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1): TaskLogHandle {
    const key = this.keyOf(dagId, runId, taskId, tryNumber, mapIndex);
    const chunks: Buffer[] = [];
    let pending = 0;
    let timer: { cancel(): void } | undefined;
    // Writes are chained: the object only ever grows, and close() waits for the last one.
    let writing: Promise<void> = Promise.resolve();
    let failure: unknown;
    const flush = () => {
      timer?.cancel();
      timer = undefined;
      if (pending === 0) return writing;
      pending = 0;
      // The body is taken when the write starts: everything written so far, after any earlier content.
      writing = writing.then(() => this.blobs.put(key, Buffer.concat(chunks), { contentType: 'text/plain; charset=utf-8' })).catch((error: unknown) => {
        failure ??= error;
      });
      return writing;
    };
    const write = (text: string) => {
      const bytes = Buffer.from(text, 'utf8');
      chunks.push(bytes);
      pending += bytes.length;
      if (pending >= this.flushBytes) void flush();
      else timer ??= this.setTimer(() => void flush(), this.flushMs);
    };
    // Existing content (a handler writing its own lines to a try another handler started) is kept.
    const start = this.blobs.get(key).then((existing) => {
      if (existing && existing.length > 0) chunks.unshift(existing);
    });
    writing = start.catch(() => undefined);
    return {
      write,
      info: (message) => write(`[${this.clock().toISOString()}] {skydag} INFO - ${message}\n`),
      close: async () => {
        await start.catch(() => undefined);
        pending = Math.max(pending, 1);
        await flush();
        if (failure) throw failure;
      },
    };
  }

  async read(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex = -1): Promise<string | undefined> {
    return (await this.blobs.get(this.keyOf(dagId, runId, taskId, tryNumber, mapIndex)))?.toString('utf8');
  }
}

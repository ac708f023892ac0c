/**
 * Following a task's log while it runs: fetch the log, then only what was appended since (the API's
 * continuation token), every interval, until the try has finished — with one last read after it
 * finished, so the end of the log is never missed. A log that does not exist yet (the try is just
 * starting) is waited for; other errors stop following and are reported.
 */
import { ApiError } from '../api/client';

export interface LogChunk {
  content: string;
  continuation_token: string;
}

export interface LogFollowerOptions {
  /** Reads the log from `token` on (the whole log without one). */
  fetch(token: string | undefined): Promise<LogChunk>;
  /** Whether the try has finished (read before each fetch: a finished try gets one last read). */
  isFinished(): boolean;
  onText(text: string): void;
  onStatus(status: FollowStatus): void;
  onError(error: unknown): void;
  intervalMs?: number;
  schedule?: (fn: () => void, ms: number) => unknown;
  cancel?: (handle: unknown) => void;
}

/** `following`: the try runs and new lines appear as they are written; `waiting`: no log yet; `done`: complete. */
export type FollowStatus = 'following' | 'waiting' | 'done' | 'stopped';

export class LogFollower {
  private token: string | undefined;
  private timer: unknown;
  private stopped = false;
  private readonly interval: number;
  private readonly schedule: (fn: () => void, ms: number) => unknown;
  private readonly cancel: (handle: unknown) => void;

  constructor(private readonly options: LogFollowerOptions) {
    this.interval = options.intervalMs ?? 1500;
    this.schedule = options.schedule ?? ((fn, ms) => setTimeout(fn, ms));
    this.cancel = options.cancel ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  start(): void {
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancel(this.timer);
    this.options.onStatus('stopped');
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const finishedBefore = this.options.isFinished();
    try {
      const chunk = await this.options.fetch(this.token);
      if (this.stopped) return;
      this.token = chunk.continuation_token;
      if (chunk.content) this.options.onText(chunk.content);
      if (finishedBefore) {
        this.options.onStatus('done');
        return;
      }
      this.options.onStatus('following');
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof ApiError && error.status === 404) {
        if (finishedBefore) {
          this.options.onStatus('done');
          return;
        }
        this.options.onStatus('waiting');
      } else {
        this.options.onError(error);
        this.options.onStatus('stopped');
        return;
      }
    }
    this.timer = this.schedule(() => void this.tick(), this.interval);
  }
}

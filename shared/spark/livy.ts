/**
 * Apache Livy batches (REST API: `POST /batches`, `GET /batches/{id}/state`,
 * `GET /batches/{id}/log?from=&size=`, `DELETE /batches/{id}`): submit, then poll until the batch is
 * `success` (the try succeeds) or `dead` / `killed` / `error` (it fails with the batch's last log
 * lines), streaming the batch log into the task log as it grows. When the try is stopped
 * (execution_timeout, run stopped) the batch is deleted. A retry is a new try: a new batch.
 *
 * In the cloud (`wait` set) no invocation waits between polls: after the submission, and after each
 * poll that finds the batch still going, the wait is handed off (WaitHandOff with the batch id and
 * log offset) and a later invocation polls again — at most once a minute, what EventBridge Scheduler's
 * one-shots resolve.
 *
 * Requests carry `X-Requested-By` (Livy refuses POST/DELETE without it when CSRF protection is on)
 * and, for basic auth, the group's credentials; neither is ever logged.
 */
import { abortError, realSleep, type SleepFn } from '../runtime/executors/support.js';
import { TaskFailedError, TaskTimeoutError, WaitHandOff, type TaskLogger, type WaitContext } from '../runtime/executors/types.js';
import type { LivyBatchBody } from './render.js';

export const LIVY_FAILED_STATES = new Set(['dead', 'killed', 'error']);
const LAST_LINES = 20;
const LOG_PAGE = 1000;
/** Consecutive failed polls tolerated (a restarting Livy server) before the try fails. */
const MAX_POLL_ERRORS = 5;
/** The shortest wait between polls handed off to a later invocation (one-shot schedules fire by the minute). */
export const HANDED_OFF_POLL_MS = 60_000;

/**
 * The Livy server a batch was submitted to, as it was then: later polls and the DELETE go there even
 * if the config group was edited or deleted meanwhile. The password stays sealed exactly as the group
 * stored it (bound to the group's name), never in clear.
 */
export interface LivyConnection {
  group: string;
  url: string;
  username?: string;
  sealed_password?: string;
  poll_interval_seconds?: number;
}

/** What a Livy batch hands from one invocation to the next. */
export interface LivyProgress {
  livy_batch_id: number;
  livy_log_offset: number;
  /** Where the batch was submitted: where later polls go and where a try that ended meanwhile deletes it. */
  livy_connection?: LivyConnection;
  /** Waits handed off before livy_connection existed name only the group (looked up again). */
  livy_group?: string;
}

function livyConnection(raw: unknown): LivyConnection | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const { group, url, username, sealed_password, poll_interval_seconds } = raw as Record<string, unknown>;
  if (typeof group !== 'string' || typeof url !== 'string') return undefined;
  return {
    group,
    url,
    ...(typeof username === 'string' ? { username } : {}),
    ...(typeof sealed_password === 'string' ? { sealed_password } : {}),
    ...(typeof poll_interval_seconds === 'number' ? { poll_interval_seconds } : {}),
  };
}

export function livyProgress(resumed: Record<string, unknown> | undefined): LivyProgress | undefined {
  const id = resumed?.livy_batch_id;
  const offset = resumed?.livy_log_offset;
  const group = resumed?.livy_group;
  const connection = livyConnection(resumed?.livy_connection);
  return typeof id === 'number' && typeof offset === 'number'
    ? { livy_batch_id: id, livy_log_offset: offset, ...(connection ? { livy_connection: connection } : {}), ...(typeof group === 'string' ? { livy_group: group } : {}) }
    : undefined;
}

export interface LivyClientOptions {
  url: string;
  username?: string;
  password?: string;
  fetch?: typeof fetch;
}

export class LivyClient {
  private readonly fetchFn: typeof fetch;
  constructor(private readonly options: LivyClientOptions) {
    this.fetchFn = options.fetch ?? fetch;
  }

  private async request(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<{ status: number; json: unknown; text: string }> {
    const headers: Record<string, string> = { 'X-Requested-By': 'skydag', Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.options.username !== undefined) headers.Authorization = `Basic ${Buffer.from(`${this.options.username}:${this.options.password ?? ''}`).toString('base64')}`;
    const response = await this.fetchFn(`${this.options.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), ...(signal ? { signal } : {}) });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text };
  }

  async submit(body: LivyBatchBody, signal?: AbortSignal): Promise<{ id: number; state: string }> {
    const res = await this.request('POST', '/batches', body, signal);
    const json = res.json as { id?: unknown; state?: unknown } | undefined;
    if (res.status < 200 || res.status >= 300 || typeof json?.id !== 'number') {
      throw new TaskFailedError(`Livy refused the batch (HTTP ${res.status}): ${res.text.slice(0, 500)}`);
    }
    return { id: json.id, state: String(json.state ?? 'starting') };
  }

  async state(id: number): Promise<string> {
    const res = await this.request('GET', `/batches/${id}/state`);
    if (res.status === 404) throw new TaskFailedError(`Livy batch ${id} no longer exists (the server forgot it: restarted without recovery, or it was deleted)`);
    const state = (res.json as { state?: unknown } | undefined)?.state;
    if (res.status !== 200 || typeof state !== 'string') throw new Error(`GET /batches/${id}/state answered HTTP ${res.status}`);
    return state;
  }

  /** Log lines from `from` on (Livy numbers lines from 0); `from` undefined: the last `size` lines. */
  async log(id: number, from: number | undefined, size = LOG_PAGE): Promise<{ from: number; total: number; lines: string[] }> {
    const res = await this.request('GET', `/batches/${id}/log?${from === undefined ? '' : `from=${from}&`}size=${size}`);
    const json = res.json as { from?: number; total?: number; log?: unknown[] } | undefined;
    if (res.status !== 200 || !Array.isArray(json?.log)) return { from: from ?? 0, total: from ?? 0, lines: [] };
    return { from: json.from ?? from ?? 0, total: json.total ?? 0, lines: json.log.map(String) };
  }

  async delete(id: number): Promise<void> {
    const res = await this.request('DELETE', `/batches/${id}`);
    // 404: already gone (a twin delivery deleted it, or Livy forgot it): nothing left to stop.
    if (res.status !== 404 && (res.status < 200 || res.status >= 300)) throw new Error(`DELETE /batches/${id} answered HTTP ${res.status}`);
  }
}

export interface RunLivyBatchOptions {
  client: LivyClient;
  /** What to submit; unused when `wait.resumed` continues a batch submitted earlier. */
  body: LivyBatchBody | undefined;
  log: TaskLogger;
  signal: AbortSignal;
  pollIntervalMs: number;
  sleep?: SleepFn;
  /** Hand polls off to later invocations (cloud); `wait.resumed` continues a batch submitted earlier. */
  wait?: WaitContext;
  now?: () => Date;
  /** The server the client talks to, kept in the handed-off progress for later polls. */
  connection?: LivyConnection;
}

/** Submits a batch and follows it to its end (see the module comment). */
export async function runLivyBatch(options: RunLivyBatchOptions): Promise<{ id: number }> {
  const { client, body, log, signal } = options;
  const sleep = options.sleep ?? realSleep;
  if (signal.aborted) throw abortError(signal);
  const resumed = livyProgress(options.wait?.resumed);
  if (!resumed && !body) throw new Error('runLivyBatch: nothing to submit and no batch to resume');
  const id = resumed ? resumed.livy_batch_id : (await client.submit(body!, signal)).id;
  log.info(resumed ? `Livy batch ${id}: polling again` : `Livy batch ${id} submitted (${body!.name})`);
  let offset = resumed?.livy_log_offset ?? 0;
  const recent: string[] = [];
  const followLog = async () => {
    for (;;) {
      const page = await client.log(id, offset);
      for (const line of page.lines) {
        log.write(`${line}\n`);
        recent.push(line);
        if (recent.length > LAST_LINES) recent.shift();
      }
      offset = page.from + page.lines.length;
      if (page.lines.length === 0 || offset >= page.total) return;
    }
  };
  // A resumed invocation saw only the lines written since the last one: the last lines are asked for.
  const lastLines = async () => {
    if (recent.length === 0 && resumed) recent.push(...(await client.log(id, undefined, LAST_LINES).catch(() => ({ lines: [] as string[] }))).lines);
    return recent.length ? `; last log lines:\n${recent.join('\n')}` : '; the batch wrote no log';
  };
  const now = options.now ?? (() => new Date());

  let pollErrors = 0;
  let pollNow = resumed !== undefined;
  for (;;) {
    if (!pollNow && options.wait) {
      const nextAt = new Date(now().getTime() + Math.max(options.pollIntervalMs, HANDED_OFF_POLL_MS));
      const connection = options.connection ?? resumed?.livy_connection;
      const progress: LivyProgress = { livy_batch_id: id, livy_log_offset: offset, ...(connection ? { livy_connection: connection } : resumed?.livy_group !== undefined ? { livy_group: resumed.livy_group } : {}) };
      throw new WaitHandOff(nextAt, { ...progress }, false, `Livy batch ${id} is still going: next poll at ${nextAt.toISOString()}`);
    }
    try {
      if (!pollNow) await sleep(options.pollIntervalMs, signal);
      else if (signal.aborted) throw abortError(signal);
    } catch {
      await client.delete(id).catch(() => undefined);
      await followLog().catch(() => undefined);
      // The try's own end decides its error: execution_timeout fails as a timeout, a stopped run or a kill as a failure.
      const stopped = abortError(signal);
      const message = `${stopped.message}; Livy batch ${id} was deleted${await lastLines()}`;
      throw signal.reason instanceof TaskFailedError ? new TaskFailedError(message) : new TaskTimeoutError(message);
    }
    pollNow = false;
    let state: string;
    try {
      state = await client.state(id);
      pollErrors = 0;
    } catch (error) {
      if (error instanceof TaskFailedError || ++pollErrors > MAX_POLL_ERRORS) throw error instanceof TaskFailedError ? error : new TaskFailedError(`Livy batch ${id}: ${(error as Error).message}`);
      log.info(`Livy batch ${id}: polling failed (${(error as Error).message}); trying again`);
      continue;
    }
    await followLog().catch(() => undefined);
    if (state === 'success') {
      log.info(`Livy batch ${id} succeeded`);
      return { id };
    }
    if (LIVY_FAILED_STATES.has(state)) throw new TaskFailedError(`Livy batch ${id} ended ${state}${await lastLines()}`);
  }
}

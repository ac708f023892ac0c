/**
 * Retries: how long to wait before the next try, and whether there is one.
 *
 * Try numbers count from 1 and name the try that just ended (Airflow ≥ 2.10 convention). A task
 * with `retries = 2` runs at most 3 tries: tries 1 and 2 may fail into `up_for_retry`, try 3 fails
 * for good.
 */
import type { Task } from '../model/schema.js';
import { sha1Int } from './sha1.js';
import { type Instant, pythonUtcDatetimeStr, toEpochMs } from './time.js';

/**
 * Airflow's `MAX_RETRY_DELAY` (`[core] max_task_retry_delay`, default 24 h): the longest back-off
 * delay, applied before the task's own `max_retry_delay`.
 */
export const MAX_RETRY_DELAY_SECONDS = 86_400;

export type RetryPolicy = Pick<
  Task,
  'task_id' | 'retries' | 'retry_delay_seconds' | 'retry_exponential_backoff' | 'max_retry_delay_seconds'
>;

/** What identifies the task instance in the jitter hash, besides the task id. */
export interface RetryInstance {
  dagId: string;
  /** The run's logical date (`execution_date`). */
  logicalDate: Instant;
}

export interface RetryDelayOptions {
  /** `[core] max_task_retry_delay` in seconds; default {@link MAX_RETRY_DELAY_SECONDS}. */
  maxRetryDelayCapSeconds?: number;
}

function checkTryNumber(tryNumber: number): void {
  if (!Number.isInteger(tryNumber) || tryNumber < 1) {
    throw new RangeError(`tryNumber must be an integer from 1 (the try that just ended); got ${tryNumber}`);
  }
}

/**
 * The un-jittered exponential back-off after try `tryNumber`:
 * `max(ceil(retry_delay * 2 ** (tryNumber - 1)), 1)` seconds. The jittered delay lies in
 * `[minBackoff, 2 * minBackoff - 1]` before the caps.
 */
export function exponentialMinBackoffSeconds(task: Pick<RetryPolicy, 'retry_delay_seconds'>, tryNumber: number, cap = MAX_RETRY_DELAY_SECONDS): number {
  checkTryNumber(tryNumber);
  const raw = task.retry_delay_seconds * 2 ** (tryNumber - 1);
  // Python raises OverflowError past float range; Airflow 3 then uses MAX_RETRY_DELAY. So do we.
  if (!Number.isFinite(raw)) return cap;
  return Math.max(Math.ceil(raw), 1);
}

/**
 * Seconds to wait after try `tryNumber` failed, before the next try — Airflow's
 * `TaskInstance.next_retry_datetime` (2.10) minus the end date:
 *
 * - Without exponential back-off: `retry_delay`, as is (neither cap applies).
 * - With it: `min_backoff = ceil(retry_delay * 2 ** (try_number - 1))` (at least 1), plus a
 *   deterministic jitter `sha1("dag_id#task_id#logical_date#try_number") % min_backoff`, capped at
 *   `MAX_RETRY_DELAY` (24 h) and then at the task's `max_retry_delay` when that is set and non-zero
 *   (Airflow tests it for truthiness, so `max_retry_delay=0` means "no cap").
 *
 * The logical date enters the hash as Python's `str()` of the UTC datetime the metadata database
 * returns (`2024-01-01 00:00:00+00:00`). Airflow before 2.10 counted `try_number` one higher at this
 * point and used `2 ** (try_number - 2)`: same delays before jitter, a different jitter.
 */
export function nextRetryDelaySeconds(
  task: RetryPolicy,
  tryNumber: number,
  instance: RetryInstance,
  options: RetryDelayOptions = {},
): number {
  checkTryNumber(tryNumber);
  if (!task.retry_exponential_backoff) return task.retry_delay_seconds;
  const cap = options.maxRetryDelayCapSeconds ?? MAX_RETRY_DELAY_SECONDS;
  if (!Number.isInteger(cap) || cap < 1) {
    throw new RangeError(`maxRetryDelayCapSeconds must be a positive integer (Airflow reads it with getint); got ${cap}`);
  }
  const minBackoff = BigInt(exponentialMinBackoffSeconds(task, tryNumber, cap));
  const hash = sha1Int(`${instance.dagId}#${task.task_id}#${pythonUtcDatetimeStr(instance.logicalDate, 'logical date')}#${tryNumber}`);
  const modded = minBackoff + (hash % minBackoff);
  const capped = Number(modded < BigInt(cap) ? modded : BigInt(cap));
  return task.max_retry_delay_seconds ? Math.min(task.max_retry_delay_seconds, capped) : capped;
}

/** When the next try may start: the failed try's end plus {@link nextRetryDelaySeconds}. */
export function nextRetryAt(
  endDate: Instant,
  task: RetryPolicy,
  tryNumber: number,
  instance: RetryInstance,
  options: RetryDelayOptions = {},
): Date {
  return new Date(toEpochMs(endDate, 'end date') + nextRetryDelaySeconds(task, tryNumber, instance, options) * 1000);
}

/** How many tries a fresh run of the task gets in total: `retries + 1`. */
export function maxTries(task: Pick<RetryPolicy, 'retries'>): number {
  return task.retries + 1;
}

/**
 * Airflow's `ti.max_tries` column: the last try number after which a failure may still be retried.
 * It is `retries` for a new task instance; clearing a task instance whose last try was N sets it
 * to `N + retries`, so the cleared run gets `retries + 1` more tries.
 */
export function tiMaxTries(task: Pick<RetryPolicy, 'retries'>, lastTryNumberBeforeClear = 0): number {
  return lastTryNumberBeforeClear + task.retries;
}

/**
 * Whether a failure of try `tryNumber` goes to `up_for_retry` (true) or `failed` (false):
 * Airflow's `is_eligible_to_retry`, `bool(task.retries and try_number <= max_tries)`.
 * Failures that never retry (sensor timeouts, `AirflowFailException`) are the caller's concern.
 */
export function shouldRetry(task: Pick<RetryPolicy, 'retries'>, tryNumber: number, maxTriesColumn = tiMaxTries(task)): boolean {
  checkTryNumber(tryNumber);
  return task.retries > 0 && tryNumber <= maxTriesColumn;
}

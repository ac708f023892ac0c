/**
 * Retrying AWS calls whose loss would hang a run: a task token answer (SendTaskSuccess/Failure) that
 * is throttled and dropped leaves its state waiting forever. Exponential backoff with full jitter
 * (AWS's recommendation), on top of the SDK's own few attempts.
 */
export interface RetryOptions {
  /** Attempts in all (first call included). @default 8 */
  attempts?: number;
  /** First backoff ceiling in ms; doubles each attempt. @default 100 */
  baseMs?: number;
  /** Backoff ceiling in ms. @default 5000 */
  maxMs?: number;
  /** Waits between attempts (tests pass one that does not sleep). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Errors a retry cannot fix: the request itself is wrong (validation, payload too large, no permission). */
const PERMANENT = new Set([
  'ValidationException',
  'InvalidOutput',
  'InvalidArn',
  'InvalidName',
  'InvalidExecutionInput',
  'InvalidDefinition',
  'AccessDeniedException',
  'ExecutionAlreadyExists',
  'ExecutionLimitExceeded',
  'StateMachineDoesNotExist',
  'StateMachineDeleting',
  'ConflictException',
  'ResourceNotFoundException',
  'ServiceQuotaExceededException',
]);

export function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null ? String((error as { name?: unknown }).name ?? '') : '';
}

/** Throttling, 5xx, timeouts and network errors are worth another attempt; anything AWS called invalid is not. */
export function isRetryable(error: unknown): boolean {
  const name = errorName(error);
  if (PERMANENT.has(name)) return false;
  const fault = (error as { $fault?: string } | null)?.$fault;
  // A client fault the SDK does not mark retryable (throttling is) is the caller's mistake.
  if (fault === 'client') return Boolean((error as { $retryable?: unknown }).$retryable) || /Throttl|TooManyRequests|RequestLimitExceeded/.test(name);
  return true;
}

export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8;
  const base = options.baseMs ?? 100;
  const max = options.maxMs ?? 5000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      await sleep(Math.floor(random() * Math.min(max, base * 2 ** (attempt - 1))));
    }
  }
}

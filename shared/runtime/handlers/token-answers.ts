/**
 * Answering task tokens reliably. Step Functions' SendTaskSuccess/SendTaskFailure can be throttled or
 * fail transiently; an answer that is lost leaves its state waiting forever (a task `queued` with
 * `decision=run` that never runs). So an answer is retried with capped exponential backoff and full
 * jitter; only the three errors that mean "nobody waits for this token any more" are accepted as
 * final: the waiting state timed out or was already answered (TaskTimedOut), the token is malformed
 * or expired (InvalidToken), or its execution is gone (TaskDoesNotExist). If every attempt fails, the
 * error propagates: the handler fails, its invocation is retried, and the redelivered handler (or the
 * reconciler) answers again, because the token stays recorded until an answer went through.
 */
import type { TaskTokens } from './deps.js';

/** The token port's "nobody waits for this token" outcomes: the same names the Step Functions API uses. */
export const TOKEN_GONE_REASONS = ['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'] as const;
export type TokenGoneReason = (typeof TOKEN_GONE_REASONS)[number];

/**
 * What a TaskTokens adapter throws when the answer cannot be delivered because nothing waits for it
 * any more. Every other error an adapter throws is treated as transient (retried).
 */
export class TaskTokenGoneError extends Error {
  override readonly name = 'TaskTokenGoneError';
  constructor(
    readonly reason: TokenGoneReason,
    message: string,
  ) {
    super(`${reason}: ${message}`);
  }
}

export interface TokenRetryPolicy {
  /** Attempts in all (the first send included). */
  attempts: number;
  /** Backoff before attempt n+1 is a random delay in [0, min(maxDelayMs, baseDelayMs·2ⁿ)) ("full jitter"). */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** ~6 s worst case: well inside a control Lambda's timeout, long enough to ride out throttling. */
export const DEFAULT_TOKEN_RETRY: TokenRetryPolicy = { attempts: 6, baseDelayMs: 100, maxDelayMs: 2000 };

export interface TokenAnswerDeps {
  tokens: TaskTokens;
  tokenRetry?: TokenRetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** The default of `deps.sleep`: a timer. */
export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends one answer with retries. Returns 'answered', or 'gone' when nothing waits for the token (then
 * the answer is moot). Throws the last error when every attempt failed transiently.
 */
export async function deliverAnswer(deps: TokenAnswerDeps, send: (tokens: TaskTokens) => Promise<void>): Promise<'answered' | 'gone'> {
  const policy = deps.tokenRetry ?? DEFAULT_TOKEN_RETRY;
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      await send(deps.tokens);
      return 'answered';
    } catch (err) {
      if (err instanceof TaskTokenGoneError) return 'gone';
      if (attempt >= policy.attempts) throw err;
      await sleep(Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))));
    }
  }
}

/**
 * The sign-in throttle: password guessing through login or HTTP Basic is slowed per user and per
 * client address. After `maxFailures` failures a subject is locked out, for a time that doubles with
 * every further failure (30 s, 1 min, 2 min, ... up to an hour); a locked-out attempt is refused with
 * 429 and Retry-After before any password is checked. Counts live in the metadata store, so they
 * survive restarts and are shared by every API instance (Lambda), and lapse a day after the last
 * failure. Unknown usernames are counted like known ones, so the throttle reveals nothing about who
 * exists. A successful sign-in clears the user's count, not the address's: an attacker holding one
 * account must not be able to reset the count of the address it guesses from.
 *
 * Locking a user out is also a way to deny them service; the per-address count is what stops one
 * client, the per-user count what stops guessing spread over many addresses. Both are needed.
 * Loopback addresses are not counted: every client of a local `skydag dev` shares 127.0.0.1, so an
 * address lockout there would lock out the whole machine (and outlive `skydag users reset-password`);
 * the per-user count still applies.
 */
import type { SignInFailuresRecord } from '../../model/records.js';
import type { ConfigStore } from '../../stores/metadata.js';
import { ApiError } from '../problem.js';

export interface SignInThrottlePolicy {
  /** Failures (within the window) before the first lockout. */
  maxFailures: number;
  /** The first lockout; each later failure doubles it. */
  baseLockoutMs: number;
  maxLockoutMs: number;
  /** A count lapses this long after its last failure. */
  windowMs: number;
}

export const DEFAULT_SIGN_IN_POLICY: SignInThrottlePolicy = {
  maxFailures: 10,
  baseLockoutMs: 30_000,
  maxLockoutMs: 60 * 60_000,
  windowMs: 24 * 60 * 60_000,
};

/** Until when (epoch ms) a count locks its subject out, or null when it does not. */
export function lockedUntil(record: SignInFailuresRecord, policy: SignInThrottlePolicy): number | null {
  const beyond = record.failures - policy.maxFailures;
  if (beyond < 0) return null;
  const lockout = Math.min(policy.baseLockoutMs * 2 ** Math.min(beyond, 40), policy.maxLockoutMs);
  return Date.parse(record.last_failure_at) + lockout;
}

export interface SignInAttempt {
  /** The username tried (may not exist). */
  username: string | null;
  /** The client address (API Gateway's sourceIp). */
  address: string | null;
}

/** The throttle's subject for a username (case-insensitive: `Admin` and `admin` share one count). */
export const userSubject = (username: string): string => `user:${username.toLowerCase()}`;

const isLoopback = (address: string): boolean => /^(127\.|::1$|::ffff:127\.)/.test(address);

const subjectsOf = ({ username, address }: SignInAttempt): string[] => [
  ...(username ? [userSubject(username)] : []),
  ...(address && !isLoopback(address) ? [`addr:${address}`] : []),
];

export class SignInThrottle {
  constructor(
    private readonly store: Pick<ConfigStore, 'recordSignInFailure' | 'getSignInFailures' | 'clearSignInFailures'>,
    private readonly clock: () => Date,
    readonly policy: SignInThrottlePolicy = DEFAULT_SIGN_IN_POLICY,
  ) {}

  /** Seconds until this attempt may be made (for Retry-After), or null when it may be made now. */
  async retryAfterSeconds(attempt: SignInAttempt): Promise<number | null> {
    const now = this.clock();
    const counts = await Promise.all(subjectsOf(attempt).map((s) => this.store.getSignInFailures(s, now)));
    let until = 0;
    for (const count of counts) if (count) until = Math.max(until, lockedUntil(count, this.policy) ?? 0);
    return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : null;
  }

  async failed(attempt: SignInAttempt): Promise<void> {
    const now = this.clock();
    await Promise.all(subjectsOf(attempt).map((s) => this.store.recordSignInFailure(s, now, this.policy.windowMs)));
  }

  async succeeded(username: string): Promise<void> {
    await this.store.clearSignInFailures(userSubject(username));
  }
}

/** 429 for a locked-out sign-in (login or Basic), with Retry-After. */
export function signInThrottled(retryAfterSeconds: number): ApiError {
  return new ApiError('TooManyRequests', `Too many failed sign-ins for this user or from this address: try again in ${retryAfterSeconds} s`, {
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

/**
 * Sensor loop arithmetic (Airflow 2.10 `BaseSensorOperator.execute` / `_get_next_poke_interval`).
 *
 * In skydag a sensor is a `Wait` → poke loop that holds no worker, i.e. Airflow's `reschedule`
 * mode by construction; `poke` mode settings are accepted and computed the same way except for how
 * the poke count is obtained (below). After every poke that returns false:
 *
 * 1. If the run duration (now − first poke of this try) is **greater than** `timeout`, the sensor
 *    ends: `failed` (`AirflowSensorTimeout`, which Airflow never retries: `force_fail=True`) or,
 *    with `soft_fail`, `skipped`.
 * 2. Otherwise it waits {@link nextPokeDelaySeconds} and pokes again.
 */
import type { SensorSettings } from '../model/schema.js';
import { WaitHandOff, type WaitContext } from './executors/types.js';
import { TaskState } from './states.js';
import { sha1Int } from './sha1.js';
import { type Instant, pythonUtcDatetimeStr, toEpochMs } from './time.js';

/** Sensor settings, plus Airflow's optional `max_wait` (the longest wait between pokes). */
export type SensorPolicy = SensorSettings & { max_wait_seconds?: number | null };

export interface SensorPokeContext {
  dagId: string;
  taskId: string;
  /** Start of the first poke of the current try (Airflow: the first reschedule date of the try). */
  firstPokeAt: Instant;
  now: Instant;
  /** Pokes done so far in this try, counting the one that just returned false (from 1). */
  pokeCount: number;
}

/** `timedelta.max.total_seconds() - 1` in Python. */
const TIMEDELTA_MAX_SECONDS_MINUS_ONE = 86_399_999_999_999;

/** Seconds since the first poke (Airflow's `run_duration()`; fractional). */
export function sensorRunDurationSeconds(firstPokeAt: Instant, now: Instant): number {
  return (toEpochMs(now, 'now') - toEpochMs(firstPokeAt, 'first poke time')) / 1000;
}

/** `run_duration() > timeout` (strictly greater: at exactly `timeout` the sensor pokes once more). */
export function isSensorTimedOut(settings: Pick<SensorSettings, 'timeout_seconds'>, firstPokeAt: Instant, now: Instant): boolean {
  return sensorRunDurationSeconds(firstPokeAt, now) > settings.timeout_seconds;
}

/** The state a timed-out sensor ends in: `skipped` with soft_fail, else `failed` (never retried). */
export function sensorTimeoutState(settings: Pick<SensorSettings, 'soft_fail'>): typeof TaskState.FAILED | typeof TaskState.SKIPPED {
  return settings.soft_fail ? TaskState.SKIPPED : TaskState.FAILED;
}

/** One back-off step: `max(int(poke_interval * 2 ** (n - 2)), 1)` plus SHA-1 jitter, uncapped by the timeout. */
function jitteredInterval(pokeInterval: number, dagId: string, taskId: string, startedAt: string, n: number): number {
  const minBackoff = BigInt(Math.max(Math.trunc(pokeInterval * 2 ** (n - 2)), 1));
  const modded = minBackoff === 1n ? 1n : minBackoff + (sha1Int(`${dagId}#${taskId}#${startedAt}#${n}`) % minBackoff);
  return Math.min(Number(modded), TIMEDELTA_MAX_SECONDS_MINUS_ONE);
}

/**
 * Airflow's reschedule-mode estimate of how many pokes have happened, from the elapsed time alone:
 * add up jittered intervals until they exceed it.
 */
export function estimatePokeCount(settings: Pick<SensorSettings, 'poke_interval_seconds'>, ctx: Omit<SensorPokeContext, 'pokeCount'>): number {
  const elapsed = sensorRunDurationSeconds(ctx.firstPokeAt, ctx.now);
  if (elapsed < 0) return 0;
  // With poke_interval 0 every step is exactly 1 s; skip the (possibly very long) loop.
  if (settings.poke_interval_seconds === 0) return Math.floor(elapsed) + 1;
  const startedAt = pythonUtcDatetimeStr(ctx.firstPokeAt, 'first poke time');
  let cumulative = 0;
  let estimated = 0;
  while (cumulative <= elapsed) {
    estimated++;
    cumulative += jitteredInterval(settings.poke_interval_seconds, ctx.dagId, ctx.taskId, startedAt, estimated);
  }
  return estimated;
}

/**
 * Seconds to wait before the next poke, after a poke that returned false and did not time out.
 *
 * - Without `exponential_backoff`: `poke_interval`, as is.
 * - With it: `min_backoff = max(int(poke_interval * 2 ** (n - 2)), 1)` plus a jitter
 *   `sha1("dag_id#task_id#started_at#n") % min_backoff`, then capped at the time left before the
 *   timeout (`timeout - int(run_duration)`) and at `max_wait` when set. In reschedule mode `n` is
 *   estimated from the elapsed time ({@link estimatePokeCount}, as Airflow does, since reschedules
 *   lose the in-memory count); in poke mode it is `pokeCount`. `started_at` is the first poke time
 *   as Python's `str()` of a UTC datetime. (Airflow's poke mode hashes a `time.monotonic()` reading
 *   instead, which is not reproducible; the first poke time is used for both modes here.)
 */
export function nextPokeDelaySeconds(settings: SensorPolicy, ctx: SensorPokeContext): number {
  if (!settings.exponential_backoff) return settings.poke_interval_seconds;
  if (!Number.isInteger(ctx.pokeCount) || ctx.pokeCount < 1) {
    throw new RangeError(`pokeCount must be an integer from 1; got ${ctx.pokeCount}`);
  }
  const n = settings.mode === 'reschedule' ? estimatePokeCount(settings, ctx) || ctx.pokeCount : ctx.pokeCount;
  const startedAt = pythonUtcDatetimeStr(ctx.firstPokeAt, 'first poke time');
  const backoff = jitteredInterval(settings.poke_interval_seconds, ctx.dagId, ctx.taskId, startedAt, n);
  const duration = sensorRunDurationSeconds(ctx.firstPokeAt, ctx.now);
  let interval = Math.min(settings.timeout_seconds - Math.trunc(duration), backoff);
  if (settings.max_wait_seconds) interval = Math.min(settings.max_wait_seconds, interval);
  return interval;
}

export type SensorStep =
  | {
      action: 'timeout';
      /** `failed` (not retried) or, with soft_fail, `skipped`. */
      state: typeof TaskState.FAILED | typeof TaskState.SKIPPED;
      /** Always false: Airflow force-fails a sensor timeout without using retries. */
      retryable: false;
      message: string;
    }
  | { action: 'wait'; delaySeconds: number; nextPokeAt: Date };

/** What a sensor does after a poke returned false: time out, or wait and poke again. */
export function afterFalsePoke(settings: SensorPolicy, ctx: SensorPokeContext): SensorStep {
  const duration = sensorRunDurationSeconds(ctx.firstPokeAt, ctx.now);
  if (duration > settings.timeout_seconds) {
    const state = sensorTimeoutState(settings);
    return {
      action: 'timeout',
      state,
      retryable: false,
      message:
        `Sensor has timed out; run duration of ${duration} seconds exceeds the specified timeout of ${settings.timeout_seconds}.` +
        (state === TaskState.SKIPPED ? ' soft_fail is set, so the task is skipped.' : ''),
    };
  }
  const delaySeconds = nextPokeDelaySeconds(settings, ctx);
  return { action: 'wait', delaySeconds, nextPokeAt: new Date(toEpochMs(ctx.now, 'now') + delaySeconds * 1000) };
}

/** What a sensor hands from one invocation to the next: when its try's first poke was and how many pokes it did. */
export interface SensorProgress {
  first_poke_at: string;
  pokes: number;
}

/** Where a sensor's poke loop starts: the handed-off progress, or a first poke now. */
export function sensorStart(wait: WaitContext | undefined, now: Date): { firstPokeAt: Date; pokeCount: number } {
  const resumed = wait?.resumed as Partial<SensorProgress> | undefined;
  if (resumed && typeof resumed.first_poke_at === 'string' && Number.isInteger(resumed.pokes)) {
    return { firstPokeAt: new Date(resumed.first_poke_at), pokeCount: resumed.pokes! };
  }
  return { firstPokeAt: now, pokeCount: 0 };
}

/**
 * After a false poke that did not time out: the hand-off to a later invocation when this one must
 * not wait (reschedule mode always, as Airflow releases the worker; poke mode when the next poke is
 * past the invocation's budget), else undefined (wait here). Only reschedule mode gives its slots back.
 */
export function sensorHandOff(settings: Pick<SensorSettings, 'mode'>, wait: WaitContext | undefined, step: Extract<SensorStep, { action: 'wait' }>, firstPokeAt: Date, pokeCount: number): WaitHandOff | undefined {
  if (!wait) return undefined;
  const reschedule = settings.mode === 'reschedule';
  if (!reschedule && step.nextPokeAt.getTime() <= wait.handOffAfter.getTime()) return undefined;
  const progress: SensorProgress = { first_poke_at: firstPokeAt.toISOString(), pokes: pokeCount };
  const what = reschedule ? 'Rescheduling (mode=reschedule)' : 'Poking goes on in a later invocation (past this one\'s budget)';
  return new WaitHandOff(step.nextPokeAt, { ...progress }, reschedule, `${what}: next poke at ${step.nextPokeAt.toISOString()}`);
}

/**
 * The poke loop of Airflow's `BaseSensorOperator.execute`, for sensors implemented in TypeScript.
 *
 * Poke immediately; on false, time out when the run duration (now − first poke) is greater than
 * `timeout` — failed without retries ({@link SensorTimeoutError}) or skipped with `soft_fail` —
 * else wait the next poke interval (`poke_interval`, or Airflow's exponential back-off) and poke
 * again. The arithmetic is the pure helpers' in `../sensor.ts`.
 *
 * Local/Lambda execution holds the executor between pokes, like Airflow's `poke` mode. A sensor
 * with `mode='reschedule'` runs the same loop here (nothing is released between pokes); only its
 * back-off intervals are computed as Airflow's reschedule mode computes them (the poke count is
 * estimated from the elapsed time). The compiled state machine implements real reschedules.
 *
 * `signal` aborting (execution_timeout / stop) ends the loop with TaskTimeoutError, also in the
 * middle of a poke or a wait. The sleep is injectable so tests never wait in real time.
 */
import type { SensorSettings } from '../../model/schema.js';
import { type SensorPolicy, afterFalsePoke, sensorHandOff, sensorStart } from '../sensor.js';
import { TaskState } from '../states.js';
import { type SleepFn, abortError, raceAbort, realSleep, throwIfAborted, withReturnValue } from './support.js';
import { type ExecutionOutcome, type ExecutionRequest, TaskNotRunnableError } from './types.js';

/** What a poke returns: done or not, optionally with the XCom value (Airflow's PokeReturnValue). */
export type PokeResult = boolean | { done: boolean; xcom?: unknown };

/** BaseSensorOperator's defaults (Airflow 2: poke_interval 60 s, timeout 7 days, poke mode). */
export const DEFAULT_SENSOR_SETTINGS: SensorSettings = {
  poke_interval_seconds: 60,
  timeout_seconds: 604800,
  mode: 'poke',
  soft_fail: false,
  exponential_backoff: false,
};

export interface SensorLoopOptions {
  /** Waits between pokes (default: a real timer). */
  sleep?: SleepFn;
  /** Airflow's `max_wait`: the longest wait between pokes with exponential back-off. */
  maxWaitSeconds?: number | null;
}

/**
 * A sensor timeout without soft_fail. Airflow force-fails it (`AirflowSensorTimeout` is never
 * retried). Like the Python runner's `TaskFailedNoRetryError` it is a TaskNotRunnableError (so a
 * handler that skips retries for those does the right thing) flagged `failNoRetry` / `retryable:
 * false`, so it can still be shown as a plain failure.
 */
export class SensorTimeoutError extends TaskNotRunnableError {
  readonly failNoRetry = true;
  readonly retryable = false;
}

/** Runs the poke loop for `request.task`'s sensor settings. */
export async function runSensor(
  request: ExecutionRequest,
  poke: () => Promise<PokeResult>,
  options: SensorLoopOptions = {},
): Promise<ExecutionOutcome> {
  const { signal, log, task } = request;
  const sleep = options.sleep ?? realSleep;
  const policy: SensorPolicy = { ...(task.sensor ?? DEFAULT_SENSOR_SETTINGS), max_wait_seconds: options.maxWaitSeconds ?? null };
  throwIfAborted(signal);
  // Resumed in a later invocation (cloud hand-off): the try's first poke and count carry on, so
  // `timeout` counts from the first poke across reschedules, as in Airflow.
  const start = sensorStart(request.wait, request.now());
  const firstPokeAt = start.firstPokeAt;
  let pokeCount = start.pokeCount;
  for (;;) {
    throwIfAborted(signal);
    pokeCount++;
    const result = await raceAbort(poke(), signal);
    const done = typeof result === 'boolean' ? result : result.done;
    if (done) {
      log.info('Success criteria met. Exiting.');
      const xcom = typeof result === 'boolean' ? undefined : result.xcom;
      return { outcome: 'success', ...withReturnValue(task, xcom) };
    }
    const step = afterFalsePoke(policy, {
      dagId: request.dag.dag_id,
      taskId: task.task_id,
      firstPokeAt,
      now: request.now(),
      pokeCount,
    });
    if (step.action === 'timeout') {
      log.info(step.message);
      if (step.state === TaskState.SKIPPED) return { outcome: 'skipped', message: step.message };
      throw new SensorTimeoutError(step.message);
    }
    if (policy.exponential_backoff) log.info(`new ${policy.mode} interval is ${step.delaySeconds}`);
    const handOff = sensorHandOff(policy, request.wait, step, firstPokeAt, pokeCount);
    if (handOff) throw handOff;
    try {
      await sleep(step.delaySeconds * 1000, signal);
    } catch (error) {
      if (signal.aborted) throw abortError(signal);
      throw error;
    }
  }
}

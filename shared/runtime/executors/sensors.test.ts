import { createHash } from 'node:crypto';
import { runSensor, SensorTimeoutError } from './sensors.js';
import { FakeClock, makeRequest, makeTask, sensorSettings } from './test-request.js';
import { TaskFailedError, TaskNotRunnableError, TaskTimeoutError } from './types.js';
import type { SensorSettings } from '../../model/schema.js';

function sensorRequest(settings: Partial<SensorSettings>, clock: FakeClock, signal?: AbortSignal, doXcomPush = true) {
  return makeRequest({
    task: makeTask({ task_id: 'wait', operator: 'FileSensor', operator_kind: 'file_sensor', sensor: sensorSettings(settings), do_xcom_push: doXcomPush }),
    now: clock.now,
    signal,
  });
}

/** A poke that is false `falses` times, then true; records when it was called (fake seconds). */
function scripted(clock: FakeClock, falses: number) {
  const calls: number[] = [];
  const start = clock.ms;
  return {
    calls,
    poke: async () => {
      calls.push((clock.ms - start) / 1000);
      return calls.length > falses;
    },
  };
}

describe('runSensor', () => {
  it('pokes immediately, then every poke_interval until true', async () => {
    const clock = new FakeClock();
    const req = sensorRequest({ poke_interval_seconds: 30 }, clock);
    const p = scripted(clock, 3);
    await expect(runSensor(req, p.poke, { sleep: clock.sleep })).resolves.toEqual({ outcome: 'success' });
    expect(p.calls).toEqual([0, 30, 60, 90]);
    expect(clock.sleeps).toEqual([30, 30, 30]);
    expect(req.log.infos()).toEqual(['Success criteria met. Exiting.']);
  });

  it('succeeds on the first poke without sleeping', async () => {
    const clock = new FakeClock();
    const p = scripted(clock, 0);
    await expect(runSensor(sensorRequest({}, clock), p.poke, { sleep: clock.sleep })).resolves.toEqual({ outcome: 'success' });
    expect(clock.sleeps).toEqual([]);
  });

  it('returns the XCom of a PokeReturnValue-like result, unless do_xcom_push is false', async () => {
    const clock = new FakeClock();
    const poke = async () => ({ done: true, xcom: { rows: 3 } });
    await expect(runSensor(sensorRequest({}, clock), poke, { sleep: clock.sleep })).resolves.toEqual({ outcome: 'success', returnValue: { rows: 3 } });
    await expect(runSensor(sensorRequest({}, clock, undefined, false), poke, { sleep: clock.sleep })).resolves.toEqual({ outcome: 'success' });
  });

  it('times out only when the run duration is strictly greater than timeout, and fails without retry', async () => {
    const clock = new FakeClock();
    const req = sensorRequest({ poke_interval_seconds: 60, timeout_seconds: 180 }, clock);
    const p = scripted(clock, Infinity);
    const error = await runSensor(req, p.poke, { sleep: clock.sleep }).catch((e: unknown) => e);
    // Pokes at 0, 60, 120, 180 (180 is not > 180, so it waits once more), 240 → 240 > 180.
    expect(p.calls).toEqual([0, 60, 120, 180, 240]);
    expect(error).toBeInstanceOf(SensorTimeoutError);
    expect(error).toBeInstanceOf(TaskNotRunnableError); // never retried, like AirflowSensorTimeout
    expect((error as SensorTimeoutError).retryable).toBe(false);
    expect((error as SensorTimeoutError).failNoRetry).toBe(true);
    expect((error as Error).message).toBe('Sensor has timed out; run duration of 240 seconds exceeds the specified timeout of 180.');
  });

  it('skips on timeout with soft_fail', async () => {
    const clock = new FakeClock();
    const req = sensorRequest({ poke_interval_seconds: 100, timeout_seconds: 150, soft_fail: true }, clock);
    const p = scripted(clock, Infinity);
    await expect(runSensor(req, p.poke, { sleep: clock.sleep })).resolves.toEqual({
      outcome: 'skipped',
      message: 'Sensor has timed out; run duration of 200 seconds exceeds the specified timeout of 150. soft_fail is set, so the task is skipped.',
    });
    expect(p.calls).toEqual([0, 100, 200]);
  });

  it('counts the time a poke takes towards the timeout', async () => {
    const clock = new FakeClock();
    const req = sensorRequest({ poke_interval_seconds: 10, timeout_seconds: 25 }, clock);
    let pokes = 0;
    const slowPoke = async () => {
      pokes++;
      clock.advance(20); // each poke takes 20 s
      return false;
    };
    await expect(runSensor(req, slowPoke, { sleep: clock.sleep })).rejects.toThrow(
      'Sensor has timed out; run duration of 50 seconds exceeds the specified timeout of 25.',
    );
    expect(pokes).toBe(2);
  });

  it("grows the wait with exponential_backoff as Airflow computes it (SHA-1 jitter, capped by the time left)", async () => {
    const clock = new FakeClock('2024-01-02T00:00:00Z');
    const req = sensorRequest({ poke_interval_seconds: 5, timeout_seconds: 40, exponential_backoff: true }, clock);
    const p = scripted(clock, 4);
    await runSensor(req, p.poke, { sleep: clock.sleep });
    // Independent recomputation: min_backoff = max(int(5 * 2 ** (n - 2)), 1); + sha1("dag#task#started#n") % min_backoff.
    const started = '2024-01-02 00:00:00+00:00';
    const jitter = (n: number) => {
      const min = Math.max(Math.trunc(5 * 2 ** (n - 2)), 1);
      if (min === 1) return 1;
      const hash = BigInt('0x' + createHash('sha1').update(`test_dag#wait#${started}#${n}`).digest('hex'));
      return min + Number(hash % BigInt(min));
    };
    const expected: number[] = [];
    let elapsed = 0;
    for (let n = 1; n <= 4; n++) {
      const wait = Math.min(40 - Math.trunc(elapsed), jitter(n));
      expected.push(wait);
      elapsed += wait;
    }
    expect(clock.sleeps).toEqual(expected);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(2);
    expect(clock.sleeps[1]).toBeGreaterThanOrEqual(5);
    expect(req.log.infos()[0]).toBe(`new poke interval is ${expected[0]}`);
  });

  it('caps back-off waits at max_wait', async () => {
    const clock = new FakeClock();
    const req = sensorRequest({ poke_interval_seconds: 100, timeout_seconds: 100000, exponential_backoff: true }, clock);
    const p = scripted(clock, 3);
    await runSensor(req, p.poke, { sleep: clock.sleep, maxWaitSeconds: 120 });
    expect(clock.sleeps.every((s) => s <= 120)).toBe(true);
    expect(clock.sleeps[2]).toBe(120); // n = 3: min_backoff 200 > 120
  });

  it('stops with TaskTimeoutError when the signal aborts during a wait', async () => {
    const controller = new AbortController();
    const clock = new FakeClock();
    const req = sensorRequest({ poke_interval_seconds: 60 }, clock, controller.signal);
    let pokes = 0;
    const abortingSleep = async (ms: number, signal: AbortSignal) => {
      controller.abort(new TaskTimeoutError('execution_timeout of 90 seconds exceeded'));
      if (signal.aborted) throw signal.reason;
    };
    await expect(
      runSensor(req, async () => (pokes++, false), { sleep: abortingSleep }),
    ).rejects.toThrow(new TaskTimeoutError('execution_timeout of 90 seconds exceeded'));
    expect(pokes).toBe(1);
  });

  it('stops with TaskTimeoutError when the signal aborts while a poke hangs', async () => {
    const controller = new AbortController();
    const clock = new FakeClock();
    const req = sensorRequest({}, clock, controller.signal);
    const hanging = () => new Promise<boolean>(() => undefined);
    setTimeout(() => controller.abort(), 20);
    await expect(runSensor(req, hanging, { sleep: clock.sleep })).rejects.toBeInstanceOf(TaskTimeoutError);
  });

  it('really waits with the default sleep, and an abort cancels the wait at once', async () => {
    const controller = new AbortController();
    const req = makeRequest({
      task: makeTask({ sensor: sensorSettings({ poke_interval_seconds: 30 }) }),
      signal: controller.signal,
    });
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    await expect(runSensor(req, async () => false)).rejects.toBeInstanceOf(TaskTimeoutError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('propagates errors raised by a poke', async () => {
    const clock = new FakeClock();
    const failing = async () => {
      throw new TaskFailedError('404:Not Found');
    };
    await expect(runSensor(sensorRequest({}, clock), failing, { sleep: clock.sleep })).rejects.toThrow(new TaskFailedError('404:Not Found'));
  });

  it('uses BaseSensorOperator defaults when the task has no sensor settings', async () => {
    const clock = new FakeClock();
    const req = makeRequest({ task: makeTask({ sensor: null }), now: clock.now });
    const p = scripted(clock, 2);
    await runSensor(req, p.poke, { sleep: clock.sleep });
    expect(clock.sleeps).toEqual([60, 60]);
  });
});

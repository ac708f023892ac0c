import {
  type SensorPolicy,
  afterFalsePoke,
  estimatePokeCount,
  isSensorTimedOut,
  nextPokeDelaySeconds,
  sensorRunDurationSeconds,
  sensorTimeoutState,
} from './sensor.js';

const settings = (over: Partial<SensorPolicy> = {}): SensorPolicy => ({
  poke_interval_seconds: 60,
  timeout_seconds: 3600,
  mode: 'reschedule',
  soft_fail: false,
  exponential_backoff: false,
  ...over,
});
const first = '2024-01-01T12:00:00Z';
const at = (seconds: number) => new Date(Date.parse(first) + seconds * 1000);
const ctx = (elapsed: number, pokeCount = 1) => ({ dagId: 'sensor_dag', taskId: 'wait_for_file', firstPokeAt: first, now: at(elapsed), pokeCount });

describe('sensor timeout', () => {
  it('times out only when the run duration is strictly greater than timeout', () => {
    expect(sensorRunDurationSeconds(first, at(90.5))).toBe(90.5);
    expect(isSensorTimedOut(settings(), first, at(3600))).toBe(false);
    expect(isSensorTimedOut(settings(), first, at(3600.001))).toBe(true);
  });

  it('fails without retry, or skips with soft_fail', () => {
    expect(sensorTimeoutState(settings())).toBe('failed');
    expect(sensorTimeoutState(settings({ soft_fail: true }))).toBe('skipped');
    expect(afterFalsePoke(settings(), ctx(3601))).toEqual({
      action: 'timeout',
      state: 'failed',
      retryable: false,
      message: 'Sensor has timed out; run duration of 3601 seconds exceeds the specified timeout of 3600.',
    });
    expect(afterFalsePoke(settings({ soft_fail: true }), ctx(3601))).toMatchObject({ action: 'timeout', state: 'skipped' });
  });

  it('waits poke_interval between pokes without back-off (not capped by the timeout)', () => {
    expect(afterFalsePoke(settings(), ctx(0))).toEqual({ action: 'wait', delaySeconds: 60, nextPokeAt: at(60) });
    expect(nextPokeDelaySeconds(settings(), ctx(3590))).toBe(60);
    expect(afterFalsePoke(settings({ timeout_seconds: 0 }), ctx(0))).toMatchObject({ action: 'wait', delaySeconds: 60 });
  });
});

// Golden values from a transcription of Airflow 2.10's _get_next_poke_interval under CPython
// (started_at = "2024-01-01 12:00:00+00:00").
describe('exponential back-off between pokes', () => {
  it('reschedule mode estimates the poke count from the elapsed time', () => {
    const s = settings({ exponential_backoff: true });
    const cases: [number, number, number][] = [
      [0, 51, 1],
      [30, 51, 1],
      [60, 76, 2],
      [61, 76, 2],
      [200, 179, 3],
      [500, 288, 4],
      [3500, 100, 7], // capped by the time left before the timeout
      [3590, 10, 7],
    ];
    for (const [elapsed, delay, estimated] of cases) {
      expect([elapsed, nextPokeDelaySeconds(s, ctx(elapsed, 99)), estimatePokeCount(s, ctx(elapsed))]).toEqual([elapsed, delay, estimated]);
    }
  });

  it('poke mode uses the poke count it is given', () => {
    const s = settings({ exponential_backoff: true, mode: 'poke' });
    expect([1, 2, 3, 4, 5, 6].map((n) => nextPokeDelaySeconds(s, ctx(10, n)))).toEqual([51, 76, 179, 288, 531, 1782]);
  });

  it('caps at max_wait', () => {
    const s = settings({ exponential_backoff: true, timeout_seconds: 100_000, max_wait_seconds: 600 });
    expect(nextPokeDelaySeconds(s, ctx(3000))).toBe(600);
  });

  it('handles poke_interval 0 (every step is 1 s)', () => {
    const s = settings({ exponential_backoff: true, poke_interval_seconds: 0 });
    expect(estimatePokeCount(s, ctx(12.5))).toBe(13);
    expect(nextPokeDelaySeconds(s, ctx(12.5))).toBe(1);
  });

  it('rejects a poke count below 1', () => {
    expect(() => nextPokeDelaySeconds(settings({ exponential_backoff: true, mode: 'poke' }), ctx(0, 0))).toThrow('pokeCount must be an integer from 1');
  });
});

import {
  MAX_RETRY_DELAY_SECONDS,
  type RetryPolicy,
  exponentialMinBackoffSeconds,
  maxTries,
  nextRetryAt,
  nextRetryDelaySeconds,
  shouldRetry,
  tiMaxTries,
} from './retries.js';

const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({
  task_id: 'task_with_exp_backoff',
  retries: 3,
  retry_delay_seconds: 300,
  retry_exponential_backoff: false,
  max_retry_delay_seconds: null,
  ...over,
});
const ti = { dagId: 'fail_dag', logicalDate: '2024-01-01T00:00:00+00:00' };

// Golden values from a transcription of Airflow 2.10's next_retry_datetime run under CPython
// (sha1 of "fail_dag#<task_id>#2024-01-01 00:00:00+00:00#<try>").
describe('nextRetryDelaySeconds', () => {
  it('returns retry_delay as is without exponential back-off (no caps apply)', () => {
    expect(nextRetryDelaySeconds(policy(), 1, ti)).toBe(300);
    expect(nextRetryDelaySeconds(policy(), 7, ti)).toBe(300);
    expect(nextRetryDelaySeconds(policy({ retry_delay_seconds: 100_000, max_retry_delay_seconds: 60 }), 1, ti)).toBe(100_000);
    expect(nextRetryDelaySeconds(policy({ retry_delay_seconds: 0.5 }), 1, ti)).toBe(0.5);
  });

  it("reproduces Airflow's exponential back-off with its SHA-1 jitter exactly", () => {
    const exp = policy({ retry_exponential_backoff: true });
    const got = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => nextRetryDelaySeconds(exp, n, ti));
    expect(got).toEqual([430, 626, 1226, 3890, 6147, 19091, 28253, 69221, 86400, 86400, 86400]);
  });

  it('keeps the jitter within [min_backoff, 2 * min_backoff - 1]', () => {
    const exp = policy({ retry_exponential_backoff: true, retry_delay_seconds: 30 });
    for (let n = 1; n <= 10; n++) {
      const min = exponentialMinBackoffSeconds(exp, n);
      expect(min).toBe(30 * 2 ** (n - 1));
      for (const day of ['01', '02', '03', '04', '05']) {
        const d = nextRetryDelaySeconds(exp, n, { dagId: 'd', logicalDate: `2024-01-${day}T00:00:00Z` });
        expect(d).toBeGreaterThanOrEqual(min);
        expect(d).toBeLessThanOrEqual(2 * min - 1);
        expect(Number.isInteger(d)).toBe(true);
      }
    }
  });

  it('caps at max_retry_delay (a falsy 0 means no cap) and at 24 h', () => {
    const capped = policy({ task_id: 'task_with_exp_backoff_and_max_delay', retry_delay_seconds: 30, retry_exponential_backoff: true, max_retry_delay_seconds: 3600 });
    expect([1, 2, 3, 5, 9, 50].map((n) => nextRetryDelaySeconds(capped, n, ti))).toEqual([56, 65, 238, 516, 3600, 3600]);
    const zero = policy({ retry_exponential_backoff: true, max_retry_delay_seconds: 0 });
    expect(nextRetryDelaySeconds(zero, 11, ti)).toBe(MAX_RETRY_DELAY_SECONDS);
    expect(nextRetryDelaySeconds(policy({ retry_exponential_backoff: true }), 5000, ti)).toBe(86_400);
    expect(nextRetryDelaySeconds(policy({ retry_exponential_backoff: true }), 11, ti, { maxRetryDelayCapSeconds: 1000 })).toBe(1000);
  });

  it('rounds small delays up to at least 1 s', () => {
    expect([1, 2, 3].map((n) => nextRetryDelaySeconds(policy({ task_id: 't', retry_exponential_backoff: true, retry_delay_seconds: 0.5 }), n, { dagId: 'd', logicalDate: ti.logicalDate }))).toEqual([1, 1, 2]);
    expect([1, 2].map((n) => nextRetryDelaySeconds(policy({ task_id: 't', retry_exponential_backoff: true, retry_delay_seconds: 0 }), n, { dagId: 'd', logicalDate: ti.logicalDate }))).toEqual([1, 1]);
  });

  it('hashes the logical date with its microseconds', () => {
    const p = policy({ task_id: 'load', retry_delay_seconds: 60, retry_exponential_backoff: true });
    const at = { dagId: 'etl', logicalDate: '2024-03-10T07:30:15.250000+00:00' };
    expect([1, 2, 3].map((n) => nextRetryDelaySeconds(p, n, at))).toEqual([78, 217, 259]);
    expect(nextRetryDelaySeconds(p, 1, { dagId: 'etl', logicalDate: new Date('2024-03-10T07:30:15.250Z') })).toBe(78);
  });

  it('rejects try numbers below 1', () => {
    expect(() => nextRetryDelaySeconds(policy(), 0, ti)).toThrow('tryNumber must be an integer from 1');
    expect(() => nextRetryDelaySeconds(policy(), 1.5, ti)).toThrow(RangeError);
  });

  it('gives the next try time from the end of the failed one', () => {
    expect(nextRetryAt('2024-01-02T10:00:00Z', policy(), 1, ti).toISOString()).toBe('2024-01-02T10:05:00.000Z');
    expect(nextRetryAt('2024-01-02T10:00:00Z', policy({ retry_exponential_backoff: true }), 1, ti).toISOString()).toBe('2024-01-02T10:07:10.000Z');
  });
});

describe('shouldRetry / maxTries', () => {
  it('retries=2 gives at most 3 tries', () => {
    const p = { retries: 2 };
    expect(maxTries(p)).toBe(3);
    expect([1, 2, 3, 4].map((n) => shouldRetry(p, n))).toEqual([true, true, false, false]);
  });
  it('never retries with retries=0', () => {
    expect(maxTries({ retries: 0 })).toBe(1);
    expect(shouldRetry({ retries: 0 }, 1)).toBe(false);
    expect(shouldRetry({ retries: 0 }, 1, 5)).toBe(false); // Airflow: bool(task.retries and ...)
  });
  it('after a clear, the cleared instance gets retries + 1 more tries', () => {
    const p = { retries: 2 };
    const column = tiMaxTries(p, 3); // last try before the clear was 3
    expect(column).toBe(5);
    expect([4, 5, 6].map((n) => shouldRetry(p, n, column))).toEqual([true, true, false]);
  });
});

import { MAX_TIMER_MS, setLongTimeout } from './long-timeout.js';

describe('setLongTimeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const DAY_MS = 86_400_000;

  it('fires a 30-day delay after 30 days, not after 1 ms as a plain setTimeout would', () => {
    const fired = jest.fn();
    setLongTimeout(fired, 30 * DAY_MS);
    jest.advanceTimersByTime(29 * DAY_MS);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(DAY_MS);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('fires short and exactly-maximal delays like setTimeout', () => {
    const short = jest.fn();
    const maximal = jest.fn();
    setLongTimeout(short, 1500);
    setLongTimeout(maximal, MAX_TIMER_MS);
    jest.advanceTimersByTime(1499);
    expect(short).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(short).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(MAX_TIMER_MS - 1501);
    expect(maximal).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(maximal).toHaveBeenCalledTimes(1);
  });

  it('is cancelled before and after the first link of the chain', () => {
    const early = jest.fn();
    const late = jest.fn();
    setLongTimeout(early, 60 * DAY_MS)();
    const cancelLate = setLongTimeout(late, 60 * DAY_MS);
    jest.advanceTimersByTime(40 * DAY_MS);
    cancelLate();
    jest.advanceTimersByTime(30 * DAY_MS);
    expect(early).not.toHaveBeenCalled();
    expect(late).not.toHaveBeenCalled();
  });
});

/**
 * `setTimeout` for delays of any length. Node keeps at most 2^31 − 1 ms (~24.8 days) and fires a
 * longer delay after 1 ms, so a 30-day `execution_timeout` ended its try at once; longer delays are
 * chained from timers that fit.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fn` once `ms` have passed; the returned function cancels it. */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout>;
  const arm = (remaining: number) => {
    timer = remaining > MAX_TIMER_MS ? setTimeout(() => arm(remaining - MAX_TIMER_MS), MAX_TIMER_MS) : setTimeout(fn, Math.max(0, remaining));
  };
  arm(ms);
  return () => clearTimeout(timer);
}

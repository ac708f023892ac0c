/**
 * Instants as the runtime core accepts them, and the one Python formatting rule it needs.
 *
 * Airflow feeds `str(datetime)` into SHA-1 to derive back-off jitter (retries, sensors), so the exact
 * text matters: the metadata database returns a stdlib `datetime` in UTC, whose `str()` is
 * `YYYY-MM-DD HH:MM:SS+00:00`, with `.ffffff` microseconds only when they are not zero.
 */

/** A point in time: a `Date`, or an ISO-8601 string with an explicit offset (`Z`, `+02:00`). */
export type Instant = Date | string;

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.(\d+))?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

function parseInstant(value: Instant, what: string): { ms: number; micros: number } {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new RangeError(`${what} is an invalid Date`);
    return { ms, micros: (((ms % 1000) + 1000) % 1000) * 1000 };
  }
  const match = ISO_WITH_OFFSET.exec(value.trim());
  const ms = match ? Date.parse(value.trim().replace(' ', 'T')) : NaN;
  if (!match || Number.isNaN(ms)) {
    throw new RangeError(
      `${what} '${value}' is not an ISO-8601 instant with an offset; write it like 2024-01-31T00:00:00+00:00`,
    );
  }
  const fraction = match[1] ?? '';
  return { ms, micros: Number((fraction + '000000').slice(0, 6)) };
}

/** Milliseconds since the epoch; throws a RangeError naming `what` for invalid input. */
export function toEpochMs(value: Instant, what = 'time'): number {
  return parseInstant(value, what).ms;
}

/**
 * Python's `str()` of an aware UTC `datetime.datetime` — e.g. `2024-01-01 00:00:00+00:00` or
 * `2024-01-01 00:00:00.250000+00:00`. Microseconds given in an ISO string are kept exactly.
 */
export function pythonUtcDatetimeStr(value: Instant, what = 'time'): string {
  const { ms, micros } = parseInstant(value, what);
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const date = `${String(d.getUTCFullYear()).padStart(4, '0')}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
  const time = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
  const fraction = micros === 0 ? '' : `.${String(micros).padStart(6, '0')}`;
  return `${date} ${time}${fraction}+00:00`;
}

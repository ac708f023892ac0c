/**
 * Cron expressions with Airflow's (croniter's) day-field semantics.
 *
 * When both day-of-month and day-of-week are restricted, a day matches if either matches (OR);
 * otherwise both must. Which fields count as "restricted" differs between libraries: cron-parser
 * treats only a literal `*` (or `?`) as unrestricted, while croniter (>= 2.0.4, what Airflow 2.8+
 * installs) also treats a field that lists its whole range as unrestricted when the *other* day
 * field contains a `*` (e.g. `1-31` next to `*\/2`, or `*\/1` next to `*\/2`). `airflowCron` rewrites
 * such fields to `*`, so cron-parser (and the EventBridge translation) agree with croniter.
 */
import { CronExpressionParser } from 'cron-parser';

export interface DayFieldRestriction {
  dayOfMonth: boolean;
  dayOfWeek: boolean;
}

function coverage(expression: string): { fullDom: boolean; fullDow: boolean } | undefined {
  try {
    const fields = CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: new Date(0) }).fields;
    const numbers = (values: readonly unknown[]) => values.filter((v): v is number => typeof v === 'number');
    const dom = new Set(numbers(fields.dayOfMonth.values));
    const dow = new Set(numbers(fields.dayOfWeek.values).map((v) => v % 7));
    return { fullDom: dom.size === 31, fullDow: dow.size === 7 };
  } catch {
    return undefined; // invalid: the caller's parser reports it
  }
}

/** The 5-field expression with croniter's day-field wildcard rule applied (see the module comment). */
export function airflowCron(expression: string): string {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return expression;
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const covered = coverage(fields.join(' '));
  if (!covered) return expression;
  const newDom = covered.fullDom && dow.includes('*') ? '*' : dom;
  const newDow = covered.fullDow && dom.includes('*') ? '*' : dow;
  return [minute, hour, newDom, month, newDow].join(' ');
}

/** Which day fields croniter treats as restricted (both restricted: a day matches if either does). */
export function dayFieldRestriction(expression: string): DayFieldRestriction {
  const fields = airflowCron(expression).trim().split(/\s+/);
  const unrestricted = (field: string | undefined) => field === '*' || field === '?';
  return { dayOfMonth: !unrestricted(fields[2]), dayOfWeek: !unrestricted(fields[4]) };
}

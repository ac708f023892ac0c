/**
 * Airflow schedules → EventBridge Scheduler expressions. EventBridge cron has 6 fields (a year),
 * day-of-week 1–7 with SUN=1 (names are used here to avoid the off-by-one), no `/` in day-of-week,
 * and one of day-of-month/day-of-week must be `?`. Unix cron ORs a restricted day-of-month with a
 * restricted day-of-week, which EventBridge cannot express in one schedule: such schedules become two.
 *
 * The launcher never trusts the trigger time alone: it computes data intervals and catch-up itself, so
 * a `rate()` only has to fire often enough (at least once per interval).
 */
import type { Schedule } from '../model/schema.js';
import { dayFieldRestriction } from '../scheduling/cron.js';

export interface EventBridgeSchedule {
  /** One or two expressions (two when Unix cron ORs day-of-month and day-of-week). */
  expressions: string[];
  timezone: string;
  /** For `at()`/`rate()` schedules: when the first invocation is due (ISO instant). */
  start_date?: string;
}

const DOW_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const DOW_INDEX: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

/** A day-of-week token: a name (SUN = 0) or 0–7 (7 is Sunday too; kept as 7 so ranges like `5-7` work). */
function dowNumber(token: string): number {
  const upper = token.toUpperCase();
  if (upper in DOW_INDEX) return DOW_INDEX[upper]!;
  const n = Number(token);
  if (token.trim() === '' || !Number.isInteger(n) || n < 0 || n > 7) throw new Error(`invalid day of week '${token}'`);
  return n;
}

/**
 * The days (0 = Sunday) one comma-separated part of a Unix day-of-week field selects, as croniter
 * expands it: the field's range is 0–7 (7 = Sunday), so `*\/n` is `0-7/n` and `a/n` is `a-7/n`
 * (`1/2` = MON,WED,FRI,SUN), and a range ending in Sunday (`FRI-SUN`, `5-0`) ends at 7.
 */
function daysOf(part: string): number[] {
  const [range, stepText] = part.split('/');
  const step = stepText === undefined ? 1 : Number(stepText);
  if (!Number.isInteger(step) || step < 1) throw new Error(`invalid step in day of week '${part}'`);
  let start = 0;
  let end = 7;
  if (range !== '*') {
    const [from, to] = range!.split('-');
    start = dowNumber(from!);
    if (to === undefined) end = stepText === undefined ? start : 7;
    else {
      end = dowNumber(to);
      if (end === 0 && start > 0) end = 7; // `FRI-SUN`
    }
    if (end < start) throw new Error(`invalid day-of-week range '${range}'`);
  }
  const days: number[] = [];
  for (let d = start; d <= end; d += step) days.push(d % 7);
  return days;
}

/** Unix day-of-week field → EventBridge day names (steps expanded: EventBridge allows no `/` here). */
export function convertDayOfWeek(field: string): string {
  if (field === '*' || field === '?') return field;
  const days = [...new Set(field.split(',').flatMap(daysOf))].sort((a, b) => a - b);
  const contiguous = days.length > 2 && days.every((d, i) => i === 0 || d === days[i - 1]! + 1);
  return contiguous ? `${DOW_NAMES[days[0]!]}-${DOW_NAMES[days[days.length - 1]!]}` : days.map((d) => DOW_NAMES[d]).join(',');
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** The values one part of a numeric field selects (`5`, `1-5`, `1-10/3`, `*\/15`, `5/10`). */
function fieldValues(part: string, min: number, max: number): number[] {
  const number = (token: string) => {
    const n = Number(token);
    if (token.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new Error(`invalid cron value '${token}'`);
    return n;
  };
  const [range, stepText] = part.split('/');
  const step = stepText === undefined ? 1 : Number(stepText);
  if (!Number.isInteger(step) || step < 1) throw new Error(`invalid step in '${part}'`);
  let start = min;
  let end = max;
  if (range !== '*') {
    const [from, to] = range!.split('-');
    start = number(from!);
    end = to === undefined ? (stepText === undefined ? start : max) : number(to);
  }
  const values: number[] = [];
  for (let v = start; v <= end; v += step) values.push(v);
  return values;
}

/**
 * A comma-separated list → its values sorted, with runs of 3+ written as ranges (`0,30,10-12`
 * → `0,10-12,30`). EventBridge evaluators are not all order-insensitive (aws-cron-parser takes the
 * first list element at or after the current value), so lists are emitted in ascending order.
 */
function sortList(field: string, min: number, max: number): string {
  if (!field.includes(',') || /[LW#]/i.test(field)) return field; // `L`/`W` lists are passed through as written
  const values = [...new Set(field.split(',').flatMap((part) => fieldValues(part, min, max)))].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${values[i]}-${values[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(values[k]));
    i = j + 1;
  }
  return parts.join(',');
}

/** Month names → numbers (`JAN-MAR` → `1-3`): unambiguous for every EventBridge evaluator. */
function monthNumbers(field: string): string {
  return field.replace(/[a-z]+/gi, (name) => {
    const index = MONTH_NAMES.indexOf(name.toUpperCase());
    if (index < 0) throw new Error(`invalid month '${name}'`);
    return String(index + 1);
  });
}

/** `*\/n` → `0/n` (or `1/n` for 1-based fields), the form the AWS docs use; lists in ascending order. */
function normaliseStep(field: string, first: number, last: number): string {
  return sortList(field, first, last).replace(/^\*\/(\d+)$/, `${first}/$1`);
}

/**
 * A 5-field Unix cron (Airflow/croniter semantics) as one or two EventBridge `cron()` expressions.
 * Which day fields are restricted follows croniter (`dayFieldRestriction`): both restricted means
 * "either matches", which EventBridge can only express as two schedules.
 */
export function cronToEventBridge(cron: string): string[] {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected 5 cron fields, found ${fields.length}`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const m = normaliseStep(minute, 0, 59);
  const h = normaliseStep(hour, 0, 23);
  const mon = normaliseStep(monthNumbers(month), 1, 12);
  const d = normaliseStep(dom.toUpperCase(), 1, 31);
  const restricted = dayFieldRestriction(cron);
  if (restricted.dayOfMonth && restricted.dayOfWeek) {
    return [`cron(${m} ${h} ${d} ${mon} ? *)`, `cron(${m} ${h} ? ${mon} ${convertDayOfWeek(dow)} *)`];
  }
  if (restricted.dayOfWeek) return [`cron(${m} ${h} ? ${mon} ${convertDayOfWeek(dow)} *)`];
  return [`cron(${m} ${h} ${restricted.dayOfMonth ? d : '*'} ${mon} ? *)`];
}

export function rateExpression(seconds: number): string {
  const unit = (n: number, name: string) => `rate(${n} ${name}${n === 1 ? '' : 's'})`;
  if (seconds % 86400 === 0) return unit(seconds / 86400, 'day');
  if (seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return unit(seconds / 60, 'minute');
  return unit(1, 'minute'); // finer than a minute is not possible; the launcher computes the intervals
}

/** Local wall-clock `yyyy-mm-ddThh:mm:ss` of an instant in a zone, as `at()` expects. */
function wallClock(iso: string, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
}

export function toEventBridgeSchedule(schedule: Schedule, timezone: string, startDate: string | null): EventBridgeSchedule | null {
  switch (schedule.type) {
    case 'none':
      return null;
    case 'once':
      return startDate ? { expressions: [`at(${wallClock(startDate, timezone)})`], timezone, start_date: startDate } : null;
    case 'cron':
      // A timetable's own zone (CronTriggerTimetable(timezone=...)) is where its ticks fire; a trigger
      // timetable fires at each tick just as a data-interval cron's interval ends at one.
      return { expressions: cronToEventBridge(schedule.cron), timezone: schedule.timezone ?? timezone };
    case 'timedelta': {
      const first = startDate ? new Date(Date.parse(startDate) + schedule.seconds * 1000).toISOString() : undefined;
      return { expressions: [rateExpression(schedule.seconds)], timezone, ...(first ? { start_date: first } : {}) };
    }
    case 'events':
      return eventsWakeUps(schedule.events);
    case 'custom':
      // Only the timetable's Python code knows when runs are due: the pass asks it (cached) every minute.
      return { expressions: ['rate(1 minute)'], timezone: 'UTC', ...(startDate ? { start_date: startDate } : {}) };
    case 'relativedelta': {
      // Calendar steps of whole days keep the start's time of day (UTC): a daily wake-up at it finds
      // each due interval (the pass creates it); a step with a part of a day drifts, so every minute.
      const wholeDays = schedule.seconds % 86400 === 0;
      if (!startDate || !wholeDays) return { expressions: ['rate(1 minute)'], timezone: 'UTC', ...(startDate ? { start_date: startDate } : {}) };
      const first = new Date(Math.ceil(Date.parse(startDate) / 60_000) * 60_000);
      return { expressions: [`cron(${first.getUTCMinutes()} ${first.getUTCHours()} * * ? *)`], timezone: 'UTC' };
    }
  }
}

/**
 * An EventsTimetable's wake-ups: the scheduler pass creates whichever event is due when it runs, so
 * it must run at (or just after) every event, and a DAG's schedule is at most two expressions. Each
 * event's minute (rounded up: a pass a few seconds early would find it not yet due), in UTC: at most
 * two distinct times of day are daily crons, at most two distinct minutes hourly crons, else every
 * minute. Cheap for the usual case (a fixed time on chosen dates: one wake-up a day), and always on
 * time, whatever the number of events or how far ahead they are.
 */
function eventsWakeUps(events: readonly string[]): EventBridgeSchedule {
  const minutes = events.map((e) => Math.ceil(Date.parse(e) / 60_000) * 60_000).map((t) => new Date(t));
  const times = [...new Set(minutes.map((d) => `${d.getUTCMinutes()} ${d.getUTCHours()}`))];
  const minuteMarks = [...new Set(minutes.map((d) => d.getUTCMinutes()))];
  const expressions =
    times.length <= 2 ? times.map((t) => `cron(${t} * * ? *)`) : minuteMarks.length <= 2 ? minuteMarks.map((m) => `cron(${m} * * * ? *)`) : ['rate(1 minute)'];
  // (After the last event the wake-ups find nothing due: a pass costs a fraction of a cent a month.)
  return { expressions, timezone: 'UTC' };
}

/**
 * A DAG's schedule in words, in its time zone: "every weekday at 06:00 Europe/Paris", "every 15
 * minutes", "on the 1st of every month at 00:00 UTC". Covers presets, timedelta schedules and the
 * cron shapes people write (numbers, lists, ranges, steps, day names); anything else is shown as the
 * cron expression itself, never guessed.
 */
import type { ScheduleInterval } from '../api/types';

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_ALIASES: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };
const MONTH_ALIASES: Record<string, number> = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };

const PRESETS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@quarterly': '0 0 1 */3 *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

/** One cron field as the set of values it matches, or null when it is `*` (every value). */
function expandField(field: string, min: number, max: number, aliases: Record<string, number> = {}): number[] | null {
  if (field === '*' || field === '?') return null;
  const values = new Set<number>();
  const value = (text: string): number => {
    const upper = text.toUpperCase();
    if (upper in aliases) return aliases[upper]!;
    if (!/^\d+$/.test(text)) throw new Error(`not a number: ${text}`);
    return Number(text);
  };
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : value(stepText);
    if (step < 1) throw new Error('bad step');
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [lo, hi] = [value(a), value(b)];
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    if (lo < min || hi > max || lo > hi) throw new Error('out of range');
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

const pad = (n: number) => String(n).padStart(2, '0');

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** "a", "a and b", "a, b and c". */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Consecutive values as ranges: [1,2,3,5] → [[1,3],[5,5]]. */
function runsOf(values: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const v of values) {
    const last = runs[runs.length - 1];
    if (last && v === last[1] + 1) last[1] = v;
    else runs.push([v, v]);
  }
  return runs;
}

/** A step that divides the field evenly from its start: [0,15,30,45] in 0-59 → 15. */
function evenStep(values: readonly number[], min: number, max: number): number | null {
  if (values.length < 2 || values[0] !== min) return null;
  const step = values[1]! - values[0]!;
  for (let i = 1; i < values.length; i++) if (values[i]! - values[i - 1]! !== step) return null;
  return values[values.length - 1]! + step > max ? step : null;
}

function daysOfWeek(days: number[]): string {
  const set = [...new Set(days.map((d) => d % 7))].sort((a, b) => a - b);
  const key = set.join(',');
  if (key === '1,2,3,4,5') return 'every weekday';
  if (key === '0,6') return 'every Saturday and Sunday';
  if (set.length === 1) return `every ${DAY_NAMES[set[0]!]}`;
  const runs = runsOf(set);
  if (runs.length === 1 && set.length > 2) return `every ${DAY_NAMES[runs[0]![0]]} to ${DAY_NAMES[runs[0]![1]]}`;
  return `every ${listInWords(set.map((d) => DAY_NAMES[d]!))}`;
}

function monthsPhrase(months: number[] | null): string {
  if (!months) return '';
  const step = evenStep(months.map((m) => m - 1), 0, 11);
  if (step) return ` every ${step} months`;
  return ` in ${listInWords(months.map((m) => MONTH_NAMES[m - 1]!))}`;
}

function daysPhrase(dom: number[] | null, months: number[] | null, dow: number[] | null): string | null {
  if (dom && dow) return null; // cron ORs the two: too subtle to say briefly
  if (dow) return `${daysOfWeek(dow)}${monthsPhrase(months)}`;
  if (dom) {
    const days = listInWords(dom.map(ordinal));
    if (!months) return `on the ${days} of every month`;
    if (months.length === 1) return `every year on ${MONTH_NAMES[months[0]! - 1]} ${listInWords(dom.map(String))}`;
    const step = evenStep(months.map((m) => m - 1), 0, 11);
    if (step) return `on the ${days} of every ${step === 3 ? 'quarter' : `${step} months`}`;
    return `on the ${days} of ${listInWords(months.map((m) => MONTH_NAMES[m - 1]!))}`;
  }
  return months ? `every day${monthsPhrase(months)}` : 'every day';
}

/** The time-of-day part: "at 06:00", "at 06:00 and 18:30", or a frequency ("every 15 minutes from 09:00 to 17:59"). */
function timesPhrase(minutes: number[] | null, hours: number[] | null): { at: string } | { every: string } | null {
  const hourStep = hours && hours.length > 2 ? evenStep(hours, 0, 23) : null;
  if (minutes?.length === 1 && hourStep) return { every: minutes[0] === 0 ? `every ${hourStep} hours` : `every ${hourStep} hours at :${pad(minutes[0]!)}` };
  if (minutes && hours && minutes.length * hours.length <= 4) {
    const times = hours.flatMap((h) => minutes.map((m) => `${pad(h)}:${pad(m)}`));
    return { at: `at ${listInWords(times)}` };
  }
  let frequency: string;
  if (!minutes) frequency = 'every minute';
  else {
    const step = evenStep(minutes, 0, 59);
    if (step) frequency = `every ${step} minutes`;
    else if (minutes.length === 1 && minutes[0] === 0) frequency = 'every hour';
    else if (!hours && minutes.length <= 4) frequency = `every hour at ${listInWords(minutes.map((m) => `:${pad(m)}`))}`;
    else return null;
  }
  if (!hours) return { every: frequency };
  const spans = runsOf(hours);
  if (spans.length === 1) {
    const [from, to] = spans[0]!;
    const lastMinute = minutes ? minutes[minutes.length - 1]! : 59;
    return { every: `${frequency} from ${pad(from)}:${pad(minutes?.[0] ?? 0)} to ${pad(to)}:${pad(lastMinute)}` };
  }
  return null;
}

/** A five-field cron expression in words, or null when it is not one this knows how to say. */
export function cronInWords(expression: string): string | null {
  const fields = (PRESETS[expression] ?? expression).trim().split(/\s+/);
  if (fields.length !== 5) return null;
  try {
    const minutes = expandField(fields[0]!, 0, 59);
    const hours = expandField(fields[1]!, 0, 23);
    const dom = expandField(fields[2]!, 1, 31);
    const months = expandField(fields[3]!, 1, 12, MONTH_ALIASES);
    const dow = expandField(fields[4]!, 0, 7, DAY_ALIASES);
    const days = daysPhrase(dom, months, dow);
    const times = timesPhrase(minutes, hours);
    if (!days || !times) return null;
    if ('at' in times) return `${days} ${times.at}`;
    return days === 'every day' ? times.every : `${times.every}, ${days}`;
  } catch {
    return null;
  }
}

function durationInWords(seconds: number): string {
  return everyOf(durationParts(seconds));
}

/** "every 3 hours", "every day" (not "every 1 day"), "every 1 day and 2 hours". */
function everyOf(parts: readonly string[]): string {
  if (parts.length === 1 && parts[0]!.startsWith('1 ')) return `every ${parts[0]!.slice(2)}`;
  return `every ${listInWords(parts)}`;
}

/** "2 days", "3 hours", ... of a duration, largest first. */
function durationParts(seconds: number): string[] {
  const units: [string, number][] = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
    rest -= n * size;
  }
  return parts;
}

/**
 * The schedule of a DAG in words, with its time zone where the schedule has times of day.
 * `timetable`: the DAG's timetable_description, what names a timetable without a schedule_interval
 * (EventsTimetable's "Match days", "3 Events").
 */
export function scheduleInWords(schedule: ScheduleInterval, timezone?: string | null, timetable?: string | null): string {
  if (schedule === null) return timetable ?? 'manual runs only';
  if ('__type' in schedule && schedule.__type === 'TimeDelta') {
    return durationInWords(schedule.days * 86400 + schedule.seconds + schedule.microseconds / 1e6);
  }
  if ('__type' in schedule && schedule.__type === 'RelativeDelta') {
    const months: string[] = [];
    if (schedule.years) months.push(`${schedule.years} year${schedule.years === 1 ? '' : 's'}`);
    if (schedule.months) months.push(`${schedule.months} month${schedule.months === 1 ? '' : 's'}`);
    const rest = schedule.days * 86400 + schedule.hours * 3600 + schedule.minutes * 60 + schedule.seconds;
    return everyOf([...months, ...durationParts(rest)]);
  }
  const value = (schedule as { value: string }).value;
  if (value === '@once') return 'once';
  if (value === '@continuous') return 'continuously';
  const words = cronInWords(value);
  const zone = timezone ? ` ${timezone}` : '';
  if (!words) return `cron ${value}${zone}`;
  // Pure frequencies ("every 15 minutes") do not depend on the zone; times of day do.
  return /\d\d:\d\d|:\d\d/.test(words) ? `${words}${zone}` : words;
}

/**
 * Calendar arithmetic and date formatting shared by the datetime look-alikes: proleptic Gregorian day
 * numbers, Python/glibc `strftime`, and pendulum's `format()` tokens.
 */
import { PyError, PyFunction, bindArgs, type Param } from './object.js';

export const US_PER_MS = 1000n;
export const US_PER_S = 1_000_000n;
export const US_PER_DAY = 86_400_000_000n;

export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}
export function floorMod(a: bigint, b: bigint): bigint {
  return a - floorDiv(a, b) * b;
}
export const pad = (n: number, width = 2, ch = '0'): string => String(n).padStart(width, ch);

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}
export function daysInMonth(y: number, m: number): number {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 31;
}
/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function epochDay(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
export function civilFromEpochDay(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function checkDate(year: number, month: number, day: number): void {
  if (year < 1 || year > 9999) throw new PyError('ValueError', `year ${year} is out of range`);
  if (month < 1 || month > 12) throw new PyError('ValueError', 'month must be in 1..12');
  if (day < 1 || day > daysInMonth(year, month)) throw new PyError('ValueError', 'day is out of range for month');
}
export function checkTime(hour: number, minute: number, second: number, micro: number): void {
  if (hour < 0 || hour > 23) throw new PyError('ValueError', 'hour must be in 0..23');
  if (minute < 0 || minute > 59) throw new PyError('ValueError', 'minute must be in 0..59');
  if (second < 0 || second > 59) throw new PyError('ValueError', 'second must be in 0..59');
  if (micro < 0 || micro > 999_999) throw new PyError('ValueError', 'microsecond must be in 0..999999');
}

export function method(name: string, params: readonly Param[], impl: (a: Record<string, unknown>) => unknown): PyFunction {
  return new PyFunction(name, (args, kwargs) => impl(bindArgs(name, params, args, kwargs)));
}

export function formatOffset(offsetSec: number, colon: boolean): string {
  const sign = offsetSec < 0 ? '-' : '+';
  const abs = Math.abs(offsetSec);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  const sep = colon ? ':' : '';
  return `${sign}${pad(h)}${sep}${pad(m)}${s ? sep + pad(s) : ''}`;
}

/** Broken-down time used by `strftime`. */
export interface TimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micro: number;
  /** 0 = Monday. */
  weekday: number;
  /** 1-based day of the year. */
  yday: number;
  offsetSec: number | null;
  tzname: string | null;
}

export function isoWeek(p: TimeParts): { year: number; week: number } {
  const day = epochDay(p.year, p.month, p.day);
  const thursday = day - p.weekday + 3;
  const t = civilFromEpochDay(thursday);
  const firstThursdayWeekStart = epochDay(t.year, 1, 1);
  return { year: t.year, week: Math.floor((thursday - firstThursdayWeekStart) / 7) + 1 };
}

/** `strftime` with Python's own directives (%f %z %Z) and glibc's (flags `-`, `_`, `0`, `^`). */
export function strftime(fmt: string, p: TimeParts): string {
  const hour12 = p.hour % 12 === 0 ? 12 : p.hour % 12;
  const sundayWeekday = (p.weekday + 1) % 7;
  const expand = (spec: string): string | undefined => {
    switch (spec) {
      case 'a':
        return WEEKDAYS[p.weekday]?.slice(0, 3);
      case 'A':
        return WEEKDAYS[p.weekday];
      case 'b':
      case 'h':
        return MONTHS[p.month - 1]?.slice(0, 3);
      case 'B':
        return MONTHS[p.month - 1];
      case 'c':
        return strftime('%a %b %e %H:%M:%S %Y', p);
      case 'C':
        return pad(Math.floor(p.year / 100));
      case 'd':
        return pad(p.day);
      case 'D':
        return strftime('%m/%d/%y', p);
      case 'e':
        return pad(p.day, 2, ' ');
      case 'f':
        return pad(p.micro, 6);
      case 'F':
        return strftime('%Y-%m-%d', p);
      case 'G':
        return String(isoWeek(p).year);
      case 'g':
        return pad(isoWeek(p).year % 100);
      case 'H':
        return pad(p.hour);
      case 'I':
        return pad(hour12);
      case 'j':
        return pad(p.yday, 3);
      case 'k':
        return pad(p.hour, 2, ' ');
      case 'l':
        return pad(hour12, 2, ' ');
      case 'm':
        return pad(p.month);
      case 'M':
        return pad(p.minute);
      case 'n':
        return '\n';
      case 'p':
        return p.hour < 12 ? 'AM' : 'PM';
      case 'P':
        return p.hour < 12 ? 'am' : 'pm';
      case 'r':
        return strftime('%I:%M:%S %p', p);
      case 'R':
        return strftime('%H:%M', p);
      case 's':
        return String(epochDay(p.year, p.month, p.day) * 86_400 + p.hour * 3600 + p.minute * 60 + p.second);
      case 'S':
        return pad(p.second);
      case 't':
        return '\t';
      case 'T':
        return strftime('%H:%M:%S', p);
      case 'u':
        return String(p.weekday + 1);
      case 'U':
        return pad(Math.floor((p.yday + 6 - sundayWeekday) / 7));
      case 'V':
        return pad(isoWeek(p).week);
      case 'w':
        return String(sundayWeekday);
      case 'W':
        return pad(Math.floor((p.yday + 6 - p.weekday) / 7));
      case 'x':
        return strftime('%m/%d/%y', p);
      case 'X':
        return strftime('%H:%M:%S', p);
      case 'y':
        return pad(p.year % 100);
      case 'Y':
        return String(p.year);
      case 'z':
        return p.offsetSec === null ? '' : formatOffset(p.offsetSec, false);
      case ':z':
        return p.offsetSec === null ? '' : formatOffset(p.offsetSec, true);
      case 'Z':
        return p.tzname ?? '';
      case '%':
        return '%';
      default:
        return undefined;
    }
  };
  return fmt.replace(/%([-_0^#]?)(:?[a-zA-Z%])/g, (whole, flag: string, spec: string) => {
    let out = expand(spec);
    if (out === undefined) return whole;
    if (flag === '-') out = out.replace(/^[0 ]+(?=.)/, '');
    else if (flag === '_') out = out.replace(/^0+(?=.)/, (z) => ' '.repeat(z.length));
    else if (flag === '0') out = out.replace(/^ +/, (s) => '0'.repeat(s.length));
    else if (flag === '^' || flag === '#') out = out.toUpperCase();
    return out;
  });
}

const PENDULUM_TOKENS =
  /\[([^[]*)\]|\\(.)|(Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|E{1,4}|Qo?|YYYY|YY|Y|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|LTS|LT|LL?L?L?|Wo?|W)/g;

function ordinal(n: number): string {
  const s = n % 100;
  if (s >= 11 && s <= 13) return `${n}th`;
  return `${n}${({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'}`;
}

const LOCALE_FORMATS: Record<string, string> = {
  LT: 'h:mm A',
  LTS: 'h:mm:ss A',
  L: 'MM/DD/YYYY',
  LL: 'MMMM D, YYYY',
  LLL: 'MMMM D, YYYY h:mm A',
  LLLL: 'dddd, MMMM D, YYYY h:mm A',
};

/** pendulum's `format()` tokens (English locale). */
export function pendulumFormat(fmt: string, p: TimeParts, epochMs: number | null, tzName: string | null): string {
  const hour12 = p.hour % 12 === 0 ? 12 : p.hour % 12;
  const sundayWeekday = (p.weekday + 1) % 7;
  const token = (t: string): string => {
    switch (t) {
      case 'YYYY':
        return String(p.year);
      case 'YY':
        return String(p.year).slice(2);
      case 'Y':
        return String(p.year);
      case 'Q':
        return String(Math.ceil(p.month / 3));
      case 'Qo':
        return ordinal(Math.ceil(p.month / 3));
      case 'MMMM':
        return MONTHS[p.month - 1] ?? '';
      case 'MMM':
        return (MONTHS[p.month - 1] ?? '').slice(0, 3);
      case 'MM':
        return pad(p.month);
      case 'M':
        return String(p.month);
      case 'Mo':
        return ordinal(p.month);
      case 'DDDD':
        return pad(p.yday, 3);
      case 'DDD':
        return String(p.yday);
      case 'DDDo':
        return ordinal(p.yday);
      case 'DD':
        return pad(p.day);
      case 'D':
        return String(p.day);
      case 'Do':
        return ordinal(p.day);
      case 'dddd':
        return WEEKDAYS[p.weekday] ?? '';
      case 'ddd':
        return (WEEKDAYS[p.weekday] ?? '').slice(0, 3);
      case 'dd':
        return (WEEKDAYS[p.weekday] ?? '').slice(0, 2);
      case 'd':
        return String(sundayWeekday);
      case 'do':
        return ordinal(sundayWeekday);
      case 'E':
        return String(p.weekday + 1);
      case 'W':
        return String(isoWeek(p).week);
      case 'Wo':
        return ordinal(isoWeek(p).week);
      case 'HH':
        return pad(p.hour);
      case 'H':
        return String(p.hour);
      case 'hh':
        return pad(hour12);
      case 'h':
        return String(hour12);
      case 'kk':
        return pad(p.hour === 0 ? 24 : p.hour);
      case 'k':
        return String(p.hour === 0 ? 24 : p.hour);
      case 'mm':
        return pad(p.minute);
      case 'm':
        return String(p.minute);
      case 'ss':
        return pad(p.second);
      case 's':
        return String(p.second);
      case 'A':
        return p.hour < 12 ? 'AM' : 'PM';
      case 'a':
        return p.hour < 12 ? 'am' : 'pm';
      case 'X':
        return epochMs === null ? '' : String(Math.floor(epochMs / 1000));
      case 'x':
        return epochMs === null ? '' : String(Math.floor(epochMs));
      case 'Z':
        return p.offsetSec === null ? '' : formatOffset(p.offsetSec, true);
      case 'ZZ':
        return p.offsetSec === null ? '' : formatOffset(p.offsetSec, false);
      case 'z':
        return tzName ?? '';
      case 'zz':
        return p.tzname ?? '';
      default:
        if (/^S+$/.test(t)) return pad(p.micro, 6).padEnd(t.length, '0').slice(0, t.length);
        if (t in LOCALE_FORMATS) return pendulumFormat(LOCALE_FORMATS[t] ?? '', p, epochMs, tzName);
        return t;
    }
  };
  return fmt.replace(PENDULUM_TOKENS, (_whole, bracket?: string, escaped?: string, tok?: string) => {
    if (bracket !== undefined) return bracket;
    if (escaped !== undefined) return escaped;
    return token(tok ?? '');
  });
}


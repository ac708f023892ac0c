/**
 * datetime / date / timedelta / timezone, pendulum and Airflow's date helpers, on luxon.
 * Naive datetimes are held in UTC (Airflow treats them as UTC, or as its default zone, UTC).
 * Clock-dependent calls (now, today, days_ago) use the front-end's `now`, so output is repeatable.
 */
import { DateTime, FixedOffsetZone } from 'luxon';
import type { DateTimeValue } from '../../model/schema.js';
import { asInt, asNumber, asStr, bindArgs, concrete, fn, method } from './natives.js';
import {
  NONE,
  dynamic,
  PyFail,
  float,
  int,
  isNumber,
  numeric,
  str,
  typeName,
  type CallCtx,
  type DateV,
  type DatetimeV,
  type TimedeltaV,
  type TimeV,
  type TimezoneV,
  type Value,
} from './values.js';

const US_PER_DAY = 86_400_000_000;
const US_PER_MS = 1000;

// ---------------------------------------------------------------- construction

export function timezoneValue(name: string): TimezoneV {
  const zone = name === 'utc' || name === 'Z' ? 'UTC' : name;
  if (!DateTime.now().setZone(zone).isValid) throw new PyFail(`unknown time zone '${name}'`, 'use an IANA name such as "UTC" or "Europe/Berlin"');
  return { t: 'tz', name: zone };
}

/** A zone from a tz argument: a Timezone, a zone name, or None (naive). */
export function zoneOf(v: Value | undefined): string | null {
  if (v === undefined || v.t === 'none') return null;
  const c = concrete(v);
  if (c.t === 'tz') return c.name;
  if (c.t === 'str') return timezoneValue(c.v).name;
  throw new PyFail(`expected a timezone, not ${typeName(c)}`);
}

export function makeDatetime(
  y: number, m: number, d: number, h: number, mi: number, s: number, us: number,
  tz: string | null,
  pendulum: boolean,
): DatetimeV {
  if (m < 1 || m > 12) throw new PyFail('month must be in 1..12');
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) throw new PyFail('hour, minute or second out of range');
  const dt = DateTime.fromObject(
    { year: y, month: m, day: d, hour: h, minute: mi, second: s, millisecond: Math.floor(us / US_PER_MS) },
    { zone: tz ?? 'UTC' },
  );
  if (!dt.isValid || dt.day !== d) throw new PyFail('day is out of range for month');
  return { t: 'datetime', dt, tz, pendulum };
}

function fromDateTime(dt: DateTime, tz: string | null, pendulum: boolean): DatetimeV {
  return { t: 'datetime', dt, tz, pendulum };
}

export function makeDate(y: number, m: number, d: number): DateV {
  const dt = DateTime.fromObject({ year: y, month: m, day: d }, { zone: 'UTC' });
  if (m < 1 || m > 12 || !dt.isValid || dt.day !== d) throw new PyFail('day is out of range for month');
  return { t: 'date', y, m, d };
}

const US_PER_HOUR = 3600e6;

export function makeTime(h: number, mi: number, s: number, us: number, tz: string | null): TimeV {
  if (h < 0 || h > 23) throw new PyFail('hour must be in 0..23');
  if (mi < 0 || mi > 59) throw new PyFail('minute must be in 0..59');
  if (s < 0 || s > 59) throw new PyFail('second must be in 0..59');
  if (us < 0 || us > 999_999) throw new PyFail('microsecond must be in 0..999999');
  return { t: 'time', us: h * US_PER_HOUR + mi * 60e6 + s * 1e6 + us, tz };
}

/** A time's hour, minute, second and microsecond. */
function timeFields(v: TimeV): [number, number, number, number] {
  return [Math.floor(v.us / US_PER_HOUR), Math.floor(v.us / 60e6) % 60, Math.floor(v.us / 1e6) % 60, v.us % 1e6];
}

export const timedelta = (us: number): TimedeltaV => ({ t: 'timedelta', us: Math.round(us) });

const TIMEDELTA_UNITS: Record<string, number> = {
  days: US_PER_DAY, seconds: 1e6, microseconds: 1, milliseconds: 1000, minutes: 60e6, hours: 3600e6, weeks: 7 * US_PER_DAY,
};

function timedeltaFromArgs(args: Value[], kwargs: Map<string, Value>, name: string): TimedeltaV {
  const bound = bindArgs(name, args, kwargs, ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks']);
  let us = 0;
  for (const [unit, factor] of Object.entries(TIMEDELTA_UNITS)) {
    const v = bound[unit];
    if (v !== undefined) us += asNumber(v, `${name}() ${unit}`) * factor;
  }
  return timedelta(us);
}

const dateOf = (v: DatetimeV): DateV => ({ t: 'date', y: v.dt.year, m: v.dt.month, d: v.dt.day });
const dateToDateTime = (v: DateV): DateTime => DateTime.fromObject({ year: v.y, month: v.m, day: v.d }, { zone: 'UTC' });

/** The clock, as an aware UTC datetime. */
function utcNow(ctx: CallCtx, pendulum: boolean): DatetimeV {
  return fromDateTime(DateTime.fromJSDate(ctx.interp.now, { zone: 'UTC' }), 'UTC', pendulum);
}

// ---------------------------------------------------------------- model conversion

/** `{$type:'datetime'}` as the model stores it: the instant with its offset, and the zone. */
export function datetimeToModel(v: DatetimeV | DateV): DateTimeValue {
  const dt = v.t === 'date' ? dateToDateTime(v) : v.dt;
  const fmt = dt.millisecond ? "yyyy-MM-dd'T'HH:mm:ss.SSSZZ" : "yyyy-MM-dd'T'HH:mm:ssZZ";
  return { $type: 'datetime', value: dt.toFormat(fmt), timezone: v.t === 'date' ? 'UTC' : v.tz ?? 'UTC' };
}

// ---------------------------------------------------------------- text

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function offsetText(dt: DateTime, colon: boolean): string {
  const o = dt.offset;
  const sign = o < 0 ? '-' : '+';
  return `${sign}${pad(Math.floor(Math.abs(o) / 60))}${colon ? ':' : ''}${pad(Math.abs(o) % 60)}`;
}

/** Python's strftime for the directives DAG files use (plus glibc's `%-d` no-padding flag). */
export function strftime(v: DatetimeV | DateV, format: string): string {
  const dt = v.t === 'date' ? dateToDateTime(v) : v.dt;
  const aware = v.t === 'datetime' && v.tz !== null;
  const us = dt.millisecond * 1000;
  const weekNumber = (firstDay: number) => {
    const jan1 = dt.set({ month: 1, day: 1 });
    const offset = (firstDay - ((jan1.weekday % 7) as number) + 7) % 7; // days until the first `firstDay`
    return Math.floor((dt.ordinal - 1 - offset + 7) / 7);
  };
  return format.replace(/%(-?)([a-zA-Z%])/g, (whole, noPad: string, d: string) => {
    const p = (n: number, w = 2) => (noPad ? String(n) : pad(n, w));
    switch (d) {
      case 'Y': return String(dt.year).padStart(4, '0');
      case 'y': return p(dt.year % 100);
      case 'm': return p(dt.month);
      case 'd': return p(dt.day);
      case 'e': return String(dt.day).padStart(2, ' ');
      case 'H': return p(dt.hour);
      case 'I': return p(((dt.hour + 11) % 12) + 1);
      case 'p': return dt.hour < 12 ? 'AM' : 'PM';
      case 'M': return p(dt.minute);
      case 'S': return p(dt.second);
      case 'f': return pad(us, 6);
      case 'j': return p(dt.ordinal, 3);
      case 'a': return DAY_NAMES[dt.weekday - 1]!.slice(0, 3);
      case 'A': return DAY_NAMES[dt.weekday - 1]!;
      case 'w': return String(dt.weekday % 7);
      case 'u': return String(dt.weekday);
      case 'b': case 'h': return MONTH_NAMES[dt.month - 1]!.slice(0, 3);
      case 'B': return MONTH_NAMES[dt.month - 1]!;
      case 'z': return aware ? offsetText(dt, false) : '';
      case 'Z': return aware ? (v.t === 'datetime' && v.tz === 'UTC' ? 'UTC' : dt.offsetNameShort ?? '') : '';
      case 'G': return String(dt.weekYear);
      case 'V': return p(dt.weekNumber);
      case 'U': return p(weekNumber(0));
      case 'W': return p(weekNumber(1));
      case 'c': return `${DAY_NAMES[dt.weekday - 1]!.slice(0, 3)} ${MONTH_NAMES[dt.month - 1]!.slice(0, 3)} ${String(dt.day).padStart(2, ' ')} ${pad(dt.hour)}:${pad(dt.minute)}:${pad(dt.second)} ${dt.year}`;
      case 'x': return `${pad(dt.month)}/${pad(dt.day)}/${pad(dt.year % 100)}`;
      case 'X': return `${pad(dt.hour)}:${pad(dt.minute)}:${pad(dt.second)}`;
      case 'D': return `${pad(dt.month)}/${pad(dt.day)}/${pad(dt.year % 100)}`;
      case 'F': return `${dt.year}-${pad(dt.month)}-${pad(dt.day)}`;
      case 'T': return `${pad(dt.hour)}:${pad(dt.minute)}:${pad(dt.second)}`;
      case 's': return String(Math.floor(dt.toSeconds()));
      case '%': return '%';
      default: return whole;
    }
  });
}

/** strptime directives to luxon tokens (the common subset). */
const STRPTIME_TOKENS: Record<string, string> = {
  Y: 'yyyy', y: 'yy', m: 'MM', d: 'dd', H: 'HH', I: 'hh', p: 'a', M: 'mm', S: 'ss', f: 'u', j: 'ooo',
  a: 'ccc', A: 'cccc', b: 'LLL', B: 'LLLL', z: 'ZZZ', '%': "'%'",
};

function strptime(text: string, format: string): DatetimeV {
  let luxonFormat = '';
  let literal = '';
  const flush = () => {
    if (literal) luxonFormat += `'${literal.replace(/'/g, "''")}'`;
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '%' && i + 1 < format.length) {
      const token = STRPTIME_TOKENS[format[i + 1]!];
      if (!token) throw new PyFail(`strptime directive '%${format[i + 1]}' is not supported by skydag`);
      flush();
      luxonFormat += token;
      i += 1;
    } else literal += c;
  }
  flush();
  const hasZone = format.includes('%z');
  const dt = DateTime.fromFormat(text, luxonFormat, { zone: 'UTC', setZone: hasZone });
  if (!dt.isValid) throw new PyFail(`time data '${text}' does not match format '${format}'`);
  return fromDateTime(dt, hasZone ? dt.zoneName : null, false);
}

export function isoformat(v: DatetimeV, sep = 'T'): string {
  const dt = v.dt;
  let s = `${String(dt.year).padStart(4, '0')}-${pad(dt.month)}-${pad(dt.day)}${sep}${pad(dt.hour)}:${pad(dt.minute)}:${pad(dt.second)}`;
  if (dt.millisecond) s += '.' + pad(dt.millisecond * 1000, 6);
  if (v.tz !== null) s += offsetText(dt, true);
  return s;
}

/** Python's `time.isoformat()` (also its str()): `06:30:00`, `06:30:00.250000`, `06:30:00+00:00` when aware. */
export function timeIso(v: TimeV): string {
  const [h, mi, sec, us] = timeFields(v);
  let text = `${pad(h)}:${pad(mi)}:${pad(sec)}${us ? '.' + pad(us, 6) : ''}`;
  if (v.tz !== null) text += offsetText(DateTime.fromMillis(0).setZone(v.tz), true); // a fixed date keeps the text repeatable
  return text;
}

export function timeRepr(v: TimeV): string {
  const [h, mi, sec, us] = timeFields(v);
  const fields = [h, mi];
  if (sec || us) fields.push(sec);
  if (us) fields.push(us);
  return `datetime.time(${fields.join(', ')}${v.tz ? `, tzinfo=${v.tz === 'UTC' ? 'datetime.timezone.utc' : `<${v.tz}>`}` : ''})`;
}

export function dateIso(v: DateV): string {
  return `${String(v.y).padStart(4, '0')}-${pad(v.m)}-${pad(v.d)}`;
}

/** Python's str(timedelta): `1 day, 2:03:04`, `-1 day, 23:59:59`, `0:05:00.250000`. */
export function timedeltaStr(v: TimedeltaV): string {
  const days = Math.floor(v.us / US_PER_DAY);
  const rest = v.us - days * US_PER_DAY;
  const seconds = Math.floor(rest / 1e6);
  const micro = rest - seconds * 1e6;
  let s = `${Math.floor(seconds / 3600)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
  if (days) s = `${days} day${Math.abs(days) === 1 ? '' : 's'}, ${s}`;
  if (micro) s += '.' + pad(micro, 6);
  return s;
}

export function timedeltaRepr(v: TimedeltaV): string {
  const days = Math.floor(v.us / US_PER_DAY);
  const rest = v.us - days * US_PER_DAY;
  const seconds = Math.floor(rest / 1e6);
  const micro = rest - seconds * 1e6;
  const parts = [days ? `days=${days}` : '', seconds ? `seconds=${seconds}` : '', micro ? `microseconds=${micro}` : ''].filter(Boolean);
  return `datetime.timedelta(${parts.length ? parts.join(', ') : '0'})`;
}

export function datetimeStr(v: DatetimeV): string {
  return isoformat(v, v.pendulum ? 'T' : ' ');
}

export function datetimeRepr(v: DatetimeV): string {
  const dt = v.dt;
  const fields = [dt.year, dt.month, dt.day, dt.hour, dt.minute];
  if (dt.second || dt.millisecond) fields.push(dt.second);
  if (dt.millisecond) fields.push(dt.millisecond * 1000);
  if (v.pendulum) return `DateTime(${[dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second].join(', ')}, tzinfo=Timezone('${v.tz ?? 'UTC'}'))`;
  return `datetime.datetime(${fields.join(', ')}${v.tz ? `, tzinfo=${v.tz === 'UTC' ? 'datetime.timezone.utc' : `<${v.tz}>`}` : ''})`;
}

// ---------------------------------------------------------------- arithmetic

/** Wall-clock arithmetic as Python does for aware datetimes (the zone's offset is recomputed). */
function addMicros(v: DatetimeV, us: number): DatetimeV {
  if (v.tz === null || v.tz === 'UTC') return fromDateTime(v.dt.plus({ milliseconds: Math.round(us / US_PER_MS) }), v.tz, v.pendulum);
  const wall = DateTime.fromObject(v.dt.toObject(), { zone: 'UTC' }).plus({ milliseconds: Math.round(us / US_PER_MS) });
  return fromDateTime(DateTime.fromObject(wall.toObject(), { zone: v.tz }), v.tz, v.pendulum);
}

interface RelativedeltaParts {
  years: number;
  months: number;
  seconds: number;
  /** The absolute fields given (year, month, day, hour, minute, second, microsecond, leapdays). */
  absolute: Partial<Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'microsecond' | 'leapdays', number>>;
  weekday?: { day: number; n: number | null };
}

/** A dateutil relativedelta (stdlib.ts): years and months, a duration in seconds, and the absolute fields. */
function relativedeltaParts(v: Value): RelativedeltaParts | undefined {
  if (v.t !== 'object' || v.kind !== 'relativedelta') return undefined;
  const n = (k: string): number | undefined => {
    const x = v.attrs.get(k);
    return x && (x.t === 'int' || x.t === 'float') ? x.v : undefined;
  };
  const absolute: RelativedeltaParts['absolute'] = {};
  for (const k of ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'leapdays'] as const) {
    const x = n(`absolute_${k}`);
    if (x !== undefined) absolute[k] = x;
  }
  const wd = v.attrs.get('absolute_weekday');
  const weekday = wd?.t === 'native' && wd.attrs ? { day: (wd.attrs.get('weekday') as { v: number }).v, n: wd.attrs.get('n')?.t === 'int' ? (wd.attrs.get('n') as { v: number }).v : null } : undefined;
  return { years: n('years') ?? 0, months: n('months') ?? 0, seconds: n('seconds') ?? 0, absolute, ...(weekday ? { weekday } : {}) };
}

/**
 * `date(time) ± relativedelta` as dateutil adds one: the absolute year and month, then the years and
 * months (the day — absolute or the date's — clamped to the month's last day), the absolute time
 * fields, the rest as a timedelta (with leapdays past February of a leap year), then the weekday
 * (`MO(+n)`: the nth Monday from there, `MO(-n)`: backwards). Subtracting negates the relative fields
 * only. A date stays a date unless a time is involved.
 */
function addRelativedelta(a: DatetimeV | DateV, rd: RelativedeltaParts, sign: 1 | -1): Value {
  const abs = rd.absolute;
  const hasTime = rd.seconds % 86400 !== 0 || abs.hour !== undefined || abs.minute !== undefined || abs.second !== undefined || abs.microsecond !== undefined;
  const base: DatetimeV | DateV = a.t === 'date' && hasTime ? fromDateTime(DateTime.utc(a.y, a.m, a.d), null, false) : a;
  const start = base.t === 'date' ? { year: base.y, month: base.m, day: base.d } : { year: base.dt.year, month: base.dt.month, day: base.dt.day };
  let year = (abs.year || start.year) + sign * rd.years;
  let month = (abs.month || start.month) + sign * rd.months;
  if (month > 12) {
    year += 1;
    month -= 12;
  } else if (month < 1) {
    year -= 1;
    month += 12;
  }
  if (year < 1 || year > 9999) throw new PyFail('year is out of range');
  const day = Math.min(abs.day || start.day, DateTime.utc(year, month, 1).daysInMonth!);
  let us = sign * rd.seconds * 1e6;
  if (abs.leapdays && month > 2 && DateTime.utc(year, 1, 1).isInLeapYear) us += abs.leapdays * US_PER_DAY;
  let out: DatetimeV | DateV;
  if (base.t === 'date') {
    const d = DateTime.utc(year, month, day).plus({ days: us / US_PER_DAY });
    out = { t: 'date', y: d.year, m: d.month, d: d.day };
  } else {
    const time = Object.fromEntries(
      (['hour', 'minute', 'second'] as const).filter((k) => abs[k] !== undefined).map((k) => [k, abs[k]!]),
    );
    const ms = abs.microsecond !== undefined ? { millisecond: Math.floor(abs.microsecond / US_PER_MS) } : {};
    out = addMicros(fromDateTime(base.dt.set({ year, month, day, ...time, ...ms }), base.tz, base.pendulum), us);
  }
  if (!rd.weekday) return out;
  const nth = rd.weekday.n ?? 1;
  const current = (out.t === 'date' ? DateTime.utc(out.y, out.m, out.d).weekday : out.dt.weekday) - 1; // Monday = 0
  let jump = (Math.abs(nth) - 1) * 7;
  if (nth > 0) jump += (7 - current + rd.weekday.day) % 7;
  else jump = -(jump + ((current - rd.weekday.day + 7) % 7));
  if (out.t === 'date') {
    const d = DateTime.utc(out.y, out.m, out.d).plus({ days: jump });
    return { t: 'date', y: d.year, m: d.month, d: d.day };
  }
  return addMicros(out, jump * US_PER_DAY);
}

/** `+`, `-`, `*`, `/`, `//`, `%` involving dates or durations; undefined when not applicable. */
export function dateArithmetic(op: string, a: Value, b: Value): Value | undefined {
  if ((a.t === 'datetime' || a.t === 'date') && (op === '+' || op === '-')) {
    const rd = relativedeltaParts(b);
    if (rd) return addRelativedelta(a, rd, op === '+' ? 1 : -1);
  }
  if ((b.t === 'datetime' || b.t === 'date') && op === '+') {
    const rd = relativedeltaParts(a);
    if (rd) return addRelativedelta(b, rd, 1);
  }
  if (a.t === 'timedelta' && b.t === 'timedelta') {
    switch (op) {
      case '+': return timedelta(a.us + b.us);
      case '-': return timedelta(a.us - b.us);
      case '/': return float(a.us / b.us);
      case '//': return int(Math.floor(a.us / b.us));
      case '%': return timedelta(a.us - Math.floor(a.us / b.us) * b.us);
    }
    return undefined;
  }
  if (a.t === 'timedelta' && isNumber(b)) {
    const n = numeric(b);
    if (op === '*') return timedelta(a.us * n);
    if (op === '/') return timedelta(a.us / n);
    if (op === '//' && b.t !== 'float') return timedelta(Math.floor(a.us / n));
    return undefined;
  }
  if (isNumber(a) && b.t === 'timedelta' && op === '*') return timedelta(b.us * numeric(a));
  if (a.t === 'datetime' && b.t === 'timedelta') {
    if (op === '+') return addMicros(a, b.us);
    if (op === '-') return addMicros(a, -b.us);
  }
  if (a.t === 'timedelta' && b.t === 'datetime' && op === '+') return addMicros(b, a.us);
  if (a.t === 'datetime' && b.t === 'datetime' && op === '-') return timedelta((a.dt.toMillis() - b.dt.toMillis()) * US_PER_MS);
  if (a.t === 'date' && b.t === 'timedelta' && (op === '+' || op === '-')) {
    const days = Math.trunc(b.us / US_PER_DAY) * (op === '+' ? 1 : -1);
    const d = dateToDateTime(a).plus({ days });
    return { t: 'date', y: d.year, m: d.month, d: d.day };
  }
  if (a.t === 'date' && b.t === 'date' && op === '-') return timedelta((dateToDateTime(a).toMillis() - dateToDateTime(b).toMillis()) * US_PER_MS);
  return undefined;
}

/** Ordering of two date-like values of the same kind; undefined when not comparable. */
export function dateCompare(a: Value, b: Value): number | undefined {
  if (a.t === 'datetime' && b.t === 'datetime') return a.dt.toMillis() - b.dt.toMillis();
  if (a.t === 'timedelta' && b.t === 'timedelta') return a.us - b.us;
  if (a.t === 'date' && b.t === 'date') return dateToDateTime(a).toMillis() - dateToDateTime(b).toMillis();
  if (a.t === 'time' && b.t === 'time') {
    if ((a.tz === null) !== (b.tz === null)) throw new PyFail("can't compare offset-naive and offset-aware times");
    return a.us - b.us;
  }
  return undefined;
}

// ---------------------------------------------------------------- attributes

const DURATION_KEYS = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds', 'microseconds'] as const;

function pendulumShift(v: DatetimeV, kwargs: Map<string, Value>, sign: number, name: string): DatetimeV {
  const shift: Record<string, number> = {};
  for (const [k, val] of kwargs) {
    if (!(DURATION_KEYS as readonly string[]).includes(k)) throw new PyFail(`${name}() got an unexpected keyword argument '${k}'`);
    const amount = asNumber(val, `${name}() ${k}`) * sign;
    if (k === 'microseconds') shift.milliseconds = amount / 1000;
    else shift[k] = amount;
  }
  return fromDateTime(v.dt.plus(shift), v.tz, v.pendulum);
}

const UNITS = ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'] as const;

export function datetimeAttr(v: DatetimeV, name: string): Value | undefined {
  const dt = v.dt;
  switch (name) {
    case 'year': return int(dt.year);
    case 'month': return int(dt.month);
    case 'day': return int(dt.day);
    case 'hour': return int(dt.hour);
    case 'minute': return int(dt.minute);
    case 'second': return int(dt.second);
    case 'microsecond': return int(dt.millisecond * 1000);
    case 'tzinfo': case 'tz': case 'timezone': return v.tz === null ? NONE : { t: 'tz', name: v.tz };
    case 'timezone_name': case 'tzname': return v.tz === null ? NONE : str(v.tz);
    case 'day_of_week': return int(dt.weekday % 7);
    case 'day_of_year': return int(dt.ordinal);
  }
  const m = (impl: (args: Value[], kwargs: Map<string, Value>) => Value) => method(name, impl);
  switch (name) {
    case 'date': return m(() => dateOf(v));
    case 'time': return m(() => makeTime(dt.hour, dt.minute, dt.second, dt.millisecond * 1000, null));
    case 'timetz': return m(() => makeTime(dt.hour, dt.minute, dt.second, dt.millisecond * 1000, v.tz));
    case 'strftime': return m((args) => str(strftime(v, asStr(args[0], 'strftime() format'))));
    case 'isoformat': return m((args) => str(isoformat(v, args[0] ? asStr(args[0], 'sep') : 'T')));
    case 'timestamp': return m(() => float(dt.toMillis() / 1000));
    case 'weekday': return m(() => int(dt.weekday - 1));
    case 'isoweekday': return m(() => int(dt.weekday));
    case 'to_date_string': return m(() => str(dateIso(dateOf(v))));
    case 'to_datetime_string': return m(() => str(isoformat({ ...v, tz: null }, ' ')));
    case 'to_iso8601_string': case 'isoformat_string': return m(() => str(isoformat(v)));
    case 'replace': return m((args, kwargs) => {
      const b = bindArgs('replace', args, kwargs, ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo'], ['fold']);
      const get = (k: string, cur: number) => asInt(b[k], k, cur);
      const tz = b.tzinfo !== undefined ? zoneOf(b.tzinfo) : v.tz;
      return makeDatetime(get('year', dt.year), get('month', dt.month), get('day', dt.day), get('hour', dt.hour), get('minute', dt.minute), get('second', dt.second), get('microsecond', dt.millisecond * 1000), tz, v.pendulum);
    });
    case 'astimezone': case 'in_timezone': case 'in_tz': return m((args) => {
      const tz = zoneOf(args[0]) ?? 'UTC';
      return fromDateTime(dt.setZone(tz), tz, v.pendulum);
    });
    case 'add': return m((_args, kwargs) => pendulumShift(v, kwargs, 1, 'add'));
    case 'subtract': return m((_args, kwargs) => pendulumShift(v, kwargs, -1, 'subtract'));
    case 'start_of': case 'end_of': return m((args) => {
      const unit = asStr(args[0], `${name}() unit`);
      if (!(UNITS as readonly string[]).includes(unit)) throw new PyFail(`unknown unit '${unit}'`);
      const u = unit as (typeof UNITS)[number];
      return fromDateTime(name === 'start_of' ? dt.startOf(u) : dt.endOf(u), v.tz, v.pendulum);
    });
  }
  return undefined;
}

export function dateAttr(v: DateV, name: string): Value | undefined {
  switch (name) {
    case 'year': return int(v.y);
    case 'month': return int(v.m);
    case 'day': return int(v.d);
    case 'strftime': return method(name, (args) => str(strftime(v, asStr(args[0], 'strftime() format'))));
    case 'isoformat': return method(name, () => str(dateIso(v)));
    case 'weekday': return method(name, () => int(dateToDateTime(v).weekday - 1));
    case 'isoweekday': return method(name, () => int(dateToDateTime(v).weekday));
    case 'replace': return method(name, (args, kwargs) => {
      const b = bindArgs('replace', args, kwargs, ['year', 'month', 'day']);
      return makeDate(asInt(b.year, 'year', v.y), asInt(b.month, 'month', v.m), asInt(b.day, 'day', v.d));
    });
  }
  return undefined;
}

export function timeAttr(v: TimeV, name: string): Value | undefined {
  const [h, mi, sec, us] = timeFields(v);
  switch (name) {
    case 'hour': return int(h);
    case 'minute': return int(mi);
    case 'second': return int(sec);
    case 'microsecond': return int(us);
    case 'tzinfo': return v.tz === null ? NONE : { t: 'tz', name: v.tz };
    case 'isoformat': return method(name, () => str(timeIso(v)));
    case 'strftime': return method(name, (args) => str(strftime(makeDatetime(1900, 1, 1, h, mi, sec, us, v.tz, false), asStr(args[0], 'strftime() format'))));
    case 'replace': return method(name, (args, kwargs) => {
      const b = bindArgs('replace', args, kwargs, ['hour', 'minute', 'second', 'microsecond', 'tzinfo'], ['fold']);
      return makeTime(asInt(b.hour, 'hour', h), asInt(b.minute, 'minute', mi), asInt(b.second, 'second', sec), asInt(b.microsecond, 'microsecond', us), b.tzinfo !== undefined ? zoneOf(b.tzinfo) : v.tz);
    });
  }
  return undefined;
}

export function timedeltaAttr(v: TimedeltaV, name: string): Value | undefined {
  const days = Math.floor(v.us / US_PER_DAY);
  const rest = v.us - days * US_PER_DAY;
  switch (name) {
    case 'days': return int(days);
    case 'seconds': return int(Math.floor(rest / 1e6));
    case 'microseconds': return int(rest % 1e6);
    case 'total_seconds': return method(name, () => float(v.us / 1e6));
    case 'in_seconds': return method(name, () => int(Math.trunc(v.us / 1e6)));
  }
  return undefined;
}

// ---------------------------------------------------------------- modules

const DATETIME_ARGS = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo'];

function datetimeCtor(pendulum: boolean, defaultTz: string | null, name: string) {
  return (args: Value[], kwargs: Map<string, Value>): Value => {
    const b = bindArgs(name, args, kwargs, pendulum ? [...DATETIME_ARGS.slice(0, 7), 'tz'] : DATETIME_ARGS, pendulum ? ['tzinfo', 'fold'] : ['fold']);
    const tzArg = b.tz ?? b.tzinfo;
    const tz = tzArg !== undefined ? zoneOf(tzArg) ?? defaultTz : defaultTz;
    return makeDatetime(
      asInt(b.year, `${name}() year`), asInt(b.month, `${name}() month`), asInt(b.day, `${name}() day`),
      asInt(b.hour, 'hour', 0), asInt(b.minute, 'minute', 0), asInt(b.second, 'second', 0), asInt(b.microsecond, 'microsecond', 0),
      tz, pendulum,
    );
  };
}

const timedeltaClass = fn('timedelta', 'datetime', (args, kwargs) => timedeltaFromArgs(args, kwargs, 'timedelta'));

const timezoneClass = fn('timezone', 'datetime', (args) => {
  const offset = concrete(args[0] ?? NONE);
  if (offset.t !== 'timedelta') throw new PyFail('timezone() argument must be a timedelta');
  const minutes = Math.round(offset.us / 60e6);
  return { t: 'tz', name: minutes === 0 ? 'UTC' : FixedOffsetZone.instance(minutes).name };
}, { utc: { t: 'tz', name: 'UTC' } });

const timeClass = fn('time', 'datetime', (args, kwargs) => {
  const b = bindArgs('time', args, kwargs, ['hour', 'minute', 'second', 'microsecond', 'tzinfo'], ['fold']);
  return makeTime(asInt(b.hour, 'hour', 0), asInt(b.minute, 'minute', 0), asInt(b.second, 'second', 0), asInt(b.microsecond, 'microsecond', 0), zoneOf(b.tzinfo));
}, {
  min: makeTime(0, 0, 0, 0, null),
  max: makeTime(23, 59, 59, 999_999, null),
  fromisoformat: fn('fromisoformat', 'datetime.time', (args) => {
    const text = asStr(args[0], 'fromisoformat() string');
    const m = /^(\d\d)(?::(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)?(Z|[+-]\d\d:\d\d)?$/.exec(text.trim());
    if (!m) throw new PyFail(`Invalid isoformat string: '${text}'`);
    const tz = m[5] === undefined ? null : m[5] === 'Z' || m[5] === '+00:00' ? 'UTC' : FixedOffsetZone.parseSpecifier(`UTC${m[5]}`).name;
    return makeTime(Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0), Number((m[4] ?? '').padEnd(6, '0')), tz);
  }),
});

const dateClass = fn('date', 'datetime', (args, kwargs) => {
  const b = bindArgs('date', args, kwargs, ['year', 'month', 'day']);
  return makeDate(asInt(b.year, 'date() year'), asInt(b.month, 'date() month'), asInt(b.day, 'date() day'));
}, {
  min: makeDate(1, 1, 1),
  max: makeDate(9999, 12, 31),
  today: fn('today', 'datetime.date', (_a, _k, ctx) => dateOf(utcNow(ctx, false))),
  fromisoformat: fn('fromisoformat', 'datetime.date', (args) => {
    const d = DateTime.fromISO(asStr(args[0], 'date string'), { zone: 'UTC' });
    if (!d.isValid) throw new PyFail(`Invalid isoformat string: '${asStr(args[0], '')}'`);
    return makeDate(d.year, d.month, d.day);
  }),
});

function fromIso(text: string, pendulum: boolean, defaultTz: string | null): DatetimeV {
  // Python accepts a space between date and time; luxon wants 'T'.
  const d = DateTime.fromISO(text.trim().replace(/^(\d{4}-\d\d-\d\d) /, '$1T'), { zone: 'UTC', setZone: true });
  if (!d.isValid) throw new PyFail(`Invalid isoformat string: '${text}'`);
  const hasOffset = /([zZ]|[+-]\d\d:?\d\d)$/.test(text.trim());
  if (hasOffset) return fromDateTime(d, d.zoneName === 'UTC' ? 'UTC' : d.zoneName, pendulum);
  return defaultTz ? fromDateTime(DateTime.fromObject(d.toObject(), { zone: defaultTz }), defaultTz, pendulum) : fromDateTime(d, null, pendulum);
}

const datetimeClass = fn('datetime', 'datetime', datetimeCtor(false, null, 'datetime'), {
  // `start_date=datetime.datetime.min` (Airflow's own examples): naive, as in Python.
  min: makeDatetime(1, 1, 1, 0, 0, 0, 0, null, false),
  max: makeDatetime(9999, 12, 31, 23, 59, 59, 999_999, null, false),
  now: fn('now', 'datetime.datetime', (args, kwargs, ctx) => {
    const tz = zoneOf(args[0] ?? kwargs.get('tz'));
    const now = utcNow(ctx, false);
    return tz ? fromDateTime(now.dt.setZone(tz), tz, false) : { ...now, tz: null };
  }),
  utcnow: fn('utcnow', 'datetime.datetime', (_a, _k, ctx) => ({ ...utcNow(ctx, false), tz: null })),
  today: fn('today', 'datetime.datetime', (_a, _k, ctx) => ({ ...utcNow(ctx, false), tz: null })),
  strptime: fn('strptime', 'datetime.datetime', (args) => strptime(asStr(args[0], 'strptime() string'), asStr(args[1], 'strptime() format'))),
  fromisoformat: fn('fromisoformat', 'datetime.datetime', (args) => fromIso(asStr(args[0], 'fromisoformat() string'), false, null)),
  fromtimestamp: fn('fromtimestamp', 'datetime.datetime', (args, kwargs) => {
    const tz = zoneOf(args[1] ?? kwargs.get('tz'));
    const dt = DateTime.fromMillis(asNumber(args[0], 'timestamp') * 1000, { zone: tz ?? 'UTC' });
    return fromDateTime(dt, tz, false);
  }),
  combine: fn('combine', 'datetime.datetime', (args, kwargs) => {
    const b = bindArgs('combine', args, kwargs, ['date', 'time', 'tzinfo']);
    const d = concrete(b.date ?? NONE);
    const t = b.time === undefined ? makeTime(0, 0, 0, 0, null) : concrete(b.time);
    if (d.t !== 'date' && d.t !== 'datetime') throw new PyFail('combine() argument 1 must be a date');
    if (t.t !== 'time') throw new PyFail('combine() argument 2 must be a time');
    const [y, mo, day] = d.t === 'date' ? [d.y, d.m, d.d] : [d.dt.year, d.dt.month, d.dt.day];
    const [h, mi, sec, us] = timeFields(t);
    return makeDatetime(y, mo, day, h, mi, sec, us, b.tzinfo !== undefined ? zoneOf(b.tzinfo) : t.tz, false);
  }),
});

export const DATETIME_MODULE: Record<string, Value> = {
  datetime: datetimeClass,
  date: dateClass,
  time: timeClass,
  timedelta: timedeltaClass,
  timezone: timezoneClass,
  MINYEAR: int(1),
  MAXYEAR: int(9999),
};

const pendulumTimezone = fn('timezone', 'pendulum', (args) => timezoneValue(asStr(args[0], 'timezone name')));
// pendulum's Timezone class (pendulum 2 and 3: `pendulum.tz.timezone.Timezone("Asia/Seoul")`, `pendulum.Timezone(...)`).
const pendulumTimezoneClass = fn('Timezone', 'pendulum', (args, kwargs) => timezoneValue(asStr(args[0] ?? kwargs.get('key') ?? kwargs.get('name'), 'Timezone() name')));

/** `pendulum.tz`, `pendulum.tz.timezone`: the zone constructors. */
export const PENDULUM_TZ_MODULE: Record<string, Value> = {
  timezone: pendulumTimezone,
  Timezone: pendulumTimezoneClass,
  UTC: { t: 'tz', name: 'UTC' },
};

/** zoneinfo (the standard library's, Airflow 3's examples): `ZoneInfo("Asia/Seoul")`. */
export const ZONEINFO_MODULE: Record<string, Value> = {
  ZoneInfo: fn('ZoneInfo', 'zoneinfo', (args, kwargs) => timezoneValue(asStr(args[0] ?? kwargs.get('key'), 'ZoneInfo() key'))),
};

/** dateutil.tz: `gettz(name)` is the zone, or None for a name it does not know; `tzutc()` / `UTC`. */
export const DATEUTIL_TZ_MODULE: Record<string, Value> = {
  gettz: fn('gettz', 'dateutil.tz', (args, kwargs, ctx) => {
    const name = args[0] ?? kwargs.get('name');
    // gettz() without a name is the machine's zone: what the worker has, unknown here.
    if (name === undefined || name.t === 'none') return dynamic('dateutil.tz.gettz()', ctx.from, 'name the zone: gettz("Europe/Berlin")');
    try {
      return timezoneValue(asStr(name, 'gettz() name'));
    } catch (err) {
      if (err instanceof PyFail) return NONE;
      throw err;
    }
  }),
  tzutc: fn('tzutc', 'dateutil.tz', () => ({ t: 'tz', name: 'UTC' })),
  UTC: { t: 'tz', name: 'UTC' },
};
const pendulumNow = (startOfDay: boolean, dayShift: number) => (args: Value[], kwargs: Map<string, Value>, ctx: CallCtx): Value => {
  const tz = zoneOf(args[0] ?? kwargs.get('tz')) ?? 'UTC';
  let dt = utcNow(ctx, true).dt.setZone(tz);
  if (startOfDay) dt = dt.startOf('day');
  if (dayShift) dt = dt.plus({ days: dayShift });
  return fromDateTime(dt, tz, true);
};

export const PENDULUM_MODULE: Record<string, Value> = {
  datetime: fn('datetime', 'pendulum', datetimeCtor(true, 'UTC', 'pendulum.datetime')),
  DateTime: fn('DateTime', 'pendulum', datetimeCtor(true, 'UTC', 'pendulum.DateTime')),
  date: dateClass,
  Date: dateClass,
  // pendulum.time(...) makes a pendulum Time, a datetime.time.
  time: timeClass,
  Time: timeClass,
  duration: fn('duration', 'pendulum', (args, kwargs) => {
    for (const k of ['years', 'months']) {
      if (kwargs.has(k)) throw new PyFail(`pendulum.duration(${k}=...) has no fixed length`, 'use days/weeks, or a cron schedule for calendar intervals');
    }
    return timedeltaFromArgs(args, kwargs, 'duration');
  }),
  timezone: pendulumTimezone,
  Timezone: pendulumTimezoneClass,
  // `pendulum.tz.timezone(...)` is the function (it shadows the submodule of that name, whose Timezone is imported by name).
  tz: { t: 'object', kind: 'module', attrs: new Map(Object.entries(PENDULUM_TZ_MODULE)) },
  UTC: { t: 'tz', name: 'UTC' },
  now: fn('now', 'pendulum', pendulumNow(false, 0)),
  today: fn('today', 'pendulum', pendulumNow(true, 0)),
  yesterday: fn('yesterday', 'pendulum', pendulumNow(true, -1)),
  tomorrow: fn('tomorrow', 'pendulum', pendulumNow(true, 1)),
  parse: fn('parse', 'pendulum', (args, kwargs) => fromIso(asStr(args[0], 'parse() text'), true, zoneOf(kwargs.get('tz')) ?? 'UTC')),
  from_timestamp: fn('from_timestamp', 'pendulum', (args, kwargs) => {
    const tz = zoneOf(args[1] ?? kwargs.get('tz')) ?? 'UTC';
    return fromDateTime(DateTime.fromMillis(asNumber(args[0], 'timestamp') * 1000, { zone: tz }), tz, true);
  }),
};

/** airflow.utils.dates.days_ago: midnight UTC (or the given time) `n` days before now. */
const daysAgo = fn('days_ago', 'airflow.utils.dates', (args, kwargs, ctx) => {
  const b = bindArgs('days_ago', args, kwargs, ['n', 'hour', 'minute', 'second', 'microsecond']);
  const n = asNumber(b.n, 'days_ago() n');
  const base = utcNow(ctx, false).dt.set({ hour: asInt(b.hour, 'hour', 0), minute: asInt(b.minute, 'minute', 0), second: asInt(b.second, 'second', 0), millisecond: Math.floor(asInt(b.microsecond, 'microsecond', 0) / 1000) });
  return fromDateTime(base.minus({ milliseconds: n * 86_400_000 }), 'UTC', false);
});

export const AIRFLOW_DATES_MODULE: Record<string, Value> = {
  days_ago: daysAgo,
  // Schedule presets kept as module constants in Airflow 1.10.
  cron_presets: NONE,
};

export const AIRFLOW_TIMEZONE_MODULE: Record<string, Value> = {
  datetime: fn('datetime', 'airflow.utils.timezone', datetimeCtor(false, 'UTC', 'timezone.datetime')),
  utcnow: fn('utcnow', 'airflow.utils.timezone', (_a, _k, ctx) => utcNow(ctx, false)),
  utc: { t: 'tz', name: 'UTC' },
  parse: fn('parse', 'airflow.utils.timezone', (args) => fromIso(asStr(args[0], 'parse() text'), true, 'UTC')),
  make_aware: fn('make_aware', 'airflow.utils.timezone', (args) => {
    const v = concrete(args[0] ?? NONE);
    if (v.t !== 'datetime') throw new PyFail('make_aware() needs a datetime');
    const tz = zoneOf(args[1]) ?? 'UTC';
    return fromDateTime(DateTime.fromObject(v.dt.toObject(), { zone: tz }), tz, v.pendulum);
  }),
  convert_to_utc: fn('convert_to_utc', 'airflow.utils.timezone', (args) => {
    const v = concrete(args[0] ?? NONE);
    if (v.t !== 'datetime') throw new PyFail('convert_to_utc() needs a datetime');
    return fromDateTime(v.dt.setZone('UTC'), 'UTC', v.pendulum);
  }),
};

/** pytz, for Airflow 1.10 DAGs (`pytz.timezone("Europe/Amsterdam")`). */
export const PYTZ_MODULE: Record<string, Value> = {
  timezone: fn('timezone', 'pytz', (args) => timezoneValue(asStr(args[0], 'timezone name'))),
  utc: { t: 'tz', name: 'UTC' },
  UTC: { t: 'tz', name: 'UTC' },
};

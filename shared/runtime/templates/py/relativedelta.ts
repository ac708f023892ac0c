/**
 * `dateutil.relativedelta` in templates (`macros.dateutil.relativedelta.relativedelta(months=1)`, the
 * usual way a template reaches last month: `(data_interval_start - macros.dateutil.relativedelta.
 * relativedelta(months=1)).strftime("%Y-%m")`), as dateutil 2.9 computes it: relative fields
 * (years, months, weeks, days, hours, minutes, seconds, microseconds) are added, absolute ones (year,
 * month, day, hour, minute, second, microsecond) replace, and `weekday=MO(-1)` moves to a weekday.
 * Months are added first with the day clamped to the month's last, then the rest as a timedelta
 * (so a pendulum 3 DateTime adds it as absolute time, as its `+ timedelta` does).
 */
import { daysInMonth } from './calendar.js';
import { PyDate, PyDateTime, PyTimedelta } from './datetime.js';
import { intRepr } from './numbers.js';
import { MISSING, PyCallable, PyError, PyFloat, PyFunction, PyObject, PyRecord, bindArgs, toInt, toNumber, type BinaryOperator, type Kwargs } from './object.js';

const DAY_NAMES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
const US_PER_S = 1_000_000;

/** `MO`, `TU`, …, and `MO(-1)` (the last Monday): dateutil's weekday objects. */
export class PyWeekday extends PyCallable {
  readonly pyTypeName = 'weekday';
  constructor(
    readonly weekday: number,
    readonly n: number | null,
  ) {
    super();
  }

  call(args: unknown[], kwargs: Kwargs): unknown {
    const a = bindArgs('weekday', [['n']], args, kwargs);
    const n = toInt(a.n, 'n');
    if (n === 0) throw new PyError('ValueError', "Can't create weekday with n==0");
    return n === this.n ? this : new PyWeekday(this.weekday, n);
  }

  override getattr(name: string): unknown {
    if (name === 'weekday') return this.weekday;
    if (name === 'n') return this.n;
    return MISSING;
  }

  override equals(other: unknown): boolean {
    return other instanceof PyWeekday && other.weekday === this.weekday && (other.n ?? 1) === (this.n ?? 1);
  }

  repr(): string {
    const name = DAY_NAMES[this.weekday]!;
    return this.n === null ? name : `${name}(${this.n > 0 ? '+' : ''}${this.n})`;
  }
}

const WEEKDAYS = DAY_NAMES.map((_, i) => new PyWeekday(i, null));

const RELATIVE = ['years', 'months', 'days', 'hours', 'minutes', 'seconds', 'microseconds'] as const;
const ABSOLUTE = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond'] as const;
type Relative = Record<(typeof RELATIVE)[number], number>;
type Absolute = Record<(typeof ABSOLUTE)[number], number | null>;

const PARAMS = [['dt1', null], ['dt2', null], ['years', 0], ['months', 0], ['days', 0], ['leapdays', 0], ['weeks', 0], ['hours', 0], ['minutes', 0], ['seconds', 0], ['microseconds', 0],
  ['year', null], ['month', null], ['day', null], ['weekday', null], ['yearday', null], ['nlyearday', null], ['hour', null], ['minute', null], ['second', null], ['microsecond', null]] as const;

const sign = (n: number) => (n < 0 ? -1 : 1);

/** dateutil's `_fix`: each relative unit within its range, the excess carried to the next (sign kept). */
function normalized(r: Relative): Relative {
  const out = { ...r };
  const carry = (from: keyof Relative, to: keyof Relative, size: number) => {
    if (Math.abs(out[from]) > size - 1) {
      const s = sign(out[from]);
      const div = Math.floor((out[from] * s) / size);
      out[from] = out[from] * s - div * size;
      out[from] *= s;
      out[to] += div * s;
    }
  };
  carry('microseconds', 'seconds', US_PER_S);
  carry('seconds', 'minutes', 60);
  carry('minutes', 'hours', 60);
  carry('hours', 'days', 24);
  carry('months', 'years', 12);
  return out;
}

export class PyRelativedelta extends PyObject {
  readonly pyTypeName = 'relativedelta';

  constructor(
    readonly rel: Relative,
    readonly abs: Absolute,
    readonly weekday: PyWeekday | null,
  ) {
    super();
  }

  static construct(args: unknown[], kwargs: Kwargs): PyRelativedelta {
    const a = bindArgs('relativedelta', PARAMS, args, kwargs);
    if (a.dt1 !== null || a.dt2 !== null) throw new PyError('NotImplementedError', 'relativedelta(dt1, dt2) is not supported in templates; use dt1 - dt2 (a timedelta)');
    for (const unsupported of ['yearday', 'nlyearday'] as const) if (a[unsupported] !== null) throw new PyError('NotImplementedError', `relativedelta(${unsupported}=...) is not supported in templates`);
    if (toNumber(a.leapdays, 'leapdays') !== 0) throw new PyError('NotImplementedError', 'relativedelta(leapdays=...) is not supported in templates');
    const num = (k: string) => toNumber(a[k], k);
    const years = num('years');
    const months = num('months');
    if (!Number.isInteger(years) || !Number.isInteger(months) || a.years instanceof PyFloat || a.months instanceof PyFloat) {
      throw new PyError('ValueError', 'Non-integer years and months are ambiguous and not currently supported.');
    }
    const rel = normalized({ years, months, days: num('days') + num('weeks') * 7, hours: num('hours'), minutes: num('minutes'), seconds: num('seconds'), microseconds: num('microseconds') });
    const abs = Object.fromEntries(ABSOLUTE.map((k) => [k, a[k] === null ? null : toInt(a[k], k)])) as Absolute;
    let weekday: PyWeekday | null = null;
    if (a.weekday instanceof PyWeekday) weekday = a.weekday;
    else if (a.weekday !== null) {
      const i = toInt(a.weekday, 'weekday');
      if (i < 0 || i > 6) throw new PyError('IndexError', 'tuple index out of range');
      weekday = WEEKDAYS[i]!;
    }
    return new PyRelativedelta(rel, abs, weekday);
  }

  private negated(): PyRelativedelta {
    return new PyRelativedelta(Object.fromEntries(RELATIVE.map((k) => [k, -this.rel[k]])) as Relative, this.abs, this.weekday);
  }

  private hasTime(): boolean {
    return this.rel.hours !== 0 || this.rel.minutes !== 0 || this.rel.seconds !== 0 || this.rel.microseconds !== 0 || this.abs.hour !== null || this.abs.minute !== null || this.abs.second !== null || this.abs.microsecond !== null;
  }

  /** `other + self` for a datetime or a date (a date becomes a datetime when a time field is set). */
  private applyTo(other: PyDateTime | PyDate): PyDateTime | PyDate {
    if (other instanceof PyDate && this.hasTime()) return this.applyTo(PyDateTime.fromFields({ year: other.year, month: other.month, day: other.day }, null, 'stdlib'));
    const p = other instanceof PyDateTime ? other.parts() : { year: other.year, month: other.month, day: other.day, hour: 0, minute: 0, second: 0, micro: 0 };
    let year = (this.abs.year ?? p.year) + this.rel.years;
    let month = this.abs.month ?? p.month;
    if (this.rel.months !== 0) {
      month += this.rel.months;
      if (month > 12) [year, month] = [year + 1, month - 12];
      else if (month < 1) [year, month] = [year - 1, month + 12];
    }
    if (year < 1 || year > 9999) throw new PyError('ValueError', `year ${year} is out of range`);
    const day = Math.min(daysInMonth(year, month), this.abs.day ?? p.day);
    let ret: PyDateTime | PyDate =
      other instanceof PyDateTime
        ? PyDateTime.fromFields(
            { year, month, day, hour: this.abs.hour ?? p.hour, minute: this.abs.minute ?? p.minute, second: this.abs.second ?? p.second, micro: this.abs.microsecond ?? p.micro },
            other.tz,
            other.flavour,
          )
        : new PyDate(year, month, day, other.flavour);
    const us = BigInt(Math.round((this.rel.days * 86_400 + this.rel.hours * 3600 + this.rel.minutes * 60 + this.rel.seconds) * US_PER_S + this.rel.microseconds));
    if (us !== 0n) ret = ret.binop('+', new PyTimedelta(us), false) as PyDateTime | PyDate;
    if (this.weekday) {
      const target = this.weekday.weekday;
      const nth = this.weekday.n ?? 1;
      const current = ret instanceof PyDateTime ? ret.parts().weekday : weekdayOfDate(ret);
      let jump = (Math.abs(nth) - 1) * 7;
      if (nth > 0) jump += (((7 - current + target) % 7) + 7) % 7;
      else jump = -(jump + (((current - target) % 7) + 7) % 7);
      if (jump !== 0) ret = ret.binop('+', new PyTimedelta(BigInt(jump) * 86_400_000_000n), false) as PyDateTime | PyDate;
    }
    return ret;
  }

  override binop(op: BinaryOperator, other: unknown, reflected: boolean): unknown {
    if (other instanceof PyDateTime || other instanceof PyDate) {
      if (op === '+') return this.applyTo(other);
      if (op === '-' && reflected) return this.negated().applyTo(other);
      return MISSING;
    }
    if (other instanceof PyRelativedelta && (op === '+' || op === '-')) {
      const [left, right] = reflected ? [other, this] : [this, other];
      const s = op === '+' ? 1 : -1;
      const rel = normalized(Object.fromEntries(RELATIVE.map((k) => [k, left.rel[k] + s * right.rel[k]])) as Relative);
      // dateutil: the right operand's absolute fields win, else the left's.
      const abs = Object.fromEntries(ABSOLUTE.map((k) => [k, right.abs[k] ?? left.abs[k]])) as Absolute;
      return new PyRelativedelta(rel, abs, right.weekday ?? left.weekday);
    }
    // dateutil adds a timedelta (either side) but subtracts none.
    if (other instanceof PyTimedelta && op === '+') {
      return new PyRelativedelta(normalized({ ...this.rel, microseconds: this.rel.microseconds + Number(other.totalUs) }), this.abs, this.weekday);
    }
    return MISSING;
  }

  override unary(op: '-' | '+' | 'abs'): unknown {
    if (op === '-') return this.negated();
    if (op === '+') return this;
    return new PyRelativedelta(Object.fromEntries(RELATIVE.map((k) => [k, Math.abs(this.rel[k])])) as Relative, this.abs, this.weekday);
  }

  override getattr(name: string): unknown {
    if ((RELATIVE as readonly string[]).includes(name)) return this.rel[name as keyof Relative];
    if ((ABSOLUTE as readonly string[]).includes(name)) return this.abs[name as keyof Absolute];
    if (name === 'weekday') return this.weekday;
    if (name === 'weeks') return Math.trunc(this.rel.days / 7);
    if (name === 'leapdays') return 0;
    return MISSING;
  }

  override bool(): boolean {
    return RELATIVE.some((k) => this.rel[k] !== 0) || ABSOLUTE.some((k) => this.abs[k] !== null) || this.weekday !== null;
  }

  override equals(other: unknown): boolean {
    if (!(other instanceof PyRelativedelta)) return false;
    const sameWeekday = this.weekday === null || other.weekday === null ? this.weekday === other.weekday : this.weekday.equals(other.weekday);
    return sameWeekday && RELATIVE.every((k) => this.rel[k] === other.rel[k]) && ABSOLUTE.every((k) => this.abs[k] === other.abs[k]);
  }

  /** dateutil's repr: `relativedelta(years=+1, months=-2, day=31, weekday=FR(-1))`. */
  repr(): string {
    const number = (v: number) => (Number.isInteger(v) ? intRepr(v) : String(v));
    const parts = [
      ...RELATIVE.filter((k) => this.rel[k] !== 0).map((k) => `${k}=${this.rel[k] > 0 ? '+' : ''}${number(this.rel[k])}`),
      ...ABSOLUTE.filter((k) => this.abs[k] !== null).map((k) => `${k}=${number(this.abs[k]!)}`),
      ...(this.weekday ? [`weekday=${this.weekday.repr()}`] : []),
    ];
    return `relativedelta(${parts.join(', ')})`;
  }
}

function weekdayOfDate(d: PyDate): number {
  return PyDateTime.fromFields({ year: d.year, month: d.month, day: d.day }, null, 'stdlib').parts().weekday;
}

/** `macros.dateutil`: the `relativedelta` module (its class and the weekday constants). */
export function dateutilModule(): PyRecord {
  const relativedelta = new PyFunction('relativedelta', (args, kwargs) => PyRelativedelta.construct(args, kwargs), {}, "<class 'dateutil.relativedelta.relativedelta'>");
  const weekdays = Object.fromEntries(DAY_NAMES.map((name, i) => [name, WEEKDAYS[i]!]));
  const module = new PyRecord('module', { relativedelta, weekday: new PyFunction('weekday', (args, kwargs) => {
    const a = bindArgs('weekday', [['weekday'], ['n', null]], args, kwargs);
    return new PyWeekday(toInt(a.weekday, 'weekday'), a.n === null ? null : toInt(a.n, 'n'));
  }), ...weekdays }, "<module 'dateutil.relativedelta'>");
  return new PyRecord('module', { relativedelta: module }, "<module 'dateutil'>");
}

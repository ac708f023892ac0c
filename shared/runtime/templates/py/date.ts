/** Python's `datetime.date` / `datetime.time` and pendulum's `Date` / `Time`. */
import { US_PER_DAY, checkDate, checkTime, civilFromEpochDay, daysInMonth, epochDay, floorDiv, method, pad, pendulumFormat, strftime, type TimeParts } from './calendar.js';
import { MISSING, PyObject, toInt, type BinaryOperator, type Missing } from './object.js';
import { PyTimedelta } from './timedelta.js';
import { isPendulum, type Flavour } from './timezone.js';

export class PyDate extends PyObject {
  readonly pyTypeName: string;

  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
    readonly flavour: Flavour,
  ) {
    super();
    checkDate(year, month, day);
    this.pyTypeName = isPendulum(flavour) ? 'Date' : 'datetime.date';
  }

  private get ordinalDay(): number {
    return epochDay(this.year, this.month, this.day);
  }

  parts(): TimeParts {
    const ed = this.ordinalDay;
    return {
      year: this.year,
      month: this.month,
      day: this.day,
      hour: 0,
      minute: 0,
      second: 0,
      micro: 0,
      weekday: (((ed + 3) % 7) + 7) % 7,
      yday: ed - epochDay(this.year, 1, 1) + 1,
      offsetSec: null,
      tzname: null,
    };
  }

  private static fromEpochDay(days: number, flavour: Flavour): PyDate {
    const c = civilFromEpochDay(days);
    return new PyDate(c.year, c.month, c.day, flavour);
  }

  isoformat(): string {
    return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`;
  }

  override getattr(name: string): unknown {
    const p = isPendulum(this.flavour);
    switch (name) {
      case 'year':
        return this.year;
      case 'month':
        return this.month;
      case 'day':
        return this.day;
      case 'strftime':
        return method('strftime', [['format']], (a) => strftime(String(a.format), this.parts()));
      case 'isoformat':
        return method('isoformat', [], () => this.isoformat());
      case 'weekday':
        return method('weekday', [], () => this.parts().weekday);
      case 'isoweekday':
        return method('isoweekday', [], () => this.parts().weekday + 1);
      case 'toordinal':
        return method('toordinal', [], () => this.ordinalDay + 719_163);
      case 'replace':
        return method('replace', [['year', this.year], ['month', this.month], ['day', this.day]], (a) =>
          new PyDate(toInt(a.year, 'year'), toInt(a.month, 'month'), toInt(a.day, 'day'), this.flavour),
        );
      case 'format':
        return p ? method('format', [['fmt'], ['locale', null]], (a) => pendulumFormat(String(a.fmt), this.parts(), null, null)) : MISSING;
      case 'to_date_string':
        return p ? method('to_date_string', [], () => this.isoformat()) : MISSING;
      case 'add':
      case 'subtract':
        if (!p) return MISSING;
        return method(name, [['years', 0], ['months', 0], ['weeks', 0], ['days', 0]], (a) => {
          const s = name === 'add' ? 1 : -1;
          const months = this.month - 1 + s * (toInt(a.years, 'years') * 12 + toInt(a.months, 'months'));
          const y = this.year + Math.floor(months / 12);
          const m = (((months % 12) + 12) % 12) + 1;
          const d = Math.min(this.day, daysInMonth(y, m));
          const base = epochDay(y, m, d);
          return PyDate.fromEpochDay(base + s * (toInt(a.weeks, 'weeks') * 7 + toInt(a.days, 'days')), this.flavour);
        });
      case 'day_of_year':
        return p ? this.parts().yday : MISSING;
      case 'days_in_month':
        return p ? daysInMonth(this.year, this.month) : MISSING;
      default:
        return MISSING;
    }
  }

  override binop(op: BinaryOperator, other: unknown, reflected: boolean): unknown {
    if (other instanceof PyTimedelta && (op === '+' || (op === '-' && !reflected))) {
      const days = Number(floorDiv(other.totalUs, US_PER_DAY));
      return PyDate.fromEpochDay(this.ordinalDay + (op === '+' ? days : -days), this.flavour);
    }
    if (op === '-' && other instanceof PyDate && !reflected) {
      return new PyTimedelta(BigInt(this.ordinalDay - other.ordinalDay) * US_PER_DAY);
    }
    return MISSING;
  }

  override compare(other: unknown): number | Missing {
    if (!(other instanceof PyDate)) return MISSING;
    return Math.sign(this.ordinalDay - other.ordinalDay);
  }

  override equals(other: unknown): boolean {
    return other instanceof PyDate && other.ordinalDay === this.ordinalDay;
  }

  override format(spec: string): string {
    return spec === '' ? this.str() : strftime(spec, this.parts());
  }

  override str(): string {
    return this.isoformat();
  }

  repr(): string {
    return isPendulum(this.flavour) ? `Date(${this.year}, ${this.month}, ${this.day})` : `datetime.date(${this.year}, ${this.month}, ${this.day})`;
  }

  override toNative(): unknown {
    return this.isoformat();
  }
}

export class PyTime extends PyObject {
  readonly pyTypeName: string;

  constructor(
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly micro: number,
    readonly flavour: Flavour,
  ) {
    super();
    checkTime(hour, minute, second, micro);
    this.pyTypeName = isPendulum(flavour) ? 'Time' : 'datetime.time';
  }

  isoformat(): string {
    return `${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}${this.micro ? `.${pad(this.micro, 6)}` : ''}`;
  }

  private parts(): TimeParts {
    return { year: 1900, month: 1, day: 1, hour: this.hour, minute: this.minute, second: this.second, micro: this.micro, weekday: 0, yday: 1, offsetSec: null, tzname: null };
  }

  override getattr(name: string): unknown {
    switch (name) {
      case 'hour':
        return this.hour;
      case 'minute':
        return this.minute;
      case 'second':
        return this.second;
      case 'microsecond':
        return this.micro;
      case 'isoformat':
        return method('isoformat', [], () => this.isoformat());
      case 'strftime':
        return method('strftime', [['format']], (a) => strftime(String(a.format), this.parts()));
      default:
        return MISSING;
    }
  }

  override equals(other: unknown): boolean {
    return other instanceof PyTime && other.isoformat() === this.isoformat();
  }

  override format(spec: string): string {
    return spec === '' ? this.str() : strftime(spec, this.parts());
  }

  override str(): string {
    return this.isoformat();
  }

  repr(): string {
    if (isPendulum(this.flavour)) return `Time(${this.hour}, ${this.minute}, ${this.second}${this.micro ? `, ${this.micro}` : ''})`;
    const fields = [this.hour, this.minute, this.second, this.micro];
    while (fields.length > 2 && fields[fields.length - 1] === 0) fields.pop();
    return `datetime.time(${fields.join(', ')})`;
  }
}


/** Python's `datetime.timedelta` (and pendulum's `Interval` extras), exact to the microsecond. */
import { US_PER_DAY, US_PER_S, floorDiv, floorMod, method, pad } from './calendar.js';
import { MISSING, PyError, PyFloat, PyObject, bindArgs, toNumber, type BinaryOperator, type Kwargs, type Missing, type Param } from './object.js';

const TIMEDELTA_PARAMS: readonly Param[] = [
  ['days', 0],
  ['seconds', 0],
  ['microseconds', 0],
  ['milliseconds', 0],
  ['minutes', 0],
  ['hours', 0],
  ['weeks', 0],
];

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export class PyTimedelta extends PyObject {
  readonly pyTypeName = 'datetime.timedelta';

  /** `interval` marks pendulum's `Interval` (datetime − datetime), which adds `in_days()` etc. */
  constructor(
    readonly totalUs: bigint,
    readonly interval = false,
  ) {
    super();
    if (totalUs > 999_999_999n * US_PER_DAY || totalUs < -999_999_999n * US_PER_DAY) {
      throw new PyError('OverflowError', `days=${totalUs / US_PER_DAY}; must have magnitude <= 999999999`);
    }
  }

  static fromSeconds(seconds: number): PyTimedelta {
    return new PyTimedelta(BigInt(roundHalfEven(seconds * 1e6)));
  }

  /** `timedelta(days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0, weeks=0)`. */
  static construct(args: unknown[], kwargs: Kwargs): PyTimedelta {
    const a = bindArgs('timedelta', TIMEDELTA_PARAMS, args, kwargs);
    const n = (k: string): number => toNumber(a[k], `unsupported type for timedelta ${k} component`);
    const whole = [n('days') * 86_400e6, n('seconds') * 1e6, n('microseconds'), n('milliseconds') * 1e3, n('minutes') * 60e6, n('hours') * 3600e6, n('weeks') * 604_800e6];
    let total = 0n;
    let frac = 0;
    for (const x of whole) {
      const t = Math.trunc(x);
      total += BigInt(t);
      frac += x - t;
    }
    return new PyTimedelta(total + BigInt(roundHalfEven(frac)));
  }

  get days(): number {
    return Number(floorDiv(this.totalUs, US_PER_DAY));
  }
  get seconds(): number {
    return Number(floorDiv(floorMod(this.totalUs, US_PER_DAY), US_PER_S));
  }
  get microseconds(): number {
    return Number(floorMod(this.totalUs, US_PER_S));
  }
  totalSeconds(): number {
    return Number(this.totalUs) / 1e6;
  }

  override getattr(name: string): unknown {
    switch (name) {
      case 'days':
        return this.days;
      case 'seconds':
        return this.seconds;
      case 'microseconds':
        return this.microseconds;
      case 'total_seconds':
        return method('total_seconds', [], () => new PyFloat(this.totalSeconds()));
      default:
        break;
    }
    if (this.interval) {
      const per: Record<string, bigint> = { in_weeks: 7n * US_PER_DAY, in_days: US_PER_DAY, in_hours: 3600n * US_PER_S, in_minutes: 60n * US_PER_S, in_seconds: US_PER_S };
      const unit = per[name];
      if (unit !== undefined) return method(name, [], () => Number(this.totalUs / unit));
    }
    return MISSING;
  }

  override binop(op: BinaryOperator, other: unknown, reflected: boolean): unknown {
    if (other instanceof PyTimedelta) {
      const [a, b] = reflected ? [other.totalUs, this.totalUs] : [this.totalUs, other.totalUs];
      switch (op) {
        case '+':
          return new PyTimedelta(a + b);
        case '-':
          return new PyTimedelta(a - b);
        case '/':
          if (b === 0n) throw new PyError('ZeroDivisionError', 'division by zero');
          return new PyFloat(Number(a) / Number(b));
        case '//':
          if (b === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
          return Number(floorDiv(a, b));
        case '%':
          if (b === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
          return new PyTimedelta(floorMod(a, b));
        default:
          return MISSING;
      }
    }
    const num = typeof other === 'number' ? other : other instanceof PyFloat ? other.value : undefined;
    if (num === undefined) return MISSING;
    if (op === '*') return new PyTimedelta(Number.isInteger(num) && !(other instanceof PyFloat) ? this.totalUs * BigInt(num) : BigInt(roundHalfEven(Number(this.totalUs) * num)));
    if (reflected) return MISSING;
    if (op === '/' || op === '//') {
      if (num === 0) throw new PyError('ZeroDivisionError', op === '/' ? 'division by zero' : 'integer division or modulo by zero');
      if (op === '//' && Number.isInteger(num)) return new PyTimedelta(floorDiv(this.totalUs, BigInt(num)));
      return new PyTimedelta(BigInt(op === '/' ? roundHalfEven(Number(this.totalUs) / num) : Math.floor(Number(this.totalUs) / num)));
    }
    return MISSING;
  }

  override unary(op: '-' | '+' | 'abs'): unknown {
    if (op === '-') return new PyTimedelta(-this.totalUs);
    if (op === 'abs') return new PyTimedelta(this.totalUs < 0n ? -this.totalUs : this.totalUs);
    return this;
  }

  override compare(other: unknown): number | Missing {
    if (!(other instanceof PyTimedelta)) return MISSING;
    return this.totalUs < other.totalUs ? -1 : this.totalUs > other.totalUs ? 1 : 0;
  }

  override equals(other: unknown): boolean {
    return other instanceof PyTimedelta && other.totalUs === this.totalUs;
  }

  override bool(): boolean {
    return this.totalUs !== 0n;
  }

  override str(): string {
    const days = this.days;
    const secs = this.seconds;
    const hh = Math.floor(secs / 3600);
    const mm = Math.floor((secs % 3600) / 60);
    const ss = secs % 60;
    let s = `${hh}:${pad(mm)}:${pad(ss)}`;
    if (days !== 0) s = `${days} day${Math.abs(days) !== 1 ? 's' : ''}, ${s}`;
    if (this.microseconds) s += `.${pad(this.microseconds, 6)}`;
    return s;
  }

  repr(): string {
    const parts: string[] = [];
    if (this.days) parts.push(`days=${this.days}`);
    if (this.seconds) parts.push(`seconds=${this.seconds}`);
    if (this.microseconds) parts.push(`microseconds=${this.microseconds}`);
    return `datetime.timedelta(${parts.length ? parts.join(', ') : '0'})`;
  }

  override toNative(): unknown {
    return { $type: 'timedelta', seconds: this.totalSeconds() };
  }
}


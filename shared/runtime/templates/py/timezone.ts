/**
 * Time zones as Python sees them: pendulum's `Timezone('UTC')`/`FixedTimezone`, or the standard
 * library's `datetime.timezone.utc`/`zoneinfo.ZoneInfo`, backed by luxon zones.
 */
import { FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import { formatOffset, method } from './calendar.js';
import { MISSING, PyError, PyObject, pyTypeNameOf } from './object.js';
import { PyTimedelta } from './timedelta.js';

/** Which Python type a datetime imitates: pendulum 2 or 3 (Airflow's context) or the standard library. */
export type Flavour = 'pendulum2' | 'pendulum3' | 'stdlib';
export const isPendulum = (f: Flavour): boolean => f !== 'stdlib';

/** Anything with an instant (a datetime), for `tz.utcoffset(dt)`. */
interface HasInstant {
  epochMs(): number;
}
const instantOf = (v: unknown): number =>
  typeof v === 'object' && v !== null && typeof (v as Partial<HasInstant>).epochMs === 'function' ? (v as HasInstant).epochMs() : Date.now();

export class PyTimezone extends PyObject {
  readonly pyTypeName: string;

  private constructor(
    readonly zone: Zone,
    /** IANA name, `UTC`, or `+01:00` for fixed offsets. */
    readonly name: string,
    readonly fixedOffsetSec: number | null,
    readonly flavour: Flavour,
  ) {
    super();
    this.pyTypeName = isPendulum(flavour) ? (fixedOffsetSec === null ? 'Timezone' : 'FixedTimezone') : fixedOffsetSec === null ? 'ZoneInfo' : 'timezone';
  }

  static utc(flavour: Flavour): PyTimezone {
    return new PyTimezone(FixedOffsetZone.utcInstance, 'UTC', isPendulum(flavour) ? null : 0, flavour);
  }

  /** An IANA zone (or `UTC`); throws pendulum's `InvalidTimezone` for unknown names. */
  static named(name: string, flavour: Flavour): PyTimezone {
    if (name === 'UTC' || name === 'utc' || name === 'Etc/UTC') return PyTimezone.utc(flavour);
    if (!IANAZone.isValidZone(name)) throw new PyError('InvalidTimezone', `Invalid timezone '${name}'`);
    return new PyTimezone(IANAZone.create(name), name, null, flavour);
  }

  static fixed(offsetSec: number, flavour: Flavour): PyTimezone {
    if (offsetSec === 0 && !isPendulum(flavour)) return PyTimezone.utc(flavour);
    return new PyTimezone(FixedOffsetZone.instance(offsetSec / 60), formatOffset(offsetSec, true), offsetSec, flavour);
  }

  withFlavour(flavour: Flavour): PyTimezone {
    if (flavour === this.flavour) return this;
    if (this.fixedOffsetSec !== null && this.name !== 'UTC') return PyTimezone.fixed(this.fixedOffsetSec, flavour);
    return this.name === 'UTC' ? PyTimezone.utc(flavour) : PyTimezone.named(this.name, flavour);
  }

  isUtc(): boolean {
    return this.name === 'UTC';
  }

  offsetSeconds(epochMs: number): number {
    return this.zone.offset(epochMs) * 60;
  }

  /** `tzname()`: the zone abbreviation (`UTC`, `CET`, `EDT`), or `+01` style when none is known. */
  tzname(epochMs: number): string {
    if (this.name === 'UTC') return 'UTC';
    if (this.fixedOffsetSec !== null) return isPendulum(this.flavour) ? this.name : `UTC${this.name}`;
    for (const locale of ['en-US', 'en-GB']) {
      const n = this.zone.offsetName(epochMs, { format: 'short', locale });
      if (n && !/^(GMT|UTC)[+-]/.test(n)) return n;
    }
    const off = this.offsetSeconds(epochMs);
    const text = formatOffset(off, false);
    return off % 3600 === 0 ? text.slice(0, 3) : text;
  }

  override getattr(name: string): unknown {
    switch (name) {
      case 'name':
        return isPendulum(this.flavour) ? this.name : MISSING;
      case 'key':
        return !isPendulum(this.flavour) && this.fixedOffsetSec === null ? this.name : MISSING;
      case 'utcoffset':
        return method('utcoffset', [['dt']], (a) =>
          PyTimedelta.fromSeconds(this.offsetSeconds(instantOf(a.dt))),
        );
      case 'tzname':
        return method('tzname', [['dt']], (a) => this.tzname(instantOf(a.dt)));
      default:
        return MISSING;
    }
  }

  override equals(other: unknown): boolean {
    return other instanceof PyTimezone && other.name === this.name;
  }

  repr(): string {
    if (isPendulum(this.flavour)) {
      return this.fixedOffsetSec === null ? `Timezone('${this.name}')` : `FixedTimezone(${this.fixedOffsetSec}, name="${this.name}")`;
    }
    if (this.name === 'UTC') return 'datetime.timezone.utc';
    if (this.fixedOffsetSec !== null) return `datetime.timezone(${PyTimedelta.fromSeconds(this.fixedOffsetSec).repr()})`;
    return `zoneinfo.ZoneInfo(key='${this.name}')`;
  }

  override str(): string {
    if (isPendulum(this.flavour)) return this.name;
    if (this.name === 'UTC') return 'UTC';
    return this.fixedOffsetSec !== null ? `UTC${this.name}` : this.name;
  }
}

/** A time zone argument: a `PyTimezone` or a zone name. */
export function toTimezone(v: unknown, flavour: Flavour): PyTimezone {
  if (v instanceof PyTimezone) return v.withFlavour(flavour);
  if (typeof v === 'string') return PyTimezone.named(v, flavour);
  throw new PyError('TypeError', `expected a time zone, got ${pyTypeNameOf(v)}`);
}


/**
 * Wall-clock time in an IANA zone, as Airflow's timetables use it (`airflow/utils/timezone.py`).
 *
 * A wall-clock time ("naive" in Python) is represented as the epoch milliseconds it would have if the
 * zone were UTC, so plain arithmetic and a UTC cron evaluator work on it without any DST logic.
 *
 * Mapping a wall-clock time back to an instant is Airflow's `make_aware`: it sets `fold=1` and lets
 * pendulum resolve it, which means
 * - an ambiguous time (the repeated hour when clocks go back) is the *second* occurrence;
 * - a non-existent time (the hour skipped when clocks go forward) is read with the offset in force
 *   before the gap, i.e. shifted forward by the gap: 02:30 on a spring-forward night in Berlin is
 *   03:30 CEST.
 */
import { IANAZone } from 'luxon';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const zones = new Map<string, IANAZone>();

/** The luxon zone for an IANA name; throws a RangeError for names the runtime does not know. */
export function ianaZone(name: string): IANAZone {
  let zone = zones.get(name);
  if (!zone) {
    zone = IANAZone.create(name);
    if (!zone.isValid) throw new RangeError(`unknown time zone '${name}'`);
    zones.set(name, zone);
  }
  return zone;
}

/** The zone's UTC offset at an instant, in milliseconds. */
export function offsetAt(instantMs: number, zone: string): number {
  return ianaZone(zone).offset(instantMs) * MINUTE_MS;
}

/** The wall-clock time (as fake-UTC epoch ms) of an instant in a zone: Airflow's `make_naive`. */
export function toWallClock(instantMs: number, zone: string): number {
  return instantMs + offsetAt(instantMs, zone);
}

/** The instants whose wall-clock time in `zone` is `wallMs`: none (gap), one, or two (fold). */
export function instantsOf(wallMs: number, zone: string): number[] {
  const offsets = new Set([offsetAt(wallMs - DAY_MS, zone), offsetAt(wallMs, zone), offsetAt(wallMs + DAY_MS, zone)]);
  const found = new Set<number>();
  for (const offset of offsets) {
    const instant = wallMs - offset;
    if (offsetAt(instant, zone) === offset) found.add(instant);
  }
  return [...found].sort((a, b) => a - b);
}

/** Airflow's `make_aware(naive, tz)` (fold=1): second occurrence in a fold, shifted forward in a gap. */
export function fromWallClock(wallMs: number, zone: string): number {
  const instants = instantsOf(wallMs, zone);
  if (instants.length > 0) return instants[instants.length - 1]!;
  // In a gap: read the wall time with the offset in force before the transition (the smaller one).
  const before = Math.min(offsetAt(wallMs - DAY_MS, zone), offsetAt(wallMs, zone), offsetAt(wallMs + DAY_MS, zone));
  return wallMs - before;
}

/** Whether a wall-clock time does not exist (gap) or exists twice (fold) in a zone. */
export function isDstAffected(wallMs: number, zone: string): boolean {
  return instantsOf(wallMs, zone).length !== 1;
}

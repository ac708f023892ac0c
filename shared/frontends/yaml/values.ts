/**
 * Converts YAML values into model values ({@link PyValue}) the way dag-factory turns them into
 * Python objects: timestamps, `__type__` objects (datetime, timedelta, typed lists), callables given
 * by dotted path or by file + name, dag-factory's date strings ("2024-01-01", "3 days") and
 * relative time strings.
 */
import path from 'node:path';
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';
import { DiagnosticCode, type DiagnosticBag } from '../../model/diagnostics.js';
import type { CallableRef, DateTimeValue, PyValue, SourceLocation, TimedeltaValue } from '../../model/schema.js';
import { describeNode, entry, type Pos, type Timestamp, type YMap, type YNode } from './nodes.js';

export interface ValueContext {
  file: string;
  bag: DiagnosticBag;
  now: Date;
  dagId?: string;
  taskId?: string;
}

export function loc(ctx: ValueContext, pos: Pos): SourceLocation {
  return { file: ctx.file, line: pos.line, col: pos.col };
}

export function ids(ctx: ValueContext): { dag_id?: string; task_id?: string } {
  const out: { dag_id?: string; task_id?: string } = {};
  if (ctx.dagId !== undefined) out.dag_id = ctx.dagId;
  if (ctx.taskId !== undefined) out.task_id = ctx.taskId;
  return out;
}

export function report(ctx: ValueContext, code: DiagnosticCode, message: string, pos: Pos, hint?: string, severity: 'error' | 'warning' = 'error'): void {
  const extra = { ...ids(ctx), ...(hint !== undefined ? { hint } : {}) };
  if (severity === 'error') ctx.bag.error(code, message, loc(ctx, pos), extra);
  else ctx.bag.warning(code, message, loc(ctx, pos), extra);
}

/** A calendar date and wall-clock time, optionally with a zone (IANA name) or fixed UTC offset. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  zone: string | null;
  offsetMinutes: number | null;
}

function wallFromTimestamp(t: Timestamp): WallClock {
  return { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second, millisecond: t.millisecond, zone: null, offsetMinutes: t.offsetMinutes };
}

/** The model's instant format (as the Python front-end writes it): seconds always, milliseconds when set, `+HH:MM`. */
export function modelIsoFormat(dt: DateTime): string {
  return dt.toFormat(dt.millisecond ? "yyyy-MM-dd'T'HH:mm:ss.SSSZZ" : "yyyy-MM-dd'T'HH:mm:ssZZ");
}

export function isValidZone(zone: string): boolean {
  return zone === 'UTC' || IANAZone.isValidZone(zone);
}

/** The wall clock read in `zone`; undefined when the fields are not a real date/time there. */
export function dateTimeIn(w: Omit<WallClock, 'zone' | 'offsetMinutes'>, zone: string): DateTimeValue | undefined {
  const dt = DateTime.fromObject(
    { year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute, second: w.second, millisecond: w.millisecond },
    { zone },
  );
  if (!dt.isValid) return undefined;
  return { $type: 'datetime', value: modelIsoFormat(dt), timezone: zone };
}

/** A YAML timestamp as the datetime PyYAML gives (naive: UTC; with an offset: that instant). */
export function timestampDatetime(t: Timestamp): DateTimeValue | undefined {
  return dateTimeFromWall(wallFromTimestamp(t));
}

/** A datetime value as Airflow would treat it: naive means UTC; a fixed offset is kept as an instant in UTC. */
function dateTimeFromWall(w: WallClock): DateTimeValue | undefined {
  if (w.zone !== null) return dateTimeIn(w, w.zone);
  if (w.offsetMinutes === null || w.offsetMinutes === 0) return dateTimeIn(w, 'UTC');
  const dt = DateTime.fromObject(
    { year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute, second: w.second, millisecond: w.millisecond },
    { zone: FixedOffsetZone.instance(w.offsetMinutes) },
  );
  if (!dt.isValid) return undefined;
  return { $type: 'datetime', value: modelIsoFormat(dt.setZone('UTC')), timezone: 'UTC' };
}

/** A Python `date` in the model: midnight UTC (as the Python front-end stores dates). */
function dateValue(w: { year: number; month: number; day: number }): DateTimeValue | undefined {
  return dateTimeIn({ year: w.year, month: w.month, day: w.day, hour: 0, minute: 0, second: 0, millisecond: 0 }, 'UTC');
}

// ---- `__type__` objects (dag-factory >= 0.23) ----

const DATETIME_TYPES = new Set(['datetime.datetime', 'pendulum.datetime']);
const DATE_TYPES = new Set(['datetime.date']);
const TIMEDELTA_TYPES = new Set(['datetime.timedelta', 'pendulum.duration']);
const TIMEZONE_TYPES = new Set(['pendulum.timezone', 'pendulum.tz.timezone', 'zoneinfo.ZoneInfo', 'pytz.timezone', 'dateutil.tz.gettz']);
const DATETIME_PARAMS = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond'] as const;
const TIMEDELTA_PARAMS = ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'] as const;
const TIMEDELTA_FACTORS: Record<(typeof TIMEDELTA_PARAMS)[number], number> = {
  days: 86400, seconds: 1, microseconds: 1e-6, milliseconds: 1e-3, minutes: 60, hours: 3600, weeks: 604800,
};

export function typeName(map: YMap): string | undefined {
  const t = entry(map, '__type__');
  return t && t.value.kind === 'scalar' && typeof t.value.value === 'string' ? t.value.value : undefined;
}

/** Keyword arguments of a `__type__` object, with `__args__` mapped onto `positional` names. */
function typedArguments(map: YMap, positional: readonly string[], ctx: ValueContext): Map<string, YNode> | undefined {
  const out = new Map<string, YNode>();
  const args = entry(map, '__args__');
  if (args) {
    if (args.value.kind !== 'seq') {
      report(ctx, DiagnosticCode.YAML, `__args__ must be a list (got ${describeNode(args.value)})`, args.value.pos);
      return undefined;
    }
    if (args.value.items.length > positional.length) {
      report(ctx, DiagnosticCode.YAML, `${typeName(map)} takes at most ${positional.length} positional arguments`, args.value.pos);
      return undefined;
    }
    args.value.items.forEach((item, i) => out.set(positional[i]!, item));
  }
  for (const e of map.entries) {
    if (e.key === '__type__' || e.key === '__args__') continue;
    if (out.has(e.key)) {
      report(ctx, DiagnosticCode.YAML, `${typeName(map)}: argument '${e.key}' given twice`, e.keyPos);
      return undefined;
    }
    out.set(e.key, e.value);
  }
  return out;
}

function intArgument(v: YNode, name: string, ctx: ValueContext, code: DiagnosticCode): number | undefined {
  if (v.kind === 'scalar' && typeof v.value === 'number' && Number.isFinite(v.value)) return v.value;
  report(ctx, code, `${name} must be a number (got ${describeNode(v)})`, v.pos);
  return undefined;
}

function zoneFrom(v: YNode, ctx: ValueContext): string | undefined | null {
  if (v.kind === 'scalar' && v.value === null) return null;
  let name: YNode | undefined = v;
  if (v.kind === 'map') {
    const t = typeName(v);
    if (t === undefined || !TIMEZONE_TYPES.has(t)) {
      report(ctx, DiagnosticCode.BAD_DATE, `unsupported timezone object${t ? ` ${t}` : ''}`, v.pos, 'give the IANA zone name, e.g. tz: Europe/Paris');
      return undefined;
    }
    const args = typedArguments(v, ['key'], ctx);
    name = args?.get('key') ?? args?.get('name');
  }
  if (name?.kind === 'scalar' && typeof name.value === 'string') {
    if (isValidZone(name.value)) return name.value;
    report(ctx, DiagnosticCode.BAD_DATE, `unknown timezone '${name.value}'`, name.pos, 'use an IANA zone name such as UTC or Europe/Paris');
    return undefined;
  }
  report(ctx, DiagnosticCode.BAD_DATE, 'a timezone must be given by its IANA name', (name ?? v).pos);
  return undefined;
}

/** Reads `__type__: datetime.datetime` / `pendulum.datetime` (or `datetime.date`) as a wall clock. */
export function typedWallClock(map: YMap, ctx: ValueContext): WallClock | undefined {
  const t = typeName(map)!;
  const isPendulum = t === 'pendulum.datetime';
  const zoneParam = DATE_TYPES.has(t) ? undefined : isPendulum ? 'tz' : 'tzinfo';
  const positional: string[] = zoneParam === undefined ? DATETIME_PARAMS.slice(0, 3) : [...DATETIME_PARAMS, zoneParam];
  const args = typedArguments(map, positional, ctx);
  if (!args) return undefined;
  const fields: Record<string, number> = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, microsecond: 0 };
  let zone: string | null = isPendulum ? 'UTC' : null;
  for (const [name, value] of args) {
    if ((DATETIME_PARAMS as readonly string[]).includes(name) && positional.includes(name)) {
      const n = intArgument(value, `${t} ${name}`, ctx, DiagnosticCode.BAD_DATE);
      if (n === undefined) return undefined;
      fields[name] = n;
    } else if (zoneParam !== undefined && name === zoneParam) {
      const z = zoneFrom(value, ctx);
      if (z === undefined) return undefined;
      zone = z ?? (isPendulum ? 'UTC' : null);
    } else {
      report(ctx, DiagnosticCode.BAD_DATE, `${t} has no argument '${name}'`, map.pos);
      return undefined;
    }
  }
  for (const required of ['year', 'month', 'day']) {
    if (!args.has(required)) {
      report(ctx, DiagnosticCode.BAD_DATE, `${t} needs ${required}`, map.pos);
      return undefined;
    }
  }
  return {
    year: fields.year!, month: fields.month!, day: fields.day!, hour: fields.hour!, minute: fields.minute!, second: fields.second!,
    millisecond: Math.floor(fields.microsecond! / 1000), zone, offsetMinutes: null,
  };
}

/** Seconds of a `__type__: datetime.timedelta` / `pendulum.duration` object. */
export function typedTimedelta(map: YMap, ctx: ValueContext): number | undefined {
  const t = typeName(map)!;
  const args = typedArguments(map, TIMEDELTA_PARAMS, ctx);
  if (!args) return undefined;
  let seconds = 0;
  for (const [name, value] of args) {
    if (!(TIMEDELTA_PARAMS as readonly string[]).includes(name)) {
      report(ctx, DiagnosticCode.ARGUMENT_TYPE, `${t} has no argument '${name}' skydag can use`, value.pos, `use ${TIMEDELTA_PARAMS.join(', ')}`);
      return undefined;
    }
    const n = intArgument(value, `${t} ${name}`, ctx, DiagnosticCode.ARGUMENT_TYPE);
    if (n === undefined) return undefined;
    seconds += n * TIMEDELTA_FACTORS[name as (typeof TIMEDELTA_PARAMS)[number]];
  }
  return Math.round(seconds * 1e6) / 1e6;
}

const RELATIVEDELTA_FACTORS: Record<string, number> = { weeks: 604800, days: 86400, hours: 3600, minutes: 60, seconds: 1, microseconds: 1e-6 };

/**
 * `__type__: dateutil.relativedelta.relativedelta` (a schedule: Airflow's DeltaDataIntervalTimetable
 * over it): its relative fields, normalised as the Python front-end does (years and months, the rest
 * in seconds). The absolute fields (day=, weekday=, ...) are not supported.
 */
function typedRelativedelta(map: YMap, ctx: ValueContext): PyValue | undefined {
  const args = typedArguments(map, ['dt1', 'dt2', 'years', 'months', 'days'], ctx);
  if (!args) return undefined;
  let years = 0;
  let months = 0;
  let seconds = 0;
  for (const [name, value] of args) {
    const known = name === 'years' || name === 'months' || name in RELATIVEDELTA_FACTORS;
    if (!known) {
      report(ctx, DiagnosticCode.UNSUPPORTED, `relativedelta argument '${name}' is not supported by skydag`, value.pos, 'use years, months, weeks, days, hours, minutes, seconds, microseconds');
      return undefined;
    }
    const n = intArgument(value, `relativedelta ${name}`, ctx, DiagnosticCode.ARGUMENT_TYPE);
    if (n === undefined) return undefined;
    if ((name === 'years' || name === 'months') && !Number.isInteger(n)) {
      report(ctx, DiagnosticCode.ARGUMENT_TYPE, 'Non-integer years and months are ambiguous and not currently supported.', value.pos);
      return undefined;
    }
    if (name === 'years') years = n;
    else if (name === 'months') months = n;
    else seconds += n * RELATIVEDELTA_FACTORS[name]!;
  }
  const total = years * 12 + months;
  const wholeYears = Math.trunc(total / 12);
  return { $type: 'relativedelta', years: wholeYears, months: total - wholeYears * 12, seconds: Math.round(seconds * 1e6) / 1e6 };
}

export function timedelta(seconds: number): TimedeltaValue {
  return { $type: 'timedelta', seconds };
}

// ---- callables ----

const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `module.function` (dag-factory imports it with `import_string`). */
export function callableFromDotted(node: YNode, what: string, ctx: ValueContext): CallableRef | undefined {
  const text = node.kind === 'scalar' && typeof node.value === 'string' ? node.value.trim() : undefined;
  if (text === undefined || !DOTTED.test(text)) {
    report(ctx, DiagnosticCode.ARGUMENT_TYPE, `${what} must be a dotted import path such as my_module.my_function (got ${text !== undefined ? `'${text}'` : describeNode(node)})`, node.pos);
    return undefined;
  }
  const dot = text.lastIndexOf('.');
  return { $type: 'callable', name: text.slice(dot + 1), module: text.slice(0, dot), file: ctx.file, line: node.pos.line };
}

/** Resolves a `*_file` path: absolute paths are kept; relative ones are relative to the DAG file's folder. */
export function callableFilePath(file: string, dagFile: string): string {
  if (path.posix.isAbsolute(file) || file.startsWith('$') || file.startsWith('~')) return file;
  return path.posix.normalize(path.posix.join(path.posix.dirname(dagFile), file));
}

/** A function `name` defined in the Python file `file` (dag-factory's `*_name` + `*_file` pairs). */
export function callableFromFile(nameNode: YNode, fileNode: YNode, what: string, ctx: ValueContext): CallableRef | undefined {
  const name = nameNode.kind === 'scalar' && typeof nameNode.value === 'string' ? nameNode.value.trim() : undefined;
  const file = fileNode.kind === 'scalar' && typeof fileNode.value === 'string' ? fileNode.value.trim() : undefined;
  if (name === undefined || !IDENTIFIER.test(name)) {
    report(ctx, DiagnosticCode.ARGUMENT_TYPE, `${what}_name must be the name of a Python function (got ${name !== undefined ? `'${name}'` : describeNode(nameNode)})`, nameNode.pos);
    return undefined;
  }
  if (file === undefined || file === '' || !file.endsWith('.py')) {
    report(ctx, DiagnosticCode.ARGUMENT_TYPE, `${what}_file must be the path of a Python file (got ${file !== undefined ? `'${file}'` : describeNode(fileNode)})`, fileNode.pos);
    return undefined;
  }
  // The line of the function in that file is not known without reading it; 1 stands for "the file".
  return { $type: 'callable', name, file: callableFilePath(file, ctx.file), line: 1 };
}

// ---- general conversion ----

/** Converts any YAML value to a model value. */
export function toPy(node: YNode, ctx: ValueContext): PyValue {
  switch (node.kind) {
    case 'scalar':
      if (node.pythonName !== undefined) return callableFromDotted(node, '!!python/name', ctx) ?? null;
      if (node.timestamp) {
        const w = wallFromTimestamp(node.timestamp);
        if (node.timestamp.dateOnly) {
          const d = dateValue(w);
          if (d === undefined) report(ctx, DiagnosticCode.BAD_DATE, `invalid date '${String(node.value)}'`, node.pos);
          return d ?? String(node.value);
        }
        const dt = dateTimeFromWall(w);
        if (!dt) report(ctx, DiagnosticCode.BAD_DATE, `invalid datetime '${String(node.value)}'`, node.pos);
        return dt ?? String(node.value);
      }
      return node.value;
    case 'seq':
      return node.items.map((item) => toPy(item, ctx));
    case 'map':
      return typeName(node) !== undefined ? typedToPy(node, ctx) : mapToPy(node, ctx);
  }
}

export function mapToPy(map: YMap, ctx: ValueContext): Record<string, PyValue> {
  const out: Record<string, PyValue> = {};
  for (const e of map.entries) out[e.key] = toPy(e.value, ctx);
  return out;
}

function typedToPy(map: YMap, ctx: ValueContext): PyValue {
  const t = typeName(map)!;
  if (t === 'builtins.list') {
    const items = entry(map, 'items');
    if (items?.value.kind === 'seq') return items.value.items.map((i) => toPy(i, ctx));
    report(ctx, DiagnosticCode.YAML, '__type__: builtins.list needs an items list', map.pos);
    return [];
  }
  if (DATETIME_TYPES.has(t)) {
    const w = typedWallClock(map, ctx);
    if (!w) return null;
    const dt = dateTimeFromWall(w);
    if (!dt) report(ctx, DiagnosticCode.BAD_DATE, `invalid ${t}: ${w.year}-${w.month}-${w.day} ${w.hour}:${w.minute}:${w.second}`, map.pos);
    return dt ?? null;
  }
  if (DATE_TYPES.has(t)) {
    const w = typedWallClock(map, ctx);
    if (!w) return null;
    const d = dateValue(w);
    if (d === undefined) report(ctx, DiagnosticCode.BAD_DATE, `invalid date ${w.year}-${w.month}-${w.day}`, map.pos);
    return d ?? null;
  }
  if (TIMEDELTA_TYPES.has(t)) {
    const seconds = typedTimedelta(map, ctx);
    return seconds === undefined ? null : timedelta(seconds);
  }
  if (t === 'dateutil.relativedelta.relativedelta') return typedRelativedelta(map, ctx) ?? null;
  report(ctx, DiagnosticCode.UNSUPPORTED, `skydag cannot build a ${t} object; the value is kept as a mapping`, map.pos, undefined, 'warning');
  return mapToPy(map, ctx);
}

// ---- dag-factory date handling (utils.get_datetime / utils.get_time_delta) ----

/** dag-factory's relative time ("3 days", "1 hour", "30 minutes"), in seconds; undefined when invalid. */
export function relativeTimeSeconds(text: string): number | undefined {
  // Same pattern (and the same quirks: one unit, matched from the start) as dag-factory's get_time_delta.
  const m = /^(?:(\d+?)\s+hour)?(?:(\d+?)\s+minute)?(?:(\d+?)\s+second)?(?:(\d+?)\s+day)?/i.exec(text);
  if (!m || m.slice(1).every((g) => g === undefined)) return undefined;
  const [h, mi, s, d] = m.slice(1).map((g) => Number(g ?? 0)) as [number, number, number, number];
  return h * 3600 + mi * 60 + s + d * 86400;
}

/** pendulum.parse's ISO 8601 forms: dates (YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD) with an optional time. */
export function parseIsoWallClock(text: string): WallClock | undefined {
  const m =
    /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?|(\d{2})(\d{2}))?(?:[T ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/.exec(
      text.trim(),
    );
  if (!m) return undefined;
  const n = (g: string | undefined, fallback: number) => (g === undefined ? fallback : Number(g));
  let offsetMinutes: number | null = null;
  if (m[10] === 'Z') offsetMinutes = 0;
  else if (m[10] !== undefined) {
    const digits = m[10].slice(1).replace(':', '');
    offsetMinutes = (m[10].startsWith('-') ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
  }
  return {
    year: Number(m[1]),
    month: n(m[2] ?? m[4], 1),
    day: n(m[3] ?? m[5], 1),
    hour: n(m[6], 0),
    minute: n(m[7], 0),
    second: n(m[8], 0),
    millisecond: m[9] ? Math.floor(Number(`0.${m[9]}`) * 1000) : 0,
    zone: null,
    offsetMinutes,
  };
}

/**
 * dag-factory's `get_datetime(value, timezone)`: a date, datetime, ISO string or relative time
 * ("2 days" = midnight, N days before today) read as a wall clock in `zone` (any offset written is
 * replaced by the zone, as dag-factory does with `.replace(tzinfo=...)`). Reports BAD_DATE and
 * returns undefined when the value is not a date; null values are left as None.
 */
export function dagFactoryDatetime(node: YNode, zone: string, what: string, ctx: ValueContext): DateTimeValue | null | undefined {
  const bad = (detail: string) => {
    report(ctx, DiagnosticCode.BAD_DATE, `${what}: ${detail}`, node.pos, 'use a date (2024-01-01), a datetime (2024-01-01 06:00:00) or a relative time such as "2 days"');
    return undefined;
  };
  let wall: WallClock | undefined;
  if (node.kind === 'map' && typeName(node) !== undefined && (DATETIME_TYPES.has(typeName(node)!) || DATE_TYPES.has(typeName(node)!))) {
    wall = typedWallClock(node, ctx);
    if (!wall) return undefined;
  } else if (node.kind === 'scalar' && node.timestamp) {
    wall = wallFromTimestamp(node.timestamp);
  } else if (node.kind === 'scalar' && node.value === null) {
    return null;
  } else if (node.kind === 'scalar' && typeof node.value === 'string' && node.pythonName === undefined) {
    wall = parseIsoWallClock(node.value);
    if (!wall) {
      const seconds = relativeTimeSeconds(node.value);
      if (seconds === undefined) return bad(`'${node.value}' is neither a date nor a relative time`);
      const today = DateTime.fromJSDate(ctx.now, { zone });
      const back = DateTime.fromObject({ year: today.year, month: today.month, day: today.day }, { zone: 'UTC' }).minus({ seconds });
      wall = { year: back.year, month: back.month, day: back.day, hour: back.hour, minute: back.minute, second: back.second, millisecond: 0, zone: null, offsetMinutes: null };
    }
  } else {
    return bad(`expected a date (got ${describeNode(node)})`);
  }
  const value = dateTimeIn(wall, zone);
  if (!value) {
    const text = node.kind === 'scalar' ? `'${String(node.value)}'` : `${wall.year}-${wall.month}-${wall.day}`;
    return bad(`${text} is not a valid date`);
  }
  return value;
}

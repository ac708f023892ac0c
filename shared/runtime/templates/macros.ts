/**
 * The `macros` context object: Airflow's `airflow.macros` module (`ds_add`, `ds_format`, `datetime`,
 * `timedelta`, `time`, `uuid`, `random`, `ds_format_locale`, `dateutil` with its `relativedelta`,
 * `json`). `hive` and `datetime_diff_for_humans` are not provided.
 *
 * `macros.datetime` is the standard library class: `now()` and `today()` return naive datetimes in the
 * worker's local time, which skydag workers keep in UTC; the clock is injected for determinism.
 */
import { formatCldr } from './cldr-format.js';
import { dateutilModule } from './py/relativedelta.js';
import { PyDateTime, PyTimedelta, strptime, toTimezone } from './py/datetime.js';
import { MISSING, PyError, PyFloat, PyFunction, PyObject, PyRecord, PyTuple, bindArgs, toInt, toNumber, type Kwargs } from './py/object.js';
import { jsonDumps } from './jinja/repr.js';
import { toRV } from './jinja/values.js';

const STDLIB = 'stdlib' as const;

function pyStrArg(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof PyObject) return v.str();
  if (v === undefined) return '';
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

/** `ds_add(ds, days)`: a `YYYY-MM-DD` date plus `days`. */
export function dsAdd(ds: unknown, days: unknown): string {
  const n = toNumber(days ?? 0, 'days');
  if (!n) return pyStrArg(ds);
  const dt = strptime(pyStrArg(ds), '%Y-%m-%d', STDLIB).binop('+', PyTimedelta.construct([], { days: n }), false) as PyDateTime;
  return dt.isoformat('T').slice(0, 10);
}

/** `ds_format_locale(ds, input_format, output_format, locale=None)`: the output format is a Babel (CLDR) pattern. */
export function dsFormatLocale(ds: unknown, inputFormat: unknown, outputFormat: unknown, locale: unknown): string {
  const dt = strptime(pyStrArg(ds), pyStrArg(inputFormat), STDLIB);
  return formatCldr(dt.parts(), pyStrArg(outputFormat), locale === null || locale === undefined ? null : pyStrArg(locale));
}

/** `ds_format(ds, input_format, output_format)`. */
export function dsFormat(ds: unknown, inputFormat: unknown, outputFormat: unknown): string {
  const dt = strptime(pyStrArg(ds), pyStrArg(inputFormat), STDLIB);
  return String((dt.getattr('strftime') as PyFunction).call([pyStrArg(outputFormat)], {}));
}

class PyUUID extends PyObject {
  readonly pyTypeName = 'UUID';
  constructor(private readonly text: string) {
    super();
  }
  override getattr(name: string): unknown {
    if (name === 'hex') return this.text.replace(/-/g, '');
    if (name === 'version') return 4;
    return super.getattr(name);
  }
  override str(): string {
    return this.text;
  }
  repr(): string {
    return `UUID('${this.text}')`;
  }
  override equals(other: unknown): boolean {
    return other instanceof PyUUID && other.text === this.text;
  }
}

function randomUUID(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  const hex = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const DATETIME_PARAMS = [['year'], ['month'], ['day'], ['hour', 0], ['minute', 0], ['second', 0], ['microsecond', 0], ['tzinfo', null]] as const;

/** The standard library `datetime.datetime` class. */
export function datetimeClass(now: () => Date): PyFunction {
  const local = (): PyDateTime => PyDateTime.fromDate(now(), null, STDLIB);
  const construct = (args: unknown[], kwargs: Kwargs): PyDateTime => {
    const a = bindArgs('datetime', DATETIME_PARAMS, args, kwargs);
    const tz = a.tzinfo === null || a.tzinfo === undefined ? null : toTimezone(a.tzinfo, STDLIB);
    return PyDateTime.fromFields(
      {
        year: toInt(a.year, 'year'),
        month: toInt(a.month, 'month'),
        day: toInt(a.day, 'day'),
        hour: toInt(a.hour, 'hour'),
        minute: toInt(a.minute, 'minute'),
        second: toInt(a.second, 'second'),
        micro: toInt(a.microsecond, 'microsecond'),
      },
      tz,
      STDLIB,
    );
  };
  const attr = (name: string, params: Parameters<typeof bindArgs>[1], f: (a: Record<string, unknown>) => unknown): PyFunction =>
    new PyFunction(name, (args, kwargs) => f(bindArgs(name, params, args, kwargs)));
  return new PyFunction(
    'datetime',
    construct,
    {
      now: attr('now', [['tz', null]], (a) => (a.tz === null ? local() : PyDateTime.fromDate(now(), toTimezone(a.tz, STDLIB), STDLIB))),
      today: attr('today', [], () => local()),
      utcnow: attr('utcnow', [], () => local()),
      strptime: attr('strptime', [['date_string'], ['format']], (a) => strptime(pyStrArg(a.date_string), pyStrArg(a.format), STDLIB)),
      fromisoformat: attr('fromisoformat', [['date_string']], (a) => PyDateTime.fromISO(pyStrArg(a.date_string), STDLIB, 'offset')),
      fromtimestamp: attr('fromtimestamp', [['timestamp'], ['tz', null]], (a) => {
        const d = new Date(toNumber(a.timestamp, 'timestamp') * 1000);
        return PyDateTime.fromDate(d, a.tz === null ? null : toTimezone(a.tz, STDLIB), STDLIB);
      }),
      utcfromtimestamp: attr('utcfromtimestamp', [['timestamp']], (a) => PyDateTime.fromDate(new Date(toNumber(a.timestamp, 'timestamp') * 1000), null, STDLIB)),
    },
    "<class 'datetime.datetime'>",
  );
}

export interface MacrosOptions {
  /** The clock behind `macros.datetime.now()`, `macros.time.time()`. */
  now: () => Date;
  /** `macros.<name>` that is none of Airflow's: the macros of the plugin called `name` (AirflowPlugin.macros). */
  plugin?: (name: string) => unknown;
}

/** The `airflow.macros` module, whose other attributes are plugins' macros (Airflow adds them there). */
class MacrosModule extends PyRecord {
  constructor(
    attrs: Record<string, unknown>,
    private readonly plugin: ((name: string) => unknown) | undefined,
  ) {
    super('module', attrs, "<module 'airflow.macros'>");
  }

  override getattr(name: string): unknown {
    const own = super.getattr(name);
    if (own !== MISSING || this.plugin === undefined || name.startsWith('_')) return own;
    return this.plugin(name);
  }
}

/** `macros.json`: Python's `json.dumps` (its formatting options) and `json.loads`. */
function jsonModule(): PyRecord {
  const dumps = new PyFunction('dumps', (args, kwargs) => {
    const a = bindArgs('dumps', [['obj'], ['skipkeys', false], ['ensure_ascii', true], ['check_circular', true], ['allow_nan', true], ['cls', null], ['indent', null], ['separators', null], ['default', null], ['sort_keys', false]], args, kwargs);
    if (a.default !== null || a.cls !== null) throw new PyError('NotImplementedError', 'json.dumps(default=..., cls=...) is not supported in templates');
    const separators = a.separators instanceof PyTuple ? a.separators.items : Array.isArray(a.separators) ? a.separators : a.separators === null ? null : undefined;
    if (separators === undefined || (separators !== null && (separators.length !== 2 || !separators.every((x) => typeof x === 'string')))) {
      throw new PyError('TypeError', 'json.dumps() separators must be an (item_separator, key_separator) tuple');
    }
    const indent = a.indent === null ? null : typeof a.indent === 'string' ? a.indent : toInt(a.indent, 'indent');
    return jsonDumps(toRV(a.obj), {
      indent,
      sortKeys: Boolean(a.sort_keys),
      ensureAscii: Boolean(a.ensure_ascii),
      ...(separators ? { separators: [separators[0] as string, separators[1] as string] as const } : {}),
    });
  });
  const loads = new PyFunction('loads', (args, kwargs) => {
    const { s } = bindArgs('loads', [['s']], args, kwargs);
    if (typeof s !== 'string') throw new PyError('TypeError', `the JSON object must be str, bytes or bytearray, not ${s === null ? 'NoneType' : typeof s}`);
    try {
      return JSON.parse(s) as unknown;
    } catch (err) {
      throw new PyError('JSONDecodeError', (err as Error).message);
    }
  });
  return new PyRecord('module', { dumps, loads }, "<module 'json'>");
}

/** The `macros` object of the template context. */
export function createMacros(options: MacrosOptions): PyRecord {
  const fn2 = (name: string, params: Parameters<typeof bindArgs>[1], f: (a: Record<string, unknown>) => unknown): PyFunction =>
    new PyFunction(name, (args, kwargs) => f(bindArgs(name, params, args, kwargs)));
  const time = new PyRecord(
    'module',
    {
      time: fn2('time', [], () => new PyFloat(options.now().getTime() / 1000)),
    },
    "<module 'time' (built-in)>",
  );
  const uuid = new PyRecord('module', { uuid4: fn2('uuid4', [], () => new PyUUID(randomUUID())) }, "<module 'uuid'>");
  return new MacrosModule(
    {
      ds_add: fn2('ds_add', [['ds'], ['days']], (a) => dsAdd(a.ds, a.days)),
      ds_format: fn2('ds_format', [['ds'], ['input_format'], ['output_format']], (a) => dsFormat(a.ds, a.input_format, a.output_format)),
      ds_format_locale: fn2('ds_format_locale', [['ds'], ['input_format'], ['output_format'], ['locale', null]], (a) => dsFormatLocale(a.ds, a.input_format, a.output_format, a.locale)),
      datetime: datetimeClass(options.now),
      timedelta: new PyFunction('timedelta', (args, kwargs) => PyTimedelta.construct(args, kwargs), {}, "<class 'datetime.timedelta'>"),
      time,
      uuid,
      random: fn2('random', [], () => new PyFloat(Math.random())),
      dateutil: dateutilModule(),
      json: jsonModule(),
    },
    options.plugin,
  );
}

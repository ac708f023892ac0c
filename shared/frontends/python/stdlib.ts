/**
 * The parts of the Python standard library DAG files use at module level, evaluated statically:
 * os.path (POSIX), json, textwrap, pathlib, logging (no-ops), itertools, copy, math; os.environ reads
 * the parse environment the platform hands over (parse-environment.ts). Anything else that depends
 * on the machine reading the file (file system, clock, randomness) is dynamic.
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import { pythonJsonString } from '../../util/python-json.js';
import { chargeSteps, checkCollectionSize } from './budget.js';
import { deepCopy } from './convert.js';
import { floatRepr } from './formatting.js';
import { asInt, asNumber, asStr, bindArgs, concrete, fn, method } from './natives.js';
import { PARSE_ENV_HINT } from './parse-environment.js';
import { GLOB_MODULE, jsonLoad, osListing, osPathExists, osPathIsDir, pathFileMethod, pathFolderMethod } from './file-values.js';
export { GLOB_MODULE };
import {
  NONE,
  PyError,
  PyFail,
  bool,
  dict,
  dynamic,
  float,
  hashKey,
  int,
  list,
  opaqueOf,
  str,
  strDict,
  tuple,
  typeName,
  type CallCtx,
  type Interp,
  type NativeV,
  type ObjectV,
  type Value,
} from './values.js';

// ---------------------------------------------------------------- os.path

export function normpath(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && parts.length && parts[parts.length - 1] !== '..') parts.pop();
    else if (seg !== '..' || !abs) parts.push(seg);
  }
  const body = parts.join('/');
  return abs ? '/' + body : body || '.';
}

function join(parts: string[]): string {
  let out = '';
  for (const p of parts) {
    if (p.startsWith('/')) out = p;
    else if (out === '' || out.endsWith('/')) out += p;
    else out += '/' + p;
  }
  return out;
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  const head = p.slice(0, i);
  return head && head !== '/'.repeat(head.length) ? head.replace(/\/+$/, '') : head;
}

const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);

function splitext(p: string): [string, string] {
  const base = basename(p);
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || /^\.+$/.test(base.slice(0, dot + 1))) return [p, ''];
  const cut = p.length - base.length + dot;
  return [p.slice(0, cut), p.slice(cut)];
}

const strArgs = (args: Value[], what: string) => args.map((a) => pathText(a, what));

function pathText(v: Value, what: string): string {
  const c = concrete(v);
  if (c.t === 'object' && c.path !== undefined) return c.path;
  return asStr(c, what);
}

const fsDynamic = (name: string) => fn(name, 'os.path', (args, _k, ctx) =>
  dynamic(`os.path.${name}(${args.map((a) => (a.t === 'str' ? JSON.stringify(a.v) : '...')).join(', ')})`, ctx.from, 'the file system is checked when tasks run, not when skydag reads the DAG file'));

export const OS_PATH_MODULE: Record<string, Value> = {
  join: fn('join', 'os.path', (args) => str(join(strArgs(args, 'os.path.join() argument')))),
  basename: fn('basename', 'os.path', (args) => str(basename(pathText(args[0] ?? NONE, 'path')))),
  dirname: fn('dirname', 'os.path', (args) => str(dirname(pathText(args[0] ?? NONE, 'path')))),
  split: fn('split', 'os.path', (args) => { const p = pathText(args[0] ?? NONE, 'path'); return tuple([str(dirname(p)), str(basename(p))]); }),
  splitext: fn('splitext', 'os.path', (args) => tuple(splitext(pathText(args[0] ?? NONE, 'path')).map(str))),
  normpath: fn('normpath', 'os.path', (args) => str(normpath(pathText(args[0] ?? NONE, 'path')))),
  // Relative paths stay relative: the directory the scheduler runs in is not known here.
  abspath: fn('abspath', 'os.path', (args) => str(normpath(pathText(args[0] ?? NONE, 'path')))),
  realpath: fn('realpath', 'os.path', (args) => str(normpath(pathText(args[0] ?? NONE, 'path')))),
  isabs: fn('isabs', 'os.path', (args) => bool(pathText(args[0] ?? NONE, 'path').startsWith('/'))),
  expanduser: fn('expanduser', 'os.path', (args, _k, ctx) => {
    const p = pathText(args[0] ?? NONE, 'path');
    return p.startsWith('~') ? dynamic(`os.path.expanduser(${JSON.stringify(p)})`, ctx.from) : str(p);
  }),
  exists: osPathExists('exists'),
  isfile: osPathExists('isfile'),
  isdir: osPathIsDir,
  getmtime: fsDynamic('getmtime'),
  getsize: fsDynamic('getsize'),
  sep: str('/'),
};

// ---------------------------------------------------------------- os.environ

/** A variable name as os.environ takes it (a str; Python raises TypeError for anything else). */
function envName(v: Value | undefined): string {
  if (v === undefined) throw new PyFail("TypeError: missing required argument 'key'");
  const c = concrete(v);
  if (c.t !== 'str') throw new PyFail(`TypeError: str expected, not ${typeName(c)}`);
  return c.v;
}

function envValue(v: Value | undefined): string {
  const c = concrete(v ?? NONE);
  if (c.t !== 'str') throw new PyFail(`TypeError: str expected, not ${typeName(c)}`);
  return c.v;
}

/** `os.environ.get(k, default)` / `os.getenv(k, default)`: the variable when the parse environment has it, else the default. */
const envGet = (name: string, module: string) =>
  fn(name, module, (args, kwargs, ctx) => {
    const bound = bindArgs(name, args, kwargs, ['key', 'default']);
    const value = ctx.interp.environment.get(envName(bound.key));
    return value === undefined ? (bound.default ?? NONE) : str(value);
  });

const environ: ObjectV = {
  t: 'object',
  kind: 'environ',
  attrs: new Map<string, Value>([
    ['get', envGet('get', 'os.environ')],
    [
      'setdefault',
      fn('setdefault', 'os.environ', (args, kwargs, ctx) => {
        const bound = bindArgs('setdefault', args, kwargs, ['key', 'default']);
        const key = envName(bound.key);
        const value = ctx.interp.environment.get(key);
        if (value !== undefined) return str(value);
        ctx.interp.environment.set(key, envValue(bound.default));
        return bound.default ?? NONE;
      }),
    ],
  ]),
};

/** `os.environ[k]`: the variable, or Python's KeyError naming it (with how to let DAG files read it). */
export function environItem(interp: Interp, key: Value, from: number): Value {
  const opaque = opaqueOf(key);
  if (opaque) return opaque;
  let name: string;
  try {
    name = envName(key);
  } catch (err) {
    if (err instanceof PyFail) throw new PyError(DiagnosticCode.EVALUATION, err.message, from);
    throw err;
  }
  const value = interp.environment.get(name);
  if (value !== undefined) return str(value);
  throw new PyError(DiagnosticCode.EVALUATION, `KeyError: '${name}' (os.environ has no variable ${name} while skydag reads DAG files)`, from,
    `${PARSE_ENV_HINT}: add ${name} there and set it where skydag runs, or use os.environ.get('${name}', default)`);
}

/** `k in os.environ`. */
export function environHas(interp: Interp, key: Value): Value {
  return opaqueOf(key) ?? bool(key.t === 'str' && interp.environment.get(key.v) !== undefined);
}

/** `os.environ[k] = v` and `del os.environ[k]`: later reads in the same file see the change, as in Python. */
export function environAssign(interp: Interp, key: Value, value: Value | undefined, from: number): void {
  if (opaqueOf(key) || (value && opaqueOf(value))) return;
  try {
    const name = envName(key);
    if (value === undefined && interp.environment.get(name) === undefined) throw new PyFail(`KeyError: '${name}'`);
    interp.environment.set(name, value === undefined ? undefined : envValue(value));
  } catch (err) {
    if (err instanceof PyFail) throw new PyError(DiagnosticCode.EVALUATION, err.message, from);
    throw err;
  }
}

export const OS_MODULE: Record<string, Value> = {
  environ,
  getenv: envGet('getenv', 'os'),
  getcwd: fn('getcwd', 'os', (_a, _k, ctx) => dynamic('os.getcwd()', ctx.from, 'the working directory is only known when the file runs')),
  listdir: osListing('listdir'),
  scandir: osListing('scandir'),
  sep: str('/'),
  linesep: str('\n'),
};

// ---------------------------------------------------------------- json


function jsonDumps(v: Value, indent: string | null, sortKeys: boolean, level: number): string {
  const c = concrete(v);
  const nl = indent === null ? '' : '\n' + indent.repeat(level + 1);
  const end = indent === null ? '' : '\n' + indent.repeat(level);
  const itemSep = indent === null ? ', ' : ',';
  switch (c.t) {
    case 'none': return 'null';
    case 'bool': return c.v ? 'true' : 'false';
    case 'int': return String(c.v);
    case 'float': return Number.isNaN(c.v) ? 'NaN' : !Number.isFinite(c.v) ? (c.v > 0 ? 'Infinity' : '-Infinity') : floatRepr(c.v);
    case 'str': return pythonJsonString(c.v);
    case 'list':
    case 'tuple':
      if (c.items.length === 0) return '[]';
      return '[' + c.items.map((x) => nl + jsonDumps(x, indent, sortKeys, level + 1)).join(itemSep) + end + ']';
    case 'dict': {
      if (c.map.size === 0) return '{}';
      let entries = [...c.map.values()].map(([k, val]) => {
        const kk = concrete(k);
        const key = kk.t === 'str' ? kk.v : kk.t === 'int' ? String(kk.v) : kk.t === 'float' ? floatRepr(kk.v) : kk.t === 'bool' ? (kk.v ? 'true' : 'false') : kk.t === 'none' ? 'null' : null;
        if (key === null) throw new PyFail(`keys must be str, int, float, bool or None, not ${typeName(kk)}`);
        return [key, val] as const;
      });
      if (sortKeys) entries = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return '{' + entries.map(([k, val]) => nl + pythonJsonString(k) + ': ' + jsonDumps(val, indent, sortKeys, level + 1)).join(itemSep) + end + '}';
    }
    default:
      throw new PyFail(`Object of type ${typeName(c)} is not JSON serializable`);
  }
}

/** A JSON document as the Python value json.loads gives. */
export function fromJson(x: unknown): Value {
  if (x === null) return NONE;
  if (typeof x === 'boolean') return bool(x);
  if (typeof x === 'number') return Number.isInteger(x) ? int(x) : float(x);
  if (typeof x === 'string') return str(x);
  if (Array.isArray(x)) return list(x.map(fromJson));
  return strDict(Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, fromJson(v)]));
}

export const JSON_MODULE: Record<string, Value> = {
  dumps: fn('dumps', 'json', (args, kwargs) => {
    const ind = kwargs.get('indent');
    const indent = ind === undefined || ind.t === 'none' ? null : ind.t === 'str' ? ind.v : ' '.repeat(asInt(ind, 'indent'));
    const sortKeys = kwargs.get('sort_keys');
    return str(jsonDumps(args[0] ?? NONE, indent, sortKeys !== undefined && concrete(sortKeys).t === 'bool' && (sortKeys as { v: boolean }).v, 0));
  }),
  load: jsonLoad,
  loads: fn('loads', 'json', (args) => {
    try {
      return fromJson(JSON.parse(asStr(args[0], 'json.loads() argument')));
    } catch (err) {
      if (err instanceof SyntaxError) throw new PyFail(`json.loads(): ${err.message}`);
      throw err;
    }
  }),
};

// ---------------------------------------------------------------- textwrap

export function dedent(text: string): string {
  const lines = text.split('\n');
  let margin: string | null = null;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const indent = /^[ \t]*/.exec(line)![0];
    if (margin === null || !indent.startsWith(margin)) {
      let i = 0;
      while (margin !== null && i < margin.length && i < indent.length && margin[i] === indent[i]) i++;
      margin = margin === null ? indent : margin.slice(0, i);
    }
  }
  return lines.map((l) => (l.trim() === '' ? '' : l.slice(margin?.length ?? 0))).join('\n');
}

export const TEXTWRAP_MODULE: Record<string, Value> = {
  dedent: fn('dedent', 'textwrap', (args) => str(dedent(asStr(args[0], 'dedent() text')))),
  indent: fn('indent', 'textwrap', (args) => {
    const prefix = asStr(args[1], 'indent() prefix');
    return str(asStr(args[0], 'indent() text').split(/(?<=\n)/).map((l) => (l.trim() ? prefix + l : l)).join(''));
  }),
};

// ---------------------------------------------------------------- pathlib

export function pathValue(p: string): ObjectV {
  return { t: 'object', kind: 'PosixPath', attrs: new Map(), path: p };
}

export function pathAttr(v: ObjectV, name: string): Value | undefined {
  const p = v.path!;
  switch (name) {
    case 'parent': return pathValue(dirname(p) || '.');
    case 'name': return str(basename(p));
    case 'stem': return str(splitext(basename(p))[0]);
    case 'suffix': return str(splitext(p)[1]);
    case 'parts': return tuple((p.startsWith('/') ? ['/', ...p.split('/').filter(Boolean)] : p.split('/').filter(Boolean)).map(str));
    case 'resolve': case 'absolute': return method(name, () => pathValue(normpath(p)));
    case 'as_posix': case '__str__': return method(name, () => str(p));
    case 'joinpath': return method(name, (args) => pathValue(join([p, ...strArgs(args, 'joinpath() argument')])));
    case 'with_suffix': return method(name, (args) => pathValue(splitext(p)[0] + asStr(args[0], 'suffix')));
    case 'with_name': return method(name, (args) => pathValue(join([dirname(p), asStr(args[0], 'name')])));
    case 'exists': case 'is_file': case 'read_text': case 'open':
      return pathFileMethod(p, name);
    case 'is_dir': case 'glob': case 'iterdir':
      return pathFolderMethod(p, name, pathValue);
    case 'stat':
      return method(name, (_a, _k, ctx: CallCtx) => dynamic(`Path(${JSON.stringify(p)}).${name}()`, ctx.from, 'the file system is read when tasks run, not when skydag reads the DAG file'));
  }
  return undefined;
}

export const PATHLIB_MODULE: Record<string, Value> = {
  Path: fn('Path', 'pathlib', (args) => pathValue(args.length ? join(strArgs(args, 'Path() argument')) : '.')),
  PurePath: fn('PurePath', 'pathlib', (args) => pathValue(args.length ? join(strArgs(args, 'PurePath() argument')) : '.')),
  PosixPath: fn('PosixPath', 'pathlib', (args) => pathValue(args.length ? join(strArgs(args, 'PosixPath() argument')) : '.')),
};

// ---------------------------------------------------------------- logging, sys

const noop = (name: string): NativeV => ({ t: 'native', name, module: 'logging', fn: () => NONE, handlesOpaque: true });

function logger(): ObjectV {
  const attrs = new Map<string, Value>();
  for (const m of ['debug', 'info', 'warning', 'warn', 'error', 'exception', 'critical', 'log', 'setLevel', 'addHandler', 'removeHandler']) attrs.set(m, noop(m));
  return { t: 'object', kind: 'Logger', attrs };
}

export const LOGGING_MODULE: Record<string, Value> = {
  getLogger: fn('getLogger', 'logging', () => logger()),
  basicConfig: noop('basicConfig'),
  debug: noop('debug'), info: noop('info'), warning: noop('warning'), error: noop('error'), exception: noop('exception'),
  DEBUG: int(10), INFO: int(20), WARNING: int(30), ERROR: int(40), CRITICAL: int(50),
};

/**
 * tempfile: `gettempdir()` is what Python answers on the parse host — TMPDIR, TEMP or TMP from the
 * parse environment, else /tmp (also what a task sees on Lambda and in the runner image). Anything
 * that creates files is a run-time matter.
 */
export const TEMPFILE_MODULE: Record<string, Value> = {
  gettempdir: fn('gettempdir', 'tempfile', (_a, _k, ctx) => {
    for (const name of ['TMPDIR', 'TEMP', 'TMP']) {
      const value = ctx.interp.environment.get(name);
      if (value) return str(value.length > 1 ? value.replace(/\/+$/, '') : value);
    }
    return str('/tmp');
  }),
  tempdir: NONE,
  mkdtemp: fn('mkdtemp', 'tempfile', (_a, _k, ctx) => dynamic('tempfile.mkdtemp()', ctx.from, 'files are created when tasks run, not when skydag reads the DAG file')),
  mkstemp: fn('mkstemp', 'tempfile', (_a, _k, ctx) => dynamic('tempfile.mkstemp()', ctx.from, 'files are created when tasks run, not when skydag reads the DAG file')),
};

/**
 * shutil: `which(cmd)` is the platform's answer for a command the sources name in a literal
 * (FrontendOptions.executables: looked up on the PATH tasks run with); with `path=`, a command
 * computed from something unknown, or on a platform that hands over none, it stays unknown.
 */
export const SHUTIL_MODULE: Record<string, Value> = {
  which: fn('which', 'shutil', (args, kwargs, ctx) => {
    const cmd = args[0] ?? kwargs.get('cmd');
    const found = cmd?.t === 'str' && args.length < 3 && !kwargs.has('path') ? ctx.interp.environment.which(cmd.v) : undefined;
    if (found === undefined) return dynamic(`shutil.which(${cmd?.t === 'str' ? JSON.stringify(cmd.v) : '...'})`, ctx.from, 'commands are looked up when tasks run; skydag answers shutil.which("name") for a name written in the DAG file');
    return found === null ? NONE : str(found);
  }),
};

export const SYS_MODULE: Record<string, Value> = {
  // `path` and `argv` are each file's own lists (ModuleResolver.resolve): a file's changes must not reach the next file.
  // The interpreter tasks run with (SKYDAG_PYTHON, else python3 on PATH), as sys.executable is the
  // worker's python in Airflow: ExternalPythonOperator(python=sys.executable) runs with it.
  executable: str(process.env.SKYDAG_PYTHON || 'python3'),
  platform: str('linux'),
  maxsize: int(Number.MAX_SAFE_INTEGER),
};

// ---------------------------------------------------------------- itertools, copy, math, misc

function product(seqs: Value[][]): Value[] {
  checkCollectionSize(seqs.reduce((n, s) => n * s.length, 1));
  let out: Value[][] = [[]];
  for (const s of seqs) out = out.flatMap((prefix) => s.map((x) => [...prefix, x]));
  return out.map(tuple);
}

function combinations(items: Value[], r: number, ordered: boolean): Value[] {
  const out: Value[] = [];
  const pick = (start: number, chosen: number[]) => {
    chargeSteps();
    if (chosen.length === r) {
      checkCollectionSize(out.length + 1);
      out.push(tuple(chosen.map((i) => items[i]!)));
      return;
    }
    for (let i = ordered ? 0 : start; i < items.length; i++) if (!chosen.includes(i)) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  return out;
}

const chain = fn('chain', 'itertools', (args, _k, ctx) => list(args.flatMap((a) => ctx.interp.iterate(a, ctx.from))), {
  from_iterable: fn('from_iterable', 'itertools', (args, _k, ctx) => list(ctx.interp.iterate(args[0] ?? NONE, ctx.from).flatMap((a) => ctx.interp.iterate(a, ctx.from)))),
});

export const ITERTOOLS_MODULE: Record<string, Value> = {
  product: fn('product', 'itertools', (args, kwargs, ctx) => {
    const seqs = args.map((a) => ctx.interp.iterate(a, ctx.from));
    const repeat = asInt(kwargs.get('repeat'), 'repeat', 1);
    return list(product(Array.from({ length: repeat }, () => seqs).flat()));
  }),
  chain,
  combinations: fn('combinations', 'itertools', (args, _k, ctx) => list(combinations(ctx.interp.iterate(args[0] ?? NONE, ctx.from), asInt(args[1], 'r'), false))),
  permutations: fn('permutations', 'itertools', (args, _k, ctx) => {
    const items = ctx.interp.iterate(args[0] ?? NONE, ctx.from);
    return list(combinations(items, asInt(args[1], 'r', items.length), true));
  }),
  islice: fn('islice', 'itertools', (args, _k, ctx) => {
    const items = ctx.interp.iterate(args[0] ?? NONE, ctx.from);
    const [start, stop, step] = args.length === 2 ? [0, asInt(args[1], 'stop', items.length), 1] : [asInt(args[1], 'start', 0), asInt(args[2], 'stop', items.length), asInt(args[3], 'step', 1)];
    return list(items.slice(start, stop).filter((_x, i) => i % step === 0));
  }),
};

export const COPY_MODULE: Record<string, Value> = {
  copy: fn('copy', 'copy', (args) => {
    const v = concrete(args[0] ?? NONE);
    if (v.t === 'list') return list([...v.items]);
    if (v.t === 'dict') return { t: 'dict', map: new Map(v.map) };
    if (v.t === 'set') return { t: 'set', map: new Map(v.map) };
    return v;
  }),
  deepcopy: fn('deepcopy', 'copy', (args) => deepCopy(concrete(args[0] ?? NONE))),
};

const mathFn = (name: string, f: (x: number) => number, intResult = false) =>
  fn(name, 'math', (args) => {
    const c = concrete(args[0] ?? NONE);
    if (c.t !== 'int' && c.t !== 'float' && c.t !== 'bool') throw new PyFail(`must be real number, not ${typeName(c)}`);
    const r = f(c.t === 'bool' ? Number(c.v) : c.v);
    return intResult ? int(r) : float(r);
  });

export const MATH_MODULE: Record<string, Value> = {
  floor: mathFn('floor', Math.floor, true),
  ceil: mathFn('ceil', Math.ceil, true),
  sqrt: mathFn('sqrt', Math.sqrt),
  log: mathFn('log', Math.log),
  log10: mathFn('log10', Math.log10),
  pi: float(Math.PI),
  e: float(Math.E),
  inf: float(Infinity),
};

export const STRING_MODULE: Record<string, Value> = {
  ascii_lowercase: str('abcdefghijklmnopqrstuvwxyz'),
  ascii_uppercase: str('ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
  ascii_letters: str('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'),
  digits: str('0123456789'),
};

export const FUNCTOOLS_MODULE: Record<string, Value> = {
  partial: fn('partial', 'functools', () => {
    throw new PyFail('functools.partial is not supported by skydag', 'pass the fixed arguments with op_args/op_kwargs (or a small def) instead');
  }),
};

export const COLLECTIONS_MODULE: Record<string, Value> = {
  OrderedDict: fn('OrderedDict', 'collections', (args, kwargs, ctx) => {
    const d = dict();
    if (args[0] !== undefined) {
      const src = concrete(args[0]);
      if (src.t === 'dict') for (const [h, e] of src.map) d.map.set(h, e);
      else for (const pair of ctx.interp.iterate(src, ctx.from)) {
        const kv = ctx.interp.iterate(pair, ctx.from);
        const key = concrete(kv[0] ?? NONE);
        d.map.set(hashKey(key), [key, kv[1] ?? NONE]);
      }
    }
    for (const [k, v] of kwargs) d.map.set('s' + k, [str(k), v]);
    return d;
  }),
};

/** Forms of dateutil's relativedelta the reader does not take: the difference of two dates, days of the year. */
const RELATIVEDELTA_UNREAD = ['dt1', 'dt2', 'yearday', 'nlyearday'];
/** The absolute fields: they replace a date's parts when one is added (date arithmetic only, never a schedule). */
export const RELATIVEDELTA_ABSOLUTE = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'weekday', 'leapdays'] as const;

/** `MO`..`SU` and `MO(n)`: dateutil's weekday (0 = Monday) and which occurrence (n; None: the next or this day). */
export function weekdayValue(day: number, n: number | null): NativeV {
  const name = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'][day];
  if (name === undefined) throw new PyFail('IndexError: tuple index out of range');
  const v = fn(name, 'dateutil.relativedelta', (args) => {
    const count = args[0] === undefined ? null : asInt(args[0], `${name}() n`);
    if (count === 0) throw new PyFail("ValueError: Can't create weekday with n==0");
    return weekdayValue(day, count);
  });
  v.attrs = new Map<string, Value>([['weekday', int(day)], ['n', n === null ? NONE : int(n)]]);
  return v;
}

/**
 * `dateutil.relativedelta.relativedelta(...)`: the relative fields normalised as dateutil does
 * (years and months together, the rest as seconds) — what a schedule (Airflow's
 * DeltaDataIntervalTimetable over it) takes — and the absolute ones (`day=1`, `weekday=MO(-1)`, ...),
 * which date arithmetic applies as dateutil does (datetimes.ts) and a schedule refuses.
 */
export const RELATIVEDELTA_MODULE: Record<string, Value> = {
  ...Object.fromEntries(['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'].map((name, day) => [name, weekdayValue(day, null)])),
  relativedelta: fn('relativedelta', 'dateutil.relativedelta', (args, kwargs) => {
    const names = ['dt1', 'dt2', 'years', 'months', 'days', 'leapdays', 'weeks', 'hours', 'minutes', 'seconds', 'microseconds', 'year', 'month', 'day', 'weekday', 'yearday', 'nlyearday', 'hour', 'minute', 'second', 'microsecond'];
    const a = bindArgs('relativedelta', args, kwargs, names);
    const unread = RELATIVEDELTA_UNREAD.filter((k) => a[k] !== undefined && concrete(a[k]!).t !== 'none');
    if (unread.length > 0) {
      throw new PyFail(`relativedelta(${unread.join('=, ')}=) is not supported by skydag`, 'use the relative fields (months=1, days=7, ...) and the absolute ones (day=1, weekday=MO(-1), ...)', DiagnosticCode.UNSUPPORTED);
    }
    const absolute = new Map<string, Value>();
    for (const k of RELATIVEDELTA_ABSOLUTE) {
      const v = a[k] === undefined ? undefined : concrete(a[k]!);
      if (v === undefined || v.t === 'none') continue;
      if (k === 'weekday') absolute.set(k, v.t === 'native' && v.attrs?.has('weekday') ? v : weekdayValue(asInt(v, 'relativedelta() weekday'), null));
      else absolute.set(k, int(asInt(v, `relativedelta() ${k}`)));
    }
    const n = (k: string) => asNumber(a[k], `relativedelta() ${k}`, 0);
    const years = n('years');
    const months = n('months');
    if (!Number.isInteger(years) || !Number.isInteger(months)) throw new PyFail('ValueError: Non-integer years and months are ambiguous and not currently supported.');
    const total = years * 12 + months;
    const wholeYears = Math.trunc(total / 12);
    const seconds = (n('weeks') * 7 + n('days')) * 86400 + n('hours') * 3600 + n('minutes') * 60 + n('seconds') + n('microseconds') / 1e6;
    const attrs = new Map<string, Value>([['years', int(wholeYears)], ['months', int(total - wholeYears * 12)], ['seconds', float(seconds)]]);
    for (const [k, v] of absolute) attrs.set(`absolute_${k}`, v);
    return { t: 'object', kind: 'relativedelta', attrs };
  }),
};

/**
 * Reading config files at parse time (see parse-files.ts): `open(path)` of a handed-over file gives a
 * file object (`read()`, `readlines()`, iteration, `with ... as f`), `json.load`, `yaml.safe_load` /
 * `yaml.load` / `yaml.full_load` take a file object or a string, `Path(...).read_text()` and
 * `os.path.exists()` know the handed-over files. Anything else stays dynamic, as before.
 */
import { DateTime } from 'luxon';
import { parseDocument, type ScalarTag } from 'yaml';
import { fnmatchRegExp, hasMagic } from '../../runtime/executors/glob.js';
import { makeDate } from './datetimes.js';
import { concrete, fn, method } from './natives.js';
import { NONE, PyFail, bool, dict, dynamic, float, int, list, str, typeName, type CallCtx, type ObjectV, type Value } from './values.js';

export const FILE_KIND = 'TextIOWrapper';
const NOT_READ_HINT = 'the file is not among the DAGs folder files the DAG file names, so it is read when tasks run, not when skydag reads the DAG file';

export function fileValue(path: string, text: string): ObjectV {
  return { t: 'object', kind: FILE_KIND, attrs: new Map<string, Value>([['name', str(path)], ['mode', str('r')]]), text };
}

export function fileLines(file: ObjectV): string[] {
  return (file.text ?? '').split(/(?<=\n)/).filter((l) => l !== '');
}

export function fileAttr(file: ObjectV, name: string): Value | undefined {
  switch (name) {
    case 'read':
      return method(name, () => str(file.text ?? ''));
    case 'readlines':
      return method(name, () => list(fileLines(file).map(str)));
    case 'close':
      return method(name, () => NONE);
    case '__enter__':
      return method(name, () => file);
    case '__exit__':
      return method(name, () => NONE);
  }
  return file.attrs.get(name);
}

/** A path argument: a str or a pathlib path. */
function pathOf(v: Value | undefined): string | undefined {
  if (v === undefined) return undefined;
  const c = concrete(v);
  if (c.t === 'str') return c.v;
  if (c.t === 'object' && c.path !== undefined) return c.path;
  return undefined;
}

/** `open(file, mode='r', ...)`: a handed-over text file for reading, else a dynamic value. */
export function openFile(args: Value[], kwargs: Map<string, Value>, ctx: CallCtx): Value {
  const path = pathOf(args[0] ?? kwargs.get('file'));
  const modeValue = args[1] ?? kwargs.get('mode');
  const mode = modeValue === undefined ? 'r' : concrete(modeValue).t === 'str' ? (concrete(modeValue) as { v: string }).v : '?';
  const text = path !== undefined && /^r?t?$/.test(mode) ? ctx.interp.parseFiles.read(path) : undefined;
  if (text === undefined) {
    return dynamic(`open(${path !== undefined ? JSON.stringify(path) : '...'})`, ctx.from, /[wax+]/.test(mode) ? 'DAG files must not write files while they are read' : NOT_READ_HINT);
  }
  return fileValue(path!, text);
}

/** `Path(p).read_text()` / `.open()` / `.exists()` / `.is_file()` over the handed-over files. */
export function pathFileMethod(path: string, name: string): Value | undefined {
  switch (name) {
    case 'read_text':
      return method(name, (_a, _k, ctx) => {
        const text = ctx.interp.parseFiles.read(path);
        return text === undefined ? dynamic(`Path(${JSON.stringify(path)}).read_text()`, ctx.from, NOT_READ_HINT) : str(text);
      });
    case 'open':
      return method(name, (args, kwargs, ctx) => openFile([str(path), ...args], kwargs, ctx));
    case 'exists':
    case 'is_file':
      return method(name, (_a, _k, ctx) => (ctx.interp.parseFiles.has(path) ? bool(true) : dynamic(`Path(${JSON.stringify(path)}).${name}()`, ctx.from, NOT_READ_HINT)));
  }
  return undefined;
}

/** `os.path.exists(p)` / `isfile(p)`: true for a handed-over file, else unknown. */
export function osPathExists(name: string) {
  return fn(name, 'os.path', (args, _k, ctx) => {
    const path = pathOf(args[0]);
    if (path !== undefined && ctx.interp.parseFiles.has(path)) return bool(true);
    return dynamic(`os.path.${name}(${path !== undefined ? JSON.stringify(path) : '...'})`, ctx.from, 'the file system is checked when tasks run, not when skydag reads the DAG file');
  });
}

/** The text of a stream argument (a file object or a string), or a dynamic value to return. */
function streamText(v: Value | undefined, what: string): string | Value {
  if (v === undefined) throw new PyFail(`${what}() missing 1 required positional argument`);
  const c = concrete(v);
  if (c.t === 'object' && c.kind === FILE_KIND) return c.text ?? '';
  if (c.t === 'str') return c.v;
  if (c.t === 'dynamic' || c.t === 'invalid') return c;
  throw new PyFail(`${what}() takes a file or a string, not ${typeName(c)}`);
}

// ---------------------------------------------------------------- json.load

export const jsonLoad = fn('load', 'json', (args, kwargs) => {
  const text = streamText(args[0] ?? kwargs.get('fp'), 'json.load');
  if (typeof text !== 'string') return text;
  try {
    return fromPlain(JSON.parse(text));
  } catch (err) {
    if (err instanceof SyntaxError) throw new PyFail(`json.decoder.JSONDecodeError: ${err.message}`);
    throw err;
  }
});

// ---------------------------------------------------------------- yaml (PyYAML)

const TIMESTAMP = Symbol('yaml timestamp');
/** YAML 1.1 timestamps (PyYAML's): kept as text here, made dates or datetimes below. */
const timestampTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:timestamp',
  default: true,
  test: /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?$/,
  resolve: (text: string) => ({ [TIMESTAMP]: text }) as unknown as string,
};

function yamlLoad(name: string) {
  return fn(name, 'yaml', (args, kwargs) => {
    const text = streamText(args[0] ?? kwargs.get('stream'), `yaml.${name}`);
    if (typeof text !== 'string') return text;
    const doc = parseDocument(text, { version: '1.1', customTags: (tags) => [...tags.filter((t) => t !== 'timestamp' && (typeof t === 'string' || t.tag !== timestampTag.tag)), timestampTag], merge: true });
    if (doc.errors.length > 0) throw new PyFail(`yaml.YAMLError: ${doc.errors[0]!.message.split('\n')[0]}`);
    return fromPlain(doc.toJS({ maxAliasCount: 100, mapAsMap: true }));
  });
}

export const YAML_MODULE: Record<string, Value> = {
  safe_load: yamlLoad('safe_load'),
  load: yamlLoad('load'),
  full_load: yamlLoad('full_load'),
  unsafe_load: yamlLoad('unsafe_load'),
  // Loaders are named, not used: every load here is a safe one.
  SafeLoader: str('SafeLoader'),
  FullLoader: str('FullLoader'),
  Loader: str('Loader'),
  CSafeLoader: str('CSafeLoader'),
  BaseLoader: str('BaseLoader'),
};

function timestampValue(text: string): Value {
  const date = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$/.exec(text);
  if (date) return makeDate(Number(date[1]), Number(date[2]), Number(date[3]));
  const iso = text.trim().replace(/^(\S+)[ \t]+/, '$1T').replace(/[ \t]+(?=[Z+-][0-9:]*$)/, '');
  const aware = /(?:Z|[-+][0-9]{1,2}(?::?[0-9]{2})?)$/.test(iso.slice(10));
  const dt = DateTime.fromISO(iso, aware ? { setZone: true } : { zone: 'UTC' });
  if (!dt.isValid) throw new PyFail(`yaml: invalid timestamp ${JSON.stringify(text)}`);
  // PyYAML gives a naive datetime, or an aware one (here in UTC) when the text has an offset.
  return { t: 'datetime', dt: dt.toUTC(), tz: aware ? 'UTC' : null, pendulum: false };
}

/** A value parsed from JSON or YAML as Python's loaders give it. */
function fromPlain(x: unknown): Value {
  if (x === null || x === undefined) return NONE;
  if (typeof x === 'boolean') return bool(x);
  if (typeof x === 'number') return Number.isInteger(x) && !Object.is(x, -0) ? int(x) : float(x);
  if (typeof x === 'bigint') return int(Number(x));
  if (typeof x === 'string') return str(x);
  if (Array.isArray(x)) return list(x.map(fromPlain));
  if (x instanceof Date) return timestampValue(x.toISOString());
  if (typeof x === 'object' && TIMESTAMP in x) return timestampValue((x as Record<symbol, string>)[TIMESTAMP]!);
  if (x instanceof Map) return dict([...x].map(([k, v]) => [fromPlain(k), fromPlain(v)]));
  return dict(Object.entries(x as Record<string, unknown>).map(([k, v]) => [str(k), fromPlain(v)]));
}

// ---------------------------------------------------------------- folder listings

const NOT_LISTED_HINT = 'skydag lists a folder of the DAGs folder that the file names in a string literal (e.g. os.listdir(os.path.join(os.path.dirname(__file__), "configs"))); other folders are read when tasks run';

/** `dir` joined with an entry's name, as os.path.join gives it. */
const childPath = (dir: string, name: string) => (dir === '' ? name : dir.endsWith('/') ? dir + name : `${dir}/${name}`);

/** Python's fnmatch for one path segment (glob.ts); a hidden name matches only a pattern starting with `.` (glob's rule). */
function segmentMatcher(pattern: string): (name: string) => boolean {
  const compiled = fnmatchRegExp(pattern);
  return (name) => (!name.startsWith('.') || pattern.startsWith('.')) && compiled.test(name);
}

/** The listing of `path` (names; folders end in `/`), or a dynamic value when it was not handed over. */
function listing(path: string, call: string, ctx: CallCtx): readonly string[] | Value {
  return ctx.interp.parseFiles.list(path) ?? dynamic(call, ctx.from, NOT_LISTED_HINT);
}

const entryName = (e: string) => e.replace(/\/$/, '');

function dirEntry(dir: string, entry: string): ObjectV {
  const isDir = entry.endsWith('/');
  const name = entryName(entry);
  return {
    t: 'object',
    kind: 'DirEntry',
    attrs: new Map<string, Value>([
      ['name', str(name)],
      ['path', str(childPath(dir, name))],
      ['is_dir', method('is_dir', () => bool(isDir))],
      ['is_file', method('is_file', () => bool(!isDir))],
      ['is_symlink', method('is_symlink', () => bool(false))],
    ]),
  };
}

/** `os.listdir(path='.')` and `os.scandir(path='.')` over the handed-over listings (entries sorted). */
export function osListing(name: 'listdir' | 'scandir') {
  return fn(name, 'os', (args, kwargs, ctx) => {
    const path = pathOf(args[0] ?? kwargs.get('path')) ?? '.';
    const entries = listing(path, `os.${name}(${JSON.stringify(path)})`, ctx);
    if (!Array.isArray(entries)) return entries as Value;
    return list(name === 'listdir' ? entries.map((e) => str(entryName(e))) : entries.map((e) => dirEntry(path, e)));
  });
}

/** Whether `path` is a folder: true for a listed folder, false for a handed-over file, else unknown. */
function isDir(path: string | undefined, call: string, ctx: CallCtx): Value {
  if (path !== undefined && ctx.interp.parseFiles.list(path) !== undefined) return bool(true);
  if (path !== undefined && ctx.interp.parseFiles.has(path)) return bool(false);
  return dynamic(call, ctx.from, NOT_LISTED_HINT);
}

/** `os.path.isdir(p)`. */
export const osPathIsDir = fn('isdir', 'os.path', (args, _k, ctx) => {
  const path = pathOf(args[0]);
  return isDir(path, `os.path.isdir(${path !== undefined ? JSON.stringify(path) : '...'})`, ctx);
});

/** The paths a glob pattern matches in one listed folder (wildcards in its last segment only), sorted. */
function globPaths(pattern: string, ctx: CallCtx, call: string): string[] | Value {
  const cut = pattern.lastIndexOf('/');
  const dir = cut < 0 ? '' : pattern.slice(0, cut + 1);
  const base = pattern.slice(cut + 1);
  if (hasMagic(dir) || base.includes('**') || base === '') return dynamic(call, ctx.from, 'skydag matches a pattern whose wildcards are in its last part only, e.g. "configs/*.yaml"');
  const entries = listing(dir === '' ? '.' : dir, call, ctx);
  if (!Array.isArray(entries)) return entries as Value;
  const matches = segmentMatcher(base);
  return entries.map(entryName).filter(matches).map((n) => dir + n);
}

/** `glob.glob(pattern)` / `glob.iglob(pattern)`. */
export const GLOB_MODULE: Record<string, Value> = Object.fromEntries(
  (['glob', 'iglob'] as const).map((name) => [
    name,
    fn(name, 'glob', (args, kwargs, ctx) => {
      const pattern = pathOf(args[0] ?? kwargs.get('pathname'));
      if (pattern === undefined) return dynamic(`glob.${name}(...)`, ctx.from, 'pass the pattern as a string');
      const found = globPaths(pattern, ctx, `glob.${name}(${JSON.stringify(pattern)})`);
      return Array.isArray(found) ? list(found.map(str)) : (found as Value);
    }),
  ]),
);

/** `Path.iterdir()`, `Path.glob(pattern)`, `Path.is_dir()` over the handed-over listings. */
export function pathFolderMethod(path: string, name: string, toPath: (p: string) => Value): Value | undefined {
  switch (name) {
    case 'iterdir':
      return method(name, (_a, _k, ctx) => {
        const entries = listing(path, `Path(${JSON.stringify(path)}).iterdir()`, ctx);
        return Array.isArray(entries) ? list(entries.map((e) => toPath(childPath(path, entryName(e))))) : (entries as Value);
      });
    case 'glob':
      return method(name, (args, _k, ctx) => {
        const pattern = pathOf(args[0]) ?? '';
        const call = `Path(${JSON.stringify(path)}).glob(${JSON.stringify(pattern)})`;
        if (pattern.includes('/')) return dynamic(call, ctx.from, 'skydag matches a pattern of names in the folder itself, e.g. Path(...).glob("*.yaml")');
        const found = globPaths(childPath(path, pattern), ctx, call);
        return Array.isArray(found) ? list(found.map(toPath)) : (found as Value);
      });
    case 'is_dir':
      return method(name, (_a, _k, ctx) => isDir(path, `Path(${JSON.stringify(path)}).is_dir()`, ctx));
  }
  return undefined;
}

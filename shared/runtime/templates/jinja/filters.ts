/**
 * Jinja's built-in filters and tests with Python semantics over engine values, plus the filters
 * Airflow registers (`ds`, `ds_nodash`, `ts`, `ts_nodash`, `ts_nodash_with_tz`).
 *
 * Every filter used in a template is resolved when the template is compiled: an unknown name is a
 * `TemplateAssertionError` ("No filter named 'x'."), as in Jinja. Filters that return generators in
 * Jinja (`map`, `select`, `batch`, ...) return lists here.
 */
import type { Environment } from '@huggingface/jinja';
import { affordText, chargeCharLoop, chargeScan, chargeSteps, isBudgetError, joinAffordably } from '../budget.js';
import { PyDate, PyDateTime } from '../py/datetime.js';
import { fixedDigits, formatFloat, parseFormatSpec } from '../py/numbers.js';
import { PyError } from '../py/object.js';
import type { Access } from './access.js';
import { arithmetic, compare, pyEquals, truthy } from './ops.js';
import { jsonDumps, pyRepr, pyStr, typeName, type Mode } from './repr.js';
import { printf } from './strformat.js';
import {
  NamedUndefined,
  bindRV,
  entriesOf,
  fnOf,
  hostOf,
  isBool,
  isDict,
  isFloat,
  isInt,
  isNone,
  isNumeric,
  isSeq,
  isStr,
  isUndef,
  itemsOf,
  mk,
  numOf,
  pyLen,
  splitArgs,
  strOf,
  toRV,
  type RV,
} from './values.js';

export interface FilterContext {
  readonly access: Access;
  readonly mode: Mode;
  readonly scope: Environment;
}

type Slots = readonly (RV | undefined)[];
interface Def {
  readonly params: readonly string[];
  readonly required?: number;
  /** Receives the raw positional and keyword arguments instead of bound slots. */
  readonly variadic?: (value: RV, positional: RV[], kwargs: Map<string, RV>, ctx: FilterContext) => RV;
  readonly impl?: (value: RV, a: Slots, ctx: FilterContext) => RV;
}

const str = (v: RV, ctx: FilterContext): string => pyStr(v, ctx.mode);
const flag = (v: RV | undefined, ctx: FilterContext): boolean => v !== undefined && truthy(v, ctx.mode);
const intOr = (v: RV | undefined, dflt: number): number => {
  if (v === undefined || isNone(v)) return dflt;
  if (!isNumeric(v)) throw new PyError('TypeError', `'${typeName(v)}' object cannot be interpreted as an integer`);
  return Math.trunc(numOf(v));
};

/** Jinja's `make_attrgetter`: a dotted path, integer parts index sequences. */
function attrGetter(attribute: RV | undefined, ctx: FilterContext, dflt?: RV): (item: RV) => RV {
  if (attribute === undefined || isNone(attribute)) return (x) => x;
  const parts = isNumeric(attribute) ? [mk.int(numOf(attribute))] : strOf(attribute).split('.').map((p) => (/^\d+$/.test(p) ? mk.int(Number(p)) : mk.str(p)));
  return (item) => {
    let v = item;
    for (const p of parts) v = ctx.access.getitem(v, p);
    return dflt !== undefined && isUndef(v) ? dflt : v;
  };
}

function ignoreCase(v: RV, caseSensitive: boolean): RV {
  return !caseSensitive && isStr(v) ? mk.str(strOf(v).toLowerCase()) : v;
}

function sortItems(items: RV[], key: (x: RV) => RV, reverse: boolean, ctx: FilterContext): RV[] {
  chargeSteps(items.length * Math.ceil(Math.log2(items.length + 1)), () => `sorting ${items.length} items`);
  const keyed = items.map((x) => ({ x, k: key(x) }));
  keyed.sort((a, b) => (compare('<', a.k, b.k, ctx.mode) ? -1 : compare('<', b.k, a.k, ctx.mode) ? 1 : 0));
  if (reverse) keyed.reverse();
  return keyed.map((e) => e.x);
}

function length(v: RV, ctx: FilterContext): number {
  if (isStr(v)) return pyLen(strOf(v));
  if (isSeq(v)) return itemsOf(v).length;
  if (isDict(v)) return entriesOf(v).size;
  if (isUndef(v) && !ctx.mode.strict) return 0;
  if (isUndef(v)) throw new PyError('UndefinedError', (v as NamedUndefined).hint ?? 'undefined value');
  throw new PyError('TypeError', `object of type '${typeName(v)}' has no len()`);
}

/** Python `int(text, base)`; undefined when `text` is not an integer literal. */
function parseIntText(text: string, base: number): number | undefined {
  let t = text.trim().replace(/(?<=[0-9a-zA-Z])_(?=[0-9a-zA-Z])/g, '');
  const sign = t.startsWith('-') ? -1 : 1;
  t = t.replace(/^[+-]/, '');
  let b = base;
  const prefix = /^0([xob])/i.exec(t);
  if (prefix && (base === 0 || base === { x: 16, o: 8, b: 2 }[prefix[1]?.toLowerCase() as 'x' | 'o' | 'b'])) {
    b = { x: 16, o: 8, b: 2 }[prefix[1]?.toLowerCase() as 'x' | 'o' | 'b'];
    t = t.slice(2);
  } else if (base === 0) b = 10;
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
  if (t === '' || ![...t.toLowerCase()].every((c) => digits.includes(c))) return undefined;
  return sign * parseInt(t, b);
}

/** Python `float(text)`; undefined when not a float literal. */
function parseFloatText(text: string): number | undefined {
  const t = text.trim().replace(/(?<=\d)_(?=\d)/g, '');
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
}

function pyRound(x: number, digits: number): number {
  // A double's digits all sit within 400 decimals: rounding to more keeps it (without building them).
  if (!Number.isFinite(x) || digits > 400) return x;
  if (digits >= 0) return Number((x < 0 ? '-' : '') + fixedDigits(Math.abs(x), digits));
  const f = 10 ** -digits;
  return pyRound(x / f, 0) * f;
}

function urlQuote(s: string, forQuery: boolean): string {
  chargeCharLoop(s.length);
  const bytes = new TextEncoder().encode(s);
  let out = '';
  for (const byte of bytes) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.\-~]/.test(c) || (!forQuery && c === '/')) out += c;
    else if (forQuery && c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

function dateFilter(name: string, fn: (d: PyDateTime | PyDate) => string): Def {
  return {
    params: [],
    impl: (v) => {
      if (isNone(v)) return mk.none();
      const host = hostOf(v);
      if (host instanceof PyDateTime || host instanceof PyDate) return mk.str(fn(host));
      throw new PyError('AttributeError', `'${typeName(v)}' object has no attribute '${name === 'ts' || name === 'ts_nodash_with_tz' ? 'isoformat' : 'strftime'}'`);
    },
  };
}

const isoOf = (d: PyDateTime | PyDate): string => (d instanceof PyDateTime ? d.isoformat('T') : d.isoformat());
const strftimeOf = (d: PyDateTime | PyDate, fmt: string): string => {
  const f = d.getattr('strftime') as { call(args: unknown[], kwargs: Record<string, unknown>): unknown };
  return String(f.call([fmt], {}));
};

const FILTERS: Record<string, Def> = {
  abs: {
    params: [],
    impl: (v) => {
      const host = hostOf(v);
      if (host) return toRV(host.unary('abs'));
      if (!isNumeric(v)) throw new PyError('TypeError', `bad operand type for abs(): '${typeName(v)}'`);
      return isFloat(v) ? mk.float(Math.abs(numOf(v))) : mk.int(Math.abs(numOf(v)));
    },
  },
  attr: { params: ['name'], required: 1, impl: (v, [n], ctx) => ctx.access.attribute(v, str(n as RV, ctx)) },
  batch: {
    params: ['linecount', 'fill_with'],
    required: 1,
    impl: (v, [n, fill], ctx) => {
      const size = intOr(n, 1);
      const items = ctx.access.iterate(v);
      if (fill !== undefined && !isNone(fill)) chargeSteps(size, () => `batch(${size})`);
      const out: RV[] = [];
      for (let i = 0; i < items.length; i += size) {
        const chunk = items.slice(i, i + size);
        if (fill !== undefined && !isNone(fill)) while (chunk.length < size) chunk.push(fill);
        out.push(mk.list(chunk));
      }
      return mk.list(out);
    },
  },
  capitalize: {
    params: [],
    impl: (v, _a, ctx) => {
      const s = str(v, ctx);
      return mk.str(s.charAt(0).toUpperCase() + s.slice(1).toLowerCase());
    },
  },
  center: {
    params: ['width'],
    impl: (v, [w], ctx) => {
      const s = str(v, ctx);
      const width = intOr(w, 80);
      const len = pyLen(s);
      if (len >= width) return mk.str(s);
      affordText(width, () => `center(${width})`);
      const marg = width - len;
      const left = Math.floor(marg / 2) + (marg & width & 1);
      return mk.str(' '.repeat(left) + s + ' '.repeat(marg - left));
    },
  },
  default: {
    params: ['default_value', 'boolean'],
    impl: (v, [d, b], ctx) => (isUndef(v) || (flag(b, ctx) && !truthy(v, ctx.mode)) ? (d ?? mk.str('')) : v),
  },
  dictsort: {
    params: ['case_sensitive', 'by', 'reverse'],
    impl: (v, [cs, by, rev], ctx) => {
      if (!isDict(v)) throw new PyError('TypeError', 'dictsort expects a mapping');
      const pos = by === undefined || strOf(by) === 'key' ? 0 : strOf(by) === 'value' ? 1 : -1;
      if (pos < 0) throw new PyError('FilterArgumentError', 'You can only sort by either "key" or "value"');
      const pairs = [...entriesOf(v)].map(([k, x]) => mk.tuple([mk.str(k), x]));
      return mk.list(sortItems(pairs, (p) => ignoreCase(itemsOf(p)[pos] as RV, flag(cs, ctx)), flag(rev, ctx), ctx));
    },
  },
  escape: { params: [], impl: (v, _a, ctx) => mk.str(str(v, ctx).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)) },
  filesizeformat: {
    params: ['binary'],
    impl: (v, [bin], ctx) => {
      const bytes = isStr(v) ? Number(strOf(v)) : numOf(v);
      const binary = flag(bin, ctx);
      const base = binary ? 1024 : 1000;
      const prefixes = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
      if (bytes === 1) return mk.str('1 Byte');
      if (bytes < base) return mk.str(`${Math.trunc(bytes)} Bytes`);
      let unit = base;
      let prefix = prefixes[0] ?? '';
      for (const [i, p] of prefixes.entries()) {
        unit = base ** (i + 2);
        prefix = p;
        if (bytes < unit) break;
      }
      return mk.str(`${formatFloat((base * bytes) / unit, parseFormatSpec('.1f'))} ${prefix}`);
    },
  },
  first: {
    params: [],
    impl: (v, _a, ctx) => ctx.access.iterate(v)[0] ?? new NamedUndefined('No first item, sequence was empty.'),
  },
  float: {
    params: ['default'],
    impl: (v, [d]) => {
      if (isNumeric(v)) return mk.float(numOf(v));
      const f = isStr(v) ? parseFloatText(strOf(v)) : undefined;
      return f === undefined ? (d ?? mk.float(0)) : mk.float(f);
    },
  },
  format: {
    params: [],
    variadic: (v, positional, kwargs, ctx) => {
      if (positional.length > 0 && kwargs.size > 0) {
        throw new PyError('FilterArgumentError', "can't handle positional and keyword arguments at the same time");
      }
      return mk.str(printf(str(v, ctx), kwargs.size > 0 ? mk.dict(kwargs) : mk.tuple(positional), ctx.mode));
    },
  },
  indent: {
    params: ['width', 'first', 'blank'],
    impl: (v, [w, first, blank], ctx) => {
      const width = w !== undefined && isStr(w) ? 0 : intOr(w, 4);
      affordText(width, () => `indent(${width})`);
      const indention = w !== undefined && isStr(w) ? strOf(w) : ' '.repeat(width);
      const lines = `${str(v, ctx)}\n`.split(/\r\n|\n|\r/).slice(0, -1);
      affordText(lines.length * indention.length, () => `indenting ${lines.length} lines by ${indention.length} characters`);
      let rv: string;
      if (flag(blank, ctx)) rv = lines.join(`\n${indention}`);
      else rv = (lines[0] ?? '') + lines.slice(1).map((l) => `\n${l ? indention + l : l}`).join('');
      return mk.str(flag(first, ctx) ? indention + rv : rv);
    },
  },
  int: {
    params: ['default', 'base'],
    impl: (v, [d, b]) => {
      const dflt = d ?? mk.int(0);
      if (isNumeric(v)) return mk.int(Math.trunc(numOf(v)));
      if (!isStr(v)) return dflt;
      const n = parseIntText(strOf(v), intOr(b, 10));
      if (n !== undefined) return mk.int(n);
      const f = parseFloatText(strOf(v));
      return f === undefined || !Number.isFinite(f) ? dflt : mk.int(Math.trunc(f));
    },
  },
  items: {
    params: [],
    impl: (v) => {
      if (isUndef(v)) return mk.list([]);
      if (!isDict(v)) throw new PyError('TypeError', 'Can only get item pairs from a mapping.');
      return mk.list([...entriesOf(v)].map(([k, x]) => mk.tuple([mk.str(k), x])));
    },
  },
  join: {
    params: ['d', 'attribute'],
    impl: (v, [d, attribute], ctx) => {
      const get = attrGetter(attribute, ctx);
      return mk.str(joinAffordably(ctx.access.iterate(v).map((x) => str(get(x), ctx)), d === undefined ? '' : str(d, ctx)));
    },
  },
  last: {
    params: [],
    impl: (v, _a, ctx) => ctx.access.iterate(v).at(-1) ?? new NamedUndefined('No last item, sequence was empty.'),
  },
  length: { params: [], impl: (v, _a, ctx) => mk.int(length(v, ctx)) },
  list: { params: [], impl: (v, _a, ctx) => mk.list([...ctx.access.iterate(v)]) },
  lower: { params: [], impl: (v, _a, ctx) => mk.str(str(v, ctx).toLowerCase()) },
  map: {
    params: [],
    variadic: (v, positional, kwargs, ctx) => {
      const items = ctx.access.iterate(v);
      if (positional.length === 0 && kwargs.has('attribute')) {
        const get = attrGetter(kwargs.get('attribute'), ctx, kwargs.get('default'));
        return mk.list(items.map(get));
      }
      const [name, ...rest] = positional;
      if (name === undefined) return mk.list(items);
      const filterName = strOf(name);
      if (!hasFilter(filterName) && userFilter(filterName, ctx) === undefined) throw new PyError('FilterArgumentError', `No filter named '${filterName}'.`);
      return mk.list(items.map((x) => applyFilter(filterName, x, [...rest, ...(kwargs.size ? [mk.kwargs(kwargs)] : [])], ctx)));
    },
  },
  max: { params: ['case_sensitive', 'attribute'], impl: (v, [cs, at], ctx) => aggregate(v, cs, at, ctx, 1) },
  min: { params: ['case_sensitive', 'attribute'], impl: (v, [cs, at], ctx) => aggregate(v, cs, at, ctx, -1) },
  pprint: { params: [], impl: (v) => mk.str(pyRepr(v)) },
  random: {
    params: [],
    impl: (v, _a, ctx) => {
      const items = ctx.access.iterate(v);
      if (items.length === 0) throw new PyError('IndexError', 'Cannot choose from an empty sequence');
      return items[Math.floor(Math.random() * items.length)] as RV;
    },
  },
  reject: { params: [], variadic: (v, p, k, ctx) => selectBy(v, p, k, ctx, false, false) },
  rejectattr: { params: [], variadic: (v, p, k, ctx) => selectBy(v, p, k, ctx, false, true) },
  replace: {
    params: ['old', 'new', 'count'],
    required: 2,
    impl: (v, [o, n, c], ctx) => {
      const method = ctx.access.getattr(mk.str(str(v, ctx)), 'replace');
      const args = [mk.str(str(o as RV, ctx)), mk.str(str(n as RV, ctx))];
      if (c !== undefined && !isNone(c)) args.push(c);
      return ctx.access.call(method, args, ctx.scope);
    },
  },
  reverse: {
    params: [],
    impl: (v, _a, ctx) => {
      if (!isStr(v)) return mk.list([...ctx.access.iterate(v)].reverse());
      chargeCharLoop(strOf(v).length);
      return mk.str([...strOf(v)].reverse().join(''));
    },
  },
  round: {
    params: ['precision', 'method'],
    impl: (v, [p, m]) => {
      const precision = intOr(p, 0);
      const method = m === undefined ? 'common' : strOf(m);
      if (!['common', 'ceil', 'floor'].includes(method)) throw new PyError('FilterArgumentError', 'method must be common, ceil or floor');
      const x = numOf(v);
      if (method === 'common') {
        if (isInt(v) || isBool(v)) return precision >= 0 ? mk.int(x) : mk.int(pyRound(x, precision));
        return mk.float(pyRound(x, precision));
      }
      const f = 10 ** precision;
      return mk.float((method === 'ceil' ? Math.ceil(x * f) : Math.floor(x * f)) / f);
    },
  },
  safe: { params: [], impl: (v) => v },
  select: { params: [], variadic: (v, p, k, ctx) => selectBy(v, p, k, ctx, true, false) },
  selectattr: { params: [], variadic: (v, p, k, ctx) => selectBy(v, p, k, ctx, true, true) },
  slice: {
    params: ['slices', 'fill_with'],
    required: 1,
    impl: (v, [n, fill], ctx) => {
      const seq = ctx.access.iterate(v);
      const slices = intOr(n, 1);
      chargeSteps(slices, () => `slice(${slices})`);
      const per = Math.floor(seq.length / slices);
      const extra = seq.length % slices;
      const out: RV[] = [];
      let offset = 0;
      for (let i = 0; i < slices; i++) {
        const start = offset + i * per;
        if (i < extra) offset++;
        const chunk = seq.slice(start, offset + (i + 1) * per);
        if (fill !== undefined && !isNone(fill) && i >= extra) chunk.push(fill);
        out.push(mk.list(chunk));
      }
      return mk.list(out);
    },
  },
  sort: {
    params: ['reverse', 'case_sensitive', 'attribute'],
    impl: (v, [rev, cs, at], ctx) => {
      const get = attrGetter(at, ctx);
      return mk.list(sortItems(ctx.access.iterate(v), (x) => ignoreCase(get(x), flag(cs, ctx)), flag(rev, ctx), ctx));
    },
  },
  string: { params: [], impl: (v, _a, ctx) => mk.str(str(v, ctx)) },
  striptags: {
    params: [],
    impl: (v, _a, ctx) => {
      const stripped = removeDelimited(removeDelimited(str(v, ctx), '<!--', '-->'), '<', '>')
        .replace(/&(amp|lt|gt|quot|#39|#34);/g, (e) => ({ '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#34;': '"' })[e] ?? e);
      return mk.str(stripped.split(/\s+/).filter(Boolean).join(' '));
    },
  },
  sum: {
    params: ['attribute', 'start'],
    impl: (v, [at, start], ctx) => {
      const get = attrGetter(at, ctx);
      return ctx.access.iterate(v).reduce((acc, x) => arithmetic('+', acc, get(x), ctx.mode), start ?? mk.int(0));
    },
  },
  title: {
    params: [],
    impl: (v, _a, ctx) =>
      mk.str(
        str(v, ctx)
          .split(/([-\s({[<]+)/)
          .filter((x) => x !== '')
          .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
          .join(''),
      ),
  },
  tojson: {
    params: ['indent'],
    impl: (v, [indent]) => mk.str(jsonDumps(v, { sortKeys: true, htmlSafe: true, indent: indent === undefined || isNone(indent) ? null : isStr(indent) ? strOf(indent) : numOf(indent) })),
  },
  trim: {
    params: ['chars'],
    impl: (v, [chars], ctx) => {
      const args = chars === undefined || isNone(chars) ? [] : [chars];
      return ctx.access.call(ctx.access.getattr(mk.str(str(v, ctx)), 'strip'), args, ctx.scope);
    },
  },
  truncate: {
    params: ['length', 'killwords', 'end', 'leeway'],
    impl: (v, [len, kill, end, leeway], ctx) => {
      const s = str(v, ctx);
      const length = intOr(len, 255);
      const e = end === undefined ? '...' : str(end, ctx);
      const lw = intOr(leeway, 5);
      if (length < e.length) throw new PyError('AssertionError', `expected length >= ${e.length}, got ${length}`);
      if (pyLen(s) <= length + lw) return mk.str(s);
      if (flag(kill, ctx)) return mk.str(s.slice(0, length - e.length) + e);
      const head = s.slice(0, length - e.length);
      const cut = head.lastIndexOf(' ');
      return mk.str((cut === -1 ? head : head.slice(0, cut)) + e);
    },
  },
  unique: {
    params: ['case_sensitive', 'attribute'],
    impl: (v, [cs, at], ctx) => {
      const get = attrGetter(at, ctx);
      const seen: RV[] = [];
      const out: RV[] = [];
      for (const x of ctx.access.iterate(v)) {
        const k = ignoreCase(get(x), flag(cs, ctx));
        chargeSteps(seen.length);
        if (!seen.some((s) => pyEquals(s, k, ctx.mode))) {
          seen.push(k);
          out.push(x);
        }
      }
      return mk.list(out);
    },
  },
  upper: { params: [], impl: (v, _a, ctx) => mk.str(str(v, ctx).toUpperCase()) },
  urlencode: {
    params: [],
    impl: (v, _a, ctx) => {
      if (isStr(v) || !(isDict(v) || isSeq(v))) return mk.str(urlQuote(str(v, ctx), false));
      const pairs = isDict(v) ? [...entriesOf(v)].map(([k, x]) => [mk.str(k), x] as const) : itemsOf(v).map((p) => [itemsOf(p)[0] as RV, itemsOf(p)[1] as RV] as const);
      return mk.str(pairs.map(([k, x]) => `${urlQuote(str(k, ctx), true)}=${urlQuote(str(x, ctx), true)}`).join('&'));
    },
  },
  wordcount: { params: [], impl: (v, _a, ctx) => mk.int((str(v, ctx).match(/[\p{L}\p{N}_]+/gu) ?? []).length) },
  // Airflow's own filters (airflow/templates.py).
  ds: dateFilter('ds', (d) => strftimeOf(d, '%Y-%m-%d')),
  ds_nodash: dateFilter('ds_nodash', (d) => strftimeOf(d, '%Y%m%d')),
  ts: dateFilter('ts', isoOf),
  ts_nodash: dateFilter('ts_nodash', (d) => strftimeOf(d, '%Y%m%dT%H%M%S')),
  ts_nodash_with_tz: dateFilter('ts_nodash_with_tz', (d) => isoOf(d).replace(/-/g, '').replace(/:/g, '')),
};
FILTERS.d = FILTERS.default as Def;
FILTERS.count = FILTERS.length as Def;
FILTERS.e = FILTERS.escape as Def;
FILTERS.forceescape = FILTERS.escape as Def;

function aggregate(v: RV, cs: RV | undefined, at: RV | undefined, ctx: FilterContext, direction: 1 | -1): RV {
  const get = attrGetter(at, ctx);
  const items = ctx.access.iterate(v);
  if (items.length === 0) return new NamedUndefined('No aggregated item, sequence was empty.');
  const key = (x: RV): RV => ignoreCase(get(x), flag(cs, ctx));
  return items.reduce((best, x) => (compare(direction > 0 ? '>' : '<', key(x), key(best), ctx.mode) ? x : best));
}

function selectBy(v: RV, positional: RV[], kwargs: Map<string, RV>, ctx: FilterContext, keep: boolean, byAttribute: boolean): RV {
  const args = [...positional];
  const get = byAttribute ? attrGetter(args.shift(), ctx) : (x: RV) => x;
  const testName = args.shift();
  const check = (x: RV): boolean => (testName === undefined ? truthy(x, ctx.mode) : applyTest(strOf(testName), x, args, ctx));
  if (kwargs.size > 0) throw new PyError('TypeError', `${keep ? 'select' : 'reject'}${byAttribute ? 'attr' : ''}() got unexpected keyword arguments`);
  return mk.list(ctx.access.iterate(v).filter((x) => check(get(x)) === keep));
}

/**
 * Jinja's `<!--.*?-->` and `<.*?>` substitutions in one linear pass each: the lazy regexes rescan the
 * rest of the text from every opening delimiter that has no closing one.
 */
function removeDelimited(s: string, open: string, close: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const start = s.indexOf(open, at);
    if (start === -1) break;
    const end = s.indexOf(close, start + open.length);
    if (end === -1) break;
    out += s.slice(at, start);
    at = end + close.length;
  }
  return out + s.slice(at);
}

export function hasFilter(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(FILTERS, name);
}

/** The scope variable holding the DAG's user_defined_filters (a dict of functions; see context.ts). */
export const USER_FILTERS_VARIABLE = '__sd_user_filters';

/** A user-defined filter of this render, which Airflow's environment puts over Jinja's own. */
function userFilter(name: string, ctx: FilterContext): RV | undefined {
  const filters = ctx.scope.lookupVariable(USER_FILTERS_VARIABLE) as unknown as RV;
  return isDict(filters) ? entriesOf(filters).get(name) : undefined;
}

/** Applies filter `name` to `value`; `args` are engine call arguments (may end with kwargs). */
export function applyFilter(name: string, value: RV, args: RV[], ctx: FilterContext): RV {
  const user = userFilter(name, ctx);
  if (user !== undefined) return fnOf(user)([value, ...args], ctx.scope);
  const def = FILTERS[name];
  if (def === undefined) throw new PyError('TemplateAssertionError', `No filter named '${name}'.`);
  // Every filter reads its string operand through at least once.
  if (isStr(value)) chargeScan(strOf(value).length);
  const { positional, kwargs } = splitArgs(args);
  if (def.variadic) return def.variadic(value, positional, new Map(kwargs), ctx);
  const slots = bindRV(name, def.params, def.required ?? 0, positional, kwargs);
  return (def.impl as NonNullable<Def['impl']>)(value, slots, ctx);
}

// ---------------------------------------------------------------------------------------------
// Tests (`x is defined`, and the named tests of select/reject)

type Test = (v: RV, args: readonly RV[], ctx: FilterContext) => boolean;

function contains(container: RV, item: RV, ctx: FilterContext): boolean {
  if (isStr(container)) return isStr(item) && strOf(container).includes(strOf(item));
  if (isDict(container)) return isStr(item) && entriesOf(container).has(strOf(item));
  return ctx.access.iterate(container).some((x) => pyEquals(x, item, ctx.mode));
}

/** Python `a is b`: singletons, and (as CPython caches them) small ints and equal string literals. */
function sameAs(a: RV, b: RV): boolean {
  if (a === b) return true;
  if ((isNone(a) && isNone(b)) || (isUndef(a) && isUndef(b))) return true;
  if (isBool(a) || isBool(b)) return isBool(a) && isBool(b) && a.value === b.value;
  if (isInt(a) && isInt(b)) return a.value === b.value && numOf(a) >= -5 && numOf(a) <= 256;
  return isStr(a) && isStr(b) && a.value === b.value;
}

const arg0 = (args: readonly RV[]): RV => {
  const a = args[0];
  if (a === undefined) throw new PyError('TypeError', 'test requires an argument');
  return a;
};

const TESTS: Record<string, Test> = {
  defined: (v) => !isUndef(v),
  undefined: (v) => isUndef(v),
  none: (v) => isNone(v),
  boolean: (v) => isBool(v),
  true: (v) => isBool(v) && v.value === true,
  false: (v) => isBool(v) && v.value === false,
  integer: (v) => isInt(v),
  float: (v) => isFloat(v),
  number: (v) => isNumeric(v),
  string: (v) => isStr(v),
  lower: (v) => isStr(v) && strOf(v) === strOf(v).toLowerCase(),
  upper: (v) => isStr(v) && strOf(v) === strOf(v).toUpperCase(),
  mapping: (v) => isDict(v),
  sequence: (v) => isStr(v) || isSeq(v) || isDict(v),
  iterable: (v, _a, ctx) => {
    try {
      ctx.access.iterate(v);
      return true;
    } catch (err) {
      if (isBudgetError(err)) throw err;
      return false;
    }
  },
  callable: (v) => v.type === 'FunctionValue',
  escaped: () => false,
  odd: (v) => numOf(v) % 2 === 1 || numOf(v) % 2 === -1,
  even: (v) => numOf(v) % 2 === 0,
  divisibleby: (v, args) => numOf(v) % numOf(arg0(args)) === 0,
  sameas: (v, args) => sameAs(v, arg0(args)),
  in: (v, args, ctx) => contains(arg0(args), v, ctx),
  eq: (v, args, ctx) => compare('==', v, arg0(args), ctx.mode),
  ne: (v, args, ctx) => compare('!=', v, arg0(args), ctx.mode),
  lt: (v, args, ctx) => compare('<', v, arg0(args), ctx.mode),
  le: (v, args, ctx) => compare('<=', v, arg0(args), ctx.mode),
  gt: (v, args, ctx) => compare('>', v, arg0(args), ctx.mode),
  ge: (v, args, ctx) => compare('>=', v, arg0(args), ctx.mode),
  filter: (v) => isStr(v) && hasFilter(strOf(v)),
  test: (v) => isStr(v) && hasTest(strOf(v)),
};
Object.assign(TESTS, {
  '==': TESTS.eq,
  equalto: TESTS.eq,
  '!=': TESTS.ne,
  '<': TESTS.lt,
  lessthan: TESTS.lt,
  '<=': TESTS.le,
  '>': TESTS.gt,
  greaterthan: TESTS.gt,
  '>=': TESTS.ge,
});

/** Tests that use the value itself (and so fail on StrictUndefined); the others only inspect its type. */
const VALUE_TESTS = new Set(['odd', 'even', 'divisibleby', 'lower', 'upper', 'iterable', 'in']);

export function hasTest(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(TESTS, name);
}

export function applyTest(name: string, value: RV, args: readonly RV[], ctx: FilterContext): boolean {
  const t = TESTS[name];
  if (t === undefined) throw new PyError('TemplateAssertionError', `No test named '${name}'.`);
  if (ctx.mode.strict && isUndef(value) && VALUE_TESTS.has(name)) {
    throw new PyError('UndefinedError', (value as NamedUndefined).hint ?? 'undefined value');
  }
  return t(value, args, ctx);
}

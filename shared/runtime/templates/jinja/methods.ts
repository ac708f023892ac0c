/**
 * Methods of Python's built-in types as Jinja exposes them: `str` (`strip`, `split`, `format`, ...),
 * `list`, `tuple` and `dict` (`get`, `items`, ...). Attribute lookup (`./access.ts`) returns them as
 * bound methods.
 */
import { affordText, chargeCharLoop, chargeScan, chargeSteps, joinAffordably } from '../budget.js';
import { PyError } from '../py/object.js';
import { compare, pyEquals } from './ops.js';
import { typeName, type Mode } from './repr.js';
import { strFormat, type FieldAccess } from './strformat.js';
import { bindRV, entriesOf, isDict, isNone, isSeq, isStr, isTuple, itemsOf, mk, pyLen, splitArgs, strOf, type RV } from './values.js';

export interface MethodContext extends FieldAccess {
  readonly mode: Mode;
  /** Items of an iterable (`for x in value`). */
  iterate(v: RV): RV[];
}

type Impl = (a: readonly (RV | undefined)[]) => RV;

function bound(owner: RV, name: string, params: readonly string[], required: number, impl: Impl): RV {
  return mk.fn(`${name} of ${typeName(owner)} object`, (args) => {
    const { positional, kwargs } = splitArgs(args);
    return impl(bindRV(name, params, required, positional, kwargs));
  });
}

const given = (v: RV | undefined): v is RV => v !== undefined && !isNone(v);

function strArg(v: RV | undefined, fn: string): string {
  if (v === undefined || !isStr(v)) throw new PyError('TypeError', `${fn}() argument must be str, not ${v === undefined ? 'None' : typeName(v)}`);
  return strOf(v);
}

function optStr(v: RV | undefined, fn: string): string | null {
  return given(v) ? strArg(v, fn) : null;
}

function intArg(v: RV | undefined, fallback: number): number {
  if (!given(v)) return fallback;
  if (v.type !== 'IntegerValue' && v.type !== 'BooleanValue') throw new PyError('TypeError', `'${typeName(v)}' object cannot be interpreted as an integer`);
  return Number(v.value);
}

/** Python slice-index normalisation for `start`/`end` arguments. */
function span(len: number, start: RV | undefined, end: RV | undefined): [number, number] {
  const norm = (v: RV | undefined, dflt: number): number => {
    if (!given(v)) return dflt;
    const n = intArg(v, dflt);
    return n < 0 ? Math.max(0, len + n) : Math.min(n, len);
  };
  return [norm(start, 0), norm(end, len)];
}

/**
 * Python's `str.isspace()` set: JS `\s` plus the information separators U+001C–U+001F and NEL. Built
 * from code points because the separators are control characters.
 */
const SPACE_CLASS = `\\s${String.fromCharCode(0x1c)}-${String.fromCharCode(0x1f)}\u0085`;
const PY_SPACE = new RegExp(`[${SPACE_CLASS}]`, 'u');
const SPACE_RUN = new RegExp(`[${SPACE_CLASS}]+`, 'u');
const LEADING_SPACE = new RegExp(`^[${SPACE_CLASS}]+`, 'u');
const ALL_SPACE = new RegExp(`^[${SPACE_CLASS}]+$`, 'u');
const LINE_BREAK = new RegExp(`\\r\\n|[\\n\\r\\v\\f${String.fromCharCode(0x1c)}-${String.fromCharCode(0x1e)}\u0085\u2028\u2029]`, 'gu');

function stripChars(s: string, chars: string | null, left: boolean, right: boolean): string {
  chargeCharLoop(s.length);
  const inSet = (c: string): boolean => (chars === null ? PY_SPACE.test(c) : chars.includes(c));
  const cs = [...s];
  let i = 0;
  let j = cs.length;
  if (left) while (i < j && inSet(cs[i] ?? '')) i++;
  if (right) while (j > i && inSet(cs[j - 1] ?? '')) j--;
  return cs.slice(i, j).join('');
}

function splitWhitespace(s: string, maxsplit: number, fromRight: boolean): string[] {
  const parts: string[] = [];
  if (!fromRight) {
    let rest = s.replace(LEADING_SPACE, '');
    while (rest.length > 0) {
      if (maxsplit >= 0 && parts.length >= maxsplit) {
        parts.push(rest);
        return parts;
      }
      const m = SPACE_RUN.exec(rest);
      if (!m) {
        parts.push(rest);
        return parts;
      }
      parts.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return parts;
  }
  // From the right by hand: a `\s+$` regex backtracks quadratically over inner runs of whitespace.
  chargeCharLoop(s.length);
  const space = (i: number): boolean => PY_SPACE.test(s.charAt(i));
  const reversed: string[] = [];
  let end = s.length;
  while (end > 0 && space(end - 1)) end--;
  while (end > 0) {
    if (maxsplit >= 0 && reversed.length >= maxsplit) {
      reversed.push(s.slice(0, end));
      break;
    }
    let start = end;
    while (start > 0 && !space(start - 1)) start--;
    reversed.push(s.slice(start, end));
    end = start;
    while (end > 0 && space(end - 1)) end--;
  }
  return reversed.reverse();
}

function splitSep(s: string, sep: string, maxsplit: number, fromRight: boolean): string[] {
  if (sep === '') throw new PyError('ValueError', 'empty separator');
  const all = s.split(sep);
  if (maxsplit < 0 || all.length - 1 <= maxsplit) return all;
  if (!fromRight) return [...all.slice(0, maxsplit), all.slice(maxsplit).join(sep)];
  const cut = all.length - maxsplit;
  return [all.slice(0, cut).join(sep), ...all.slice(cut)];
}

function countSub(s: string, sub: string): number {
  if (sub === '') return pyLen(s) + 1;
  let n = 0;
  for (let i = s.indexOf(sub); i !== -1; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

function pyReplace(s: string, old: string, rep: string, count: number): string {
  if (old === '') {
    chargeCharLoop(s.length);
    const chars = [...s];
    const limit = count < 0 ? chars.length + 1 : Math.min(count, chars.length + 1);
    affordText(s.length + limit * rep.length, () => `replace('', ...) on ${chars.length} characters`);
    let out = '';
    for (let i = 0; i < chars.length; i++) out += (i < limit ? rep : '') + chars[i];
    return out + (limit > chars.length ? rep : '');
  }
  const parts = s.split(old);
  const replaced = count < 0 ? parts.length - 1 : Math.min(count, parts.length - 1);
  affordText(s.length + replaced * (rep.length - old.length), () => `replacing ${replaced} occurrences`);
  if (count < 0 || count >= parts.length - 1) return parts.join(rep);
  return parts.slice(0, count + 1).join(rep) + old + parts.slice(count + 1).join(old);
}

function titleCase(s: string): string {
  return s.replace(/\p{L}+/gu, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase());
}

function strMethod(obj: RV, name: string, ctx: MethodContext): RV | undefined {
  const s = strOf(obj);
  // Every str method reads its string through at least once.
  const b = (params: readonly string[], required: number, impl: Impl): RV =>
    bound(obj, name, params, required, (a) => {
      chargeScan(s.length);
      return impl(a);
    });
  const strList = (xs: string[]): RV => mk.list(xs.map(mk.str));
  switch (name) {
    case 'upper':
      return b([], 0, () => mk.str(s.toUpperCase()));
    case 'lower':
    case 'casefold':
      return b([], 0, () => mk.str(s.toLowerCase()));
    case 'swapcase':
      return b([], 0, () => {
        chargeCharLoop(s.length);
        return mk.str([...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''));
      });
    case 'title':
      return b([], 0, () => mk.str(titleCase(s)));
    case 'capitalize':
      return b([], 0, () => mk.str(s.charAt(0).toUpperCase() + s.slice(1).toLowerCase()));
    case 'strip':
    case 'lstrip':
    case 'rstrip':
      return b(['chars'], 0, ([chars]) => mk.str(stripChars(s, optStr(chars, name), name !== 'rstrip', name !== 'lstrip')));
    case 'split':
    case 'rsplit':
      return b(['sep', 'maxsplit'], 0, ([sep, maxsplit]) => {
        const sepText = optStr(sep, name);
        const max = intArg(maxsplit, -1);
        return strList(sepText === null ? splitWhitespace(s, max, name === 'rsplit') : splitSep(s, sepText, max, name === 'rsplit'));
      });
    case 'splitlines':
      return b(['keepends'], 0, ([keep]) => {
        const keepEnds = keep !== undefined && keep.value === true;
        const breaks = new RegExp(LINE_BREAK.source, LINE_BREAK.flags);
        const out: string[] = [];
        let last = 0;
        for (let m = breaks.exec(s); m !== null; m = breaks.exec(s)) {
          out.push(s.slice(last, keepEnds ? m.index + m[0].length : m.index));
          last = m.index + m[0].length;
        }
        if (last < s.length) out.push(s.slice(last));
        return strList(out);
      });
    case 'replace':
      return b(['old', 'new', 'count'], 2, ([o, n, c]) => mk.str(pyReplace(s, strArg(o, name), strArg(n, name), intArg(c, -1))));
    case 'startswith':
    case 'endswith':
      return b(['prefix', 'start', 'end'], 1, ([p, st, en]) => {
        const [i, j] = span(s.length, st, en);
        const part = s.slice(i, j);
        const candidates = p !== undefined && isSeq(p) ? itemsOf(p).map((x) => strArg(x, name)) : [strArg(p, name)];
        return mk.bool(candidates.some((c) => (name === 'startswith' ? part.startsWith(c) : part.endsWith(c))));
      });
    case 'find':
    case 'rfind':
    case 'index':
    case 'rindex':
      return b(['sub', 'start', 'end'], 1, ([sub, st, en]) => {
        const [i, j] = span(s.length, st, en);
        const part = s.slice(i, j);
        const needle = strArg(sub, name);
        const at = name === 'find' || name === 'index' ? part.indexOf(needle) : part.lastIndexOf(needle);
        if (at === -1 && name.endsWith('index')) throw new PyError('ValueError', 'substring not found');
        return mk.int(at === -1 ? -1 : at + i);
      });
    case 'count':
      return b(['sub', 'start', 'end'], 1, ([sub, st, en]) => {
        const [i, j] = span(s.length, st, en);
        return mk.int(countSub(s.slice(i, j), strArg(sub, name)));
      });
    case 'join':
      return b(['iterable'], 1, ([it]) =>
        mk.str(
          joinAffordably(
            ctx.iterate(it as RV).map((x, i) => {
              if (!isStr(x)) throw new PyError('TypeError', `sequence item ${i}: expected str instance, ${typeName(x)} found`);
              return strOf(x);
            }),
            s,
          ),
        ),
      );
    case 'format':
      return mk.fn(`format of str object`, (args) => {
        const { positional, kwargs } = splitArgs(args);
        return mk.str(strFormat(s, positional, kwargs, ctx.mode, ctx));
      });
    case 'format_map':
      return b(['mapping'], 1, ([m]) => mk.str(strFormat(s, [], entriesOf(m as RV), ctx.mode, ctx)));
    case 'zfill':
      return b(['width'], 1, ([w]) => {
        const width = intArg(w, 0);
        affordText(width, () => `zfill(${width})`);
        const sign = /^[+-]/.test(s) ? s[0] ?? '' : '';
        const body = sign ? s.slice(1) : s;
        return mk.str(s.length >= width ? s : sign + body.padStart(width - sign.length, '0'));
      });
    case 'ljust':
    case 'rjust':
    case 'center':
      return b(['width', 'fillchar'], 1, ([w, f]) => {
        const width = intArg(w, 0);
        const fill = given(f) ? strArg(f, name) : ' ';
        if (pyLen(fill) !== 1) throw new PyError('TypeError', 'The fill character must be exactly one character long');
        const len = pyLen(s);
        if (len >= width) return mk.str(s);
        affordText(width * fill.length, () => `${name}(${width})`);
        const marg = width - len;
        if (name === 'ljust') return mk.str(s + fill.repeat(marg));
        if (name === 'rjust') return mk.str(fill.repeat(marg) + s);
        const left = Math.floor(marg / 2) + (marg & width & 1);
        return mk.str(fill.repeat(left) + s + fill.repeat(marg - left));
      });
    case 'partition':
    case 'rpartition':
      return b(['sep'], 1, ([sepV]) => {
        const sep = strArg(sepV, name);
        if (sep === '') throw new PyError('ValueError', 'empty separator');
        const at = name === 'partition' ? s.indexOf(sep) : s.lastIndexOf(sep);
        if (at === -1) return mk.tuple(name === 'partition' ? [mk.str(s), mk.str(''), mk.str('')] : [mk.str(''), mk.str(''), mk.str(s)]);
        return mk.tuple([mk.str(s.slice(0, at)), mk.str(sep), mk.str(s.slice(at + sep.length))]);
      });
    case 'removeprefix':
      return b(['prefix'], 1, ([p]) => {
        const pre = strArg(p, name);
        return mk.str(pre && s.startsWith(pre) ? s.slice(pre.length) : s);
      });
    case 'removesuffix':
      return b(['suffix'], 1, ([p]) => {
        const suf = strArg(p, name);
        return mk.str(suf && s.endsWith(suf) ? s.slice(0, -suf.length) : s);
      });
    case 'isdigit':
    case 'isnumeric':
    case 'isdecimal':
      return b([], 0, () => mk.bool(s.length > 0 && /^\p{Nd}+$/u.test(s)));
    case 'isalpha':
      return b([], 0, () => mk.bool(s.length > 0 && /^\p{L}+$/u.test(s)));
    case 'isalnum':
      return b([], 0, () => mk.bool(s.length > 0 && /^[\p{L}\p{Nd}]+$/u.test(s)));
    case 'isspace':
      return b([], 0, () => mk.bool(ALL_SPACE.test(s)));
    case 'islower':
      return b([], 0, () => mk.bool(/\p{Ll}/u.test(s) && !/\p{Lu}/u.test(s)));
    case 'isupper':
      return b([], 0, () => mk.bool(/\p{Lu}/u.test(s) && !/\p{Ll}/u.test(s)));
    case 'istitle':
      return b([], 0, () => mk.bool(/\p{L}/u.test(s) && titleCase(s) === s));
    case 'isidentifier':
      return b([], 0, () => mk.bool(/^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(s)));
    case 'isascii':
      return b([], 0, () => {
        chargeCharLoop(s.length);
        return mk.bool([...s].every((c) => (c.codePointAt(0) ?? 0) < 0x80));
      });
    default:
      return undefined;
  }
}

/** List and dict methods that walk the whole container (the others are O(1), like `append`). */
const WALKING_METHODS = new Set(['count', 'index', 'remove', 'reverse', 'copy', 'keys', 'values', 'items', 'sort']);

/** Binds a list or dict method, charging the methods that walk the container for its size. */
function containerMethod(obj: RV, name: string, size: number): (params: readonly string[], required: number, impl: Impl) => RV {
  const cost = name === 'sort' ? size * Math.ceil(Math.log2(size + 1)) : size;
  return (params, required, impl) =>
    bound(obj, name, params, required, (a) => {
      if (WALKING_METHODS.has(name)) chargeSteps(cost);
      return impl(a);
    });
}

function listMethod(obj: RV, name: string, ctx: MethodContext): RV | undefined {
  const items = itemsOf(obj);
  const tuple = isTuple(obj);
  const b = containerMethod(obj, name, items.length);
  const indexOf = (x: RV, from = 0, to = items.length): number => {
    for (let i = from; i < to; i++) if (pyEquals(items[i] as RV, x, ctx.mode)) return i;
    return -1;
  };
  switch (name) {
    case 'count':
      return b(['value'], 1, ([x]) => mk.int(items.filter((i) => pyEquals(i, x as RV, ctx.mode)).length));
    case 'index':
      return b(['value', 'start', 'stop'], 1, ([x, st, en]) => {
        const [i, j] = span(items.length, st, en);
        const at = indexOf(x as RV, i, j);
        if (at === -1) throw new PyError('ValueError', `${tuple ? 'tuple.index(x): x not in tuple' : 'list.index(x): x not in list'}`);
        return mk.int(at);
      });
    default:
      break;
  }
  if (tuple) return undefined;
  switch (name) {
    case 'append':
      return b(['object'], 1, ([x]) => (items.push(x as RV), mk.none()));
    case 'extend':
      return b(['iterable'], 1, ([it]) => (items.push(...ctx.iterate(it as RV)), mk.none()));
    case 'insert':
      return b(['index', 'object'], 2, ([i, x]) => {
        let at = intArg(i, 0);
        if (at < 0) at = Math.max(0, items.length + at);
        items.splice(Math.min(at, items.length), 0, x as RV);
        return mk.none();
      });
    case 'pop':
      return b(['index'], 0, ([i]) => {
        if (items.length === 0) throw new PyError('IndexError', 'pop from empty list');
        let at = intArg(i, -1);
        if (at < 0) at += items.length;
        if (at < 0 || at >= items.length) throw new PyError('IndexError', 'pop index out of range');
        return items.splice(at, 1)[0] as RV;
      });
    case 'remove':
      return b(['value'], 1, ([x]) => {
        const at = indexOf(x as RV);
        if (at === -1) throw new PyError('ValueError', 'list.remove(x): x not in list');
        items.splice(at, 1);
        return mk.none();
      });
    case 'reverse':
      return b([], 0, () => (items.reverse(), mk.none()));
    case 'sort':
      return b(['key', 'reverse'], 0, ([, rev]) => {
        items.sort((x, y) => (compare('<', x, y, ctx.mode) ? -1 : compare('<', y, x, ctx.mode) ? 1 : 0));
        if (rev !== undefined && rev.value === true) items.reverse();
        return mk.none();
      });
    case 'copy':
      return b([], 0, () => mk.list([...items]));
    case 'clear':
      return b([], 0, () => (items.splice(0), mk.none()));
    default:
      return undefined;
  }
}

function dictMethod(obj: RV, name: string, ctx: MethodContext): RV | undefined {
  const entries = entriesOf(obj);
  const b = containerMethod(obj, name, entries.size);
  const keyOf = (k: RV | undefined): string => {
    if (k === undefined || !isStr(k)) throw new PyError('KeyError', k === undefined ? 'None' : String(k.value));
    return strOf(k);
  };
  switch (name) {
    case 'get':
      return b(['key', 'default'], 1, ([k, d]) => {
        const v = k !== undefined && isStr(k) ? entries.get(strOf(k)) : undefined;
        return v ?? d ?? mk.none();
      });
    case 'keys':
      return b([], 0, () => mk.list([...entries.keys()].map(mk.str)));
    case 'values':
      return b([], 0, () => mk.list([...entries.values()]));
    case 'items':
      return b([], 0, () => mk.list([...entries].map(([k, v]) => mk.tuple([mk.str(k), v]))));
    case 'copy':
      return b([], 0, () => mk.dict(new Map(entries)));
    case 'pop':
      return b(['key', 'default'], 1, ([k, d]) => {
        const key = keyOf(k);
        const v = entries.get(key);
        if (v === undefined) {
          if (d === undefined) throw new PyError('KeyError', `'${key}'`);
          return d;
        }
        entries.delete(key);
        return v;
      });
    case 'setdefault':
      return b(['key', 'default'], 1, ([k, d]) => {
        const key = keyOf(k);
        const v = entries.get(key);
        if (v !== undefined) return v;
        const value = d ?? mk.none();
        entries.set(key, value);
        return value;
      });
    case 'update':
      return mk.fn('update of dict object', (args) => {
        const { positional, kwargs } = splitArgs(args);
        const src = positional[0];
        if (src !== undefined) {
          if (isDict(src)) for (const [k, v] of entriesOf(src)) entries.set(k, v);
          else for (const pair of ctx.iterate(src)) {
            const [k, v] = itemsOf(pair);
            entries.set(keyOf(k), v ?? mk.none());
          }
        }
        for (const [k, v] of kwargs) entries.set(k, v);
        return mk.none();
      });
    case 'clear':
      return b([], 0, () => (entries.clear(), mk.none()));
    default:
      return undefined;
  }
}

/** The built-in method `name` of a str/list/tuple/dict value, or undefined when there is none. */
export function builtinMethod(obj: RV, name: string, ctx: MethodContext): RV | undefined {
  if (isStr(obj)) return strMethod(obj, name, ctx);
  if (isSeq(obj)) return listMethod(obj, name, ctx);
  if (isDict(obj)) return dictMethod(obj, name, ctx);
  if (obj.type === 'FloatValue' && name === 'is_integer') return bound(obj, name, [], 0, () => mk.bool(Number.isInteger(obj.value)));
  return undefined;
}

/** Methods of Python's built-in types: str, list, tuple, dict, set. */
import { chargeGrowth, checkStringLength } from './budget.js';
import { percentFormat, pyRepr, strFormat } from './formatting.js';
import { asInt, asStr, bindArgs, concrete, method } from './natives.js';
import {
  NONE,
  PyFail,
  bool,
  dictSet,
  hashKey,
  int,
  list,
  pyEquals,
  str,
  truthy,
  tuple,
  type CallCtx,
  type DictV,
  type ListV,
  type SetV,
  type StrV,
  type TupleV,
  type Value,
} from './values.js';

type Impl = (args: Value[], kwargs: Map<string, Value>, ctx: CallCtx) => Value;

const WS = /^[\s]+|[\s]+$/g;

function stripChars(s: string, chars: Value | undefined, left: boolean, right: boolean): string {
  if (chars === undefined || chars.t === 'none') {
    if (left && right) return s.replace(WS, '');
    return left ? s.replace(/^\s+/, '') : s.replace(/\s+$/, '');
  }
  const set = asStr(chars, 'strip() chars');
  let a = 0;
  let b = s.length;
  if (left) while (a < b && set.includes(s[a]!)) a++;
  if (right) while (b > a && set.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function split(s: string, sepV: Value | undefined, maxV: Value | undefined, fromRight: boolean): Value {
  const max = maxV === undefined ? -1 : asInt(maxV, 'maxsplit');
  if (sepV === undefined || sepV.t === 'none') {
    const words = s.trim().split(/\s+/).filter((w) => w !== '');
    if (max < 0 || words.length <= max + 1) return list(words.map(str));
    // Re-split keeping the remainder intact.
    const parts: string[] = [];
    let rest = fromRight ? s.replace(/\s+$/, '') : s.replace(/^\s+/, '');
    for (let i = 0; i < max; i++) {
      const m = fromRight ? /\s+(\S+)$/.exec(rest) : /^(\S+)\s+/.exec(rest);
      if (!m) break;
      parts.push(m[1]!);
      rest = fromRight ? rest.slice(0, m.index) : rest.slice(m[0].length);
    }
    if (fromRight) return list([rest, ...parts.reverse()].map(str));
    return list([...parts, rest].map(str));
  }
  const sep = asStr(sepV, 'separator');
  if (sep === '') throw new PyFail('empty separator');
  const all = s.split(sep);
  if (max < 0 || all.length <= max + 1) return list(all.map(str));
  if (fromRight) return list([all.slice(0, all.length - max).join(sep), ...all.slice(all.length - max)].map(str));
  return list([...all.slice(0, max), all.slice(max).join(sep)].map(str));
}

function affix(v: Value, test: (x: string) => boolean): boolean {
  const c = concrete(v);
  if (c.t === 'tuple') return c.items.some((x) => test(asStr(x, 'prefix')));
  return test(asStr(c, 'prefix'));
}

function titleCase(s: string): string {
  return s.replace(/\p{L}+/gu, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());
}

function justify(s: string, args: Value[], where: 'l' | 'r' | 'c'): string {
  const width = asInt(args[0], 'width');
  const fill = args[1] ? asStr(args[1], 'fillchar') : ' ';
  if (s.length >= width) return s;
  checkStringLength(width);
  const total = width - s.length;
  if (where === 'l') return s + fill.repeat(total);
  if (where === 'r') return fill.repeat(total) + s;
  const left = Math.floor(total / 2) + (total % 2 && width % 2 ? 1 : 0);
  return fill.repeat(left) + s + fill.repeat(total - left);
}

function strMethod(self: StrV, name: string): Impl | undefined {
  const s = self.v;
  switch (name) {
    case 'format': return (args, kwargs, ctx) => str(strFormat(s, args, kwargs, ctx.interp, ctx.from));
    case 'format_map': return (args, _k, ctx) => {
      const d = concrete(args[0] ?? NONE);
      if (d.t !== 'dict') throw new PyFail('format_map() argument must be a mapping');
      const kw = new Map<string, Value>();
      for (const [k, v] of d.map.values()) if (k.t === 'str') kw.set(k.v, v);
      return str(strFormat(s, [], kw, ctx.interp, ctx.from));
    };
    case 'join': return (args, _k, ctx) => {
      const items = ctx.interp.iterate(args[0] ?? NONE, ctx.from);
      let length = Math.max(0, items.length - 1) * s.length;
      const parts = items.map((x, i) => {
        const c = concrete(x);
        if (c.t !== 'str') throw new PyFail(`sequence item ${i}: expected str instance, ${pyRepr(c).slice(0, 20)} found`);
        length += c.v.length;
        return c.v;
      });
      checkStringLength(length);
      return str(parts.join(s));
    };
    case 'split': return (args, kwargs) => { const b = bindArgs('split', args, kwargs, ['sep', 'maxsplit']); return split(s, b.sep, b.maxsplit, false); };
    case 'rsplit': return (args, kwargs) => { const b = bindArgs('rsplit', args, kwargs, ['sep', 'maxsplit']); return split(s, b.sep, b.maxsplit, true); };
    case 'splitlines': return (args) => {
      const keep = args[0] !== undefined && truthy(concrete(args[0]));
      const parts = s.match(/[^\r\n]*(\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
      return list(parts.map((p) => str(keep ? p : p.replace(/(\r\n|\r|\n)$/, ''))));
    };
    case 'strip': return (args) => str(stripChars(s, args[0], true, true));
    case 'lstrip': return (args) => str(stripChars(s, args[0], true, false));
    case 'rstrip': return (args) => str(stripChars(s, args[0], false, true));
    case 'upper': return () => str(s.toUpperCase());
    case 'lower': case 'casefold': return () => str(s.toLowerCase());
    case 'title': return () => str(titleCase(s));
    case 'capitalize': return () => str(s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s);
    case 'swapcase': return () => str([...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''));
    case 'replace': return (args) => {
      const old = asStr(args[0], 'replace() old');
      const rep = asStr(args[1], 'replace() new');
      const count = args[2] !== undefined ? asInt(args[2], 'count') : -1;
      const parts = s.split(old);
      const replaced = count < 0 ? parts.length - 1 : Math.min(count, parts.length - 1);
      checkStringLength(s.length + replaced * (rep.length - old.length));
      if (count < 0) return str(parts.join(rep));
      return str(parts.slice(0, count + 1).join(rep) + (parts.length > count + 1 ? old + parts.slice(count + 1).join(old) : ''));
    };
    case 'startswith': return (args) => {
      const sub = args[1] !== undefined ? s.slice(asInt(args[1], 'start')) : s;
      return bool(affix(args[0] ?? NONE, (p) => sub.startsWith(p)));
    };
    case 'endswith': return (args) => bool(affix(args[0] ?? NONE, (p) => s.endsWith(p)));
    case 'removeprefix': return (args) => { const p = asStr(args[0], 'prefix'); return str(p && s.startsWith(p) ? s.slice(p.length) : s); };
    case 'removesuffix': return (args) => { const p = asStr(args[0], 'suffix'); return str(p && s.endsWith(p) ? s.slice(0, -p.length) : s); };
    case 'zfill': return (args) => {
      const width = asInt(args[0], 'width');
      const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
      const body = sign ? s.slice(1) : s;
      if (s.length < width) checkStringLength(width);
      return str(s.length >= width ? s : sign + body.padStart(width - sign.length, '0'));
    };
    case 'ljust': return (args) => str(justify(s, args, 'l'));
    case 'rjust': return (args) => str(justify(s, args, 'r'));
    case 'center': return (args) => str(justify(s, args, 'c'));
    case 'find': return (args) => int(s.indexOf(asStr(args[0], 'sub'), args[1] !== undefined ? asInt(args[1], 'start') : 0));
    case 'rfind': return (args) => int(s.lastIndexOf(asStr(args[0], 'sub')));
    case 'index': return (args) => {
      const i = s.indexOf(asStr(args[0], 'sub'));
      if (i < 0) throw new PyFail('substring not found');
      return int(i);
    };
    case 'count': return (args) => {
      const sub = asStr(args[0], 'sub');
      return int(sub === '' ? s.length + 1 : s.split(sub).length - 1);
    };
    case 'partition': case 'rpartition': return (args) => {
      const sep = asStr(args[0], 'sep');
      const i = name === 'partition' ? s.indexOf(sep) : s.lastIndexOf(sep);
      if (i < 0) return name === 'partition' ? tuple([str(s), str(''), str('')]) : tuple([str(''), str(''), str(s)]);
      return tuple([str(s.slice(0, i)), str(sep), str(s.slice(i + sep.length))]);
    };
    case 'isdigit': case 'isnumeric': case 'isdecimal': return () => bool(/^\d+$/.test(s));
    case 'isalpha': return () => bool(/^\p{L}+$/u.test(s));
    case 'isalnum': return () => bool(/^[\p{L}\d]+$/u.test(s));
    case 'isspace': return () => bool(/^\s+$/.test(s));
    case 'isupper': return () => bool(/\p{Lu}/u.test(s) && s === s.toUpperCase());
    case 'islower': return () => bool(/\p{Ll}/u.test(s) && s === s.toLowerCase());
    case 'isidentifier': return () => bool(/^[\p{L}_][\p{L}\d_]*$/u.test(s));
    case 'encode': case 'decode': return () => self;
    case '__mod__': return (args) => str(percentFormat(s, args[0] ?? NONE));
  }
  return undefined;
}

function indexOf(items: Value[], x: Value): number {
  return items.findIndex((y) => pyEquals(x, y));
}

function sortItems(items: Value[], kwargs: Map<string, Value>, ctx: CallCtx, compare: (a: Value, b: Value) => number): Value[] {
  const key = kwargs.get('key');
  const reverse = kwargs.get('reverse');
  const keyed = items.map((v) => ({ v, k: key && key.t !== 'none' ? ctx.interp.call(key, [v], new Map(), ctx.from) : v }));
  keyed.sort((a, b) => compare(a.k, b.k)); // Array.prototype.sort is stable, like Python's sort.
  if (reverse && truthy(concrete(reverse))) {
    // Python's reverse sort keeps equal elements in their original order.
    keyed.reverse();
    let i = 0;
    while (i < keyed.length) {
      let j = i;
      while (j + 1 < keyed.length && compare(keyed[j + 1]!.k, keyed[i]!.k) === 0) j++;
      keyed.splice(i, j - i + 1, ...keyed.slice(i, j + 1).reverse());
      i = j + 1;
    }
  }
  return keyed.map((x) => x.v);
}

function listMethod(self: ListV, name: string, compare: (a: Value, b: Value) => number): Impl | undefined {
  const items = self.items;
  switch (name) {
    case 'append': return (args) => { chargeGrowth(items.length, 1); items.push(args[0] ?? NONE); return NONE; };
    case 'extend': return (args, _k, ctx) => {
      const added = ctx.interp.iterate(args[0] ?? NONE, ctx.from);
      chargeGrowth(items.length, added.length);
      for (const x of added) items.push(x);
      return NONE;
    };
    case 'insert': return (args) => {
      chargeGrowth(items.length, 1);
      let i = asInt(args[0], 'index');
      if (i < 0) i = Math.max(0, items.length + i);
      items.splice(Math.min(i, items.length), 0, args[1] ?? NONE);
      return NONE;
    };
    case 'pop': return (args) => {
      if (items.length === 0) throw new PyFail('pop from empty list');
      let i = args[0] !== undefined ? asInt(args[0], 'index') : items.length - 1;
      if (i < 0) i += items.length;
      if (i < 0 || i >= items.length) throw new PyFail('pop index out of range');
      return items.splice(i, 1)[0]!;
    };
    case 'remove': return (args) => {
      const i = indexOf(items, args[0] ?? NONE);
      if (i < 0) throw new PyFail('list.remove(x): x not in list');
      items.splice(i, 1);
      return NONE;
    };
    case 'clear': return () => { items.length = 0; return NONE; };
    case 'copy': return () => list([...items]);
    case 'reverse': return () => { items.reverse(); return NONE; };
    case 'sort': return (_a, kwargs, ctx) => { const sorted = sortItems(items, kwargs, ctx, compare); items.splice(0, items.length, ...sorted); return NONE; };
  }
  return seqMethod(items, name);
}

function seqMethod(items: Value[], name: string): Impl | undefined {
  switch (name) {
    case 'index': return (args) => {
      const i = indexOf(items, args[0] ?? NONE);
      if (i < 0) throw new PyFail(`${pyRepr(args[0] ?? NONE)} is not in list`);
      return int(i);
    };
    case 'count': return (args) => int(items.filter((y) => pyEquals(args[0] ?? NONE, y)).length);
  }
  return undefined;
}

function dictMethod(self: DictV, name: string): Impl | undefined {
  const map = self.map;
  const lookup = (k: Value) => map.get(hashKey(concrete(k)));
  switch (name) {
    case 'get': return (args) => lookup(args[0] ?? NONE)?.[1] ?? args[1] ?? NONE;
    case 'items': return () => list([...map.values()].map(([k, v]) => tuple([k, v])));
    case 'keys': return () => list([...map.values()].map(([k]) => k));
    case 'values': return () => list([...map.values()].map(([, v]) => v));
    case 'copy': return () => ({ t: 'dict', map: new Map(map) });
    case 'clear': return () => { map.clear(); return NONE; };
    case 'setdefault': return (args) => {
      const key = concrete(args[0] ?? NONE);
      const existing = map.get(hashKey(key));
      if (existing) return existing[1];
      const v = args[1] ?? NONE;
      dictSet(self, key, v);
      return v;
    };
    case 'pop': return (args) => {
      const key = concrete(args[0] ?? NONE);
      const h = hashKey(key);
      const existing = map.get(h);
      if (existing) {
        map.delete(h);
        return existing[1];
      }
      if (args[1] !== undefined) return args[1];
      throw new PyFail(`KeyError: ${pyRepr(key)}`);
    };
    case 'popitem': return () => {
      const last = [...map.keys()].pop();
      if (last === undefined) throw new PyFail('popitem(): dictionary is empty');
      const [k, v] = map.get(last)!;
      map.delete(last);
      return tuple([k, v]);
    };
    case 'update': return (args, kwargs, ctx) => {
      if (args[0] !== undefined) {
        const src = concrete(args[0]);
        if (src.t === 'dict') for (const [k, v] of src.map.values()) dictSet(self, k, v);
        else {
          for (const pair of ctx.interp.iterate(src, ctx.from)) {
            const items = ctx.interp.iterate(pair, ctx.from);
            if (items.length !== 2) throw new PyFail('dictionary update sequence element has wrong length');
            dictSet(self, concrete(items[0]!), items[1]!);
          }
        }
      }
      for (const [k, v] of kwargs) dictSet(self, str(k), v);
      return NONE;
    };
  }
  return undefined;
}

function setMethod(self: SetV, name: string): Impl | undefined {
  const map = self.map;
  const others = (args: Value[], ctx: CallCtx) => args.map((a) => new Map(ctx.interp.iterate(a, ctx.from).map((v) => [hashKey(concrete(v)), v] as const)));
  switch (name) {
    case 'add': return (args) => { const v = concrete(args[0] ?? NONE); chargeGrowth(map.size, 1); map.set(hashKey(v), v); return NONE; };
    case 'update': return (args, _k, ctx) => { for (const o of others(args, ctx)) for (const [k, v] of o) map.set(k, v); return NONE; };
    case 'discard': return (args) => { map.delete(hashKey(concrete(args[0] ?? NONE))); return NONE; };
    case 'remove': return (args) => {
      if (!map.delete(hashKey(concrete(args[0] ?? NONE)))) throw new PyFail(`KeyError: ${pyRepr(args[0] ?? NONE)}`);
      return NONE;
    };
    case 'copy': return () => ({ t: 'set', map: new Map(map) });
    case 'union': return (args, _k, ctx) => { const out = new Map(map); for (const o of others(args, ctx)) for (const [k, v] of o) out.set(k, v); return { t: 'set', map: out }; };
    case 'intersection': return (args, _k, ctx) => { const os = others(args, ctx); return { t: 'set', map: new Map([...map].filter(([k]) => os.every((o) => o.has(k)))) }; };
    case 'difference': return (args, _k, ctx) => { const os = others(args, ctx); return { t: 'set', map: new Map([...map].filter(([k]) => !os.some((o) => o.has(k)))) }; };
    case 'issubset': return (args, _k, ctx) => { const [o] = others(args, ctx); return bool([...map.keys()].every((k) => o!.has(k))); };
    case 'issuperset': return (args, _k, ctx) => { const [o] = others(args, ctx); return bool([...o!.keys()].every((k) => map.has(k))); };
  }
  return undefined;
}

/** A bound method of a built-in type's value, or undefined when the type has no such method. */
export function builtinMethod(self: Value, name: string, compare: (a: Value, b: Value) => number): Value | undefined {
  let impl: Impl | undefined;
  if (self.t === 'str') impl = strMethod(self, name);
  else if (self.t === 'list') impl = listMethod(self, name, compare);
  else if (self.t === 'tuple') impl = seqMethod((self as TupleV).items, name);
  else if (self.t === 'dict') impl = dictMethod(self, name);
  else if (self.t === 'set') impl = setMethod(self, name);
  return impl ? method(name, impl) : undefined;
}

export { sortItems };

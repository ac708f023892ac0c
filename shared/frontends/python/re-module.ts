/**
 * Python's `re` while a DAG file is read (task ids and names built with `re.sub(r"\W+", "_", name)`,
 * configs filtered with `re.match`): patterns are translated to JavaScript's syntax (named groups,
 * `\A` / `\Z`, inline flags at the start) and run by its engine, which agrees with Python's on the
 * patterns DAG files use; a pattern it cannot take is the file's `re.error`.
 */
import { asInt, asStr, bindArgs, concrete, fn, method } from './natives.js';
import { NONE, PyFail, dict, int, list, str, tuple, type CallCtx, type ObjectV, type Value } from './values.js';

const FLAGS = { IGNORECASE: 2, I: 2, MULTILINE: 8, M: 8, DOTALL: 16, S: 16, ASCII: 256, A: 256, VERBOSE: 64, X: 64, UNICODE: 32, U: 32 } as const;

/** A JavaScript RegExp for a Python pattern and flags (`g`: for the functions that scan the whole text). */
function compile(pattern: string, flags: number, global: boolean, anchor?: 'match' | 'fullmatch'): RegExp {
  let source = pattern;
  let f = flags;
  // Inline flags at the start: (?i), (?ims).
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    for (const c of inline[1]!) f |= c === 'i' ? FLAGS.I : c === 'm' ? FLAGS.M : c === 's' ? FLAGS.S : c === 'x' ? FLAGS.X : 0;
    source = source.slice(inline[0].length);
  }
  if (f & FLAGS.X) source = source.replace(/\\#/g, '\uE000').replace(/#[^\n]*/g, '').replace(/\s+/g, '').replace(/\uE000/g, '\\#');
  source = source
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$(?![\\s\\S])');
  // re.match anchors at the start, re.fullmatch at both ends (after any inline flags).
  if (anchor === 'match') source = `^(?:${source})`;
  if (anchor === 'fullmatch') source = `^(?:${source})$(?![\\s\\S])`;
  try {
    return new RegExp(source, `${global ? 'g' : ''}${f & FLAGS.I ? 'i' : ''}${f & FLAGS.M ? 'm' : ''}${f & FLAGS.S ? 's' : ''}d`);
  } catch (err) {
    throw new PyFail(`re.error: ${(err as Error).message}`, 'skydag runs regular expressions with JavaScript\'s engine while reading DAG files; simplify the pattern');
  }
}

function matchObject(m: RegExpExecArray, text: string): ObjectV {
  const group = (g: Value | undefined): Value => {
    const key = g === undefined ? 0 : concrete(g);
    const value = typeof key === 'number' ? m[key] : key.t === 'int' ? m[key.v] : key.t === 'str' ? m.groups?.[key.v] : undefined;
    return value === undefined ? NONE : str(value);
  };
  const indices = (g: Value | undefined): [number, number] => {
    const k = g === undefined ? 0 : asInt(g, 'group');
    const span = m.indices?.[k];
    return span ? [span[0], span[1]] : [-1, -1];
  };
  return {
    t: 'object',
    kind: 're.Match',
    attrs: new Map<string, Value>([
      ['group', method('group', (args) => (args.length <= 1 ? group(args[0]) : tuple(args.map(group))))],
      ['groups', method('groups', () => tuple(m.slice(1).map((v) => (v === undefined ? NONE : str(v)))))],
      ['groupdict', method('groupdict', () => dict(Object.entries(m.groups ?? {}).map(([k, v]) => [str(k), v === undefined ? NONE : str(v)])))],
      ['start', method('start', (args) => int(indices(args[0])[0]))],
      ['end', method('end', (args) => int(indices(args[0])[1]))],
      ['span', method('span', (args) => tuple(indices(args[0]).map(int)))],
      ['string', str(text)],
    ]),
  };
}

/** Python's replacement template: `\1`, `\g<1>`, `\g<name>`, escapes; or a function of the match. */
function replacer(repl: Value, ctx: CallCtx): (m: RegExpExecArray, text: string) => string {
  const c = concrete(repl);
  if (c.t !== 'str') return (m, text) => asStr(ctx.interp.call(repl, [matchObject(m, text)], new Map(), ctx.from), 're.sub() replacement result');
  const template = c.v;
  return (m) =>
    template.replace(/\\(?:g<([^>]+)>|(\d{1,2})|(.))/gs, (_all, named: string | undefined, num: string | undefined, esc: string | undefined) => {
      if (named !== undefined) return (/^\d+$/.test(named) ? m[Number(named)] : m.groups?.[named]) ?? '';
      if (num !== undefined) return m[Number(num)] ?? '';
      const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', f: '\f', v: '\v', a: '\u0007' };
      return escapes[esc!] ?? `\\${esc}`;
    });
}

function sub(patternArg: Value | undefined, replArg: Value | undefined, textArg: Value | undefined, countArg: Value | undefined, flags: number, ctx: CallCtx): [string, number] {
  const re = compile(asStr(patternArg, 'pattern'), flags, true);
  const text = asStr(textArg, 'string');
  const count = countArg === undefined ? 0 : asInt(countArg, 'count');
  const replace = replacer(replArg ?? NONE, ctx);
  let out = '';
  let last = 0;
  let n = 0;
  for (let m = re.exec(text); m !== null && (count === 0 || n < count); m = re.exec(text)) {
    out += text.slice(last, m.index) + replace(m, text);
    last = m.index + m[0].length;
    n++;
    if (m[0].length === 0) re.lastIndex++;
  }
  return [out + text.slice(last), n];
}

const flagsOf = (v: Value | undefined) => (v === undefined ? 0 : asInt(v, 'flags'));

/** One function of the module, or the same method of a compiled pattern (its pattern and flags bound). */
function functions(bound?: { pattern: string; flags: number }): Record<string, Value> {
  const pat = (a: Record<string, Value | undefined>) => (bound ? str(bound.pattern) : a.pattern);
  const flg = (a: Record<string, Value | undefined>) => (bound ? bound.flags : flagsOf(a.flags));
  const params = (...rest: string[]) => (bound ? rest : ['pattern', ...rest]);
  const make = bound ? (name: string, impl: Parameters<typeof method>[1]) => method(name, impl) : (name: string, impl: Parameters<typeof method>[1]) => fn(name, 're', impl);
  const find = (name: 'match' | 'search' | 'fullmatch') =>
    make(name, (args, kwargs) => {
      const a = bindArgs(`re.${name}`, args, kwargs, params('string', 'flags'));
      const text = asStr(a.string, 'string');
      const m = compile(asStr(pat(a), 'pattern'), flg(a), false, name === 'search' ? undefined : name).exec(text);
      return m ? matchObject(m, text) : NONE;
    });
  return {
    match: find('match'),
    search: find('search'),
    fullmatch: find('fullmatch'),
    sub: make('sub', (args, kwargs, ctx) => {
      const a = bindArgs('re.sub', args, kwargs, params('repl', 'string', 'count', 'flags'));
      return str(sub(pat(a), a.repl, a.string, a.count, flg(a), ctx)[0]);
    }),
    subn: make('subn', (args, kwargs, ctx) => {
      const a = bindArgs('re.subn', args, kwargs, params('repl', 'string', 'count', 'flags'));
      const [text, n] = sub(pat(a), a.repl, a.string, a.count, flg(a), ctx);
      return tuple([str(text), int(n)]);
    }),
    findall: make('findall', (args, kwargs) => {
      const a = bindArgs('re.findall', args, kwargs, params('string', 'flags'));
      const text = asStr(a.string, 'string');
      const out: Value[] = [];
      for (const m of text.matchAll(compile(asStr(pat(a), 'pattern'), flg(a), true))) {
        const groups = m.slice(1).map((g) => str(g ?? ''));
        out.push(groups.length === 0 ? str(m[0]) : groups.length === 1 ? groups[0]! : tuple(groups));
      }
      return list(out);
    }),
    split: make('split', (args, kwargs) => {
      const a = bindArgs('re.split', args, kwargs, params('string', 'maxsplit', 'flags'));
      const text = asStr(a.string, 'string');
      const max = a.maxsplit === undefined ? 0 : asInt(a.maxsplit, 'maxsplit');
      const out: Value[] = [];
      let last = 0;
      let n = 0;
      for (const m of text.matchAll(compile(asStr(pat(a), 'pattern'), flg(a), true))) {
        if (max > 0 && n >= max) break;
        if (m[0].length === 0 && m.index === last && m.index !== 0 && m.index !== text.length) continue;
        out.push(str(text.slice(last, m.index)), ...m.slice(1).map((g) => (g === undefined ? NONE : str(g))));
        last = m.index + m[0].length;
        n++;
      }
      out.push(str(text.slice(last)));
      return list(out);
    }),
  };
}

export const RE_MODULE: Record<string, Value> = {
  ...functions(),
  compile: fn('compile', 're', (args, kwargs) => {
    const a = bindArgs('re.compile', args, kwargs, ['pattern', 'flags']);
    const pattern = asStr(a.pattern, 'pattern');
    const flags = flagsOf(a.flags);
    compile(pattern, flags, false); // a bad pattern is an error here, as Python's
    return { t: 'object', kind: 're.Pattern', attrs: new Map<string, Value>([...Object.entries(functions({ pattern, flags })), ['pattern', str(pattern)], ['flags', int(flags)]]) };
  }),
  // Python 3.7+: only the characters special in patterns are escaped.
  escape: fn('escape', 're', (args) => str(asStr(args[0], 'pattern').replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (ch) => `\\${ch}`))),
  ...Object.fromEntries(Object.entries(FLAGS).map(([k, v]) => [k, int(v)])),
};

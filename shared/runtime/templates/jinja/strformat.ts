/**
 * Python string formatting over engine values: `str.format` (`'{:02}'.format(execution_date.hour)`),
 * the `format(value, spec)` protocol, and printf-style `%` formatting (`"%s-%02d" % (a, b)` and the
 * `format` filter).
 */
import { floatRepr, formatFloat, formatInt, formatStr, intRepr, parseFormatSpec, type FormatSpec } from '../py/numbers.js';
import { affordText, chargeCharLoop } from '../budget.js';
import { PyError } from '../py/object.js';
import { pyRepr, pyStr, strRepr, typeName, type Mode } from './repr.js';
import { entriesOf, hostOf, isDict, isTuple, itemsOf, mk, type RV } from './values.js';

/** Attribute and item access used to resolve `{0.attr}` and `{0[key]}` fields (Jinja's sandbox rules). */
export interface FieldAccess {
  getattr(obj: RV, name: string): RV;
  getitem(obj: RV, key: RV): RV;
}

/** `format(value, spec)`. */
export function formatValue(v: RV, spec: string, mode: Mode): string {
  const host = hostOf(v);
  if (host) return host.format(spec);
  switch (v.type) {
    case 'StringValue':
      return spec === '' ? (v.value as string) : formatStr(v.value as string, parseFormatSpec(spec));
    case 'BooleanValue':
      return spec === '' ? (v.value ? 'True' : 'False') : formatInt(v.value ? 1 : 0, parseFormatSpec(spec));
    case 'IntegerValue':
      return spec === '' ? intRepr(v.value as number) : formatInt(v.value as number, parseFormatSpec(spec));
    case 'FloatValue':
      return spec === '' ? floatRepr(v.value as number) : formatFloat(v.value as number, parseFormatSpec(spec));
    default:
      if (spec !== '') throw new PyError('TypeError', `unsupported format string passed to ${typeName(v)}.__format__`);
      return pyStr(v, mode);
  }
}

/** `fmt.format(*args, **kwargs)`. */
export function strFormat(fmt: string, args: readonly RV[], kwargs: ReadonlyMap<string, RV>, mode: Mode, access: FieldAccess): string {
  let auto = 0;
  let manual = false;
  let automatic = false;

  const resolve = (field: string): RV => {
    const m = /^([^.[]*)(.*)$/s.exec(field);
    const head = m?.[1] ?? '';
    let rest = m?.[2] ?? '';
    let obj: RV;
    if (head === '') {
      if (manual) throw new PyError('ValueError', 'cannot switch from manual field specification to automatic field numbering');
      automatic = true;
      const i = auto++;
      const a = args[i];
      if (a === undefined) throw new PyError('IndexError', `Replacement index ${i} out of range for positional args tuple`);
      obj = a;
    } else if (/^\d+$/.test(head)) {
      if (automatic) throw new PyError('ValueError', 'cannot switch from automatic field numbering to manual field specification');
      manual = true;
      const a = args[Number(head)];
      if (a === undefined) throw new PyError('IndexError', `Replacement index ${head} out of range for positional args tuple`);
      obj = a;
    } else {
      const a = kwargs.get(head);
      if (a === undefined) throw new PyError('KeyError', strRepr(head));
      obj = a;
    }
    while (rest.length > 0) {
      const attr = /^\.([^.[]+)/.exec(rest);
      if (attr) {
        obj = access.getattr(obj, attr[1] ?? '');
        rest = rest.slice(attr[0].length);
        continue;
      }
      const item = /^\[([^\]]+)\]/.exec(rest);
      if (!item) throw new PyError('ValueError', 'Only \'.\' or \'[\' may follow \']\' in format field specifier');
      const key = item[1] ?? '';
      obj = access.getitem(obj, /^\d+$/.test(key) ? mk.int(Number(key)) : mk.str(key));
      rest = rest.slice(item[0].length);
    }
    return obj;
  };

  const render = (text: string, depth: number): string => {
    chargeCharLoop(text.length);
    let out = '';
    let i = 0;
    while (i < text.length) {
      const c = text[i] ?? '';
      if (c === '{') {
        if (text[i + 1] === '{') {
          out += '{';
          i += 2;
          continue;
        }
        // Find the matching close brace, allowing one level of nested fields in the spec.
        let j = i + 1;
        let nest = 1;
        while (j < text.length && nest > 0) {
          if (text[j] === '{') nest++;
          else if (text[j] === '}') nest--;
          if (nest > 0) j++;
        }
        if (nest !== 0) throw new PyError('ValueError', "expected '}' before end of string");
        const inner = text.slice(i + 1, j);
        const m = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/s.exec(inner);
        if (!m) throw new PyError('ValueError', 'unmatched \'{\' in format spec');
        if (depth > 1) throw new PyError('ValueError', 'Max string recursion exceeded');
        let v = resolve(m[1] ?? '');
        if (m[2] === 'r') v = mk.str(pyRepr(v));
        else if (m[2] === 'a') v = mk.str(asciiRepr(pyRepr(v)));
        else if (m[2] === 's') v = mk.str(pyStr(v, mode));
        const spec = m[3] === undefined ? '' : render(m[3], depth + 1);
        out += formatValue(v, spec, mode);
        i = j + 1;
      } else if (c === '}') {
        if (text[i + 1] !== '}') throw new PyError('ValueError', "Single '}' encountered in format string");
        out += '}';
        i += 2;
      } else {
        out += c;
        i++;
      }
    }
    return out;
  };
  return render(fmt, 0);
}

function asciiRepr(s: string): string {
  chargeCharLoop(s.length);
  return s.replace(/[^\u0020-\u007e\t\n\r]/gu, (ch) => {
    if ((ch.codePointAt(0) ?? 0) < 0x80) return ch;
    const cp = ch.codePointAt(0) ?? 0;
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
  });
}

const PRINTF_RE = /%(?:\(([^)]*)\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)/gs;

function numberFor(conv: string, v: RV): number {
  if (v.type === 'IntegerValue' || v.type === 'FloatValue') return v.value as number;
  if (v.type === 'BooleanValue') return v.value ? 1 : 0;
  if ('diu'.includes(conv)) throw new PyError('TypeError', `%${conv} format: a real number is required, not ${typeName(v)}`);
  if ('oxX'.includes(conv)) throw new PyError('TypeError', `%${conv} format: an integer is required, not ${typeName(v)}`);
  throw new PyError('TypeError', `must be real number, not ${typeName(v)}`);
}

/** `fmt % values` (printf-style). `values` is a tuple, a mapping (for `%(name)s`) or a single value. */
export function printf(fmt: string, values: RV, mode: Mode): string {
  const usesMapping = /%\([^)]*\)/.test(fmt);
  if (usesMapping && !isDict(values)) throw new PyError('TypeError', 'format requires a mapping');
  const positional: RV[] = usesMapping ? [] : isTuple(values) ? itemsOf(values) : [values];
  let next = 0;
  const take = (): RV => {
    const v = positional[next++];
    if (v === undefined) throw new PyError('TypeError', 'not enough arguments for format string');
    return v;
  };
  const out = fmt.replace(PRINTF_RE, (whole: string, key: string | undefined, flags: string, width: string | undefined, precision: string | undefined, conv: string, offset: number) => {
    if (conv === '') throw new PyError('ValueError', 'incomplete format');
    if (conv === '%') return '%';
    const w = width === '*' ? numberFor('d', take()) : width === undefined ? null : Number(width);
    const p = precision === '*' ? numberFor('d', take()) : precision === undefined ? null : precision === '' ? 0 : Number(precision);
    affordText(Math.abs(w ?? 0) + ('diuoxX'.includes(conv) ? (p ?? 0) : 0), () => `the format %${flags}${width ?? ''}${precision === undefined ? '' : `.${precision}`}${conv}`);
    let v: RV;
    if (key !== undefined) {
      const found = entriesOf(values).get(key);
      if (found === undefined) throw new PyError('KeyError', strRepr(key));
      v = found;
    } else {
      v = take();
    }
    const left = flags.includes('-') || (w !== null && w < 0);
    const zero = flags.includes('0') && !left;
    const sign = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
    const spec: FormatSpec = {
      fill: ' ',
      align: left ? '<' : zero ? '=' : '>',
      sign: sign as FormatSpec['sign'],
      alt: flags.includes('#'),
      zero: false,
      width: w === null ? null : Math.abs(w),
      grouping: '',
      precision: null,
      type: '',
    };
    const padText = (s: string): string => {
      const width0 = spec.width ?? 0;
      return s.length >= width0 ? s : left ? s.padEnd(width0) : s.padStart(width0);
    };
    switch (conv) {
      case 's':
      case 'r':
      case 'a': {
        let s = conv === 's' ? pyStr(v, mode) : conv === 'r' ? pyRepr(v) : asciiRepr(pyRepr(v));
        if (p !== null) s = [...s].slice(0, p).join('');
        return padText(s);
      }
      case 'c': {
        let s: string;
        if (v.type === 'StringValue' && [...(v.value as string)].length === 1) s = v.value as string;
        else if (v.type === 'IntegerValue') s = String.fromCodePoint(v.value as number);
        else throw new PyError('TypeError', '%c requires int or char');
        return padText(s);
      }
      case 'd':
      case 'i':
      case 'u':
      case 'o':
      case 'x':
      case 'X': {
        const raw = numberFor(conv, v);
        if ('oxX'.includes(conv) && v.type === 'FloatValue') throw new PyError('TypeError', `%${conv} format: an integer is required, not float`);
        const n = Math.trunc(raw);
        const type = conv === 'o' ? 'o' : conv === 'x' ? 'x' : conv === 'X' ? 'X' : 'd';
        if (p !== null) {
          // Precision is the minimum number of digits.
          const digits = formatInt(Math.abs(n), { ...spec, fill: ' ', align: '', width: null, sign: '' as const, type }).replace(/^0[oxX]/, '');
          const prefix = spec.alt && type !== 'd' ? `0${type}` : '';
          const body = (n < 0 ? '-' : sign) + prefix + digits.padStart(p, '0');
          return padText(body);
        }
        return formatInt(n, { ...spec, fill: zero ? '0' : ' ', type });
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
        return formatFloat(numberFor(conv, v), { ...spec, fill: zero ? '0' : ' ', precision: p ?? 6, type: conv });
      default: {
        const cp = conv.codePointAt(0) ?? 0;
        void whole;
        throw new PyError('ValueError', `unsupported format character '${conv}' (0x${cp.toString(16)}) at index ${offset + whole.length - 1}`);
      }
    }
  });
  if (!usesMapping && next < positional.length) throw new PyError('TypeError', 'not all arguments converted during string formatting');
  return out;
}

/**
 * Python's number formatting: `repr(float)`, `str(int)`, and the format-specification mini-language
 * (`'{:02}'.format(7)`, `format(x, '.2f')`) plus the numeric conversions of `%`-formatting.
 *
 * Rounding follows Python: fixed/scientific/general conversions round the exact binary value half to
 * even (`'%.0f' % 2.5 == '2'`), unlike `Number.prototype.toFixed`.
 */
import { affordText } from '../budget.js';
import { PyError } from './object.js';

/** `repr(float)` / `str(float)`: shortest round-trip digits, scientific below 1e-4 or from 1e16. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant = '', expText = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const exp = Number(expText);
  const decpt = exp + 1;
  if (decpt > -4 && decpt <= 16) return sign + placeDecimalPoint(digits, decpt, true);
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** `str(int)`, exact for integers beyond 2^53 that JS would print in exponent form. */
export function intRepr(n: number): string {
  if (Number.isSafeInteger(n)) return String(n);
  return Number.isFinite(n) ? BigInt(n).toString() : floatRepr(n);
}

function placeDecimalPoint(digits: string, decpt: number, forceFraction: boolean): string {
  let out: string;
  if (decpt <= 0) out = `0.${'0'.repeat(-decpt)}${digits}`;
  else if (decpt >= digits.length) out = digits + '0'.repeat(decpt - digits.length) + (forceFraction ? '.0' : '');
  else out = `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  return out;
}

/** Exact decimal digits of |x| (up to 100 significant) and the decimal point position. */
function exactDigits(x: number): { digits: string; decpt: number } {
  const [mant = '', expText = '0'] = Math.abs(x).toExponential(99).split('e');
  const digits = mant.replace('.', '').replace(/0+$/, '') || '0';
  return { digits, decpt: Number(expText) + 1 };
}

/** Rounds a digit string to `keep` digits, half to even; returns digits and a carry into a new digit. */
function roundDigits(digits: string, keep: number): { digits: string; carried: boolean } {
  if (keep < 0) return { digits: '', carried: false };
  if (digits.length <= keep) return { digits: digits.padEnd(keep, '0'), carried: false };
  const head = digits.slice(0, keep);
  const rest = digits.slice(keep);
  const first = rest.charCodeAt(0) - 48;
  const tail = rest.slice(1);
  const lastHead = keep > 0 ? head.charCodeAt(keep - 1) - 48 : 0;
  const roundUp = first > 5 || (first === 5 && (/[1-9]/.test(tail) || lastHead % 2 === 1));
  if (!roundUp) return { digits: head, carried: false };
  const arr = head.split('').map(Number);
  let i = arr.length - 1;
  while (i >= 0) {
    if (arr[i] === 9) {
      arr[i] = 0;
      i--;
    } else {
      arr[i] = (arr[i] ?? 0) + 1;
      break;
    }
  }
  if (i < 0) return { digits: `1${arr.join('')}`, carried: true };
  return { digits: arr.join(''), carried: false };
}

/** |x| in fixed-point with `precision` decimals (Python `'%.Nf'`), no sign. */
export function fixedDigits(x: number, precision: number): string {
  affordText(precision, () => `${precision} decimals`);
  if (x === 0) return precision > 0 ? `0.${'0'.repeat(precision)}` : '0';
  const { digits, decpt } = exactDigits(x);
  const keep = decpt + precision;
  if (keep < 0) return precision > 0 ? `0.${'0'.repeat(precision)}` : '0';
  const r = roundDigits(digits, keep);
  const pointAt = decpt + (r.carried ? 1 : 0);
  let intPart: string;
  let frac: string;
  if (pointAt <= 0) {
    intPart = '0';
    frac = '0'.repeat(-pointAt) + r.digits;
  } else {
    intPart = r.digits.slice(0, pointAt).padEnd(pointAt, '0');
    frac = r.digits.slice(pointAt);
  }
  frac = frac.padEnd(precision, '0').slice(0, precision);
  return precision > 0 ? `${intPart}.${frac}` : intPart;
}

/** |x| in scientific notation with `precision` decimals (Python `'%.Ne'`), no sign. */
export function expDigits(x: number, precision: number, upper = false): string {
  affordText(precision, () => `${precision} decimals`);
  let mantissa: string;
  let exp: number;
  if (x === 0) {
    mantissa = '0'.repeat(precision + 1);
    exp = 0;
  } else {
    const { digits, decpt } = exactDigits(x);
    const r = roundDigits(digits, precision + 1);
    mantissa = r.carried ? r.digits.slice(0, precision + 1) : r.digits;
    exp = decpt - 1 + (r.carried ? 1 : 0);
  }
  const m = precision > 0 ? `${mantissa[0]}.${mantissa.slice(1)}` : (mantissa[0] ?? '0');
  const e = `${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return m + e;
}

/** Decimal exponent of |x| after rounding to `sig` significant digits. */
function roundedExponent(x: number, sig: number): number {
  if (x === 0) return 0;
  const { digits, decpt } = exactDigits(x);
  return decpt - 1 + (roundDigits(digits, sig).carried ? 1 : 0);
}

function stripZeros(s: string): string {
  const [m = '', e] = s.split(/(?=[eE])/);
  const stripped = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
  return e === undefined ? stripped : stripped + e;
}

/**
 * |x| in general format (`'%g'`). `noType` selects the `format()` behaviour for an empty type code
 * with a precision: at least one fractional digit, scientific from `exp >= p - 1`.
 */
export function generalDigits(x: number, precision: number, alt: boolean, upper: boolean, noType = false): string {
  const p = precision === 0 ? 1 : precision;
  const exp = roundedExponent(x, p);
  const sciFrom = noType ? p - 1 : p;
  let out: string;
  if (exp >= -4 && exp < sciFrom) {
    out = fixedDigits(x, Math.max(p - 1 - exp, 0));
    if (!alt) out = stripZeros(out);
    if (noType && !out.includes('.')) out += '.0';
  } else {
    out = expDigits(x, p - 1, upper);
    if (!alt) out = stripZeros(out);
  }
  return out;
}

function specialFloat(x: number, upper: boolean): string | undefined {
  if (Number.isNaN(x)) return upper ? 'NAN' : 'nan';
  if (!Number.isFinite(x)) return upper ? 'INF' : 'inf';
  return undefined;
}

/** A parsed format specification (`[[fill]align][sign][z][#][0][width][grouping][.precision][type]`). */
export interface FormatSpec {
  fill: string;
  align: '' | '<' | '>' | '^' | '=';
  sign: '' | '+' | '-' | ' ';
  alt: boolean;
  zero: boolean;
  width: number | null;
  grouping: '' | ',' | '_';
  precision: number | null;
  type: string;
}

const SPEC_RE = /^(?:(.)?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([a-zA-Z%])?$/su;

export function parseFormatSpec(spec: string): FormatSpec {
  const m = SPEC_RE.exec(spec);
  if (!m) throw new PyError('ValueError', 'Invalid format specifier');
  const [, fill, align, sign, , alt, zero, width, grouping, precision, type] = m;
  if (width !== undefined) affordText(Number(width), () => `the format width ${width}`);
  return {
    fill: fill ?? ' ',
    align: (align ?? '') as FormatSpec['align'],
    sign: (sign ?? '') as FormatSpec['sign'],
    alt: alt !== undefined,
    zero: zero !== undefined,
    width: width !== undefined ? Number(width) : null,
    grouping: (grouping ?? '') as FormatSpec['grouping'],
    precision: precision !== undefined ? Number(precision) : null,
    type: type ?? '',
  };
}

function group(intDigits: string, sep: string, every: number): string {
  if (!sep) return intDigits;
  let out = '';
  for (let i = intDigits.length; i > 0; i -= every) out = intDigits.slice(Math.max(0, i - every), i) + (out ? sep + out : '');
  return out;
}

function groupNumber(body: string, sep: string, every: number): string {
  if (!sep) return body;
  const m = /^(\d+)(.*)$/s.exec(body);
  return m ? group(m[1] ?? '', sep, every) + (m[2] ?? '') : body;
}

/** Applies sign, fill, alignment and width around a formatted body. */
function pad(prefix: string, body: string, spec: FormatSpec, numeric: boolean): string {
  let fill = spec.fill;
  let align = spec.align;
  if (spec.zero && align === '') {
    fill = '0';
    align = numeric ? '=' : '<';
  }
  if (align === '') align = numeric ? '>' : '<';
  const width = spec.width ?? 0;
  const len = [...prefix].length + [...body].length;
  if (len >= width) return prefix + body;
  const n = width - len;
  switch (align) {
    case '<':
      return prefix + body + fill.repeat(n);
    case '>':
      return fill.repeat(n) + prefix + body;
    case '^':
      return fill.repeat(Math.floor(n / 2)) + prefix + body + fill.repeat(n - Math.floor(n / 2));
    case '=':
      return prefix + fill.repeat(n) + body;
  }
}

function signPrefix(negative: boolean, sign: FormatSpec['sign']): string {
  if (negative) return '-';
  if (sign === '+') return '+';
  if (sign === ' ') return ' ';
  return '';
}

/** `format(n, spec)` for an int (or bool with a non-empty spec). */
export function formatInt(n: number, spec: FormatSpec): string {
  const t = spec.type;
  if ('eEfFgG%'.includes(t) && t !== '') return formatFloat(n, spec);
  if (spec.precision !== null) throw new PyError('ValueError', 'Precision not allowed in integer format specifier');
  if (t === 'c') {
    if (spec.sign) throw new PyError('ValueError', "Sign not allowed with integer format specifier 'c'");
    return pad('', String.fromCodePoint(n), spec, true);
  }
  const radix: Record<string, number> = { '': 10, d: 10, n: 10, b: 2, o: 8, x: 16, X: 16 };
  const r = radix[t];
  if (r === undefined) throw new PyError('ValueError', `Unknown format code '${t}' for object of type 'int'`);
  const abs = Math.abs(n);
  let digits = Number.isSafeInteger(abs) ? abs.toString(r) : BigInt(abs).toString(r);
  if (t === 'X') digits = digits.toUpperCase();
  digits = group(digits, spec.grouping, r === 10 ? 3 : 4);
  const altPrefix = spec.alt ? ({ b: '0b', o: '0o', x: '0x', X: '0X' } as Record<string, string>)[t] ?? '' : '';
  return pad(signPrefix(n < 0, spec.sign) + altPrefix, digits, spec, true);
}

/** `format(x, spec)` for a float. `isFloat` is false when an int is formatted with a float code. */
export function formatFloat(x: number, spec: FormatSpec): string {
  const t = spec.type;
  const upper = t === 'E' || t === 'F' || t === 'G';
  const negative = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  let body: string;
  const special = specialFloat(abs, upper);
  if (special !== undefined) {
    body = special;
  } else {
    switch (t) {
      case 'f':
      case 'F':
        body = fixedDigits(abs, spec.precision ?? 6);
        if (spec.alt && !body.includes('.')) body += '.';
        break;
      case 'e':
      case 'E':
        body = expDigits(abs, spec.precision ?? 6, upper);
        break;
      case 'g':
      case 'G':
      case 'n':
        body = generalDigits(abs, spec.precision ?? 6, spec.alt, upper);
        break;
      case '%':
        body = `${fixedDigits(abs * 100, spec.precision ?? 6)}%`;
        break;
      case '':
        body = spec.precision === null ? floatRepr(abs) : generalDigits(abs, spec.precision, spec.alt, false, true);
        break;
      default:
        throw new PyError('ValueError', `Unknown format code '${t}' for object of type 'float'`);
    }
  }
  body = groupNumber(body, spec.grouping, 3);
  return pad(signPrefix(negative, spec.sign), body, spec, true);
}

/** `format(s, spec)` for a str. */
export function formatStr(s: string, spec: FormatSpec): string {
  if (spec.type !== '' && spec.type !== 's') throw new PyError('ValueError', `Unknown format code '${spec.type}' for object of type 'str'`);
  if (spec.sign) throw new PyError('ValueError', 'Sign not allowed in string format specifier');
  if (spec.align === '=') throw new PyError('ValueError', "'=' alignment not allowed in string format specifier");
  const chars = [...s];
  const body = spec.precision !== null ? chars.slice(0, spec.precision).join('') : s;
  return pad('', body, spec, false);
}

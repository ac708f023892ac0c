/**
 * Python's `str()`, `repr()` and `json.dumps()` over engine values, so that `{{ True }}` prints
 * `True`, `{{ ['a'] }}` prints `['a']` and `| tojson` matches Jinja's output byte for byte.
 */
import { pythonJsonString } from '../../../util/python-json.js';
import { chargeCharLoop, chargeSteps, chargeText } from '../budget.js';
import { floatRepr, intRepr } from '../py/numbers.js';
import { PyError } from '../py/object.js';
import {
  NamedFunctionValue,
  NamedUndefined,
  entriesOf,
  hostOf,
  isTuple,
  itemsOf,
  type RV,
} from './values.js';

/**
 * How Jinja's `Undefined` behaves: `strict` is `StrictUndefined` (using one raises); otherwise
 * `jinja2.Undefined` (prints as ''), with `chainable` (`ChainableUndefined`: its attributes and items
 * are undefined too, instead of raising) or `debug` (`DebugUndefined`: prints as `{{ name }}`).
 */
export interface Mode {
  readonly strict: boolean;
  readonly chainable?: boolean;
  readonly debug?: boolean;
}

/** What `DebugUndefined` prints for an undefined value (Jinja's DebugUndefined.__str__). */
export function debugUndefinedText(v: RV): string {
  const named = v instanceof NamedUndefined ? v : undefined;
  return `{{ ${named?.debugText ?? `undefined value printed: ${named?.hint ?? 'undefined value'}`} }}`;
}

/** The `UndefinedError` raised when an undefined value is used. */
export function undefinedError(v: RV): PyError {
  return new PyError('UndefinedError', v instanceof NamedUndefined ? v.hint : 'undefined value');
}

/** Python type name of an engine value, as Python error messages show it. */
export function typeName(v: RV): string {
  const host = hostOf(v);
  if (host) return host.pyTypeName;
  switch (v.type) {
    case 'StringValue':
      return 'str';
    case 'IntegerValue':
      return 'int';
    case 'FloatValue':
      return 'float';
    case 'BooleanValue':
      return 'bool';
    case 'NullValue':
      return 'NoneType';
    case 'UndefinedValue':
      return 'Undefined';
    case 'ArrayValue':
    case 'TupleValue':
      return isTuple(v) ? 'tuple' : 'list';
    case 'ObjectValue':
    case 'KeywordArgumentsValue':
      return 'dict';
    case 'NamespaceValue':
      return 'Namespace';
    case 'FunctionValue':
      return v instanceof NamedFunctionValue ? 'builtin_function_or_method' : 'function';
    default:
      return v.type;
  }
}

/** Jinja's `object_type_repr`: `'dict object'`, `'None'`. */
export function objectTypeRepr(v: RV): string {
  if (v.type === 'NullValue') return 'None';
  return `${typeName(v)} object`;
}

/** Printable ASCII without `'` and `\`: the repr is the text in single quotes. */
const PLAIN_REPR = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

/** Python `repr(str)`. */
export function strRepr(s: string): string {
  if (PLAIN_REPR.test(s)) return `'${s}'`;
  chargeCharLoop(s.length);
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp > 0x7f && /[\p{C}\p{Z}]/u.test(ch) && ch !== ' ') {
      out += cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python `str(value)`; an undefined value is `''`, or an `UndefinedError` in strict mode. */
export function pyStr(v: RV, mode: Mode): string {
  switch (v.type) {
    case 'StringValue':
      return v.value as string;
    case 'UndefinedValue':
      if (mode.strict) throw undefinedError(v);
      return mode.debug ? debugUndefinedText(v) : '';
    default: {
      const host = hostOf(v);
      if (host) return host.str();
      return pyRepr(v);
    }
  }
}

/**
 * Python `repr(value)`. A container may hold the same value many times (`[[big] * 1000] * 1000`), so
 * each container visited is charged for its items and each string for its text as the repr is built.
 */
export function pyRepr(v: RV): string {
  const host = hostOf(v);
  if (host) return host.repr();
  switch (v.type) {
    case 'StringValue': {
      const text = strRepr(v.value as string);
      chargeText(text.length);
      return text;
    }
    case 'IntegerValue':
      return intRepr(v.value as number);
    case 'FloatValue':
      return floatRepr(v.value as number);
    case 'BooleanValue':
      return v.value ? 'True' : 'False';
    case 'NullValue':
      return 'None';
    case 'UndefinedValue':
      return 'Undefined';
    case 'ArrayValue':
    case 'TupleValue': {
      chargeSteps(itemsOf(v).length);
      const items = itemsOf(v).map(pyRepr);
      if (!isTuple(v)) return `[${items.join(', ')}]`;
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    }
    case 'ObjectValue':
    case 'KeywordArgumentsValue':
      chargeSteps(entriesOf(v).size);
      return `{${[...entriesOf(v)].map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
    case 'NamespaceValue':
      return `<Namespace {${[...entriesOf(v)].map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(', ')}}>`;
    case 'FunctionValue':
      return v instanceof NamedFunctionValue ? `<built-in method ${v.pyName}>` : '<function>';
    default:
      return String(v.value);
  }
}

export interface JsonOptions {
  sortKeys?: boolean;
  indent?: number | string | null;
  /** Escape `<`, `>`, `&` and `'` as Jinja's `tojson` (htmlsafe_json_dumps) does. */
  htmlSafe?: boolean;
  ensureAscii?: boolean;
  separators?: readonly [string, string] | null;
}

/** Python's `json.dumps` (ensure_ascii on by default). */
export function jsonDumps(v: RV, options: JsonOptions = {}): string {
  const ensureAscii = options.ensureAscii ?? true;
  const indent = options.indent === null || options.indent === undefined ? null : typeof options.indent === 'number' ? ' '.repeat(options.indent) : options.indent;
  const [itemSep, keySep] = options.separators ?? (indent === null ? [', ', ': '] : [',', ': ']);
  const dump = (x: RV, depth: number): string => {
    switch (x.type) {
      case 'NullValue':
        return 'null';
      case 'BooleanValue':
        return x.value ? 'true' : 'false';
      case 'IntegerValue':
        return intRepr(x.value as number);
      case 'FloatValue': {
        const n = x.value as number;
        if (Number.isNaN(n)) return 'NaN';
        if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
        return floatRepr(n);
      }
      case 'StringValue': {
        const text = pythonJsonString(x.value as string, ensureAscii);
        chargeText(text.length);
        return text;
      }
      default:
        break;
    }
    const isList = (x.type === 'ArrayValue' || x.type === 'TupleValue') && !hostOf(x);
    const isMap = (x.type === 'ObjectValue' || x.type === 'KeywordArgumentsValue' || x.type === 'NamespaceValue') && !hostOf(x);
    if (!isList && !isMap) {
      const name = hostOf(x)?.pyTypeName.replace(/^datetime\./, '') ?? typeName(x);
      throw new PyError('TypeError', `Object of type ${name} is not JSON serializable`);
    }
    chargeSteps(isList ? itemsOf(x).length : entriesOf(x).size);
    const parts: string[] = isList
      ? itemsOf(x).map((i) => dump(i, depth + 1))
      : (() => {
          let entries = [...entriesOf(x)];
          if (options.sortKeys) entries = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
          return entries.map(([k, i]) => `${pythonJsonString(k, ensureAscii)}${keySep}${dump(i, depth + 1)}`);
        })();
    const [open, close] = isList ? ['[', ']'] : ['{', '}'];
    if (parts.length === 0) return open + close;
    if (indent === null) return open + parts.join(itemSep) + close;
    const inner = `\n${indent.repeat(depth + 1)}`;
    return `${open}${inner}${parts.join(itemSep + inner)}\n${indent.repeat(depth)}${close}`;
  };
  const out = dump(v, 0);
  if (!options.htmlSafe) return out;
  return out.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
}

/**
 * Python's text conversions: str()/repr() of every value, the format-spec mini-language (used by
 * f-strings, format() and str.format), `%` formatting, and str.format's field syntax.
 */
import { checkStringLength } from './budget.js';
import { dateIso, datetimeRepr, datetimeStr, strftime, timedeltaRepr, timedeltaStr, timeIso, timeRepr } from './datetimes.js';
import {
  DynamicResult,
  INVALID,
  PyFail,
  dynamic,
  isEnumMember,
  mappedArgumentOpaque,
  hashKey,
  numeric,
  typeName,
  type Interp,
  type Value,
} from './values.js';

// ---------------------------------------------------------------- str / repr

/** Python's repr of a float: shortest round-trip digits, exponent outside [1e-4, 1e16). */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, e] = x.toExponential().split('e') as [string, string];
  const exp = parseInt(e, 10);
  const sign = x < 0 ? '-' : '';
  const digits = mant.replace('-', '').replace('.', '');
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      return `${sign}${intPart}.${digits.slice(exp + 1) || '0'}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** The XComArg text Airflow renders for `str(xcom_arg)`: a Jinja xcom_pull. */
export function xcomPullTemplate(taskId: string, dagId: string, key: string): string {
  return `{{ task_instance.xcom_pull(task_ids='${taskId}', dag_id='${dagId}', key='${key}') }}`;
}

function opaqueText(v: Value): never {
  if (v.t === 'dynamic' || v.t === 'invalid') throw new DynamicResult(v);
  if (v.t === 'external') {
    throw new DynamicResult(dynamic(`${[v.module, ...v.path].join('.')}`, v.from, 'values defined in other modules are not read by skydag; define the value in the DAG file'));
  }
  if (v.t === 'mappedarg') throw new DynamicResult(mappedArgumentOpaque(v));
  if (v.t === 'dagparam') {
    throw new DynamicResult(dynamic(`the @dag parameter '${v.name}'`, 0, `@dag parameters are only known at run time; use '{{ params.${v.name} }}' in a templated field`));
  }
  throw new DynamicResult(INVALID);
}

export function pyStr(v: Value): string {
  switch (v.t) {
    case 'str':
      return v.v;
    case 'datetime':
      return datetimeStr(v);
    case 'date':
      return dateIso(v);
    case 'timedelta':
      return timedeltaStr(v);
    case 'time':
      return timeIso(v);
    case 'tz':
      return v.name;
    case 'xcom':
      return xcomPullTemplate(v.task.taskId, v.task.dag.dagId, v.key);
    case 'object':
      if (v.path !== undefined) return v.path;
      if (isEnumMember(v)) return enumStr(v);
      if (v.exception) return exceptionStr(v);
      return pyRepr(v);
    default:
      return pyRepr(v);
  }
}

function exceptionArgs(v: Extract<Value, { t: 'object' }>): Value[] {
  const args = v.attrs.get('args');
  return args && args.t === 'tuple' ? args.items : [];
}

/** Python's str(exception): '' without arguments, its one argument's str (a KeyError's repr), else the args tuple. */
function exceptionStr(v: Extract<Value, { t: 'object' }>): string {
  const args = exceptionArgs(v);
  if (args.length === 0) return '';
  if (args.length > 1) return pyRepr({ t: 'tuple', items: args });
  return v.kind === 'KeyError' ? pyRepr(args[0]!) : pyStr(args[0]!);
}

/** str() of an enum member: `Color.RED`, or an IntEnum's / StrEnum's value (Python 3.11+). */
function enumStr(v: Extract<Value, { t: 'object' }>): string {
  const value = v.attrs.get('_value_')!;
  return v.cls!.enum!.reprEnum ? pyStr(value) : `${v.cls!.name}.${pyStr(v.attrs.get('_name_')!)}`;
}

export function pyRepr(v: Value): string {
  switch (v.t) {
    case 'none':
      return 'None';
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'int':
      return String(v.v);
    case 'float':
      return floatRepr(v.v);
    case 'str':
      return strRepr(v.v);
    case 'list':
      return `[${v.items.map(pyRepr).join(', ')}]`;
    case 'tuple':
      return v.items.length === 1 ? `(${pyRepr(v.items[0]!)},)` : `(${v.items.map(pyRepr).join(', ')})`;
    case 'set':
      return v.map.size ? `{${[...v.map.values()].map(pyRepr).join(', ')}}` : 'set()';
    case 'dict':
      return `{${[...v.map.values()].map(([k, val]) => `${pyRepr(k)}: ${pyRepr(val)}`).join(', ')}}`;
    case 'function':
      return `<function ${v.name}>`;
    case 'taskflow':
      return `<function ${v.tf.fn.name}>`;
    case 'dagfn':
    case 'groupfn':
      return `<function ${v.fn.name}>`;
    case 'native':
      return `<built-in function ${v.name}>`;
    case 'module':
      return `<module '${v.name}'>`;
    case 'class':
      return `<class '${v.name}'>`;
    case 'operator_class':
      return `<class '${v.module ? v.module + '.' : ''}${v.className}'>`;
    case 'dag':
      return `<DAG: ${v.dag.dagId}>`;
    case 'task':
      return `<Task(${v.task.operatorName}): ${v.task.taskId}>`;
    case 'group':
      return `<TaskGroup: ${v.group.groupId}>`;
    case 'xcom':
      return `XComArg(<Task(${v.task.operatorName}): ${v.task.taskId}>${v.key === 'return_value' ? '' : `, '${v.key}'`})`;
    case 'label':
      return `Label(${strRepr(v.label.label)})`;
    case 'datetime':
      return datetimeRepr(v);
    case 'date':
      return `datetime.date(${v.y}, ${v.m}, ${v.d})`;
    case 'timedelta':
      return timedeltaRepr(v);
    case 'time':
      return timeRepr(v);
    case 'tz':
      return `Timezone('${v.name}')`;
    case 'object':
      if (v.path !== undefined) return `PosixPath(${strRepr(v.path)})`;
      if (isEnumMember(v)) return `<${v.cls.name}.${pyStr(v.attrs.get('_name_')!)}: ${pyRepr(v.attrs.get('_value_')!)}>`;
      if (v.exception) return `${v.kind}(${exceptionArgs(v).map(pyRepr).join(', ')})`;
      return `<${v.kind} object>`;
    default:
      return opaqueText(v);
  }
}

// ---------------------------------------------------------------- format spec

interface Spec {
  fill: string;
  align: string | null;
  sign: string;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: string;
  precision: number | null;
  type: string;
}

function parseSpec(spec: string): Spec {
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([a-zA-Z%])?$/su.exec(spec);
  if (!m) throw new PyFail(`Invalid format specifier '${spec}'`);
  return {
    fill: m[1] ?? (m[6] && !m[2] ? '0' : ' '),
    align: m[2] ?? (m[6] ? '=' : null),
    sign: m[3] ?? '-',
    alt: m[5] !== undefined,
    zero: m[6] !== undefined,
    width: m[7] ? parseInt(m[7], 10) : 0,
    grouping: m[8] ?? '',
    precision: m[9] !== undefined ? parseInt(m[9], 10) : null,
    type: m[10] ?? '',
  };
}

function group(intDigits: string, sep: string, every = 3): string {
  if (!sep) return intDigits;
  let out = '';
  for (let i = 0; i < intDigits.length; i++) {
    if (i > 0 && (intDigits.length - i) % every === 0) out += sep;
    out += intDigits[i];
  }
  return out;
}

function expNotation(x: number, precision: number, upper: boolean): string {
  const s = x.toExponential(precision).replace(/e([+-])(\d)$/, 'e$10$2');
  return upper ? s.toUpperCase() : s;
}

/** Python's 'g' format: fixed or exponent depending on magnitude, trailing zeros removed. */
function generalNotation(x: number, precision: number, alt: boolean, upper: boolean): string {
  const p = precision === 0 ? 1 : precision;
  checkStringLength(p);
  if (x === 0) return alt ? '0.' + '0'.repeat(p - 1) : '0';
  const exp = parseInt(x.toExponential(p - 1).split('e')[1]!, 10);
  let s = exp >= -4 && exp < p ? x.toFixed(Math.max(0, p - 1 - exp)) : expNotation(x, p - 1, upper);
  if (!alt) s = s.replace(/\.0+(?=$|e|E)/, '').replace(/(\.\d*?)0+(?=$|e|E)/, '$1');
  return s;
}

function formatNumber(v: number, isInt: boolean, s: Spec): string {
  let type = s.type;
  if (type === '' || type === 'n') type = isInt ? 'd' : s.precision !== null ? 'g' : 'r';
  if (isInt === false && 'dxXobc'.includes(type)) throw new PyFail(`Unknown format code '${type}' for object of type 'float'`);
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  let body: string;
  let prefix = '';
  switch (type) {
    case 'd':
      body = group(String(a), s.grouping);
      break;
    case 'x':
    case 'X':
      body = a.toString(16);
      if (type === 'X') body = body.toUpperCase();
      if (s.alt) prefix = type === 'X' ? '0X' : '0x';
      body = group(body, s.grouping === '_' ? '_' : '', 4);
      break;
    case 'o':
      body = a.toString(8);
      if (s.alt) prefix = '0o';
      break;
    case 'b':
      body = a.toString(2);
      if (s.alt) prefix = '0b';
      break;
    case 'c':
      return String.fromCodePoint(v);
    case 'f':
    case 'F': {
      if (!Number.isFinite(a)) body = Number.isNaN(a) ? 'nan' : 'inf';
      else {
        const [i, f] = a.toFixed(s.precision ?? 6).split('.') as [string, string | undefined];
        body = group(i, s.grouping) + (f !== undefined ? '.' + f : s.alt ? '.' : '');
      }
      if (type === 'F') body = body.toUpperCase();
      break;
    }
    case 'e':
    case 'E':
      body = expNotation(a, s.precision ?? 6, type === 'E');
      break;
    case 'g':
    case 'G':
      body = generalNotation(a, s.precision ?? 6, s.alt, type === 'G');
      break;
    case '%': {
      const [i, f] = (a * 100).toFixed(s.precision ?? 6).split('.') as [string, string | undefined];
      body = group(i, s.grouping) + (f !== undefined ? '.' + f : '') + '%';
      break;
    }
    case 'r':
      body = floatRepr(a);
      break;
    default:
      throw new PyFail(`Unknown format code '${type}' for object of type '${isInt ? 'int' : 'float'}'`);
  }
  const sign = neg && (v !== 0 || type !== 'd') ? '-' : s.sign === '+' ? '+' : s.sign === ' ' ? ' ' : '';
  return pad(sign + prefix, body, s, '>');
}

function pad(signPrefix: string, body: string, s: Spec, defaultAlign: string): string {
  const total = signPrefix.length + body.length;
  if (s.width <= total) return signPrefix + body;
  checkStringLength(s.width);
  const fill = s.fill.repeat(s.width - total);
  const align = s.align ?? defaultAlign;
  if (align === '<') return signPrefix + body + fill;
  if (align === '=') return signPrefix + fill + body;
  if (align === '^') {
    const left = Math.floor((s.width - total) / 2);
    return s.fill.repeat(left) + signPrefix + body + s.fill.repeat(s.width - total - left);
  }
  return fill + signPrefix + body;
}

/** `format(value, spec)`: what f"{value:spec}" produces. */
export function formatValue(v: Value, spec: string): string {
  // Python 3.11+: an IntEnum's / StrEnum's member formats as its value, any other as its str().
  if (isEnumMember(v)) return formatValue(v.cls.enum.reprEnum ? v.attrs.get('_value_')! : { t: 'str', v: enumStr(v) }, spec);
  if (v.t === 'datetime' || v.t === 'date') return spec ? strftime(v, spec) : pyStr(v);
  if (spec === '') return pyStr(v);
  const s = parseSpec(spec);
  if (v.t === 'int' || v.t === 'float' || v.t === 'bool') {
    if (v.t === 'bool' && s.type === '') return pad('', pyStr(v), s, '<');
    return formatNumber(numeric(v), v.t !== 'float', s);
  }
  if (v.t === 'str') {
    if (s.type !== '' && s.type !== 's') throw new PyFail(`Unknown format code '${s.type}' for object of type 'str'`);
    const text = s.precision !== null ? v.v.slice(0, s.precision) : v.v;
    return pad('', text, s, '<');
  }
  if (v.t === 'dynamic' || v.t === 'invalid' || v.t === 'external' || v.t === 'dagparam' || v.t === 'mappedarg') return opaqueText(v);
  throw new PyFail(`unsupported format string passed to ${typeName(v)}.__format__`);
}

export function convert(v: Value, conversion: 'r' | 's' | 'a' | null): Value {
  if (conversion === 'r' || conversion === 'a') return { t: 'str', v: pyRepr(v) };
  if (conversion === 's') return { t: 'str', v: pyStr(v) };
  return v;
}

// ---------------------------------------------------------------- % formatting

/** `fmt % args` for str. */
export function percentFormat(fmt: string, args: Value): string {
  const positional = args.t === 'tuple' ? args.items : [args];
  const mapping = args.t === 'dict' ? args : null;
  let index = 0;
  const next = (): Value => {
    const v = positional[index++];
    if (v === undefined) throw new PyFail('not enough arguments for format string');
    return v;
  };
  const out = fmt.replace(/%(?:\(([^)]*)\))?([-+ #0]*)(\d+|\*)?(?:\.(\d+))?([diouxXeEfFgGcrsa%])/g, (_m, name: string | undefined, flags: string, width: string | undefined, precision: string | undefined, type: string) => {
    if (type === '%') return '%';
    let v: Value;
    if (name !== undefined) {
      if (!mapping) throw new PyFail('format requires a mapping');
      const entry = mapping.map.get(hashKey({ t: 'str', v: name }));
      if (!entry) throw new PyFail(`KeyError: '${name}'`);
      v = entry[1];
    } else v = next();
    const spec: Spec = {
      fill: flags.includes('0') && !flags.includes('-') ? '0' : ' ',
      align: flags.includes('-') ? '<' : flags.includes('0') ? '=' : '>',
      sign: flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '-',
      alt: flags.includes('#'),
      zero: flags.includes('0'),
      width: width && width !== '*' ? parseInt(width, 10) : 0,
      grouping: '',
      precision: precision !== undefined ? parseInt(precision, 10) : null,
      type: type === 'i' || type === 'u' ? 'd' : type,
    };
    if (type === 's' || type === 'r' || type === 'a') {
      const text = type === 's' ? pyStr(v) : pyRepr(v);
      return pad('', spec.precision !== null ? text.slice(0, spec.precision) : text, { ...spec, fill: ' ' }, flags.includes('-') ? '<' : '>');
    }
    if (v.t === 'dynamic' || v.t === 'invalid' || v.t === 'external' || v.t === 'dagparam' || v.t === 'mappedarg') opaqueText(v);
    // An IntEnum member formats as its value.
    if (isEnumMember(v) && v.cls.enum.mixin === 'int') v = v.attrs.get('_value_')!;
    if (v.t !== 'int' && v.t !== 'float' && v.t !== 'bool') throw new PyFail(`%${type} format: a number is required, not ${typeName(v)}`);
    const n = numeric(v);
    if (spec.type === 'd') return formatNumber(Math.trunc(n), true, spec);
    if ('xXoc'.includes(spec.type)) {
      if (v.t === 'float') throw new PyFail(`%${type} format: an integer is required, not float`);
      return formatNumber(n, true, spec);
    }
    return formatNumber(n, false, spec);
  });
  if (mapping === null && index < positional.length && args.t === 'tuple') throw new PyFail('not all arguments converted during string formatting');
  return out;
}

// ---------------------------------------------------------------- str.format

/** `template.format(*args, **kwargs)`. */
export function strFormat(template: string, args: Value[], kwargs: Map<string, Value>, interp: Interp, from: number): string {
  let auto = 0;
  const resolve = (field: string): Value => {
    const m = /^([^.[]*)(.*)$/s.exec(field)!;
    const head = m[1]!;
    let v: Value | undefined;
    if (head === '') v = args[auto++];
    else if (/^\d+$/.test(head)) v = args[parseInt(head, 10)];
    else v = kwargs.get(head);
    if (v === undefined) throw new PyFail(head === '' || /^\d+$/.test(head) ? 'Replacement index out of range for positional args tuple' : `KeyError: '${head}'`);
    let rest = m[2]!;
    while (rest) {
      const attr = /^\.(\w+)/.exec(rest);
      if (attr) {
        v = interp.getAttr(v, attr[1]!, from);
        rest = rest.slice(attr[0].length);
        continue;
      }
      const idx = /^\[([^\]]*)\]/.exec(rest);
      if (!idx) throw new PyFail(`invalid format field '${field}'`);
      const key: Value = /^\d+$/.test(idx[1]!) ? { t: 'int', v: parseInt(idx[1]!, 10) } : { t: 'str', v: idx[1]! };
      v = subscriptForFormat(v, key);
      rest = rest.slice(idx[0].length);
    }
    return v;
  };
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === '{' && template[i + 1] === '{') {
      out += '{';
      i += 2;
    } else if (c === '}' && template[i + 1] === '}') {
      out += '}';
      i += 2;
    } else if (c === '{') {
      // Find the matching brace (specs may nest one level of fields).
      let depth = 1;
      let j = i + 1;
      while (j < template.length && depth > 0) {
        if (template[j] === '{') depth += 1;
        else if (template[j] === '}') depth -= 1;
        j += 1;
      }
      if (depth > 0) throw new PyFail("Single '{' encountered in format string");
      const inner = template.slice(i + 1, j - 1);
      const m = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/s.exec(inner);
      if (!m) throw new PyFail(`invalid format field '{${inner}}'`);
      const value = convert(resolve(m[1]!), (m[2] as 'r' | 's' | 'a' | undefined) ?? null);
      const spec = (m[3] ?? '').replace(/\{([^{}]*)\}/g, (_x, f: string) => pyStr(resolve(f)));
      out += formatValue(value, spec);
      i = j;
    } else if (c === '}') {
      throw new PyFail("Single '}' encountered in format string");
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function subscriptForFormat(v: Value, key: Value): Value {
  if ((v.t === 'list' || v.t === 'tuple') && key.t === 'int') {
    const item = v.items[key.v];
    if (item === undefined) throw new PyFail('IndexError: index out of range');
    return item;
  }
  if (v.t === 'dict') {
    const entry = v.map.get(hashKey(key));
    if (!entry) throw new PyFail(`KeyError: ${pyRepr(key)}`);
    return entry[1];
  }
  if (v.t === 'dynamic' || v.t === 'invalid') throw new DynamicResult(v);
  throw new PyFail(`'${typeName(v)}' object is not subscriptable`);
}

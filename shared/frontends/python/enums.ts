/**
 * Enum classes of the DAG file and its modules (`class Env(str, Enum)`, IntEnum, StrEnum), made as
 * Python's EnumType makes them: the class body is evaluated like a plain class's, and each of its
 * names that is not a function, a descriptor or a `_private_` name becomes a member with `.name` and
 * `.value` (`auto()` numbered from 1, or the lower-cased name for StrEnum; a repeated value is an
 * alias of its first member). Members are read by name (`Env.DEV`, `Env['DEV']`), by value
 * (`Env('dev')`) and iterated in definition order (aliases skipped); methods defined in the body
 * work as on plain classes. A member of an enum mixed with str or int also is that value (values.ts
 * enumData): it compares, hashes, adds and takes the value's methods. str()/format() follow Python
 * 3.11+ (formatting.ts). Flag and IntFlag stay opaque.
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import type { Expr } from './ast.js';
import { pyRepr, pyStr } from './formatting.js';
import { fn } from './natives.js';
import { CLASSMETHOD, PROPERTY, STATICMETHOD } from './plain-classes.js';
import { PyError, PyFail, hashKey, int, pyEquals, str, type ClassV, type EnumInfo, type ObjectV, type PlainClass, type Value } from './values.js';

const AUTO_KIND = 'enum.auto';

function enumBase(name: string, mixin: EnumInfo['mixin'], reprEnum: boolean): ClassV {
  return { t: 'class', name, baseNames: [], operator: null, from: 0, plain: { namespace: new Map(), bases: [] }, enum: { members: new Map(), mixin, reprEnum } };
}

/** The `enum` module: what DAG files use of it. */
export const ENUM_MODULE: Record<string, Value> = {
  Enum: enumBase('Enum', null, false),
  IntEnum: enumBase('IntEnum', 'int', true),
  StrEnum: enumBase('StrEnum', 'str', true),
  auto: fn('auto', 'enum', () => ({ t: 'object', kind: AUTO_KIND, attrs: new Map() })),
  // Applied when the class is made (see isUniqueDecorator): the decorator itself returns its class.
  unique: fn('unique', 'enum', (args) => args[0]!),
};

/** `@unique` / `@enum.unique` over a class statement. */
export function isUniqueDecorator(d: Expr): boolean {
  return (d.k === 'name' && d.id === 'unique') || (d.k === 'attr' && d.name === 'unique' && d.obj.k === 'name' && d.obj.id === 'enum');
}

/** The mixin data type a base adds (`str`, `int`), undefined for any other base. */
export function mixinOf(base: Value): EnumInfo['mixin'] | undefined {
  return base.t === 'native' && base.module === 'builtins' && (base.name === 'str' || base.name === 'int') ? base.name : undefined;
}

const isDescriptor = (v: Value): boolean =>
  v.t === 'function' || v.t === 'native' || v.t === 'class' || (v.t === 'object' && (v.kind === STATICMETHOD || v.kind === CLASSMETHOD || v.kind === PROPERTY));
const isPrivateName = (name: string): boolean => (name.startsWith('_') && name.endsWith('_')) || name.startsWith('__');

/**
 * Makes the members of an enum class whose body bound `plain.namespace`: they replace the body's
 * values there, so `Env.DEV` reads the member. `unique`: the class was decorated with `@unique`.
 */
export function makeEnum(name: string, from: number, baseNames: string[], plain: PlainClass, mixin: EnumInfo['mixin'], reprEnum: boolean, unique: boolean): ClassV {
  const cls: ClassV = { t: 'class', name, baseNames, operator: null, from, plain, enum: { members: new Map(), mixin, reprEnum } };
  const members = cls.enum!.members;
  const canonical: ObjectV[] = [];
  // Members by their value's hash key (a value Python cannot hash, e.g. a list, is compared one by one).
  const byValue = new Map<string, ObjectV>();
  const keyOf = (v: Value): string | undefined => {
    try {
      return hashKey(v);
    } catch {
      return undefined;
    }
  };
  for (const [key, raw] of plain.namespace) {
    if (isPrivateName(key) || isDescriptor(raw)) continue;
    let value = raw.t === 'object' && raw.kind === AUTO_KIND ? autoValue(key, canonical, mixin, reprEnum) : raw;
    if (mixin === 'str') value = strValue(name, key, value, reprEnum, from);
    else if (mixin === 'int') value = intValue(name, key, value, from);
    const hashed = keyOf(value);
    const first = hashed !== undefined ? byValue.get(hashed) : canonical.find((m) => pyEquals(m.attrs.get('_value_')!, value));
    if (first) {
      if (unique) throw new PyError(DiagnosticCode.EVALUATION, `ValueError: duplicate values found in <enum '${name}'>: ${key} -> ${pyStr(first.attrs.get('_name_')!)}`, from);
      members.set(key, first);
    } else {
      const member: ObjectV = { t: 'object', kind: name, cls, attrs: new Map([['name', str(key)], ['value', value], ['_name_', str(key)], ['_value_', value]]) };
      canonical.push(member);
      if (hashed !== undefined) byValue.set(hashed, member);
      members.set(key, member);
    }
    plain.namespace.set(key, members.get(key)!);
  }
  return cls;
}

/** Python's `_generate_next_value_`: the last int value plus one (1 first); StrEnum: the lower-cased name. */
function autoValue(name: string, before: ObjectV[], mixin: EnumInfo['mixin'], reprEnum: boolean): Value {
  if (mixin === 'str' && reprEnum) return str(name.toLowerCase());
  for (let i = before.length - 1; i >= 0; i--) {
    const v = before[i]!.attrs.get('_value_')!;
    if (v.t === 'int') return int(v.v + 1);
  }
  return int(1);
}

function strValue(cls: string, key: string, v: Value, strict: boolean, from: number): Value {
  if (v.t === 'str') return v;
  // StrEnum refuses non-strings; `class E(str, Enum)` converts as str() does.
  if (strict) throw new PyError(DiagnosticCode.EVALUATION, `${pyRepr(v)} is not a string (${cls}.${key})`, from);
  return str(pyStr(v));
}

function intValue(cls: string, key: string, v: Value, from: number): Value {
  if (v.t === 'int') return v;
  if (v.t === 'bool') return int(v.v ? 1 : 0);
  if (v.t === 'float' && Number.isInteger(v.v)) return int(v.v);
  throw new PyError(DiagnosticCode.EVALUATION, `${cls}.${key}: ${pyRepr(v)} is not an int`, from);
}

/** The members of an enum, aliases left out, in definition order (iteration, len()). */
export function enumMembers(cls: ClassV & { enum: EnumInfo }): ObjectV[] {
  return [...cls.enum.members].filter(([key, m]) => pyStr(m.attrs.get('_name_')!) === key).map(([, m]) => m);
}

/** `Env(value)`: the member with that value (a member passed is itself). */
export function enumByValue(cls: ClassV & { enum: EnumInfo }, value: Value): ObjectV {
  if (value.t === 'object' && value.cls === cls) return value;
  const hit = enumMembers(cls).find((m) => pyEquals(m.attrs.get('_value_')!, value));
  if (!hit) throw new PyFail(`ValueError: ${pyRepr(value)} is not a valid ${cls.name}`);
  return hit;
}

/** `Env['DEV']`: the member of that name (aliases too). */
export function enumByName(cls: ClassV & { enum: EnumInfo }, key: Value): ObjectV {
  const hit = key.t === 'str' ? cls.enum.members.get(key.v) : undefined;
  if (!hit) throw new PyFail(`KeyError: ${pyRepr(key)}`);
  return hit;
}

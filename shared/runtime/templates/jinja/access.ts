/**
 * Attribute and item access, calls and iteration with Jinja's rules:
 * - `obj.name` tries the attribute, then `obj['name']`; `obj[key]` tries the item, then the attribute;
 *   what is missing is `Undefined` (printing empty, or failing in strict mode), never an exception;
 * - using an undefined value as an object (`missing.x`, `missing()`) is an `UndefinedError`;
 * - like Airflow's sandbox, names starting with `__` are refused.
 */
import { chargeCharLoop, chargeSteps } from '../budget.js';
import { MISSING, PyError } from '../py/object.js';
import { builtinMethod, type MethodContext } from './methods.js';
import { objectTypeRepr, pyRepr, typeName, undefinedError, type Mode } from './repr.js';
import {
  NamedUndefined,
  entriesOf,
  fnOf,
  fromRV,
  hostOf,
  isDict,
  isNamespace,
  isSeq,
  isStr,
  isUndef,
  itemsOf,
  mk,
  strOf,
  toRV,
  type RV,
} from './values.js';
import type { Environment } from '@huggingface/jinja';

function noAttribute(obj: RV, name: string): RV {
  return new NamedUndefined(`'${objectTypeRepr(obj)}' has no attribute '${name}'`, `no such element: ${objectTypeRepr(obj)}[${pyRepr(mk.str(name))}]`);
}

function noElement(obj: RV, key: RV): RV {
  const k = key.type === 'StringValue' ? `'${strOf(key)}'` : String(key.value);
  return new NamedUndefined(`${objectTypeRepr(obj)} has no element ${k}`, `no such element: ${objectTypeRepr(obj)}[${pyRepr(key)}]`);
}

/** Per-render access semantics (the undefined mode decides what using `Undefined` does). */
export class Access implements MethodContext {
  constructor(readonly mode: Mode) {}

  /** An attribute or item of an undefined value: itself with ChainableUndefined, else an UndefinedError. */
  private undefinedMember(obj: RV): RV {
    if (this.mode.chainable) return obj;
    throw undefinedError(obj);
  }

  getattr(obj: RV, name: string): RV {
    if (name.startsWith('__')) {
      // Jinja's sandbox answers an unsafe attribute with an undefined value.
      return new NamedUndefined(`access to attribute '${name}' of '${typeName(obj)}' object is unsafe.`);
    }
    if (isUndef(obj)) return this.undefinedMember(obj);
    const host = hostOf(obj);
    if (host) {
      let v = host.getattr(name);
      if (v === MISSING) v = host.getitem(name);
      return v === MISSING ? noAttribute(obj, name) : toRV(v);
    }
    const method = builtinMethod(obj, name, this);
    if (method) return method;
    if (isDict(obj) || isNamespace(obj)) return entriesOf(obj).get(name) ?? noAttribute(obj, name);
    return noAttribute(obj, name);
  }

  /** Attribute only, without the item fallback (Jinja's `attr` filter). */
  attribute(obj: RV, name: string): RV {
    if (name.startsWith('__')) return new NamedUndefined(`access to attribute '${name}' of '${typeName(obj)}' object is unsafe.`);
    if (isUndef(obj)) return this.undefinedMember(obj);
    const host = hostOf(obj);
    if (host) {
      const v = host.getattr(name);
      return v === MISSING ? noAttribute(obj, name) : toRV(v);
    }
    if (isNamespace(obj)) return entriesOf(obj).get(name) ?? noAttribute(obj, name);
    return builtinMethod(obj, name, this) ?? noAttribute(obj, name);
  }

  getitem(obj: RV, key: RV): RV {
    if (isUndef(obj)) return this.undefinedMember(obj);
    const host = hostOf(obj);
    if (host) {
      let v = host.getitem(fromRV(key));
      if (v === MISSING && isStr(key)) v = host.getattr(strOf(key));
      return v === MISSING ? noElement(obj, key) : toRV(v);
    }
    if (isDict(obj) || isNamespace(obj)) {
      if (isStr(key)) {
        const v = entriesOf(obj).get(strOf(key));
        if (v !== undefined) return v;
      } else if (key.type === 'IntegerValue' || key.type === 'BooleanValue') {
        const v = entriesOf(obj).get(String(Number(key.value)));
        if (v !== undefined) return v;
      }
    } else if ((isSeq(obj) || isStr(obj)) && (key.type === 'IntegerValue' || key.type === 'BooleanValue')) {
      if (isStr(obj)) chargeCharLoop(strOf(obj).length);
      const seq = isStr(obj) ? [...strOf(obj)].map(mk.str) : itemsOf(obj);
      let i = Number(key.value);
      if (i < 0) i += seq.length;
      const v = seq[i];
      if (v !== undefined) return v;
      return noElement(obj, key);
    }
    if (isStr(key) && !strOf(key).startsWith('__')) {
      const method = builtinMethod(obj, strOf(key), this);
      if (method) return method;
      return noAttribute(obj, strOf(key));
    }
    return noElement(obj, key);
  }

  /** `fn(*args)`; `args` may end with the engine's keyword-arguments value. */
  call(fn: RV, args: RV[], scope: Environment): RV {
    if (isUndef(fn)) throw undefinedError(fn);
    if (fn.type === 'FunctionValue') return fnOf(fn)(args, scope);
    throw new PyError('TypeError', `'${typeName(fn)}' object is not callable`);
  }

  /**
   * Items of `for x in value` (strings give characters, dicts their keys). Every caller walks them,
   * so each item is charged as one step of the render's budget.
   */
  iterate(v: RV): RV[] {
    if (isUndef(v)) {
      if (this.mode.strict) throw undefinedError(v);
      return [];
    }
    const walked = (n: number): void => chargeSteps(n, () => `iterating over ${n} items`);
    if (isSeq(v)) {
      walked(itemsOf(v).length);
      return itemsOf(v);
    }
    if (isStr(v)) {
      walked(strOf(v).length);
      return [...strOf(v)].map(mk.str);
    }
    if (isDict(v)) {
      walked(entriesOf(v).size);
      return [...entriesOf(v).keys()].map(mk.str);
    }
    const host = hostOf(v);
    if (host) {
      const items = host.iterate();
      if (items !== MISSING) {
        walked(items.length);
        return items.map(toRV);
      }
    }
    throw new PyError('TypeError', `'${typeName(v)}' object is not iterable`);
  }
}

/**
 * Plain classes of the DAG file and its modules (no base but `object` or other plain classes):
 * config holders and factory objects. Their body is evaluated when the class is defined; calling
 * one makes an instance and runs its `__init__`; attributes are read through the instance, then the
 * class and its bases (depth first, as a single-inheritance MRO); a function found on the class is a
 * bound method; `@staticmethod`, `@classmethod`, `@property` and `@dataclass` behave as in Python.
 * Classes deriving from anything else (an operator, Enum, Exception, an import) stay what they were:
 * operators make tasks, the rest is opaque.
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import { method } from './natives.js';
import { PyError, str, type ClassV, type Interp, type ObjectV, type PlainClass, type Value } from './values.js';

export const OBJECT_CLASS: ClassV = { t: 'class', name: 'object', baseNames: [], operator: null, from: 0, plain: { namespace: new Map(), bases: [] } };

export const STATICMETHOD = 'staticmethod';
export const CLASSMETHOD = 'classmethod';
export const PROPERTY = 'property';

/** `@staticmethod` / `@classmethod` / `@property`: the function wrapped, resolved when read from a class or instance. */
export function wrapper(kind: typeof STATICMETHOD | typeof CLASSMETHOD | typeof PROPERTY, fn: Value): ObjectV {
  return { t: 'object', kind, attrs: new Map<string, Value>([['__func__', fn]]) };
}

/** The class and its bases, depth first (each once). */
function lineage(cls: ClassV): ClassV[] {
  const out: ClassV[] = [];
  const visit = (c: ClassV) => {
    if (out.includes(c)) return;
    out.push(c);
    for (const b of c.plain?.bases ?? []) visit(b);
  };
  visit(cls);
  return out;
}

function lookup(cls: ClassV, name: string): Value | undefined {
  for (const c of lineage(cls)) {
    const v = c.plain?.namespace.get(name);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Whether the class (or a base) defines `name`. */
export function classDefines(cls: ClassV, name: string): boolean {
  return lookup(cls, name) !== undefined;
}

/** A name read from a class (`Cls.X`): staticmethods unwrapped, classmethods bound to it. */
export function classAttr(cls: ClassV, name: string, interp: Interp): Value | undefined {
  if (name === '__name__') return str(cls.name);
  const v = lookup(cls, name);
  if (v === undefined) return undefined;
  return unwrap(v, cls, null, interp);
}

/** A name read from an instance: its own attributes, then its class's (functions bound to it, properties called). */
export function instanceAttr(obj: ObjectV, name: string, interp: Interp, from: number): Value | undefined {
  const own = obj.attrs.get(name);
  if (own !== undefined) return own;
  if (name === '__class__') return obj.cls;
  const v = lookup(obj.cls!, name);
  if (v === undefined) return undefined;
  if (v.t === 'object' && v.kind === PROPERTY) return interp.call(v.attrs.get('__func__')!, [obj], new Map(), from);
  return unwrap(v, obj.cls!, obj, interp);
}

function unwrap(v: Value, cls: ClassV, self: ObjectV | null, interp: Interp): Value {
  if (v.t === 'object' && v.kind === STATICMETHOD) return v.attrs.get('__func__')!;
  if (v.t === 'object' && v.kind === CLASSMETHOD) return bound(v.attrs.get('__func__')!, cls, interp);
  if (v.t === 'function' && self !== null) return bound(v, self, interp);
  return v;
}

function bound(fn: Value, first: Value, interp: Interp): Value {
  return method(fn.t === 'function' ? fn.name : 'method', (args, kwargs, ctx) => interp.call(fn, [first, ...args], kwargs, ctx.from));
}

/** `Cls(...)`: a new instance, initialised by the dataclass fields or `__init__`. */
export function instantiate(cls: ClassV, args: Value[], kwargs: Map<string, Value>, interp: Interp, from: number): ObjectV {
  const obj: ObjectV = { t: 'object', kind: cls.name, attrs: new Map(), cls };
  const plain = cls.plain as PlainClass;
  const init = lookup(cls, '__init__');
  if (init !== undefined) {
    interp.call(unwrap(init, cls, obj, interp), args, kwargs, from);
    return obj;
  }
  const fields = lineage(cls).reverse().flatMap((c) => c.plain?.dataclassFields ?? []);
  if (plain.dataclassFields !== undefined || fields.length > 0) {
    const rest = new Map(kwargs);
    fields.forEach((f, i) => {
      const given = i < args.length ? args[i] : rest.get(f.name);
      rest.delete(f.name);
      const value = given ?? f.default;
      if (value === undefined) throw new PyError(DiagnosticCode.EVALUATION, `${cls.name}.__init__() missing 1 required positional argument: '${f.name}'`, from);
      obj.attrs.set(f.name, value);
    });
    if (args.length > fields.length) throw new PyError(DiagnosticCode.EVALUATION, `${cls.name}.__init__() takes ${fields.length + 1} positional arguments but ${args.length + 1} were given`, from);
    if (rest.size > 0) throw new PyError(DiagnosticCode.EVALUATION, `${cls.name}.__init__() got an unexpected keyword argument '${[...rest.keys()][0]}'`, from);
    return obj;
  }
  if (args.length > 0 || kwargs.size > 0) throw new PyError(DiagnosticCode.EVALUATION, `${cls.name}() takes no arguments`, from);
  return obj;
}

/** isinstance(v, cls) for a plain class: v's class is it or derives from it. */
export function isInstanceOfPlain(v: Value, cls: ClassV): boolean {
  if (cls === OBJECT_CLASS) return true;
  return v.t === 'object' && v.cls !== undefined && lineage(v.cls).includes(cls);
}

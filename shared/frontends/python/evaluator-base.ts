/**
 * What every part of the evaluator shares: diagnostics (reported once per position), the step
 * budget, the Airflow runtime, import resolution, name lookup, attribute access and iteration.
 */
import { DiagnosticCode, type DiagnosticBag } from '../../model/diagnostics.js';
import type { SourceLocation } from '../../model/schema.js';
import { didYouMean } from '../../util/suggest.js';
import { AirflowApi } from './airflow-api.js';
import { AirflowRuntime } from './airflow.js';
import { EvaluationBudget } from './budget.js';
import { makeBuiltins } from './builtins.js';
import { dateAttr, datetimeAttr, timeAttr, timedeltaAttr } from './datetimes.js';
import { ModuleResolver } from './imports.js';
import type { LineMap } from './location.js';
import { builtinMethod } from './methods.js';
import { method } from './natives.js';
import { ParseEnvironment } from './parse-environment.js';
import { ParseFiles } from './parse-files.js';
import { FILE_KIND, fileAttr, fileLines } from './file-values.js';
import { OBJECT_CLASS, classAttr, instanceAttr } from './plain-classes.js';
import { compareValues } from './operators.js';
import type { Scope } from './scope.js';
import { pathAttr } from './stdlib.js';
import { enumMembers } from './enums.js';
import {
  DynamicResult,
  NONE,
  PyError,
  PyFail,
  dict,
  dynamic,
  enumData,
  isEnumMember,
  list,
  opaqueOf,
  str,
  tuple,
  typeName,
  type ClassV,
  type EnumInfo,
  type FunctionV,
  type NativeV,
  type Interp,
  type Value,
} from './values.js';

export interface EvaluatorOptions {
  file: string;
  now: Date;
  /** The variables DAG files may read at parse time (see shared/frontends/parse-env.ts). */
  env?: Readonly<Record<string, string>>;
  /**
   * The `os.environ` this evaluator shares (a local module's is its DAG file's, as Python's is one
   * per process: what a module reads is the file's version's, what it sets the file sees). Made from
   * `env` when not given.
   */
  environment?: ParseEnvironment;
  /** FrontendOptions.importable: absent, imports are not checked. */
  importable?: readonly string[];
  /** A local module's globals after reading it (FrontendOptions.modules); undefined: not a local module. */
  localModule?: (name: string) => ReadonlyMap<string, Value> | undefined;
  /** Reading a local module (not the DAG file): its name, which the functions it defines carry as their origin. */
  origin?: string;
  /** The files the sources may read at parse time (shared by the file's evaluator and its modules'). */
  parseFiles?: ParseFiles;
}

export abstract class EvaluatorBase implements Interp {
  readonly file: string;
  readonly now: Date;
  readonly environment: ParseEnvironment;
  readonly parseFiles: ParseFiles;
  readonly rt: AirflowRuntime;
  readonly api: AirflowApi;
  protected readonly resolver: ModuleResolver;
  protected readonly builtins: Map<string, Value>;
  /** Modules imported with `*`: unknown names resolve through them instead of failing. */
  protected readonly starImports: string[] = [];
  private readonly reported = new Set<string>();
  /** Top-level modules an import may name besides Airflow and the shim (undefined: not checked). */
  private readonly importable: ReadonlySet<string> | undefined;
  /** Inside the body of a `try` with handlers: a failing import (or another sure exception) there raises to it. */
  protected guardedImports = 0;
  /** Steps and value sizes of this evaluation (see budget.ts). */
  readonly budget = new EvaluationBudget();
  /** The local module this evaluator reads (undefined: the DAG file). */
  protected readonly ownOrigin: string | undefined;
  /** Whose code runs now: the origin of the function being called (functions it defines carry it too). */
  protected executingOrigin: string | undefined;
  /**
   * Inside a function of another file (a local module's factory): the position, in this evaluator's
   * file, of the call that entered it. Positions in that code are offsets into the other file, so what
   * it reports and the tasks it makes are located at that call, as a traceback's last line in the file.
   */
  protected callSite: number | null = null;

  constructor(
    protected readonly lines: LineMap,
    readonly bag: DiagnosticBag,
    options: EvaluatorOptions,
  ) {
    this.file = options.file;
    this.now = options.now;
    this.ownOrigin = options.origin;
    this.executingOrigin = options.origin;
    this.environment = options.environment ?? new ParseEnvironment(options.env);
    this.parseFiles = options.parseFiles ?? new ParseFiles();
    this.builtins = makeBuiltins();
    this.rt = new AirflowRuntime({
      file: this.file,
      bag,
      report: (code, message, from, extra) => this.report(code, message, from, extra),
      loc: (from) => this.loc(from),
      line: (from) => this.line(from),
      callUser: (fn, args, kwargs, from) => this.callUser(fn, args, kwargs, from),
    });
    this.api = new AirflowApi(this.rt);
    this.resolver = new ModuleResolver(this.api.exports, options.localModule);
    this.importable = options.importable && new Set(options.importable);
  }

  /**
   * Airflow imports the DAG file to read it, so a module that resolves to nothing is the file's
   * import error (`ModuleNotFoundError`) at parse time, not a failure of the first task that runs.
   * Inside the body of a `try` with handlers it raises instead, for the file's own fallback to run.
   */
  protected checkImport(module: string, from: number): void {
    if (!this.importable || module.startsWith('.')) return;
    const top = module.split('.')[0]!;
    if (this.resolver.module(top).known || this.importable.has(top)) return;
    if (this.guardedImports > 0) throw new ImportFailed(top, from);
    this.reportMissingModule(top, from);
  }

  /**
   * A built-in exception the file's code surely raises here (a native's): inside a `try` with handlers
   * it goes to them; elsewhere it is the file's import error.
   */
  raise(type: string, message: string, from: number, hint?: string): never {
    if (this.guardedImports > 0) throw new PyRaised(type, message, from, hint);
    throw new PyFail(`${type}: ${message}`, hint);
  }

  protected reportMissingModule(top: string, from: number): void {
    this.report(DiagnosticCode.EVALUATION, `ModuleNotFoundError: No module named '${top}'`, from, {
      hint: `'${top}' is neither Airflow, a module of the DAGs, plugins or project folder, nor installed for the platform's Python; install it (pip) or add the module beside the DAG`,
    });
  }

  /** This evaluator's copy of an Airflow export another evaluator (a local module's) handed over. */
  protected ownNative(fn: NativeV): NativeV {
    if (fn.export === undefined) return fn;
    const own = this.api.exports[fn.export];
    return own?.t === 'native' ? own : fn;
  }

  abstract callUser(fn: FunctionV, args: Value[], kwargs: Map<string, Value>, from: number): Value;
  abstract call(fn: Value, args: Value[], kwargs: Map<string, Value>, from: number): Value;

  // ---------------------------------------------------------------- diagnostics

  loc(from: number): SourceLocation {
    return this.lines.at(this.callSite ?? from);
  }

  line(from: number): number {
    return this.loc(from).line;
  }

  /** Reports once per (code, position, message): code in loops and factories runs many times. */
  report(code: DiagnosticCode, message: string, from: number, extra: { hint?: string; dag_id?: string; task_id?: string; warning?: boolean } = {}): void {
    const key = `${code}|${from}|${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const { warning, ...rest } = extra;
    const clean = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    if (warning) this.bag.warning(code, message, this.loc(from), clean);
    else this.bag.error(code, message, this.loc(from), clean);
  }

  protected tick(from: number): void {
    this.budget.step(from);
  }

  // ---------------------------------------------------------------- names and attributes

  protected lookup(name: string, scope: Scope, from: number): Value {
    const v = scope.lookup(name) ?? this.builtins.get(name);
    if (v !== undefined) return v;
    const star = this.starImports[this.starImports.length - 1];
    if (star !== undefined) return this.resolver.resolve(star, name, from).value;
    throw new PyError(DiagnosticCode.UNDEFINED_NAME, `name '${name}' is not defined${didYouMean(name, [...scope.visibleNames(), ...this.builtins.keys()])}`, from, 'define or import it before this line');
  }

  getAttr(obj: Value, name: string, from: number): Value {
    const found = this.attr(obj, name, from);
    if (found !== undefined) return found;
    throw new PyError(DiagnosticCode.EVALUATION, `'${typeName(obj)}' object has no attribute '${name}'`, from);
  }

  private attr(obj: Value, name: string, from: number): Value | undefined {
    switch (obj.t) {
      case 'dynamic':
      case 'invalid':
        return obj;
      case 'external':
        // An imported class's name (`DagRun.__name__` in Airflow's db-cleanup DAG): a capitalised module attribute is a class.
        if ((name === '__name__' || name === '__qualname__') && obj.path.length === 1 && /^[A-Z]/.test(obj.path[0]!)) return str(obj.path[0]!);
        return { t: 'external', module: obj.module, path: [...obj.path, name], from };
      case 'module': {
        if (!obj.known) {
          // A local module's data (`import common.config as cfg; cfg.SCHEDULE`), else an opaque reference.
          const local = this.resolver.localValue(obj.name, name);
          return local ?? { t: 'external', module: obj.name, path: [name], from };
        }
        const r = this.resolver.resolve(obj.name, name, from);
        if (r.problem) this.report(r.problem.code, r.problem.message, from, r.problem.hint ? { hint: r.problem.hint } : {});
        return r.value;
      }
      case 'native': {
        const own = this.ownNative(obj);
        if (own.attrs?.has(name)) return own.attrs.get(name);
        if (name === '__name__') return str(own.name);
        return undefined;
      }
      case 'function':
        if (name === '__name__') return str(obj.name);
        if (name === '__doc__') return obj.node.k === 'def' && obj.node.docstring !== null ? str(obj.node.docstring) : NONE;
        return undefined;
      case 'str':
      case 'list':
      case 'tuple':
      case 'dict':
      case 'set': {
        const m = builtinMethod(obj, name, compareValues);
        if (m && m.t === 'native') m.handlesOpaque = true;
        return m;
      }
      case 'datetime':
        return datetimeAttr(obj, name);
      case 'date':
        return dateAttr(obj, name);
      case 'time':
        return timeAttr(obj, name);
      case 'timedelta':
        return timedeltaAttr(obj, name);
      case 'tz':
        return name === 'zone' || name === 'name' || name === 'key' ? str(obj.name) : undefined;
      case 'object':
        if (obj.path !== undefined) return pathAttr(obj, name);
        if (obj.kind === FILE_KIND) return fileAttr(obj, name);
        if (obj.cls) {
          const attr = instanceAttr(obj, name, this, from);
          // A str/int enum member also is its value: `Env.DEV.upper()`.
          return attr === undefined && isEnumMember(obj) && obj.cls.enum.mixin !== null ? this.attr(enumData(obj), name, from) : attr;
        }
        if (obj.kind === 'globals') return this.globalsAttr(obj.scope!, name);
        if (obj.attrs.has(name)) return obj.attrs.get(name);
        if (obj.kind === 'TriggerRule' || obj.kind === 'State' || obj.kind === 'WeekDay' || obj.kind === 'WeightRule') {
          throw new PyError(DiagnosticCode.EVALUATION, `${obj.kind} has no member '${name}'${didYouMean(name, obj.attrs.keys())}`, from);
        }
        return undefined;
      case 'class':
        if (obj.enum && name === '__members__') return dict([...obj.enum.members].map(([key, member]) => [str(key), member]));
        if (obj.plain) return classAttr(obj, name, this);
        // A custom operator mapped with `.partial(...).expand(...)`, like a built-in one.
        if (obj.operator && (name === 'partial' || name === 'as_setup' || name === 'as_teardown')) return this.api.getAttr(obj, name);
        return dynamic(`${obj.name}.${name}`, from, 'class attributes are not evaluated by skydag');
      case 'dagparam':
      case 'mappedarg':
        return opaqueOf(obj)!;
      case 'int':
      case 'float':
      case 'bool':
        if (name === 'real') return obj;
        return undefined;
      default:
        return this.api.getAttr(obj, name);
    }
  }

  private globalsAttr(module: Scope, name: string): Value | undefined {
    switch (name) {
      case 'get': return method(name, (args) => (args[0]?.t === 'str' ? module.vars.get(args[0].v) : undefined) ?? args[1] ?? NONE);
      case 'update': return method(name, (args, kwargs) => {
        const src = args[0];
        if (src?.t === 'dict') for (const [k, v] of src.map.values()) if (k.t === 'str') module.vars.set(k.v, v);
        for (const [k, v] of kwargs) module.vars.set(k, v);
        return NONE;
      });
      case 'keys': return method(name, () => list([...module.vars.keys()].map(str)));
      case 'items': return method(name, () => list([...module.vars].map(([k, v]) => tuple([str(k), v]))));
      case 'setdefault': return method(name, (args) => {
        const k = args[0]?.t === 'str' ? args[0].v : null;
        if (k === null) return NONE;
        if (!module.vars.has(k)) module.vars.set(k, args[1] ?? NONE);
        return module.vars.get(k)!;
      });
    }
    return undefined;
  }

  setAttr(obj: Value, name: string, value: Value, from: number): void {
    if (obj.t === 'invalid' || obj.t === 'dynamic' || obj.t === 'external') return;
    if (this.api.setAttr(obj, name, value, from)) return;
    if (obj.t === 'class' && obj.plain && obj !== OBJECT_CLASS) {
      obj.plain.namespace.set(name, value);
      return;
    }
    if (obj.t === 'object' && obj.path === undefined && obj.kind !== 'globals') {
      obj.attrs.set(name, value);
      return;
    }
    throw new PyError(DiagnosticCode.EVALUATION, `cannot set attribute '${name}' of a ${typeName(obj)} object`, from);
  }

  iterate(v: Value, from: number): Value[] {
    switch (v.t) {
      case 'list':
      case 'tuple':
        return [...v.items];
      case 'str':
        return [...v.v].map(str);
      case 'dict':
        return [...v.map.values()].map(([k]) => k);
      case 'set':
        return [...v.map.values()];
    }
    const opaque = opaqueOf(v);
    if (opaque) throw new DynamicResult(opaque);
    if (v.t === 'object' && v.kind === 'globals') return [...v.scope!.module.vars.keys()].map(str);
    if (v.t === 'class' && v.enum) return enumMembers(v as ClassV & { enum: EnumInfo });
    if (v.t === 'object' && v.kind === FILE_KIND) return fileLines(v).map(str);
    throw new PyError(DiagnosticCode.EVALUATION, `'${typeName(v)}' object is not iterable`, from);
  }
}

/**
 * A Python exception the file surely raises while it is read (an import of a module nobody provides,
 * `Variable.get` of a variable that is not set) inside the body of a `try` with handlers: it unwinds
 * to that `try`, whose matching `except` runs (Python's semantics), so `try: import x / except
 * ImportError: x = None` and `try: v = Variable.get("k") / except KeyError: v = "d"` read as they run.
 */
export class PyRaised extends Error {
  constructor(
    /** The built-in exception class (its name). */
    readonly type: string,
    message: string,
    readonly from: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** `ModuleNotFoundError` of an import inside a `try` with handlers. */
export class ImportFailed extends PyRaised {
  constructor(
    readonly module: string,
    from: number,
  ) {
    super('ModuleNotFoundError', `No module named '${module}'`, from);
  }
}

/** Python's built-in exception hierarchy, as far as handlers of the exceptions above name it: each class's base. */
const EXCEPTION_BASES: Readonly<Record<string, string>> = {
  ModuleNotFoundError: 'ImportError',
  ImportError: 'Exception',
  KeyError: 'LookupError',
  LookupError: 'Exception',
  Exception: 'BaseException',
};

/** Whether an `except <handler>:` clause catches an exception of class `type`. */
export function exceptionCaughtBy(type: string, handler: string): boolean {
  for (let t: string | undefined = type; t !== undefined; t = EXCEPTION_BASES[t]) if (t === handler) return true;
  return false;
}

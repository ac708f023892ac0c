/**
 * Statement execution and user function calls. Each statement is a recovery point: when one fails
 * its diagnostic is recorded, the names it would have bound become invalid (so later uses stay
 * quiet), and evaluation goes on with the next statement, so one pass reports every problem.
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import type { Dag } from '../../model/schema.js';
import { customOperatorSpec } from '../../operators/registry.js';
import { assignedNames, type Expr, type Module, type Stmt } from './ast.js';
import { Abort, EVALUATION_LIMITS, chargeGrowth, withBudget } from './budget.js';
import { ImportFailed, PyRaised, exceptionCaughtBy } from './evaluator-base.js';
import { ExpressionEvaluator } from './expressions.js';
import { pyStr } from './formatting.js';
import { binaryOp, delItem } from './operators.js';
import { Scope } from './scope.js';
import { environAssign } from './stdlib.js';
import {
  DynamicResult,
  INVALID,
  NONE,
  PyError,
  PyFail,
  dict,
  opaqueOf,
  str,
  truthOrOpaque,
  truthy,
  tuple,
  typeName,
  type ClassV,
  type EnumInfo,
  type FunctionV,
  type PlainClass,
  type Value,
} from './values.js';
import { isUniqueDecorator, makeEnum, mixinOf } from './enums.js';
import { OBJECT_CLASS } from './plain-classes.js';


type Completion = undefined | { k: 'return'; value: Value } | { k: 'break' } | { k: 'continue' };

export class Evaluator extends ExpressionEvaluator {
  private depth = 0;
  /** The module's globals after run() (for inspection and tests). */
  readonly globals = new Scope(null, 'module');

  /** Runs the module and returns the registered DAGs. */
  run(module: Module, moduleName: string): Dag[] {
    const scope = this.globals;
    scope.vars.set('__name__', str(moduleName));
    scope.vars.set('__file__', str(this.file));
    scope.vars.set('__doc__', module.docstring !== null ? str(module.docstring) : NONE);
    try {
      withBudget(this.budget, () => this.block(module.body, scope));
    } catch (err) {
      if (!(err instanceof Abort)) throw err;
      this.report(err.code, err.message, err.from ?? 0, { hint: err.hint });
    }
    return this.rt.finish(scope);
  }

  private block(stmts: readonly Stmt[], scope: Scope): Completion {
    for (const s of stmts) {
      const c = this.statement(s, scope);
      if (c) return c;
    }
    return undefined;
  }

  /** One statement, as a recovery point. */
  private statement(s: Stmt, scope: Scope): Completion {
    try {
      this.tick(s.from);
      return this.exec(s, scope);
    } catch (err) {
      if (err instanceof PyError) this.report(err.code, err.message, err.from, err.hint ? { hint: err.hint } : {});
      else if (err instanceof PyFail) this.report(err.code ?? DiagnosticCode.EVALUATION, err.message, s.from, err.hint ? { hint: err.hint } : {});
      else if (err instanceof DynamicResult) {
        if (err.value.t === 'dynamic') this.rt.reportDynamic(err.value, 'this statement', s.from);
      } else if (err instanceof Abort) {
        err.from ??= s.from;
        throw err;
      } else if (err instanceof PyRaised) {
        throw err;
      } else {
        // A defect of the evaluator must not take the whole file down: report it here and go on.
        const detail = err instanceof RangeError ? 'the statement is nested too deeply' : err instanceof Error ? err.message : String(err);
        this.report(DiagnosticCode.EVALUATION, `skydag could not evaluate this statement (${detail})`, s.from, { hint: 'simplify the statement; if it is valid Python, please report it as a skydag bug' });
      }
      this.poison(s, scope);
      return undefined;
    }
  }

  /**
   * After a branch or loop whose way could not be known (reported): at module level the file reads on;
   * in a function its result is unknown too (INVALID, already reported), so what uses it adds no error.
   */
  private unknownPath(): Completion {
    return this.depth > 0 ? { k: 'return', value: INVALID } : undefined;
  }

  /** Binds the names a failed statement would have assigned to INVALID. */
  private poison(s: Stmt, scope: Scope): void {
    for (const name of assignedNames([s])) scope.assign(name, INVALID);
  }

  /** A condition that must be known statically (if, for, while). */
  private condition(v: Value, what: string, from: number, s: Stmt, scope: Scope): boolean | undefined {
    const opaque = truthOrOpaque(v);
    if (typeof opaque === 'boolean') return opaque;
    if (opaque.t === 'dynamic') this.rt.reportDynamic(opaque, what, from);
    this.poison(s, scope);
    return undefined;
  }

  private exec(s: Stmt, scope: Scope): Completion {
    switch (s.k) {
      case 'expr': {
        const v = this.eval(s.value, scope);
        // `a >> b` as a statement sets dependencies: an operand the reader cannot follow would leave them out silently.
        if (s.value.k === 'binop' && (s.value.op === '>>' || s.value.op === '<<') && v.t === 'dynamic') this.rt.reportDynamic(v, `the dependency (${s.value.op})`, s.value.opFrom);
        return undefined;
      }
      case 'assign': {
        const v = this.eval(s.value, scope);
        for (const t of s.targets) this.assign(t, v, scope);
        return undefined;
      }
      case 'annassign':
        if (s.value) this.assign(s.target, this.eval(s.value, scope), scope);
        return undefined;
      case 'augassign': {
        const current = this.eval(s.target, scope);
        const right = this.eval(s.value, scope);
        if (s.op === '+' && current.t === 'list') {
          const added = this.iterate(right, s.value.from);
          chargeGrowth(current.items.length, added.length);
          for (const x of added) current.items.push(x);
          return undefined;
        }
        if (s.op === '|' && current.t === 'dict' && right.t === 'dict') {
          for (const [h, kv] of right.map) current.map.set(h, kv);
          return undefined;
        }
        const result = (s.op === '>>' || s.op === '<<') && this.api.isDependencyOperand(current, right)
          ? this.api.shift(s.op, current, right, s.from)
          : this.binop(s.op, current, right, s.from);
        this.assign(s.target, result, scope);
        return undefined;
      }
      case 'import':
        for (const n of s.names) {
          this.checkImport(n.module, n.from);
          const { bind, value } = this.resolver.importModule(n.module, n.asname);
          scope.assign(bind, value);
        }
        return undefined;
      case 'from': {
        const module = '.'.repeat(s.level) + s.module;
        this.checkImport(module, s.from);
        if (s.names === '*') {
          this.starImports.push(module);
          return undefined;
        }
        for (const n of s.names) {
          const r = this.resolver.resolve(module, n.name, n.from);
          if (r.problem) this.report(r.problem.code, r.problem.message, n.from, r.problem.hint ? { hint: r.problem.hint } : {});
          scope.assign(n.asname ?? n.name, r.value);
        }
        return undefined;
      }
      case 'if':
        for (const b of s.branches) {
          if (b.test !== null) {
            const test = this.condition(this.eval(b.test, scope), 'the if condition', b.test.from, s, scope);
            if (test === undefined) return this.unknownPath();
            if (!test) continue;
          }
          return this.block(b.body, scope);
        }
        return undefined;
      case 'for':
        return this.forLoop(s, scope);
      case 'while':
        throw new PyError(DiagnosticCode.UNSUPPORTED, 'while loops are not supported', s.from, 'iterate with `for` over a static list or range(): skydag reads DAG files without running unbounded loops');
      case 'with':
        return this.withBlock(s, 0, scope);
      case 'def':
        scope.assign(s.name, this.defineFunction(s, scope));
        return undefined;
      case 'class':
        scope.assign(s.name, this.defineClass(s, scope));
        return undefined;
      case 'return':
        if (this.depth === 0) throw new PyError(DiagnosticCode.SYNTAX, "'return' outside function", s.from);
        return { k: 'return', value: s.value ? this.eval(s.value, scope) : NONE };
      case 'pass':
        return undefined;
      case 'break':
        return { k: 'break' };
      case 'continue':
        return { k: 'continue' };
      case 'try': {
        // Handlers run only for an exception the file surely raises (PyRaised: a failing import, an
        // unset Variable): others cannot be known while the file is read.
        const guarded = s.handlers.length > 0 ? 1 : 0;
        let c: Completion;
        let raised: PyRaised | undefined;
        this.guardedImports += guarded;
        try {
          c = this.block(s.body, scope);
        } catch (err) {
          if (!(err instanceof PyRaised)) throw err;
          raised = err;
        } finally {
          this.guardedImports -= guarded;
        }
        try {
          if (raised && guarded) c = this.except(s, raised, scope);
          else if (raised) throw raised;
          else if (!c) c = this.block(s.orelse, scope);
        } catch (err) {
          // Going on to an enclosing try: this one's finally clause runs first, as in Python.
          if (err instanceof PyRaised) this.block(s.finalbody, scope);
          throw err;
        }
        return this.block(s.finalbody, scope) ?? c;
      }
      case 'raise': {
        const exc = s.exc ? this.eval(s.exc, scope) : null;
        if (exc && exc.t === 'invalid') return this.depth > 0 ? { k: 'return', value: INVALID } : undefined;
        this.report(DiagnosticCode.EVALUATION, `the DAG file raises ${exc ? this.describeException(exc) : 'an exception'} while it is read`, s.from, {
          hint: 'Airflow would fail to import this file; remove the raise or make its condition false',
        });
        return this.depth > 0 ? { k: 'return', value: INVALID } : undefined;
      }
      case 'assert': {
        const test = this.eval(s.test, scope);
        if (opaqueOf(test) || truthy(test)) return undefined;
        const msg = s.msg ? this.eval(s.msg, scope) : null;
        throw new PyError(DiagnosticCode.EVALUATION, `assertion failed${msg && msg.t === 'str' ? `: ${msg.v}` : ''}`, s.from);
      }
      case 'global':
        for (const n of s.names) (scope.globalNames ??= new Set()).add(n);
        return undefined;
      case 'nonlocal':
        for (const n of s.names) (scope.nonlocalNames ??= new Set()).add(n);
        return undefined;
      case 'del':
        for (const t of s.targets) this.deleteTarget(t, scope);
        return undefined;
      case 'unsupported':
        throw new PyError(DiagnosticCode.UNSUPPORTED, `${s.what} is not supported`, s.from, s.hint);
    }
  }

  private binop(op: string, a: Value, b: Value, from: number): Value {
    try {
      return binaryOp(op, a, b);
    } catch (err) {
      if (err instanceof PyFail) throw new PyError(err.code ?? DiagnosticCode.EVALUATION, err.message, from, err.hint);
      if (err instanceof DynamicResult) return err.value;
      throw err;
    }
  }

  private forLoop(s: Extract<Stmt, { k: 'for' }>, scope: Scope): Completion {
    const iterable = this.eval(s.iter, scope);
    const opaque = opaqueOf(iterable);
    if (opaque) {
      if (opaque.t === 'dynamic') this.rt.reportDynamic(opaque, 'the for loop iterable', s.iter.from);
      this.poison(s, scope);
      return this.unknownPath();
    }
    const items = this.iterate(iterable, s.iter.from);
    for (const item of items) {
      this.tick(s.from);
      try {
        this.assign(s.target, item, scope);
      } catch (err) {
        if (err instanceof PyError) {
          this.report(err.code, err.message, err.from, err.hint ? { hint: err.hint } : {});
          this.poison(s, scope);
          return undefined;
        }
        throw err;
      }
      const c = this.block(s.body, scope);
      if (c?.k === 'break') return undefined;
      if (c?.k === 'return') return c;
    }
    return this.block(s.orelse, scope);
  }

  private withBlock(s: Extract<Stmt, { k: 'with' }>, index: number, scope: Scope): Completion {
    if (index === s.items.length) return this.block(s.body, scope);
    const item = s.items[index]!;
    const v = this.eval(item.ctx, scope);
    let exit = this.api.enter(v);
    if (!exit && v.t === 'invalid') {
      // A DAG or group that failed: tasks inside it are dropped silently (its error was reported).
      this.rt.dagStack.push(null);
      exit = () => void this.rt.dagStack.pop();
    }
    if (item.target) this.assign(item.target, v, scope);
    try {
      return this.withBlock(s, index + 1, scope);
    } finally {
      exit?.();
    }
  }

  private defineFunction(s: Extract<Stmt, { k: 'def' }>, scope: Scope): Value {
    let value: Value = this.makeFunction(s.name, s, s.params, scope, s.from);
    // Decorators apply bottom-up. Only Airflow's (natives) change the function: others are kept
    // as written, since the task runner executes the file and applies them itself.
    for (const d of [...s.decorators].reverse()) {
      const dec = this.eval(d, scope);
      if (dec.t === 'invalid') return INVALID;
      if (dec.t === 'native') value = this.call(dec, [value], new Map(), d.from);
    }
    return value;
  }

  private defineClass(s: Extract<Stmt, { k: 'class' }>, scope: Scope): Value {
    const baseNames: string[] = [];
    let operator = false;
    let sensor = false;
    let timetable = false;
    const bases = s.bases.flatMap((a) => (a.k === 'pos' ? [this.eval(a.value, scope)] : []));
    const enumBase = bases.find((b): b is ClassV & { enum: EnumInfo } => b.t === 'class' && b.enum !== undefined);
    if (enumBase) return this.defineEnum(s, scope, bases, enumBase);
    // Bases a plain class may have (user plain classes; `object` adds nothing); null once one is something else.
    let plainBases: ClassV[] | null = s.bases.some((a) => a.k !== 'pos') ? null : [];
    for (const base of bases) {
      if (base.t === 'class' && base.plain && plainBases) {
        if (base !== OBJECT_CLASS) plainBases.push(base);
        baseNames.push(base.name);
        continue;
      }
      plainBases = null;
      if (base.t === 'operator_class') {
        baseNames.push(base.className);
        if (base.status === 'unknown') return INVALID;
        operator = true;
        sensor ||= base.isSensor || base.spec?.sensor === true;
      } else if (base.t === 'class') {
        baseNames.push(base.name);
        if (base.operator) {
          operator = true;
          sensor ||= base.operator.sensor;
        }
        if (base.timetable) timetable = true;
      } else if (base.t === 'native' && base.module.startsWith('airflow.timetables')) {
        // Timetable (airflow.timetables.base) or one of Airflow's own timetables, subclassed.
        baseNames.push(base.name);
        timetable = true;
      } else if (base.t === 'external') {
        const name = base.path[base.path.length - 1] ?? base.module;
        baseNames.push(name);
        if (/(Operator|Sensor)$/.test(name)) {
          operator = true;
          sensor ||= /Sensor/.test(name);
        }
      } else if (base.t === 'invalid') return INVALID;
    }
    const cls: ClassV = { t: 'class', name: s.name, baseNames, operator: operator ? customOperatorSpec(s.name, sensor) : null, from: s.from, ...(timetable && !operator ? { timetable: true as const } : {}) };
    if (!operator && plainBases) {
      const plain = this.plainClassBody(s, scope, plainBases);
      if (plain) cls.plain = plain;
    }
    return cls;
  }

  /**
   * A plain class's body, evaluated as Python does when the class is defined (plain-classes.ts); its
   * decorators may only be `@dataclass`. Undefined (the class stays opaque, as before) when a
   * decorator is something else or a statement of the body cannot be evaluated.
   */
  private plainClassBody(s: Extract<Stmt, { k: 'class' }>, scope: Scope, bases: ClassV[]): PlainClass | undefined {
    const isDataclass = (d: Expr): boolean =>
      d.k === 'call' ? isDataclass(d.func) : (d.k === 'name' && d.id === 'dataclass') || (d.k === 'attr' && d.name === 'dataclass' && d.obj.k === 'name' && d.obj.id === 'dataclasses');
    if (!s.decorators.every(isDataclass)) return undefined;
    const namespace = this.classNamespace(s, scope);
    if (!namespace) return undefined;
    if (s.decorators.length === 0) return { namespace, bases };
    const dataclassFields = s.body.flatMap((st) => (st.k === 'annassign' && st.target.k === 'name' ? [{ name: st.target.id, default: st.value ? namespace.get(st.target.id) : undefined }] : []));
    return { namespace, bases, dataclassFields };
  }

  /** What a class body binds, evaluated in order; undefined when a statement cannot be (the class then stays opaque). */
  private classNamespace(s: Extract<Stmt, { k: 'class' }>, scope: Scope): Map<string, Value> | undefined {
    // super() is not modelled: a class that calls it stays opaque rather than half-initialised.
    if (mentionsName(s.body, 'super')) return undefined;
    const body = new Scope(scope, 'function');
    try {
      for (const st of s.body) {
        this.tick(st.from);
        this.exec(st, body);
      }
    } catch (err) {
      if (err instanceof Abort) throw err;
      return undefined;
    }
    const namespace = new Map(body.vars);
    if (s.docstring !== null) namespace.set('__doc__', str(s.docstring));
    return namespace;
  }

  /**
   * A class deriving from Enum, IntEnum, StrEnum or an enum of the file (enums.ts); with `str`/`int`
   * or plain classes as mixins. Other bases (Flag, library classes), a keyword (metaclass=...), a
   * decorator other than `@unique`, or its own `__init__`/`__new__` leave it opaque, as before.
   */
  private defineEnum(s: Extract<Stmt, { k: 'class' }>, scope: Scope, bases: Value[], enumBase: ClassV & { enum: EnumInfo }): Value {
    const baseNames = bases.map((b) => (b.t === 'class' ? b.name : b.t === 'native' ? b.name : typeName(b)));
    const opaque: ClassV = { t: 'class', name: s.name, baseNames, operator: null, from: s.from };
    if (enumBase.enum.members.size > 0) throw new PyError(DiagnosticCode.EVALUATION, `TypeError: <enum '${s.name}'> cannot extend <enum '${enumBase.name}'>`, s.from);
    let { mixin, reprEnum } = enumBase.enum;
    const plainBases: ClassV[] = [];
    for (const base of bases) {
      if (base.t === 'invalid') return INVALID;
      if (base.t === 'class' && base.plain) {
        if (base !== OBJECT_CLASS) plainBases.push(base);
        if (base.enum?.mixin) mixin = base.enum.mixin;
        reprEnum ||= base.enum?.reprEnum === true;
        continue;
      }
      const data = mixinOf(base);
      if (data === undefined) return opaque;
      mixin = data;
    }
    const ownInit = s.body.some((st) => st.k === 'def' && (st.name === '__init__' || st.name === '__new__'));
    if (s.bases.some((a) => a.k !== 'pos') || !s.decorators.every(isUniqueDecorator) || ownInit) return opaque;
    const namespace = this.classNamespace(s, scope);
    if (!namespace) return opaque;
    return makeEnum(s.name, s.from, baseNames, { namespace, bases: plainBases }, mixin, reprEnum, s.decorators.length > 0);
  }

  private deleteTarget(t: Expr, scope: Scope): void {
    if (t.k === 'name') {
      if (!scope.delete(t.id)) throw new PyError(DiagnosticCode.UNDEFINED_NAME, `name '${t.id}' is not defined`, t.from);
    } else if (t.k === 'subscript') {
      const obj = this.eval(t.obj, scope);
      const key = this.eval(t.index, scope);
      if (opaqueOf(obj) || opaqueOf(key)) return;
      if (obj.t === 'object' && obj.kind === 'environ') return environAssign(this, key, undefined, t.from);
      try {
        delItem(obj, key);
      } catch (err) {
        if (err instanceof PyFail) throw new PyError(DiagnosticCode.EVALUATION, err.message, t.from);
        throw err;
      }
    } else if (t.k === 'tuple' || t.k === 'list') {
      for (const x of t.items) this.deleteTarget(x, scope);
    }
  }

  private describeException(exc: Value): string {
    if (exc.t === 'object') {
      const args = exc.attrs.get('args');
      const first = args && args.t === 'tuple' ? args.items[0] : undefined;
      let text: string;
      try {
        text = first ? pyStr(first) : '';
      } catch {
        text = '...';
      }
      return text ? `${exc.kind}: ${text}` : exc.kind;
    }
    if (exc.t === 'native') return exc.name;
    return 'an exception';
  }

  // ---------------------------------------------------------------- user functions

  /**
   * The first `except` clause that catches the exception runs (bound to its `as` name); without one
   * it goes on to an enclosing `try`, else it is the file's import error.
   */
  private except(s: Extract<Stmt, { k: 'try' }>, err: PyRaised, scope: Scope): Completion {
    for (const h of s.handlers) {
      if (h.types !== null && !this.catches(this.eval(h.types, scope), err.type)) continue;
      if (h.name !== null) {
        // The message is str(exception); a KeyError's str is its argument's repr, so its argument is the text inside the quotes.
        const quoted = err.type === 'KeyError' ? /^'([^'\\]*)'$/.exec(err.message) : null;
        const attrs = new Map<string, Value>([['args', tuple([str(quoted ? quoted[1]! : err.message)])]]);
        if (err instanceof ImportFailed) attrs.set('name', str(err.module));
        scope.assign(h.name, { t: 'object', kind: err.type, attrs, exception: true });
      }
      return this.block(h.body, scope);
    }
    if (this.guardedImports > 0) throw err;
    if (err instanceof ImportFailed) this.reportMissingModule(err.module, err.from);
    else this.report(DiagnosticCode.EVALUATION, `${err.type}: ${err.message}`, err.from, err.hint ? { hint: err.hint } : {});
    this.poison(s, scope);
    return undefined;
  }

  private catches(types: Value, raised: string): boolean {
    if (types.t === 'tuple') return types.items.some((t) => this.catches(t, raised));
    return types.t === 'native' && types.module === 'builtins' && exceptionCaughtBy(raised, types.name);
  }

  callUser(fn: FunctionV, args: Value[], kwargs: Map<string, Value>, from: number): Value {
    this.tick(from);
    if (this.depth >= EVALUATION_LIMITS.maxCallDepth) {
      throw new PyError(DiagnosticCode.PARSE_LIMIT, `maximum recursion depth exceeded calling ${fn.name}() (more than ${EVALUATION_LIMITS.maxCallDepth} nested calls)`, from, 'write the recursion as a loop over static data');
    }
    const scope = new Scope(fn.closure, 'function');
    this.bindParameters(fn, args, kwargs, scope, from);
    this.depth += 1;
    const [site, origin] = [this.callSite, this.executingOrigin];
    // Another file's code (a local module's function): located at the call that entered it from this file.
    this.callSite = fn.origin === this.ownOrigin ? null : (site ?? from);
    this.executingOrigin = fn.origin;
    try {
      if (fn.node.k === 'lambda') return this.eval(fn.node.body, scope);
      const c = this.block(fn.node.body, scope);
      return c?.k === 'return' ? c.value : NONE;
    } finally {
      this.depth -= 1;
      this.callSite = site;
      this.executingOrigin = origin;
    }
  }

  private bindParameters(fn: FunctionV, args: Value[], kwargs: Map<string, Value>, scope: Scope, from: number): void {
    const params = fn.node.params;
    const fail = (message: string): never => {
      throw new PyError(DiagnosticCode.EVALUATION, `${fn.name}() ${message}`, from);
    };
    let i = 0;
    let keywordOnly = false;
    const extraKw = new Map(kwargs);
    let varargs: string | null = null;
    let varkw: string | null = null;
    for (const p of params) {
      if (p.kind === 'posonly_marker') continue;
      if (p.kind === 'kwonly_marker') {
        keywordOnly = true;
        continue;
      }
      if (p.kind === 'varargs') {
        varargs = p.name;
        keywordOnly = true;
        continue;
      }
      if (p.kind === 'kwargs') {
        varkw = p.name;
        continue;
      }
      let v: Value | undefined;
      if (!keywordOnly && i < args.length) {
        v = args[i++];
        if (extraKw.has(p.name)) fail(`got multiple values for argument '${p.name}'`);
      } else if (extraKw.has(p.name)) {
        v = extraKw.get(p.name);
        extraKw.delete(p.name);
      } else v = fn.defaults.get(p.name);
      if (v === undefined) fail(`missing required argument: '${p.name}'`);
      scope.vars.set(p.name, v!);
    }
    if (i < args.length) {
      if (varargs === null) fail(`takes ${i} positional argument${i === 1 ? '' : 's'} but ${args.length} were given`);
    }
    if (varargs !== null) scope.vars.set(varargs, tuple(args.slice(i)));
    if (varkw !== null) scope.vars.set(varkw, dict([...extraKw].map(([k, v]) => [str(k), v])));
    else if (extraKw.size > 0) fail(`got an unexpected keyword argument '${[...extraKw.keys()][0]}'`);
  }
}

/** Whether any node under `nodes` is the name `id` (a shallow walk over the lowered tree). */
function mentionsName(nodes: unknown, id: string): boolean {
  const seen = new Set<unknown>();
  const visit = (n: unknown): boolean => {
    if (n === null || typeof n !== 'object' || seen.has(n)) return false;
    seen.add(n);
    if (Array.isArray(n)) return n.some(visit);
    const node = n as { k?: unknown; id?: unknown };
    if (node.k === 'name' && node.id === id) return true;
    return Object.values(n).some(visit);
  };
  return visit(nodes);
}

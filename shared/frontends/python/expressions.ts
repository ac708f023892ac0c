/**
 * Expression evaluation, calls and assignment targets. Statements live in
 * evaluator.ts, which extends this class. Every expression either yields a value (possibly
 * dynamic or invalid) or throws a PyError carrying the position of the failing expression.
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import type { Arg, CompExpr, Expr, FStringPart } from './ast.js';
import { Abort, chargeGrowth, checkCollectionSize, checkStringLength } from './budget.js';
import { EvaluatorBase } from './evaluator-base.js';
import { convert, formatValue } from './formatting.js';
import { binaryOp, compareOp, getItem, setItem, unaryOp, type SliceValue } from './operators.js';
import { Scope } from './scope.js';
import { instantiate } from './plain-classes.js';
import { customTimetable } from './datasets.js';
import { enumByValue } from './enums.js';
import { environAssign, environHas, environItem } from './stdlib.js';
import {
  DynamicResult,
  FALSE,
  INVALID,
  NONE,
  PyError,
  PyFail,
  dynamic,
  float,
  hashKey,
  int,
  list,
  opaqueOf,
  str,
  truthOrOpaque,
  truthy,
  tuple,
  typeName,
  type CallCtx,
  type ClassV,
  type DynamicV,
  type EnumInfo,
  type FunctionV,
  type Value,
} from './values.js';

const AIRFLOW_CONSTRUCTORS = new Set(['operator_class', 'taskflow', 'dagfn', 'groupfn']);

function looksLikeOperatorName(name: string): boolean {
  return /^[A-Z]\w*(Operator|Sensor)(Async)?$/.test(name);
}

export abstract class ExpressionEvaluator extends EvaluatorBase {
  // ---------------------------------------------------------------- expressions

  eval(e: Expr, scope: Scope): Value {
    try {
      return this.evalInner(e, scope);
    } catch (err) {
      if (err instanceof DynamicResult) return err.value;
      if (err instanceof PyFail) throw new PyError(err.code ?? DiagnosticCode.EVALUATION, err.message, e.from, err.hint);
      if (err instanceof Abort) err.from ??= e.from;
      throw err;
    }
  }

  private evalInner(e: Expr, scope: Scope): Value {
    switch (e.k) {
      case 'name':
        return this.lookup(e.id, scope, e.from);
      case 'num':
        return e.isInt ? int(e.value) : float(e.value);
      case 'str':
        return str(e.value);
      case 'fstr':
        return str(this.fstring(e.parts, scope));
      case 'const':
        return e.value === 'True' ? { t: 'bool', v: true } : e.value === 'False' ? FALSE : NONE;
      case 'starred':
        throw new PyError(DiagnosticCode.SYNTAX, "can't use starred expression here", e.from);
      case 'list':
        return list(this.items(e.items, scope));
      case 'tuple':
        return tuple(this.items(e.items, scope));
      case 'set': {
        const map = new Map<string, Value>();
        for (const v of this.items(e.items, scope)) map.set(this.key(v, e.from), v);
        return { t: 'set', map };
      }
      case 'dict':
        return this.dictLiteral(e.items, scope);
      case 'comp':
        return this.comprehension(e, scope);
      case 'attr':
        return this.getAttr(this.eval(e.obj, scope), e.name, e.nameFrom);
      case 'subscript':
        return this.subscript(e.obj, e.index, scope);
      case 'slice':
        throw new PyError(DiagnosticCode.SYNTAX, 'a slice is only valid inside []', e.from);
      case 'call':
        return this.callExpr(e.func, e.args, e.from, scope);
      case 'binop': {
        const left = this.eval(e.left, scope);
        const right = this.eval(e.right, scope);
        if ((e.op === '>>' || e.op === '<<') && this.api.isDependencyOperand(left, right)) return this.api.shift(e.op, left, right, e.opFrom);
        return binaryOp(e.op, left, right);
      }
      case 'unary': {
        const v = this.eval(e.operand, scope);
        if (e.op === 'not') {
          const truth = truthOrOpaque(v);
          return typeof truth === 'boolean' ? { t: 'bool', v: !truth } : truth;
        }
        return unaryOp(e.op, v);
      }
      case 'boolop': {
        const left = this.eval(e.left, scope);
        const truth = truthOrOpaque(left);
        if (typeof truth !== 'boolean') return truth;
        if (e.op === 'and' ? !truth : truth) return left;
        return this.eval(e.right, scope);
      }
      case 'compare': {
        let left = this.eval(e.left, scope);
        let result: Value = FALSE;
        for (let i = 0; i < e.ops.length; i++) {
          const right = this.eval(e.comparators[i]!, scope);
          const op = e.ops[i]!;
          if ((op === 'in' || op === 'not in') && right.t === 'object' && right.kind === 'environ') {
            result = environHas(this, left);
            if (op === 'not in' && result.t === 'bool') result = { t: 'bool', v: !result.v };
          } else result = compareOp(op, left, right);
          if (result.t !== 'bool' || !result.v) return result;
          left = right;
        }
        return result;
      }
      case 'ifexp': {
        const test = this.eval(e.test, scope);
        const truth = truthOrOpaque(test);
        if (typeof truth !== 'boolean') return truth;
        return this.eval(truth ? e.body : e.orelse, scope);
      }
      case 'lambda':
        return this.makeFunction('<lambda>', e, e.params, scope, e.from);
      case 'named': {
        const v = this.eval(e.value, scope);
        scope.assign(e.target, v);
        return v;
      }
      case 'unsupported':
        throw new PyError(DiagnosticCode.UNSUPPORTED, `${e.what} is not supported`, e.from, e.hint);
    }
  }

  makeFunction(name: string, node: FunctionV['node'], params: FunctionV['node']['params'], scope: Scope, from: number): FunctionV {
    const defaults = new Map<string, Value>();
    for (const p of params) if (p.default) defaults.set(p.name, this.eval(p.default, scope));
    const origin = this.executingOrigin;
    return { t: 'function', name, node, defaults, closure: scope, line: this.line(from), module: origin ?? null, ...(origin !== undefined ? { origin } : {}) };
  }

  /** Hash key of a dict/set key; a dynamic key cannot be stored. */
  private key(v: Value, from: number): string {
    const opaque = opaqueOf(v);
    if (opaque) throw new DynamicResult(opaque);
    try {
      return hashKey(v);
    } catch (err) {
      if (err instanceof PyFail) throw new PyError(DiagnosticCode.EVALUATION, err.message, from);
      throw err;
    }
  }

  private items(exprs: Expr[], scope: Scope): Value[] {
    const out: Value[] = [];
    for (const x of exprs) {
      if (x.k === 'starred') out.push(...this.iterate(this.eval(x.value, scope), x.from));
      else out.push(this.eval(x, scope));
    }
    return out;
  }

  private dictLiteral(items: ({ key: Expr; value: Expr } | { spread: Expr })[], scope: Scope): Value {
    const map = new Map<string, [Value, Value]>();
    for (const item of items) {
      if ('spread' in item) {
        const src = this.eval(item.spread, scope);
        const opaque = opaqueOf(src);
        if (opaque) return opaque;
        if (src.t !== 'dict') throw new PyError(DiagnosticCode.EVALUATION, `'${typeName(src)}' object is not a mapping`, item.spread.from);
        for (const [h, kv] of src.map) map.set(h, kv);
        continue;
      }
      const k = this.eval(item.key, scope);
      const v = this.eval(item.value, scope);
      const opaque = opaqueOf(k);
      if (opaque) {
        if (opaque.t === 'dynamic') this.rt.reportDynamic(opaque, 'a dict key', item.key.from);
        continue;
      }
      map.set(this.key(k, item.key.from), [k, v]);
    }
    return { t: 'dict', map };
  }

  private fstring(parts: FStringPart[], scope: Scope): string {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      let v = this.eval(part.expr, scope);
      if (part.selfDoc !== null) out += part.selfDoc;
      const conversion = part.conversion ?? (part.selfDoc !== null && part.spec === null ? 'r' : null);
      v = convert(v, conversion);
      out += formatValue(v, part.spec ? this.fstring(part.spec, scope) : '');
      checkStringLength(out.length);
    }
    return out;
  }

  private comprehension(e: CompExpr, scope: Scope): Value {
    const inner = new Scope(scope, 'comprehension');
    const out: Value[] = [];
    const dictOut = new Map<string, [Value, Value]>();
    const loop = (i: number): void => {
      if (i === e.clauses.length) {
        const elt = this.eval(e.elt, inner);
        if (e.kind === 'dict') {
          const v = this.eval(e.value!, inner);
          const opaque = opaqueOf(elt);
          if (opaque) {
            if (opaque.t === 'dynamic') this.rt.reportDynamic(opaque, 'a dict key', e.elt.from);
            return;
          }
          chargeGrowth(dictOut.size, 1);
          dictOut.set(this.key(elt, e.elt.from), [elt, v]);
        } else {
          checkCollectionSize(out.length + 1);
          out.push(elt);
        }
        return;
      }
      const c = e.clauses[i]!;
      if (c.k === 'for') {
        // The first iterable is evaluated in the enclosing scope, as in Python.
        const it = this.eval(c.iter, i === 0 ? scope : inner);
        for (const item of this.iterate(it, c.iter.from)) {
          this.tick(e.from);
          this.assign(c.target, item, inner);
          loop(i + 1);
        }
      } else {
        const test = this.eval(c.test, inner);
        const opaque = opaqueOf(test);
        if (opaque) throw new DynamicResult(opaque);
        if (truthy(test)) loop(i + 1);
      }
    };
    loop(0);
    if (e.kind === 'dict') return { t: 'dict', map: dictOut };
    if (e.kind === 'set') {
      const map = new Map<string, Value>();
      for (const v of out) map.set(this.key(v, e.from), v);
      return { t: 'set', map };
    }
    return list(out);
  }

  private subscript(objExpr: Expr, index: Expr, scope: Scope): Value {
    const obj = this.eval(objExpr, scope);
    let key: Value | SliceValue;
    if (index.k === 'slice') {
      const bound = (x: Expr | null): number | null => {
        if (x === null) return null;
        const v = this.eval(x, scope);
        const opaque = opaqueOf(v);
        if (opaque) throw new DynamicResult(opaque);
        if (v.t === 'none') return null;
        if (v.t !== 'int' && v.t !== 'bool') throw new PyError(DiagnosticCode.EVALUATION, 'slice indices must be integers or None', x.from);
        return v.t === 'bool' ? Number(v.v) : v.v;
      };
      key = { lower: bound(index.lower), upper: bound(index.upper), step: bound(index.step) };
    } else key = this.eval(index, scope);
    if ('t' in key) {
      if (obj.t === 'object' && obj.kind === 'environ') return environItem(this, key, objExpr.from);
      if (obj.t === 'xcom' && key.t === 'str') return { t: 'xcom', task: obj.task, key: key.v };
      if (obj.t === 'task' && key.t === 'str') return { t: 'xcom', task: obj.task, key: key.v };
    }
    return getItem(obj, key);
  }

  // ---------------------------------------------------------------- calls

  private callExpr(funcExpr: Expr, argExprs: Arg[], from: number, scope: Scope): Value {
    const fn = this.eval(funcExpr, scope);
    const args: Value[] = [];
    const kwargs = new Map<string, Value>();
    const pos: number[] = [];
    const kw = new Map<string, number>();
    let opaqueSpread: DynamicV | null = null;
    let invalidSpread = false;
    for (const a of argExprs) {
      const v = this.eval(a.value, scope);
      if (a.k === 'pos') {
        args.push(v);
        pos.push(a.from);
      } else if (a.k === 'kw') {
        if (kwargs.has(a.name)) throw new PyError(DiagnosticCode.SYNTAX, `keyword argument repeated: ${a.name}`, a.from);
        kwargs.set(a.name, v);
        kw.set(a.name, a.value.from);
      } else {
        const opaque = opaqueOf(v);
        if (opaque) {
          if (opaque.t === 'invalid') invalidSpread = true;
          else opaqueSpread ??= opaque;
          continue;
        }
        if (a.k === 'star') {
          for (const item of this.iterate(v, a.from)) {
            args.push(item);
            pos.push(a.from);
          }
        } else {
          if (v.t !== 'dict') throw new PyError(DiagnosticCode.EVALUATION, `argument after ** must be a mapping, not ${typeName(v)}`, a.from);
          for (const [k, val] of v.map.values()) {
            if (k.t !== 'str') throw new PyError(DiagnosticCode.EVALUATION, 'keywords must be strings', a.from);
            if (kwargs.has(k.v)) throw new PyError(DiagnosticCode.EVALUATION, `got multiple values for keyword argument '${k.v}'`, a.from);
            kwargs.set(k.v, val);
            kw.set(k.v, a.from);
          }
        }
      }
    }
    if (opaqueSpread || invalidSpread) {
      const constructs = AIRFLOW_CONSTRUCTORS.has(fn.t) || (fn.t === 'native' && (fn.name === 'DAG' || fn.name === 'TaskGroup')) || (fn.t === 'class' && fn.operator !== null);
      if (invalidSpread) return INVALID;
      if (constructs) this.rt.reportDynamic(opaqueSpread!, 'the unpacked arguments (* or **)', from);
      return constructs ? INVALID : opaqueSpread!;
    }
    return this.call(fn, args, kwargs, from, { pos, kw }, scope);
  }

  call(fn: Value, args: Value[], kwargs: Map<string, Value>, from: number, argFrom?: { pos: number[]; kw: Map<string, number> }, scope?: Scope): Value {
    const ctx: CallCtx = { interp: this, from, argFrom, scope };
    switch (fn.t) {
      case 'function':
        return this.callUser(fn, args, kwargs, from);
      case 'native': {
        const own = this.ownNative(fn);
        if (!own.handlesOpaque) {
          for (const v of args) if (v.t === 'invalid') return INVALID;
          for (const v of kwargs.values()) if (v.t === 'invalid') return INVALID;
        }
        try {
          return own.fn(args, kwargs, ctx);
        } catch (err) {
          if (err instanceof DynamicResult) return err.value;
          if (err instanceof PyFail) throw new PyError(err.code ?? DiagnosticCode.EVALUATION, err.message, from, err.hint);
          throw err;
        }
      }
      case 'operator_class':
        return this.api.callOperator(fn, args, kwargs, ctx);
      case 'class':
        if (fn.operator) return this.api.callOperator(fn, args, kwargs, ctx);
        if (fn.enum && args.length === 1 && kwargs.size === 0) {
          // `Env(value)`: a member by value (the functional API, `Enum('Name', 'A B')`, stays opaque).
          const opaque = opaqueOf(args[0]!);
          if (opaque) return opaque;
          try {
            return enumByValue(fn as ClassV & { enum: EnumInfo }, args[0]!);
          } catch (err) {
            if (err instanceof PyFail) throw new PyError(DiagnosticCode.EVALUATION, err.message, from);
            throw err;
          }
        }
        if (fn.plain && !fn.enum) return instantiate(fn, args, kwargs, this, from);
        // The DAG file's Python process builds the instance itself and the scheduler asks it (custom-timetable.ts).
        if (fn.timetable) return customTimetable(fn.name);
        return this.opaqueCall(`${fn.name}(...)`, args, kwargs, from, 'classes defined in the DAG file are not run by skydag', { name: fn.name, module: null });
      case 'external': {
        const name = fn.path[fn.path.length - 1] ?? fn.module;
        if (looksLikeOperatorName(name) || kwargs.has('task_id')) return this.api.callOperator(fn, args, kwargs, ctx);
        return this.opaqueCall(`${[fn.module, ...fn.path].join('.')}(...)`, args, kwargs, from, null, { name, module: [fn.module, ...fn.path.slice(0, -1)].join('.') });
      }
      case 'taskflow':
        return this.api.callTaskFlow(fn.tf, args, kwargs, ctx);
      case 'dagfn':
        return this.api.callDagFunction(fn, args, kwargs, ctx);
      case 'groupfn':
        return this.api.callGroupFunction(fn, args, kwargs, ctx);
      case 'module': {
        // An imported lowercase name may be a module or a function (`send_slack_notification`).
        const dot = fn.name.lastIndexOf('.');
        return this.opaqueCall(`${fn.name}(...)`, args, kwargs, from, null, { name: fn.name.slice(dot + 1), module: dot > 0 ? fn.name.slice(0, dot) : null });
      }
      case 'dynamic':
      case 'invalid':
        return fn;
      case 'dagparam':
      case 'mappedarg':
        return opaqueOf(fn)!;
    }
    throw new PyError(DiagnosticCode.EVALUATION, `'${typeName(fn)}' object is not callable`, from);
  }

  /** A call into code skydag does not run: its result is dynamic, and it must not receive Airflow objects. */
  private opaqueCall(what: string, args: Value[], kwargs: Map<string, Value>, from: number, hint: string | null, callee?: DynamicV['callee']): Value {
    const airflowArg = [...args, ...kwargs.values()].find((v) => v.t === 'dag' || v.t === 'task' || v.t === 'group' || v.t === 'xcom');
    if (airflowArg) {
      throw new PyError(DiagnosticCode.DYNAMIC_VALUE, `${what} receives a ${typeName(airflowArg)}, but skydag does not run imported code: tasks or dependencies it creates would be missing`, from, 'define the factory function in the DAG file so skydag can evaluate it');
    }
    const result = dynamic(what, from, hint ?? 'skydag does not run imported code while reading DAG files; compute the value inside a task, or define it in the DAG file');
    return callee ? { ...result, callee } : result;
  }

  // ---------------------------------------------------------------- assignment

  assign(target: Expr, value: Value, scope: Scope): void {
    switch (target.k) {
      case 'name':
        scope.assign(target.id, value);
        return;
      case 'tuple':
      case 'list': {
        const opaque = opaqueOf(value);
        if (opaque) {
          for (const t of target.items) this.assign(t.k === 'starred' ? t.value : t, opaque, scope);
          return;
        }
        const items = this.iterate(value, target.from);
        const star = target.items.findIndex((t) => t.k === 'starred');
        if (star < 0) {
          if (items.length !== target.items.length) {
            throw new PyError(DiagnosticCode.EVALUATION, items.length > target.items.length ? `too many values to unpack (expected ${target.items.length})` : `not enough values to unpack (expected ${target.items.length}, got ${items.length})`, target.from);
          }
          target.items.forEach((t, i) => this.assign(t, items[i]!, scope));
          return;
        }
        const after = target.items.length - star - 1;
        if (items.length < target.items.length - 1) throw new PyError(DiagnosticCode.EVALUATION, `not enough values to unpack (expected at least ${target.items.length - 1}, got ${items.length})`, target.from);
        target.items.slice(0, star).forEach((t, i) => this.assign(t, items[i]!, scope));
        this.assign((target.items[star] as { value: Expr }).value, list(items.slice(star, items.length - after)), scope);
        target.items.slice(star + 1).forEach((t, i) => this.assign(t, items[items.length - after + i]!, scope));
        return;
      }
      case 'attr':
        this.setAttr(this.eval(target.obj, scope), target.name, value, target.nameFrom);
        return;
      case 'subscript': {
        const obj = this.eval(target.obj, scope);
        if (obj.t === 'invalid' || obj.t === 'dynamic') return;
        const key = this.eval(target.index, scope);
        if (obj.t === 'object' && obj.kind === 'environ') return environAssign(this, key, value, target.from);
        const opaque = opaqueOf(key);
        if (opaque) {
          if (opaque.t === 'dynamic') this.rt.reportDynamic(opaque, obj.t === 'object' && obj.kind === 'globals' ? 'the globals() key' : 'a dict key', target.index.from);
          return;
        }
        try {
          setItem(obj, key, value);
        } catch (err) {
          if (err instanceof PyFail) throw new PyError(DiagnosticCode.EVALUATION, err.message, target.from, err.hint);
          throw err;
        }
        return;
      }
      case 'starred':
        throw new PyError(DiagnosticCode.SYNTAX, 'starred assignment target must be in a list or tuple', target.from);
      default:
        throw new PyError(DiagnosticCode.SYNTAX, 'cannot assign to this expression', target.from);
    }
  }
}

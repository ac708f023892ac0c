/**
 * What Airflow does while a DAG file is imported, reproduced on evaluator values: DAG and task
 * construction (DAG/TaskGroup context, default_args, unique ids), dependencies (`>>`, lists, task
 * groups, labels, XComArgs), registration of module-level and context-managed DAGs, and finally
 * the model built with buildTask/buildDag.
 */
import { buildDag, buildTask, DAG_POSITIONAL_ARGS, type TaskBuildInput } from '../../model/build.js';
import { DiagnosticBag, DiagnosticCode } from '../../model/diagnostics.js';
import type { Dag, PyValue, SourceLocation, Task, TaskExpand, TaskGroup } from '../../model/schema.js';
import { PYTHON_RUNNER_KINDS, type OperatorSpec } from '../../operators/registry.js';
import { usesMapFunction } from '../../model/xcom-arg.js';
import {
  addEdge,
  addTask,
  childId,
  groupFullId,
  groupLeaves,
  groupRoots,
  type DagState,
  type ExpandRequest,
  type GroupState,
  type TaskState,
} from './airflow-state.js';
import { branchTargets } from './branches.js';
import { CALLABLE_NAME, deepCopy, toPy } from './convert.js';
import { pyRepr } from './formatting.js';
import type { Scope } from './scope.js';
import {
  DynamicResult,
  INVALID,
  PyError,
  PyFail,
  dictGet,
  isOpaque,
  opaqueOf,
  typeName,
  type DictV,
  type FunctionV,
  type Value,
  type XComV,
} from './values.js';

export interface AirflowHost {
  readonly file: string;
  report(code: DiagnosticCode, message: string, from: number, extra?: { hint?: string; dag_id?: string; task_id?: string; warning?: boolean }): void;
  loc(from: number): SourceLocation;
  line(from: number): number;
  /** Calls a user function with a scope hook (for @dag/@task_group bodies). */
  callUser(fn: FunctionV, args: Value[], kwargs: Map<string, Value>, from: number): Value;
  readonly bag: DiagnosticBag;
}

export interface ArgPositions {
  pos: number[];
  kw: Map<string, number>;
}

const CALLBACK_ARGS = new Set(['on_failure_callback', 'on_success_callback', 'on_retry_callback', 'on_execute_callback', 'sla_miss_callback', 'on_skipped_callback', 'pre_execute', 'post_execute']);

/** Whether an imported name passed as `name` stands for a function (callables, callbacks). */
export function expectsCallable(spec: OperatorSpec | null, name: string): boolean {
  if (CALLBACK_ARGS.has(name)) return true;
  const arg = spec?.args[name];
  if (arg) return arg.type === 'callable' || (Array.isArray(arg.type) && arg.type.includes('callable'));
  return CALLABLE_NAME.test(name);
}

const TASK_CONTEXT_ARGS = ['dag', 'task_group'] as const;

/** The dependency ends a value stands for. */
type Ends = TaskState[];

/**
 * Arguments whose objects skydag never runs, so any value is accepted (kept as its repr): a plugin's
 * PriorityWeightStrategy (build.ts weightRule), the Kubernetes executor's `executor_config`
 * (`{"pod_override": k8s.V1Pod(...)}`; skydag's compute is chosen by `queue`).
 */
const OBJECT_VALUED_ARGS = new Set(['priority_weight_strategy', 'executor_config']);

export class AirflowRuntime {
  readonly dags: DagState[] = [];
  /** Innermost last; null marks the context of a DAG that failed to evaluate. */
  readonly dagStack: (DagState | null)[] = [];
  readonly groupStack: (GroupState | null)[] = [];
  private readonly warnedUnsupported = new Set<string>();
  private detached: DagState | undefined;
  private readonly lineOf: (offset: number) => number;
  private readonly defaultArgsCache = new Map<DagState, { refs: Value[]; py: Record<string, PyValue> }>();

  constructor(readonly host: AirflowHost) {
    this.lineOf = (offset) => host.line(offset);
  }

  // ---------------------------------------------------------------- argument conversion

  /** Converts one argument, reporting (and dropping) what cannot be stored in the model. */
  convert(value: Value, what: string | (() => string), at: number, opts: { callable?: boolean; lenient?: boolean; xcoms?: XComV[]; silent?: boolean; mapped?: boolean } = {}): { ok: true; value: PyValue } | { ok: false } {
    // Plain values need no conversion machinery (the common case in big generated DAGs).
    if (value.t === 'str' || value.t === 'int' || value.t === 'bool') return { ok: true, value: value.v };
    if (value.t === 'none') return { ok: true, value: null };
    try {
      return {
        ok: true,
        value: toPy(value, { file: this.host.file, line: this.lineOf, at, callableContext: opts.callable ?? false, lenient: opts.lenient ?? false, xcoms: opts.xcoms ?? [], mapped: opts.mapped ?? false }),
      };
    } catch (err) {
      if (opts.silent) return { ok: false };
      const label = typeof what === 'string' ? what : what();
      if (err instanceof DynamicResult) {
        if (err.value.t === 'dynamic') this.reportDynamic(err.value, label, at);
      } else if (err instanceof PyFail) {
        this.host.report(err.code ?? DiagnosticCode.EVALUATION, `${label}: ${err.message}`, at, err.hint ? { hint: err.hint } : {});
      } else throw err;
      return { ok: false };
    }
  }

  /**
   * `user_defined_macros` / `user_defined_filters`: a dict whose keys must be known here (templates
   * name them). An entry that is plain data is kept as it is; any other (a function, an object, a
   * module, a value computed when the file runs) is marked as living in the DAG file's process, where
   * the renderer evaluates a template's use of it (see the model's user_defined_macros).
   */
  templateNamespace(v: Value, what: string, at: number): Record<string, PyValue> | undefined {
    if (v.t === 'none') return undefined;
    if (v.t !== 'dict') {
      const opaque = opaqueOf(v);
      if (opaque?.t === 'dynamic') this.reportDynamic(opaque, what, at);
      else this.host.report(DiagnosticCode.EVALUATION, `${what} must be a dict (got ${typeName(v)})`, at);
      return undefined;
    }
    const out: Record<string, PyValue> = {};
    for (const [k, val] of v.map.values()) {
      if (k.t !== 'str') {
        this.host.report(DiagnosticCode.EVALUATION, `${what}: keys must be strings (got ${typeName(k)})`, at);
        return undefined;
      }
      const r = this.convert(val, what, at, { callable: true, silent: true });
      out[k.v] = r.ok ? r.value : { $type: 'callable', name: k.v, file: this.host.file, line: this.lineOf(at) };
    }
    return out;
  }

  reportDynamic(v: Extract<Value, { t: 'dynamic' }>, what: string, at: number): void {
    const where = v.from > 0 ? ` (line ${this.host.line(v.from)})` : '';
    this.host.report(DiagnosticCode.DYNAMIC_VALUE, `${what} must be known when the DAG file is read, but it depends on ${v.origin}${where}`, at, {
      hint: v.hint ?? 'skydag reads DAG files without running them: compute the value inside a task, or use a template',
    });
  }

  /** A required static string (dag_id, task_id, group_id); undefined after reporting. */
  staticString(v: Value | undefined, what: string, at: number): string | undefined {
    if (v === undefined) return undefined;
    const opaque = opaqueOf(v);
    if (opaque) {
      if (opaque.t === 'dynamic') this.reportDynamic(opaque, what, at);
      return undefined;
    }
    if (v.t !== 'str') {
      this.host.report(DiagnosticCode.EVALUATION, `${what} must be a string (got ${typeName(v)})`, at);
      return undefined;
    }
    return v.v;
  }

  /** default_args as model values: callbacks may be imported names; bad entries are dropped. */
  defaultArgsOf(v: Value | undefined, at: number, silent: boolean, dropped?: Set<string>): Record<string, PyValue> {
    const out: Record<string, PyValue> = {};
    if (v === undefined || v.t === 'none') return out;
    if (v.t !== 'dict') {
      dropped?.add('default_args');
      if (!silent && !opaqueOf(v)) this.host.report(DiagnosticCode.EVALUATION, `default_args must be a dict (got ${typeName(v)})`, at);
      else if (!silent) this.convert(v, 'default_args', at);
      return out;
    }
    for (const [k, val] of v.map.values()) {
      if (k.t !== 'str') continue;
      const r = this.convert(val, () => `default_args['${k.v}']`, at, { callable: expectsCallable(null, k.v), silent });
      if (r.ok) out[k.v] = r.value;
      else dropped?.add(`default_args.${k.v}`);
    }
    return out;
  }

  /**
   * The DAG's default_args as model values, converted again only when the dict changed (an edit
   * through `dag.default_args[...]` applies to the tasks created after it, as in Airflow).
   */
  private dagDefaultArgs(dag: DagState): Record<string, PyValue> {
    const v = dag.values.get('default_args');
    const entries = v?.t === 'dict' ? v.map : undefined;
    const cached = this.defaultArgsCache.get(dag);
    // Asked for every task: the dict is compared in place, its refs listed again only when it changed.
    if (cached && sameRefs(cached.refs, entries)) return cached.py;
    const refs = entries ? [...entries.values()].flatMap(([k, val]) => [k, val]) : [];
    const py = this.defaultArgsOf(v, dag.from, true);
    this.defaultArgsCache.set(dag, { refs, py });
    return py;
  }

  // ---------------------------------------------------------------- DAGs

  createDag(args: Value[], kwargs: Map<string, Value>, from: number, argFrom: ArgPositions | undefined, overrides: { dagId?: string } = {}): Value {
    const named = new Map<string, Value>();
    const named_from = new Map<string, number>();
    if (args.length > DAG_POSITIONAL_ARGS.length) throw new PyError(DiagnosticCode.EVALUATION, `DAG() takes at most ${DAG_POSITIONAL_ARGS.length} positional arguments (${args.length} given)`, from);
    args.forEach((v, i) => {
      named.set(DAG_POSITIONAL_ARGS[i]!, v);
      named_from.set(DAG_POSITIONAL_ARGS[i]!, argFrom?.pos[i] ?? from);
    });
    for (const [k, v] of kwargs) {
      if (named.has(k)) throw new PyError(DiagnosticCode.EVALUATION, `DAG() got multiple values for argument '${k}'`, from);
      named.set(k, v);
      named_from.set(k, argFrom?.kw.get(k) ?? from);
    }
    const at = (k: string) => named_from.get(k) ?? from;
    const dagId = overrides.dagId ?? this.staticString(named.get('dag_id'), 'dag_id', at('dag_id'));
    if (dagId === undefined) {
      if (!named.has('dag_id')) throw new PyError(DiagnosticCode.MISSING_ARGUMENT, "DAG() missing required argument 'dag_id'", from, "pass the DAG id first: DAG('my_dag', ...)");
      return INVALID;
    }
    const py: Record<string, PyValue> = {};
    const dropped = new Set<string>();
    for (const [k, v] of named) {
      if (k === 'default_args' || k === 'dag_id') continue;
      if (k === 'user_defined_macros' || k === 'user_defined_filters') {
        const ns = this.templateNamespace(v, `DAG '${dagId}': argument '${k}'`, at(k));
        if (ns) py[k] = ns;
        else dropped.add(k);
        continue;
      }
      if (k === 'template_undefined') {
        const cls = this.undefinedClass(v, dagId, at(k));
        if (cls !== undefined) py[k] = cls;
        continue;
      }
      const callable = CALLBACK_ARGS.has(k);
      const r = this.convert(v, `DAG '${dagId}': argument '${k}'`, at(k), { callable });
      if (r.ok) py[k] = r.value;
      else dropped.add(k);
    }
    const defaultArgsValue = named.get('default_args');
    this.defaultArgsOf(defaultArgsValue, at('default_args'), false, dropped);
    const params = py.params !== undefined && py.params !== null && typeof py.params === 'object' && !Array.isArray(py.params) ? (py.params as Record<string, PyValue>) : {};
    const dag: DagState = {
      dagId,
      seq: this.dags.length,
      kwargs: py,
      values: named,
      params,
      source: this.host.loc(from),
      from,
      tasks: new Map(),
      groups: [],
      groupIds: new Map(),
      suffixes: new Map(),
      registered: false,
      dropped,
      edgeLabels: new Map(),
    };
    // Airflow deep-copies default_args; later edits through dag.default_args still apply.
    dag.values.set('default_args', defaultArgsValue && defaultArgsValue.t === 'dict' ? deepCopy(defaultArgsValue) : { t: 'dict', map: new Map() });
    this.dags.push(dag);
    return { t: 'dag', dag };
  }

  /**
   * `DAG(template_undefined=...)`: the name of the Jinja Undefined class templates render with (a
   * class of jinja2 itself). StrictUndefined, Airflow's default, is left out of the model; another
   * class (a subclass the file defines, a value of other code) is reported, and the default applies.
   */
  private undefinedClass(v: Value, dagId: string, at: number): string | undefined {
    if (v.t === 'none') return undefined;
    const dotted = v.t === 'external' ? [v.module, ...v.path].join('.') : undefined;
    const name = dotted && /^jinja2(?:\.runtime)?\.(Undefined|StrictUndefined|ChainableUndefined|DebugUndefined)$/.exec(dotted)?.[1];
    if (name) return name === 'StrictUndefined' ? undefined : name;
    // Airflow would render with that class; skydag renders strictly, so a template using an
    // undefined name fails its task instead of printing what the class would print.
    const what = dotted ?? (v.t === 'class' ? v.name : opaqueOf(v)?.t === 'dynamic' ? 'a value of code skydag does not read' : typeName(v));
    this.host.report(DiagnosticCode.UNSUPPORTED, `DAG '${dagId}': template_undefined=${what} is not one of jinja2's Undefined classes; templates render with StrictUndefined`, at, {
      hint: 'use jinja2.Undefined, jinja2.StrictUndefined (the default), jinja2.ChainableUndefined or jinja2.DebugUndefined',
      warning: true,
    });
    return undefined;
  }

  /**
   * SubDagOperator's `subdag=`: Airflow 2.10's checks (a DAG whose id is `<parent>.<task_id>`), then
   * the sub-DAG is registered as a DAG of the file (Airflow's DagBag collects sub-DAGs from their
   * operators) marked with its parent, and the task keeps its id.
   */
  private adoptSubdag(v: Value, parent: DagState, taskId: string, from: number): string {
    const expected = `${parent.dagId}.${taskId}`;
    if (isOpaque(v)) {
      // Built by code skydag does not read (e.g. airflow.example_dags.subdags.subdag): the file still
      // loads, and the task fails when it runs, naming the sub-DAG it cannot find.
      this.host.report(DiagnosticCode.NOT_EXECUTABLE, `SubDagOperator '${taskId}': its sub-DAG is not known when the file is read, so task '${taskId}' will fail when it runs`, from, {
        warning: true,
        dag_id: parent.dagId,
        task_id: taskId,
        hint: `build the sub-DAG in the DAG file (or a module beside it): a function returning DAG('${expected}', ...) with its tasks`,
      });
      return expected;
    }
    if (v.t !== 'dag') throw new PyError(DiagnosticCode.ARGUMENT_TYPE, `SubDagOperator '${taskId}': subdag must be a DAG, not ${typeName(v)}`, from);
    if (v.dag.dagId !== expected) {
      throw new PyError(
        DiagnosticCode.EVALUATION,
        `The subdag's dag_id should have the form '{parent_dag_id}.{this_task_id}'. Expected '${expected}'; received '${v.dag.dagId}'.`,
        from,
      );
    }
    v.dag.registered = true;
    v.dag.parentDagId = parent.dagId;
    return v.dag.dagId;
  }

  /** The DAG in context: undefined when none, null inside a DAG that failed. */
  currentDag(): DagState | null | undefined {
    return this.dagStack.length ? this.dagStack[this.dagStack.length - 1] : undefined;
  }

  // ---------------------------------------------------------------- tasks

  /**
   * Creates a task (operator instance or TaskFlow call). Returns INVALID when it cannot be created
   * (after reporting why), so later uses stay silent.
   */
  createTask(req: {
    operatorName: string;
    operatorModule: string | null;
    spec: OperatorSpec;
    kwargs: Map<string, Value>;
    kwFrom: Map<string, number>;
    from: number;
    /** TaskFlow: the id is derived (and made unique) once the DAG and group are known. */
    taskId?: (dag: DagState, group: GroupState | null) => string;
    branchFn?: FunctionV;
    /** TaskFlow: the call's own arguments, which become op_args / op_kwargs. */
    callArgs?: { pos: Value[]; posFrom: number[]; kw: Map<string, Value>; kwFrom: Map<string, number> };
    /** `.expand()` / `.expand_kwargs()`: the task is mapped over these. */
    expand?: ExpandRequest;
  }): Value {
    const { kwargs, from } = req;
    const at = (k: string) => req.kwFrom.get(k) ?? from;
    let taskId: string | undefined;
    if (!req.taskId) {
      const raw = kwargs.get('task_id');
      if (raw === undefined) {
        this.host.report(DiagnosticCode.MISSING_ARGUMENT, `${req.operatorName}: Argument ['task_id'] is required`, from, { hint: "give every task a unique task_id='...'" });
        return INVALID;
      }
      taskId = this.staticString(raw, 'task_id', at('task_id'));
      if (taskId === undefined) return INVALID;
    }

    // The DAG: dag=, then the task group's DAG, then the DAG context (Airflow's precedence).
    let dag: DagState | undefined;
    let group: GroupState | null = null;
    const dagArg = kwargs.get('dag');
    const groupArg = kwargs.get('task_group');
    for (const name of TASK_CONTEXT_ARGS) {
      const v = name === 'dag' ? dagArg : groupArg;
      if (v === undefined || v.t === 'none') continue;
      if (v.t === 'invalid') return INVALID;
      if (v.t === 'dynamic' || v.t === 'external') {
        this.reportDynamic(opaqueOf(v) as Extract<Value, { t: 'dynamic' }>, name, at(name));
        return INVALID;
      }
      if (name === 'dag' && v.t !== 'dag') throw new PyError(DiagnosticCode.EVALUATION, `dag must be a DAG (got ${typeName(v)})`, at(name));
      if (name === 'task_group' && v.t !== 'group') throw new PyError(DiagnosticCode.EVALUATION, `task_group must be a TaskGroup (got ${typeName(v)})`, at(name));
    }
    if (dagArg?.t === 'dag') dag = dagArg.dag;
    if (groupArg?.t === 'group') {
      group = groupArg.group;
      dag ??= group.dag;
    }
    if (!dag) {
      const ctx = this.currentDag();
      if (ctx === null) return INVALID;
      dag = ctx;
    }
    const ctxGroup = this.groupStack.length ? this.groupStack[this.groupStack.length - 1] : undefined;
    if (ctxGroup === null) return INVALID;
    if (!dag && ctxGroup) dag = ctxGroup.dag;
    if (!dag) {
      const da = kwargs.get('default_args');
      const viaDefaults = da?.t === 'dict' ? dictGet(da, 'dag') : undefined;
      if (viaDefaults?.t === 'dag') dag = viaDefaults.dag;
    }
    // No DAG yet (Airflow allows it): the task waits outside every DAG until a dependency attaches it.
    dag ??= this.detachedDag();
    if (!group && ctxGroup && ctxGroup.dag === dag) group = ctxGroup;
    if (group && group.dag !== dag) {
      throw new PyError(DiagnosticCode.EVALUATION, `task_group '${group.groupId}' belongs to DAG '${group.dag.dagId}', not '${dag.dagId}'`, from);
    }

    const shortId = req.taskId ? req.taskId(dag, group) : taskId!;
    const fullId = childId(group, shortId);
    const clash = dag.tasks.get(fullId) ?? dag.groupIds.get(fullId);
    if (clash) {
      const first = clash.source;
      const message =
        clash.from === from
          ? `task id '${fullId}' is created more than once by this line (it runs repeatedly, e.g. in a loop)`
          : `task id '${fullId}' already defined at line ${first.line}:${first.col}`;
      this.host.report(DiagnosticCode.DUPLICATE_TASK_ID, message, from, {
        dag_id: dag.dagId,
        task_id: fullId,
        hint: 'task ids must be unique within a DAG (inside loops, build the id from the loop variable)',
      });
      return INVALID;
    }

    // default_args: the DAG's, then each enclosing group's, then the operator's own. Only read later
    // (buildTask), so a task with nothing to add shares the DAG's converted dict instead of a copy.
    let defaultArgs: Record<string, PyValue> = this.dagDefaultArgs(dag);
    if (group || kwargs.has('default_args')) defaultArgs = { ...defaultArgs };
    if (group) {
      const chain: GroupState[] = [];
      for (let g: GroupState | null = group; g; g = g.parent) chain.unshift(g);
      for (const g of chain) Object.assign(defaultArgs, g.defaultArgs);
    }
    if (kwargs.has('default_args')) Object.assign(defaultArgs, this.defaultArgsOf(kwargs.get('default_args'), at('default_args'), false));

    // Values only the running file has (objects of its classes, namedtuples...) are fine for operators
    // skydag never executes, and for custom operators, which the Python runner builds from the file.
    const lenient = req.spec.execution === 'unsupported' || req.spec.kind === 'custom';
    const xcoms: XComV[] = [];
    const py: Record<string, PyValue> = {};
    const dropped = new Set<string>();
    for (const [name, v] of kwargs) {
      if (name === 'task_id' || name === 'dag' || name === 'task_group' || name === 'default_args') continue;
      if (req.spec.kind === 'subdag' && name === 'subdag') {
        py.subdag = this.adoptSubdag(v, dag, fullId, at(name));
        continue;
      }
      // Plain values convert to themselves (convert's own fast path), without its label and options.
      if (v.t === 'str' || v.t === 'int' || v.t === 'bool') {
        py[name] = v.v;
        continue;
      }
      const r = this.convert(v, () => `${req.operatorName} '${fullId}': argument '${name}'`, at(name), { callable: expectsCallable(req.spec, name), lenient: lenient || OBJECT_VALUED_ARGS.has(name), xcoms });
      if (r.ok) py[name] = r.value;
      else dropped.add(name);
    }
    if (req.callArgs) {
      const ca = req.callArgs;
      const opArgs: PyValue[] = [];
      ca.pos.forEach((v, i) => {
        const r = this.convert(v, () => `${req.operatorName} '${fullId}': positional argument ${i + 1}`, ca.posFrom[i] ?? from, { xcoms });
        if (r.ok) opArgs.push(r.value);
        else dropped.add('op_args');
      });
      const opKwargs: Record<string, PyValue> = {};
      for (const [k, v] of ca.kw) {
        const r = this.convert(v, () => `${req.operatorName} '${fullId}': argument '${k}'`, ca.kwFrom.get(k) ?? from, { xcoms });
        if (r.ok) opKwargs[k] = r.value;
        else dropped.add('op_kwargs');
      }
      if (!dropped.has('op_args')) py.op_args = opArgs;
      if (!dropped.has('op_kwargs')) py.op_kwargs = opKwargs;
    }

    const expand = req.expand ? this.convertExpand(req.expand, req.callArgs ? 'op_kwargs' : 'args', `${req.operatorName} '${fullId}'`, xcoms) : undefined;
    if (req.expand && !expand) return INVALID;
    if (expand && usesMapFunction(expand) && !PYTHON_RUNNER_KINDS.has(req.spec.kind)) {
      throw new PyError(DiagnosticCode.UNSUPPORTED, `${req.operatorName} '${fullId}': XComArg.map() is only supported for tasks run by skydag's Python runner (@task, PythonOperator, custom operators)`, req.expand!.from, 'map in an upstream @task that returns the transformed list, and expand over its output');
    }

    if (req.spec.execution === 'unsupported' && !this.warnedUnsupported.has(req.operatorName)) {
      this.warnedUnsupported.add(req.operatorName);
      this.host.report(DiagnosticCode.NOT_EXECUTABLE, `${req.operatorName} is recognised but skydag does not execute it: task '${fullId}' will fail when it runs`, from, {
        warning: true,
        dag_id: dag.dagId,
        task_id: fullId,
        hint: 'replace it with a supported operator (BashOperator, PythonOperator, ...) to run it on skydag',
      });
    }

    const task: TaskState = {
      taskId: fullId,
      dag,
      group,
      operatorName: req.operatorName,
      operatorModule: req.operatorModule,
      spec: req.spec,
      kwargs: py,
      values: kwargs,
      defaultArgs,
      droppedArgs: dropped,
      source: this.host.loc(from),
      from,
      upstream: new Set(),
      downstream: new Set(),
      branchTargets: req.spec.branching ? (req.branchFn ? branchTargets(req.branchFn) : followTaskIds(py)) : undefined,
      ...(expand ? { expand } : {}),
    };
    addTask(task);
    // Airflow makes the producer of every XComArg argument an upstream task.
    for (const x of xcoms) this.edge(x.task, task, from);
    return { t: 'task', task };
  }

  /**
   * The mapped arguments as the model keeps them. Airflow checks at parse time that each is something
   * it can map over (a list, a dict or an XComArg of the return value); the length of an XComArg is
   * only known when the task is about to run.
   */
  /**
   * A mapped task group (`@task_group` function's `.expand()` / `.expand_kwargs()`), after its body
   * ran: every task in it maps over the group's input (Airflow's MappedTaskGroup), and the producers
   * of XComArgs in that input become upstream of the group, as Airflow makes them.
   */
  mapGroup(group: GroupState, req: ExpandRequest): void {
    const xcoms: XComV[] = [];
    const expand = this.convertExpand(req, 'group', `mapped task group '${group.groupId}'`, xcoms);
    if (!expand) return;
    // The function runs where an item is read: in the Python runner, so every task of the group must run there.
    const outsideRunner = usesMapFunction(expand) ? group.members.find((t) => !PYTHON_RUNNER_KINDS.has(t.spec.kind)) : undefined;
    if (outsideRunner) {
      throw new PyError(
        DiagnosticCode.UNSUPPORTED,
        `mapped task group '${group.groupId}': XComArg.map() as the group's input needs every task of the group run by skydag's Python runner (@task, PythonOperator, custom operators); '${outsideRunner.taskId}' is a ${outsideRunner.operatorName}`,
        req.from,
        'map in an upstream @task that returns the transformed list, and expand the group over its output',
      );
    }
    for (const t of group.members) {
      if (t.expand) {
        throw new PyError(DiagnosticCode.UNSUPPORTED, `task '${t.taskId}': operator expansion in an expanded task group is not yet supported (mapped task group '${group.groupId}'; Airflow 2.10 refuses it too)`, t.from, 'map the task group only (its tasks get its indexes), or move the mapped task out of the group');
      }
      t.expand = { ...expand, group_id: group.groupId };
    }
    for (const x of xcoms) this.relate({ t: 'task', task: x.task }, { t: 'group', group }, req.from);
  }

  private convertExpand(req: ExpandRequest, target: TaskExpand['target'], label: string, xcoms: XComV[]): TaskExpand | undefined {
    const mappable = (v: Value, what: string, at: number): PyValue | undefined => {
      if (v.t === 'xcom' && v.key !== 'return_value') throw new PyError(DiagnosticCode.EVALUATION, `${label}: cannot map over XCom with custom key '${v.key}' (${what})`, at);
      if (v.t !== 'xcom' && v.t !== 'list' && v.t !== 'tuple' && v.t !== 'dict' && v.t !== 'dynamic' && v.t !== 'invalid') {
        throw new PyError(DiagnosticCode.EVALUATION, `${label}: expand() got an unexpected type '${typeName(v)}' for ${what}`, at, 'map over a list, a dict or the output of an upstream task');
      }
      const r = this.convert(v, `${label}: ${what}`, at, { xcoms, mapped: v.t === 'xcom' });
      return r.ok ? r.value : undefined;
    };
    if (req.kind === 'kwargs') {
      if (req.kw.size === 0) throw new PyError(DiagnosticCode.EVALUATION, `${label}: no arguments to expand against`, req.from);
      const value: Record<string, PyValue> = {};
      for (const [k, v] of req.kw) {
        const converted = mappable(v, `keyword argument '${k}'`, req.kwFrom.get(k) ?? req.from);
        if (converted === undefined) return undefined;
        value[k] = converted;
      }
      return { kind: 'kwargs', value, target };
    }
    const v = req.value;
    if (v.t !== 'xcom' && v.t !== 'list' && v.t !== 'tuple' && v.t !== 'dynamic' && v.t !== 'invalid') {
      throw new PyError(DiagnosticCode.EVALUATION, `${label}: expand_kwargs() expects a list of dicts or an XComArg (got ${typeName(v)})`, req.from);
    }
    if ((v.t === 'list' || v.t === 'tuple') && v.items.some((item) => item.t !== 'dict')) {
      throw new PyError(DiagnosticCode.EVALUATION, `${label}: expand_kwargs() expects a list of dicts`, req.from);
    }
    const converted = mappable(v, 'expand_kwargs()', req.from);
    return converted === undefined ? undefined : { kind: 'kwargs_list', value: converted, target };
  }

  // ---------------------------------------------------------------- task groups

  createGroup(args: Value[], kwargs: Map<string, Value>, from: number, argFrom: ArgPositions | undefined, opts: { addSuffix?: boolean } = {}): Value {
    const names = ['group_id', 'prefix_group_id', 'parent_group', 'dag', 'default_args', 'tooltip', 'ui_color', 'ui_fgcolor', 'add_suffix_on_collision'];
    const bound = new Map<string, Value>();
    const boundFrom = new Map<string, number>();
    args.forEach((v, i) => {
      if (i >= names.length) throw new PyError(DiagnosticCode.EVALUATION, 'TaskGroup() got too many positional arguments', from);
      bound.set(names[i]!, v);
      boundFrom.set(names[i]!, argFrom?.pos[i] ?? from);
    });
    for (const [k, v] of kwargs) {
      if (!names.includes(k) && k !== 'group_display_name') throw new PyError(DiagnosticCode.EVALUATION, `TaskGroup() got an unexpected keyword argument '${k}'`, argFrom?.kw.get(k) ?? from);
      bound.set(k, v);
      boundFrom.set(k, argFrom?.kw.get(k) ?? from);
    }
    const at = (k: string) => boundFrom.get(k) ?? from;
    if (!bound.has('group_id')) throw new PyError(DiagnosticCode.MISSING_ARGUMENT, "TaskGroup() missing required argument 'group_id'", from);
    const label = this.staticString(bound.get('group_id'), 'group_id', at('group_id'));
    if (label === undefined) return INVALID;

    const parentArg = bound.get('parent_group');
    const dagArg = bound.get('dag');
    if (parentArg?.t === 'invalid' || dagArg?.t === 'invalid') return INVALID;
    let parent: GroupState | null = parentArg?.t === 'group' ? parentArg.group : null;
    let dag: DagState | undefined = dagArg?.t === 'dag' ? dagArg.dag : parent?.dag;
    if (!dag) {
      const ctx = this.currentDag();
      if (ctx === null) return INVALID;
      dag = ctx;
    }
    const ctxGroup = this.groupStack.length ? this.groupStack[this.groupStack.length - 1] : undefined;
    if (ctxGroup === null) return INVALID;
    if (!dag && ctxGroup) dag = ctxGroup.dag;
    if (!dag) {
      this.host.report(DiagnosticCode.TASK_WITHOUT_DAG, `task group '${label}' is not attached to any DAG`, from, { hint: 'create it inside `with DAG(...):`, or pass dag=dag' });
      return INVALID;
    }
    if (!parent && ctxGroup && ctxGroup.dag === dag) parent = ctxGroup;

    const prefix = bound.get('prefix_group_id');
    const tooltip = bound.get('tooltip');
    let groupId = groupFullId(parent, label);
    let finalLabel = label;
    const suffixWanted = opts.addSuffix || (bound.get('add_suffix_on_collision')?.t === 'bool' && (bound.get('add_suffix_on_collision') as { v: boolean }).v);
    if (suffixWanted) {
      for (let n = 1; dag.groupIds.has(groupId) || dag.tasks.has(groupId); n++) {
        finalLabel = `${label.replace(/__\d+$/, '')}__${n}`;
        groupId = groupFullId(parent, finalLabel);
      }
    }
    const clash = dag.groupIds.get(groupId) ?? dag.tasks.get(groupId);
    if (clash) {
      this.host.report(DiagnosticCode.DUPLICATE_TASK_ID, `group id '${groupId}' already defined at line ${clash.source.line}:${clash.source.col}`, from, {
        dag_id: dag.dagId,
        hint: 'task group ids share the namespace of task ids and must be unique within a DAG',
      });
      return INVALID;
    }
    const defaultArgs = { ...(parent ? parent.defaultArgs : {}), ...this.defaultArgsOf(bound.get('default_args'), at('default_args'), false) };
    const group: GroupState = {
      label: finalLabel,
      groupId,
      parent,
      dag,
      prefixGroupId: prefix === undefined || prefix.t !== 'bool' ? true : prefix.v,
      tooltip: tooltip?.t === 'str' ? tooltip.v : '',
      defaultArgs,
      members: [],
      memberSet: new Set(),
      source: this.host.loc(from),
      from,
    };
    dag.groups.push(group);
    dag.groupIds.set(groupId, group);
    return { t: 'group', group };
  }

  // ---------------------------------------------------------------- dependencies

  /**
   * Where tasks made without a DAG wait (not a DAG of the file). As Airflow's `_set_relatives`, a
   * dependency with a task of a DAG adds such a task to that DAG (with no default_args of it: those
   * apply when a task is made); one between two such tasks is Airflow's error; one never attached is in
   * no DAG (a warning at the end).
   */
  private detachedDag(): DagState {
    this.detached ??= {
      dagId: '<no DAG>', seq: -1, kwargs: {}, values: new Map([['default_args', { t: 'dict', map: new Map() }]]), params: {}, source: this.host.loc(0), from: 0,
      tasks: new Map(), groups: [], groupIds: new Map(), suffixes: new Map(), registered: false, dropped: new Set(), edgeLabels: new Map(),
    };
    return this.detached;
  }

  /** Moves a task made without a DAG into `dag` (Airflow's `dag.add_task`: its current task group there, else the root). */
  private attach(task: TaskState, dag: DagState, from: number): void {
    const current = this.groupStack.length ? this.groupStack[this.groupStack.length - 1] : null;
    const group = current && current.dag === dag ? current : null;
    const fullId = childId(group, task.taskId);
    if (dag.tasks.has(fullId) || dag.groupIds.has(fullId)) {
      throw new PyError(DiagnosticCode.DUPLICATE_TASK_ID, `DuplicateTaskIdFound: Task id '${fullId}' has already been added to the DAG`, from);
    }
    this.detached!.tasks.delete(task.taskId);
    task.taskId = fullId;
    task.dag = dag;
    task.group = group;
    addTask(task);
  }

  edge(up: TaskState, down: TaskState, from: number, label?: string): void {
    const detached = this.detached;
    if (detached && (up.dag === detached || down.dag === detached)) {
      if (up.dag === down.dag) {
        throw new PyError(DiagnosticCode.EVALUATION, `AirflowException: Tried to create relationships between tasks that don't have DAGs yet ('${up.taskId}', '${down.taskId}'). Set the DAG for at least one task and try again`, from, 'create one of them inside `with DAG(...):` or pass dag=dag');
      }
      if (up.dag === detached) this.attach(up, down.dag, from);
      else this.attach(down, up.dag, from);
    }
    if (up.dag !== down.dag) {
      throw new PyError(DiagnosticCode.EVALUATION, `cannot set a dependency between tasks of different DAGs: '${up.taskId}' (DAG '${up.dag.dagId}') and '${down.taskId}' (DAG '${down.dag.dagId}')`, from, 'to wait for another DAG, use ExternalTaskSensor or TriggerDagRunOperator');
    }
    addEdge(up, down);
    if (label !== undefined) up.dag.edgeLabels.set(`${up.taskId}\0${down.taskId}`, label);
  }

  /** Tasks a value stands for on one side of a dependency (groups: roots or leaves, now). */
  private ends(v: Value, side: 'up' | 'down', from: number): Ends | null {
    switch (v.t) {
      case 'task':
        return [v.task];
      case 'xcom':
        {
        const parts = v.zip?.args ?? v.concat?.args;
        return parts ? parts.flatMap((a) => this.ends(a, side, from) ?? []) : [v.task];
      }
      case 'group':
        return side === 'up' ? groupLeaves(v.group) : groupRoots(v.group);
      case 'invalid':
        return null;
      case 'dynamic':
      case 'external':
        throw new DynamicResult(opaqueOf(v)!);
      default:
        throw new PyError(DiagnosticCode.EVALUATION, `cannot set a dependency on a ${typeName(v)} value (${pyRepr(v).slice(0, 60)})`, from, 'dependencies connect tasks, task groups, XComArgs and lists of them');
    }
  }

  /** `up >> down` (also set_downstream, chain pairs): every end of `up` becomes upstream of `down`. */
  relate(up: Value, down: Value, from: number): void {
    if (up.t === 'list' || up.t === 'tuple' || up.t === 'set') {
      for (const u of up.t === 'set' ? [...up.map.values()] : up.items) this.relate(u, down, from);
      return;
    }
    if (down.t === 'list' || down.t === 'tuple' || down.t === 'set') {
      for (const d of down.t === 'set' ? [...down.map.values()] : down.items) this.relate(up, d, from);
      return;
    }
    if (up.t === 'label' && down.t === 'label') throw new PyError(DiagnosticCode.EVALUATION, 'cannot connect two labels', from);
    if (down.t === 'label') {
      const ups = this.ends(up, 'up', from);
      if (!ups) return;
      for (const u of ups) for (const d of down.label.downstream) this.edge(u, d, from, down.label.label);
      down.label.upstream.push(...ups);
      return;
    }
    if (up.t === 'label') {
      const downs = this.ends(down, 'down', from);
      if (!downs) return;
      for (const u of up.label.upstream) for (const d of downs) this.edge(u, d, from, up.label.label);
      up.label.downstream.push(...downs);
      return;
    }
    const ups = this.ends(up, 'up', from);
    const downs = this.ends(down, 'down', from);
    if (!ups || !downs) return;
    for (const u of ups) for (const d of downs) this.edge(u, d, from);
  }

  // ---------------------------------------------------------------- results

  /** Registers module-level DAGs and builds the model of every registered DAG. */
  finish(module: Scope): Dag[] {
    for (const v of module.vars.values()) if (v.t === 'dag') v.dag.registered = true;
    for (const task of this.detached?.tasks.values() ?? []) {
      this.host.report(DiagnosticCode.TASK_WITHOUT_DAG, `task '${task.taskId}' is not attached to any DAG: Airflow leaves it out of every DAG`, task.from, {
        task_id: task.taskId,
        hint: 'create it inside `with DAG(...):` (or a @dag function), pass dag=dag, or set it downstream of a task of a DAG',
        warning: true,
      });
    }
    const byId = new Map<string, DagState>();
    const out: Dag[] = [];
    for (const dag of this.dags) {
      if (!dag.registered) continue;
      const first = byId.get(dag.dagId);
      if (first) {
        this.host.report(DiagnosticCode.DUPLICATE_DAG_ID, `DAG id '${dag.dagId}' is already used by the DAG defined at line ${first.source.line}:${first.source.col}`, dag.from, {
          dag_id: dag.dagId,
          hint: 'give every DAG in the file its own dag_id',
        });
        continue;
      }
      byId.set(dag.dagId, dag);
      out.push(this.buildDagModel(dag));
    }
    return out;
  }

  private buildDagModel(dag: DagState): Dag {
    const scratch = new DiagnosticBag();
    const tasks: Task[] = [];
    for (const t of dag.tasks.values()) {
      scratch.items.length = 0;
      const input: TaskBuildInput = {
        spec: t.spec,
        operator: t.operatorName,
        taskId: t.taskId,
        groupId: t.group?.groupId ?? null,
        dagId: dag.dagId,
        kwargs: t.kwargs,
        defaultArgs: t.defaultArgs,
        dagParams: dag.params,
        source: t.source,
      };
      if (t.operatorModule !== null) input.operatorModule = t.operatorModule;
      if (t.branchTargets !== undefined) input.branchTargets = t.branchTargets;
      if (t.expand !== undefined) input.expand = t.expand;
      const task = buildTask(input, scratch);
      // An argument that failed to evaluate was reported already; do not also call it missing.
      for (const d of scratch.items) {
        const missing = d.code === DiagnosticCode.MISSING_ARGUMENT ? /Argument \['([^']+)'\]/.exec(d.message)?.[1] : undefined;
        if (missing === undefined || !t.droppedArgs.has(missing)) this.host.bag.items.push(d);
      }
      if (t.isSetup) task.is_setup = true;
      if (t.isTeardown) {
        task.is_teardown = true;
        task.on_failure_fail_dagrun = t.onFailureFailDagrun === true;
      }
      task.upstream_task_ids = sortedIds(t.upstream);
      task.downstream_task_ids = sortedIds(t.downstream);
      tasks.push(task);
    }
    const groups: TaskGroup[] = dag.groups.map((g) => ({
      group_id: g.groupId,
      parent_group_id: g.parent?.groupId ?? null,
      tooltip: g.tooltip,
      prefix_group_id: g.prefixGroupId,
      source: g.source,
    }));
    const kwargs: Record<string, PyValue> = { ...dag.kwargs };
    kwargs.default_args = this.defaultArgsOf(dag.values.get('default_args'), dag.from, true);
    if (Object.keys(dag.params).length) kwargs.params = dag.params;
    scratch.items.length = 0;
    const model = buildDag({ dagId: dag.dagId, kwargs, tasks, groups, source: dag.source }, scratch);
    if (dag.parentDagId !== undefined) model.parent_dag_id = dag.parentDagId;
    const labels = [...dag.edgeLabels].map(([key, label]) => {
      const [upstream_task_id, downstream_task_id] = key.split('\0') as [string, string];
      return { upstream_task_id, downstream_task_id, label };
    });
    if (labels.length) model.edge_labels = labels.sort((a, b) => a.upstream_task_id.localeCompare(b.upstream_task_id) || a.downstream_task_id.localeCompare(b.downstream_task_id));
    // An argument that failed to evaluate was reported already; do not also call it missing.
    const lostStart = ['start_date', 'default_args', 'default_args.start_date'].some((k) => dag.dropped.has(k));
    const lostSchedule = ['schedule', 'schedule_interval', 'timetable'].some((k) => dag.dropped.has(k));
    for (const d of scratch.items) {
      if (lostStart && d.code === DiagnosticCode.BAD_DATE && d.message.includes('has no start_date')) continue;
      if (lostSchedule && d.code === DiagnosticCode.DEFAULT_SCHEDULE) continue;
      this.host.bag.items.push(d);
    }
    return model;
  }
}

/** The tasks' ids, sorted. */
function sortedIds(tasks: ReadonlySet<TaskState>): string[] {
  const ids: string[] = [];
  for (const t of tasks) ids.push(t.taskId);
  return ids.sort();
}

/** Whether `refs` (key, value, key, value…) are still exactly the dict's entries. */
function sameRefs(refs: readonly Value[], entries: DictV['map'] | undefined): boolean {
  if (!entries) return refs.length === 0;
  if (refs.length !== entries.size * 2) return false;
  let i = 0;
  for (const [key, value] of entries.values()) {
    if (refs[i++] !== key || refs[i++] !== value) return false;
  }
  return true;
}

/**
 * The ids BranchDateTimeOperator / BranchDayOfWeekOperator can follow (`follow_task_ids_if_true` and
 * `_if_false`, each an id or a list of ids), when both are written as strings.
 */
function followTaskIds(args: Record<string, PyValue>): string[] | undefined {
  const ids: string[] = [];
  for (const name of ['follow_task_ids_if_true', 'follow_task_ids_if_false']) {
    const v = args[name];
    const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined;
    if (list === undefined || !list.every((x): x is string => typeof x === 'string')) return undefined;
    ids.push(...list);
  }
  return [...new Set(ids)];
}

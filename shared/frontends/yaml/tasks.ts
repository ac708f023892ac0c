/**
 * dag-factory tasks: `tasks` as a mapping (task name → arguments) or a list of mappings with
 * `task_id`. Each task names its operator class by import path (`operator:`) or a TaskFlow
 * decorator (`decorator:`); everything except dag-factory's own keys is an operator argument.
 * Tasks are built with the shared model builder, so arguments, default_args and durations behave
 * exactly as in Python DAG files.
 */
import { BASE_OPERATOR_ARGS, buildTask } from '../../model/build.js';
import { DiagnosticBag, DiagnosticCode } from '../../model/diagnostics.js';
import type { Diagnostic, PyValue, Task, TaskExpand, XComArgRef } from '../../model/schema.js';
import { didYouMean } from '../../util/suggest.js';
import { convertArgs, type ArgLoc, type ConvertedArgs } from './args.js';
import { childId, readDependencies, type DepRef, type GroupInfo } from './groups.js';
import { describeNode, entry, type Pos, type YEntry, type YMap, type YNode } from './nodes.js';
import { resolveDecorator, resolveOperator, type ResolvedOperator } from './operators.js';
import { loc, report, toPy, type ValueContext } from './values.js';

export interface TaskRecord {
  /** The name as written (what `dependencies` use). */
  name: string;
  /** Full id, with task-group prefixes. */
  taskId: string;
  pos: Pos;
  group: GroupInfo | null;
  deps: DepRef[];
  /** TaskFlow arguments passing another task's output (`+name`); their task_id is the name until resolved. */
  xcomRefs: XComArgRef[];
  /** The built task, or null when it could not be built (the problem is reported). */
  task: Task | null;
}

export interface TasksInput {
  node: YNode | undefined;
  groups: ReadonlyMap<string, GroupInfo>;
  dagDefaultArgs: Record<string, PyValue>;
  dagDefaultArgLocs: ReadonlyMap<string, ArgLoc>;
  dagParams: Record<string, PyValue>;
  ctx: ValueContext;
}

/** dag-factory's own task keys (never passed to the operator). */
const SYSTEM_KEYS = new Set(['operator', 'decorator', 'dependencies', 'task_group_name', 'task_id', 'expand', 'partial']);
const TASK_ID = /^[\w.-]+$/;

interface RawTask {
  name: string;
  pos: Pos;
  conf: YNode;
}

function rawTasks(node: YNode | undefined, ctx: ValueContext): RawTask[] {
  if (node === undefined || (node.kind === 'scalar' && node.value === null)) return [];
  if (node.kind === 'map') return node.entries.map((e) => ({ name: e.key, pos: e.keyPos, conf: e.value }));
  if (node.kind !== 'seq') {
    report(ctx, DiagnosticCode.YAML, `tasks must be a mapping or a list of tasks (got ${describeNode(node)})`, node.pos);
    return [];
  }
  const out: RawTask[] = [];
  const seen = new Set<string>();
  for (const item of node.items) {
    const idEntry = item.kind === 'map' ? entry(item, 'task_id') : undefined;
    const idValue = idEntry?.value;
    if (!idEntry || !idValue || idValue.kind !== 'scalar' || idValue.value === null || typeof idValue.value === 'boolean') {
      report(ctx, DiagnosticCode.YAML, 'each task in the list must be a mapping with a task_id', (idValue ?? item).pos, 'e.g. - task_id: extract');
      continue;
    }
    const name = String(idValue.value);
    if (seen.has(name)) {
      report({ ...ctx, taskId: name }, DiagnosticCode.DUPLICATE_TASK_ID, `duplicate task_id '${name}'`, idValue.pos, 'task ids must be unique in a DAG');
      continue;
    }
    seen.add(name);
    out.push({ name, pos: idEntry.keyPos, conf: item });
  }
  return out;
}

/**
 * Moves a diagnostic from the task's key to the argument it is about, when the message names one
 * (unknown arguments point at the key, wrong values at the value).
 */
function relocate(d: Diagnostic, locs: ReadonlyMap<string, ArgLoc>): Diagnostic {
  const unknown = /unknown argument '([^']+)'/.exec(d.message);
  const typed = /: ([A-Za-z_][A-Za-z0-9_]*) must be /.exec(d.message);
  let at: Pos | undefined;
  if (unknown) at = locs.get(unknown[1]!)?.key;
  else if (/unknown trigger rule/.test(d.message)) at = locs.get('trigger_rule')?.value;
  else if (typed) at = locs.get(typed[1]!)?.value;
  return at ? { ...d, line: at.line, col: at.col } : d;
}

/** TaskFlow tasks: arguments that are not operator arguments are the function's keyword arguments. */
function taskflowArgs(args: ConvertedArgs, resolved: ResolvedOperator, record: TaskRecord, ctx: ValueContext): void {
  const callArgs: Record<string, PyValue> = {};
  for (const [name, value] of Object.entries(args.values)) {
    if (BASE_OPERATOR_ARGS.has(name) || name in resolved.spec.args) continue;
    delete args.values[name];
    if (typeof value === 'string' && value.startsWith('+')) {
      // dag-factory's "+task" passes that task's output (an XComArg), which also makes it upstream.
      const upstream = value.slice(1);
      record.deps.push({ name: upstream, pos: args.locs.get(name)?.value ?? record.pos, taskOnly: true });
      const ref: XComArgRef = { $type: 'xcom_arg', task_id: upstream, key: 'return_value' };
      record.xcomRefs.push(ref);
      callArgs[name] = ref;
    } else {
      callArgs[name] = value;
    }
  }
  if (Object.keys(callArgs).length === 0) return;
  const existing = args.values.op_kwargs;
  const base = existing !== undefined && existing !== null && typeof existing === 'object' && !Array.isArray(existing) && !('$type' in existing) ? existing : {};
  if (existing !== undefined && base !== existing) report(ctx, DiagnosticCode.ARGUMENT_TYPE, 'op_kwargs must be a mapping', args.locs.get('op_kwargs')?.value ?? record.pos);
  args.values.op_kwargs = { ...base, ...callArgs };
}

/**
 * dag-factory's dynamic task mapping (`utils.get_expand_partial_kwargs` + `replace_expand_values`):
 * `partial:` arguments join the task's own (a repeated one is dag-factory's "Duplicated partial
 * kwarg" error); each `expand:` value is a list, or another task's output written `name.output` or
 * `XcomArg(name)`, which also makes that task upstream. Null: the mapping was refused (reported).
 */
function mappingOf(expandEntry: YEntry | undefined, partialEntry: YEntry | undefined, args: ConvertedArgs, record: TaskRecord, ctx: ValueContext): TaskExpand | undefined | null {
  if (partialEntry && !expandEntry) {
    report(ctx, DiagnosticCode.YAML, 'partial needs expand: the arguments to map over', partialEntry.keyPos);
    return null;
  }
  if (!expandEntry) return undefined;
  if (partialEntry) {
    if (partialEntry.value.kind !== 'map') {
      report(ctx, DiagnosticCode.YAML, `partial must be a mapping of arguments (got ${describeNode(partialEntry.value)})`, partialEntry.value.pos);
    } else {
      const partial = convertArgs(partialEntry.value.entries, ctx, { kind: 'task' });
      for (const [name, value] of Object.entries(partial.values)) {
        if (name in args.values) {
          report(ctx, DiagnosticCode.YAML, `Duplicated partial kwarg '${name}': it is already an argument of the task`, partial.locs.get(name)?.key ?? partialEntry.keyPos);
          continue;
        }
        args.values[name] = value;
        args.locs.set(name, partial.locs.get(name)!);
      }
    }
  }
  const node = expandEntry.value;
  if (node.kind !== 'map' || node.entries.length === 0) {
    report(ctx, DiagnosticCode.YAML, `expand must be a mapping of argument names to lists or task outputs (got ${describeNode(node)})`, node.pos);
    return null;
  }
  const value: Record<string, PyValue> = {};
  for (const e of node.entries) {
    const v = e.value;
    if (v.kind === 'seq' || v.kind === 'map') {
      value[e.key] = toPy(v, ctx);
      continue;
    }
    const text = v.kind === 'scalar' && typeof v.value === 'string' ? v.value.trim() : undefined;
    const upstream = text === undefined ? undefined : (/^([\w.-]+)\.output$/.exec(text)?.[1] ?? /^XcomArg\(\s*([\w.-]+)\s*\)$/i.exec(text)?.[1]);
    if (upstream === undefined) {
      report(ctx, DiagnosticCode.ARGUMENT_TYPE, `expand.${e.key} must be a list, a mapping, or another task's output ('<task>.output'), not ${describeNode(v)}`, v.pos);
      return null;
    }
    record.deps.push({ name: upstream, pos: v.pos, taskOnly: true });
    const ref: XComArgRef = { $type: 'xcom_arg', task_id: upstream, key: 'return_value' };
    record.xcomRefs.push(ref);
    value[e.key] = ref;
  }
  return { kind: 'kwargs', value, target: 'args' };
}

/** Reads, resolves and builds the DAG's tasks (without edges), in file order. */
export function readTasks(input: TasksInput): TaskRecord[] {
  const { ctx } = input;
  const records: TaskRecord[] = [];
  const fullIds = new Set<string>();
  for (const raw of rawTasks(input.node, ctx)) {
    const conf: YMap | undefined = raw.conf.kind === 'map' ? raw.conf : undefined;
    const field = (key: string): YEntry | undefined => (conf ? entry(conf, key) : undefined);

    let group: GroupInfo | null = null;
    const groupEntry = field('task_group_name');
    if (groupEntry && !(groupEntry.value.kind === 'scalar' && groupEntry.value.value === null)) {
      const groupName = groupEntry.value.kind === 'scalar' ? String(groupEntry.value.value) : undefined;
      const found = groupName !== undefined ? input.groups.get(groupName) : undefined;
      if (found) group = found;
      else {
        const known = [...input.groups.keys()];
        report(
          { ...ctx, taskId: raw.name },
          DiagnosticCode.YAML,
          groupName === undefined
            ? `task_group_name must be the name of a task group (got ${describeNode(groupEntry.value)})`
            : `task '${raw.name}': unknown task group '${groupName}'${didYouMean(groupName, known)}`,
          groupEntry.value.pos,
          known.length === 0 ? 'declare the group under task_groups' : undefined,
        );
      }
    }
    const taskId = childId(group, raw.name);
    const tctx: ValueContext = { ...ctx, taskId };
    const record: TaskRecord = { name: raw.name, taskId, pos: raw.pos, group, deps: [], xcomRefs: [], task: null };
    records.push(record);

    if (!TASK_ID.test(raw.name) || taskId.length > 250) {
      report(tctx, DiagnosticCode.YAML, `task id '${taskId}' must be at most 250 letters, digits, '_', '.' or '-'`, raw.pos);
    }
    if (fullIds.has(taskId)) {
      report(tctx, DiagnosticCode.DUPLICATE_TASK_ID, `duplicate task id '${taskId}'`, raw.pos, 'task ids (with their task group prefix) must be unique in a DAG');
      continue;
    }
    fullIds.add(taskId);

    if (!conf) {
      if (raw.conf.kind === 'scalar' && raw.conf.value === null) {
        report(tctx, DiagnosticCode.MISSING_ARGUMENT, `task '${raw.name}' has no operator`, raw.pos, 'add operator: <module>.<OperatorClass>, e.g. airflow.operators.bash.BashOperator');
      } else {
        report(tctx, DiagnosticCode.YAML, `task '${raw.name}' must be a mapping of arguments (got ${describeNode(raw.conf)})`, raw.conf.pos);
      }
      continue;
    }
    record.deps.push(...readDependencies(field('dependencies')?.value, tctx));

    const operatorEntry = field('operator');
    const decoratorEntry = field('decorator');
    let resolved: ResolvedOperator | undefined;
    if (operatorEntry && decoratorEntry) {
      report(tctx, DiagnosticCode.YAML, `task '${raw.name}' gives both operator and decorator; use one`, decoratorEntry.keyPos);
    } else if (operatorEntry) {
      resolved = resolveOperator(operatorEntry.value, tctx);
    } else if (decoratorEntry) {
      resolved = resolveDecorator(decoratorEntry.value, tctx);
    } else {
      report(tctx, DiagnosticCode.MISSING_ARGUMENT, `task '${raw.name}' has no operator`, raw.pos, 'add operator: <module>.<OperatorClass>, e.g. airflow.operators.bash.BashOperator');
    }

    const args = convertArgs(conf.entries, tctx, { kind: 'task', skip: SYSTEM_KEYS });
    const expand = mappingOf(field('expand'), field('partial'), args, record, tctx);
    // A mapping that could not be read was reported; building the task without it would only add noise.
    if (!resolved || expand === null) continue;
    if (decoratorEntry) taskflowArgs(args, resolved, record, tctx);
    if (expand) expand.target = decoratorEntry ? 'op_kwargs' : 'args';

    const defaultArgs = { ...input.dagDefaultArgs, ...(group?.defaultArgs ?? {}) };
    const locs = new Map<string, ArgLoc>([...input.dagDefaultArgLocs, ...(group?.defaultArgLocs ?? []), ...args.locs]);
    const scratch = new DiagnosticBag();
    record.task = buildTask(
      {
        spec: resolved.spec,
        operator: resolved.operator,
        operatorModule: resolved.module,
        taskId,
        groupId: group?.groupId ?? null,
        dagId: ctx.dagId ?? '',
        kwargs: args.values,
        defaultArgs,
        dagParams: input.dagParams,
        source: loc(ctx, raw.pos),
        ...(expand ? { expand } : {}),
      },
      scratch,
    );
    for (const d of scratch.items) ctx.bag.items.push(relocate(d, locs));
  }
  return records;
}

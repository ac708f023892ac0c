/**
 * dag-factory dependencies (DagBuilder.set_dependencies): a task's or task group's `dependencies`
 * name tasks or task groups by their unprefixed names (a group wins when a task has the same name).
 * Depending on a group means depending on its leaves; a group's own dependencies become upstream of
 * its roots — Airflow's TaskGroup semantics.
 *
 * Airflow computes a group's roots and leaves at the moment a dependency is set, so dag-factory's
 * result can depend on the order of statements. Here every statement is resolved on the final
 * structure inside the groups involved: task → task edges first, then group statements from the
 * innermost to the outermost, which gives the result of writing the YAML in its natural order.
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import type { Task } from '../../model/schema.js';
import { didYouMean } from '../../util/suggest.js';
import type { DepRef, GroupInfo } from './groups.js';
import type { TaskRecord } from './tasks.js';
import { report, type ValueContext } from './values.js';

type Element = { kind: 'task'; record: TaskRecord } | { kind: 'group'; group: GroupInfo };

interface Statement {
  down: Element;
  up: Element;
  order: number;
}

/** Groups containing an element, outermost first (a group is contained by its parents, not by itself). */
function containers(e: Element): GroupInfo[] {
  return e.kind === 'task' ? (e.record.group?.chain ?? []) : e.group.chain.slice(0, -1);
}

function commonDepth(a: Element, b: Element): number {
  const ca = containers(a);
  const cb = containers(b);
  let i = 0;
  while (i < ca.length && i < cb.length && ca[i] === cb[i]) i++;
  return i;
}

/** Resolves dependencies into edges and fills upstream/downstream ids (sorted) on the built tasks. */
export function resolveDependencies(records: readonly TaskRecord[], groups: readonly GroupInfo[], ctx: ValueContext): void {
  const taskByName = new Map<string, TaskRecord>();
  for (const r of records) if (!taskByName.has(r.name)) taskByName.set(r.name, r);
  const groupByName = new Map<string, GroupInfo>();
  for (const g of groups) if (!groupByName.has(g.name)) groupByName.set(g.name, g);
  const names = [...groupByName.keys(), ...taskByName.keys()];

  const lookup = (dep: DepRef, owner: { taskId?: string }): Element | undefined => {
    const group = dep.taskOnly ? undefined : groupByName.get(dep.name);
    if (group) return { kind: 'group', group };
    const record = taskByName.get(dep.name);
    if (record) return { kind: 'task', record };
    const what = dep.taskOnly ? `'+${dep.name}' names no task` : `unknown dependency '${dep.name}'`;
    report({ ...ctx, ...owner }, DiagnosticCode.UNKNOWN_UPSTREAM, `${what}${didYouMean(dep.name, dep.taskOnly ? taskByName.keys() : names)}`, dep.pos, 'dependencies name tasks or task groups of this DAG, without their group prefix');
    return undefined;
  };

  const statements: Statement[] = [];
  for (const r of records) {
    for (const dep of r.deps) {
      const up = lookup(dep, { taskId: r.taskId });
      if (up) statements.push({ down: { kind: 'task', record: r }, up, order: statements.length });
    }
    for (const ref of r.xcomRefs) ref.task_id = taskByName.get(ref.task_id)?.taskId ?? ref.task_id;
  }
  for (const g of groups) {
    for (const dep of g.deps) {
      const up = lookup(dep, {});
      if (up) statements.push({ down: { kind: 'group', group: g }, up, order: statements.length });
    }
  }

  const built = records.filter((r): r is TaskRecord & { task: Task } => r.task !== null);
  const upstream = new Map<string, Set<string>>(built.map((r) => [r.taskId, new Set<string>()]));
  const downstream = new Map<string, Set<string>>(built.map((r) => [r.taskId, new Set<string>()]));
  const addEdge = (from: string, to: string) => {
    if (!upstream.has(to) || !downstream.has(from)) return;
    upstream.get(to)!.add(from);
    downstream.get(from)!.add(to);
  };
  const members = (g: GroupInfo): string[] => built.filter((r) => r.group?.chain.includes(g)).map((r) => r.taskId);
  const roots = (g: GroupInfo): string[] => {
    const inside = new Set(members(g));
    return [...inside].filter((id) => ![...upstream.get(id)!].some((u) => inside.has(u)));
  };
  const leaves = (g: GroupInfo): string[] => {
    const inside = new Set(members(g));
    return [...inside].filter((id) => ![...downstream.get(id)!].some((d) => inside.has(d)));
  };

  const isTaskPair = (s: Statement) => s.down.kind === 'task' && s.up.kind === 'task';
  const ordered = [
    ...statements.filter(isTaskPair),
    ...statements.filter((s) => !isTaskPair(s)).sort((a, b) => commonDepth(b.down, b.up) - commonDepth(a.down, a.up) || a.order - b.order),
  ];
  for (const s of ordered) {
    const ups = s.up.kind === 'task' ? [s.up.record.taskId] : leaves(s.up.group);
    const downs = s.down.kind === 'task' ? [s.down.record.taskId] : roots(s.down.group);
    for (const from of ups) for (const to of downs) addEdge(from, to);
  }

  for (const r of built) {
    r.task.upstream_task_ids = [...upstream.get(r.taskId)!].sort();
    r.task.downstream_task_ids = [...downstream.get(r.taskId)!].sort();
  }
}

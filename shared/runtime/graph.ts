/**
 * The slice of a DAG the runtime core needs, indexed once: tasks by id, their direct upstream and
 * downstream ids, and task-group membership. Edges are read from both `upstream_task_ids` and
 * `downstream_task_ids` (the model keeps both; a caller may fill only one side).
 */
import type { Task, TaskGroup } from '../model/schema.js';

/** The task fields the runtime reads. Any `Task` from the DAG model fits. */
export type RuntimeTask = Pick<Task, 'task_id' | 'upstream_task_ids' | 'trigger_rule'> &
  Partial<Pick<Task, 'downstream_task_ids' | 'depends_on_past' | 'max_active_tis_per_dag' | 'task_group_id' | 'is_setup' | 'is_teardown' | 'on_failure_fail_dagrun'>>;

export type RuntimeTaskGroup = Pick<TaskGroup, 'group_id' | 'parent_group_id'>;

export interface DagIndex {
  readonly tasks: ReadonlyMap<string, RuntimeTask>;
  /** Task ids in the order given. */
  readonly order: readonly string[];
  readonly upstream: ReadonlyMap<string, readonly string[]>;
  readonly downstream: ReadonlyMap<string, readonly string[]>;
  readonly groups: ReadonlyMap<string, RuntimeTaskGroup>;
}

/** Indexes a DAG; throws on duplicate task ids and on edges that name unknown tasks. */
export function indexDag(tasks: readonly RuntimeTask[], groups: readonly RuntimeTaskGroup[] = []): DagIndex {
  const byId = new Map<string, RuntimeTask>();
  for (const task of tasks) {
    if (byId.has(task.task_id)) throw new Error(`Task id '${task.task_id}' appears twice in the DAG`);
    byId.set(task.task_id, task);
  }
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  for (const id of byId.keys()) {
    up.set(id, []);
    down.set(id, []);
  }
  const addEdge = (from: string, to: string, declaredOn: string) => {
    for (const id of [from, to]) {
      if (!byId.has(id)) throw new Error(`Task '${declaredOn}' has an edge to '${id}', which is not a task in this DAG`);
    }
    const ups = up.get(to)!;
    if (!ups.includes(from)) ups.push(from);
    const downs = down.get(from)!;
    if (!downs.includes(to)) downs.push(to);
  };
  for (const task of tasks) {
    for (const u of task.upstream_task_ids) addEdge(u, task.task_id, task.task_id);
    for (const d of task.downstream_task_ids ?? []) addEdge(task.task_id, d, task.task_id);
  }
  return {
    tasks: byId,
    order: tasks.map((t) => t.task_id),
    upstream: up,
    downstream: down,
    groups: new Map(groups.map((g) => [g.group_id, g])),
  };
}

/** Every task reachable downstream of `taskId` (not including it), in breadth-first order. */
export function flatDownstream(dag: DagIndex, taskId: string): string[] {
  const seen = new Set<string>();
  const queue = [...(dag.downstream.get(taskId) ?? [])];
  const out: string[] = [];
  while (queue.length) {
    const id = queue.shift()!;
    if (seen.has(id) || id === taskId) continue;
    seen.add(id);
    out.push(id);
    queue.push(...(dag.downstream.get(id) ?? []));
  }
  return out;
}

/** Leaves: tasks without downstream tasks (Airflow's `dag.leaves`). */
export function leafTaskIds(dag: DagIndex): string[] {
  return dag.order.filter((id) => (dag.downstream.get(id) ?? []).length === 0);
}

/**
 * The tasks whose states decide the run's state (Airflow 2.10 `DagRun.update_state`'s effective
 * leaves): a teardown is ignored unless `on_failure_fail_dagrun`, and a task whose only downstream
 * tasks are ignored teardowns counts as a leaf. Without such teardowns these are the leaves.
 */
export function runStateTaskIds(dag: DagIndex): string[] {
  const ignorable = (id: string) => {
    const task = dag.tasks.get(id);
    return task?.is_teardown === true && task.on_failure_fail_dagrun !== true;
  };
  const effective = dag.order.filter((id) => !ignorable(id) && (dag.downstream.get(id) ?? []).every(ignorable));
  return effective.length > 0 ? effective : leafTaskIds(dag);
}

/** Whether a group id names a task group of this DAG (declared, or used by some task). */
export function isTaskGroup(dag: DagIndex, groupId: string): boolean {
  if (dag.groups.has(groupId)) return true;
  for (const task of dag.tasks.values()) if (task.task_group_id === groupId) return true;
  return false;
}

/** Whether `groupId` is `ancestorId` or nested inside it. */
function groupWithin(dag: DagIndex, groupId: string, ancestorId: string): boolean {
  let current: string | null | undefined = groupId;
  const seen = new Set<string>();
  while (current != null && !seen.has(current)) {
    if (current === ancestorId) return true;
    seen.add(current);
    const group = dag.groups.get(current);
    // Without the declared hierarchy, fall back on Airflow's id prefixing (`outer.inner`).
    current = group ? group.parent_group_id : current.includes('.') ? current.slice(0, current.lastIndexOf('.')) : null;
  }
  return false;
}

/** Tasks in a task group, nested groups included (iterating an Airflow `TaskGroup`). */
export function groupMembers(dag: DagIndex, groupId: string): string[] {
  return dag.order.filter((id) => {
    const group = dag.tasks.get(id)!.task_group_id;
    return group != null && groupWithin(dag, group, groupId);
  });
}

/** `TaskGroup.roots`: members with no direct upstream task inside the group. */
export function groupRoots(dag: DagIndex, groupId: string): string[] {
  const members = new Set(groupMembers(dag, groupId));
  return [...members].filter((id) => !(dag.upstream.get(id) ?? []).some((u) => members.has(u)));
}

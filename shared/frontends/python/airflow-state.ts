/**
 * The Airflow objects a DAG file builds while it is evaluated: DAGs, tasks, task groups, edge
 * labels and TaskFlow functions, plus the dependency graph between tasks. Edges are stored as sets
 * of task objects on both ends (O(1) dedup); ids are sorted only once, when the model is emitted.
 */
import type { PyValue, SourceLocation, TaskExpand } from '../../model/schema.js';
import type { OperatorSpec } from '../../operators/registry.js';
import type { FunctionV, Value } from './values.js';

export interface DagState {
  dagId: string;
  /** Creation order (DAGs are emitted in it). */
  seq: number;
  /** Constructor arguments as model values (positional ones mapped to names). */
  kwargs: Record<string, PyValue>;
  /** Constructor arguments as evaluator values, for attribute reads (`dag.params`, ...). */
  values: Map<string, Value>;
  params: Record<string, PyValue>;
  source: SourceLocation;
  from: number;
  /** Tasks by full id, in creation order. */
  tasks: Map<string, TaskState>;
  /** Task groups in creation order (the root group is not listed). */
  groups: GroupState[];
  groupIds: Map<string, GroupState>;
  /** For TaskFlow's unique ids: highest `__N` suffix seen per id prefix. */
  suffixes: Map<string, number>;
  registered: boolean;
  /** A SubDagOperator's `subdag=`: the id of the DAG whose task runs it (Airflow's `parent_dag`). */
  parentDagId?: string;
  /** Arguments (and `default_args.<key>` entries) that failed to evaluate; already reported. */
  dropped: Set<string>;
  /** `Label("...")` text of edges, keyed `upstream\0downstream` (what the graph view shows on the edge). */
  edgeLabels: Map<string, string>;
}

export interface TaskState {
  taskId: string;
  dag: DagState;
  group: GroupState | null;
  /** Class name as written (or `@task`, `@task.branch`, ...). */
  operatorName: string;
  operatorModule: string | null;
  spec: OperatorSpec;
  kwargs: Record<string, PyValue>;
  /** Evaluator values of the keyword arguments, for attribute reads (`task.bash_command`). */
  values: Map<string, Value>;
  defaultArgs: Record<string, PyValue>;
  /** Arguments whose value failed to evaluate (already reported; suppress follow-up errors). */
  droppedArgs: Set<string>;
  source: SourceLocation;
  from: number;
  upstream: Set<TaskState>;
  downstream: Set<TaskState>;
  branchTargets: string[] | undefined;
  /** `.expand()` / `.expand_kwargs()`: the task is mapped. */
  expand?: TaskExpand;
  /** Setup / teardown tasks (`as_setup()`, `as_teardown()`, `@setup`, `@teardown`). */
  isSetup?: boolean;
  isTeardown?: boolean;
  onFailureFailDagrun?: boolean;
}

/** What `.expand(**mapped)` / `.expand_kwargs(value)` was given, before conversion. */
export type ExpandRequest =
  | { kind: 'kwargs'; kw: Map<string, Value>; kwFrom: Map<string, number>; from: number }
  | { kind: 'kwargs_list'; value: Value; from: number };

export interface GroupState {
  /** The `group_id` argument (without parent prefixes). */
  label: string;
  /** Full id: parent prefixes applied as Airflow does. */
  groupId: string;
  parent: GroupState | null;
  dag: DagState;
  prefixGroupId: boolean;
  tooltip: string;
  defaultArgs: Record<string, PyValue>;
  /** Every task in the group or its subgroups, in creation order. */
  members: TaskState[];
  memberSet: Set<TaskState>;
  source: SourceLocation;
  from: number;
}

/** `Label("x")` between tasks: remembers both ends so either side can be connected later. */
export interface LabelState {
  label: string;
  upstream: TaskState[];
  downstream: TaskState[];
}

export interface TaskFlowState {
  fn: FunctionV;
  /** `task`, `task.branch`, `task.sensor`, ... */
  decorator: string;
  /** Decorator (and `.override`) keyword arguments. */
  kwargs: Map<string, Value>;
  /** Where the decorator's keyword arguments were written. */
  kwFrom: Map<string, number>;
  from: number;
  /** `@setup` / `@teardown`: the tasks it creates are setups / teardowns. */
  role?: 'setup' | 'teardown';
  onFailureFailDagrun?: boolean;
}

/** Airflow's TaskGroup.child_id: the id a child (task or group) gets inside `group`. */
export function childId(group: GroupState | null, label: string): string {
  if (!group || !group.prefixGroupId) return label;
  return `${group.groupId}.${label}`;
}

/** The full id of a group labelled `label` under `parent` (Airflow's TaskGroup.group_id). */
export function groupFullId(parent: GroupState | null, label: string): string {
  return parent && parent.prefixGroupId ? `${parent.groupId}.${label}` : label;
}

/** Adds a task to its DAG and groups (the caller checked the id is free). */
export function addTask(task: TaskState): void {
  const { dag } = task;
  dag.tasks.set(task.taskId, task);
  const m = task.taskId.includes('__') ? /^(.*)__(\d+)$/.exec(task.taskId) : null;
  if (m) dag.suffixes.set(m[1]!, Math.max(dag.suffixes.get(m[1]!) ?? 0, Number(m[2])));
  for (let g = task.group; g; g = g.parent) {
    g.members.push(task);
    g.memberSet.add(task);
  }
}

/**
 * Airflow's get_unique_task_id for TaskFlow: `name` if free, else `name__N` with N one more than
 * the highest suffix already used for that id.
 */
export function uniqueTaskId(dag: DagState, group: GroupState | null, taskId: string): string {
  const full = childId(group, taskId);
  if (!dag.tasks.has(full)) return taskId;
  const prefix = full.replace(/__\d+$/, '');
  const core = taskId.replace(/__\d+$/, '');
  return `${core}__${(dag.suffixes.get(prefix) ?? 0) + 1}`;
}

/** Tasks of a group with no upstream inside the group (Airflow's TaskGroup.get_roots). */
export function groupRoots(group: GroupState): TaskState[] {
  return group.members.filter((t) => ![...t.upstream].some((u) => group.memberSet.has(u)));
}

/** Tasks of a group with no downstream inside the group (Airflow's TaskGroup.get_leaves). */
export function groupLeaves(group: GroupState): TaskState[] {
  return group.members.filter((t) => ![...t.downstream].some((d) => group.memberSet.has(d)));
}

export function addEdge(up: TaskState, down: TaskState): void {
  up.downstream.add(down);
  down.upstream.add(up);
}

/**
 * The grid view's model: tasks as a tree of task groups (collapsible), runs as columns, and each
 * cell's state — a task's own, or for a group the summary of its tasks by Airflow's priority (a
 * failure anywhere in the group shows, then retries, waiting, running; success only when all
 * succeeded). Pure data, so the grid component only renders, and a run-state update rebuilds the
 * cells in one pass.
 */
import type { DagRun, GridTaskInstance, TaskState } from '../api/types';

export interface GridTaskInfo {
  task_id: string;
  task_group_id: string | null;
  /** Airflow 2.9+: shown instead of the id (the API gives the id when there is none). */
  task_display_name?: string;
}

/** A task's row or node label: its display name when it has one, else its id without the group prefix. */
export function taskLabel(task: GridTaskInfo): string {
  if (task.task_display_name && task.task_display_name !== task.task_id) return task.task_display_name;
  const prefix = task.task_group_id;
  return prefix && task.task_id.startsWith(`${prefix}.`) ? task.task_id.slice(prefix.length + 1) : task.task_id;
}

export interface TreeNode {
  /** Task id, or group id for groups. */
  id: string;
  kind: 'task' | 'group';
  /** What the row shows: the id without its group prefix. */
  label: string;
  depth: number;
  children: TreeNode[];
  /** Every task id inside (a task: itself). */
  taskIds: string[];
}

export interface GridRow {
  id: string;
  kind: 'task' | 'group';
  label: string;
  depth: number;
  expanded: boolean;
  /** Number of tasks inside (groups). */
  size: number;
}

export type CellState = TaskState | null;

/** Airflow's group-summary priority (www/views.py): the first state present among a group's tasks wins. */
export const GROUP_STATE_PRIORITY: readonly CellState[] = [
  'failed',
  'upstream_failed',
  'up_for_retry',
  'up_for_reschedule',
  'queued',
  'scheduled',
  'deferred',
  'running',
  'restarting',
  null,
  'success',
  'skipped',
  'removed',
];
const PRIORITY_RANK = new Map(GROUP_STATE_PRIORITY.map((s, i) => [s, i]));
const NONE_RANK = PRIORITY_RANK.get(null)!;

/** A group's state from its tasks' states (undefined: the run has none of them). */
export function summarizeStates(states: Iterable<CellState>): CellState | undefined {
  let best: CellState | undefined;
  let bestRank = Infinity;
  for (const s of states) {
    const rank = PRIORITY_RANK.get(s) ?? NONE_RANK;
    if (rank < bestRank) {
      bestRank = rank;
      best = s;
    }
  }
  return best;
}

/** The groups a group id is nested in, outermost first: "a.b.c" → ["a", "a.b", "a.b.c"]. */
export function groupPath(groupId: string): string[] {
  const parts = groupId.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

/** Tasks (in the DAG's order) as a tree: each group appears where its first task does. */
export function buildTree(tasks: readonly GridTaskInfo[]): TreeNode[] {
  const roots: TreeNode[] = [];
  const groups = new Map<string, TreeNode>();
  const strip = (id: string, prefix: string | null) => (prefix && id.startsWith(`${prefix}.`) ? id.slice(prefix.length + 1) : id);
  const groupNode = (groupId: string): TreeNode => {
    const existing = groups.get(groupId);
    if (existing) return existing;
    const path = groupPath(groupId);
    const parentId = path.length > 1 ? path[path.length - 2]! : null;
    const node: TreeNode = { id: groupId, kind: 'group', label: strip(groupId, parentId), depth: path.length - 1, children: [], taskIds: [] };
    groups.set(groupId, node);
    (parentId ? groupNode(parentId).children : roots).push(node);
    return node;
  };
  for (const task of tasks) {
    const group = task.task_group_id ? groupNode(task.task_group_id) : null;
    const node: TreeNode = { id: task.task_id, kind: 'task', label: taskLabel(task), depth: group ? group.depth + 1 : 0, children: [], taskIds: [task.task_id] };
    (group ? group.children : roots).push(node);
    if (task.task_group_id) for (const g of groupPath(task.task_group_id)) groups.get(g)!.taskIds.push(task.task_id);
  }
  return roots;
}

/** Every group id of a tree (to expand all). */
export function allGroupIds(tree: readonly TreeNode[]): string[] {
  const ids: string[] = [];
  const walk = (nodes: readonly TreeNode[]) => {
    for (const n of nodes) {
      if (n.kind === 'group') {
        ids.push(n.id);
        walk(n.children);
      }
    }
  };
  walk(tree);
  return ids;
}

/** The rows shown: a collapsed group hides its children. */
export function flattenRows(tree: readonly TreeNode[], expanded: ReadonlySet<string>): GridRow[] {
  const rows: GridRow[] = [];
  const walk = (nodes: readonly TreeNode[]) => {
    for (const n of nodes) {
      const open = n.kind === 'group' && expanded.has(n.id);
      rows.push({ id: n.id, kind: n.kind, label: n.label, depth: n.depth, expanded: open, size: n.taskIds.length });
      if (open) walk(n.children);
    }
  };
  walk(tree);
  return rows;
}

export interface GridCell {
  state: CellState;
  tryNumber: number;
  duration: number | null;
}

/** What a row shows, as one string: rows whose cells did not change keep their key and are not re-rendered. */
export function rowKey(cells: readonly (GridCell | undefined)[]): string {
  let key = '';
  for (const c of cells) key += c ? `${c.state ?? '-'}:${c.tryNumber}:${c.duration ?? ''};` : '.;';
  return key;
}

export interface GridCells {
  /** Runs oldest first (left to right), as Airflow's grid shows them. */
  runs: DagRun[];
  /** `cell(rowId, runIndex)`: a task's instance or a group's summary; undefined when the run has no such task. */
  cell(rowId: string, runIndex: number): GridCell | undefined;
  /** One row's cells, in run order (undefined where the run has no such task). */
  row(rowId: string): readonly (GridCell | undefined)[];
  /** Longest run duration (seconds), for scaling the run bars. */
  maxRunSeconds: number;
}

/** Cells for the given runs (any order in; oldest first out) and task instances. */
export function buildCells(tree: readonly TreeNode[], runsNewestFirst: readonly DagRun[], taskInstances: readonly GridTaskInstance[], now: number = Date.now()): GridCells {
  const runs = [...runsNewestFirst].reverse();
  const runIndex = new Map(runs.map((r, i) => [r.dag_run_id, i]));
  const byTask = new Map<string, (GridCell | undefined)[]>();
  for (const ti of taskInstances) {
    const i = runIndex.get(ti.dag_run_id);
    if (i === undefined) continue;
    let row = byTask.get(ti.task_id);
    if (!row) byTask.set(ti.task_id, (row = new Array<GridCell | undefined>(runs.length)));
    row[i] = { state: ti.state, tryNumber: ti.try_number, duration: ti.duration };
  }
  const byGroup = new Map<string, (GridCell | undefined)[]>();
  const walk = (nodes: readonly TreeNode[]) => {
    for (const n of nodes) {
      if (n.kind !== 'group') continue;
      walk(n.children);
      // The summary of each run's column, by the same priority as summarizeStates (without per-cell arrays).
      const row = new Array<GridCell | undefined>(runs.length);
      const rank = new Array<number>(runs.length).fill(Infinity);
      const tries = new Array<number>(runs.length).fill(0);
      for (const id of n.taskIds) {
        const cellsOfTask = byTask.get(id);
        if (!cellsOfTask) continue;
        for (let i = 0; i < runs.length; i++) {
          const c = cellsOfTask[i];
          if (!c) continue;
          const r = PRIORITY_RANK.get(c.state) ?? NONE_RANK;
          if (r < rank[i]!) rank[i] = r;
          if (c.tryNumber > tries[i]!) tries[i] = c.tryNumber;
        }
      }
      for (let i = 0; i < runs.length; i++) if (rank[i] !== Infinity) row[i] = { state: GROUP_STATE_PRIORITY[rank[i]!]!, tryNumber: tries[i]!, duration: null };
      byGroup.set(n.id, row);
    }
  };
  walk(tree);
  let maxRunSeconds = 0;
  for (const r of runs) {
    if (!r.start_date) continue;
    const end = r.end_date ? Date.parse(r.end_date) : now;
    maxRunSeconds = Math.max(maxRunSeconds, (end - Date.parse(r.start_date)) / 1000);
  }
  const empty: (GridCell | undefined)[] = new Array<GridCell | undefined>(runs.length);
  const row = (rowId: string) => byGroup.get(rowId) ?? byTask.get(rowId) ?? empty;
  return { runs, cell: (rowId, i) => row(rowId)[i], row, maxRunSeconds };
}

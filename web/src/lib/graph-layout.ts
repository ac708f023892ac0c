/**
 * The graph view's layout: tasks left to right (dagre, a layered layout), task groups as boxes around
 * their tasks (dagre compound nodes), edges with their Label() text. Depends only on the DAG's shape,
 * so state updates recolour nodes without laying out again.
 */
import dagre from '@dagrejs/dagre';
import { groupPath } from './grid-model';

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 46;
const GROUP_PADDING = 16;
/** From a group box's top to the first thing inside it: the group's label goes there. */
export const GROUP_LABEL_ROOM = 26;

export interface LayoutTask {
  task_id: string;
  task_group_id: string | null;
  downstream_task_ids: string[];
}

export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedGroup extends PlacedNode {
  depth: number;
}

export interface PlacedEdge {
  id: string;
  source: string;
  target: string;
  label: string | null;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  groups: PlacedGroup[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export function layoutGraph(tasks: readonly LayoutTask[], labels: readonly { upstream_task_id: string; downstream_task_id: string; label: string }[] = []): GraphLayout {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  const known = new Set(tasks.map((t) => t.task_id));
  const groupIds = new Set<string>();
  for (const t of tasks) if (t.task_group_id) for (const id of groupPath(t.task_group_id)) groupIds.add(id);
  // Group boxes are drawn larger than dagre's (label room, padding): tasks beside them get more space.
  g.setGraph({ rankdir: 'LR', nodesep: groupIds.size ? 2 * GROUP_PADDING + GROUP_LABEL_ROOM : 18, ranksep: groupIds.size ? 72 : 56, edgesep: 12, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of groupIds) {
    g.setNode(`group:${id}`, { label: id });
    const path = groupPath(id);
    if (path.length > 1) g.setParent(`group:${id}`, `group:${path[path.length - 2]}`);
  }
  for (const t of tasks) {
    g.setNode(t.task_id, { width: NODE_WIDTH, height: NODE_HEIGHT });
    if (t.task_group_id) g.setParent(t.task_id, `group:${t.task_group_id}`);
  }
  const labelOf = new Map(labels.map((l) => [`${l.upstream_task_id}\0${l.downstream_task_id}`, l.label]));
  const edges: PlacedEdge[] = [];
  for (const t of tasks) {
    for (const d of t.downstream_task_ids) {
      if (!known.has(d)) continue;
      const label = labelOf.get(`${t.task_id}\0${d}`) ?? null;
      g.setEdge(t.task_id, d, label ? { label, width: Math.min(160, label.length * 7 + 10), height: 18, labelpos: 'c' } : {});
      edges.push({ id: `${t.task_id}->${d}`, source: t.task_id, target: d, label });
    }
  }
  dagre.layout(g);
  const place = (id: string): PlacedNode => {
    const n = g.node(id) as { x: number; y: number; width: number; height: number };
    return { id, x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height };
  };
  const nodes = tasks.map((t) => place(t.task_id));
  const groups = boxGroups(tasks, nodes, groupIds);
  const all = [...nodes, ...groups];
  const width = all.length ? Math.max(...all.map((n) => n.x + n.width)) + 16 : 0;
  const height = all.length ? Math.max(...all.map((n) => n.y + n.height)) + 16 : 0;
  return { nodes, groups, edges, width, height };
}

/**
 * Each group's box from what it holds (its tasks and inner groups, innermost first), with padding
 * and room for the label at the top — dagre's own cluster boxes leave the label no room.
 */
function boxGroups(tasks: readonly LayoutTask[], nodes: readonly PlacedNode[], groupIds: ReadonlySet<string>): PlacedGroup[] {
  const members = new Map<string, PlacedNode[]>();
  const add = (group: string, node: PlacedNode) => members.set(group, [...(members.get(group) ?? []), node]);
  tasks.forEach((t, i) => {
    if (t.task_group_id) add(t.task_group_id, nodes[i]!);
  });
  const boxes: PlacedGroup[] = [];
  const byDepth = [...groupIds].sort((a, b) => groupPath(b).length - groupPath(a).length || a.localeCompare(b));
  for (const id of byDepth) {
    const inside = members.get(id) ?? [];
    if (!inside.length) continue;
    const x = Math.min(...inside.map((n) => n.x)) - GROUP_PADDING;
    const y = Math.min(...inside.map((n) => n.y)) - GROUP_LABEL_ROOM;
    const right = Math.max(...inside.map((n) => n.x + n.width)) + GROUP_PADDING;
    const bottom = Math.max(...inside.map((n) => n.y + n.height)) + GROUP_PADDING;
    const path = groupPath(id);
    const box: PlacedGroup = { id, x, y, width: right - x, height: bottom - y, depth: path.length - 1 };
    boxes.push(box);
    if (path.length > 1) add(path[path.length - 2]!, box);
  }
  return boxes.reverse();
}

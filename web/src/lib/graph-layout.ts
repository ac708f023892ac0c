/**
 * The graph view's layout: tasks left to right (dagre, a layered layout), task groups as boxes around
 * their tasks (dagre compound nodes), edges with their Label() text. Depends only on the DAG's shape,
 * so state updates recolour nodes without laying out again.
 */
import dagre from '@dagrejs/dagre';
import { groupPath } from './grid-model';

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 46;
const GROUP_PADDING = 18;

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
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 56, edgesep: 12, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(tasks.map((t) => t.task_id));
  const groupIds = new Set<string>();
  for (const t of tasks) if (t.task_group_id) for (const id of groupPath(t.task_group_id)) groupIds.add(id);
  for (const id of groupIds) {
    g.setNode(`group:${id}`, { label: id, paddingLeft: GROUP_PADDING, paddingRight: GROUP_PADDING, paddingTop: GROUP_PADDING + 6, paddingBottom: GROUP_PADDING });
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
  const groups = [...groupIds].map((id) => ({ ...place(`group:${id}`), id, depth: groupPath(id).length - 1 }));
  const graph = g.graph() as { width?: number; height?: number };
  return { nodes, groups, edges, width: graph.width ?? 0, height: graph.height ?? 0 };
}

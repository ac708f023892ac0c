import { GROUP_LABEL_ROOM, layoutGraph, NODE_WIDTH } from './graph-layout';

const tasks = [
  { task_id: 'start', task_group_id: null, downstream_task_ids: ['transform.clean'] },
  { task_id: 'transform.clean', task_group_id: 'transform', downstream_task_ids: ['transform.enrich'] },
  { task_id: 'transform.enrich', task_group_id: 'transform', downstream_task_ids: ['publish'] },
  { task_id: 'publish', task_group_id: null, downstream_task_ids: ['gone'] },
];

describe('layoutGraph', () => {
  it('lays tasks out left to right, boxes groups around their tasks, keeps edge labels', () => {
    const layout = layoutGraph(tasks, [{ upstream_task_id: 'start', downstream_task_id: 'transform.clean', label: 'raw data' }]);
    const at = Object.fromEntries(layout.nodes.map((n) => [n.id, n]));
    expect(at.start!.x).toBeLessThan(at['transform.clean']!.x);
    expect(at['transform.clean']!.x).toBeLessThan(at['transform.enrich']!.x);
    expect(at['transform.enrich']!.x).toBeLessThan(at.publish!.x);
    expect(at.start!.width).toBe(NODE_WIDTH);
    const [group] = layout.groups;
    expect(group).toMatchObject({ id: 'transform', depth: 0 });
    for (const id of ['transform.clean', 'transform.enrich']) {
      expect(at[id]!.x).toBeGreaterThanOrEqual(group!.x);
      expect(at[id]!.x + at[id]!.width).toBeLessThanOrEqual(group!.x + group!.width);
    }
    expect(at.start!.x + at.start!.width).toBeLessThanOrEqual(group!.x);
    // Edges to tasks outside the DAG are left out; labels stay on their edge.
    expect(layout.edges.map((e) => [e.id, e.label])).toEqual([
      ['start->transform.clean', 'raw data'],
      ['transform.clean->transform.enrich', null],
      ['transform.enrich->publish', null],
    ]);
    expect(layout.width).toBeGreaterThan(4 * NODE_WIDTH);
  });

  it("leaves room above a group's tasks for its label, nested groups inside their parent, and no box over a task outside it", () => {
    const nested = [
      { task_id: 'above', task_group_id: null, downstream_task_ids: ['outer.a', 'outer.inner.b'] },
      { task_id: 'outer.a', task_group_id: 'outer', downstream_task_ids: ['outer.inner.b'] },
      { task_id: 'outer.inner.b', task_group_id: 'outer.inner', downstream_task_ids: ['after'] },
      { task_id: 'side', task_group_id: null, downstream_task_ids: ['after'] },
      { task_id: 'after', task_group_id: null, downstream_task_ids: [] },
    ];
    const layout = layoutGraph(nested);
    const at = Object.fromEntries(layout.nodes.map((n) => [n.id, n]));
    const box = Object.fromEntries(layout.groups.map((g) => [g.id, g]));
    const inside = (n: { x: number; y: number; width: number; height: number }, g: { x: number; y: number; width: number; height: number }) =>
      n.x >= g.x && n.y >= g.y && n.x + n.width <= g.x + g.width && n.y + n.height <= g.y + g.height;
    const overlaps = (n: { x: number; y: number; width: number; height: number }, g: { x: number; y: number; width: number; height: number }) =>
      n.x < g.x + g.width && g.x < n.x + n.width && n.y < g.y + g.height && g.y < n.y + n.height;
    for (const [task, group] of [['outer.a', 'outer'], ['outer.inner.b', 'outer.inner'], ['outer.inner.b', 'outer']] as const) {
      expect(inside(at[task]!, box[group]!)).toBe(true);
    }
    expect(inside(box['outer.inner']!, box.outer!)).toBe(true);
    for (const group of ['outer', 'outer.inner']) {
      const members = layout.nodes.filter((n) => n.id.startsWith(`${group}.`));
      expect(Math.min(...members.map((n) => n.y)) - box[group]!.y).toBeGreaterThanOrEqual(GROUP_LABEL_ROOM);
    }
    for (const id of ['above', 'side', 'after']) expect(overlaps(at[id]!, box.outer!)).toBe(false);
  });
});


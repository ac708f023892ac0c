import { layoutGraph, NODE_WIDTH } from './graph-layout';

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
});

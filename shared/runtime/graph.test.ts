import { flatDownstream, groupMembers, groupRoots, indexDag, isTaskGroup, leafTaskIds } from './graph.js';
import { dagOf } from './test-support/dag-dsl.js';

describe('graph index', () => {
  it('merges edges declared on either side and finds leaves and descendants', () => {
    const dag = indexDag([
      { task_id: 'a', upstream_task_ids: [], downstream_task_ids: ['b'], trigger_rule: 'all_success' },
      { task_id: 'b', upstream_task_ids: [], trigger_rule: 'all_success' },
      { task_id: 'c', upstream_task_ids: ['b', 'a'], trigger_rule: 'all_success' },
    ]);
    expect(dag.upstream.get('b')).toEqual(['a']);
    expect(dag.downstream.get('a')).toEqual(['b', 'c']);
    expect(leafTaskIds(dag)).toEqual(['c']);
    expect(flatDownstream(dag, 'a')).toEqual(['b', 'c']);
    expect(() => indexDag([dag.tasks.get('b')!, dag.tasks.get('b')!])).toThrow("Task id 'b' appears twice in the DAG");
  });

  it('finds task-group members and roots, nested groups included, with or without declared groups', () => {
    const extra = { 'g.a': { task_group_id: 'g' }, 'g.b': { task_group_id: 'g' }, 'g.sub.c': { task_group_id: 'g.sub' } };
    const withoutDecl = dagOf(['x >> g.a >> g.b', 'g.sub.c >> g.b'], {}, { extra });
    expect(groupMembers(withoutDecl, 'g')).toEqual(['g.a', 'g.b', 'g.sub.c']);
    expect(groupRoots(withoutDecl, 'g')).toEqual(['g.a', 'g.sub.c']);
    expect(groupRoots(withoutDecl, 'g.sub')).toEqual(['g.sub.c']);
    expect(isTaskGroup(withoutDecl, 'g.sub')).toBe(true);
    expect(isTaskGroup(withoutDecl, 'g.a')).toBe(false);
    // Declared hierarchy wins over id prefixes (prefix_group_id=False groups).
    const declared = dagOf(['c1 >> c2'], {}, {
      extra: { c1: { task_group_id: 'inner' }, c2: { task_group_id: 'outer' } },
      groups: [
        { group_id: 'outer', parent_group_id: null },
        { group_id: 'inner', parent_group_id: 'outer' },
      ],
    });
    expect(groupMembers(declared, 'outer')).toEqual(['c1', 'c2']);
    expect(groupRoots(declared, 'outer')).toEqual(['c1']);
  });
});

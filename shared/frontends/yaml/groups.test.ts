import { edges, onlyDag, task, yaml } from './test-helpers.js';

const HEADER = 'default:\n  default_args: {start_date: 2024-01-01}\n  schedule: null\n';
const BASH = 'operator: airflow.operators.bash.BashOperator, bash_command: "true"';

describe('task groups', () => {
  it('prefixes task ids with their (nested) group ids and records the groups', () => {
    const dag = onlyDag(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        task_groups:
          outer:
            tooltip: the outer group
          inner:
            tooltip: nested
            parent_group_name: outer
        tasks:
          begin:
            operator: airflow.operators.empty.EmptyOperator
          a:
            operator: airflow.operators.empty.EmptyOperator
            task_group_name: outer
          b:
            operator: airflow.operators.empty.EmptyOperator
            task_group_name: inner
            dependencies: [a]
    `, { noWarnings: true });
    expect(dag.tasks.map((t) => [t.task_id, t.task_group_id])).toEqual([
      ['begin', null],
      ['outer.a', 'outer'],
      ['outer.inner.b', 'outer.inner'],
    ]);
    expect(dag.task_groups).toEqual([
      { group_id: 'outer', parent_group_id: null, tooltip: 'the outer group', prefix_group_id: true, source: { file: 'team/etl.yaml', line: 5, col: 5 } },
      { group_id: 'outer.inner', parent_group_id: 'outer', tooltip: 'nested', prefix_group_id: true, source: { file: 'team/etl.yaml', line: 7, col: 5 } },
    ]);
    expect(edges(dag)).toEqual([['outer.a', 'outer.inner.b']]);
  });

  it('reads the list form (group_name), groups declared in any order', () => {
    const dag = onlyDag(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        task_groups:
          - group_name: child
            parent_group_name: parent
          - group_name: parent
            tooltip: declared second
        tasks:
          - {task_id: x, task_group_name: child, operator: airflow.operators.empty.EmptyOperator}
    `, { noWarnings: true });
    expect(dag.task_groups.map((g) => [g.group_id, g.parent_group_id, g.source.line])).toEqual([
      ['parent.child', 'parent', 5],
      ['parent', null, 7],
    ]);
    expect(dag.tasks.map((t) => t.task_id)).toEqual(['parent.child.x']);
  });

  it('resolves dependencies on groups to their leaves, and group dependencies to their roots', () => {
    const dag = onlyDag(`${HEADER}d:
  task_groups:
    extract: {}
    transform: {dependencies: [extract]}
  tasks:
    start: {${BASH}}
    e1: {${BASH}, task_group_name: extract, dependencies: [start]}
    e2: {${BASH}, task_group_name: extract, dependencies: [start]}
    e3: {${BASH}, task_group_name: extract, dependencies: [e1, e2]}
    e4: {${BASH}, task_group_name: extract, dependencies: [start]}
    t1: {${BASH}, task_group_name: transform}
    t2: {${BASH}, task_group_name: transform}
    t3: {${BASH}, task_group_name: transform, dependencies: [t1]}
    end: {${BASH}, dependencies: [transform]}
`);
    expect(edges(dag)).toEqual([
      // extract's leaves (e3, e4) → transform's roots (t1, t2)
      ['extract.e1', 'extract.e3'],
      ['extract.e2', 'extract.e3'],
      ['extract.e3', 'transform.t1'],
      ['extract.e3', 'transform.t2'],
      ['extract.e4', 'transform.t1'],
      ['extract.e4', 'transform.t2'],
      ['start', 'extract.e1'],
      ['start', 'extract.e2'],
      ['start', 'extract.e4'],
      ['transform.t1', 'transform.t3'],
      // transform's leaves (t2, t3) → end
      ['transform.t2', 'end'],
      ['transform.t3', 'end'],
    ]);
  });

  it('computes roots and leaves of nested groups after the edges inside them, whatever the statement order', () => {
    // The outer group's dependency is written before the inner structure it depends on.
    const dag = onlyDag(`${HEADER}d:
  task_groups:
    outer: {dependencies: [src]}
    inner_a: {parent_group_name: outer}
    inner_b: {parent_group_name: outer, dependencies: [inner_a]}
  tasks:
    src: {${BASH}}
    a1: {${BASH}, task_group_name: inner_a}
    a2: {${BASH}, task_group_name: inner_a, dependencies: [a1]}
    b1: {${BASH}, task_group_name: inner_b}
    sink: {${BASH}, dependencies: [outer]}
`);
    expect(edges(dag)).toEqual([
      ['outer.inner_a.a1', 'outer.inner_a.a2'],
      ['outer.inner_a.a2', 'outer.inner_b.b1'],
      ['outer.inner_b.b1', 'sink'],
      ['src', 'outer.inner_a.a1'],
    ]);
  });

  it('lets a group depend on a group, and a task in a group depend on a task outside', () => {
    const dag = onlyDag(`${HEADER}d:
  task_groups:
    - {group_name: g1}
    - {group_name: g2, dependencies: [g1, solo]}
  tasks:
    - {task_id: solo, ${BASH}}
    - {task_id: x, task_group_name: g1, ${BASH}, dependencies: [solo]}
    - {task_id: y, task_group_name: g2, ${BASH}}
    - {task_id: z, task_group_name: g2, ${BASH}, dependencies: [y]}
`);
    expect(edges(dag)).toEqual([
      ['g1.x', 'g2.y'],
      ['g2.y', 'g2.z'],
      ['solo', 'g1.x'],
      ['solo', 'g2.y'],
    ]);
  });

  it('names a group, not a task, when both have the name (dag-factory looks groups up last)', () => {
    const dag = onlyDag(`${HEADER}d:
  task_groups:
    load: {}
  tasks:
    load: {${BASH}}
    inside: {${BASH}, task_group_name: load}
    after: {${BASH}, dependencies: [load]}
`);
    expect(dag.tasks.map((t) => t.task_id)).toEqual(['load', 'load.inside', 'after']);
    expect(edges(dag)).toEqual([['load.inside', 'after']]);
  });

  it('honours prefix_group_id: false and group default_args', () => {
    const dag = onlyDag(`${HEADER}d:
  default_args: {retries: 1, owner: dag_owner}
  task_groups:
    flat:
      prefix_group_id: false
      default_args: {retries: 3, retry_delay_sec: 30}
    sub:
      parent_group_name: flat
      default_args: {owner: sub_owner}
  tasks:
    a: {${BASH}, task_group_name: flat}
    b: {${BASH}, task_group_name: sub, retries: 0}
    c: {${BASH}}
`);
    expect(dag.tasks.map((t) => [t.task_id, t.task_group_id, t.retries, t.retry_delay_seconds, t.owner])).toEqual([
      ['a', 'flat', 3, 30, 'dag_owner'],
      ['sub.b', 'sub', 0, 30, 'sub_owner'],
      ['c', null, 1, 300, 'dag_owner'],
    ]);
    expect(dag.task_groups.map((g) => [g.group_id, g.parent_group_id, g.prefix_group_id])).toEqual([
      ['flat', null, false],
      ['sub', 'flat', true],
    ]);
    expect(task(dag, 'sub.b').task_group_id).toBe('sub');
  });

  it('gives an empty group no edges', () => {
    const dag = onlyDag(`${HEADER}d:
  task_groups:
    empty: {dependencies: [a]}
  tasks:
    a: {${BASH}}
    b: {${BASH}, dependencies: [empty]}
`);
    expect(edges(dag)).toEqual([]);
  });
});

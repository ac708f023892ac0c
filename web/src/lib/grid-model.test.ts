import type { DagRun, GridTaskInstance } from '../api/types';
import { allGroupIds, buildCells, buildTree, flattenRows, groupPath, summarizeStates } from './grid-model';

const tasks = [
  { task_id: 'start', task_group_id: null },
  { task_id: 'transform.clean', task_group_id: 'transform' },
  { task_id: 'transform.deep.a', task_group_id: 'transform.deep' },
  { task_id: 'transform.enrich', task_group_id: 'transform' },
  { task_id: 'publish', task_group_id: null },
];

const run = (id: string, start: string, end: string | null, state: DagRun['state'] = 'success'): DagRun =>
  ({ dag_run_id: id, dag_id: 'd', state, start_date: start, end_date: end, logical_date: start }) as DagRun;
const ti = (runId: string, taskId: string, state: GridTaskInstance['state'], tryNumber = 1): GridTaskInstance => ({
  dag_run_id: runId,
  task_id: taskId,
  state,
  try_number: tryNumber,
  start_date: null,
  end_date: null,
  duration: null,
});

describe('buildTree / flattenRows', () => {
  it('nests tasks in their groups, each group where its first task is, labels without the prefix', () => {
    const tree = buildTree(tasks);
    expect(tree.map((n) => [n.kind, n.id, n.label])).toEqual([
      ['task', 'start', 'start'],
      ['group', 'transform', 'transform'],
      ['task', 'publish', 'publish'],
    ]);
    const transform = tree[1]!;
    expect(transform.children.map((n) => [n.id, n.label, n.depth])).toEqual([
      ['transform.clean', 'clean', 1],
      ['transform.deep', 'deep', 1],
      ['transform.enrich', 'enrich', 1],
    ]);
    expect(transform.taskIds).toEqual(['transform.clean', 'transform.deep.a', 'transform.enrich']);
    expect(allGroupIds(tree)).toEqual(['transform', 'transform.deep']);
  });

  it('labels a task with its task_display_name when it has one (the API gives the id otherwise)', () => {
    const tree = buildTree([
      { task_id: 'start', task_group_id: null, task_display_name: 'start' },
      { task_id: 'transform.clean', task_group_id: 'transform', task_display_name: 'Clean the rows 🧹' },
      { task_id: 'transform.enrich', task_group_id: 'transform', task_display_name: 'transform.enrich' },
    ]);
    expect(tree.map((n) => n.label)).toEqual(['start', 'transform']);
    expect(tree[1]!.children.map((n) => [n.id, n.label])).toEqual([
      ['transform.clean', 'Clean the rows 🧹'],
      ['transform.enrich', 'enrich'],
    ]);
  });

  it('hides the children of collapsed groups', () => {
    const tree = buildTree(tasks);
    expect(flattenRows(tree, new Set()).map((r) => r.id)).toEqual(['start', 'transform', 'publish']);
    expect(flattenRows(tree, new Set(['transform'])).map((r) => `${r.id}${r.expanded ? '+' : ''}`)).toEqual(['start', 'transform+', 'transform.clean', 'transform.deep', 'transform.enrich', 'publish']);
    expect(flattenRows(tree, new Set(['transform', 'transform.deep'])).map((r) => r.id)).toContain('transform.deep.a');
    expect(flattenRows(tree, new Set(['transform'])).find((r) => r.id === 'transform')!.size).toBe(3);
  });

  it('splits group paths', () => {
    expect(groupPath('a.b.c')).toEqual(['a', 'a.b', 'a.b.c']);
  });
});

describe('summarizeStates', () => {
  it("follows Airflow's priority: failures first, then retries, waiting and running, success last", () => {
    expect(summarizeStates(['success', 'failed', 'running'])).toBe('failed');
    expect(summarizeStates(['success', 'upstream_failed'])).toBe('upstream_failed');
    expect(summarizeStates(['success', 'up_for_retry', 'running'])).toBe('up_for_retry');
    expect(summarizeStates(['success', 'queued', 'running'])).toBe('queued');
    expect(summarizeStates(['success', 'running'])).toBe('running');
    expect(summarizeStates(['success', null])).toBeNull();
    expect(summarizeStates(['success', 'skipped'])).toBe('success');
    expect(summarizeStates(['skipped', 'skipped'])).toBe('skipped');
    expect(summarizeStates([])).toBeUndefined();
  });
});

describe('buildCells', () => {
  it('puts runs oldest first and answers task cells and group summaries', () => {
    const tree = buildTree(tasks);
    const runs = [run('r2', '2024-01-02T00:00:00Z', null, 'running'), run('r1', '2024-01-01T00:00:00Z', '2024-01-01T00:10:00Z')];
    const tis = [
      ti('r1', 'start', 'success'),
      ti('r1', 'transform.clean', 'success'),
      ti('r1', 'transform.deep.a', 'success'),
      ti('r1', 'transform.enrich', 'success', 2),
      ti('r2', 'start', 'success'),
      ti('r2', 'transform.clean', 'running'),
      ti('r2', 'transform.deep.a', 'failed'),
      ti('r2', 'transform.enrich', null),
      ti('other', 'start', 'failed'),
    ];
    const cells = buildCells(tree, runs, tis, Date.parse('2024-01-02T00:30:00Z'));
    expect(cells.runs.map((r) => r.dag_run_id)).toEqual(['r1', 'r2']);
    expect(cells.cell('start', 0)).toEqual({ state: 'success', tryNumber: 1, duration: null });
    expect(cells.cell('transform', 0)).toMatchObject({ state: 'success', tryNumber: 2 });
    expect(cells.cell('transform', 1)!.state).toBe('failed');
    expect(cells.cell('transform.deep', 1)!.state).toBe('failed');
    expect(cells.cell('publish', 0)).toBeUndefined();
    // The running run counts until now: 30 minutes.
    expect(cells.maxRunSeconds).toBe(1800);
  });

  it('handles 500 tasks × 25 runs in one pass', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ task_id: `g${i % 10}.t${i}`, task_group_id: `g${i % 10}` }));
    const runs = Array.from({ length: 25 }, (_, r) => run(`r${r}`, `2024-01-${String(r + 1).padStart(2, '0')}T00:00:00Z`, `2024-01-${String(r + 1).padStart(2, '0')}T01:00:00Z`));
    const tis = runs.flatMap((r) => many.map((t) => ti(r.dag_run_id, t.task_id, 'success')));
    const tree = buildTree(many);
    const cells = buildCells(tree, runs, tis);
    expect(flattenRows(tree, new Set(allGroupIds(tree)))).toHaveLength(510);
    expect(cells.cell('g3', 24)!.state).toBe('success');
  });
});

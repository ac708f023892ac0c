import { makeDag, makeTask } from '../../test/helpers/model.js';
import { findCycles, topologicalOrder } from './graph.js';
import { validateDag } from './validate.js';

const codes = (dag: Parameters<typeof validateDag>[0]) => validateDag(dag).map((d) => `${d.severity}:${d.code}`);

describe('validateDag', () => {
  it('accepts a valid diamond DAG with no diagnostics', () => {
    const dag = makeDag('ok', ['a', 'b', 'c', 'd'].map((id) => makeTask(id)), [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd']]);
    expect(validateDag(dag)).toEqual([]);
  });

  it('names the cycle and locates it at the task that closes it', () => {
    const tasks = ['t1', 't2', 't3'].map((id, i) => makeTask(id, { source: { file: 'cycle.py', line: 10 + i, col: 5 } }));
    const dag = makeDag('cyclic', tasks, [['t1', 't2'], ['t2', 't3'], ['t3', 't1']]);
    const [d] = validateDag(dag);
    expect(d).toMatchObject({ code: 'SKYDAG-V001', severity: 'error', file: 'cycle.py', line: 12, col: 5 });
    expect(d!.message).toBe("DAG 'cyclic' has a cycle: t1 >> t2 >> t3 >> t1");
  });

  it('reports each independent cycle, including self-loops', () => {
    const dag = makeDag('two', ['a', 'b', 'c', 'd', 'e'].map((id) => makeTask(id)), [['a', 'b'], ['b', 'a'], ['c', 'd'], ['d', 'e'], ['e', 'c'], ['e', 'e']]);
    const messages = validateDag(dag).map((d) => d.message);
    expect(messages).toEqual(
      expect.arrayContaining(["DAG 'two' has a cycle: a >> b >> a", "DAG 'two' has a cycle: c >> d >> e >> c"]),
    );
    expect(messages).toHaveLength(2);
  });

  it('reports unknown upstream ids with a suggestion', () => {
    const dag = makeDag('u', [makeTask('extract'), makeTask('load', { upstream_task_ids: ['extrct'] })]);
    const [d] = validateDag(dag);
    expect(d!.code).toBe('SKYDAG-V003');
    expect(d!.message).toBe("task 'load' depends on unknown task 'extrct' (did you mean 'extract'?)");
  });

  it('reports duplicate task ids with the first location', () => {
    const dag = makeDag('dup', [makeTask('x', { source: { file: 'f.py', line: 3, col: 1 } }), makeTask('x', { source: { file: 'f.py', line: 7, col: 1 } })]);
    const [d] = validateDag(dag);
    expect(d).toMatchObject({ code: 'SKYDAG-V002', line: 7 });
    expect(d!.message).toContain('first at line 3');
  });

  it('checks branch targets: an id not in the DAG is an error (suggesting group-prefixed ids), a task that is no direct child a warning', () => {
    const branch = makeTask('pick', { operator: 'BranchPythonOperator', operator_kind: 'branch_python', branch_targets: ['fetch_old', 'fetch_new', 'join'] });
    const dag = makeDag(
      'b',
      [branch, makeTask('sales.fetch_old', { task_group_id: 'sales' }), makeTask('fetch_new'), makeTask('join', { trigger_rule: 'none_failed' })],
      [['pick', 'sales.fetch_old'], ['pick', 'fetch_new'], ['sales.fetch_old', 'join'], ['fetch_new', 'join']],
    );
    const found = validateDag(dag).filter((d) => d.code === 'SKYDAG-V009');
    expect(found.map((d) => [d.severity, d.message])).toEqual([
      ['error', "branch task 'pick' can return 'fetch_old', which is not a task or task group of this DAG (did you mean 'sales.fetch_old'? task ids inside a TaskGroup carry the group prefix)"],
      ['warning', "branch task 'pick' can return 'join', which is not one of its direct downstream tasks: it follows nothing itself, only the tasks below it are kept from the skip"],
    ]);
  });

  it('warns when a branch join keeps all_success, and not when it tolerates skips', () => {
    const build = (rule: 'all_success' | 'none_failed_min_one_success') =>
      makeDag(
        'bj',
        [makeTask('pick', { operator_kind: 'branch_python' }), makeTask('a'), makeTask('b'), makeTask('join', { trigger_rule: rule }), makeTask('after')],
        [['pick', 'a'], ['pick', 'b'], ['a', 'join'], ['b', 'join'], ['join', 'after']],
      );
    expect(codes(build('all_success'))).toEqual(['warning:SKYDAG-W003']);
    expect(validateDag(build('all_success'))[0]!.task_id).toBe('join');
    expect(codes(build('none_failed_min_one_success'))).toEqual([]);
  });

  it('rejects unknown operator kinds, bad dates, bad cron and bad time zones', () => {
    const dag = makeDag('bad', [makeTask('a', { operator_kind: 'teleport' })], [], {
      schedule: { type: 'cron', cron: '61 * * * *' },
      start_date: 'yesterday',
      timezone: 'Mars/Olympus',
    });
    expect(codes(dag).sort()).toEqual(['error:SKYDAG-V005', 'error:SKYDAG-V006', 'error:SKYDAG-V006', 'error:SKYDAG-V008']);
  });

  it('lists the allowed trigger rules when a model names an unknown one', () => {
    const dag = makeDag('bad', [makeTask('a', { trigger_rule: 'all_sucess' as never })]);
    const [d] = validateDag(dag);
    expect(d!.message).toMatch(/^DAG 'bad': invalid model: \/tasks\/0\/trigger_rule must be one of "all_success", "all_failed"/);
  });

  it('rejects a document that is not a DAG model', () => {
    const broken = { ...makeDag('x', []), tasks: [{ task_id: 'a' }] } as never;
    const [d] = validateDag(broken);
    expect(d!.code).toBe('SKYDAG-V015');
    expect(d!.message).toMatch(/invalid model: \/tasks\/0/);
  });
});

describe('graph helpers', () => {
  it('finds no cycle in a 10,000-node chain without overflowing the stack', () => {
    const ids = Array.from({ length: 10000 }, (_, i) => `t${i}`);
    const next = (id: string) => {
      const i = Number(id.slice(1));
      return i + 1 < ids.length ? [`t${i + 1}`] : [];
    };
    expect(findCycles(ids, next)).toEqual([]);
  });

  it('orders tasks topologically or reports a cycle', () => {
    const edges: Record<string, string[]> = { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] };
    const up = (id: string) => Object.keys(edges).filter((k) => edges[k]!.includes(id));
    expect(topologicalOrder(['d', 'c', 'b', 'a'], up, (id) => edges[id]!)).toEqual(['a', 'b', 'c', 'd']);
    const cyclic: Record<string, string[]> = { a: ['b'], b: ['a'] };
    expect(topologicalOrder(['a', 'b'], (id) => Object.keys(cyclic).filter((k) => cyclic[k]!.includes(id)), (id) => cyclic[id]!)).toBeUndefined();
  });
});

describe('mapped tasks', () => {
  it('refuses mapping a child-DAG or Spark operator (their runs are per task), accepts it for others', () => {
    const expand = { kind: 'kwargs' as const, value: { x: [1] }, target: 'args' as const };
    const child = makeTask('child', { operator: 'DagOperator', operator_kind: 'dag_operator', expand });
    const fine = makeTask('fine', { operator: 'BashOperator', operator_kind: 'bash', args: { bash_command: 'true' }, expand });
    const messages = validateDag(makeDag('m', [child, fine])).map((d) => d.message);
    expect(messages).toEqual(["task 'child': dynamic task mapping of DagOperator is not supported by skydag"]);
  });
});

describe("queue='lambda' / queue='fargate'", () => {
  const bash = (id: string, extra = {}) => makeTask(id, { operator: 'BashOperator', operator_kind: 'bash', args: { bash_command: 'true' }, ...extra });

  it('refuses forcing into Lambda a try whose execution_timeout Lambda cannot honour', () => {
    const diagnostics = validateDag(makeDag('q', [bash('fits', { queue: 'lambda', execution_timeout_seconds: 840 }), bash('long', { queue: 'lambda', execution_timeout_seconds: 3600 })]));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'SKYDAG-P002', task_id: 'long' });
    expect(diagnostics[0]!.message).toBe("task 'long': queue='lambda' cannot run a try of execution_timeout 3600 s: a Lambda try has at most 840 s (Lambda stops at 900 s)");
  });

  it('warns that the queue is ignored where the operator fixes the compute (sensors, built-ins), and says nothing of other queue names', () => {
    const sensor = makeTask('wait', {
      operator: 'FileSensor',
      operator_kind: 'file_sensor',
      args: { filepath: '/tmp/x' },
      queue: 'fargate',
      sensor: { poke_interval_seconds: 60, timeout_seconds: 600, mode: 'poke', soft_fail: false, exponential_backoff: false },
    });
    const diagnostics = validateDag(makeDag('q', [sensor, bash('celery', { queue: 'high_memory' }), bash('long', { queue: 'fargate' })]));
    expect(diagnostics.map((d) => `${d.severity}:${d.code}:${d.task_id}`)).toEqual(['warning:SKYDAG-W004:wait']);
    expect(diagnostics[0]!.message).toBe("task 'wait': queue='fargate' is ignored: only bash/python tasks (not sensors) can be moved; FileSensor runs on lambda (≤ 900 s per poke)");
  });
});

import { evaluateLatestOnly, isPythonTruthy, resolveBranch, resolveLatestOnly, resolveShortCircuit } from './branching.js';
import { dagOf } from './test-support/dag-dsl.js';

describe('resolveBranch (BranchPythonOperator / @task.branch)', () => {
  const dag = dagOf(['start >> pick >> [old, new, other]', 'old >> clean_old', 'new >> clean_new', '[clean_old, clean_new] >> join']);

  it('skips every direct downstream task not followed', () => {
    expect(resolveBranch(dag, 'pick', 'new')).toEqual({ ok: true, followed: ['new'], skipped: ['old', 'other'] });
    expect(resolveBranch(dag, 'pick', ['old', 'other'])).toEqual({ ok: true, followed: ['old', 'other'], skipped: ['new'] });
  });

  it('follows nothing for None or an empty list', () => {
    expect(resolveBranch(dag, 'pick', null)).toEqual({ ok: true, followed: [], skipped: ['old', 'new', 'other'] });
    expect(resolveBranch(dag, 'pick', undefined)).toEqual({ ok: true, followed: [], skipped: ['old', 'new', 'other'] });
    expect(resolveBranch(dag, 'pick', [])).toEqual({ ok: true, followed: [], skipped: ['old', 'new', 'other'] });
  });

  it('keeps a direct downstream join reachable from the followed task (empty branch)', () => {
    const d = dagOf(['branch >> [task1, join]', 'task1 >> join']);
    expect(resolveBranch(d, 'branch', 'task1')).toEqual({ ok: true, followed: ['task1', 'join'], skipped: [] });
    expect(resolveBranch(d, 'branch', 'join')).toEqual({ ok: true, followed: ['join'], skipped: ['task1'] });
  });

  it('expands a task-group id to the group roots', () => {
    const d = dagOf(['pick >> [g.a, g.b, solo]', 'g.a >> g.c', 'g.b >> g.c', 'g.c >> g.inner.x'], {}, {
      extra: {
        'g.a': { task_group_id: 'g' },
        'g.b': { task_group_id: 'g' },
        'g.c': { task_group_id: 'g' },
        'g.inner.x': { task_group_id: 'g.inner' },
      },
      groups: [
        { group_id: 'g', parent_group_id: null },
        { group_id: 'g.inner', parent_group_id: 'g' },
      ],
    });
    expect(resolveBranch(d, 'pick', 'g')).toEqual({ ok: true, followed: ['g.a', 'g.b'], skipped: ['solo'] });
    expect(resolveBranch(d, 'pick', ['solo'])).toEqual({ ok: true, followed: ['solo'], skipped: ['g.a', 'g.b'] });
    // A group none of whose roots is a direct child follows nothing itself (Airflow's rule).
    expect(resolveBranch(d, 'pick', 'g.inner')).toEqual({ ok: true, followed: [], skipped: ['g.a', 'g.b', 'solo'] });
  });

  it("follows what Airflow follows for a task of the DAG that is not a direct child: nothing itself, but the tasks below it stay unskipped; ids not in the DAG are refused", () => {
    expect(resolveBranch(dag, 'pick', 'clean_new')).toEqual({ ok: true, followed: [], skipped: ['old', 'new', 'other'] });
    // Returned beside a direct child (public DAGs do): the direct child is followed, the rest is left to trigger rules.
    expect(resolveBranch(dag, 'pick', ['new', 'clean_new', 'join'])).toEqual({ ok: true, followed: ['new'], skipped: ['old', 'other'] });
    const d = dagOf(['branch >> [success_path, failure_path]', '[success_path, failure_path] >> dump >> upload', 'branch >> upload']);
    expect(resolveBranch(d, 'branch', ['success_path', 'dump'])).toEqual({ ok: true, followed: ['success_path', 'upload'], skipped: ['failure_path'] });
    expect(resolveBranch(dag, 'pick', ['new', 'nwe_task', 'olld'])).toEqual({
      ok: false,
      error:
        "The branch callable of 'pick' returned 'nwe_task', which is not a task or task group in this DAG. Its direct downstream tasks are: old, new, other. " +
        "The branch callable of 'pick' returned 'olld', which is not a task or task group in this DAG (did you mean 'old'?). Its direct downstream tasks are: old, new, other.",
    });
  });

  it('rejects values that are not task ids', () => {
    expect(resolveBranch(dag, 'pick', 42)).toEqual({
      ok: false,
      error:
        "The branch callable of 'pick' returned 42 (a number); return a task id, a task group id, a list of them, or None. Its direct downstream tasks are: old, new, other.",
    });
    expect(resolveBranch(dag, 'pick', { task: 'old' })).toMatchObject({ ok: false, error: expect.stringContaining('returned {"task":"old"} (an object)') });
    expect(resolveBranch(dag, 'pick', ['old', 3])).toEqual({
      ok: false,
      error: "The branch callable of 'pick' returned a list containing 3; every item must be a task id (a string).",
    });
    expect(() => resolveBranch(dag, 'nope', 'old')).toThrow("Branch task 'nope' is not a task in this DAG");
  });
});

describe('resolveShortCircuit', () => {
  const dag = dagOf(['check >> [a, b]', 'a >> c', 'b >> c', 'other >> c', 'c >> d'], { c: 'all_done' });

  it('skips nothing when the condition is truthy', () => {
    expect(resolveShortCircuit(dag, 'check', 'yes')).toMatchObject({ proceed: true, skipped: [] });
  });
  it('skips every downstream task (transitively) by default', () => {
    expect(resolveShortCircuit(dag, 'check', false)).toEqual({
      proceed: false,
      skipped: ['a', 'b', 'c', 'd'],
      reason: "The condition of 'check' is false (false); all downstream tasks are skipped: a, b, c, d",
    });
  });
  it('skips only direct downstream with ignore_downstream_trigger_rules=False', () => {
    expect(resolveShortCircuit(dag, 'check', 0, false)).toMatchObject({ proceed: false, skipped: ['a', 'b'] });
  });
  it('has nothing to skip without downstream tasks', () => {
    expect(resolveShortCircuit(dag, 'd', null)).toEqual({
      proceed: false,
      skipped: [],
      reason: "The condition of 'd' is false (null), but it has no downstream tasks",
    });
  });
  it("uses Python's truthiness", () => {
    expect([null, undefined, false, 0, '', [], {}].map(isPythonTruthy)).toEqual([false, false, false, false, false, false, false]);
    expect([true, 1, -1, NaN, 'False', [0], { a: 0 }].map(isPythonTruthy)).toEqual([true, true, true, true, true, true, true]);
  });
});

describe('LatestOnlyOperator', () => {
  // @daily; the run for 2019-01-02 has data interval [01-02, 01-03); the next run's is [01-03, 01-04).
  const base = {
    runType: 'scheduled' as const,
    dataInterval: { start: '2019-01-02T00:00:00Z', end: '2019-01-03T00:00:00Z' },
    nextDataInterval: { start: '2019-01-03T00:00:00Z', end: '2019-01-04T00:00:00Z' },
  };

  it('proceeds when now is within (next.start, next.end]', () => {
    expect(evaluateLatestOnly({ ...base, now: '2019-01-03T00:00:01Z' }).skipDownstream).toBe(false);
    expect(evaluateLatestOnly({ ...base, now: '2019-01-04T00:00:00Z' }).skipDownstream).toBe(false);
  });
  it('skips outside that window (both ends are exact)', () => {
    expect(evaluateLatestOnly({ ...base, now: '2019-01-03T00:00:00Z' }).skipDownstream).toBe(true);
    expect(evaluateLatestOnly({ ...base, now: '2019-01-04T00:00:01Z' })).toEqual({
      skipDownstream: true,
      reason:
        'This run for the interval 2019-01-02T00:00:00.000Z – 2019-01-03T00:00:00.000Z is not the latest: now (2019-01-04T00:00:01.000Z) is not within (2019-01-03T00:00:00.000Z, 2019-01-04T00:00:00.000Z]; direct downstream tasks are skipped',
    });
    expect(evaluateLatestOnly({ ...base, runType: 'backfill', now: '2020-01-01T00:00:00Z' }).skipDownstream).toBe(true);
  });
  it('never skips externally triggered runs, nor the last run of a schedule', () => {
    expect(evaluateLatestOnly({ ...base, runType: 'manual', now: '2020-01-01T00:00:00Z' })).toEqual({
      skipDownstream: false,
      reason: 'Externally triggered run: downstream tasks proceed',
    });
    expect(evaluateLatestOnly({ ...base, externalTrigger: true, now: '2020-01-01T00:00:00Z' }).skipDownstream).toBe(false);
    expect(evaluateLatestOnly({ ...base, nextDataInterval: null, now: '2020-01-01T00:00:00Z' }).skipDownstream).toBe(false);
  });
  it('skips the direct downstream tasks only', () => {
    const dag = dagOf(['train >> latest_only >> [deploy, notify]', 'deploy >> report']);
    expect(resolveLatestOnly(dag, 'latest_only', { ...base, now: '2020-01-01T00:00:00Z' }).skipped).toEqual(['deploy', 'notify']);
    expect(resolveLatestOnly(dag, 'latest_only', { ...base, now: '2019-01-03T12:00:00Z' }).skipped).toEqual([]);
  });
});

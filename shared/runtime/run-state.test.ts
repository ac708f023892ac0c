import { computeRunState, evaluateRunState } from './run-state.js';
import { dagOf } from './test-support/dag-dsl.js';

describe('computeRunState (DagRun.update_state)', () => {
  it('succeeds when everything finished and every leaf succeeded or was skipped', () => {
    expect(computeRunState(['success', 'skipped'], ['success', 'failed', 'success', 'skipped'])).toBe('success');
  });
  it('fails when everything finished and a leaf failed or is upstream_failed', () => {
    expect(computeRunState(['success', 'failed'], ['success', 'success', 'failed'])).toBe('failed');
    expect(computeRunState(['upstream_failed'], ['failed', 'upstream_failed'])).toBe('failed');
  });
  it('keeps running while any task is unfinished, even with a failed leaf', () => {
    expect(computeRunState(['upstream_failed', 'none'], ['failed', 'upstream_failed', 'running', 'none'])).toBe('running');
    expect(computeRunState(['failed'], ['failed', 'up_for_retry'])).toBe('running');
    expect(computeRunState(['success'], ['success', 'deferred'])).toBe('running');
  });
  it('reads null as no state (unfinished)', () => {
    expect(computeRunState([null], ['success', null])).toBe('running');
  });
  it('ignores removed leaves', () => {
    expect(computeRunState(['removed', 'success'], ['removed', 'success'])).toBe('success');
    expect(computeRunState(['removed'], ['removed'])).toBe('success');
  });
});

describe('evaluateRunState', () => {
  it('lets a leaf with all_done absorb an upstream failure', () => {
    const dag = dagOf(['work >> cleanup'], { cleanup: 'all_done' });
    expect(evaluateRunState(dag, { work: 'failed', cleanup: 'success' })).toMatchObject({ state: 'success', reason: 'success' });
  });

  it('applies pending propagation before deciding', () => {
    const dag = dagOf(['a >> b >> c']);
    expect(evaluateRunState(dag, { a: 'failed' })).toEqual({
      state: 'failed',
      reason: 'task_failure',
      message: "The run failed: final task 'c' (upstream_failed)",
      blocked: [],
    });
    expect(evaluateRunState(dag, { a: 'skipped' })).toMatchObject({ state: 'success' });
    expect(evaluateRunState(dag, { a: 'success' })).toEqual({
      state: 'running',
      reason: 'running',
      message: 'The run is running: 2 tasks have not finished',
      blocked: [],
    });
  });

  it('detects a deadlock: unfinished tasks none of which can ever run', () => {
    const dag = dagOf(['a >> b', 'b >> c']);
    const r = evaluateRunState(dag, { a: 'removed' });
    expect(r.state).toBe('failed');
    expect(r.reason).toBe('all_tasks_deadlocked');
    expect(r.blocked).toEqual([
      { task_id: 'b', reason: '0 of 1 upstream task succeeded, 1 was removed; waiting: all_success needs every upstream task to succeed' },
      { task_id: 'c', reason: '0 of 1 upstream task succeeded, 1 has not finished; waiting: all_success needs every upstream task to succeed' },
    ]);
    expect(r.message).toMatch(/^The run failed: no task can run any more \(deadlock\): 'b': /);
  });

  it('does not call it a deadlock while a task can still run, or when Airflow would not check', () => {
    const dag = dagOf(['a >> b', 'x >> y']);
    expect(evaluateRunState(dag, { a: 'removed', x: 'running' }).state).toBe('running');
    const dop = dagOf(['a >> b'], {}, { extra: { b: { depends_on_past: true } } });
    expect(evaluateRunState(dop, { a: 'removed' }).state).toBe('running');
    expect(evaluateRunState(dagOf(['a >> b', 'd']), { a: 'removed', d: 'deferred' }).state).toBe('running');
  });

  it('counts a task waiting to retry as able to run', () => {
    expect(evaluateRunState(dagOf(['a >> b']), { a: 'up_for_retry' }).state).toBe('running');
  });
});

describe('setup and teardown (Airflow 2.10)', () => {
  const dag = (onFailureFailDagrun = false) =>
    dagOf(['setup >> work >> teardown', 'setup >> teardown'], { teardown: 'all_done_setup_success' }, {
      extra: { setup: { is_setup: true }, teardown: { is_teardown: true, on_failure_fail_dagrun: onFailureFailDagrun } },
    });

  it('runs the teardown once everything upstream is done and a setup succeeded, even after the work failed', () => {
    const result = evaluateRunState(dag(), { setup: 'success', work: 'failed' });
    expect(result.state).toBe('running'); // the teardown can still run
    expect(evaluateRunState(dag(), { setup: 'success', work: 'failed', teardown: 'success' }).state).toBe('failed');
  });

  it('ignores the teardown for the run state unless on_failure_fail_dagrun', () => {
    expect(evaluateRunState(dag(), { setup: 'success', work: 'success', teardown: 'failed' }).state).toBe('success');
    expect(evaluateRunState(dag(true), { setup: 'success', work: 'success', teardown: 'failed' }).state).toBe('failed');
  });

  it('a teardown whose setups all skipped is skipped; none succeeded: upstream_failed', () => {
    expect(evaluateRunState(dag(), { setup: 'skipped', work: 'skipped' }).state).toBe('success');
    const failed = evaluateRunState(dag(), { setup: 'failed', work: 'upstream_failed' });
    expect(failed.state).toBe('failed');
  });
});

import { DEFAULT_CLEAR_OPTIONS, clearRequest, markRequest, previewOf } from './clear-preview';

describe('clearRequest', () => {
  it("asks for the task and its downstream tasks in this run, whatever their state, by default", () => {
    expect(clearRequest('transform', 'r1', DEFAULT_CLEAR_OPTIONS, true)).toEqual({
      dry_run: true,
      task_ids: ['transform'],
      dag_run_id: 'r1',
      include_downstream: true,
      include_upstream: false,
      include_past: false,
      include_future: false,
      only_failed: false,
      reset_dag_runs: true,
    });
  });
  it('previews and acts with the same options', () => {
    const options = { downstream: false, upstream: true, onlyFailed: true, past: true, future: false };
    const { dry_run: a, ...preview } = clearRequest('t', 'r', options, true);
    const { dry_run: b, ...action } = clearRequest('t', 'r', options, false);
    expect([a, b]).toEqual([true, false]);
    expect(action).toEqual(preview);
  });
});

describe('markRequest', () => {
  it('sets one state for the task and, optionally, its relatives', () => {
    expect(markRequest('t', 'r', 'failed', { downstream: true, upstream: false, past: false, future: false }, false)).toEqual({
      dry_run: false,
      task_id: 't',
      dag_run_id: 'r',
      new_state: 'failed',
      include_downstream: true,
      include_upstream: false,
      include_past: false,
      include_future: false,
    });
  });
});

describe('previewOf', () => {
  const ref = (run: string, task: string) => ({ dag_run_id: run, task_id: task, dag_id: 'd', execution_date: null });
  it('groups the affected task instances by run and says what will happen', () => {
    const p = previewOf([ref('r2', 'b'), ref('r2', 'a'), ref('r1', 'a')], 'clear');
    expect(p.runs).toEqual([
      { runId: 'r2', taskIds: ['a', 'b'] },
      { runId: 'r1', taskIds: ['a'] },
    ]);
    expect(p.summary).toBe('3 task instances in 2 runs will be cleared and run again.');
    expect(previewOf([ref('r1', 'a')], 'success').summary).toBe('1 task instance in 1 run will be marked success.');
    expect(previewOf([], 'clear').summary).toBe('Nothing to clear: no task instance matches these options.');
  });
});

import {
  DAG_RUN_STATES,
  DagRunState,
  FAILED_STATES,
  FINISHED_STATES,
  SCHEDULABLE_STATES,
  SUCCESS_STATES,
  TASK_STATES,
  TaskState,
  UNFINISHED_STATES,
  isDagRunFinished,
  isDagRunState,
  isFailedLike,
  isFinished,
  isSuccessLike,
  isTaskState,
  taskStateFromAirflow,
} from './states.js';

describe('task and run states', () => {
  it("use Airflow's literal values", () => {
    expect(TASK_STATES).toEqual([
      'none',
      'scheduled',
      'queued',
      'running',
      'success',
      'failed',
      'skipped',
      'upstream_failed',
      'up_for_retry',
      'up_for_reschedule',
      'removed',
      'deferred',
    ]);
    expect(DAG_RUN_STATES).toEqual(['queued', 'running', 'success', 'failed']);
  });

  it('split into finished and unfinished exactly as State.finished / State.unfinished', () => {
    expect([...FINISHED_STATES].sort()).toEqual(['failed', 'removed', 'skipped', 'success', 'upstream_failed']);
    expect([...UNFINISHED_STATES].sort()).toEqual(['deferred', 'none', 'queued', 'running', 'scheduled', 'up_for_reschedule', 'up_for_retry']);
    for (const s of TASK_STATES) expect(FINISHED_STATES.has(s)).toBe(!UNFINISHED_STATES.has(s));
    expect(isFinished(TaskState.UP_FOR_RETRY)).toBe(false);
    expect(isFinished(TaskState.REMOVED)).toBe(true);
  });

  it('name the failed-like, success-like and schedulable sets', () => {
    expect([...FAILED_STATES].sort()).toEqual(['failed', 'upstream_failed']);
    expect([...SUCCESS_STATES].sort()).toEqual(['skipped', 'success']);
    expect([...SCHEDULABLE_STATES].sort()).toEqual(['none', 'up_for_reschedule', 'up_for_retry']);
    expect(isFailedLike('upstream_failed')).toBe(true);
    expect(isFailedLike('skipped')).toBe(false);
    expect(isSuccessLike('skipped')).toBe(true);
    expect(isSuccessLike('removed')).toBe(false);
  });

  it('guard and convert values', () => {
    expect(isTaskState('up_for_retry')).toBe(true);
    expect(isTaskState('shutdown')).toBe(false);
    expect(isTaskState(null)).toBe(false);
    expect(isDagRunState('queued')).toBe(true);
    expect(isDagRunState('skipped')).toBe(false);
    expect(taskStateFromAirflow(null)).toBe('none');
    expect(taskStateFromAirflow('success')).toBe('success');
    expect(() => taskStateFromAirflow('shutdown')).toThrow("Unknown task state 'shutdown'");
    expect(isDagRunFinished(DagRunState.SUCCESS)).toBe(true);
    expect(isDagRunFinished(DagRunState.QUEUED)).toBe(false);
  });
});

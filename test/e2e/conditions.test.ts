/**
 * @task.run_if / @task.skip_if end to end (test/fixtures/e2e/conditions.py): the condition runs in
 * the task's Python process before execute, from the run's context (conf, params, task id, map
 * index); a "no" skips the task with the message (default or given, or the condition's own).
 */
import { runDag, statesAndTries, useE2eRuntime } from './support.js';

const e2e = useE2eRuntime();

const DAG_ID = 'e2e_conditions';

describe('@task.run_if / @task.skip_if (e2e_conditions)', () => {
  const log = (runId: string, taskId: string, tryNumber: number, mapIndex = -1) => e2e.runtime.logs.read(DAG_ID, runId, taskId, tryNumber, mapIndex);

  it('with conf go: run_if tasks run, skip_if tasks are skipped with their message', async () => {
    const { run, tasks } = await runDag(e2e.runtime, DAG_ID, { logicalDate: new Date('2024-01-01T00:00:00Z'), conf: { go: true } });
    expect(statesAndTries(tasks)).toEqual({
      when_go: ['success', 1],
      unless_go: ['skipped', 1],
      bash_when_go: ['success', 1],
      sized: ['skipped', 1],
      stacked: ['skipped', 1],
      hi_do_run: ['success', 1],
      hi_1234: ['skipped', 1],
      double: ['success', 1],
      sense: ['success', 1],
      always_skipped: ['skipped', 1],
      after: ['success', 1],
    });
    expect(tasks.when_go!.xcom.return_value).toBe('ran');
    expect(tasks.bash_when_go!.xcom.return_value).toBe('bash ran');
    expect(tasks.after!.xcom.return_value).toBe('after ran');
    expect(tasks.hi_do_run!.xcom.return_value).toBe('hello');
    expect(tasks.unless_go!.xcom).toEqual({});
    expect(await log(run.run_id, 'unless_go', 1)).toContain('Marking task as SKIPPED: go was given');
    // The condition's own message wins over the default.
    expect(await log(run.run_id, 'sized', 1)).toContain('Marking task as SKIPPED: size 1 too small');
    // Stacked: the inner condition (nearest @task) is checked first.
    expect(await log(run.run_id, 'stacked', 1)).toContain('Marking task as SKIPPED: inner said no');
    expect(await log(run.run_id, 'hi_1234', 1)).toContain('Marking task as SKIPPED: Task was skipped due to condition.');
    expect(await log(run.run_id, 'always_skipped', 1)).toContain('Task was skipped due to condition.');
    // Each map index checks the condition for itself.
    const indexes = await e2e.runtime.store.listMappedTaskInstances(DAG_ID, run.run_id, 'double');
    expect(indexes.map((ti) => [ti.map_index, ti.state])).toEqual([[0, 'success'], [1, 'skipped'], [2, 'success']]);
    expect(await log(run.run_id, 'double', 1, 1)).toContain('index 1 skipped');
    expect(run.state).toBe('success');
  });

  it('without conf: run_if tasks are skipped (downstream all_success follows), skip_if tasks run', async () => {
    const { run, tasks } = await runDag(e2e.runtime, DAG_ID, { logicalDate: new Date('2024-01-02T00:00:00Z'), conf: {} });
    expect(statesAndTries(tasks)).toMatchObject({
      when_go: ['skipped', 1],
      unless_go: ['success', 1],
      bash_when_go: ['skipped', 1],
      stacked: ['skipped', 1],
      sense: ['skipped', 1],
      after: ['skipped', 0],
    });
    expect(tasks.unless_go!.xcom.return_value).toBe('ran');
    expect(await log(run.run_id, 'when_go', 1)).toContain('Marking task as SKIPPED: Task was skipped due to condition.');
    // The bash command never ran.
    expect(await log(run.run_id, 'bash_when_go', 1)).not.toContain('bash ran');
    expect(await log(run.run_id, 'stacked', 1)).toContain('Marking task as SKIPPED: outer said no');
    expect(await log(run.run_id, 'sense', 1)).toContain('no sensing without go');
    expect(run.state).toBe('success');
  });
});

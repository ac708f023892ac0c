/**
 * Setup and teardown tasks end to end (test/fixtures/e2e/setup_teardown.py): a teardown runs when its
 * setup ran, even after the work failed (ALL_DONE_SETUP_SUCCESS), and the run's state ignores
 * teardowns unless on_failure_fail_dagrun.
 */
import { runDag, scan, statesAndTries, useE2eRuntime } from './support.js';

const e2e = useE2eRuntime();

describe('setup and teardown', () => {
  it('reads as_setup/as_teardown and @setup/@teardown into the model', () => {
    const dag = scan().dags.get('e2e_teardown_after_failure')!.dag;
    const byId = Object.fromEntries(dag.tasks.map((t) => [t.task_id, t]));
    expect(byId.create_cluster).toMatchObject({ is_setup: true, trigger_rule: 'all_success' });
    expect(byId.delete_cluster).toMatchObject({ is_teardown: true, on_failure_fail_dagrun: false, trigger_rule: 'all_done_setup_success', upstream_task_ids: ['create_cluster', 'work'] });
    const fails = scan().dags.get('e2e_teardown_fails_run')!.dag.tasks.find((t) => t.task_id === 'drop2')!;
    expect(fails).toMatchObject({ is_teardown: true, on_failure_fail_dagrun: true, trigger_rule: 'all_done_setup_success' });
  });

  it('runs the teardown after the work failed; the run fails because of the work', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_teardown_after_failure');
    expect(statesAndTries(tasks)).toEqual({ create_cluster: ['success', 1], work: ['failed', 1], delete_cluster: ['success', 1] });
    expect(run.state).toBe('failed');
  });

  it('ignores a failed teardown for the run state ...', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_teardown_ignored');
    expect(statesAndTries(tasks)).toEqual({ make: ['success', 1], use: ['success', 1], drop: ['failed', 1] });
    expect(run.state).toBe('success');
  });

  it('... unless on_failure_fail_dagrun=True', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_teardown_fails_run');
    expect(statesAndTries(tasks)).toEqual({ make2: ['success', 1], use2: ['success', 1], drop2: ['failed', 1] });
    expect(run.state).toBe('failed');
  });

  it('does not run a teardown whose setup failed (upstream_failed)', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_setup_failed');
    expect(statesAndTries(tasks)).toEqual({ broken_setup: ['failed', 1], job: ['upstream_failed', 0], cleanup: ['upstream_failed', 0] });
    expect(run.state).toBe('failed');
  });
});

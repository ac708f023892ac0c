/**
 * Branching in a virtualenv / another interpreter end to end (test/fixtures/e2e/branch_virtualenv.py):
 * BranchPythonVirtualenvOperator, @task.branch_virtualenv, BranchExternalPythonOperator and
 * @task.branch_external_python run their callable there (as their non-branching kinds) and the
 * ids it returns are followed; the other direct downstream tasks are skipped.
 */
import { runDag, statesAndTries, useE2eRuntime } from './support.js';

const e2e = useE2eRuntime();

describe('branching in a virtualenv or another interpreter (e2e_branch_venv)', () => {
  it.each([
    ['left', 'right'],
    ['right', 'left'],
  ])('follows what the callables return (conf path %s)', async (taken, other) => {
    const logicalDate = new Date(taken === 'left' ? '2024-01-01T00:00:00Z' : '2024-01-02T00:00:00Z');
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_branch_venv', { logicalDate, conf: { path: taken } });
    expect(statesAndTries(tasks)).toEqual({
      venv_pick: ['success', 1],
      in_venv: ['success', 1],
      not_in_venv: ['skipped', 0],
      deco_pick: ['success', 1],
      [taken]: ['success', 1],
      [other]: ['skipped', 0],
      ext_pick: ['success', 1],
      ext_a: ['success', 1],
      ext_b: ['success', 1],
      deco_ext_pick: ['success', 1],
      deco_ext_a: ['skipped', 0],
    });
    expect(tasks.venv_pick!.xcom.return_value).toBe('in_venv');
    expect(tasks.deco_pick!.xcom.return_value).toBe(taken);
    expect(run.state).toBe('success');
  }, 180_000);
});

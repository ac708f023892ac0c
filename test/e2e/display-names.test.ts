/**
 * task_display_name end to end (test/fixtures/e2e/display_names.py): the display name reaches the
 * task instances (as Airflow keeps it on the task instance), the task's Python code and templates.
 */
import { runDag, useE2eRuntime } from './support.js';

const e2e = useE2eRuntime();

describe('task_display_name (e2e_display_names)', () => {
  it('is on the task instances and readable as task/ti.task_display_name in code and templates (the id without one)', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_display_names');
    expect(run.state).toBe('success');
    const tis = await e2e.runtime.store.listTaskInstances(run.dag_id, run.run_id);
    expect(Object.fromEntries(tis.map((ti) => [ti.task_id, ti.task_display_name]))).toEqual({
      extract: 'Extract the data 📦',
      plain: undefined,
      shout: 'Shout it',
    });
    expect(tasks.extract!.xcom.return_value).toEqual(['Extract the data 📦', 'Extract the data 📦']);
    expect(tasks.plain!.xcom.return_value).toBe('plain');
    expect(tasks.shout!.xcom.return_value).toBe('Shout it/Shout it');
  });
});

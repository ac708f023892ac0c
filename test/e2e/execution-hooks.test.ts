/**
 * BaseOperator's execution hooks end to end (test/fixtures/e2e/execution_hooks.py), in Airflow 2.10's
 * order: pre_execute (raising fails, AirflowSkipException skips), on_execute_callback (errors logged),
 * the execution, post_execute(context, result) (raising fails), on_skipped_callback when the try's own
 * code skipped it — on tasks the Python runner executes and on bash tasks and built-in sensors alike.
 */
import { runDag, statesAndTries, tryLog, useE2eRuntime, type E2eRun } from './support.js';

const e2e = useE2eRuntime();
let result: E2eRun;
const lines = async (taskId: string) =>
  (await tryLog(e2e.runtime, result.run, taskId, 1))
    .split('\n')
    .filter((l) => /pre_execute of|on_execute_callback of|post_execute of|on_skipped_callback of|Marking task|Running command|Done\. Returned|Failed when executing execute callback/.test(l))
    .map((l) => l.replace(/^\[[^\]]+\] (\{[^}]+\} )?(INFO - )?/, ''));

beforeAll(async () => {
  result = await runDag(e2e.runtime, 'e2e_execution_hooks', { logicalDate: new Date('2024-03-05T00:00:00Z') });
}, 120_000);

describe('execution hooks (e2e_execution_hooks)', () => {
  it('ends each task as Airflow does', () => {
    expect(statesAndTries(result.tasks)).toEqual({
      bash_hooked: ['success', 1],
      python_hooked: ['success', 1],
      bash_pre_skips: ['skipped', 1],
      bash_post_fails: ['failed', 1],
      bash_exit_99: ['skipped', 1],
      python_skips: ['skipped', 1],
      sensor_soft_fails: ['skipped', 1],
      callback_breaks: ['success', 1],
      downstream_of_skip: ['skipped', 0],
    });
  });

  it('calls pre_execute, on_execute_callback, the execution and post_execute(context, result) in order, for bash and Python tasks', async () => {
    expect(await lines('bash_hooked')).toEqual([
      'pre_execute of bash_hooked',
      'on_execute_callback of bash_hooked',
      expect.stringContaining('Running command'),
      "post_execute of bash_hooked with '2024-03-05'",
      'Marking task as SUCCESS',
    ]);
    expect(await lines('python_hooked')).toEqual([
      'pre_execute of python_hooked',
      'on_execute_callback of python_hooked',
      expect.stringContaining('Done. Returned value was: 42'),
      'post_execute of python_hooked with 42',
      'Marking task as SUCCESS',
    ]);
    expect(result.tasks.bash_hooked!.xcom).toEqual({ return_value: '2024-03-05' });
  });

  it('skips a try whose pre_execute raised AirflowSkipException without running it, and calls on_skipped_callback', async () => {
    const log = await lines('bash_pre_skips');
    expect(log).not.toContainEqual(expect.stringContaining('Running command'));
    expect(log).toEqual(['on_skipped_callback of bash_pre_skips on 2024-03-05', 'Marking task as SKIPPED: not on 2024-03-05']);
  });

  it("fails a try whose post_execute raised, with the hook's error", async () => {
    expect(await tryLog(e2e.runtime, result.run, 'bash_post_fails', 1)).toContain("ValueError: post_execute rejected '5'");
  });

  it('calls on_skipped_callback (from default_args) when the task skipped itself: exit 99, AirflowSkipException, a soft_fail sensor', async () => {
    for (const taskId of ['bash_exit_99', 'python_skips', 'sensor_soft_fails']) {
      expect((await lines(taskId)).filter((l) => !l.startsWith('Running command'))).toEqual([`on_skipped_callback of ${taskId} on 2024-03-05`, expect.stringMatching(/^Marking task as SKIPPED/)]);
    }
  });

  it("logs a failing on_execute_callback and runs the task; a task skipped by its upstream gets no on_skipped_callback", async () => {
    expect(await lines('callback_breaks')).toEqual([expect.stringContaining('Failed when executing execute callback: '), expect.stringContaining('Running command'), 'Marking task as SUCCESS']);
    expect(result.tasks.downstream_of_skip!.state).toBe('skipped');
  });
});

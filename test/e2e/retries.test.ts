/**
 * Retries, failure isolation and execution_timeout end to end (test/fixtures/e2e/retries.py): real
 * bash and python3 tasks failing, retried after retry_delay (1 s), each try in its own log.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDag, sleep, statesAndTries, tryLog, useE2eRuntime } from './support.js';

const DATE = new Date('2024-01-01T00:00:00Z');

const e2e = useE2eRuntime();
const temp = e2e.temp;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('retries (e2e_retries)', () => {
  it('retries failed tries after retry_delay, keeps one log per try, and waits for the last try before deciding downstream', async () => {
    const tmp = temp.make();
    const started = Date.now();
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_retries', { logicalDate: DATE, conf: { tmp } });
    expect(statesAndTries(tasks)).toEqual({
      flaky_bash: ['success', 2],
      flaky_python: ['success', 2],
      doomed: ['failed', 3], // retries=2: tries 1, 2 and 3
      below_doomed: ['upstream_failed', 0],
      cleanup: ['success', 1],
    });
    expect(tasks.flaky_bash!.xcom).toEqual({ return_value: 'ok on 2' });
    expect(tasks.flaky_python!.xcom).toEqual({ return_value: { attempt: 2, try_number: 2 } });
    expect(tasks.doomed!.xcom).toEqual({});
    expect(tasks.below_doomed!.xcom).toEqual({});
    expect(tasks.cleanup!.xcom).toEqual({ return_value: 'cleaned' });
    expect(run.state).toBe('success'); // the only leaf (all_done) succeeded
    expect(readFileSync(join(tmp, 'doomed.count'), 'utf8').trim()).toBe('3');
    // Two waits of retry_delay (1 s) for doomed, in sequence.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);

    const log = (task: string, n: number) => tryLog(e2e.runtime, run, task, n);
    const bash1 = await log('flaky_bash', 1);
    expect(bash1).toContain('attempt 1 (try 1)');
    expect(bash1).toContain('Starting attempt 1 of 3');
    expect(bash1).toContain('Marking task as UP_FOR_RETRY');
    expect(bash1).not.toContain('attempt 2');
    const bash2 = await log('flaky_bash', 2);
    expect(bash2).toContain('attempt 2 (try 2)');
    expect(bash2).toContain('ok on 2');
    expect(bash2).toContain('Marking task as SUCCESS');
    expect(bash2).not.toContain('attempt 1');
    expect(await log('flaky_bash', 3)).toBe('');

    const py1 = await log('flaky_python', 1);
    expect(py1).toContain('python attempt 1');
    expect(py1).toContain('ValueError: not yet: attempt 1');
    expect(py1).toContain('Marking task as UP_FOR_RETRY');
    const py2 = await log('flaky_python', 2);
    expect(py2).toContain('python attempt 2');
    expect(py2).toContain('Marking task as SUCCESS');

    for (const n of [1, 2]) expect(await log('doomed', n)).toContain('Marking task as UP_FOR_RETRY');
    const doomed3 = await log('doomed', 3);
    expect(doomed3).toContain('attempt 3 (try 3)');
    expect(doomed3).toContain('Marking task as FAILED');
    expect(await log('doomed', 4)).toBe('');
  }, 30_000);
});

describe('callbacks (e2e_callbacks)', () => {
  it('runs on_retry, on_success and on_failure callbacks with context["exception"], and the DAG failure callback', async () => {
    const tmp = temp.make();
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_callbacks', { logicalDate: DATE, conf: { tmp } });
    expect(statesAndTries(tasks)).toEqual({ flaky: ['success', 2], broken: ['failed', 1] });
    expect(tasks.flaky!.xcom).toEqual({ return_value: 'ok' });
    expect(run.state).toBe('failed');
    const lines = readFileSync(join(tmp, 'callbacks.txt'), 'utf8').trim().split('\n');
    expect([...lines].sort()).toEqual([
      'dag failure: task_failure',
      'failure broken: Bash command failed. The command returned a non-zero exit code 3.',
      'retry flaky: Bash command failed. The command returned a non-zero exit code 1.',
      'success flaky: None',
    ]);
    expect(lines.at(-1)).toBe('dag failure: task_failure'); // after the run's tasks ended
    expect(await tryLog(e2e.runtime, run, 'flaky', 1)).toContain('Running on_retry_callback callback');
  }, 20_000);
});

describe('failures', () => {
  it('lets an independent branch complete beside a failing task, and fails the run (a leaf is upstream_failed)', async () => {
    const { run, tasks, execution } = await runDag(e2e.runtime, 'e2e_failure_isolation', { logicalDate: DATE });
    expect(statesAndTries(tasks)).toEqual({
      start: ['success', 1],
      bad: ['failed', 1],
      bad_child: ['upstream_failed', 0],
      good: ['success', 1],
      good_child: ['success', 1],
    });
    expect(tasks.good_child!.xcom).toEqual({ return_value: 'good_child' });
    expect(tasks.bad!.xcom).toEqual({});
    expect(run.state).toBe('failed');
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Skydag.DagRunFailed' });
    expect(await tryLog(e2e.runtime, run, 'bad', 1)).toMatch(/about to fail[\s\S]*Command exited with return code 1[\s\S]*Marking task as FAILED/);
  });

  it('succeeds when a task failed but every leaf succeeded', async () => {
    const { run, tasks, execution } = await runDag(e2e.runtime, 'e2e_failure_handled', { logicalDate: DATE });
    expect(statesAndTries(tasks)).toEqual({ bad: ['failed', 1], report: ['success', 1] });
    expect(tasks.report!.xcom).toEqual({ return_value: 'reported' });
    expect(run.state).toBe('success');
    expect(execution.status).toBe('SUCCEEDED');
  });
});

describe('execution_timeout (e2e_timeouts)', () => {
  it('kills long bash and python tasks, retries the bash one, and logs the timeout', async () => {
    const tmp = temp.make();
    const started = Date.now();
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_timeouts', { logicalDate: DATE, conf: { tmp } });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(statesAndTries(tasks)).toEqual({
      bash_sleeper: ['failed', 2],
      python_sleeper: ['failed', 1],
      after_timeouts: ['success', 1],
    });
    expect(tasks.bash_sleeper!.xcom).toEqual({});
    expect(tasks.python_sleeper!.xcom).toEqual({});
    expect(tasks.after_timeouts!.xcom).toEqual({ return_value: 'after' });

    // The execute state's TimeoutSeconds (States.Timeout) and the executor's own timer
    // (Skydag.TaskTimeout) fire together; whichever wins, the failure says what timed out.
    const timedOut = (then: string, seconds = 2) => new RegExp(`Task failed with (States\\.Timeout|Skydag\\.TaskTimeout): execution_timeout of ${seconds} s exceeded\\n.*${then}`);
    const bash1 = await tryLog(e2e.runtime, run, 'bash_sleeper', 1);
    expect(bash1).toContain('sleeping');
    expect(bash1).toMatch(timedOut('Marking task as UP_FOR_RETRY \\(try 1 of 2\\); next try in 1 s'));
    expect(bash1).not.toContain('woke');
    const bash2 = await tryLog(e2e.runtime, run, 'bash_sleeper', 2);
    expect(bash2).toContain('Starting attempt 2 of 2');
    expect(bash2).toMatch(timedOut('Marking task as FAILED \\(try 2\\)'));
    const py = await tryLog(e2e.runtime, run, 'python_sleeper', 1);
    expect(py).toContain('python sleeping');
    expect(py).toMatch(timedOut('Marking task as FAILED \\(try 1\\)', 8));
    expect(py).not.toContain('woke up');

    // The killed processes are really gone (the bash command's whole process group, the runner).
    await sleep(500);
    for (const file of ['bash_1.pid', 'bash_2.pid', 'python.pid']) {
      expect(existsSync(join(tmp, file))).toBe(true);
      expect({ file, alive: alive(Number(readFileSync(join(tmp, file), 'utf8').trim())) }).toEqual({ file, alive: false });
    }
  }, 30_000);
});

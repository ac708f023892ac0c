/**
 * More Airflow 2 operators, sensors and TaskFlow decorators end to end
 * (test/fixtures/e2e/more_operators.py; logical date 2024-03-05, a Tuesday), with the states and
 * XComs Airflow 2.10 gives them.
 */
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { e2eRuntime, runDag, statesAndTries, TempDirs, tryLog, type E2eRun } from './support.js';

const temp = new TempDirs();
let runtime: LocalRuntime;
let result: E2eRun;

beforeAll(async () => {
  runtime = e2eRuntime(temp);
  result = await runDag(runtime, 'e2e_more_operators', { logicalDate: new Date('2024-03-05T00:00:00Z') });
}, 60_000);
afterAll(() => {
  runtime.close();
  temp.cleanup();
});

describe('more operators (e2e_more_operators)', () => {
  it('ends each task as Airflow does', () => {
    expect(statesAndTries(result.tasks)).toEqual({
      marker: ['success', 1], // a no-op, like EmptyOperator
      past: ['success', 1],
      future: ['skipped', 1], // soft_fail after its 2 s timeout
      after_delta: ['success', 1],
      tuesday: ['success', 1],
      weekend: ['skipped', 1],
      report: ['success', 1],
      ready: ['success', 1],
      on_a_weekday: ['success', 1],
      weekday_work: ['success', 1],
      never: ['success', 1],
      skipped_work: ['skipped', 0],
      flag_set: ['success', 1],
      flag_broken: ['failed', 1], // an exit code other than retry_exit_code fails without retries
      after_midnight: ['success', 1],
      day_end: ['skipped', 1],
      included: ['success', 1],
      shout: ['success', 1],
      greet_from_include: ['success', 1],
    });
    expect(result.run.state).toBe('failed'); // flag_broken is a leaf
  });

  it('@task.bash runs the command its function returns, rendered, with its templated env; the last line is the XCom', () => {
    expect(result.tasks.report!.xcom).toEqual({ return_value: 'report 2024-03-05 20240305 eu' });
  });

  it('{% include %} inlines a template file found beside the DAG file; ti.xcom_push() in a template pushes and renders None', async () => {
    expect(result.tasks.included!.xcom).toEqual({ day: '2024-03-05', return_value: 'None 2024-03-05' });
    expect(await tryLog(runtime, result.run, 'included', 1)).toContain('script for 2024-03-05 in e2e_more_operators');
  });

  it('runs a custom operator imported from the plugins folder beside the DAGs folder', () => {
    expect(result.tasks.shout!.xcom).toEqual({ return_value: '2024-03-05 FROM PLUGINS' });
  });

  it('runs a task calling a module of the project folder (the DAGs folder\'s parent), imported as include.*', () => {
    expect(result.tasks.greet_from_include!.xcom).toEqual({ return_value: 'hello 2024-03-05 from include' });
  });

  it('@task.sensor pushes its PokeReturnValue; @task.short_circuit pushes the condition', () => {
    expect(result.tasks.ready!.xcom).toEqual({ return_value: 'ready 2024-03-05' });
    expect(result.tasks.on_a_weekday!.xcom).toEqual({ return_value: true });
    expect(result.tasks.weekday_work!.xcom).toEqual({ return_value: 'ran' });
    expect(result.tasks.never!.xcom).toEqual({ return_value: false });
  });

  it('logs what the sensors checked', async () => {
    expect(await tryLog(runtime, result.run, 'flag_broken', 1)).toContain('Command exited with return code 3');
    expect(await tryLog(runtime, result.run, 'after_midnight', 1)).toContain('Checking if the time (00:00:00) has come');
    expect(await tryLog(runtime, result.run, 'past', 1)).toContain('Checking if the time (2024-03-04T06:00:00) has come');
    expect(await tryLog(runtime, result.run, 'weekend', 1)).toMatch(/Poking until weekday is in SATURDAY, SUNDAY|Poking until weekday is in SUNDAY, SATURDAY/);
  });
});

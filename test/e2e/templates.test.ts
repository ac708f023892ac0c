/**
 * Templated bash and python arguments end to end (test/fixtures/e2e/templates.py): the Jinja
 * context ({{ ds }}, dag_run.conf, params overridden by conf, ti.xcom_pull, macros, run_id, a .sh
 * template file), templates_dict, op_args and op_kwargs (nested), and env. Every rendered value is
 * read back as an XCom: bash pushes its last stdout line, python tasks return what they received.
 */
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { e2eRuntime, runDag, TempDirs, tryLog, type E2eRun } from './support.js';

const temp = new TempDirs();
let runtime: LocalRuntime;
let result: E2eRun;

beforeAll(async () => {
  runtime = e2eRuntime(temp);
  result = await runDag(runtime, 'e2e_templates', { logicalDate: new Date('2024-03-05T00:00:00Z'), conf: { x: 'conf-x', y: 'conf-y' } });
}, 30_000);
afterAll(() => {
  runtime.close();
  temp.cleanup();
});

const RUN_ID = 'manual__2024-03-05T00:00:00+00:00';

describe('templated arguments (e2e_templates, logical date 2024-03-05, conf {x, y})', () => {
  it('runs every task once, successfully', () => {
    expect(result.run.state).toBe('success');
    expect(result.run.run_id).toBe(RUN_ID);
    for (const [id, t] of Object.entries(result.tasks)) expect({ id, state: t.state, try: t.try }).toEqual({ id, state: 'success', try: 1 });
  });

  it.each([
    ['a', 'hello-a'],
    ['b_ds', '2024-03-05 20240305 2024-03-05T00:00:00+00:00'],
    ['b_conf', 'conf-x'],
    ['b_params', 'conf-y-param-z'], // dag_run.conf overrides params (Airflow's dag_run_conf_overrides_params)
    ['b_pull', 'pulled hello-a'],
    // ds_add / ds_format; on a manual run next_ds and prev_ds are ds (Airflow's external-trigger rule)
    ['b_macros', '2024-03-06 05/03/2024 2024-03-05 2024-03-05'],
    ['b_env', 'hi conf-y 2024-03-05'],
    ['b_script', 'script for 2024-03-05 in e2e_templates'], // bash_command ending in .sh: the file, rendered
    ['b_run_id', `${RUN_ID} manual e2e_templates__b_run_id__20240305`],
  ])('bash %s renders to %j', (taskId, rendered) => {
    expect(result.tasks[taskId]!.xcom).toEqual({ return_value: rendered });
  });

  it('renders op_kwargs (nested dicts and lists too, non-strings untouched)', () => {
    expect(result.tasks.p_op_kwargs!.xcom).toEqual({
      return_value: { day: '20240305', x: 'conf-x', pulled: 'hello-a', y: 'conf-y', nested: { list: ['2024-03-05', 7], plain: 'no template' } },
    });
  });

  it('renders op_args', () => {
    expect(result.tasks.p_op_args!.xcom).toEqual({ return_value: { args: ['2024-03-05', 5, '2024-03-04'], kwargs: {} } });
  });

  it('renders templates_dict and hands it to the callable', () => {
    expect(result.tasks.p_templates_dict!.xcom).toEqual({ return_value: { when: '2024-03-05', who: 'conf-y', model: 'hello-a' } });
  });

  it('passes the context to python callables by parameter name and **context', () => {
    expect(result.tasks.p_context!.xcom).toEqual({
      return_value: {
        ds: '2024-03-05',
        ds_nodash: '20240305',
        ts: '2024-03-05T00:00:00+00:00',
        run_id: RUN_ID,
        params: { y: 'conf-y', z: 'param-z', x: 'conf-x' },
        conf: { x: 'conf-x', y: 'conf-y' },
        try_number: 1,
        key: 'e2e_templates__p_context__20240305',
        logical_date: '2024-03-05T00:00:00+00:00',
        execution_date_year: 2024,
      },
    });
  });

  it('keeps the rendered fields with the task instance', async () => {
    const ti = await runtime.store.getTaskInstance('e2e_templates', RUN_ID, 'b_params');
    expect(ti?.rendered_fields).toMatchObject({ bash_command: 'echo conf-y-param-z' });
    const env = await runtime.store.getTaskInstance('e2e_templates', RUN_ID, 'b_env');
    expect(env?.rendered_fields).toMatchObject({ env: { GREETING: 'hi conf-y', WHEN: '2024-03-05' } });
  });
});

describe('undefined template values (e2e_templates_strict)', () => {
  it("fails the try on a missing key, as Airflow 2's StrictUndefined does (retried like any failure)", async () => {
    const { run, tasks } = await runDag(runtime, 'e2e_templates_strict', { logicalDate: new Date('2024-03-05T00:00:00Z'), conf: {} });
    expect(tasks.with_default).toEqual({ state: 'success', try: 1, xcom: { return_value: '[dflt]' } });
    expect(tasks.missing_key).toEqual({ state: 'failed', try: 2, xcom: {} });
    expect(run.state).toBe('failed');
    for (const n of [1, 2]) {
      const log = await tryLog(runtime, run, 'missing_key', n);
      expect(log).toContain('rendering templated fields failed');
      expect(log).toMatch(/UndefinedError/);
      expect(log).toContain(n === 1 ? 'Marking task as UP_FOR_RETRY' : 'Marking task as FAILED');
    }
  }, 20_000);
});

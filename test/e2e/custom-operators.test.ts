/**
 * Custom operators' templated fields end to end (test/fixtures/e2e/custom_templates.py, operators in
 * the e2e_custom_ops package beside it): Airflow 2 renders the attributes an operator names in
 * `template_fields` before `execute`/`poke` — whatever constructor parameter set them, inherited from
 * a built-in operator or extended, nested in lists, tuples, dicts, sets and objects with template
 * fields of their own, read from template files by `template_ext` — and shows them as the try's
 * rendered fields. Every value comes back as an XCom (logical date 2024-03-05, params.region "eu").
 */
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { e2eRuntime, runDag, TempDirs, tryLog, type E2eRun } from './support.js';

const temp = new TempDirs();
let runtime: LocalRuntime;
let result: E2eRun;
const DATE = new Date('2024-03-05T00:00:00Z');

const previousApiKey = process.env.AIRFLOW_VAR_API_KEY;

beforeAll(async () => {
  process.env.AIRFLOW_VAR_API_KEY = 's3cr3t-v4lue';
  runtime = e2eRuntime(temp);
  result = await runDag(runtime, 'e2e_custom_templates', { logicalDate: DATE, conf: { who: 'ann' } });
}, 60_000);
afterAll(() => {
  if (previousApiKey === undefined) delete process.env.AIRFLOW_VAR_API_KEY;
  else process.env.AIRFLOW_VAR_API_KEY = previousApiKey;
  runtime.close();
  temp.cleanup();
});

const xcom = (taskId: string) => result.tasks[taskId]?.xcom.return_value;
const renderedFields = async (dagId: string, taskId: string, run = result.run) => (await runtime.store.getTaskInstance(dagId, run.run_id, taskId))?.rendered_fields;

describe('custom operators (e2e_custom_templates)', () => {
  it('runs every task once, successfully', () => {
    expect(result.run.state).toBe('success');
    for (const [id, t] of Object.entries(result.tasks)) expect({ id, state: t.state, try: t.try }).toEqual({ id, state: 'success', try: 1 });
  });

  it('renders template_fields of an operator defined in the DAG file before execute (not other attributes)', async () => {
    expect(xcom('hello')).toBe('Hello 2024-03-05 ({{ ds }})');
    expect(await renderedFields('e2e_custom_templates', 'hello')).toEqual({ name: '2024-03-05' });
  });

  it('masks a secret variable in the rendered fields, as for built-in operators', async () => {
    expect(await renderedFields('e2e_custom_templates', 'secret_hello')).toEqual({ name: '***' });
  });

  it('resolves an XComArg given to a templated field', () => {
    expect(xcom('hello_pull')).toBe('Hello Hello 2024-03-05 ({{ ds }}) ({{ ds }})');
  });

  it("renders a built-in operator's template_fields in a subclass (inherited, and extended)", async () => {
    expect(xcom('echo')).toBe('20240305 eu'); // bash_command and env of BashOperator
    expect(xcom('tagged')).toBe('2024-03-05|tag-eu');
    expect(await renderedFields('e2e_custom_templates', 'tagged')).toEqual({ bash_command: 'echo 2024-03-05', env: null, cwd: null, tag: 'tag-eu' });
  });

  it('renders the attribute a field names, set under another name, including a templated __init__ default (operator beside the DAG file)', async () => {
    expect(xcom('greet')).toEqual({ greeting: 'hi ann', when: '20240305' });
    expect(await renderedFields('e2e_custom_templates', 'greet')).toEqual({ _greeting: 'hi ann', _when: '20240305' });
  });

  it('reads values ending in template_ext from the DAG folder and renders them, in lists too; template_fields_renderers render nothing', () => {
    expect(xcom('report')).toEqual({
      sql: "SELECT * FROM sales WHERE day = '2024-03-05' AND region = 'eu'",
      extra_sql: ["SELECT sum(amount) FROM sales WHERE day = '2024-03-04'", "SELECT '2024-03-05'"],
      title: '{{ ds }}',
    });
  });

  it('renders strings nested in lists, tuples, named tuples, dicts, sets and objects with template_fields; leaves other values alone', async () => {
    expect(xcom('shapes')).toEqual({
      items: ['2024-03-05', 7, ['20240305', null]],
      mapping: { when: '2024-03-05', n: 3, nested: { region: 'eu' } },
      pair: ['tuple', ['2024-03-05', 'plain']],
      named: ['Pair', 'eu', 2],
      tags: ['20240305', 'x'],
      holder: ['/data/2024-03-05', '{{ ds }}'],
      number: 42,
      nothing: null,
      when: '2024-02-01T00:00:00',
      opaque: 'Opaque()',
      empty: '',
    });
    expect(await renderedFields('e2e_custom_templates', 'shapes')).toMatchObject({
      items: ['2024-03-05', 7, ['20240305', null]],
      pair: ['2024-03-05', 'plain'],
      number: 42,
      holder: expect.stringMatching(/Holder object/),
    });
  });

  it('renders a custom sensor’s fields before it pokes', async () => {
    expect(xcom('wait')).toBe('/data/20240305/_SUCCESS');
    expect(await tryLog(runtime, result.run, 'wait', 1)).toContain('Poking /data/20240305/_SUCCESS');
  });

  it('renders op_kwargs and templates_dict of a PythonOperator subclass', () => {
    expect(xcom('logged')).toEqual({ day: '2024-03-05', templates_dict: { region: 'eu' } });
  });

  it('lets execute() call self.render_template', () => {
    expect(xcom('self_rendering')).toBe('20240305-eu');
  });
});

describe('template files through template_searchpath (e2e_custom_templates_searchpath)', () => {
  it('finds a template file in the DAG’s template_searchpath', async () => {
    const { run, tasks } = await runDag(runtime, 'e2e_custom_templates_searchpath', { logicalDate: DATE });
    expect(run.state).toBe('success');
    expect(tasks.by_searchpath!.xcom.return_value).toMatchObject({ sql: "SELECT '20240305' AS found_through_template_searchpath" });
  });
});

describe('templated fields that cannot be rendered (e2e_custom_templates_errors)', () => {
  it('fails the try with what Airflow reports: a missing attribute, an undefined variable, a missing file', async () => {
    const { run, tasks } = await runDag(runtime, 'e2e_custom_templates_errors', { logicalDate: DATE });
    expect(run.state).toBe('failed');
    expect(Object.values(tasks).map((t) => t.state)).toEqual(['failed', 'failed', 'failed']);
    expect(await tryLog(runtime, run, 'missing_attribute', 1)).toContain("'missing' is configured as a template field but MissingFieldOperator does not have this attribute.");
    expect(await tryLog(runtime, run, 'undefined_variable', 1)).toMatch(
      /Task failed with Skydag\.TaskFailed: AirflowException: rendering templated fields failed: .*field 'name'.*'no_such_variable' is undefined/,
    );
    expect(await tryLog(runtime, run, 'missing_file', 1)).toMatch(/rendering templated fields failed: .*field 'sql'.*TemplateNotFound: sql\/no_such_file\.sql/);
    expect(await renderedFields('e2e_custom_templates_errors', 'undefined_variable', run)).toBeNull();
  });
});

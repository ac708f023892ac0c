/**
 * DAG user_defined_macros and user_defined_filters end to end (test/fixtures/e2e/user_macros.py):
 * the template renders in skydag while the functions, objects and modules among them are evaluated
 * in the DAG file's Python process, so every value is what Airflow 2 renders (logical date 2024-03-05).
 */
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { e2eRuntime, runDag, TempDirs, tryLog, type E2eRun } from './support.js';

const temp = new TempDirs();
let runtime: LocalRuntime;
let result: E2eRun;
let native: E2eRun;
const DATE = new Date('2024-03-05T00:00:00Z');

beforeAll(async () => {
  runtime = e2eRuntime(temp);
  result = await runDag(runtime, 'e2e_user_macros', { logicalDate: DATE });
  native = await runDag(runtime, 'e2e_user_macros_native', { logicalDate: DATE });
}, 120_000);
afterAll(() => {
  runtime.close();
  temp.cleanup();
});

const xcom = (taskId: string, run = result) => run.tasks[taskId]?.xcom.return_value;

describe('user_defined_macros and user_defined_filters (e2e_user_macros)', () => {
  it("calls a plugin's macros as macros.<plugin name>.<function>, and names a plugin that is not there", async () => {
    expect(xcom('plugin_macros')).toBe('Q1 sales_data_20240305 2024-03-06');
    expect(result.tasks.no_such_plugin?.state).toBe('failed');
    expect(await tryLog(runtime, result.run, 'no_such_plugin', 1)).toContain("AttributeError: module 'airflow.macros' has no attribute 'nowhere'");
  });

  it('renders plain macros, and the context wins over a macro of the same name', () => {
    expect(xcom('static')).toBe('data 10 11 2024-03-05');
  });

  it("calls the DAG file's functions with positional and keyword arguments, nested", () => {
    expect(xcom('calls')).toBe('Hello 2024-03-05!|Hello data?|Hello Hello data!!');
  });

  it('passes datetimes to a macro and gets datetimes back (their methods work in the template)', () => {
    expect(xcom('dates')).toBe('20240304 2024-03-04 00:00:00+00:00');
  });

  it('evaluates a call per loop item, through a user-defined filter', () => {
    expect(xcom('loop')).toBe('HELLO 0! HELLO 1! HELLO 2!');
  });

  it("applies user-defined filters with arguments, keyword arguments and from map()", () => {
    expect(xcom('filters')).toBe('DATA! __7 **2024-03-05 A!,B!');
  });

  it("reaches a module's functions and an object's methods, attributes, str() and lists", () => {
    expect(xcom('objects')).toBe('{"k": "2024-03-05"} s3://raw/2024-03-05 eu-west-1 Settings(eu-west-1) <raw><clean>');
  });

  it("renders a PythonOperator's op_kwargs and a custom operator's template_fields with them", async () => {
    expect(xcom('python_kwargs')).toEqual({ greeting: 'Hello data!', rows: '20' });
    expect(xcom('custom')).toBe('HELLO 2024-03-05!!');
    expect((await runtime.store.getTaskInstance('e2e_user_macros', result.run.run_id, 'custom'))?.rendered_fields).toEqual({ name: 'HELLO 2024-03-05!!' });
  });

  it("fails the task with the macro's exception, as Airflow's renderer raises it", async () => {
    expect(result.tasks.raises?.state).toBe('failed');
    expect(await tryLog(runtime, result.run, 'raises', 1)).toContain('ValueError: no macro today');
    expect(result.run.state).toBe('failed');
  });

  it('keeps native values of macros and filters with render_template_as_native_obj (@dag form)', () => {
    expect(native.run.state).toBe('success');
    expect(xcom('show', native)).toEqual({ values: [21, 42], doubled: 8 });
  });
});

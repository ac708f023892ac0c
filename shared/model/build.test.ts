import { buildDag, buildTask, describeSchedule, pythonTimedeltaStr, scheduleFromValue, type TaskBuildInput } from './build.js';
import { DiagnosticBag } from './diagnostics.js';
import { operatorByClassName, unsupportedOperatorSpec } from '../operators/registry.js';
import type { PyValue } from './schema.js';

const at = { file: 'dag.py', line: 4, col: 1 };
const td = (seconds: number): PyValue => ({ $type: 'timedelta', seconds });
const dt = (value: string, timezone = 'UTC'): PyValue => ({ $type: 'datetime', value, timezone });

function input(className: string, kwargs: Record<string, PyValue>, defaultArgs: Record<string, PyValue> = {}): TaskBuildInput {
  return { spec: operatorByClassName(className)!, operator: className, taskId: 't', groupId: null, dagId: 'd', kwargs, defaultArgs, dagParams: {}, source: at };
}

describe('buildTask', () => {
  it('merges default_args (explicit arguments win) and lifts BaseOperator fields out of args', () => {
    const bag = new DiagnosticBag();
    const task = buildTask(
      input('BashOperator', { bash_command: 'echo hi', retries: 3, trigger_rule: 'none_failed' }, { retries: 1, retry_delay: td(600), owner: 'couture', email: 'a@x.io; b@x.io', env: { A: '1' }, conn_id: 'ignored' }),
      bag,
    );
    expect(bag.items).toEqual([]);
    expect(task).toMatchObject({
      operator_kind: 'bash',
      args: { bash_command: 'echo hi', env: { A: '1' } },
      retries: 3,
      retry_delay_seconds: 600,
      owner: 'couture',
      email: ['a@x.io', 'b@x.io'],
      trigger_rule: 'none_failed',
      templated_fields: ['bash_command', 'env', 'cwd'],
      template_ext: ['.sh', '.bash'],
      sensor: null,
    });
  });

  it('maps trigger-rule aliases and rejects unknown rules with a suggestion', () => {
    const bag = new DiagnosticBag();
    expect(buildTask(input('EmptyOperator', { trigger_rule: 'dummy' }), bag).trigger_rule).toBe('always');
    expect(buildTask(input('EmptyOperator', { trigger_rule: 'none_failed_or_skipped' }), bag).trigger_rule).toBe('none_failed_min_one_success');
    buildTask(input('EmptyOperator', { trigger_rule: 'one_sucess' }), bag);
    expect(bag.items.map((d) => d.message)).toEqual(["task 't': unknown trigger rule 'one_sucess' (did you mean 'one_success'?)"]);
  });

  it('reports a missing required argument in Airflow words, and wrong types', () => {
    const bag = new DiagnosticBag();
    buildTask(input('BashOperator', {}), bag);
    buildTask(input('PythonOperator', { python_callable: 'not_a_function' }), bag);
    // Airflow checks that a required argument is passed, not its value: None fails when the task runs.
    buildTask(input('SQLExecuteQueryOperator', { conn_id: 'db', sql: null }), bag);
    expect(bag.items.map((d) => [d.code, d.message])).toEqual([
      ['SKYDAG-V004', "BashOperator 't': Argument ['bash_command'] is required"],
      ['SKYDAG-V011', "PythonOperator 't': python_callable must be a function (got str)"],
    ]);
  });

  it('accepts a Jinja string in a templated dict field', () => {
    const bag = new DiagnosticBag();
    buildTask(input('TriggerDagRunOperator', { trigger_dag_id: 'child', conf: '{{ dag_run.conf }}' }), bag);
    expect(bag.items).toEqual([]);
  });

  it('errors on unknown arguments of Airflow operators but only warns for the Couture family', () => {
    const bag = new DiagnosticBag();
    buildTask(input('BashOperator', { bash_cmd: 'x', bash_command: 'y' }), bag);
    buildTask(input('CoutureSparkOperator', { code_artifact: 'a.jar', spark_flavour: 'x' }), bag);
    expect(bag.items.map((d) => [d.severity, d.message])).toEqual([
      ['error', "BashOperator 't': unknown argument 'bash_cmd' (did you mean 'bash_command'?)"],
      ['warning', "CoutureSparkOperator 't': unknown argument 'spark_flavour'; it is kept but skydag does not use it"],
    ]);
  });

  it('fills sensor settings from seconds or timedeltas', () => {
    const bag = new DiagnosticBag();
    const task = buildTask(input('FileSensor', { filepath: '/data/x.csv', poke_interval: td(30), timeout: 600, mode: 'reschedule', soft_fail: true }), bag);
    expect(task.sensor).toEqual({ poke_interval_seconds: 30, timeout_seconds: 600, mode: 'reschedule', soft_fail: true, exponential_backoff: false });
  });

  it('accepts anything for operators skydag knows but does not execute', () => {
    const bag = new DiagnosticBag();
    const task = buildTask({ ...input('BashOperator', {}), spec: unsupportedOperatorSpec('DockerOperator'), operator: 'DockerOperator', kwargs: { image: 'x', command: ['a'] } }, bag);
    expect(bag.items).toEqual([]);
    expect(task).toMatchObject({ operator_kind: 'unsupported', args: { image: 'x', command: ['a'] } });
  });
});

describe('schedules', () => {
  const parse = (v: PyValue | undefined) => {
    const bag = new DiagnosticBag();
    return { schedule: scheduleFromValue(v, at, bag, 'd'), diagnostics: bag.items };
  };

  it.each([
    ['@daily', { type: 'cron', cron: '0 0 * * *', preset: '@daily' }],
    ['@quarterly', { type: 'cron', cron: '0 0 1 */3 *', preset: '@quarterly' }],
    ['0  6 * * MON-FRI', { type: 'cron', cron: '0 6 * * MON-FRI' }],
    ['@once', { type: 'once' }],
    [null, { type: 'none' }],
    [td(3 * 86400), { type: 'timedelta', seconds: 259200 }],
  ] as const)('reads %j', (value, expected) => {
    const r = parse(value as PyValue);
    expect(r.diagnostics).toEqual([]);
    expect(r.schedule).toEqual(expected);
  });

  it('defaults to daily (Airflow 2) with a warning', () => {
    const r = parse(undefined);
    expect(r.schedule).toEqual({ type: 'timedelta', seconds: 86400 });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['SKYDAG-W001']);
  });

  it.each([['0 25 * * *'], ['* * *'], ['@dayly'], ['@continuous']])('rejects %s', (value) => {
    const r = parse(value);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['SKYDAG-V005']);
  });

  it('describes schedules the way they were written', () => {
    expect(describeSchedule({ type: 'cron', cron: '0 0 * * *', preset: '@daily' })).toBe('@daily');
    expect(describeSchedule({ type: 'timedelta', seconds: 600 })).toBe('timedelta(seconds=600)');
    expect(describeSchedule({ type: 'none' })).toBeNull();
    // Python's str(timedelta): what a DeltaDataIntervalTimetable's summary shows.
    expect([600, 86_400, 2 * 86_400 + 3 * 3600 + 4 * 60 + 5, 1.5, 36 * 3600].map(pythonTimedeltaStr)).toEqual(['0:10:00', '1 day, 0:00:00', '2 days, 3:04:05', '0:00:01.500000', '1 day, 12:00:00']);
  });
});

describe('buildDag', () => {
  it('takes start_date from default_args, the time zone from it, and concurrency as max_active_tasks', () => {
    const bag = new DiagnosticBag();
    const dag = buildDag(
      {
        dagId: 'd',
        kwargs: { schedule_interval: '@hourly', default_args: { start_date: dt('2024-03-30T23:00:00.000Z', 'Europe/Berlin') }, concurrency: 4, catchup: false, tags: ['a'] },
        tasks: [],
        groups: [],
        source: at,
      },
      bag,
    );
    expect(bag.items).toEqual([]);
    expect(dag).toMatchObject({ start_date: '2024-03-30T23:00:00.000Z', timezone: 'Europe/Berlin', max_active_tasks: 4, catchup: false, tags: ['a'], max_active_runs: 16 });
  });

  it('reports end before start, a scheduled DAG without start_date, and unknown DAG arguments', () => {
    const bag = new DiagnosticBag();
    buildDag({ dagId: 'd', kwargs: { schedule: '@daily', start_date: dt('2024-02-01T00:00:00Z'), end_date: dt('2024-01-01T00:00:00Z'), schedul: 'x' }, tasks: [], groups: [], source: at }, bag);
    buildDag({ dagId: 'e', kwargs: { schedule: '@daily' }, tasks: [], groups: [], source: at }, bag);
    expect(bag.items.map((d) => d.message)).toEqual([
      "DAG 'd': unknown argument 'schedul' (did you mean 'schedule'?)",
      "DAG 'd': end_date 2024-01-01T00:00:00Z is before start_date 2024-02-01T00:00:00Z",
      "DAG 'e' is scheduled but has no start_date",
    ]);
  });
});

import { OPERATORS, customOperatorSpec, unsupportedOperatorSpec } from '../../operators/registry.js';
import { createExecutors, EXECUTOR_ROUTES, type ExecutorRoute } from './registry.js';
import { FakeClock, makeRequest, makeTask, sensorSettings } from './test-request.js';
import { type TaskExecutor, TaskNotRunnableError } from './types.js';
import { providerPackage, unsupportedExecutor, unsupportedMessage } from './unsupported.js';

const ALL_SPECS = [...OPERATORS, customOperatorSpec('MyOperator', false), unsupportedOperatorSpec('DockerOperator')];

describe('executor routes', () => {
  it('names every operator kind of the registry, and nothing else', () => {
    expect(Object.keys(EXECUTOR_ROUTES).sort()).toEqual([...new Set(ALL_SPECS.map((s) => s.kind))].sort());
  });

  it.each(ALL_SPECS.map((s) => [s.kind, s.execution] as const))('routes %s consistently with its execution kind (%s)', (kind, execution) => {
    const route = EXECUTOR_ROUTES[kind] as ExecutorRoute;
    const expected: Record<string, (r: ExecutorRoute) => boolean> = {
      noop: (r) => r.type === 'noop',
      bash: (r) => r.type === 'builtin' && r.name === 'bash',
      builtin: (r) => r.type === 'builtin' && r.name === kind,
      python: (r) => r.type === 'injected' && (r.dep === 'python' || r.dep === 'notebook'),
      spark: (r) => r.type === 'injected' && r.dep === 'spark',
      child_dag: (r) => r.type === 'injected' && r.dep === 'childDag',
      unsupported: (r) => r.type === 'builtin' && r.name === 'unsupported',
    };
    expect(expected[execution]!(route)).toBe(true);
  });
});

describe('createExecutors', () => {
  const marker =
    (name: string): TaskExecutor =>
    async () => ({ outcome: 'success', returnValue: name });

  it('runs EmptyOperator as a no-op', async () => {
    const exec = createExecutors()(makeTask({ operator: 'EmptyOperator', operator_kind: 'empty' }));
    await expect(exec(makeRequest())).resolves.toEqual({ outcome: 'success' });
  });

  it('dispatches injected runners by kind (couture_jupyter falls back to the Python runner)', async () => {
    const pick = createExecutors({ python: marker('python'), spark: marker('spark'), childDag: marker('child') });
    const run = (kind: string) => pick(makeTask({ operator_kind: kind }))(makeRequest());
    await expect(run('branch_python')).resolves.toEqual({ outcome: 'success', returnValue: 'python' });
    await expect(run('custom')).resolves.toEqual({ outcome: 'success', returnValue: 'python' });
    await expect(run('couture_jupyter')).resolves.toEqual({ outcome: 'success', returnValue: 'python' });
    await expect(run('couture_pyspark')).resolves.toEqual({ outcome: 'success', returnValue: 'spark' });
    await expect(run('dag_operator')).resolves.toEqual({ outcome: 'success', returnValue: 'child' });
    const withNotebook = createExecutors({ python: marker('python'), notebook: marker('notebook') });
    await expect(withNotebook(makeTask({ operator_kind: 'couture_jupyter' }))(makeRequest())).resolves.toEqual({ outcome: 'success', returnValue: 'notebook' });
  });

  it('fails as not runnable when a kind’s runner was not injected', async () => {
    const task = makeTask({ task_id: 'train', operator: 'PythonOperator', operator_kind: 'python' });
    await expect(createExecutors()(task)(makeRequest({ task }))).rejects.toThrow(
      new TaskNotRunnableError("PythonOperator 'train' (kind python) needs the Python task runner, which this runtime was not configured with"),
    );
    const sensor = makeTask({ operator: 'ExternalTaskSensor', operator_kind: 'external_task_sensor' });
    await expect(createExecutors()(sensor)(makeRequest({ task: sensor }))).rejects.toBeInstanceOf(TaskNotRunnableError);
  });

  it('fails as not runnable for unknown kinds (including Object.prototype names)', async () => {
    for (const kind of ['teleport', 'constructor', 'toString']) {
      const task = makeTask({ operator: 'TeleportOperator', operator_kind: kind });
      await expect(createExecutors()(task)(makeRequest({ task }))).rejects.toThrow(
        `TeleportOperator 'the_task' has operator kind '${kind}', which skydag's runtime has no executor for`,
      );
    }
  });

  it('runs built-in executors end to end (bash, and a sensor with the injected sleep)', async () => {
    const clock = new FakeClock('2024-01-02T00:00:30Z');
    const pick = createExecutors({ sleep: clock.sleep });
    const bashTask = makeTask({ args: { bash_command: 'echo via-registry' } });
    await expect(pick(bashTask)(makeRequest({ task: bashTask }))).resolves.toEqual({ outcome: 'success', returnValue: 'via-registry' });
    const sensorTask = makeTask({
      operator: 'TimeDeltaSensor',
      operator_kind: 'time_delta_sensor',
      args: { delta: { $type: 'timedelta', seconds: 60 } },
      sensor: sensorSettings({ poke_interval_seconds: 45 }),
    });
    await expect(pick(sensorTask)(makeRequest({ task: sensorTask, now: clock.now }))).resolves.toEqual({ outcome: 'success' });
    expect(clock.sleeps).toEqual([45]); // target 00:01:00; pokes at 00:00:30 (no) and 00:01:15 (yes)
  });
});

describe('unsupported operators', () => {
  it('fail with what to use instead', async () => {
    const task = makeTask({ operator: 'DockerOperator', operator_kind: 'unsupported' });
    await expect(unsupportedExecutor(makeRequest({ task }))).rejects.toThrow(
      new TaskNotRunnableError(
        "DockerOperator is not supported by skydag's runtime: run the container from a BashOperator (`docker run ...`) on a machine with Docker (the task compiled so the DAG loads, but it cannot run)",
      ),
    );
    await expect(createExecutors()(task)(makeRequest({ task }))).rejects.toBeInstanceOf(TaskNotRunnableError);
  });

  it('have a generic hint for classes without a specific alternative', () => {
    expect(unsupportedMessage('GenericTransfer')).toBe(
      "GenericTransfer is not supported by skydag's runtime: skydag runs bash, Python, Spark and its built-in operators; rewrite the task with one of them (the task compiled so the DAG loads, but it cannot run)",
    );
  });

  it('name the provider package an operator comes from, and what skydag runs of it', () => {
    expect(providerPackage('airflow.providers.amazon.aws.operators.athena')).toBe('apache-airflow-providers-amazon');
    expect(providerPackage('airflow.providers.cncf.kubernetes.operators.pod')).toBe('apache-airflow-providers-cncf-kubernetes');
    expect(providerPackage('airflow.providers.microsoft.azure.operators.adf')).toBe('apache-airflow-providers-microsoft-azure');
    expect(providerPackage('airflow.operators.bash')).toBeUndefined();
    expect(unsupportedMessage('AthenaOperator', 'airflow.providers.amazon.aws.operators.athena')).toMatch(
      /^AthenaOperator \(from the apache-airflow-providers-amazon provider package\) is not supported by skydag's runtime: skydag runs S3Hook, AwsBaseHook/,
    );
    expect(unsupportedMessage('SnowflakeOperator', 'airflow.providers.snowflake.operators.snowflake')).toContain('(from the apache-airflow-providers-snowflake provider package)');
  });
});

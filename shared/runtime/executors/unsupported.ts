/**
 * Operators skydag recognises but does not run (`operator_kind === 'unsupported'`): the DAG compiles
 * and loads so it can be browsed, and the task fails at run time — without retries — with what to
 * use instead.
 */
import type { ExecutionRequest, TaskExecutor } from './types.js';
import { TaskNotRunnableError } from './types.js';

const ALTERNATIVES: Readonly<Record<string, string>> = {
  DockerOperator: 'run the container from a BashOperator (`docker run ...`) on a machine with Docker',
  KubernetesPodOperator: 'start the pod from a BashOperator (`kubectl run ...`) or a PythonOperator with the Kubernetes client',
  MySqlOperator: 'use SQLExecuteQueryOperator on a postgres or sqlite connection, or run the SQL from a PythonOperator with a database client (or mysql in a BashOperator)',
  MsSqlOperator: 'run the SQL from a PythonOperator with a database client',
  OracleOperator: 'run the SQL from a PythonOperator with a database client',
  JdbcOperator: 'run the SQL from a PythonOperator with a database client',
  SqlSensor: 'poll the database from a PythonSensor',
  HiveOperator: 'run the query from a BashOperator (beeline / hive CLI) or a Spark operator',
  PigOperator: 'run the script from a BashOperator',
  SparkSubmitOperator: 'use SparkOperator / PySparkOperator (or CoutureSparkOperator / CouturePySparkOperator)',
  SSHOperator: 'run ssh from a BashOperator',
  PapermillOperator: 'use CoutureJupyterOperator',
  HDFSOperator: 'run hdfs dfs commands from a BashOperator',
  HdfsSensor: 'poll HDFS from a PythonSensor',
  WebHdfsSensor: 'poll HDFS from a PythonSensor',
  SlackAPIPostOperator: 'post the message from a PythonOperator or SimpleHttpOperator (Slack webhook)',
};

const DEFAULT_ALTERNATIVE = 'skydag runs bash, Python, Spark and its built-in operators; rewrite the task with one of them';

/** Provider namespaces two levels deep (airflow.providers.cncf.kubernetes → apache-airflow-providers-cncf-kubernetes). */
const TWO_LEVEL_PROVIDERS = new Set(['apache', 'atlassian', 'cncf', 'common', 'dbt', 'microsoft']);

/** What skydag runs of a provider package, for operators of that package it does not run. */
const PROVIDER_ALTERNATIVES: Readonly<Record<string, string>> = {
  amazon:
    "skydag runs S3Hook, AwsBaseHook(client_type=...), the S3 operators and S3KeySensor; call other AWS services with AwsBaseHook(client_type='<service>').get_conn() (boto3) in a @task",
  google: 'call the Google Cloud client libraries from a @task or PythonOperator',
  'cncf-kubernetes': 'start the pod from a BashOperator (kubectl) or a @task with the kubernetes client',
};

/** The pip package an `airflow.providers.*` module comes from (the shim's `provider_package` in Python). */
export function providerPackage(module: string | null | undefined): string | undefined {
  const parts = (module ?? '').split('.');
  if (parts.length < 3 || parts[0] !== 'airflow' || parts[1] !== 'providers') return undefined;
  const name = TWO_LEVEL_PROVIDERS.has(parts[2]!) && parts.length > 3 ? parts.slice(2, 4) : parts.slice(2, 3);
  return `apache-airflow-providers-${name.join('-').replace(/_/g, '-')}`;
}

/** The error message for a task whose operator skydag does not run. */
export function unsupportedMessage(className: string, module?: string | null): string {
  const pkg = providerPackage(module);
  const instead = ALTERNATIVES[className] ?? (pkg && PROVIDER_ALTERNATIVES[pkg.slice('apache-airflow-providers-'.length)]) ?? DEFAULT_ALTERNATIVE;
  const from = pkg ? ` (from the ${pkg} provider package)` : '';
  return `${className}${from} is not supported by skydag's runtime: ${instead} (the task compiled so the DAG loads, but it cannot run)`;
}

export const unsupportedExecutor: TaskExecutor = async (request: ExecutionRequest) => {
  throw new TaskNotRunnableError(unsupportedMessage(request.task.operator, request.task.operator_module));
};

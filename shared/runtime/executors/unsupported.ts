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
  SubDagOperator: 'use a TaskGroup, or a DagOperator / TriggerDagRunOperator to run the other DAG',
  MySqlOperator: 'use SQLExecuteQueryOperator on a postgres or sqlite connection, or run the SQL from a PythonOperator with a database client (or mysql in a BashOperator)',
  MsSqlOperator: 'run the SQL from a PythonOperator with a database client',
  OracleOperator: 'run the SQL from a PythonOperator with a database client',
  JdbcOperator: 'run the SQL from a PythonOperator with a database client',
  SqlSensor: 'poll the database from a PythonSensor',
  HiveOperator: 'run the query from a BashOperator (beeline / hive CLI) or a Spark operator',
  PigOperator: 'run the script from a BashOperator',
  SparkSubmitOperator: 'use SparkOperator / PySparkOperator (or CoutureSparkOperator / CouturePySparkOperator)',
  SSHOperator: 'run ssh from a BashOperator',
  BranchDateTimeOperator: 'use a BranchPythonOperator',
  BranchDayOfWeekOperator: 'use a BranchPythonOperator',
  PapermillOperator: 'use CoutureJupyterOperator',
  S3CopyObjectOperator: 'copy the object from a PythonOperator (boto3) or a BashOperator (aws s3 cp)',
  HDFSOperator: 'run hdfs dfs commands from a BashOperator',
  HdfsSensor: 'poll HDFS from a PythonSensor',
  WebHdfsSensor: 'poll HDFS from a PythonSensor',
  SlackAPIPostOperator: 'post the message from a PythonOperator or SimpleHttpOperator (Slack webhook)',
};

const DEFAULT_ALTERNATIVE = 'skydag runs bash, Python, Spark and its built-in operators; rewrite the task with one of them';

/** The error message for a task whose operator skydag does not run. */
export function unsupportedMessage(className: string): string {
  const instead = ALTERNATIVES[className] ?? DEFAULT_ALTERNATIVE;
  return `${className} is not supported by skydag's runtime: ${instead} (the task compiled so the DAG loads, but it cannot run)`;
}

export const unsupportedExecutor: TaskExecutor = async (request: ExecutionRequest) => {
  throw new TaskNotRunnableError(unsupportedMessage(request.task.operator));
};

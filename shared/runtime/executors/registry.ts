/**
 * Which executor runs a task: one route per operator kind of the operator registry (plus `custom`
 * and `unsupported`). Built-in kinds are implemented in this folder; Python-family, Spark-family
 * and child-DAG kinds are implemented elsewhere and injected. A kind whose executor was not
 * injected fails with TaskNotRunnableError. `EXECUTOR_ROUTES` must name every kind (a test checks
 * it against `OPERATORS`), so adding an operator kind without an executor fails the build's tests.
 */
import { createBashExecutor, type BashExecutorOptions } from './bash.js';
import { createBashSensor } from './bash-sensor.js';
import { createEmailExecutor, type MailTransport } from './email.js';
import { createExternalTaskSensor, type ExternalStateLookup } from './external-task-sensor.js';
import { createDateTimeSensor } from './date-time-sensor.js';
import { createDayOfWeekSensor } from './day-of-week-sensor.js';
import { createFileSensor } from './file-sensor.js';
import { createHttpSensor, httpExecutor } from './http.js';
import { latestOnlyExecutor } from './latest-only.js';
import { createS3KeySensor, type BlobLister, type BlobListerFor } from './s3-key-sensor.js';
import type { SensorLoopOptions } from './sensors.js';
import type { SleepFn } from './support.js';
import { createTimeSensor } from './time-sensor.js';
import { createTimeDeltaSensor } from './time-delta-sensor.js';
import type { Task } from '../../model/schema.js';
import { type TaskExecutor, TaskNotRunnableError } from './types.js';
import { unsupportedExecutor } from './unsupported.js';

export interface ExecutorDeps {
  /** Python runner: python, branch_python, short_circuit, python_sensor, custom (and couture_jupyter without `notebook`). */
  python?: TaskExecutor;
  /** Notebook runner for couture_jupyter (defaults to `python`). */
  notebook?: TaskExecutor;
  /** Spark-family runner: spark, couture_spark, pyspark, couture_pyspark, couture_dask_yarn, tensorflow, couture_tensorflow. */
  spark?: TaskExecutor;
  /** Child-DAG operators: trigger_dagrun, dag_operator, skippable_dag_operator, couture_loopable_batch, subdag. */
  childDag?: TaskExecutor;
  /** Other DAGs' run/task states, for ExternalTaskSensor. */
  externalState?: ExternalStateLookup;
  /** Object-store listing, for S3KeySensor (one lister, or one per try: its aws_conn_id connection's). */
  blobs?: BlobLister | BlobListerFor;
  /** Mail transport for EmailOperator, and the default sender. */
  mail?: MailTransport;
  mailFrom?: string;
  /** Sleep between sensor pokes (tests inject a fake). */
  sleep?: SleepFn;
  bash?: BashExecutorOptions;
}

/** How a kind is executed. */
export type ExecutorRoute =
  | { type: 'noop' }
  | { type: 'builtin'; name: BuiltinName }
  | { type: 'injected'; dep: 'python' | 'notebook' | 'spark' | 'childDag' };

type BuiltinName =
  | 'bash'
  | 'latest_only'
  | 'file_sensor'
  | 'time_delta_sensor'
  | 'date_time_sensor'
  | 'time_sensor'
  | 'bash_sensor'
  | 'day_of_week_sensor'
  | 'external_task_sensor'
  | 's3_key_sensor'
  | 'http'
  | 'http_sensor'
  | 'email'
  | 'unsupported';

const builtin = (name: BuiltinName): ExecutorRoute => ({ type: 'builtin', name });
const injected = (dep: 'python' | 'notebook' | 'spark' | 'childDag'): ExecutorRoute => ({ type: 'injected', dep });

/** Every operator kind and its route. */
export const EXECUTOR_ROUTES: Readonly<Record<string, ExecutorRoute>> = {
  bash: builtin('bash'),
  empty: { type: 'noop' },
  latest_only: builtin('latest_only'),
  file_sensor: builtin('file_sensor'),
  time_delta_sensor: builtin('time_delta_sensor'),
  date_time_sensor: builtin('date_time_sensor'),
  time_sensor: builtin('time_sensor'),
  bash_sensor: builtin('bash_sensor'),
  day_of_week_sensor: builtin('day_of_week_sensor'),
  external_task_marker: { type: 'noop' },
  external_task_sensor: builtin('external_task_sensor'),
  s3_key_sensor: builtin('s3_key_sensor'),
  http: builtin('http'),
  http_sensor: builtin('http_sensor'),
  email: builtin('email'),
  unsupported: builtin('unsupported'),
  python: injected('python'),
  branch_python: injected('python'),
  short_circuit: injected('python'),
  python_sensor: injected('python'),
  bash_decorated: injected('python'),
  custom: injected('python'),
  sql: injected('python'),
  sql_check: injected('python'),
  sql_branch: injected('python'),
  sql_transfer: injected('python'),
  sql_sensor: injected('python'),
  aws_s3: injected('python'),
  python_virtualenv: injected('python'),
  external_python: injected('python'),
  branch_python_virtualenv: injected('python'),
  branch_external_python: injected('python'),
  branch_datetime: injected('python'),
  branch_day_of_week: injected('python'),
  couture_jupyter: injected('notebook'),
  spark: injected('spark'),
  couture_spark: injected('spark'),
  pyspark: injected('spark'),
  couture_pyspark: injected('spark'),
  couture_dask_yarn: injected('spark'),
  tensorflow: injected('spark'),
  couture_tensorflow: injected('spark'),
  trigger_dagrun: injected('childDag'),
  dag_operator: injected('childDag'),
  skippable_dag_operator: injected('childDag'),
  couture_loopable_batch: injected('childDag'),
  subdag: injected('childDag'),
};

const noop: TaskExecutor = async () => ({ outcome: 'success' });

const DEP_DESCRIPTION: Record<'python' | 'notebook' | 'spark' | 'childDag', string> = {
  python: 'the Python task runner',
  notebook: 'the notebook runner',
  spark: 'the Spark runner',
  childDag: 'the child-DAG runner',
};

function missing(what: string, kind: string): TaskExecutor {
  return async (request) => {
    throw new TaskNotRunnableError(
      `${request.task.operator} '${request.task.task_id}' (kind ${kind}) needs ${what}, which this runtime was not configured with`,
    );
  };
}

/** Maps tasks to executors. Executors are created once per call and shared between tasks. */
export function createExecutors(deps: ExecutorDeps = {}): (task: Task) => TaskExecutor {
  const sensorOptions: SensorLoopOptions = deps.sleep ? { sleep: deps.sleep } : {};
  const builtins: Record<BuiltinName, TaskExecutor> = {
    bash: createBashExecutor(deps.bash),
    latest_only: latestOnlyExecutor,
    file_sensor: createFileSensor(sensorOptions),
    time_delta_sensor: createTimeDeltaSensor(sensorOptions),
    date_time_sensor: createDateTimeSensor(sensorOptions),
    time_sensor: createTimeSensor(sensorOptions),
    bash_sensor: createBashSensor({ ...deps.bash, ...sensorOptions }),
    day_of_week_sensor: createDayOfWeekSensor(sensorOptions),
    external_task_sensor: deps.externalState
      ? createExternalTaskSensor(deps.externalState, sensorOptions)
      : missing('a lookup of other DAGs’ runs (ExternalStateLookup)', 'external_task_sensor'),
    s3_key_sensor: deps.blobs ? createS3KeySensor(deps.blobs, sensorOptions) : missing('an object-store lister (BlobLister)', 's3_key_sensor'),
    http: httpExecutor,
    http_sensor: createHttpSensor(sensorOptions),
    email: deps.mail
      ? createEmailExecutor(deps.mailFrom ? { transport: deps.mail, defaultFrom: deps.mailFrom } : { transport: deps.mail })
      : missing('a mail transport', 'email'),
    unsupported: unsupportedExecutor,
  };
  const injectedExecutor = (dep: 'python' | 'notebook' | 'spark' | 'childDag', kind: string): TaskExecutor => {
    const executor = dep === 'notebook' ? (deps.notebook ?? deps.python) : deps[dep];
    return executor ?? missing(DEP_DESCRIPTION[dep], kind);
  };
  return (task: Task): TaskExecutor => {
    const route = Object.hasOwn(EXECUTOR_ROUTES, task.operator_kind) ? EXECUTOR_ROUTES[task.operator_kind] : undefined;
    if (!route) {
      return async () => {
        throw new TaskNotRunnableError(
          `${task.operator} '${task.task_id}' has operator kind '${task.operator_kind}', which skydag's runtime has no executor for`,
        );
      };
    }
    switch (route.type) {
      case 'noop':
        return noop;
      case 'builtin':
        return builtins[route.name];
      case 'injected':
        return injectedExecutor(route.dep, task.operator_kind);
    }
  };
}

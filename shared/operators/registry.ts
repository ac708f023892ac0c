/**
 * The operator registry: every operator class skydag recognises, with its accepted import paths
 * (Airflow 1.10 and 2.x), typed arguments, templated fields and how the runtime executes it.
 *
 * Front-ends resolve a class name + import module to an {@link OperatorSpec}; the validator checks
 * arguments against `args`; the compiler picks execute states by `execution`; the runtime renders
 * `templateFields`. Adding an operator kind is one entry here plus its executor.
 */
import type { PyValue } from '../model/schema.js';

export type ArgType =
  | 'string'
  | 'int'
  | 'number'
  | 'bool'
  | 'list'
  | 'dict'
  | 'callable'
  | 'timedelta'
  | 'datetime'
  | 'any';

export interface ArgSpec {
  /** Accepted value types (a string is always also accepted where templated). */
  readonly type: ArgType | readonly ArgType[];
  readonly required?: boolean;
  readonly default?: PyValue;
}

/** How the runtime runs a task of this kind. */
export type ExecutionKind =
  | 'noop' // nothing to execute (Empty/Dummy)
  | 'bash' // a subprocess
  | 'python' // python3 with the airflow shim, calling the captured callable
  | 'builtin' // implemented in TypeScript by the runtime (latest-only, email, http, sensors...)
  | 'spark' // EMR step / EMR Serverless / Livy batch (local: spark-submit)
  | 'child_dag' // a run of another DAG (child state machine)
  | 'unsupported'; // known Airflow operator skydag does not execute: compiles, fails at run time with a clear message

export interface OperatorSpec {
  /** Canonical kind, stable across aliases (e.g. DummyOperator and EmptyOperator are both `empty`). */
  readonly kind: string;
  readonly classNames: readonly string[];
  /** Import modules the class may come from. */
  readonly modules: readonly string[];
  readonly args: Readonly<Record<string, ArgSpec>>;
  readonly templateFields: readonly string[];
  readonly templateExt: readonly string[];
  readonly sensor: boolean;
  readonly execution: ExecutionKind;
  /** The callable's return value names the downstream tasks to follow. */
  readonly branching?: boolean;
  /** Unknown arguments are errors for Airflow's own operators (as in Airflow 2) and warnings for the
   * Couture family, whose full argument lists were never published. */
  readonly unknownArgs: 'error' | 'warning' | 'accept';
  readonly summary: string;
}

const PY_CALLABLE_ARGS = {
  python_callable: { type: 'callable', required: true },
  op_args: { type: 'list' },
  op_kwargs: { type: 'dict' },
  templates_dict: { type: 'dict' },
  templates_exts: { type: 'list' },
  provide_context: { type: 'bool' },
  show_return_value_in_logs: { type: 'bool' },
} as const satisfies Record<string, ArgSpec>;
const PY_TEMPLATED = ['templates_dict', 'op_args', 'op_kwargs'] as const;

/** PythonVirtualenvOperator's own arguments (its branching variant's too). */
const VIRTUALENV_ARGS = {
  ...PY_CALLABLE_ARGS,
  requirements: { type: ['list', 'string'] },
  python_version: { type: ['string', 'number'] },
  use_dill: { type: 'bool' },
  serializer: { type: 'string' },
  system_site_packages: { type: 'bool' },
  pip_install_options: { type: 'list' },
  index_urls: { type: ['list', 'string'] },
  venv_cache_path: { type: 'string' },
  expect_airflow: { type: 'bool' },
  // Airflow 2.10: get_current_context() in the callable; skydag's runner always gives it the context.
  use_airflow_context: { type: 'bool' },
  string_args: { type: 'list' },
  skip_on_exit_code: { type: ['int', 'list'] },
  env_vars: { type: 'dict' },
  inherit_env: { type: 'bool' },
} as const satisfies Record<string, ArgSpec>;

/** ExternalPythonOperator's own arguments (its branching variant's too). */
const EXTERNAL_PYTHON_ARGS = {
  ...PY_CALLABLE_ARGS,
  python: { type: 'string', required: true },
  use_dill: { type: 'bool' },
  serializer: { type: 'string' },
  expect_airflow: { type: 'bool' },
  expect_pendulum: { type: 'bool' },
  use_airflow_context: { type: 'bool' },
  string_args: { type: 'list' },
  skip_on_exit_code: { type: ['int', 'list'] },
  env_vars: { type: 'dict' },
  inherit_env: { type: 'bool' },
} as const satisfies Record<string, ArgSpec>;

/** Arguments every Couture "optional parameters" operator accepts; dumped as the JSON blob. */
export const COUTURE_JSON_BLOB_ARGS = [
  'method_args_dict',
  'input_base_dir_path',
  'output_base_dir_path',
  'input_filenames_dict',
  'output_filenames_dict',
  // skydag: the `models=` argument, resolved at run time to the stored versions (shared/repository/model-arguments.ts)
  'models',
] as const;
const COUTURE_BLOB = {
  method_args_dict: { type: 'dict' },
  input_base_dir_path: { type: 'string' },
  output_base_dir_path: { type: 'string' },
  input_filenames_dict: { type: 'dict' },
  output_filenames_dict: { type: 'dict' },
  models: { type: 'dict' },
} as const satisfies Record<string, ArgSpec>;
const SPARK_COMMON = {
  method_id: { type: 'string' },
  app_name: { type: 'string' },
  code_artifact: { type: 'string', required: true },
  class_path: { type: 'string' },
  application_arguments: { type: 'list' },
  python_conf: { type: 'string' },
  exclude_spark_args: { type: 'list' },
  config_group: { type: 'string' },
} as const satisfies Record<string, ArgSpec>;
const COUTURE_MODULES = ['airflow.operators'];

function spec(s: Omit<OperatorSpec, 'templateExt' | 'sensor' | 'unknownArgs'> & Partial<OperatorSpec>): OperatorSpec {
  return { templateExt: [], sensor: false, unknownArgs: 'error', ...s };
}

export const OPERATORS: readonly OperatorSpec[] = [
  spec({
    kind: 'bash',
    classNames: ['BashOperator'],
    modules: ['airflow.operators.bash_operator', 'airflow.operators.bash', 'airflow.providers.standard.operators.bash', 'airflow.operators'],
    args: {
      bash_command: { type: 'string', required: true },
      env: { type: 'dict' },
      append_env: { type: 'bool' },
      output_encoding: { type: 'string' },
      skip_exit_code: { type: 'int' },
      skip_on_exit_code: { type: ['int', 'list'] },
      cwd: { type: 'string' },
      xcom_push: { type: 'bool' },
    },
    templateFields: ['bash_command', 'env', 'cwd'],
    templateExt: ['.sh', '.bash'],
    execution: 'bash',
    summary: 'Runs a bash command; a non-zero exit fails the task; the last stdout line is the XCom.',
  }),
  spec({
    kind: 'python',
    classNames: ['PythonOperator'],
    modules: ['airflow.operators.python_operator', 'airflow.operators.python', 'airflow.providers.standard.operators.python', 'airflow.operators'],
    args: PY_CALLABLE_ARGS,
    templateFields: PY_TEMPLATED,
    execution: 'python',
    summary: 'Calls a Python callable with the task context; its return value is the XCom.',
  }),
  spec({
    kind: 'branch_python',
    classNames: ['BranchPythonOperator'],
    modules: ['airflow.operators.python_operator', 'airflow.operators.python', 'airflow.providers.standard.operators.python', 'airflow.operators'],
    args: PY_CALLABLE_ARGS,
    templateFields: PY_TEMPLATED,
    execution: 'python',
    branching: true,
    summary: 'Calls a callable that returns the task id(s) to follow; other direct downstream tasks are skipped.',
  }),
  spec({
    kind: 'short_circuit',
    classNames: ['ShortCircuitOperator'],
    modules: ['airflow.operators.python_operator', 'airflow.operators.python', 'airflow.providers.standard.operators.python', 'airflow.operators'],
    args: { ...PY_CALLABLE_ARGS, ignore_downstream_trigger_rules: { type: 'bool', default: true } },
    templateFields: PY_TEMPLATED,
    execution: 'python',
    summary: 'Skips everything downstream when the callable returns a falsy value.',
  }),
  spec({
    // `@task.bash`: the function returns the command, which is then rendered and run with bash.
    kind: 'bash_decorated',
    classNames: ['_BashDecoratedOperator'],
    modules: ['airflow.decorators.bash'],
    args: {
      ...PY_CALLABLE_ARGS,
      env: { type: 'dict' },
      append_env: { type: 'bool' },
      output_encoding: { type: 'string' },
      skip_on_exit_code: { type: ['int', 'list'] },
      cwd: { type: 'string' },
    },
    templateFields: [...PY_TEMPLATED, 'env', 'cwd'],
    execution: 'python',
    summary: 'Runs the bash command its function returns (rendered as a template); the last stdout line is the XCom.',
  }),
  spec({
    // The callable runs in a virtualenv made from `requirements` with the machine's python (cached by
    // hash under $SKYDAG_HOME/venvs); `@task.virtualenv` is the same.
    kind: 'python_virtualenv',
    classNames: ['PythonVirtualenvOperator', '_PythonVirtualenvDecoratedOperator'],
    modules: ['airflow.operators.python', 'airflow.operators.python_operator', 'airflow.providers.standard.operators.python', 'airflow.decorators.python_virtualenv'],
    args: VIRTUALENV_ARGS,
    templateFields: ['requirements', 'index_urls', ...PY_TEMPLATED],
    execution: 'python',
    summary: 'Calls a Python callable in a virtualenv made from its requirements (cached); the return value is the XCom.',
  }),
  spec({
    kind: 'external_python',
    classNames: ['ExternalPythonOperator', '_PythonExternalDecoratedOperator'],
    modules: ['airflow.operators.python', 'airflow.providers.standard.operators.python', 'airflow.decorators.external_python'],
    args: EXTERNAL_PYTHON_ARGS,
    templateFields: [...PY_TEMPLATED],
    execution: 'python',
    summary: 'Calls a Python callable with an existing Python interpreter (`python`, e.g. a virtualenv\'s bin/python).',
  }),
  spec({
    // BranchPythonVirtualenvOperator / `@task.branch_virtualenv`: the virtualenv of python_virtualenv, the branching of branch_python.
    kind: 'branch_python_virtualenv',
    classNames: ['BranchPythonVirtualenvOperator', '_BranchPythonVirtualenvDecoratedOperator'],
    modules: ['airflow.operators.python', 'airflow.providers.standard.operators.python', 'airflow.decorators.branch_virtualenv'],
    args: VIRTUALENV_ARGS,
    templateFields: ['requirements', 'index_urls', ...PY_TEMPLATED],
    execution: 'python',
    branching: true,
    summary: 'Calls a callable in a virtualenv (as PythonVirtualenvOperator) that returns the task id(s) to follow; other direct downstream tasks are skipped.',
  }),
  spec({
    kind: 'branch_external_python',
    classNames: ['BranchExternalPythonOperator', '_BranchExternalPythonDecoratedOperator'],
    modules: ['airflow.operators.python', 'airflow.providers.standard.operators.python', 'airflow.decorators.branch_external_python'],
    args: EXTERNAL_PYTHON_ARGS,
    templateFields: [...PY_TEMPLATED],
    execution: 'python',
    branching: true,
    summary: 'Calls a callable with an existing Python interpreter (as ExternalPythonOperator) that returns the task id(s) to follow.',
  }),
  spec({
    kind: 'python_sensor',
    classNames: ['PythonSensor'],
    modules: ['airflow.sensors.python', 'airflow.contrib.sensors.python_sensor', 'airflow.providers.standard.sensors.python'],
    args: { ...PY_CALLABLE_ARGS },
    templateFields: PY_TEMPLATED,
    sensor: true,
    execution: 'python',
    summary: 'Pokes by calling a callable until it returns a truthy value.',
  }),
  spec({
    kind: 'empty',
    classNames: ['DummyOperator', 'EmptyOperator'],
    modules: ['airflow.operators.dummy_operator', 'airflow.operators.dummy', 'airflow.operators.empty', 'airflow.providers.standard.operators.empty', 'airflow.operators'],
    args: {},
    templateFields: [],
    execution: 'noop',
    summary: 'Does nothing; used as start and join nodes.',
  }),
  spec({
    kind: 'latest_only',
    classNames: ['LatestOnlyOperator'],
    modules: ['airflow.operators.latest_only_operator', 'airflow.operators.latest_only', 'airflow.providers.standard.operators.latest_only', 'airflow.operators'],
    args: {},
    templateFields: [],
    execution: 'builtin',
    branching: true,
    summary: 'Skips its downstream tasks unless the run is the latest scheduled interval.',
  }),
  spec({
    // Run by the Python runner with the DAG file's own operator (its datetime/time bounds as written, naive or not).
    kind: 'branch_datetime',
    classNames: ['BranchDateTimeOperator'],
    modules: ['airflow.operators.datetime', 'airflow.providers.standard.operators.datetime'],
    args: {
      follow_task_ids_if_true: { type: ['string', 'list'], required: true },
      follow_task_ids_if_false: { type: ['string', 'list'], required: true },
      target_lower: { type: 'any' },
      target_upper: { type: 'any' },
      use_task_logical_date: { type: 'bool' },
      use_task_execution_date: { type: 'bool' },
    },
    templateFields: [],
    execution: 'python',
    branching: true,
    summary: 'Follows follow_task_ids_if_true when now (or the logical date) is between target_lower and target_upper, else follow_task_ids_if_false.',
  }),
  spec({
    kind: 'branch_day_of_week',
    classNames: ['BranchDayOfWeekOperator'],
    modules: ['airflow.operators.weekday', 'airflow.providers.standard.operators.weekday'],
    args: {
      follow_task_ids_if_true: { type: ['string', 'list'], required: true },
      follow_task_ids_if_false: { type: ['string', 'list'], required: true },
      week_day: { type: ['string', 'int', 'list'], required: true },
      use_task_logical_date: { type: 'bool' },
      use_task_execution_day: { type: 'bool' },
    },
    templateFields: [],
    execution: 'python',
    branching: true,
    summary: 'Follows follow_task_ids_if_true when the day of the week (today in the DAG\'s zone, or the logical date\'s) is one of week_day, else follow_task_ids_if_false.',
  }),
  spec({
    kind: 'trigger_dagrun',
    classNames: ['TriggerDagRunOperator'],
    modules: ['airflow.operators.dagrun_operator', 'airflow.operators.trigger_dagrun', 'airflow.providers.standard.operators.trigger_dagrun', 'airflow.operators'],
    args: {
      trigger_dag_id: { type: 'string', required: true },
      trigger_run_id: { type: 'string' },
      conf: { type: 'dict' },
      execution_date: { type: ['string', 'datetime'] },
      logical_date: { type: ['string', 'datetime'] },
      reset_dag_run: { type: 'bool' },
      wait_for_completion: { type: 'bool' },
      poke_interval: { type: ['number', 'timedelta'] },
      deferrable: { type: 'bool' },
      allowed_states: { type: 'list' },
      failed_states: { type: 'list' },
      python_callable: { type: 'callable' },
      skip_when_already_exists: { type: 'bool' },
    },
    templateFields: ['trigger_dag_id', 'trigger_run_id', 'execution_date', 'logical_date', 'conf'],
    execution: 'child_dag',
    summary: 'Starts a run of another DAG, optionally waiting for it.',
  }),
  spec({
    kind: 'subdag',
    classNames: ['SubDagOperator'],
    modules: ['airflow.operators.subdag_operator', 'airflow.operators.subdag', 'airflow.operators'],
    args: {
      // The front-end turns `subdag=<DAG>` into the sub-DAG's id (and registers that DAG as its sub-DAG).
      subdag: { type: 'string', required: true },
      conf: { type: 'dict' },
      propagate_skipped_state: { type: 'string' },
      session: { type: 'any' },
      executor: { type: 'any' },
      // SubDagOperator is a sensor in Airflow 2; skydag waits on the child execution instead of poking.
      poke_interval: { type: ['number', 'timedelta'] },
      mode: { type: 'string' },
      timeout: { type: ['number', 'timedelta'] },
      soft_fail: { type: 'bool' },
      exponential_backoff: { type: 'bool' },
    },
    templateFields: [],
    execution: 'child_dag',
    summary: "Runs its sub-DAG (dag_id '<parent>.<task_id>') for the same logical date and succeeds when that run succeeds.",
  }),
  spec({
    kind: 'external_task_sensor',
    classNames: ['ExternalTaskSensor'],
    modules: ['airflow.sensors.external_task_sensor', 'airflow.sensors.external_task', 'airflow.providers.standard.sensors.external_task'],
    args: {
      external_dag_id: { type: 'string', required: true },
      external_task_id: { type: 'string' },
      external_task_ids: { type: 'list' },
      external_task_group_id: { type: 'string' },
      allowed_states: { type: 'list' },
      failed_states: { type: 'list' },
      skipped_states: { type: 'list' },
      execution_delta: { type: 'timedelta' },
      execution_date_fn: { type: 'callable' },
      check_existence: { type: 'bool' },
    },
    templateFields: ['external_dag_id', 'external_task_id', 'external_task_ids'],
    sensor: true,
    execution: 'builtin',
    summary: 'Waits for a task (or a whole run) of another DAG at the matching logical date.',
  }),
  spec({
    kind: 'external_task_marker',
    classNames: ['ExternalTaskMarker'],
    modules: ['airflow.sensors.external_task_sensor', 'airflow.sensors.external_task', 'airflow.providers.standard.sensors.external_task'],
    args: {
      external_dag_id: { type: 'string', required: true },
      external_task_id: { type: 'string', required: true },
      execution_date: { type: ['string', 'datetime'] },
      recursion_depth: { type: 'int' },
    },
    templateFields: ['external_dag_id', 'external_task_id', 'execution_date'],
    execution: 'noop',
    summary: 'Marks a task of another DAG that clearing this task with downstream also clears; runs as a no-op.',
  }),
  spec({
    kind: 's3_key_sensor',
    classNames: ['S3KeySensor'],
    modules: ['airflow.sensors.s3_key_sensor', 'airflow.providers.amazon.aws.sensors.s3', 'airflow.providers.amazon.aws.sensors.s3_key', 'airflow.contrib.sensors.s3_key_sensor'],
    args: {
      bucket_key: { type: ['string', 'list'], required: true },
      bucket_name: { type: 'string' },
      wildcard_match: { type: 'bool' },
      aws_conn_id: { type: 'string' },
      verify: { type: ['bool', 'string'] },
      check_fn: { type: 'callable' },
    },
    templateFields: ['bucket_key', 'bucket_name'],
    sensor: true,
    execution: 'builtin',
    summary: 'Waits for an S3 key (or wildcard) to exist.',
  }),
  spec({
    kind: 'file_sensor',
    classNames: ['FileSensor'],
    modules: ['airflow.contrib.sensors.file_sensor', 'airflow.sensors.filesystem', 'airflow.providers.standard.sensors.filesystem'],
    args: { filepath: { type: 'string', required: true }, fs_conn_id: { type: 'string' }, recursive: { type: 'bool' } },
    templateFields: ['filepath'],
    sensor: true,
    execution: 'builtin',
    summary: 'Waits for a file or glob to exist.',
  }),
  spec({
    kind: 'time_delta_sensor',
    // The deferrable variant waits the same way here (skydag's sensor waits hold no worker).
    classNames: ['TimeDeltaSensor', 'TimeDeltaSensorAsync'],
    modules: ['airflow.sensors.time_delta_sensor', 'airflow.sensors.time_delta', 'airflow.providers.standard.sensors.time_delta'],
    args: { delta: { type: 'timedelta', required: true }, end_from_trigger: { type: 'bool' } },
    templateFields: [],
    sensor: true,
    execution: 'builtin',
    summary: 'Waits until the end of the data interval plus a delta.',
  }),
  spec({
    kind: 'time_sensor',
    // TimeSensorAsync fixes today's target when it starts (as Airflow's trigger does); both wait without holding a worker here.
    classNames: ['TimeSensor', 'TimeSensorAsync'],
    modules: ['airflow.sensors.time_sensor', 'airflow.providers.standard.sensors.time'],
    args: { target_time: { type: 'string', required: true }, start_from_trigger: { type: 'bool' }, end_from_trigger: { type: 'bool' }, trigger_kwargs: { type: 'dict' } },
    templateFields: [],
    sensor: true,
    execution: 'builtin',
    summary: 'Waits until a time of day (a datetime.time, in the DAG\'s time zone) has passed.',
  }),
  spec({
    kind: 'bash_sensor',
    classNames: ['BashSensor'],
    modules: ['airflow.sensors.bash', 'airflow.sensors.bash_sensor', 'airflow.contrib.sensors.bash_sensor', 'airflow.providers.standard.sensors.bash'],
    args: { bash_command: { type: 'string', required: true }, env: { type: 'dict' }, output_encoding: { type: 'string' }, retry_exit_code: { type: 'int' } },
    templateFields: ['bash_command', 'env'],
    sensor: true,
    execution: 'builtin',
    summary: 'Pokes by running a bash command until it exits 0 (retry_exit_code: only that code pokes again).',
  }),
  spec({
    kind: 'date_time_sensor',
    classNames: ['DateTimeSensor', 'DateTimeSensorAsync'],
    modules: ['airflow.sensors.date_time_sensor', 'airflow.sensors.date_time', 'airflow.providers.standard.sensors.date_time'],
    args: { target_time: { type: ['string', 'datetime'], required: true }, end_from_trigger: { type: 'bool' } },
    templateFields: ['target_time'],
    sensor: true,
    execution: 'builtin',
    summary: 'Waits until a (templated) date and time has passed.',
  }),
  spec({
    kind: 'day_of_week_sensor',
    classNames: ['DayOfWeekSensor'],
    modules: ['airflow.sensors.weekday', 'airflow.sensors.weekday_sensor', 'airflow.contrib.sensors.weekday_sensor', 'airflow.providers.standard.sensors.weekday'],
    args: { week_day: { type: ['string', 'int', 'list'], required: true }, use_task_logical_date: { type: 'bool' }, use_task_execution_day: { type: 'bool' } },
    templateFields: [],
    sensor: true,
    execution: 'builtin',
    summary: 'Waits until the day of the week (today, or the run\'s logical date) is one of week_day.',
  }),
  spec({
    kind: 'http',
    classNames: ['SimpleHttpOperator', 'HttpOperator'],
    modules: ['airflow.operators.http_operator', 'airflow.providers.http.operators.http'],
    args: {
      endpoint: { type: 'string' },
      method: { type: 'string', default: 'POST' },
      data: { type: ['dict', 'string'] },
      headers: { type: 'dict' },
      response_check: { type: 'callable' },
      response_filter: { type: 'callable' },
      extra_options: { type: 'dict' },
      http_conn_id: { type: 'string', default: 'http_default' },
      log_response: { type: 'bool' },
      auth_type: { type: 'any' },
      tcp_keep_alive: { type: 'bool' },
      deferrable: { type: 'bool' }, // the request is made in the task either way
    },
    templateFields: ['endpoint', 'data', 'headers'],
    execution: 'builtin',
    summary: 'Calls an HTTP endpoint of a connection; the response text is the XCom.',
  }),
  spec({
    kind: 'http_sensor',
    classNames: ['HttpSensor'],
    modules: ['airflow.sensors.http_sensor', 'airflow.providers.http.sensors.http'],
    args: {
      endpoint: { type: 'string', required: true },
      http_conn_id: { type: 'string', default: 'http_default' },
      method: { type: 'string', default: 'GET' },
      request_params: { type: 'dict' },
      headers: { type: 'dict' },
      response_check: { type: 'callable' },
      extra_options: { type: 'dict' },
    },
    templateFields: ['endpoint', 'request_params', 'headers'],
    sensor: true,
    execution: 'builtin',
    summary: 'Pokes an HTTP endpoint until it answers (and response_check passes).',
  }),
  spec({
    // Run by the Python runner with the shim's provider classes (airflow/providers/common/sql, sqlite,
    // postgres): they render their own template_fields (sql, parameters, .sql files), like custom operators.
    kind: 'sql',
    classNames: ['SQLExecuteQueryOperator', 'SqliteOperator', 'PostgresOperator'],
    modules: [
      'airflow.providers.common.sql.operators.sql',
      'airflow.providers.sqlite.operators.sqlite',
      'airflow.providers.postgres.operators.postgres',
      'airflow.operators.sqlite_operator',
      'airflow.operators.postgres_operator',
    ],
    args: {
      sql: { type: ['string', 'list'], required: true },
      conn_id: { type: 'string' },
      sqlite_conn_id: { type: 'string' },
      postgres_conn_id: { type: 'string' },
      database: { type: 'string' },
      autocommit: { type: 'bool' },
      parameters: { type: ['dict', 'list'] },
      handler: { type: 'callable' },
      output_processor: { type: 'callable' },
      split_statements: { type: 'bool' },
      return_last: { type: 'bool' },
      show_return_value_in_logs: { type: 'bool' },
      hook_params: { type: 'dict' },
      runtime_parameters: { type: 'dict' },
      retry_on_failure: { type: 'bool' },
    },
    templateFields: [],
    execution: 'python',
    summary: 'Runs SQL on a sqlite or postgres connection (psycopg2 in the task Python for postgres); the rows are the XCom.',
  }),
  spec({
    // common-sql's check operators (and Airflow 1.10's names), run by the Python runner with the shim's
    // classes over the same hooks as the SQL operators: a failed check fails the task.
    kind: 'sql_check',
    classNames: [
      'SQLCheckOperator',
      'SQLValueCheckOperator',
      'SQLIntervalCheckOperator',
      'SQLThresholdCheckOperator',
      'SQLTableCheckOperator',
      'SQLColumnCheckOperator',
      'CheckOperator',
      'ValueCheckOperator',
      'IntervalCheckOperator',
      'ThresholdCheckOperator',
    ],
    modules: ['airflow.providers.common.sql.operators.sql', 'airflow.operators.sql', 'airflow.operators.check_operator'],
    args: {
      sql: { type: 'string' },
      conn_id: { type: 'string' },
      database: { type: 'string' },
      parameters: { type: ['dict', 'list'] },
      hook_params: { type: 'dict' },
      retry_on_failure: { type: 'bool' },
      pass_value: { type: ['string', 'number'] },
      tolerance: { type: ['number', 'string'] },
      table: { type: 'string' },
      metrics_thresholds: { type: 'dict' },
      date_filter_column: { type: 'string' },
      days_back: { type: 'int' },
      ratio_formula: { type: 'string' },
      ignore_zero: { type: 'bool' },
      min_threshold: { type: ['number', 'string'] },
      max_threshold: { type: ['number', 'string'] },
      checks: { type: 'dict' },
      column_mapping: { type: 'dict' },
      accept_none: { type: 'bool' },
      partition_clause: { type: 'string' },
    },
    templateFields: [],
    execution: 'python',
    summary: "Checks a query's result on a sqlite or postgres connection (row truthy, value, interval, threshold, table checks); a failed check fails the task.",
  }),
  spec({
    kind: 'sql_branch',
    classNames: ['BranchSQLOperator'],
    modules: ['airflow.providers.common.sql.operators.sql', 'airflow.operators.sql'],
    args: {
      sql: { type: 'string', required: true },
      follow_task_ids_if_true: { type: ['string', 'list'], required: true },
      follow_task_ids_if_false: { type: ['string', 'list'], required: true },
      conn_id: { type: 'string' },
      database: { type: 'string' },
      parameters: { type: ['dict', 'list'] },
      hook_params: { type: 'dict' },
    },
    templateFields: [],
    execution: 'python',
    branching: true,
    summary: "Follows follow_task_ids_if_true when a query's first value is true (bool, int or a boolean-like string), else follow_task_ids_if_false.",
  }),
  spec({
    kind: 'sql_transfer',
    classNames: ['GenericTransfer'],
    modules: ['airflow.operators.generic_transfer', 'airflow.providers.common.sql.operators.generic_transfer'],
    args: {
      sql: { type: ['string', 'list'], required: true },
      destination_table: { type: 'string', required: true },
      source_conn_id: { type: 'string', required: true },
      destination_conn_id: { type: 'string', required: true },
      source_hook_params: { type: 'dict' },
      destination_hook_params: { type: 'dict' },
      preoperator: { type: ['string', 'list'] },
      insert_args: { type: 'dict' },
    },
    templateFields: [],
    execution: 'python',
    summary: "Copies a query's rows from one sqlite/postgres connection into a table of another (after its preoperator).",
  }),
  spec({
    kind: 'sql_sensor',
    classNames: ['SqlSensor'],
    modules: ['airflow.providers.common.sql.sensors.sql', 'airflow.sensors.sql', 'airflow.sensors.sql_sensor'],
    args: {
      conn_id: { type: 'string', required: true },
      sql: { type: 'string', required: true },
      parameters: { type: ['dict', 'list'] },
      success: { type: 'callable' },
      failure: { type: 'callable' },
      selector: { type: 'callable' },
      fail_on_empty: { type: 'bool' },
      hook_params: { type: 'dict' },
    },
    templateFields: [],
    sensor: true,
    execution: 'python',
    summary: "Pokes a query on a sqlite or postgres connection until its first row's value (or success(value)) is true.",
  }),
  spec({
    // Run by the Python runner with the shim's amazon provider (airflow/providers/amazon/aws: S3Hook over
    // boto3 in the task's Python); like the SQL operators they render their own template_fields.
    kind: 'aws_s3',
    classNames: [
      'S3CreateBucketOperator',
      'S3DeleteBucketOperator',
      'S3CreateObjectOperator',
      'S3CopyObjectOperator',
      'S3DeleteObjectsOperator',
      'S3ListOperator',
      'S3ListPrefixesOperator',
      'LocalFilesystemToS3Operator',
    ],
    modules: ['airflow.providers.amazon.aws.operators.s3', 'airflow.providers.amazon.aws.transfers.local_to_s3'],
    args: {
      aws_conn_id: { type: 'string', default: 'aws_default' },
      verify: { type: ['bool', 'string'] },
      region_name: { type: 'string' },
    },
    unknownArgs: 'accept',
    templateFields: [],
    execution: 'python',
    summary: "S3 buckets and objects through the amazon provider's S3Hook (boto3 in the task's Python).",
  }),
  spec({
    kind: 'email',
    classNames: ['EmailOperator'],
    modules: ['airflow.operators.email_operator', 'airflow.operators.email', 'airflow.providers.smtp.operators.smtp', 'airflow.operators'],
    args: {
      to: { type: ['string', 'list'], required: true },
      subject: { type: 'string', required: true },
      html_content: { type: 'string', required: true },
      files: { type: 'list' },
      cc: { type: ['string', 'list'] },
      bcc: { type: ['string', 'list'] },
      mime_subtype: { type: 'string' },
      mime_charset: { type: 'string' },
      conn_id: { type: 'string' },
      // The smtp provider's EmailOperator (also Airflow 3's): the sender, and extra headers (core 2.x has custom_headers too).
      from_email: { type: 'string' },
      custom_headers: { type: 'dict' },
    },
    templateFields: ['to', 'from_email', 'subject', 'html_content', 'files', 'cc', 'bcc'],
    templateExt: ['.html'],
    execution: 'builtin',
    summary: 'Sends an email through the configured SMTP connection.',
  }),
  // ---- Couture family (plugin-style imports: `from airflow.operators import X`) ----
  spec({
    kind: 'spark',
    classNames: ['SparkOperator'],
    modules: COUTURE_MODULES,
    args: SPARK_COMMON,
    templateFields: ['application_arguments'],
    execution: 'spark',
    unknownArgs: 'warning',
    summary: 'Submits a Spark (JVM) application from a code artifact with the config group applied.',
  }),
  spec({
    kind: 'couture_spark',
    classNames: ['CoutureSparkOperator'],
    modules: COUTURE_MODULES,
    args: { ...SPARK_COMMON, ...COUTURE_BLOB },
    templateFields: ['application_arguments', ...COUTURE_JSON_BLOB_ARGS],
    execution: 'spark',
    unknownArgs: 'warning',
    summary: 'Submits a Spark application; optional parameters go to main() as one JSON argument.',
  }),
  spec({
    kind: 'pyspark',
    classNames: ['PySparkOperator'],
    modules: COUTURE_MODULES,
    args: SPARK_COMMON,
    templateFields: ['application_arguments'],
    execution: 'spark',
    unknownArgs: 'warning',
    summary: 'Submits a PySpark application from a code artifact.',
  }),
  spec({
    kind: 'couture_pyspark',
    classNames: ['CouturePySparkOperator'],
    modules: COUTURE_MODULES,
    args: { ...SPARK_COMMON, ...COUTURE_BLOB },
    templateFields: ['application_arguments', ...COUTURE_JSON_BLOB_ARGS],
    execution: 'spark',
    unknownArgs: 'warning',
    summary: 'Submits a PySpark application; optional parameters go to main() as one JSON argument.',
  }),
  spec({
    kind: 'couture_dask_yarn',
    classNames: ['CoutureDaskYarnOperator'],
    modules: COUTURE_MODULES,
    args: { method_id: { type: 'string' }, app_name: { type: 'string' }, code_artifact: { type: 'string', required: true }, config_group: { type: 'string' }, ...COUTURE_BLOB },
    templateFields: [...COUTURE_JSON_BLOB_ARGS],
    execution: 'spark',
    unknownArgs: 'warning',
    summary: 'Deploys a Dask application on YARN; the task follows the job status.',
  }),
  spec({
    kind: 'tensorflow',
    classNames: ['TensorflowOperator'],
    modules: COUTURE_MODULES,
    args: { code_artifact: { type: 'string', required: true }, application_arguments: { type: ['string', 'list'] }, config_group: { type: 'string' } },
    templateFields: ['application_arguments'],
    execution: 'spark',
    unknownArgs: 'warning',
    summary: 'Runs a TensorFlow program from a code artifact.',
  }),
  spec({
    kind: 'couture_tensorflow',
    classNames: ['CoutureTensorflowOperator'],
    modules: COUTURE_MODULES,
    args: { method_id: { type: 'string' }, code_artifact: { type: 'string', required: true }, config_group: { type: 'string' }, ...COUTURE_BLOB },
    templateFields: [...COUTURE_JSON_BLOB_ARGS],
    execution: 'spark',
    unknownArgs: 'warning',
    summary: 'Runs a TensorFlow brick; optional parameters go to the program as one JSON argument.',
  }),
  spec({
    kind: 'couture_loopable_batch',
    classNames: ['CoutureLoopableBatchOperator'],
    modules: COUTURE_MODULES,
    args: {
      run_dag_id: { type: 'string', required: true },
      metadata_file: { type: 'string', required: true },
      batch_offset: { type: 'int', default: 0 },
      batch_size: { type: 'int', default: 10 },
      filter_by: { type: 'string' },
      filter_values: { type: 'list' },
    },
    templateFields: ['metadata_file', 'run_dag_id'],
    execution: 'child_dag',
    unknownArgs: 'warning',
    summary: 'Runs another DAG once per batch of CSV rows (passed as dag_run.conf["metadata_df"]).',
  }),
  spec({
    kind: 'couture_jupyter',
    classNames: ['CoutureJupyterOperator'],
    modules: COUTURE_MODULES,
    args: {
      input_notebook: { type: 'string', required: true },
      output_notebook: { type: 'string' },
      parameters: { type: 'dict' },
      export_html: { type: 'bool' },
      output_html: { type: 'string' },
      report_mode: { type: 'bool' },
      kernel: { type: 'string' },
      models: { type: 'dict' },
    },
    templateFields: ['input_notebook', 'output_notebook', 'parameters'],
    execution: 'python',
    unknownArgs: 'warning',
    summary: 'Executes a parameterised Jupyter notebook (papermill-style injected parameters).',
  }),
  spec({
    kind: 'dag_operator',
    classNames: ['DagOperator'],
    modules: ['airflow.operators.dag_operator', 'airflow.operators'],
    args: { run_dag_id: { type: 'string', required: true }, python_callable: { type: 'callable' }, skip_dag: { type: ['bool', 'string'] }, dag_run_conf: { type: 'dict' } },
    templateFields: ['run_dag_id', 'skip_dag', 'dag_run_conf'],
    execution: 'child_dag',
    unknownArgs: 'warning',
    summary: 'Runs another DAG (master DAG / DAG of DAGs) and fails if the child run fails.',
  }),
  spec({
    kind: 'skippable_dag_operator',
    classNames: ['SkippableDagOperator'],
    modules: ['airflow.operators.dag_operator', 'airflow.operators.skippable_dag_operator', 'airflow.operators'],
    args: { run_dag_id: { type: 'string', required: true }, python_callable: { type: 'callable' }, skip_dag: { type: ['bool', 'string'] }, dag_run_conf: { type: 'dict' } },
    templateFields: ['run_dag_id', 'skip_dag', 'dag_run_conf'],
    execution: 'child_dag',
    unknownArgs: 'warning',
    summary: 'Like DagOperator; skip_dag=True succeeds without running the child.',
  }),
];

/**
 * Real Airflow/Couture operator classes skydag recognises but does not execute (yet). They compile
 * (so existing DAG files load and can be browsed) and fail at run time with a clear message.
 */
export const KNOWN_UNSUPPORTED_CLASSES: readonly string[] = [
  'DockerOperator', 'KubernetesPodOperator', 'MySqlOperator',
  'MsSqlOperator', 'OracleOperator', 'JdbcOperator', 'HiveOperator', 'PigOperator', 'HdfsSensor', 'WebHdfsSensor',
  'HivePartitionSensor', 'NamedHivePartitionSensor', 'MetastorePartitionSensor',
  'PapermillOperator', 'SparkSubmitOperator', 'SSHOperator',
  'SlackAPIPostOperator', 'S3CopyObjectOperator', 'HDFSOperator', 'CouturePythonDockerOperator',
];

/** Module prefixes whose classes are accepted as provider operators (compiled, not executed). */
export const PROVIDER_MODULE_PREFIXES: readonly string[] = ['airflow.providers.', 'airflow.contrib.'];

const byClassName = new Map<string, OperatorSpec>();
for (const op of OPERATORS) for (const name of op.classNames) byClassName.set(name, op);

export function operatorByClassName(className: string): OperatorSpec | undefined {
  return byClassName.get(className);
}

/** The first operator of each kind (asked for every task by validation and the compiler). */
const byKind = new Map<string, OperatorSpec>();
for (const op of OPERATORS) if (!byKind.has(op.kind)) byKind.set(op.kind, op);

export function operatorByKind(kind: string): OperatorSpec | undefined {
  return byKind.get(kind);
}

/** Every class name a user may write, for "did you mean" suggestions. */
export function knownOperatorClassNames(): string[] {
  return [...byClassName.keys(), ...KNOWN_UNSUPPORTED_CLASSES];
}

/** The spec for classes skydag knows but cannot run: all arguments accepted, none templated. */
export function unsupportedOperatorSpec(className: string): OperatorSpec {
  return spec({
    kind: 'unsupported',
    classNames: [className],
    modules: [],
    args: {},
    templateFields: [],
    execution: 'unsupported',
    unknownArgs: 'accept',
    summary: `${className} is recognised but not executed by skydag.`,
  });
}

/** User-defined operators (a class in the DAG file, or imported from the DAG folder) run in Python. */
export function customOperatorSpec(className: string, sensor: boolean): OperatorSpec {
  return spec({
    kind: 'custom',
    classNames: [className],
    modules: [],
    args: {},
    templateFields: [],
    execution: 'python',
    sensor,
    unknownArgs: 'accept',
    summary: `User-defined operator ${className}, executed by the Python task runner.`,
  });
}

/**
 * Kinds whose templated fields are the operator object's own attributes: the Python runner renders
 * them (through the orchestrator's renderer) and records the rendered fields.
 */
export const OWN_TEMPLATE_FIELD_KINDS: ReadonlySet<string> = new Set(['custom', 'sql', 'sql_check', 'sql_branch', 'sql_transfer', 'sql_sensor', 'aws_s3']);

/**
 * Kinds the Python task runner builds from the DAG file it loads: only they can apply functions
 * written in the file (`XComArg.map(fn)`) to their mapped arguments.
 */
export const PYTHON_RUNNER_KINDS: ReadonlySet<string> = new Set([
  'python', 'branch_python', 'short_circuit', 'python_sensor', 'bash_decorated', 'python_virtualenv', 'external_python',
  'branch_python_virtualenv', 'branch_external_python', ...OWN_TEMPLATE_FIELD_KINDS,
]);

/** TaskFlow decorators (`@task`, `@task.branch`, ...) map onto the Python operator kinds. */
export const TASKFLOW_DECORATORS: Readonly<Record<string, string>> = {
  task: 'python',
  'task.python': 'python',
  'task.branch': 'branch_python',
  'task.short_circuit': 'short_circuit',
  'task.sensor': 'python_sensor',
  'task.bash': 'bash_decorated',
  'task.virtualenv': 'python_virtualenv',
  'task.external_python': 'external_python',
  'task.branch_virtualenv': 'branch_python_virtualenv',
  'task.branch_external_python': 'branch_external_python',
};

/**
 * Model fixtures for the template tests: minimal valid `Dag`/`Task` values and a context builder with
 * the book's scheduled daily run (execution date 2019-01-03) as the default.
 */
import { DAG_MODEL_SCHEMA_VERSION, type Dag, type PyValue, type Task } from '../../model/schema.js';
import { buildTemplateContext, type DagRunInput, type TemplateContext, type TemplateContextInput } from './context.js';

const SOURCE = { file: 'dags/example.py', line: 1, col: 1 };

export function makeTask(overrides: Partial<Task> & { task_id: string }): Task {
  const base: Omit<Task, 'task_id'> = {
    operator: 'BashOperator',
    operator_kind: 'bash',
    args: {},
    upstream_task_ids: [],
    downstream_task_ids: [],
    trigger_rule: 'all_success',
    retries: 0,
    retry_delay_seconds: 300,
    retry_exponential_backoff: false,
    max_retry_delay_seconds: null,
    execution_timeout_seconds: null,
    depends_on_past: false,
    wait_for_downstream: false,
    pool: 'default_pool',
    pool_slots: 1,
    priority_weight: 1,
    weight_rule: 'downstream',
    sla_seconds: null,
    queue: null,
    max_active_tis_per_dag: null,
    do_xcom_push: true,
    owner: 'airflow',
    email: [],
    email_on_failure: true,
    email_on_retry: true,
    params: {},
    templated_fields: ['bash_command', 'env', 'cwd'],
    template_ext: ['.sh', '.bash'],
    task_group_id: null,
    description: null,
    doc_md: null,
    sensor: null,
    callbacks: {},
    source: SOURCE,
  };
  return Object.assign(base, overrides);
}

/** A PythonOperator task (templated: templates_dict, op_args, op_kwargs). */
export function makePythonTask(task_id: string, args: Record<string, PyValue>): Task {
  return makeTask({
    task_id,
    operator: 'PythonOperator',
    operator_kind: 'python',
    args: { python_callable: { $type: 'callable', name: `_${task_id}`, file: 'dags/example.py', line: 1 }, ...args },
    templated_fields: ['templates_dict', 'op_args', 'op_kwargs'],
    template_ext: [],
  });
}

export function makeDag(overrides: Partial<Dag> & { dag_id: string }): Dag {
  const base: Omit<Dag, 'dag_id'> = {
    schema_version: DAG_MODEL_SCHEMA_VERSION,
    description: null,
    doc_md: null,
    schedule: { type: 'cron', cron: '0 0 * * *', preset: '@daily' },
    start_date: '2019-01-01T00:00:00+00:00',
    end_date: null,
    timezone: 'UTC',
    catchup: true,
    max_active_runs: 16,
    max_active_tasks: 16,
    dagrun_timeout_seconds: null,
    params: {},
    tags: [],
    owner: 'airflow',
    default_args: {},
    callbacks: {},
    template_searchpath: [],
    render_template_as_native_obj: false,
    is_paused_upon_creation: null,
    tasks: [],
    task_groups: [],
    source: SOURCE,
  };
  return Object.assign(base, overrides);
}

/** The scheduled run of a `@daily` DAG for the interval starting 2019-01-03. */
export const SCHEDULED_DAILY_RUN: DagRunInput = {
  run_id: 'scheduled__2019-01-03T00:00:00+00:00',
  run_type: 'scheduled',
  logical_date: '2019-01-03T00:00:00+00:00',
  data_interval_start: '2019-01-03T00:00:00+00:00',
  data_interval_end: '2019-01-04T00:00:00+00:00',
  conf: {},
  external_trigger: false,
  start_date: '2019-01-04T00:00:05+00:00',
};

export const NOW = '2019-01-04T00:00:07.250000+00:00';

/** A context for `task` (default: a BashOperator `print_date`) in DAG `dag_id` (default `example`). */
export function context(overrides: Partial<TemplateContextInput> = {}): TemplateContext {
  const task = overrides.task ?? makeTask({ task_id: 'print_date' });
  const dag = overrides.dag ?? makeDag({ dag_id: 'example', tasks: [task] });
  return buildTemplateContext({ dag, task, run: SCHEDULED_DAILY_RUN, tryNumber: 1, now: NOW, ...overrides });
}

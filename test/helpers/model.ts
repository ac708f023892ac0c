/** Builders for DAG model objects in tests: only the fields a test cares about need to be given. */
import { DAG_MODEL_SCHEMA_VERSION, type Dag, type Task } from '../../shared/model/schema.js';

export function makeTask(taskId: string, overrides: Partial<Task> = {}): Task {
  return {
    task_id: taskId,
    operator: 'EmptyOperator',
    operator_kind: 'empty',
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
    templated_fields: [],
    template_ext: [],
    task_group_id: null,
    description: null,
    doc_md: null,
    sensor: null,
    callbacks: {},
    source: { file: 'test.py', line: 1, col: 1 },
    ...overrides,
  };
}

/** A DAG whose edges are given as [upstream, downstream] pairs; both sides are filled in. */
export function makeDag(dagId: string, tasks: Task[], edges: readonly (readonly [string, string])[] = [], overrides: Partial<Dag> = {}): Dag {
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  for (const [up, down] of edges) {
    byId.get(down)?.upstream_task_ids.push(up);
    byId.get(up)?.downstream_task_ids.push(down);
  }
  return {
    schema_version: DAG_MODEL_SCHEMA_VERSION,
    dag_id: dagId,
    description: null,
    doc_md: null,
    schedule: { type: 'none' },
    start_date: '2024-01-01T00:00:00.000Z',
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
    tasks,
    task_groups: [],
    source: { file: 'test.py', line: 1, col: 1 },
    ...overrides,
  };
}

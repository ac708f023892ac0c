/**
 * Model fixtures for the template tests: minimal valid `Dag`/`Task` values and a context builder with
 * the book's scheduled daily run (execution date 2019-01-03) as the default.
 */
import { makeDag as makeModelDag, makeTask as makeModelTask } from '../../../test/helpers/model.js';
import type { Dag, PyValue, Task } from '../../model/schema.js';
import { buildTemplateContext, type DagRunInput, type TemplateContext, type TemplateContextInput } from './context.js';

const SOURCE = { file: 'dags/example.py', line: 1, col: 1 };

export function makeTask(overrides: Partial<Task> & { task_id: string }): Task {
  return makeModelTask(overrides.task_id, { operator: 'BashOperator', operator_kind: 'bash', templated_fields: ['bash_command', 'env', 'cwd'], template_ext: ['.sh', '.bash'], source: SOURCE, ...overrides });
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
  return makeModelDag(overrides.dag_id, overrides.tasks ?? [], [], {
    schedule: { type: 'cron', cron: '0 0 * * *', preset: '@daily' },
    start_date: '2019-01-01T00:00:00+00:00',
    source: SOURCE,
    ...overrides,
  });
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

/** Setup and teardown tasks as the static reader sees them (Airflow 2.10). */
import { parse, parseOk, py } from './helpers.js';

const HEAD = py`
  from datetime import datetime
  from airflow import DAG
  from airflow.decorators import setup, task, teardown
  from airflow.operators.bash import BashOperator
`;

describe('setup and teardown', () => {
  it('wires the tasks of a `with setup >> teardown:` block between them', () => {
    const dag = parseOk(`${HEAD}
with DAG("st", start_date=datetime(2024, 1, 1), schedule=None):
    @setup
    def create():
        return 1

    @teardown
    def delete():
        return 1

    @task
    def hello():
        return 1

    @task
    def world():
        return 1

    with create() >> delete():
        hello() >> world()
`).st!;
    const up = Object.fromEntries(dag.tasks.map((t) => [t.task_id, t.upstream_task_ids]));
    expect(up).toEqual({ create: [], delete: ['create', 'world'], hello: ['create'], world: ['hello'] });
    expect(dag.tasks.find((t) => t.task_id === 'delete')).toMatchObject({ is_teardown: true, trigger_rule: 'all_done_setup_success' });
  });

  it('refuses a task that is both setup and teardown', () => {
    const r = parse(`${HEAD}
with DAG("st", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="x", bash_command="true").as_setup().as_teardown()
`);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([expect.stringContaining('cannot also be a teardown task')]);
  });
});

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

  it('makes a setup or teardown task from the operator class (`BashOperator.as_setup(task_id=...)`, Airflow 2.7+)', () => {
    const dag = parseOk(`${HEAD}
from airflow.models.baseoperator import BaseOperator

class Mine(BaseOperator):
    def execute(self, context):
        return 1

with DAG("cls", start_date=datetime(2024, 1, 1), schedule=None):
    root = BashOperator.as_setup(task_id="root_setup", bash_command="echo up")
    work = BashOperator(task_id="work", bash_command="echo work")
    Mine.as_teardown(task_id="root_teardown", setups=root, on_failure_fail_dagrun=True)
    root >> work
`).cls!;
    const byId = Object.fromEntries(dag.tasks.map((t) => [t.task_id, t]));
    expect(byId.root_setup).toMatchObject({ is_setup: true, args: { bash_command: 'echo up' } });
    expect(byId.root_teardown).toMatchObject({ is_teardown: true, on_failure_fail_dagrun: true, trigger_rule: 'all_done_setup_success', upstream_task_ids: ['root_setup'] });
    expect(byId.root_teardown!.args).not.toHaveProperty('setups');
    expect(byId.work!.upstream_task_ids).toEqual(['root_setup']);
  });

  it('refuses a task that is both setup and teardown', () => {
    const r = parse(`${HEAD}
with DAG("st", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="x", bash_command="true").as_setup().as_teardown()
`);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([expect.stringContaining('cannot also be a teardown task')]);
  });
});

/** BaseOperator arguments of Airflow 2.10 that were unknown to skydag (an unknown base argument is an import error of the whole file). */
import { parse, parseOk, py, task } from './helpers.js';

const HEAD = py`
  from datetime import datetime
  from airflow import DAG
  from airflow.decorators import task
  from airflow.operators.bash import BashOperator
`;

describe('Airflow 2.10 BaseOperator arguments', () => {
  it('accepts executor, logger_name, allow_nested_operators and ignore_first_depends_on_past on any operator', () => {
    const dag = parseOk(`${HEAD}
with DAG("d", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="b", bash_command="echo", executor="CeleryExecutor", logger_name="etl", allow_nested_operators=False, ignore_first_depends_on_past=True, depends_on_past=True)
`).d!;
    expect(task(dag, 'b')).toMatchObject({ depends_on_past: true, args: { bash_command: 'echo' } });
    expect(Object.keys(task(dag, 'b').args)).toEqual(['bash_command']);
  });

  it('max_active_tis_per_dagrun limits the indexes running at once in a run (the tighter of it and max_active_tis_per_dag)', () => {
    const dags = parseOk(`${HEAD}
with DAG("d", start_date=datetime(2024, 1, 1), schedule=None):
    @task(max_active_tis_per_dagrun=2)
    def one(x):
        return x

    @task(max_active_tis_per_dagrun=3, max_active_tis_per_dag=5)
    def two(x):
        return x

    one.expand(x=[1, 2, 3])
    two.expand(x=[1, 2, 3])
`);
    expect(task(dags.d!, 'one').max_active_tis_per_dag).toBe(2);
    expect(task(dags.d!, 'two').max_active_tis_per_dag).toBe(3);
  });

  it('still refuses an argument no BaseOperator has, suggesting the closest', () => {
    const r = parse(`${HEAD}
with DAG("d", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="b", bash_command="echo", max_active_tis_per_dagrunn=2)
`);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([expect.stringMatching(/unknown argument 'max_active_tis_per_dagrunn'.*max_active_tis_per_dagrun/)]);
  });
});

/** SubDagOperator as the static reader sees it: the sub-DAG is collected from the operator (Airflow's DagBag does the same). */
import { parse, parseOk, py, task } from './helpers.js';

const HEAD = py`
  from datetime import datetime
  from airflow import DAG
  from airflow.operators.empty import EmptyOperator
  from airflow.operators.subdag_operator import SubDagOperator

  def sub(dag_id):
      d = DAG(dag_id, start_date=datetime(2024, 1, 1), schedule="@daily")
      EmptyOperator(task_id="inner", dag=d)
      return d
`;

describe('SubDagOperator', () => {
  it('registers the sub-DAG with its parent and passes its id to the task', () => {
    const dags = parseOk(`${HEAD}
with DAG("parent", start_date=datetime(2024, 1, 1), schedule=None):
    SubDagOperator(task_id="section", subdag=sub("parent.section"))
`);
    expect(Object.keys(dags).sort()).toEqual(['parent', 'parent.section']);
    expect(dags['parent.section']!.parent_dag_id).toBe('parent');
    expect(dags.parent!.parent_dag_id).toBeUndefined();
    expect(task(dags.parent!, 'section')).toMatchObject({ operator_kind: 'subdag', args: { subdag: 'parent.section' } });
  });

  it("refuses a sub-DAG whose id is not '<parent>.<task_id>' with Airflow's message, and warns when the sub-DAG is not known", () => {
    const bad = parse(`${HEAD}
with DAG("parent", start_date=datetime(2024, 1, 1), schedule=None):
    SubDagOperator(task_id="section", subdag=sub("other"))
`);
    expect(bad.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      "The subdag's dag_id should have the form '{parent_dag_id}.{this_task_id}'. Expected 'parent.section'; received 'other'.",
    ]);
    const unknown = parse(`${HEAD}
from company_lib.subdags import subdag
with DAG("parent", start_date=datetime(2024, 1, 1), schedule=None):
    SubDagOperator(task_id="section", subdag=subdag("parent", "section", {}))
`);
    expect(unknown.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(unknown.diagnostics.map((d) => d.message)).toContain("SubDagOperator 'section': its sub-DAG is not known when the file is read, so task 'section' will fail when it runs");
  });
});

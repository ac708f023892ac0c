/** access_control on DAG(...) and @dag: read into the model as role → DAG-level actions. */
import { onlyDag, parse, py } from './helpers.js';

describe('access_control', () => {
  it('reads a set of actions per role from DAG(...) and from @dag', () => {
    const withDag = onlyDag(py`
      from airflow import DAG
      from airflow.operators.empty import EmptyOperator
      with DAG("a", schedule=None, access_control={"analysts": {"can_edit", "can_read"}, "auditors": {"can_read"}}) as dag:
          EmptyOperator(task_id="t")
    `);
    expect(withDag.access_control).toEqual({ analysts: ['can_read', 'can_edit'], auditors: ['can_read'] });

    const roles = ['ops team', 'analysts'];
    const decorated = onlyDag(py`
      from airflow.decorators import dag, task
      READERS = ${JSON.stringify(roles)}
      @dag(schedule=None, access_control={r: {"can_read"} for r in READERS})
      def b():
          @task
          def t():
              return 1
          t()
      b()
    `);
    expect(decorated.access_control).toEqual({ 'ops team': ['can_read'], analysts: ['can_read'] });
  });

  it('accepts the per-resource form and the deprecated action names, with warnings', () => {
    const r = parse(py`
      from airflow import DAG
      from airflow.operators.empty import EmptyOperator
      with DAG("a", schedule=None, access_control={"r1": {"DAGs": {"can_read", "can_delete"}, "DAG Runs": {"can_create"}}, "r2": {"can_dag_read", "can_dag_edit"}}) as dag:
          EmptyOperator(task_id="t")
    `);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.dags[0]!.access_control).toEqual({ r1: ['can_read', 'can_delete'], r2: ['can_read', 'can_edit'] });
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      `DAG 'a': access_control grants on "DAG Runs" for role 'r1' are ignored`,
      "DAG 'a': access_control action 'can_dag_read' is deprecated; it means 'can_read'",
      "DAG 'a': access_control action 'can_dag_edit' is deprecated; it means 'can_edit'",
    ]);
  });

  it('an empty map is kept (the DAG then has no per-DAG grants); None or no argument sets nothing', () => {
    const dags = (access: string) =>
      parse(py`
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("a", schedule=None${access}) as dag:
            EmptyOperator(task_id="t")
      `).dags[0]!;
    expect(dags(', access_control={}').access_control).toEqual({});
    expect('access_control' in dags(', access_control=None')).toBe(false);
    expect('access_control' in dags('')).toBe(false);
  });

  it('refuses invalid actions, role names and shapes with file:line and the DAG named', () => {
    const errors = (access: string) =>
      parse(py`
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("a", schedule=None, access_control=${access}) as dag:
            EmptyOperator(task_id="t")
      `).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
    expect(errors('{"r": {"can_raed"}}')).toEqual(["3: DAG 'a': access_control grants an invalid action 'can_raed' to role 'r' (did you mean 'can_read'?)"]);
    expect(errors('{"r": {"DAG:b": {"can_read"}}}')).toEqual([`3: DAG 'a': access_control names an unknown resource 'DAG:b' for role 'r' (use "DAGs")`]);
    expect(errors('["can_read"]')).toEqual(["3: DAG 'a': access_control must be a dict of role name to actions (got list)"]);
    expect(errors('{"r": 1}')).toEqual(["3: DAG 'a': access_control for role 'r' must be a set of action names (got int)"]);
    expect(errors('{"bad/role": {"can_read"}}')).toEqual(["3: DAG 'a': access_control names an invalid role 'bad/role'"]);
  });
});

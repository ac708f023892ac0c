/** access_control in a dag-factory YAML DAG: the same rules as DAG(access_control=...). */
import { onlyDag, parse, yaml } from './test-helpers.js';

describe('access_control', () => {
  it('is read as role → DAG-level actions (lists, or the per-resource form)', () => {
    const dag = onlyDag(yaml`
      etl:
        schedule: null
        access_control:
          analysts: [can_read, can_edit]
          auditors:
            DAGs: [can_read]
        tasks:
          t1:
            operator: airflow.operators.bash.BashOperator
            bash_command: echo hi
    `);
    expect(dag.access_control).toEqual({ analysts: ['can_read', 'can_edit'], auditors: ['can_read'] });
  });

  it('an invalid action is an error naming the DAG', () => {
    const r = parse(yaml`
      etl:
        schedule: null
        access_control:
          analysts: [can_write]
        tasks:
          t1:
            operator: airflow.operators.bash.BashOperator
            bash_command: echo hi
    `);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual(["DAG 'etl': access_control grants an invalid action 'can_write' to role 'analysts' (did you mean 'can_edit'?)"]);
  });
});

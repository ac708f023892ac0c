/** dag-factory's dynamic task mapping (`expand`, `partial`) as the YAML front-end reads it. */
import { parse, parseOk, task, yaml } from './test-helpers.js';

const HEAD = yaml`
  m:
    default_args: {start_date: 2024-01-01}
    schedule: null
    tasks:
      numbers:
        operator: airflow.operators.python.PythonOperator
        python_callable: lib.numbers
`;

describe('expand / partial in dag-factory YAML', () => {
  it('maps over a list or an upstream output (name.output or XcomArg(name), which is then upstream), partial arguments joining the task', () => {
    const [dag] = parseOk(`${HEAD}
    echo:
      operator: airflow.operators.bash.BashOperator
      partial: {env: {A: "1"}, retries: 2}
      expand: {bash_command: ["echo 1", "echo 2"]}
    use:
      operator: airflow.operators.python.PythonOperator
      python_callable: lib.use
      expand: {op_args: numbers.output}
    use2:
      decorator: airflow.decorators.task
      python_callable: lib.use
      expand: {x: XcomArg(numbers)}
`);
    expect(task(dag!, 'echo')).toMatchObject({ args: { env: { A: '1' } }, retries: 2, expand: { kind: 'kwargs', target: 'args', value: { bash_command: ['echo 1', 'echo 2'] } } });
    expect(task(dag!, 'use')).toMatchObject({ upstream_task_ids: ['numbers'], expand: { target: 'args', value: { op_args: { $type: 'xcom_arg', task_id: 'numbers', key: 'return_value' } } } });
    expect(task(dag!, 'use2')).toMatchObject({ upstream_task_ids: ['numbers'], expand: { target: 'op_kwargs', value: { x: { $type: 'xcom_arg', task_id: 'numbers' } } } });
  });

  it('refuses partial without expand, a repeated partial argument and a value that is neither a list nor an output', () => {
    const errors = (tasks: string) => parse(`${HEAD}${tasks}`).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    expect(errors(`
    e:
      operator: airflow.operators.bash.BashOperator
      bash_command: echo
      partial: {retries: 1}
`)).toEqual([expect.stringMatching(/partial needs expand/)]);
    expect(errors(`
    e:
      operator: airflow.operators.bash.BashOperator
      env: {A: "1"}
      partial: {env: {A: "2"}}
      expand: {bash_command: ["echo"]}
`)).toEqual([expect.stringMatching(/Duplicated partial kwarg 'env'/)]);
    expect(errors(`
    e:
      operator: airflow.operators.bash.BashOperator
      expand: {bash_command: "echo one"}
`)).toEqual([expect.stringMatching(/expand.bash_command must be a list, a mapping, or another task's output/)]);
  });
});

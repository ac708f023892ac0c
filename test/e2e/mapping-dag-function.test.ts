/**
 * Mapped tasks whose functions exist only inside a @dag function (the common TaskFlow layout): each
 * index runs the function the mapped task holds, not a lookup among the DAG file's globals.
 */
import { runDag, statesAndTries, useE2eRuntime } from './support.js';

const e2e = useE2eRuntime();

it('runs a mapped @task and a mapped PythonOperator defined in a @dag function', async () => {
  const { run, tasks } = await runDag(e2e.runtime, 'e2e_mapping_in_dag_function');
  expect(statesAndTries(tasks)).toEqual({
    guests: ['success', 1],
    greet: ['success', 1],
    double: ['success', 1],
    collect: ['success', 1],
  });
  expect(run.state).toBe('success');
  expect(tasks.collect!.xcom.return_value).toEqual({ greetings: ['guest 1', 'guest 2', 'guest 3'], doubles: [10, 12] });
});

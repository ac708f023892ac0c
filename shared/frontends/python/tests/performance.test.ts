/** A generated 10,000-task DAG must parse and evaluate well under a second. */
import { parse, py } from './helpers.js';

const BIG = py`
  from datetime import datetime
  from airflow import DAG
  from airflow.operators.bash import BashOperator
  with DAG("big", start_date=datetime(2024, 1, 1), schedule=None, default_args={"retries": 1}) as dag:
      prev = None
      tasks = []
      for i in range(10000):
          t = BashOperator(task_id=f"task_{i:05d}", bash_command=f"echo {i}", env={"I": str(i)})
          tasks.append(t)
          if prev is not None:
              prev >> t
          if i % 100 == 0 and i > 0:
              tasks[i - 100] >> t
          prev = t
      fan_in = BashOperator(task_id="fan_in", bash_command="x")
      tasks[-50:] >> fan_in
`;

describe('performance', () => {
  it('reads a 10,000-task DAG in well under a second', () => {
    parse(BIG); // warm-up: the first run includes JIT compilation of the evaluator
    // CPU time, not wall time: the test machine may be busy with other suites.
    const started = process.cpuUsage();
    const r = parse(BIG);
    const used = process.cpuUsage(started);
    const elapsed = (used.user + used.system) / 1000;
    expect(r.diagnostics).toEqual([]);
    const dag = r.dags[0]!;
    expect(dag.tasks).toHaveLength(10001);
    expect(dag.tasks[200]!.upstream_task_ids).toEqual(['task_00100', 'task_00199']);
    expect(dag.tasks[10000]!.upstream_task_ids).toHaveLength(50);
    expect(elapsed).toBeLessThan(1000);
  });
});

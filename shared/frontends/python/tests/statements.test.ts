/** Python statements as DAG files use them: with, try, imports, class, closures, attributes. */
import { diags, edges, onlyDag, parseOk, py, task, taskList } from './helpers.js';

describe('statements in DAG files', () => {
  it('enters several context managers in one with statement', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.empty import EmptyOperator
      from airflow.utils.task_group import TaskGroup
      with DAG("multi", start_date=datetime(2024, 1, 1), schedule=None) as dag, TaskGroup("g") as g:
          EmptyOperator(task_id="inside")
      with dag:
          EmptyOperator(task_id="outside")
    `);
    expect(dag.tasks.map((t) => t.task_id)).toEqual(['g.inside', 'outside']);
  });

  it('reads a bare yield (an async trigger that ends without an event), which lezer alone refuses', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.empty import EmptyOperator
      from airflow.triggers.base import BaseTrigger

      class Never(BaseTrigger):
          async def run(self):
              return
              yield

      def numbers():
          got = yield
          yield got

      with DAG("gen", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          EmptyOperator(task_id="t")
    `);
    expect(dag.tasks.map((t) => t.task_id)).toEqual(['t']);
    expect(diags(py`
      x = [1,
    `)).toEqual([expect.stringContaining('SKYDAG-P001')]);
  });

  it('evaluates try bodies (fallback imports) and finally, not the handlers', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      try:
          from airflow.operators.empty import EmptyOperator
      except ImportError:
          from airflow.operators.dummy import DummyOperator as EmptyOperator
      finally:
          LABEL = "done"
      with DAG("try", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          EmptyOperator(task_id=LABEL)
    `);
    expect(taskList(dag)).toEqual(['done: EmptyOperator/empty']);
  });

  it('resolves star imports from Airflow modules and relative imports of custom operators', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import *
      from .operators import MyOperator
      with DAG("star", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="b", bash_command="x") >> MyOperator(task_id="m", size=3)
    `);
    expect(taskList(dag)).toEqual(['b: BashOperator/bash', 'm: MyOperator/custom']);
    expect(task(dag, 'm').operator_module).toBe('.operators');
    expect(edges(dag)).toEqual([['b', 'm']]);
  });

  it('builds tasks through closures, lambdas, comprehensions and dicts of tasks', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      def stage(prefix):
          def make(name, **extra):
              return BashOperator(task_id=f"{prefix}_{name}", bash_command=extra.get("cmd", "true"))
          return make
      with DAG("closures", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          extract = stage("extract")
          tasks = {n: extract(n, cmd=f"run {n}") for n in sorted({"b", "a"})}
          upper = (lambda s: s.upper())("x")
          last = BashOperator(task_id=upper, bash_command="x")
          [tasks[k] for k in tasks] >> last
          del tasks["a"]
          assert len(tasks) == 1
    `);
    expect(taskList(dag)).toEqual(['extract_a: BashOperator/bash', 'extract_b: BashOperator/bash', 'X: BashOperator/bash']);
    expect(task(dag, 'extract_b').args.bash_command).toBe('run b');
    expect(edges(dag)).toEqual([['extract_a', 'X'], ['extract_b', 'X']]);
  });

  it('assigns task and DAG attributes after creation', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      from airflow.utils.trigger_rule import TriggerRule
      dag = DAG("attrs", start_date=datetime(2024, 1, 1), schedule=None)
      dag.doc_md = "## Docs"
      dag.description = "described"
      t = BashOperator(task_id="t", bash_command="x", dag=dag)
      t.doc_md = "task docs"
      t.trigger_rule = TriggerRule.ALL_DONE
      t.retries = 4
      u = BashOperator(task_id=t.task_id + "_next", bash_command=t.bash_command + "y", dag=dag)
      t >> u
    `);
    expect([dag.doc_md, dag.description]).toEqual(['## Docs', 'described']);
    const t = task(dag, 't');
    expect([t.doc_md, t.trigger_rule, t.retries]).toEqual(['task docs', 'all_done', 4]);
    expect(task(dag, 't_next').args.bash_command).toBe('xy');
  });

  it('registers DAGs set through globals().update and ignores helper objects', () => {
    const dags = parseOk(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.empty import EmptyOperator
      import logging
      log = logging.getLogger(__name__)
      log.info("loading")
      made = {}
      for name in ("x", "y"):
          d = DAG(f"dyn_{name}", start_date=datetime(2024, 1, 1), schedule=None)
          EmptyOperator(task_id="e", dag=d)
          made[f"dag_{name}"] = d
      globals().update(made)
    `);
    expect(Object.keys(dags)).toEqual(['dyn_x', 'dyn_y']);
  });

  it('evaluates a module docstring into dag.doc_md = __doc__', () => {
    const dag = onlyDag(py`
      """
      ### Pipeline
      Loads data.
      """
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.empty import EmptyOperator
      dag = DAG("doc", start_date=datetime(2024, 1, 1), schedule_interval=None, doc_md=__doc__)
      EmptyOperator(task_id="e", dag=dag)
    `);
    expect(dag.doc_md).toBe('\n### Pipeline\nLoads data.\n');
  });

  it('keeps going after a failed statement, with the names it bound poisoned silently', () => {
    expect(diags(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      with DAG("p", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          a, b = make_pair()
          c = BashOperator(task_id="c", bash_command=a)
          a >> c >> b
          for t in missing_list:
              t >> c
          d = BashOperator(task_id="d", bash_command="x")
    `)).toEqual([
      "5:12 SKYDAG-P003 name 'make_pair' is not defined",
      "8:14 SKYDAG-P003 name 'missing_list' is not defined",
    ]);
  });
});

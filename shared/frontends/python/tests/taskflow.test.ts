/** Task groups, TaskFlow (@task, @dag, @task_group) and XComArg passing. */
import { diags, edges, onlyDag, parseOk, py, task, taskList } from './helpers.js';

describe('task groups', () => {
  it('prefixes ids of nested groups and records the groups', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.empty import EmptyOperator
      from airflow.utils.task_group import TaskGroup
      with DAG("groups", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          start = EmptyOperator(task_id="start")
          with TaskGroup("outer", tooltip="Outer group") as outer:
              a = EmptyOperator(task_id="a")
              with TaskGroup("inner") as inner:
                  b = EmptyOperator(task_id="b")
                  c = EmptyOperator(task_id="c")
                  b >> c
              a >> inner
          with TaskGroup("flat", prefix_group_id=False) as flat:
              d = EmptyOperator(task_id="d")
              with TaskGroup("sub") as sub:
                  e = EmptyOperator(task_id="e")
          start >> outer >> flat
    `);
    expect(taskList(dag)).toEqual(['start: EmptyOperator/empty', 'outer.a: EmptyOperator/empty', 'outer.inner.b: EmptyOperator/empty', 'outer.inner.c: EmptyOperator/empty', 'd: EmptyOperator/empty', 'sub.e: EmptyOperator/empty']);
    expect(edges(dag)).toEqual([
      ['outer.a', 'outer.inner.b'], ['outer.inner.b', 'outer.inner.c'], ['outer.inner.c', 'd'], ['outer.inner.c', 'sub.e'], ['start', 'outer.a'],
    ]);
    expect(task(dag, 'outer.inner.b').task_group_id).toBe('outer.inner');
    expect(dag.task_groups.map((g) => [g.group_id, g.parent_group_id, g.tooltip, g.prefix_group_id, g.source.line])).toEqual([
      ['outer', null, 'Outer group', true, 7],
      ['outer.inner', 'outer', '', true, 9],
      ['flat', null, '', false, 14],
      ['sub', 'flat', '', true, 16],
    ]);
  });

  it('computes group roots and leaves at the time of the dependency call, as Airflow does', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.empty import EmptyOperator
      from airflow.utils.task_group import TaskGroup
      dag = DAG("timing", start_date=datetime(2024, 1, 1), schedule=None)
      g1 = TaskGroup(group_id="g1", dag=dag)
      g2 = TaskGroup(group_id="g2", dag=dag)
      x = EmptyOperator(task_id="x", task_group=g1, dag=dag)
      y = EmptyOperator(task_id="y", task_group=g2, dag=dag)
      g1 >> g2
      z = EmptyOperator(task_id="z", task_group=g2, dag=dag)
    `);
    expect(edges(dag)).toEqual([['g1.x', 'g2.y']]);
  });

  it('merges task group default_args over the DAG ones', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      from airflow.utils.task_group import TaskGroup
      with DAG("gdefaults", start_date=datetime(2024, 1, 1), schedule=None, default_args={"retries": 1, "owner": "dag"}) as dag:
          with TaskGroup("g", default_args={"retries": 4}):
              with TaskGroup("h", default_args={"owner": "h"}):
                  BashOperator(task_id="t", bash_command="x")
                  BashOperator(task_id="u", bash_command="x", retries=0)
    `);
    expect([task(dag, 'g.h.t').retries, task(dag, 'g.h.t').owner, task(dag, 'g.h.u').retries]).toEqual([4, 'h', 0]);
  });
});

describe('TaskFlow', () => {
  it('@dag.task is the TaskFlow decorator bound to that DAG (Airflow: functools.partial(task, dag=self))', () => {
    const dags = parseOk(py`
      from datetime import datetime
      from airflow import DAG

      other = DAG("bound", start_date=datetime(2024, 1, 1), schedule=None)

      with DAG("ctx", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          @dag.task(task_id="hello")
          def hello():
              return "hi"

          @other.task
          def elsewhere():
              return 1

          hello()
          elsewhere()
    `);
    expect(dags.ctx!.tasks.map((t) => t.task_id)).toEqual(['hello']);
    expect(dags.bound!.tasks.map((t) => [t.task_id, t.operator])).toEqual([['elsewhere', '@task']]);
  });

  const header = py`
    import pendulum
    from airflow.decorators import dag, task, task_group
    from airflow.operators.empty import EmptyOperator
  `;

  it('passes XComArgs between @task calls as op_args/op_kwargs references with edges', () => {
    const d = onlyDag(header + py`
      @dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1), catchup=False)
      def taskflow():
          @task
          def extract():
              return {"a": 1}

          @task(multiple_outputs=True, retries=2)
          def transform(data, factor=1):
              return data

          @task()
          def load(total, extra=None):
              pass

          raw = extract()
          t = transform(raw, factor=3)
          load(t["a"], extra=raw)
          join = EmptyOperator(task_id="join")
          join >> raw
      taskflow()
    `);
    expect(d.dag_id).toBe('taskflow');
    expect(taskList(d)).toEqual(['extract: @task/python', 'transform: @task/python', 'load: @task/python', 'join: EmptyOperator/empty']);
    expect(edges(d)).toEqual([['extract', 'load'], ['extract', 'transform'], ['join', 'extract'], ['transform', 'load']]);
    const [transform, load] = [task(d, 'transform'), task(d, 'load')];
    expect(transform.args).toEqual({
      python_callable: { $type: 'callable', name: 'transform', file: 'dags/test_dag.py', line: 10 },
      op_args: [{ $type: 'xcom_arg', task_id: 'extract', key: 'return_value' }],
      op_kwargs: { factor: 3 },
    });
    expect(transform.retries).toBe(2);
    expect(load.args.op_args).toEqual([{ $type: 'xcom_arg', task_id: 'transform', key: 'a' }]);
    expect(load.args.op_kwargs).toEqual({ extra: { $type: 'xcom_arg', task_id: 'extract', key: 'return_value' } });
  });

  it('suffixes repeated TaskFlow ids with __1, __2 and honours task_id= and .override()', () => {
    const d = onlyDag(header + py`
      from airflow import DAG
      @task
      def step(i):
          return i
      @task(task_id="named")
      def other():
          pass
      with DAG("ids", start_date=pendulum.datetime(2024, 1, 1), schedule=None) as d:
          prev = None
          for i in range(3):
              cur = step(i)
              if prev is not None:
                  prev >> cur
              prev = cur
          other()
          other()
          step.override(task_id="custom", retries=5)(9)
    `);
    expect(d.tasks.map((t) => t.task_id)).toEqual(['step', 'step__1', 'step__2', 'named', 'named__1', 'custom']);
    expect(edges(d)).toEqual([['step', 'step__1'], ['step__1', 'step__2']]);
    expect(task(d, 'custom').retries).toBe(5);
  });

  it('maps TaskFlow decorators to operator kinds and collects @task.branch targets', () => {
    const d = onlyDag(header + py`
      from airflow import DAG
      with DAG("kinds", start_date=pendulum.datetime(2024, 1, 1), schedule=None) as d:
          @task.python
          def p(): pass
          @task.branch
          def b():
              return ["left", "right"]
          @task.short_circuit()
          def s(): return True
          @task.sensor(poke_interval=30, timeout=600, mode="reschedule")
          def wait(): return True
          b() >> [EmptyOperator(task_id="left"), EmptyOperator(task_id="right")]
          p(); s(); wait()
    `);
    expect(taskList(d)).toEqual(['b: @task.branch/branch_python', 'left: EmptyOperator/empty', 'right: EmptyOperator/empty', 'p: @task.python/python', 's: @task.short_circuit/short_circuit', 'wait: @task.sensor/python_sensor']);
    expect(task(d, 'b').branch_targets).toEqual(['left', 'right']);
    expect(task(d, 'wait').sensor).toMatchObject({ poke_interval_seconds: 30, timeout_seconds: 600, mode: 'reschedule' });
  });

  it('makes @dag function parameters DAG params and uses dag_id= and the docstring', () => {
    const d = onlyDag(header + py`
      from airflow.models.param import Param
      @dag(dag_id="with_params", schedule="@daily", start_date=pendulum.datetime(2024, 1, 1), params={"limit": Param(10, type="integer"), "mode": "fast"})
      def pipeline(region="eu", mode="slow"):
          """Loads one region."""
          @task
          def show(r):
              pass
          show(region)
      the_dag = pipeline()
    `);
    expect(d.dag_id).toBe('with_params');
    expect(d.params).toEqual({ limit: 10, mode: 'slow', region: 'eu' });
    expect(d.doc_md).toBe('Loads one region.');
    expect(d.source.line).toBe(12);
    expect(task(d, 'show').args.op_args).toEqual(['{{ params.region }}']);
  });

  it('creates a task group per @task_group call and returns the body result', () => {
    const d = onlyDag(header + py`
      @dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1))
      def grouped():
          @task
          def one(): return 1
          @task
          def two(x): return x
          @task_group(tooltip="Section")
          def section(v):
              return two(one())
          @task_group
          def silent():
              EmptyOperator(task_id="e")
          start = EmptyOperator(task_id="start")
          start >> section(0) >> silent() >> section(1)
      grouped()
    `);
    expect(d.tasks.map((t) => t.task_id)).toEqual(['start', 'section.one', 'section.two', 'silent.e', 'section__1.one', 'section__1.two']);
    expect(edges(d)).toEqual([
      ['section.one', 'section.two'], ['section.two', 'silent.e'], ['section__1.one', 'section__1.two'], ['silent.e', 'section__1.two'], ['start', 'section.two'],
    ]);
    expect(d.task_groups.map((g) => [g.group_id, g.tooltip])).toEqual([['section', 'Section'], ['silent', ''], ['section__1', 'Section']]);
  });

  it('accepts dynamic task mapping (see mapping.test.ts) and reports unsupported decorators as unsupported', () => {
    expect(diags(header + py`
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      with DAG("m", start_date=pendulum.datetime(2024, 1, 1), schedule=None) as d:
          @task
          def add(x): return x
          add.expand(x=[1, 2])
          BashOperator.partial(task_id="p").expand(bash_command=["a", "b"])
          @task.docker(image="x")
          def boxed(): pass
    `)).toEqual(['11:6 SKYDAG-P002 @task.docker is not supported by skydag']);
  });

  it('accepts @task.run_if / @task.skip_if over any TaskFlow decorator (the condition runs with the task) and refuses them elsewhere', () => {
    const d = onlyDag(header + py`
      from airflow.decorators.condition import run_if
      def enabled(context): return context["params"]["on"]
      @dag(dag_id="cond", start_date=pendulum.datetime(2024, 1, 1), schedule=None)
      def cond():
          @task.run_if(enabled)
          @task.skip_if(lambda context: False, skip_message="never")
          @task
          def a(): return 1
          @run_if(lambda context: True)
          @task.bash
          def b(): return "echo b"
          a() >> b()
          a.override(task_id="a2")()
      cond()
    `);
    expect(taskList(d)).toEqual(['a: @task/python', 'b: @task.bash/bash_decorated', 'a2: @task/python']);
    expect(edges(d)).toEqual([['a', 'b']]);
    expect(diags(header + py`
      from airflow.operators.empty import EmptyOperator
      @dag(dag_id="bad", start_date=pendulum.datetime(2024, 1, 1), schedule=None)
      def bad():
          @task
          @task.run_if(lambda context: True)
          def plain(): pass
          task.skip_if("yes")(plain)
          task.run_if(lambda context: True)(EmptyOperator(task_id="e"))
          task.run_if(lambda context: True, skip_message=3)
      bad()
    `)).toEqual([
      '8:6 SKYDAG-P005 run_if can only be used with task. decorate with @task before @run_if.',
      "10:5 SKYDAG-P005 skip_if() condition must be a function of the task context (got str)",
      '11:5 SKYDAG-P005 run_if can only be used with task. decorate with @task before @run_if.',
      "12:5 SKYDAG-P005 run_if() skip_message must be a string or None (got int)",
    ]);
  });

  it('maps @task.branch_virtualenv / @task.branch_external_python and their classic operators to branching kinds with static targets', () => {
    const d = onlyDag(header + py`
      import sys
      from airflow.operators.python import BranchExternalPythonOperator, BranchPythonVirtualenvOperator
      def pick(): return "a"
      @dag(dag_id="bv", start_date=pendulum.datetime(2024, 1, 1), schedule=None)
      def bv():
          @task.branch_virtualenv(requirements=["x==1"])
          def choose(): return "a"
          @task.branch_external_python(python="/usr/bin/python3")
          def choose_ext(): return ["b"]
          choose() >> [EmptyOperator(task_id="a"), EmptyOperator(task_id="b")]
          choose_ext() >> EmptyOperator(task_id="c")
          BranchPythonVirtualenvOperator(task_id="v", python_callable=pick) >> EmptyOperator(task_id="d")
          BranchExternalPythonOperator(task_id="x", python=sys.executable, python_callable=pick)
      bv()
    `);
    expect(taskList(d)).toEqual([
      'choose: @task.branch_virtualenv/branch_python_virtualenv', 'a: EmptyOperator/empty', 'b: EmptyOperator/empty',
      'choose_ext: @task.branch_external_python/branch_external_python', 'c: EmptyOperator/empty',
      'v: BranchPythonVirtualenvOperator/branch_python_virtualenv', 'd: EmptyOperator/empty', 'x: BranchExternalPythonOperator/branch_external_python',
    ]);
    expect(task(d, 'choose').branch_targets).toEqual(['a']);
    expect(task(d, 'choose').args.requirements).toEqual(['x==1']);
  });

  it('keeps task_display_name (Airflow 2.9+) from the task, default_args or .override(), and refuses a non-string', () => {
    const d = onlyDag(header + py`
      @dag(dag_id="named", start_date=pendulum.datetime(2024, 1, 1), schedule=None, default_args={"task_display_name": "Default name"})
      def named():
          @task(task_display_name="Extract 📦")
          def extract(): return 1
          EmptyOperator(task_id="e", task_display_name="Empty step")
          EmptyOperator(task_id="d")
          extract()
          extract.override(task_id="again", task_display_name="Again")()
      named()
    `);
    expect(d.tasks.map((t) => [t.task_id, t.task_display_name])).toEqual([['e', 'Empty step'], ['d', 'Default name'], ['extract', 'Extract 📦'], ['again', 'Again']]);
    expect(diags(header + py`
      @dag(dag_id="bad", start_date=pendulum.datetime(2024, 1, 1), schedule=None)
      def bad():
          EmptyOperator(task_id="e", task_display_name=3)
      bad()
    `)).toEqual(["6:5 SKYDAG-V011 task 'e': task_display_name must be a string (got int)"]);
  });

  it('requires the arguments of the TaskFlow function, except context ones', () => {
    expect(diags(header + py`
      from airflow import DAG
      with DAG("sig", start_date=pendulum.datetime(2024, 1, 1), schedule=None) as d:
          @task
          def f(a, ti=None, ds=None, **context): return a
          @task
          def g(ds, ti): pass
          f()
          g()
          f(1, 2, 3, 4)
    `)).toEqual([
      "10:5 SKYDAG-P005 f() missing required argument 'a'",
      '12:5 SKYDAG-P005 f() takes 3 positional arguments but 4 were given',
    ]);
  });
});

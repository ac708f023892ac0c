/** DAG construction, task attachment, default_args, dependencies and registration. */
import { validateDag } from '../../../validation/validate.js';
import { edges, onlyDag, parse, parseOk, py, repr, task, taskList } from './helpers.js';

describe('imports and DAG construction', () => {
  it('reads an Airflow 1.10 file (dag=dag, positional DAG id, 1.10 import paths)', () => {
    const dag = onlyDag(py`
      """Sales pipeline."""
      from datetime import datetime, timedelta
      import airflow
      from airflow import DAG
      from airflow.operators.bash_operator import BashOperator
      from airflow.operators.python_operator import PythonOperator
      from airflow.operators.dummy_operator import DummyOperator

      default_args = {"owner": "ops", "retries": 1, "retry_delay": timedelta(minutes=5), "start_date": datetime(2019, 1, 1)}
      dag = DAG("sales_110", default_args=default_args, schedule_interval="@daily")
      dag.doc_md = __doc__

      def process(**context):
          pass

      start = DummyOperator(task_id="start", dag=dag)
      run = BashOperator(task_id="run", bash_command="echo {{ ds }}", dag=dag)
      proc = PythonOperator(task_id="process", python_callable=process, provide_context=True, dag=dag)
      start >> run >> proc
    `);
    expect(dag.dag_id).toBe('sales_110');
    expect(dag.doc_md).toBe('Sales pipeline.');
    expect(dag.schedule).toEqual({ type: 'cron', cron: '0 0 * * *', preset: '@daily' });
    expect(dag.start_date).toBe('2019-01-01T00:00:00+00:00');
    expect(taskList(dag)).toEqual(['start: DummyOperator/empty', 'run: BashOperator/bash', 'process: PythonOperator/python']);
    expect(edges(dag)).toEqual([['run', 'process'], ['start', 'run']]);
    expect(task(dag, 'process').args).toEqual({ python_callable: { $type: 'callable', name: 'process', file: 'dags/test_dag.py', line: 13 }, provide_context: true });
    expect(task(dag, 'run').operator_module).toBe('airflow.operators.bash_operator');
    expect(dag.owner).toBe('ops');
  });

  it('reads an Airflow 2 file (with DAG as dag, keyword dag_id, 2.x paths)', () => {
    const dag = onlyDag(py`
      import pendulum
      from airflow.models.dag import DAG
      from airflow.operators.bash import BashOperator
      from airflow.operators.empty import EmptyOperator
      from airflow.sensors.external_task import ExternalTaskSensor

      with DAG(dag_id="v2", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule="0 6 * * 1-5", catchup=False, tags=["a", "b"], max_active_runs=2) as dag:
          wait = ExternalTaskSensor(task_id="wait", external_dag_id="other", external_task_id="done", poke_interval=30, mode="reschedule")
          work = BashOperator(task_id="work", bash_command="make")
          end = EmptyOperator(task_id="end")
          wait >> work >> end
    `);
    expect([dag.dag_id, dag.catchup, dag.tags, dag.max_active_runs]).toEqual(['v2', false, ['a', 'b'], 2]);
    expect(dag.schedule).toEqual({ type: 'cron', cron: '0 6 * * 1-5' });
    expect(taskList(dag)).toEqual(['wait: ExternalTaskSensor/external_task_sensor', 'work: BashOperator/bash', 'end: EmptyOperator/empty']);
    expect(task(dag, 'wait').sensor).toEqual({ poke_interval_seconds: 30, timeout_seconds: 604800, mode: 'reschedule', soft_fail: false, exponential_backoff: false });
    expect(edges(dag)).toEqual([['wait', 'work'], ['work', 'end']]);
  });

  it('runs deferrable sensors in reschedule mode and accepts deferrable on operators that take it', () => {
    const dag = onlyDag(py`
      from datetime import datetime, timedelta
      from airflow import DAG
      from airflow.operators.trigger_dagrun import TriggerDagRunOperator
      from airflow.sensors.filesystem import FileSensor
      from airflow.sensors.time_delta import TimeDeltaSensor

      with DAG(dag_id="deferred", start_date=datetime(2024, 1, 1), schedule=None, default_args={"deferrable": True}) as dag:
          FileSensor(task_id="file", filepath="/data/in.csv", deferrable=True, poke_interval=5)
          TimeDeltaSensor(task_id="delta", delta=timedelta(hours=1))
          TimeDeltaSensor(task_id="poked", delta=timedelta(hours=1), deferrable=False)
          TriggerDagRunOperator(task_id="trigger", trigger_dag_id="other", wait_for_completion=True, deferrable=True)
    `);
    expect(task(dag, 'file').sensor).toMatchObject({ mode: 'reschedule', poke_interval_seconds: 5 });
    expect(task(dag, 'delta').sensor).toMatchObject({ mode: 'reschedule' }); // from default_args
    expect(task(dag, 'poked').sensor).toMatchObject({ mode: 'poke' });
    expect(task(dag, 'trigger').args.deferrable).toBe(true);
  });

  it('maps positional DAG arguments (dag_id, description, schedule_interval)', () => {
    const dag = onlyDag(py`
      from datetime import datetime, timedelta
      from airflow import DAG
      from airflow.operators.empty import EmptyOperator
      dag = DAG("pos", "A description", timedelta(hours=6), start_date=datetime(2024, 1, 1))
      EmptyOperator(task_id="e", dag=dag)
    `);
    expect([dag.dag_id, dag.description, dag.schedule]).toEqual(['pos', 'A description', { type: 'timedelta', seconds: 21600 }]);
  });

  it('exposes DAG attributes (dag_id, default_args, params) to the file', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      with DAG("attrs", start_date=datetime(2024, 1, 1), schedule=None, default_args={"owner": "x"}, params={"p": 1}) as dag:
          BashOperator(task_id=f"{dag.dag_id}_task", bash_command=f"echo {dag.default_args['owner']} {dag.params['p']}")
    `);
    expect(task(dag, 'attrs_task').args.bash_command).toBe('echo x 1');
    expect(dag.params).toEqual({ p: 1 });
  });
});

describe('dag_display_name (Airflow 2.9+)', () => {
  it('keeps it in the model, and refuses a non-string', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.empty import EmptyOperator
      with DAG("shown", start_date=datetime(2024, 1, 1), schedule=None, dag_display_name="Shown — daily") as dag:
          EmptyOperator(task_id="e")
    `);
    expect(dag.dag_display_name).toBe('Shown — daily');
    expect(parse(py`
      from datetime import datetime
      from airflow import DAG
      with DAG("bad", start_date=datetime(2024, 1, 1), schedule=None, dag_display_name=3) as dag:
          pass
    `).diagnostics.map((d) => d.message)).toContain("DAG 'bad': dag_display_name must be a string (got int)");
  });
});

describe('BranchDayOfWeekOperator / BranchDateTimeOperator', () => {
  it('are branching tasks whose targets are their follow_task_ids, checked against the direct downstream tasks', () => {
    const source = (falseId: string) => py`
      from datetime import datetime, time
      from airflow import DAG
      from airflow.operators.datetime import BranchDateTimeOperator
      from airflow.operators.empty import EmptyOperator
      from airflow.operators.weekday import BranchDayOfWeekOperator
      from airflow.utils.weekday import WeekDay
      with DAG("days", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          d = BranchDayOfWeekOperator(task_id="d", week_day={WeekDay.SATURDAY, "Sunday"}, follow_task_ids_if_true=["a", "b"], follow_task_ids_if_false="${falseId}")
          t = BranchDateTimeOperator(task_id="t", target_lower=time(10), target_upper=None, follow_task_ids_if_true="a", follow_task_ids_if_false="c")
          d >> [EmptyOperator(task_id="a"), EmptyOperator(task_id="b"), EmptyOperator(task_id="c")]
          t >> [dag.get_task("a"), dag.get_task("c")]
    `;
    const dag = onlyDag(source('c'));
    expect(taskList(dag).slice(0, 2)).toEqual(['d: BranchDayOfWeekOperator/branch_day_of_week', 't: BranchDateTimeOperator/branch_datetime']);
    expect(task(dag, 'd').branch_targets).toEqual(['a', 'b', 'c']);
    expect(task(dag, 'd').args.week_day).toEqual([6, 'Sunday']);
    expect(task(dag, 't').branch_targets).toEqual(['a', 'c']);
    expect(validateDag(onlyDag(source('x'))).map((d) => d.message)).toContain("branch task 'd' can return 'x', which is not a task or task group of this DAG");
  });
});

describe('literal() (Airflow 2.8+)', () => {
  it('keeps literal() values tagged in templated fields (the renderer uses them as they are) and plain elsewhere', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      from airflow.operators.python import PythonOperator
      from airflow.template.templater import LiteralValue
      from airflow.utils.template import literal
      def f(**kwargs): pass
      with DAG("lit", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="b", bash_command=literal("echo {{ ds }}"), env={"A": LiteralValue("{{ x }}"), "B": "{{ ds }}"})
          PythonOperator(task_id="p", python_callable=f, op_kwargs={"k": literal(["{{ ds }}"])}, retries=literal(2))
    `);
    expect(task(dag, 'b').args).toEqual({ bash_command: { $type: 'literal', value: 'echo {{ ds }}' }, env: { A: { $type: 'literal', value: '{{ x }}' }, B: '{{ ds }}' } });
    expect(task(dag, 'p').args.op_kwargs).toEqual({ k: { $type: 'literal', value: ['{{ ds }}'] } });
    // Not a templated field: the operator gets the value itself.
    expect(task(dag, 'p').retries).toBe(2);
  });
});

describe('default_args', () => {
  it('merges DAG default_args into tasks; explicit arguments win', () => {
    const dag = onlyDag(py`
      from datetime import datetime, timedelta
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      from airflow.utils.trigger_rule import TriggerRule
      default_args = {
          "owner": "team",
          "retries": 3,
          "retry_delay": timedelta(seconds=90),
          "email": ["a@x.com"],
          "email_on_failure": False,
          "trigger_rule": TriggerRule.ALL_DONE,
          "env": {"A": "1"},
      }
      with DAG("defaults", start_date=datetime(2024, 1, 1), schedule=None, default_args=default_args) as dag:
          a = BashOperator(task_id="a", bash_command="x")
          b = BashOperator(task_id="b", bash_command="y", retries=0, owner="me", trigger_rule=TriggerRule.NONE_FAILED_OR_SKIPPED, env={"B": "2"})
          c = BashOperator(task_id="c", bash_command="z", trigger_rule=TriggerRule.DUMMY, default_args={"retries": 7})
    `);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => task(dag, id));
    expect([a!.retries, a!.retry_delay_seconds, a!.owner, a!.email, a!.email_on_failure, a!.trigger_rule, a!.args.env]).toEqual([3, 90, 'team', ['a@x.com'], false, 'all_done', { A: '1' }]);
    expect([b!.retries, b!.owner, b!.trigger_rule, b!.args.env]).toEqual([0, 'me', 'none_failed_min_one_success', { B: '2' }]);
    expect([c!.retries, c!.trigger_rule]).toEqual([7, 'always']);
    expect(dag.default_args.retry_delay).toEqual({ $type: 'timedelta', seconds: 90 });
    expect(dag.owner).toBe('team, me');
  });

  it('copies default_args when the DAG is created (later edits of the dict do not apply)', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      args = {"retries": 1}
      dag = DAG("copy", default_args=args, start_date=datetime(2024, 1, 1), schedule=None)
      args["retries"] = 5
      dag.default_args["owner"] = "later"
      BashOperator(task_id="t", bash_command="x", dag=dag)
    `);
    expect([task(dag, 't').retries, task(dag, 't').owner]).toEqual([1, 'later']);
  });
});

describe('dependencies', () => {
  const header = py`
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator
    from airflow.models.baseoperator import chain, cross_downstream, chain_linear
    from airflow.utils.edgemodifier import Label
  `;
  const dagOf = (body: string) =>
    onlyDag(`${header}\nwith DAG("deps", start_date=datetime(2024, 1, 1), schedule=None) as dag:\n    t = {n: EmptyOperator(task_id=n) for n in "abcdefgh"}\n    a, b, c, d, e, f, g, h = t.values()\n${body.split('\n').map((l) => '    ' + l).join('\n')}\n`);

  it('>> and << with chains and lists on either side', () => {
    expect(edges(dagOf('a >> b >> [c, d]\n[c, d] >> e\nf << g << h\n[a, b] << h'))).toEqual([
      ['a', 'b'], ['b', 'c'], ['b', 'd'], ['c', 'e'], ['d', 'e'], ['g', 'f'], ['h', 'a'], ['h', 'b'], ['h', 'g'],
    ]);
  });

  it('set_upstream / set_downstream with a task or a list', () => {
    expect(edges(dagOf('a.set_downstream([b, c])\nd.set_upstream(c)\ne.set_upstream([a, d])\nf.set_downstream(g)'))).toEqual([
      ['a', 'b'], ['a', 'c'], ['a', 'e'], ['c', 'd'], ['d', 'e'], ['f', 'g'],
    ]);
  });

  it('chain, including the pairwise list form, and cross_downstream', () => {
    expect(edges(dagOf('chain(a, [b, c], [d, e], f)'))).toEqual([['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'e'], ['d', 'f'], ['e', 'f']]);
    expect(edges(dagOf('chain(*[a, b, c])\ncross_downstream([d, e], [f, g])'))).toEqual([
      ['a', 'b'], ['b', 'c'], ['d', 'f'], ['d', 'g'], ['e', 'f'], ['e', 'g'],
    ]);
    expect(edges(dagOf('chain_linear(a, [b, c], [d, e])'))).toEqual([['a', 'b'], ['a', 'c'], ['b', 'd'], ['b', 'e'], ['c', 'd'], ['c', 'e']]);
  });

  it('Label between tasks connects its two sides and names the edges', () => {
    const dag = dagOf('a >> Label("yes") >> b\n[c, d] >> Label("x") >> [e, f]\nchain(g, Label("z"), h)');
    expect(edges(dag)).toEqual([
      ['a', 'b'], ['c', 'e'], ['c', 'f'], ['d', 'e'], ['d', 'f'], ['g', 'h'],
    ]);
    expect(dag.edge_labels).toEqual([
      { upstream_task_id: 'a', downstream_task_id: 'b', label: 'yes' },
      { upstream_task_id: 'c', downstream_task_id: 'e', label: 'x' },
      { upstream_task_id: 'c', downstream_task_id: 'f', label: 'x' },
      { upstream_task_id: 'd', downstream_task_id: 'e', label: 'x' },
      { upstream_task_id: 'd', downstream_task_id: 'f', label: 'x' },
      { upstream_task_id: 'g', downstream_task_id: 'h', label: 'z' },
    ]);
    expect(dagOf('a >> b').edge_labels).toBeUndefined();
  });

  it('deduplicates repeated edges and keeps both directions consistent', () => {
    const dag = dagOf('a >> b\na >> b\nb << a\na.set_downstream(b)');
    expect(edges(dag)).toEqual([['a', 'b']]);
    expect(task(dag, 'b').upstream_task_ids).toEqual(['a']);
    expect(task(dag, 'a').downstream_task_ids).toEqual(['b']);
  });

  it('sorts upstream and downstream ids', () => {
    const dag = dagOf('[h, c, a] >> d >> [g, b, f]');
    expect(task(dag, 'd').upstream_task_ids).toEqual(['a', 'c', 'h']);
    expect(task(dag, 'd').downstream_task_ids).toEqual(['b', 'f', 'g']);
  });

  it('rejects list >> list and dependencies across DAGs', () => {
    const r = parse(header + py`
      d1 = DAG("d1", start_date=datetime(2024, 1, 1), schedule=None)
      d2 = DAG("d2", start_date=datetime(2024, 1, 1), schedule=None)
      x = EmptyOperator(task_id="x", dag=d1)
      y = EmptyOperator(task_id="y", dag=d2)
      [x] >> [y]
      x >> y
    `);
    expect(r.diagnostics.map((d) => `${d.line} ${d.code} ${d.message}`)).toEqual([
      "10 SKYDAG-P005 unsupported operand type(s) for >>: 'list' and 'list'",
      "11 SKYDAG-P005 cannot set a dependency between tasks of different DAGs: 'x' (DAG 'd1') and 'y' (DAG 'd2')",
    ]);
  });
});

describe('loops and factories', () => {
  it('creates tasks in loops over lists, dicts, enumerate and zip', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      tables = {"orders": "o", "users": "u"}
      with DAG("loops", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          start = BashOperator(task_id="start", bash_command="s")
          for i, (name, short) in enumerate(tables.items()):
              extract = BashOperator(task_id=f"extract_{name}", bash_command=f"dump {short} --part {i:02d}")
              load = BashOperator(task_id="load_%s" % name, bash_command="load {}".format(name))
              start >> extract >> load
          for a, b in zip(["x", "y"], ["p", "q"]):
              BashOperator(task_id=a + b, bash_command="true")
    `);
    expect(dag.tasks.map((t) => t.task_id)).toEqual(['start', 'extract_orders', 'load_orders', 'extract_users', 'load_users', 'xp', 'yq']);
    expect(task(dag, 'extract_users').args.bash_command).toBe('dump u --part 01');
    expect(edges(dag)).toEqual([
      ['extract_orders', 'load_orders'], ['extract_users', 'load_users'], ['start', 'extract_orders'], ['start', 'extract_users'],
    ]);
  });

  it('supports task factories returning (first, last) and DAG factories registered with globals()', () => {
    const dags = parseOk(py`
      import os
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      from airflow.utils.dates import days_ago

      def make_chain(dag, dataset):
          fetch = BashOperator(task_id=f"fetch_{dataset}", bash_command=os.path.join("/data", dataset, "{{ ds_nodash }}.json"), dag=dag)
          clean = BashOperator(task_id=f"clean_{dataset}", bash_command="clean", dag=dag)
          fetch >> clean
          return fetch, clean

      def make_dag(dataset):
          dag = DAG(f"02_dag_factory_{dataset}", start_date=days_ago(5), schedule_interval="@daily")
          first, last = make_chain(dag, dataset)
          done = BashOperator(task_id="done", bash_command="x", dag=dag)
          last >> done
          return dag

      for dataset in ["sales", "customers"]:
          globals()[f"02_dag_factory_{dataset}"] = make_dag(dataset)

      unregistered = None
      def not_stored():
          return DAG("never_registered", start_date=days_ago(1))
      not_stored()
    `);
    expect(Object.keys(dags)).toEqual(['02_dag_factory_sales', '02_dag_factory_customers']);
    const sales = dags['02_dag_factory_sales']!;
    expect(edges(sales)).toEqual([['clean_sales', 'done'], ['fetch_sales', 'clean_sales']]);
    expect(task(sales, 'fetch_sales').args.bash_command).toBe('/data/sales/{{ ds_nodash }}.json');
  });

  it('registers several DAGs of one file in creation order, the last binding of a name wins', () => {
    const dags = parseOk(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.empty import EmptyOperator
      dag = DAG("first", start_date=datetime(2024, 1, 1), schedule=None)
      EmptyOperator(task_id="x", dag=dag)
      dag = DAG("replaced", start_date=datetime(2024, 1, 1), schedule=None)
      with DAG("ctx_one", start_date=datetime(2024, 1, 1), schedule=None):
          EmptyOperator(task_id="y")
      other = DAG("second", start_date=datetime(2024, 1, 1), schedule=None)
    `);
    expect(Object.keys(dags)).toEqual(['replaced', 'ctx_one', 'second']);
  });
});

describe('XComArgs and callables', () => {
  it('turns op.output into an xcom_arg reference with an implicit upstream edge', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      from airflow.operators.python import PythonOperator
      import helpers.transforms as tr
      from helpers import callbacks
      with DAG("xc", start_date=datetime(2024, 1, 1), schedule=None, on_failure_callback=callbacks.alert) as dag:
          produce = BashOperator(task_id="produce", bash_command="echo 1")
          consume = PythonOperator(task_id="consume", python_callable=tr.run, op_args=[produce.output, produce.output["k"]], on_success_callback=lambda ctx: None)
    `);
    expect(edges(dag)).toEqual([['produce', 'consume']]);
    const consume = task(dag, 'consume');
    expect(consume.args).toEqual({
      python_callable: { $type: 'callable', name: 'run', module: 'helpers.transforms', file: 'dags/test_dag.py', line: 9 },
      op_args: [{ $type: 'xcom_arg', task_id: 'produce', key: 'return_value' }, { $type: 'xcom_arg', task_id: 'produce', key: 'k' }],
    });
    expect(consume.callbacks.on_success_callback).toEqual({ $type: 'callable', name: '<lambda>', file: 'dags/test_dag.py', line: 9 });
    expect(dag.callbacks.on_failure_callback).toEqual({ $type: 'callable', name: 'alert', module: 'helpers.callbacks', file: 'dags/test_dag.py', line: 7 });
  });

  it('collects branch targets of a branch callable defined in the file', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.python import BranchPythonOperator
      from airflow.operators.empty import EmptyOperator
      NEW = "fetch_new"
      def pick(**context):
          if context["execution_date"] < datetime(2019, 1, 1):
              return "fetch_old"
          elif context.get("x"):
              return [NEW, "fetch_other"]
          return NEW
      def unknown(**context):
          return f"fetch_{context['ds']}"
      with DAG("br", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          b = BranchPythonOperator(task_id="pick", python_callable=pick)
          u = BranchPythonOperator(task_id="unknown", python_callable=unknown)
          b >> [EmptyOperator(task_id=n) for n in ["fetch_old", "fetch_new", "fetch_other"]]
    `);
    expect(task(dag, 'pick').branch_targets).toEqual(['fetch_old', 'fetch_new', 'fetch_other']);
    expect(task(dag, 'unknown').branch_targets).toBeUndefined();
    expect(task(dag, 'fetch_old').branch_targets).toBeUndefined();
  });
});

describe('locations and determinism', () => {
  const source = py`
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.bash import BashOperator
    with DAG("loc", start_date=datetime(2024, 1, 1), schedule=None) as dag:
        a = BashOperator(task_id="a", bash_command="x")
        for i in range(2):
            b = BashOperator(
                task_id=f"b{i}",
                bash_command="y",
            )
  `;

  it('locates tasks at their operator call and the DAG at its constructor', () => {
    const dag = onlyDag(source);
    expect(dag.source).toEqual({ file: 'dags/test_dag.py', line: 4, col: 6 });
    expect(dag.tasks.map((t) => [t.task_id, t.source.line, t.source.col])).toEqual([['a', 5, 9], ['b0', 7, 13], ['b1', 7, 13]]);
  });

  it('gives byte-identical output for the same input', () => {
    expect(JSON.stringify(parse(source))).toBe(JSON.stringify(parse(source)));
  });
});

describe('values from Airflow modules', () => {
  it("reads sys.executable as the tasks' interpreter (SKYDAG_PYTHON, else python3)", () => {
    expect(repr('sys.executable', 'import sys')).toBe(`'${process.env.SKYDAG_PYTHON || 'python3'}'`);
  });

  it('knows WeekDay, WeightRule and is_venv_installed()', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      from airflow.operators.python import is_venv_installed
      from airflow.sensors.weekday import DayOfWeekSensor
      from airflow.utils.weekday import WeekDay
      from airflow.utils.weight_rule import WeightRule

      with DAG(dag_id="enums", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          DayOfWeekSensor(task_id="weekend", week_day={WeekDay.SATURDAY, WeekDay.SUNDAY})
          BashOperator(task_id="b", bash_command="true", weight_rule=WeightRule.ABSOLUTE)
          if is_venv_installed():
              BashOperator(task_id="venv", bash_command="true")
          else:
              BashOperator(task_id="no_venv", bash_command="true")
    `);
    expect(task(dag, 'weekend').args.week_day).toEqual([6, 7]);
    expect(task(dag, 'b').weight_rule).toBe('absolute');
    expect(dag.tasks.map((t) => t.task_id)).toEqual(['weekend', 'b', 'venv']);
  });

  it("runs `if TYPE_CHECKING:` as Python does (False), knows pendulum.time, the standard provider's operators and priority_weight_strategy (Airflow 2.9+)", () => {
    const dag = onlyDag(py`
      from __future__ import annotations
      import typing
      from typing import TYPE_CHECKING
      import pendulum
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      from airflow.providers.standard.time.operators.datetime import BranchDateTimeOperator
      from airflow.providers.standard.core.operators.python import PythonOperator
      from common.strategies import Decreasing

      if TYPE_CHECKING or typing.TYPE_CHECKING:
          from airflow.models import TaskInstance

      with DAG(dag_id="modern", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None) as dag:
          BranchDateTimeOperator(task_id="window", follow_task_ids_if_true=["a"], follow_task_ids_if_false=["b"], target_upper=pendulum.time(0, 0, 0), target_lower=pendulum.time(15, 0, 0)) >> [
              BashOperator(task_id="a", bash_command="true", priority_weight_strategy="absolute"),
              PythonOperator(task_id="b", python_callable=print, priority_weight_strategy=Decreasing()),
          ]
    `);
    expect(task(dag, 'window').args).toMatchObject({ target_upper: '00:00:00', target_lower: '15:00:00' });
    expect(task(dag, 'b').operator_kind).toBe('python');
    expect(task(dag, 'window').operator_kind).toBe('branch_datetime');
    expect(task(dag, 'a').weight_rule).toBe('absolute');
    expect(task(dag, 'b').weight_rule).toBe('downstream');
  });
});

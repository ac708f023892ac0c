/** Broken files: every problem reported once, in one pass, with line:col; no cascades. */
import { diags, edges, onlyDag, parse, parseOk, py, task, taskList } from './helpers.js';

const HEAD = py`
  from datetime import datetime
  from airflow import DAG
  from airflow.operators.bash import BashOperator
`;

describe('syntax errors', () => {
  it('reports the syntax error with its position and registers nothing', () => {
    const r = parse(HEAD + py`
      with DAG("s", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          hello = BashOperator(task_id="hello", bash_command="echo hello" retries=2)
    `);
    expect(r.dags).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`)).toEqual(["5:69 SKYDAG-P001 syntax error: unexpected 'retries'"]);
    expect(r.diagnostics[0]!.hint).toContain('missing comma');
  });

  it('rejects Python 2 syntax', () => {
    expect(diags('print "hello"\ntry:\n    pass\nexcept ValueError, e:\n    pass\n')).toEqual([
      "1:1 SKYDAG-P001 syntax error: missing parentheses in call to 'print'",
      '4:18 SKYDAG-P001 syntax error: Python 2 except clause',
    ]);
  });
});

describe('evaluation errors', () => {
  it('reports an unknown value once: a function whose loop or branch depends on it gives an unknown result, not a second error', () => {
    const r = parse(py`
      import json
      from datetime import datetime
      from airflow import DAG
      from airflow.models import Variable
      from airflow.operators.empty import EmptyOperator

      def chunks(items, n):
          for i in range(0, len(items), n):
              yield items[i : i + n]

      def pick(x):
          if x:
              return [1]
          return [2]

      names = json.loads(Variable.get("names"))
      groups = list(chunks(names, 5)) + pick(Variable.get("flag"))
      with DAG("d", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          for i, group in enumerate(groups):
              EmptyOperator(task_id=f"group_{i}")
    `);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line} ${d.message.replace(/ \(line \d+\)$/, '')}`)).toEqual([
      '8 the for loop iterable must be known when the DAG file is read, but it depends on Variable.get("names")',
      '12 the if condition must be known when the DAG file is read, but it depends on Variable.get("flag")',
    ]);
  });

  it('reports an undefined name with a suggestion, and does not cascade', () => {
    expect(diags(HEAD + py`
      commands = ["a"]
      with DAG("u", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          t = BashOperator(task_id="t", bash_command=comands[0])
          t >> BashOperator(task_id="next", bash_command="x")
          u = t
    `)).toEqual(["6:48 SKYDAG-P003 name 'comands' is not defined (did you mean 'commands'?)"]);
  });

  it('reports Variable.get and imported values where a static value is needed', () => {
    const r = parse(HEAD + py`
      import os
      from airflow.models import Variable
      from config import settings
      cmd = Variable.get("command")
      tables = Variable.get("tables", deserialize_json=True)
      Variable.set("touched", "yes")
      print(cmd)
      with DAG("v", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          a = BashOperator(task_id="a", bash_command=f"run {cmd}")
          b = BashOperator(task_id=os.environ.get("TASK", "b"), bash_command="x")
          for t in tables:
              BashOperator(task_id=t, bash_command="x")
          if settings.ENABLED:
              c = BashOperator(task_id="c", bash_command="x")
          a >> c
    `);
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`)).toEqual([
      '12:48 SKYDAG-P004 BashOperator \'a\': argument \'bash_command\' must be known when the DAG file is read, but it depends on Variable.get("command") (line 7)',
      '14:14 SKYDAG-P004 the for loop iterable must be known when the DAG file is read, but it depends on Variable.get("tables") (line 8)',
      '16:8 SKYDAG-P004 the if condition must be known when the DAG file is read, but it depends on config.settings.ENABLED (line 16)',
    ]);
    expect(r.diagnostics[0]!.hint).toBe("read variables inside tasks, e.g. '{{ var.value.name }}' in a templated field");
    expect(r.diagnostics.map((d) => d.severity)).toEqual(['error', 'error', 'error']);
  });

  it('reports a variable missing from the parse environment as the KeyError Airflow reports', () => {
    const r = parse(HEAD + py`
      import os
      with DAG("v", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          a = BashOperator(task_id=os.environ["TASK"], bash_command="x")
    `);
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.severity} ${d.message}`)).toEqual([
      "6:30 SKYDAG-P005 error KeyError: 'TASK' (os.environ has no variable TASK while skydag reads DAG files)",
    ]);
    expect(r.diagnostics[0]!.hint).toContain('SKYDAG_PARSE_ENV');
  });

  it('does not follow a dynamic DAG argument with "missing" errors', () => {
    expect(diags(HEAD + py`
      from airflow.models import Variable
      with DAG("d", start_date=Variable.get("start"), schedule=Variable.get("cron"), default_args={"retries": Variable.get("n")}) as dag:
          BashOperator(task_id="t", bash_command="x")
    `).map((d) => d.replace(/ must be known.*/, ''))).toEqual([
      "5:26 SKYDAG-P004 DAG 'd': argument 'start_date'",
      "5:58 SKYDAG-P004 DAG 'd': argument 'schedule'",
      "5:93 SKYDAG-P004 default_args['retries']",
    ]);
  });

  it('refuses to pass DAGs or tasks to code it cannot see', () => {
    expect(diags(HEAD + py`
      from common.factories import add_tasks
      with DAG("ext", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          add_tasks(dag)
    `)).toEqual(['6:5 SKYDAG-P004 common.factories.add_tasks(...) receives a DAG, but skydag does not run imported code: tasks or dependencies it creates would be missing']);
  });

  it('reports a missing task_id and a duplicate task id (naming the first); a task without DAG is only a warning (Airflow leaves it out)', () => {
    expect(diags(HEAD + py`
      dag = DAG("d", start_date=datetime(2024, 1, 1), schedule=None)
      a = BashOperator(task_id="a", bash_command="x", dag=dag)
      b = BashOperator(
          task_id="a", bash_command="y", dag=dag)
      c = BashOperator(bash_command="z", dag=dag)
      orphan = BashOperator(task_id="orphan", bash_command="x")
      for i in range(3):
          BashOperator(task_id="same", bash_command="x", dag=dag)
    `)).toEqual([
      "6:5 SKYDAG-V002 task id 'a' already defined at line 5:5",
      "8:5 SKYDAG-V004 BashOperator: Argument ['task_id'] is required",
      "11:5 SKYDAG-V002 task id 'same' is created more than once by this line (it runs repeatedly, e.g. in a loop)",
    ]);
    expect(diags(HEAD + py`
      orphan = BashOperator(task_id="orphan", bash_command="x")
    `, 'warning')).toEqual(['1:1 SKYDAG-V014 no DAG found in file', "4:10 SKYDAG-V013 task 'orphan' is not attached to any DAG: Airflow leaves it out of every DAG"]);
  });

  it("adds a task made without a DAG to the DAG of the task a dependency joins it to, as Airflow's _set_relatives", () => {
    const dags = parseOk(HEAD + py`
      from airflow.utils.task_group import TaskGroup
      dbt_run = BashOperator(task_id="dbt_run", bash_command="dbt run", retries=2)
      dbt_test = BashOperator(task_id="dbt_test", bash_command="dbt test")
      late = BashOperator(task_id="late", bash_command="x")
      with DAG("dbt", start_date=datetime(2024, 1, 1), schedule=None, default_args={"retries": 5, "owner": "data"}):
          check = BashOperator(task_id="check", bash_command="echo check")
          check >> dbt_run >> dbt_test
          with TaskGroup("g"):
              inner = BashOperator(task_id="inner", bash_command="x")
              late << inner
    `);
    const dag = dags.dbt!;
    expect(dag.tasks.map((t) => [t.task_id, t.upstream_task_ids, t.retries, t.owner])).toEqual([
      ['check', [], 5, 'data'],
      // Made before the DAG: none of its default_args (Airflow applies them when a task is made); in the DAG from the dependency on.
      ['dbt_run', ['check'], 2, 'airflow'],
      ['dbt_test', ['dbt_run'], 0, 'airflow'],
      ['g.inner', [], 5, 'data'],
      // Joined inside a group of the DAG: added to that group, its id prefixed.
      ['g.late', ['g.inner'], 0, 'airflow'],
    ]);
  });

  it("refuses a dependency between two tasks without a DAG, as Airflow's AirflowException", () => {
    expect(diags(HEAD + py`
      a = BashOperator(task_id="a", bash_command="x")
      b = BashOperator(task_id="b", bash_command="x")
      a >> b
    `)).toEqual(["6:3 SKYDAG-P005 AirflowException: Tried to create relationships between tasks that don't have DAGs yet ('a', 'b'). Set the DAG for at least one task and try again"]);
  });

  it('reports required operator arguments (via the model builder) and unknown ones', () => {
    expect(diags(HEAD + py`
      with DAG("args", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="no_command")
          BashOperator(task_id="typo", bash_comand="x")
    `)).toEqual([
      "5:5 SKYDAG-V004 BashOperator 'no_command': Argument ['bash_command'] is required",
      "6:5 SKYDAG-V004 BashOperator 'typo': Argument ['bash_command'] is required",
      "6:5 SKYDAG-V010 BashOperator 'typo': unknown argument 'bash_comand' (did you mean 'bash_command'?)",
    ]);
  });

  it('rejects while loops and other unsupported constructs with a hint', () => {
    const r = parse(HEAD + py`
      i = 0
      while i < 3:
          i += 1
      match i:
          case 0:
              pass
      x = [y async for y in z] if False else 1
    `);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`)).toEqual([
      '5:1 SKYDAG-P002 while loops are not supported',
      '7:1 SKYDAG-P002 match statement is not supported',
    ]);
    expect(r.diagnostics[0]!.hint).toContain('for');
  });

  it('reports a module-level raise and a failed assert', () => {
    expect(diags(HEAD + py`
      from airflow.exceptions import AirflowException
      ENV = "dev"
      if ENV not in ("dev", "prod"):
          raise ValueError("bad env")
      if ENV == "dev":
          raise AirflowException("not in dev")
      assert ENV == "prod", "only prod"
    `)).toEqual(['9:5 SKYDAG-P005 the DAG file raises AirflowException: not in dev while it is read', '10:1 SKYDAG-P005 assertion failed: only prod']);
  });

  it('reports duplicate DAG ids and keeps the first DAG', () => {
    const r = parse(HEAD + py`
      a = DAG("same", start_date=datetime(2024, 1, 1), schedule=None)
      b = DAG("same", start_date=datetime(2024, 1, 1), schedule=None)
    `);
    expect(r.dags.map((d) => d.source.line)).toEqual([4]);
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`)).toEqual(["5:5 SKYDAG-V012 DAG id 'same' is already used by the DAG defined at line 4:5"]);
  });

  it('warns when a file defines no DAG', () => {
    const r = parse('import os\nVALUE = os.path.join("a", "b")\n');
    expect(r.dags).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.severity} ${d.code} ${d.message}`)).toEqual(['1:1 warning SKYDAG-V014 no DAG found in file']);
  });

  it('reports every problem of a file in one pass', () => {
    const r = parse(HEAD + py`
      from airflow.operators.bash import BashOperatr
      from airflow.models import Variable
      with DAG("many", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          a = BashOperator(task_id="a", bash_command=Variable.get("x"))
          b = BashOperatr(task_id="b", bash_command="y")
          c = BashOperator(task_id="c", bash_command=undefined_thing)
          d = BashOperator(task_id="d", bash_command="ok")
          a >> b >> c >> d
          e = BashOperator(task_id="d", bash_command="dup")
          while True:
              pass
    `);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line} ${d.code}`)).toEqual([
      '4 SKYDAG-V008', '7 SKYDAG-P004', '8 SKYDAG-V008', '9 SKYDAG-P003', '12 SKYDAG-V002', '13 SKYDAG-P002',
    ]);
    // The tasks that could be built are there (a failed statement creates nothing, as in Python).
    expect(r.dags[0]!.tasks.map((t) => t.task_id)).toEqual(['a', 'd']);
  });
});

describe('operators outside the registry', () => {
  it('compiles provider operators as unsupported with one warning per class', () => {
    const r = parse(HEAD + py`
      from airflow.providers.mysql.operators.mysql import MySqlOperator
      from airflow.providers.amazon.aws.operators.athena import AthenaOperator
      with DAG("prov", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          p1 = MySqlOperator(task_id="p1", sql="select 1", mysql_conn_id="my")
          p2 = MySqlOperator(task_id="p2", sql="select 2")
          q = AthenaOperator(task_id="q", query="select", output_location=f"s3://b/{{ds}}")
          p1 >> p2 >> q
    `);
    expect(r.diagnostics.map((d) => `${d.line} ${d.severity} ${d.code}`)).toEqual(['7 warning SKYDAG-W002', '9 warning SKYDAG-W002']);
    const dag = r.dags[0]!;
    expect(taskList(dag)).toEqual(['p1: MySqlOperator/unsupported', 'p2: MySqlOperator/unsupported', 'q: AthenaOperator/unsupported']);
    expect(task(dag, 'q').args).toEqual({ query: 'select', output_location: 's3://b/{ds}' });
    expect(edges(dag)).toEqual([['p1', 'p2'], ['p2', 'q']]);
  });

  it('compiles the SQL operators skydag runs (SQLExecuteQueryOperator, SqliteOperator, PostgresOperator) as kind sql', () => {
    const dag = onlyDag(HEAD + py`
      from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
      from airflow.providers.postgres.operators.postgres import PostgresOperator
      from airflow.providers.sqlite.operators.sqlite import SqliteOperator
      with DAG("sql", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          SQLExecuteQueryOperator(task_id="q", conn_id="db", sql="query.sql", split_statements=True)
          PostgresOperator(task_id="p", postgres_conn_id="pg", sql="select 1")
          SqliteOperator(task_id="s", sqlite_conn_id="lite", sql=["select 1", "select 2"])
    `);
    expect(taskList(dag)).toEqual(['q: SQLExecuteQueryOperator/sql', 'p: PostgresOperator/sql', 's: SqliteOperator/sql']);
    expect(task(dag, 'q').args).toEqual({ conn_id: 'db', sql: 'query.sql', split_statements: true });
  });

  it('treats imported and in-file subclasses of operators as custom operators', () => {
    const dag = onlyDag(HEAD + py`
      from airflow.models import BaseOperator
      from airflow.sensors.base import BaseSensorOperator
      from custom.operators import MovielensFetchRatingsOperator
      from custom.sensors import MovielensRatingsSensor

      class Shout(BaseOperator):
          template_fields = ("text",)
          def __init__(self, text, **kwargs):
              super().__init__(**kwargs)
              self.text = text

      class Loud(Shout):
          pass

      class WaitFor(BaseSensorOperator):
          def poke(self, context):
              return True

      with DAG("custom", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          wait = MovielensRatingsSensor(task_id="wait", conn_id="movielens", poke_interval=120)
          fetch = MovielensFetchRatingsOperator(task_id="fetch", conn_id="movielens", start_date="{{ds}}", output_path="/data/{{ds}}.json")
          shout = Shout(task_id="shout", text="hi")
          loud = Loud(task_id="loud", text="HI")
          w = WaitFor(task_id="w", timeout=60)
          wait >> fetch >> shout >> loud >> w
    `);
    expect(taskList(dag)).toEqual(['wait: MovielensRatingsSensor/custom', 'fetch: MovielensFetchRatingsOperator/custom', 'shout: Shout/custom', 'loud: Loud/custom', 'w: WaitFor/custom']);
    expect(task(dag, 'wait').sensor?.poke_interval_seconds).toBe(120);
    expect(task(dag, 'w').sensor?.timeout_seconds).toBe(60);
    expect(task(dag, 'shout').sensor).toBeNull();
    expect(task(dag, 'fetch').operator_module).toBe('custom.operators');
    expect(task(dag, 'fetch').args).toEqual({ conn_id: 'movielens', output_path: '/data/{{ds}}.json' });
  });

  it('accepts values only the running file has as custom operators\' arguments (the Python runner builds them from the file)', () => {
    const source = HEAD + py`
      import collections
      from airflow.models import BaseOperator
      from airflow.triggers.testing import FailureTrigger

      Pair = collections.namedtuple("Pair", ["left", "right"])

      class Holder:
          template_fields = ("path",)
          def __init__(self, path):
              self.path = path

      class Shout(BaseOperator):
          template_fields = ("holder", "pair")
          def __init__(self, holder, pair, trigger_class=None, **kwargs):
              super().__init__(**kwargs)
              self.holder = holder
              self.pair = pair
              self.trigger_class = trigger_class

      with DAG("objects", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          Shout(task_id="shout", holder=Holder("/data/{{ ds }}"), pair=Pair("{{ ds }}", 1), trigger_class=FailureTrigger)
    `;
    const dag = onlyDag(source);
    expect(taskList(dag)).toEqual(['shout: Shout/custom']);
    // A class (or any name) from a module the reader does not model is shown as its path.
    expect(task(dag, 'shout').args).toMatchObject({ trigger_class: '<airflow.triggers.testing.FailureTrigger>' });
    expect(Object.keys(task(dag, 'shout').args)).toEqual(['holder', 'pair', 'trigger_class']);
    // skydag's own operators still need static values: it runs them without the file.
    const builtin = parse(source.replace('Shout(task_id="shout", holder=', 'BashOperator(task_id="b", bash_command=').replace(', pair=Pair("{{ ds }}", 1), trigger_class=FailureTrigger)', ')'));
    expect(builtin.diagnostics.map((d) => [d.code, d.message])).toEqual([['SKYDAG-P005', "BashOperator 'b': argument 'bash_command': a Holder object cannot be used as an argument value"]]);
  });

  it('does not run the __main__ block', () => {
    const dag = onlyDag(HEAD + py`
      dag = DAG("main", start_date=datetime(2024, 1, 1), schedule=None)
      BashOperator(task_id="t", bash_command="x", dag=dag)
      if __name__ == "__main__":
          dag.test()
          BashOperator(task_id="never", bash_command="x", dag=dag)
    `);
    expect(dag.tasks.map((t) => t.task_id)).toEqual(['t']);
  });
});

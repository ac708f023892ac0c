/**
 * Patterns of public Airflow DAG repositories the reader once refused (a corpus of ~480 files run
 * through `dags list`): each reads as Airflow's import gives it.
 */
import type { Dag } from '../../../model/schema.js';
import { parse, parseOk, py } from './helpers.js';

const HEAD = py`
  from datetime import datetime
  from airflow import DAG
  from airflow.operators.bash import BashOperator
`;

describe('time zones as the libraries make them', () => {
  it('pendulum.tz.timezone.Timezone, pendulum.Timezone, zoneinfo.ZoneInfo, dateutil.tz.gettz / tzutc', () => {
    const dags = parseOk(HEAD + py`
      import pendulum
      from pendulum.tz.timezone import Timezone
      from zoneinfo import ZoneInfo
      from dateutil import tz
      from dateutil.tz import gettz, tzutc
      for dag_id, zone in [("a", Timezone("Asia/Seoul")), ("b", pendulum.Timezone("Europe/Paris")), ("c", ZoneInfo("America/New_York")),
                           ("d", tz.gettz("Europe/Berlin")), ("e", tzutc()), ("f", pendulum.tz.timezone("Asia/Tokyo"))]:
          with DAG(dag_id, start_date=datetime(2022, 1, 20, tzinfo=zone), schedule="@daily", tags=[str(gettz("No/Such_Zone"))]) as d:
              BashOperator(task_id="t", bash_command="true")
          globals()[dag_id] = d
    `);
    expect(Object.values(dags).map((d) => [d.dag_id, d.timezone, d.start_date])).toEqual([
      ['a', 'Asia/Seoul', '2022-01-20T00:00:00+09:00'],
      ['b', 'Europe/Paris', '2022-01-20T00:00:00+01:00'],
      ['c', 'America/New_York', '2022-01-20T00:00:00-05:00'],
      ['d', 'Europe/Berlin', '2022-01-20T00:00:00+01:00'],
      ['e', 'UTC', '2022-01-20T00:00:00+00:00'],
      ['f', 'Asia/Tokyo', '2022-01-20T00:00:00+09:00'],
    ]);
    // gettz of a name it does not know is None, as dateutil answers.
    expect(dags.a!.tags).toEqual(['None']);
  });

  it('refuses a zone name none of them knows, as they raise', () => {
    const r = parse(HEAD + py`
      from zoneinfo import ZoneInfo
      with DAG("z", start_date=datetime(2022, 1, 20, tzinfo=ZoneInfo("Mars/Olympus")), schedule=None):
          BashOperator(task_id="t", bash_command="true")
    `);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([expect.stringContaining("unknown time zone 'Mars/Olympus'")]);
  });
});

describe('pathlib paths', () => {
  it('a str on the left of / is joined as Path.__rtruediv__ joins it', () => {
    const dags = parseOk(HEAD + py`
      import os
      from pathlib import Path
      CONFIG_FOLDER = Path(os.environ.get("AIRFLOW_HOME", "/opt/airflow/") / Path("dags-data/configs"))
      with DAG("p", start_date=datetime(2024, 1, 1), schedule=None):
          BashOperator(task_id="t", bash_command=f"ls {CONFIG_FOLDER} {'rel' / Path('x')} {'ignored' / Path('/abs')}")
    `);
    expect(dags.p!.tasks[0]!.args?.bash_command).toBe('ls /opt/airflow/dags-data/configs rel/x /abs');
  });

  it('a Path constant of a local module is handed over as data (also through a second module)', () => {
    const modules = {
      settings: { file: 'settings.py', source: 'from pathlib import Path\nOUTPUT_BASE = Path("/opt/airflow/target")\n' },
      file_utils: { file: 'file_utils.py', source: 'from settings import OUTPUT_BASE\nLANDING_DIR = str(OUTPUT_BASE / "landing")\nARCHIVE = OUTPUT_BASE / "archive"\n' },
    };
    const r = parse(HEAD + py`
      from settings import OUTPUT_BASE
      from file_utils import LANDING_DIR, ARCHIVE
      with DAG("m", start_date=datetime(2024, 1, 1), schedule=None):
          BashOperator(task_id="t", bash_command=f"rm -rf {OUTPUT_BASE}/tmp {LANDING_DIR} {ARCHIVE / 'old'}")
    `, undefined, undefined, modules);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.dags[0]!.tasks[0]!.args?.bash_command).toBe('rm -rf /opt/airflow/target/tmp /opt/airflow/target/landing /opt/airflow/target/archive/old');
  });
});

describe('TaskFlow functions of a local module', () => {
  it('an imported @task / @task_group adds its task or group to the DAG of the file calling it, with its dependencies', () => {
    const modules = {
      helpers: {
        file: 'helpers.py',
        source: py`
          from airflow.decorators import task, task_group

          @task(task_id="fetch_ids", multiple_outputs=True)
          def fetch_ids(names):
              return {n: i for i, n in enumerate(names)}

          @task_group(group_id="fetch_group")
          def fetch_group(names):
              return fetch_ids.override(task_id="inner_ids")(names)
        `,
      },
    };
    const r = parse(py`
      from datetime import datetime
      from airflow.decorators import dag, task
      from helpers import fetch_ids, fetch_group

      @dag(dag_id="taskflow_from_module", start_date=datetime(2024, 1, 1), schedule=None)
      def taskflow_from_module():
          @task
          def show(v):
              print(v)

          ids = fetch_ids(["a", "b"])
          grp = fetch_group(["c"])
          ids >> show(ids)
          grp >> show(grp)

      taskflow_from_module()
    `, undefined, undefined, modules);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const dag = r.dags[0]!;
    expect(dag.tasks.map((t) => [t.task_id, t.upstream_task_ids])).toEqual([
      ['fetch_ids', []],
      ['fetch_group.inner_ids', []],
      ['show', ['fetch_ids']],
      ['show__1', ['fetch_group.inner_ids']],
    ]);
    // The tasks are located where the file called them; their callables are the module's functions.
    expect(dag.tasks[0]!.source.line).toBe(11);
    expect(dag.tasks[0]!.args?.python_callable).toMatchObject({ name: 'fetch_ids', module: 'helpers' });
  });
});

describe("Airflow 3's Asset names", () => {
  it('Asset, AssetAlias, AssetAll, AssetAny read as Dataset, DatasetAlias, DatasetAll, DatasetAny (an Asset without uri is its name)', () => {
    const withAssets = parseOk(py`
      from datetime import datetime
      from airflow.sdk import DAG, Asset, AssetAlias, AssetAll, AssetAny
      from airflow.providers.standard.operators.bash import BashOperator
      raw = Asset("file:///tmp/raw.csv")
      named = Asset(name="clean", uri="s3://bucket/clean.parquet", group="lake", extra={"team": "data"})
      with DAG(dag_id="producer", start_date=datetime(2024, 1, 1), schedule=None):
          BashOperator(task_id="produce", bash_command="echo hi", outlets=[raw, named, AssetAlias("out")])
      with DAG(dag_id="consumer", start_date=datetime(2024, 1, 1), schedule=AssetAny(raw, AssetAll(named, raw))):
          BashOperator(task_id="consume", bash_command="echo consumed")
    `);
    const withDatasets = parseOk(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.datasets import Dataset, DatasetAlias, DatasetAll, DatasetAny
      from airflow.operators.bash import BashOperator
      raw = Dataset("file:///tmp/raw.csv")
      named = Dataset("s3://bucket/clean.parquet", extra={"team": "data"})
      with DAG(dag_id="producer", start_date=datetime(2024, 1, 1), schedule=None):
          BashOperator(task_id="produce", bash_command="echo hi", outlets=[raw, named, DatasetAlias("out")])
      with DAG(dag_id="consumer", start_date=datetime(2024, 1, 1), schedule=DatasetAny(raw, DatasetAll(named, raw))):
          BashOperator(task_id="consume", bash_command="echo consumed")
    `);
    const shape = (dags: Record<string, Dag>) => Object.values(dags).map((d) => ({ schedule: d.schedule, datasets: d.dataset_schedule, outlets: d.tasks[0]!.outlets }));
    expect(shape(withAssets)).toEqual(shape(withDatasets));
    expect(withAssets.consumer!.dataset_schedule).toBeDefined();
    expect(withAssets.producer!.tasks[0]!.outlets?.map((o) => o.uri)).toEqual(['file:///tmp/raw.csv', 's3://bucket/clean.parquet']);
  });
});

describe('smaller patterns', () => {
  it("an imported class's __name__ (Airflow's db-cleanup DAG builds task ids from its models)", () => {
    const dags = parseOk(HEAD + py`
      from airflow.models import DagRun, TaskInstance
      with DAG("cleanup", start_date=datetime(2024, 1, 1), schedule=None):
          for model in [DagRun, TaskInstance]:
              BashOperator(task_id="cleanup_" + str(model.__name__), bash_command="true")
    `);
    expect(dags.cleanup!.tasks.map((t) => t.task_id)).toEqual(['cleanup_DagRun', 'cleanup_TaskInstance']);
  });

  it("the smtp provider's EmailOperator takes from_email and custom_headers (templated from_email)", () => {
    const dags = parseOk(py`
      from datetime import datetime
      from airflow.sdk import DAG
      from airflow.providers.smtp.operators.smtp import EmailOperator
      with DAG(dag_id="mail", start_date=datetime(2024, 1, 1), schedule=None):
          EmailOperator(task_id="send", to="team@example.com", from_email="{{ var.value.sender }}", subject="Report", html_content="<p>done</p>", custom_headers={"X-Run": "1"})
    `);
    expect(dags.mail!.tasks[0]!.args).toMatchObject({ from_email: '{{ var.value.sender }}', custom_headers: { 'X-Run': '1' } });
  });

  it('an instance of a class of the file with __call__ is a python_callable (the task calls the instance its file built)', () => {
    const dags = parseOk(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.python import PythonOperator

      class PrintHello:
          def __init__(self, first_arg: str) -> None:
              self.first_arg = first_arg

          def __call__(self, second_arg: str) -> None:
              print(self.first_arg, second_arg)

      with DAG(dag_id="callable_instance", start_date=datetime(2024, 1, 1), schedule=None):
          PythonOperator(task_id="hello", python_callable=PrintHello(first_arg="welcome"), op_kwargs={"second_arg": "airflow"})
    `);
    expect(dags.callable_instance!.tasks[0]!.args?.python_callable).toMatchObject({ $type: 'callable', name: 'PrintHello', line: 5 });
    // An instance without __call__ is still no callable.
    const r = parse(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.python import PythonOperator
      class Plain:
          pass
      with DAG(dag_id="d", start_date=datetime(2024, 1, 1), schedule=None):
          PythonOperator(task_id="t", python_callable=Plain())
    `);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([expect.stringContaining('a Plain object cannot be used')]);
  });
});


describe('notifiers as callbacks (Airflow 2.6+)', () => {
  it("names a provider's notifier (or a file's notifier class) wherever a callback goes: the task's Python builds and calls it", () => {
    const dags = parseOk(HEAD + py`
      from airflow.notifications.basenotifier import BaseNotifier
      from airflow.providers.slack.notifications.slack import send_slack_notification
      from airflow.providers.smtp.notifications.smtp import SmtpNotifier

      class Teams(BaseNotifier):
          def notify(self, context):
              pass

      def log_it(context):
          print(context)

      callbacks = [log_it]
      callbacks.append(send_slack_notification(text="{{ ti.task_id }} failed"))
      with DAG("n", start_date=datetime(2024, 1, 1), schedule=None, on_failure_callback=Teams(),
               default_args={"on_retry_callback": SmtpNotifier(to="a@b.c")}):
          BashOperator(task_id="t", bash_command="exit 1", on_failure_callback=callbacks, on_success_callback=[send_slack_notification(text="ok")])
    `);
    const dag = dags.n!;
    expect(dag.callbacks.on_failure_callback).toMatchObject({ $type: 'callable', name: 'Teams' });
    const task = dag.tasks[0]!;
    // A list: the model names the first; the runner calls every callback of the task's list.
    expect(task.callbacks.on_failure_callback).toMatchObject({ $type: 'callable', name: 'log_it' });
    expect(task.callbacks.on_success_callback).toMatchObject({ $type: 'callable', name: 'send_slack_notification', module: 'airflow.providers.slack.notifications.slack' });
    expect(task.callbacks.on_retry_callback).toMatchObject({ $type: 'callable', name: 'SmtpNotifier', module: 'airflow.providers.smtp.notifications.smtp' });
  });

  it('still refuses such an object where a value must be known when the file is read', () => {
    const { diagnostics } = parse(HEAD + py`
      from airflow.providers.slack.notifications.slack import send_slack_notification
      with DAG("n", start_date=datetime(2024, 1, 1), schedule=None):
          BashOperator(task_id="t", bash_command=send_slack_notification(text="x"))
    `);
    expect(diagnostics.map((d) => d.message)).toEqual([expect.stringContaining("argument 'bash_command' must be known when the DAG file is read")]);
  });
});

/**
 * The Python task runner against a real `python3`: DAG files are written to a temporary DAGs folder
 * and run through the airflow shim; XComs, Variables and Connections go through fake services that
 * record every call.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import type { CallableRef, PyValue, Task } from '../../model/schema.js';
import {
  PYTHON_SHIM_DIR,
  TaskFailedNoRetryError,
  createPythonCallables,
  createPythonExecutor,
  pokePython,
  runDagOperatorCallable,
  runPythonCallback,
  runnerEnv,
} from './python.js';
import { makeDag, makeRequest, makeTask, recordingTracking, sensorSettings } from './test-request.js';
import { TaskFailedError, TaskNotRunnableError, TaskTimeoutError, type ExecutionRequest, type TaskServices } from './types.js';

const PYTHON = process.env.SKYDAG_PYTHON || 'python3';
let dags: string;

const callable = (name: string, file = 'main_dag.py'): CallableRef => ({ $type: 'callable', name, file, line: 1 });
const xcomArg = (taskId: string, key = 'return_value'): PyValue => ({ $type: 'xcom_arg', task_id: taskId, key });

const MAIN_DAG = `
import time
from datetime import datetime

from airflow import DAG
from airflow.exceptions import AirflowFailException, AirflowSkipException
from airflow.models import BaseOperator, Variable
from airflow.hooks.base import BaseHook
from airflow.operators.python import BranchPythonOperator, PythonOperator, ShortCircuitOperator
from airflow.operators.python_operator import PythonOperator as LegacyPythonOperator
from airflow.sensors.python import PythonSensor


def returns_dict(**context):
    return {"rows": 3, "ds": context["ds"]}


def uses_ds(ds, **kwargs):
    print("ds is", ds, "run", kwargs["run_id"], "dag", kwargs["dag"].dag_id)
    return ds


def uses_ti(ti):
    pulled = ti.xcom_pull(task_ids="producer")
    ti.xcom_push(key="extra", value=[1, 2])
    return pulled["rows"] * 10


def legacy(**kwargs):
    ti = kwargs["ti"]
    return "%s|%s|%s" % (kwargs["ds"], kwargs["execution_date"].year, ti.task_id)


def with_args(a, b, c=0, **kwargs):
    return [a, b, c, kwargs["params"]["p"]]


def templates(templates_dict, **context):
    from airflow.operators.python import get_current_context
    return templates_dict["when"] + "/" + get_current_context()["templates_dict"]["when"]


def read_variable():
    value = Variable.get("greeting")
    missing = Variable.get("nope", default_var="fallback")
    Variable.set("written", {"a": 1}, serialize_json=True)
    conn = BaseHook.get_connection("db")
    return [value, missing, conn.host, conn.port, conn.extra_dejson.get("x")]


def choose(**context):
    return context["params"]["branch"]


def condition(**context):
    return context["params"]["go"]


def skip_me():
    raise AirflowSkipException("nothing to do today")


def boom():
    x = {}
    return x["missing"]


def fail_hard():
    raise AirflowFailException("bad input, do not retry")


def not_json():
    return object()


def sleeper():
    import os, subprocess
    child = subprocess.Popen(["sleep", "30"])
    with open(os.environ["PID_FILE"], "w") as f:
        f.write("%d %d" % (os.getpid(), child.pid))
    time.sleep(30)


def poke_fn(**context):
    return context["params"].get("ready", False)


def on_fail(context):
    print("callback saw", context["task_instance"].task_id, "exception:", context["exception"])


with DAG("main", start_date=datetime(2024, 1, 1), schedule_interval="@daily", params={"p": "dag-param"}) as dag:
    producer = PythonOperator(task_id="producer", python_callable=returns_dict)
    ds_task = PythonOperator(task_id="uses_ds", python_callable=uses_ds)
    ti_task = PythonOperator(task_id="uses_ti", python_callable=uses_ti)
    legacy_task = LegacyPythonOperator(task_id="legacy", python_callable=legacy, provide_context=True)
    args_task = PythonOperator(task_id="with_args", python_callable=with_args, op_args=[1], op_kwargs={"b": "two"})
    tpl_task = PythonOperator(task_id="templates", python_callable=templates, templates_dict={"when": "{{ ds }}"})
    var_task = PythonOperator(task_id="read_variable", python_callable=read_variable)
    branch = BranchPythonOperator(task_id="branch", python_callable=choose)
    short = ShortCircuitOperator(task_id="short", python_callable=condition)
    skip_task = PythonOperator(task_id="skip_me", python_callable=skip_me)
    boom_task = PythonOperator(task_id="boom", python_callable=boom, on_failure_callback=on_fail)
    fail_task = PythonOperator(task_id="fail_hard", python_callable=fail_hard)
    json_task = PythonOperator(task_id="not_json", python_callable=not_json)
    sleep_task = PythonOperator(task_id="sleeper", python_callable=sleeper)
    sensor = PythonSensor(task_id="sensor", python_callable=poke_fn, poke_interval=1, timeout=60)
    producer >> [ti_task, branch]
`;

const TASKFLOW_DAG = `
import pendulum
from airflow.decorators import dag, task
from airflow.utils.task_group import TaskGroup


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))
def flow():
    @task
    def extract():
        return {"a": 1, "b": 2}

    @task(multiple_outputs=True)
    def split(data: dict):
        return {"total": data["a"] + data["b"], "count": len(data)}

    @task
    def combine(total, count, ti=None):
        return "%s/%s/%s" % (total, count, ti.task_id)

    @task.branch
    def pick(n):
        return None if n > 100 else ["combine", "grp.inner"]

    @task.sensor(poke_interval=1, timeout=10)
    def wait_for(threshold):
        return threshold > 1

    s = split(extract())
    combine(s["total"], s["count"])
    pick(s["total"])
    wait_for(2)
    with TaskGroup("grp"):
        @task
        def inner():
            return "inside"
        inner()
        inner()


flow()
`;

const CUSTOM_DAG = `
from datetime import datetime

from airflow import DAG
from airflow.models import BaseOperator
from airflow.sensors.base import BaseSensorOperator
from airflow.utils.decorators import apply_defaults
from helpers.ops import SharedOperator


class GreetOperator(BaseOperator):
    template_fields = ("_name", "_day")

    @apply_defaults
    def __init__(self, name, day="{{ ds }}", **kwargs):
        super().__init__(**kwargs)
        self._name = name
        self._day = day

    def execute(self, context):
        self.log.info("greeting %s", self._name)
        print("hello", self._name, "on", self._day)
        return {"name": self._name, "day": self._day, "owner": self.owner}


class CountSensor(BaseSensorOperator):
    def poke(self, context):
        return context["ti"].xcom_pull(task_ids="greet") is not None


with DAG("custom", start_date=datetime(2024, 1, 1), default_args={"owner": "team-a"}) as dag:
    GreetOperator(task_id="greet", name="{{ params.who }}")
    SharedOperator(task_id="shared", value=41)
    CountSensor(task_id="count_sensor", poke_interval=1)
`;

const HELPER_OPS = `
from airflow.models.baseoperator import BaseOperator


class SharedOperator(BaseOperator):
    def __init__(self, value, **kwargs):
        super().__init__(**kwargs)
        self.value = value

    def execute(self, context):
        return self.value + 1
`;

const PROVIDERS_DAG = `
import datetime

from airflow import DAG
from airflow.operators import CoutureSparkOperator, CouturePySparkOperator, CoutureJupyterOperator
from airflow.operators.bash_operator import BashOperator
from airflow.operators.dagrun_operator import TriggerDagRunOperator
from airflow.operators.dag_operator import DagOperator, SkippableDagOperator
from airflow.operators.dummy_operator import DummyOperator
from airflow.providers.google.cloud.hooks.gcs import GCSHook
from airflow.providers.amazon.aws.operators.athena import AWSAthenaOperator
from airflow.providers.cncf.kubernetes.operators.kubernetes_pod import KubernetesPodOperator
from airflow.providers.google.cloud.operators.bigquery import BigQueryExecuteQueryOperator, BigQueryDeleteTableOperator
from airflow.contrib.sensors.file_sensor import FileSensor
from airflow.contrib.hooks.some_hook import SomeHook
from airflow.providers.http.sensors.http import HttpSensor
from airflow.utils.dates import days_ago
from airflow.utils.helpers import chain
from airflow.utils.edgemodifier import Label
from airflow.utils.trigger_rule import TriggerRule
from airflow.operators.python import PythonOperator


def decide(context, dag_run_obj):
    if context["params"]["trigger"]:
        dag_run_obj.payload = {"message": context["params"]["message"], "ds": context["ds"]}
        return dag_run_obj


def uses_provider_hook():
    GCSHook(gcp_conn_id="gcp").upload("bucket", "object", data="x")


dag = DAG("providers", default_args={"start_date": days_ago(1), "retries": 2}, schedule_interval=None)

start = DummyOperator(task_id="start", dag=dag)
spark = CoutureSparkOperator(task_id="spark", code_artifact="app.jar", method_args_dict={"a": 1}, dag=dag)
pyspark = CouturePySparkOperator(task_id="pyspark", code_artifact="app.py", dag=dag)
nb = CoutureJupyterOperator(task_id="nb", input_notebook="a.ipynb", dag=dag)
athena = AWSAthenaOperator(task_id="athena", query="select 1", database="db", output_location="s3://x", dag=dag)
pod = KubernetesPodOperator(task_id="pod", image="alpine", name="p", dag=dag)
bq = BigQueryExecuteQueryOperator(task_id="bq", sql="select 1", dag=dag)
fs = FileSensor(task_id="fs", filepath="/tmp/x", dag=dag)
hs = HttpSensor(task_id="hs", endpoint="/", dag=dag)
child = DagOperator(task_id="child", run_dag_id="other", python_callable=decide,
                    params={"trigger": True, "message": "hi"}, dag=dag)
never = SkippableDagOperator(task_id="never", run_dag_id="other", python_callable=decide,
                             params={"trigger": False, "message": "-"}, dag=dag)
trig = TriggerDagRunOperator(task_id="trig", trigger_dag_id="other", python_callable=decide,
                             params={"trigger": True, "message": "t"}, dag=dag)
hook_task = PythonOperator(task_id="hook_task", python_callable=uses_provider_hook, dag=dag)
chain(start, [spark, pyspark], [athena, pod])
start >> Label("why") >> bq >> fs
`;

const BROKEN_IMPORT_DAG = `
from datetime import datetime
import definitely_not_installed_module
from airflow import DAG
from airflow.operators.python import PythonOperator
with DAG("broken", start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(task_id="t", python_callable=print)
`;

const CALLBACKS_DAG = `
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator


def dag_failed(context):
    print("dag callback reason:", context["reason"], "run:", context["dag_run"].run_id)


def task_succeeded(context):
    context["ti"].xcom_push(key="cb", value="ran")
    print("task callback for", context["task"].task_id)


with DAG("callbacks", start_date=datetime(2024, 1, 1), on_failure_callback=dag_failed) as dag:
    EmptyOperator(task_id="t", on_success_callback=task_succeeded)
`;

const ENV_DAG = `
import os
from datetime import datetime
from airflow import DAG
from airflow.operators.python import PythonOperator


def environment():
    return {"names": sorted(os.environ), "cwd": os.getcwd(), "try": os.environ.get("AIRFLOW_CTX_TRY_NUMBER")}


def report_environment(context):
    context["ti"].xcom_push(key="env", value=environment())


with DAG("envdag", start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(task_id="report", python_callable=environment, on_failure_callback=report_environment)
`;

function write(path: string, text: string): void {
  mkdirSync(dirname(join(dags, path)), { recursive: true });
  writeFileSync(join(dags, path), text);
}

beforeAll(() => {
  dags = mkdtempSync(join(tmpdir(), 'skydag-py-'));
  write('main_dag.py', MAIN_DAG);
  write('flow_dag.py', TASKFLOW_DAG);
  write('custom_dag.py', CUSTOM_DAG);
  write('helpers/__init__.py', '');
  write('helpers/ops.py', HELPER_OPS);
  write('providers_dag.py', PROVIDERS_DAG);
  write('broken_dag.py', BROKEN_IMPORT_DAG);
  write('callbacks_dag.py', CALLBACKS_DAG);
  write('env_dag.py', ENV_DAG);
});

afterAll(() => {
  rmSync(dags, { recursive: true, force: true });
});

interface RecordedServices extends TaskServices {
  calls: { op: string; args: unknown[] }[];
  xcoms: Map<string, unknown>;
  variables: Map<string, string>;
  renderedFields?: Record<string, unknown>;
}

/** Stands in for the orchestrator's Jinja renderer (the real one is tested in ../templates). */
const FAKE_RENDERINGS: Record<string, string> = { '{{ params.who }}': 'Ada', '{{ ds }}': '2024-01-01' };

function recordingServices(taskId: string, seed: Record<string, unknown> = {}): RecordedServices {
  const xcoms = new Map<string, unknown>(Object.entries(seed));
  const variables = new Map<string, string>([['greeting', 'hello']]);
  const calls: { op: string; args: unknown[] }[] = [];
  return {
    calls,
    xcoms,
    variables,
    async xcomPull(taskIds, key = 'return_value', dagId) {
      calls.push({ op: 'xcomPull', args: [taskIds, key, dagId] });
      if (typeof taskIds === 'string') return xcoms.get(`${taskIds}/${key}`);
      return (taskIds ?? []).map((id) => xcoms.get(`${id}/${key}`));
    },
    async xcomPush(key, value) {
      calls.push({ op: 'xcomPush', args: [key, value] });
      xcoms.set(`${taskId}/${key}`, value);
    },
    async getVariable(key) {
      calls.push({ op: 'getVariable', args: [key] });
      return variables.get(key);
    },
    async setVariable(key, value) {
      calls.push({ op: 'setVariable', args: [key, value] });
      variables.set(key, value);
    },
    async getConnection(connId) {
      calls.push({ op: 'getConnection', args: [connId] });
      if (connId !== 'db') return undefined;
      return { conn_id: 'db', conn_type: 'postgres', host: 'db.local', schema: 'app', login: 'u', password: 'p', port: 5432, extra: { x: 'y' } };
    },
    async renderTemplates(templates, templateExt) {
      calls.push({ op: 'renderTemplates', args: [templates, templateExt] });
      return templates.map((t) => FAKE_RENDERINGS[t.template] ?? t.template);
    },
    async recordRenderedFields(fields) {
      calls.push({ op: 'recordRenderedFields', args: [fields] });
    },
  };
}

interface Setup {
  file: string;
  dagId: string;
  taskId: string;
  kind: string;
  operator?: string;
  args?: Record<string, PyValue>;
  params?: Record<string, unknown>;
  seed?: Record<string, unknown>;
  task?: Partial<Task>;
  signal?: AbortSignal;
}

function request(setup: Setup): ExecutionRequest & { services: RecordedServices; log: ReturnType<typeof makeRequest>['log'] } {
  const task = makeTask({
    task_id: setup.taskId,
    operator: setup.operator ?? 'PythonOperator',
    operator_kind: setup.kind,
    args: setup.args ?? {},
    ...setup.task,
  });
  const base = makeRequest({ task, dag: makeDag([task], { dag_id: setup.dagId }), dagsFolder: dags, signal: setup.signal });
  const services = recordingServices(setup.taskId, setup.seed);
  return {
    ...base,
    dagFilePath: join(dags, setup.file),
    args: setup.args ?? {},
    context: { ...base.context, params: setup.params ?? {} },
    services,
  };
}

const executor = createPythonExecutor({ python: PYTHON });

interface Inventory {
  error?: string;
  dags?: Record<string, { tasks: Record<string, string>; edges: string[][] }>;
}

/** What the shim builds from DAG files (`python3 -m skydag_runner --inventory`). */
function inventory(folder: string, files: string[]): Record<string, Inventory> {
  const res = spawnSync(PYTHON, ['-m', 'skydag_runner', '--inventory', folder, ...files], {
    cwd: folder,
    env: { ...process.env, PYTHONPATH: PYTHON_SHIM_DIR, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`inventory failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, Inventory>;
}

describe('PythonOperator', () => {
  it('returns the callable value and reports it as the XCom', async () => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'producer', kind: 'python' });
    const out = await executor(req);
    expect(out).toEqual({ outcome: 'success', returnValue: { rows: 3, ds: '2024-01-01' } });
    expect(req.log.output()).toContain('Done. Returned value was:');
  });

  it('pulls and pushes XComs over RPC', async () => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'uses_ti', kind: 'python', seed: { 'producer/return_value': { rows: 4 } } });
    const out = await executor(req);
    expect(out.returnValue).toBe(40);
    expect(req.services.calls).toEqual([
      { op: 'xcomPull', args: ['producer', 'return_value', undefined] },
      { op: 'xcomPush', args: ['extra', [1, 2]] },
    ]);
  });

  it('injects context by parameter name and into **kwargs', async () => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'uses_ds', kind: 'python' });
    const out = await executor(req);
    expect(out.returnValue).toBe('2024-01-01');
    expect(req.log.output()).toContain('ds is 2024-01-01 run scheduled__2024-01-01T00:00:00+00:00 dag main');
  });

  it('supports the Airflow 1.10 provide_context=True style', async () => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'legacy', kind: 'python' });
    expect((await executor(req)).returnValue).toBe('2024-01-01|2024|legacy');
  });

  it('passes rendered op_args and op_kwargs (request values win over the file)', async () => {
    const req = request({
      file: 'main_dag.py', dagId: 'main', taskId: 'with_args', kind: 'python',
      args: { python_callable: callable('with_args'), op_args: ['one'], op_kwargs: { b: 'rendered', c: 3 } },
      params: { p: 'from-request' },
    });
    expect((await executor(req)).returnValue).toEqual(['one', 'rendered', 3, 'from-request']);
  });

  it('gives templates_dict to the callable and the context', async () => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'templates', kind: 'python', args: { templates_dict: { when: '2024-01-01' } } });
    expect((await executor(req)).returnValue).toBe('2024-01-01/2024-01-01');
  });

  it('reads Variables and Connections over RPC', async () => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'read_variable', kind: 'python' });
    expect((await executor(req)).returnValue).toEqual(['hello', 'fallback', 'db.local', 5432, 'y']);
    expect(req.services.variables.get('written')).toBe('{\n  "a": 1\n}');
    expect(req.services.calls.map((c) => c.op)).toEqual(['getVariable', 'getVariable', 'setVariable', 'getConnection']);
  });
});

describe('branching and short-circuit', () => {
  it.each([
    ['a str', 'uses_ds', ['uses_ds']],
    ['a list', ['uses_ds', 'legacy'], ['uses_ds', 'legacy']],
    ['None', null, null],
  ])('branch callable returning %s', async (_what, branch, followed) => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'branch', kind: 'branch_python', params: { branch } });
    const out = await executor(req);
    expect(out.outcome).toBe('success');
    expect(out.followed).toEqual(followed);
  });

  it.each([
    [1, true],
    [0, false],
    ['', false],
    [[0], true],
  ])('short-circuit condition %j proceeds: %s', async (go, proceed) => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'short', kind: 'short_circuit', params: { go } });
    expect((await executor(req)).proceed).toBe(proceed);
  });
});

describe('failures', () => {
  it('AirflowSkipException ends the task skipped', async () => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'skip_me', kind: 'python' });
    expect(await executor(req)).toEqual({ outcome: 'skipped', message: 'nothing to do today' });
  });

  it('an exception fails the task with its traceback in the log', async () => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'boom', kind: 'python' });
    const err = await executor(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as Error).message).toBe("KeyError: 'missing'");
    expect(req.log.output()).toContain('Traceback (most recent call last):');
    expect(req.log.output()).toMatch(/main_dag\.py", line \d+, in boom/);
  });

  it('AirflowFailException fails without retry, distinctly', async () => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'fail_hard', kind: 'python' });
    const err = await executor(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedNoRetryError);
    expect(err).toBeInstanceOf(TaskNotRunnableError);
    expect((err as TaskFailedNoRetryError).retryable).toBe(false);
    expect((err as Error).message).toBe('AirflowFailException: bad input, do not retry');
  });

  it('a return value that is not JSON fails with its type named', async () => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'not_json', kind: 'python' });
    await expect(executor(req)).rejects.toThrow('The return value of task not_json of type object is not JSON serializable');
  });

  it('a missing third-party module fails the task with the ImportError in the log', async () => {
    const req = request({ file: 'broken_dag.py', dagId: 'broken', taskId: 't', kind: 'python' });
    const err = await executor(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as Error).message).toContain("ModuleNotFoundError: No module named 'definitely_not_installed_module'");
    expect(req.log.output()).toContain('Traceback');
  });

  it('a task the DAG file does not define is not runnable', async () => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'nope', kind: 'custom', operator: 'X' });
    await expect(executor(req)).rejects.toThrow(/task 'nope' is not defined in DAG 'main'/);
  });
});

describe('TaskFlow', () => {
  it('resolves XComArg inputs and pushes multiple_outputs keys', async () => {
    const req = request({ file: 'flow_dag.py', dagId: 'flow', taskId: 'split', kind: 'python', operator: '@task', args: { op_args: [xcomArg('extract')] }, seed: { 'extract/return_value': { a: 2, b: 5 } } });
    const out = await executor(req);
    expect(out.returnValue).toEqual({ total: 7, count: 2 });
    expect(req.services.calls).toEqual([
      { op: 'xcomPull', args: ['extract', 'return_value', undefined] },
      { op: 'xcomPush', args: ['total', 7] },
      { op: 'xcomPush', args: ['count', 2] },
    ]);
  });

  it('pulls keyed XComArgs from the file when the request has no args, and injects ti', async () => {
    const req = request({ file: 'flow_dag.py', dagId: 'flow', taskId: 'combine', kind: 'python', operator: '@task', seed: { 'split/total': 7, 'split/count': 2 } });
    expect((await executor(req)).returnValue).toBe('7/2/combine');
    expect(req.services.calls.map((c) => c.args[1])).toEqual(['total', 'count']);
  });

  it('@task.branch returns the ids to follow', async () => {
    const req = request({ file: 'flow_dag.py', dagId: 'flow', taskId: 'pick', kind: 'branch_python', operator: '@task.branch', args: { op_args: [3] } });
    expect((await executor(req)).followed).toEqual(['combine', 'grp.inner']);
  });

  it('finds task-group-prefixed and de-duplicated ids', async () => {
    const first = await executor(request({ file: 'flow_dag.py', dagId: 'flow', taskId: 'grp.inner', kind: 'python', operator: '@task' }));
    const second = await executor(request({ file: 'flow_dag.py', dagId: 'flow', taskId: 'grp.inner__1', kind: 'python', operator: '@task' }));
    expect([first.returnValue, second.returnValue]).toEqual(['inside', 'inside']);
  });

  it('@task.sensor pokes its function', async () => {
    const done = await pokePython(request({ file: 'flow_dag.py', dagId: 'flow', taskId: 'wait_for', kind: 'python_sensor', operator: '@task.sensor' }), { python: PYTHON });
    expect(done).toEqual({ done: true });
  });
});

describe('custom operators', () => {
  it('runs execute(context) with default_args applied and the attributes named by template_fields rendered', async () => {
    const req = request({ file: 'custom_dag.py', dagId: 'custom', taskId: 'greet', kind: 'custom', operator: 'GreetOperator', args: { name: '{{ params.who }}' } });
    const out = await executor(req);
    // Both attributes as the constructor left them (`_day` from an __init__ default) go to the orchestrator's renderer.
    expect(req.services.calls.filter((c) => c.op !== 'xcomPush')).toEqual([
      { op: 'renderTemplates', args: [[{ field: '_name', template: '{{ params.who }}' }, { field: '_day', template: '{{ ds }}' }], []] },
      { op: 'recordRenderedFields', args: [{ _name: 'Ada', _day: '2024-01-01' }] },
    ]);
    expect(out.returnValue).toEqual({ name: 'Ada', day: '2024-01-01', owner: 'team-a' });
    expect(req.log.output()).toContain('hello Ada on 2024-01-01');
    expect(req.log.output()).toMatch(/INFO - greeting Ada/);
  });

  it('runs operators imported from the DAGs folder', async () => {
    const req = request({ file: 'custom_dag.py', dagId: 'custom', taskId: 'shared', kind: 'custom', operator: 'SharedOperator' });
    expect((await executor(req)).returnValue).toBe(42);
  });

  it('pokes a custom sensor class once per call', async () => {
    const notYet = request({ file: 'custom_dag.py', dagId: 'custom', taskId: 'count_sensor', kind: 'custom', operator: 'CountSensor' });
    expect(await pokePython(notYet, { python: PYTHON })).toEqual({ done: false });
    const ready = request({ file: 'custom_dag.py', dagId: 'custom', taskId: 'count_sensor', kind: 'custom', operator: 'CountSensor', seed: { 'greet/return_value': 1 } });
    expect(await pokePython(ready, { python: PYTHON })).toEqual({ done: true });
  });
});

describe('PythonSensor', () => {
  it('poke returns the callable truthiness', async () => {
    const no = await pokePython(request({ file: 'main_dag.py', dagId: 'main', taskId: 'sensor', kind: 'python_sensor', operator: 'PythonSensor', params: { ready: 0 } }), { python: PYTHON });
    const yes = await pokePython(request({ file: 'main_dag.py', dagId: 'main', taskId: 'sensor', kind: 'python_sensor', operator: 'PythonSensor', params: { ready: 'yes' } }), { python: PYTHON });
    expect([no.done, yes.done]).toEqual([false, true]);
  });

  it('the executor pokes until the sensor times out (never retried)', async () => {
    let clock = Date.parse('2024-01-02T00:00:00Z');
    const req = request({
      file: 'main_dag.py', dagId: 'main', taskId: 'sensor', kind: 'python_sensor', operator: 'PythonSensor', params: { ready: false },
      task: { sensor: sensorSettings({ poke_interval_seconds: 0, timeout_seconds: 1 }) },
    });
    req.now = () => new Date((clock += 1500));
    await expect(executor(req)).rejects.toBeInstanceOf(TaskFailedNoRetryError);
  });
});

describe('DagOperator callables and callbacks', () => {
  it('returns the payload when the callable returns dag_run_obj', async () => {
    const req = request({ file: 'providers_dag.py', dagId: 'providers', taskId: 'child', kind: 'dag_operator', operator: 'DagOperator', params: { trigger: true, message: 'Hii there!!' } });
    const decision = await runDagOperatorCallable(req, { run_id: 'backfill_rundag_x' }, { python: PYTHON });
    expect(decision).toEqual({ trigger: true, payload: { message: 'Hii there!!', ds: '2024-01-01' }, runId: 'backfill_rundag_x' });
  });

  it('a None return means "do not trigger" (Couture crashed here)', async () => {
    const req = request({ file: 'providers_dag.py', dagId: 'providers', taskId: 'never', kind: 'skippable_dag_operator', operator: 'SkippableDagOperator', params: { trigger: false } });
    const callables = createPythonCallables({ python: PYTHON });
    expect(await callables.dagRunCallable(req)).toEqual({ trigger: false, payload: null });
  });

  it('runs a task failure callback with the exception in the context', async () => {
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'boom', kind: 'python' });
    await runPythonCallback(
      { ...req, task: req.task, kind: 'on_failure_callback', callback: callable('on_fail'), exception: "KeyError: 'missing'" },
      { python: PYTHON },
    );
    expect(req.log.output()).toContain("callback saw boom exception: KeyError: 'missing'");
  });

  it('runs task and DAG callbacks through createPythonCallables', async () => {
    const callables = createPythonCallables({ python: PYTHON });
    const req = request({ file: 'callbacks_dag.py', dagId: 'callbacks', taskId: 't', kind: 'empty', operator: 'EmptyOperator' });
    req.task.callbacks = { on_success_callback: callable('task_succeeded', 'callbacks_dag.py') };
    req.dag.callbacks = { on_failure_callback: callable('dag_failed', 'callbacks_dag.py') };
    await callables.callback(req, 'on_success_callback');
    await callables.callback(req, 'dag.on_failure_callback');
    expect(req.services.xcoms.get('t/cb')).toBe('ran');
    expect(req.log.output()).toContain('task callback for t');
    expect(req.log.output()).toContain('dag callback reason: task_failure run: scheduled__2024-01-01T00:00:00+00:00');
  });
});

describe('task environment (never the platform\'s)', () => {
  const SECRETS = { SKYDAG_ADMIN_PASSWORD: 'admin-pw', SKYDAG_SECRET_KEY: 'key', AWS_SECRET_ACCESS_KEY: 'aws', DATABASE_URL: 'postgres://u:p@db' };
  let saved: NodeJS.ProcessEnv;
  beforeEach(() => {
    saved = { ...process.env };
    Object.assign(process.env, SECRETS, { SKYDAG_TASK_ENV_PASSTHROUGH: 'DATABASE_URL' });
  });
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  /**
   * The names beyond the basics (HOME, LANG, ...). When python3 is a pyenv shim (a bash script), bash
   * and pyenv add PWD, SHLVL and their own *PYENV* names on the way: those come from the interpreter's
   * launcher, not from the platform.
   */
  const expectedNames = (names: string[]) =>
    names.filter((n) => !n.includes('PYENV') && !/^(PWD|SHLVL|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|TZ|TMPDIR|LC_.*)$/.test(n));

  it('runs a task with the minimal environment, the passthrough list and the context variables, in a fresh directory', async () => {
    const req = request({ file: 'env_dag.py', dagId: 'envdag', taskId: 'report', kind: 'python' });
    const tracking = recordingTracking();
    req.trackProcess = tracking;
    const { returnValue } = await executor(req);
    const seen = returnValue as { names: string[]; cwd: string; try: string };
    expect(expectedNames(seen.names)).toEqual([
      'AIRFLOW_CTX_DAG_ID', 'AIRFLOW_CTX_DAG_OWNER', 'AIRFLOW_CTX_DAG_RUN_ID', 'AIRFLOW_CTX_EXECUTION_DATE', 'AIRFLOW_CTX_TASK_ID', 'AIRFLOW_CTX_TRY_NUMBER',
      'DATABASE_URL', 'PATH', 'PYTHONDONTWRITEBYTECODE', 'PYTHONIOENCODING', 'PYTHONPATH', 'PYTHONUNBUFFERED', 'SKYDAG_DAGS_FOLDER',
    ]);
    expect(seen.try).toBe('1');
    expect(dirname(seen.cwd)).toBe(tmpdir());
    expect(seen.cwd).not.toBe(dags);
    expect(existsSync(seen.cwd)).toBe(false); // removed once the process ended
    expect(tracking.tracked).toHaveLength(1);
    expect(tracking.forgotten).toEqual(tracking.tracked);
  });

  it('runs callbacks the same way', async () => {
    const callables = createPythonCallables({ python: PYTHON });
    const req = request({ file: 'env_dag.py', dagId: 'envdag', taskId: 'report', kind: 'python' });
    req.task.callbacks = { on_failure_callback: callable('report_environment', 'env_dag.py') };
    await callables.callback(req, 'on_failure_callback', 'boom');
    const seen = req.services.xcoms.get('report/env') as { names: string[]; cwd: string };
    expect(seen.names).not.toEqual(expect.arrayContaining(['SKYDAG_ADMIN_PASSWORD']));
    expect(expectedNames(seen.names).filter((n) => !n.startsWith('AIRFLOW_CTX_'))).toEqual([
      'DATABASE_URL', 'PATH', 'PYTHONDONTWRITEBYTECODE', 'PYTHONIOENCODING', 'PYTHONPATH', 'PYTHONUNBUFFERED', 'SKYDAG_DAGS_FOLDER',
    ]);
    expect(dirname(seen.cwd)).toBe(tmpdir());
  });

  it("puts the platform's PYTHONPATH after the shim, the DAGs, plugins and project folders only when the site passes it through", () => {
    const source = { PATH: '/usr/bin', PYTHONPATH: '/site/lib', SKYDAG_ADMIN_PASSWORD: 'x' };
    expect(runnerEnv('/shim', '/home/dags', undefined, source)).toMatchObject({ PATH: '/usr/bin', PYTHONPATH: '/shim:/home/dags:/home/plugins:/home', SKYDAG_DAGS_FOLDER: '/home/dags' });
    expect(runnerEnv('/shim', '/home/dags', undefined, { ...source, SKYDAG_PLUGINS_FOLDER: '/opt/plugins' }).PYTHONPATH).toBe('/shim:/home/dags:/opt/plugins:/home');
    expect(runnerEnv('/shim', '/home/dags', undefined, { ...source, SKYDAG_PROJECT_FOLDER: '/opt/project' }).PYTHONPATH).toBe('/shim:/home/dags:/home/plugins:/opt/project');
    expect(runnerEnv('/shim', '/bundles/v1', undefined, source, '/home/plugins', '/home').PYTHONPATH).toBe('/shim:/bundles/v1:/home/plugins:/home');
    expect(runnerEnv('/shim', '/home/dags', undefined, { ...source, SKYDAG_TASK_ENV_PASSTHROUGH: 'PYTHONPATH' }).PYTHONPATH).toBe('/shim:/home/dags:/home/plugins:/home:/site/lib');
    expect(runnerEnv('/shim', '/home/dags', undefined, source)).not.toHaveProperty('SKYDAG_ADMIN_PASSWORD');
  });
});

describe('the airflow shim', () => {
  it('loads provider, contrib and Couture operators; running one fails clearly', async () => {
    const req = request({ file: 'providers_dag.py', dagId: 'providers', taskId: 'hook_task', kind: 'python' });
    await expect(executor(req)).rejects.toThrow(/GCSHook\.upload\(\) comes from the apache-airflow-providers-google provider package, which skydag does not run \(DAG files import it fine\): call the Google Cloud client libraries/);
    const athena = request({ file: 'providers_dag.py', dagId: 'providers', taskId: 'athena', kind: 'custom', operator: 'AWSAthenaOperator' });
    await expect(executor(athena)).rejects.toThrow(/AWSAthenaOperator .*is not executed by skydag's Python runner/);
  });

  it('builds the same tasks and edges as Airflow would (inventory)', () => {
    const inv = inventory(dags, [join(dags, 'providers_dag.py')])[join(dags, 'providers_dag.py')]!;
    expect(Object.keys(inv.dags ?? {})).toEqual(['providers']);
    expect(inv.dags!.providers!.tasks).toMatchObject({ spark: 'CoutureSparkOperator', fs: 'FileSensor', child: 'DagOperator', trig: 'TriggerDagRunOperator' });
    expect(inv.dags!.providers!.edges).toEqual([
      ['bq', 'fs'], ['pyspark', 'pod'], ['spark', 'athena'], ['start', 'bq'], ['start', 'pyspark'], ['start', 'spark'],
    ]);
  });

  it("loads what public DAG files write: `from airflow import Dataset`, an ExternalTaskMarker downstream of a TaskFlow task, `@dag.task`, pendulum's `at()`", () => {
    const file = join(dags, 'corpus_shapes.py');
    writeFileSync(file, [
      'from datetime import datetime',
      'import pendulum',
      'from airflow import DAG, Dataset',
      'from airflow.decorators import task',
      'from airflow.sensors.external_task import ExternalTaskMarker',
      'AT = pendulum.datetime(2024, 1, 2, 15, tz="UTC").at(6, 30).isoformat()',
      'with DAG("corpus_shapes", start_date=datetime(2024, 1, 1), schedule=None, tags=[AT]) as dag:',
      '    @task(outlets=[Dataset("file:///tmp/x.txt")])',
      '    def produce():',
      '        return 1',
      '    @dag.task(task_id="bound")',
      '    def bound():',
      '        return 2',
      '    marker = ExternalTaskMarker(task_id="marker", external_dag_id="other", external_task_id="wait")',
      '    produce() >> marker >> bound()',
      '',
    ].join('\n'));
    const inv = inventory(dags, [file])[file]!;
    expect(inv.error).toBeUndefined();
    expect(inv.dags!.corpus_shapes!.tasks).toMatchObject({ produce: expect.any(String), marker: 'ExternalTaskMarker', bound: expect.any(String) });
    expect(inv.dags!.corpus_shapes!.edges).toEqual([['marker', 'bound'], ['produce', 'marker']]);
    const at = spawnSync(PYTHON, ['-c', 'import pendulum; print(pendulum.datetime(2024, 1, 2, 15, tz="UTC").at(6, 30).isoformat())'], { env: { ...process.env, PYTHONPATH: `${PYTHON_SHIM_DIR}:${join(PYTHON_SHIM_DIR, '_fallback')}` }, encoding: 'utf8' });
    expect(at.stdout.trim()).toBe('2024-01-02T06:30:00+00:00');
  });
});

describe('process control', () => {
  it('kills the process group when the signal aborts (execution_timeout)', async () => {
    const pidFile = join(dags, 'pids.txt');
    const controller = new AbortController();
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'sleeper', kind: 'python', signal: controller.signal, task: { execution_timeout_seconds: 0.5 } });
    const ex = createPythonExecutor({ python: PYTHON, env: { PID_FILE: pidFile }, killGraceMs: 1000 });
    const started = Date.now();
    const running = ex(req);
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim().split(' ').length < 2) {
      if (Date.now() - started > 5000) throw new Error('the task did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    controller.abort();
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect((err as Error).message).toBe('execution_timeout of 0.5s exceeded');
    const [pid, childPid] = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number) as [number, number];
    // The runner itself is gone and reaped (no zombie); the grandchild is dead (this container's
    // PID 1 does not reap orphans, so it may linger as a zombie there, which is not running).
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    const state = existsSync(`/proc/${childPid}/stat`) ? readFileSync(`/proc/${childPid}/stat`, 'utf8').split(') ')[1]!.charAt(0) : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('a missing interpreter is a clear TaskNotRunnableError', async () => {
    const ex = createPythonExecutor({ python: 'python3-does-not-exist-here' });
    const req = request({ file: 'main_dag.py', dagId: 'main', taskId: 'producer', kind: 'python' });
    await expect(ex(req)).rejects.toThrow(new TaskNotRunnableError('python3-does-not-exist-here not found; install Python 3 or set SKYDAG_PYTHON'));
  });

  it('the shim directory resolves from this module', () => {
    expect(existsSync(join(PYTHON_SHIM_DIR, 'airflow', '__init__.py'))).toBe(true);
    expect(existsSync(join(PYTHON_SHIM_DIR, 'skydag_runner', '__main__.py'))).toBe(true);
  });
});

describe('fixture DAG files load under the shim with the front-end’s task ids and edges', () => {
  const root = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'dags');
  const cases: { file: string; expected: { dags: Record<string, { tasks: Record<string, string>; edges: string[][] }>; errors: unknown[] } }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (!name.includes('.')) {
        walk(path);
        continue;
      }
      if (!name.endsWith('.py') || !existsSync(path.replace(/\.py$/, '.expected.json'))) continue;
      const expected = JSON.parse(readFileSync(path.replace(/\.py$/, '.expected.json'), 'utf8')) as (typeof cases)[number]['expected'];
      if (expected.errors.length === 0) cases.push({ file: relative(root, path).split(sep).join('/'), expected });
    }
  };
  if (existsSync(root)) walk(root);
  let found: Record<string, Inventory> = {};
  beforeAll(() => {
    found = inventory(root, cases.map((c) => join(root, c.file)));
  });

  it('covers the fixtures', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases.map((c) => [c.file, c] as const))('%s', (_file, c) => {
    const inv = found[join(root, c.file)]!;
    if (inv.error) {
      // Only a real third-party package the DAG file imports may be missing (an honest ImportError).
      expect(inv.error).toMatch(/^ModuleNotFoundError: No module named '(pandas|geopandas|sagemaker|kubernetes|requests)'/);
      return;
    }
    expect(Object.keys(inv.dags ?? {}).sort()).toEqual(Object.keys(c.expected.dags).sort());
    for (const [dagId, exp] of Object.entries(c.expected.dags)) {
      expect(inv.dags![dagId]!.tasks).toEqual(exp.tasks);
      expect([...inv.dags![dagId]!.edges].sort()).toEqual([...exp.edges].map((e) => [...e]).sort());
    }
  });
});

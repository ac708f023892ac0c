/**
 * Local modules beside the DAG file (issue 14 item 10): their constants, default_args dicts, lists and
 * dates are read as Airflow's import gives them; the functions they define are called as the DAG
 * file's own (a task factory's tasks belong to the file's DAG); classes stay opaque, with an error
 * where the DAG's shape needs them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { localModuleSources } from '../../../bundles/local-modules.js';
import { parsePythonDagFile } from '../index.js';
import { NOW, py } from './helpers.js';

const CONFIG = py`
  from datetime import datetime, timedelta
  from common.base import OWNER
  DEFAULT_ARGS = {"owner": OWNER, "start_date": datetime(2024, 1, 1), "retries": 2, "retry_delay": timedelta(minutes=5)}
  SCHEDULE = "@daily"
  TABLES = ["orders", "users"]
  def make_tasks(dag):
      return []
`;

const DAG_FILE = py`
  from airflow import DAG
  from airflow.operators.bash import BashOperator
  from common.config import DEFAULT_ARGS, SCHEDULE, TABLES
  import common.config as cfg

  with DAG("etl", default_args=DEFAULT_ARGS, schedule=SCHEDULE, catchup=False, tags=[cfg.SCHEDULE]) as dag:
      for t in TABLES:
          BashOperator(task_id=f"load_{t}", bash_command=f"echo {t}")
`;

const parse = (source: string, modules: Record<string, string>) =>
  parsePythonDagFile(source, { file: 'etl.py', now: NOW, modules: Object.fromEntries(Object.entries(modules).map(([name, text]) => [name, { file: `${name.replace(/\./g, '/')}.py`, source: text }])) });

describe('local modules', () => {
  it("reads constants, default_args and lists of the modules the file imports (also through `import a.b as x`), transitively", () => {
    const r = parse(DAG_FILE, { common: '', 'common.config': CONFIG, 'common.base': 'OWNER = "data-team"\n' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const dag = r.dags[0]!;
    expect(dag).toMatchObject({ dag_id: 'etl', schedule: { type: 'cron', preset: '@daily' }, start_date: '2024-01-01T00:00:00+00:00', tags: ['@daily'] });
    expect(dag.tasks.map((t) => [t.task_id, t.owner, t.retries, t.retry_delay_seconds])).toEqual([
      ['load_orders', 'data-team', 2, 300],
      ['load_users', 'data-team', 2, 300],
    ]);
  });

  it("shares the file's os.environ: what a module reads is recorded with the version, what it sets the file sees", () => {
    const settings = py`
      import os
      STAGE = os.environ.get("STAGE", "dev")
      os.environ.setdefault("REGION", "eu-west-1")
      def bucket():
          return "s3://data-" + os.getenv("STAGE", "dev")
    `;
    const file = py`
      import os
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      from common.settings import STAGE, bucket

      with DAG("etl_" + STAGE, start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="t", bash_command="echo " + bucket() + " " + os.environ["REGION"])
    `;
    const read = (env: Record<string, string>) =>
      parsePythonDagFile(file, { file: 'etl.py', now: NOW, env, modules: { common: { file: 'common/__init__.py', source: '' }, 'common.settings': { file: 'common/settings.py', source: settings } } });
    const r = read({ STAGE: 'prod', UNREAD: 'x' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const dag = r.dags[0]!;
    expect(dag.dag_id).toBe('etl_prod');
    expect(dag.tasks[0]!.args.bash_command).toBe('echo s3://data-prod eu-west-1');
    // Read by the module only, STAGE is the version's: a change makes a new version.
    expect(dag.parse_env).toEqual({ STAGE: 'prod' });
    expect(read({ STAGE: 'test' }).dags[0]!.parse_env).toEqual({ STAGE: 'test' });
  });

  it('survives import cycles and modules that do not parse', () => {
    const cyclic = parse(DAG_FILE, { 'common.config': `from common.base import OWNER\n${CONFIG}`, 'common.base': 'from common.config import SCHEDULE\nOWNER = "x"\n' });
    expect(cyclic.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(cyclic.dags[0]!.tasks[0]!.owner).toBe('x');

    const broken = parse(DAG_FILE, { 'common.config': 'DEFAULT_ARGS = {\n' });
    expect(broken.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)[0]).toMatch(/default_args must be known when the DAG file is read, but it depends on common.config.DEFAULT_ARGS/);
  });

  const FACTORIES = py`
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.bash import BashOperator
    from airflow.operators.python import PythonOperator
    from common.base import OWNER

    RETRIES = 3

    def _command(table):
        return "load %s" % table

    def extract(**context):
        return context["ds"]

    def load_tasks(dag, tables):
        made = [BashOperator(task_id="load_" + t, bash_command=_command(t), retries=RETRIES, owner=OWNER, dag=dag) for t in tables]
        check = PythonOperator(task_id="check", python_callable=extract, dag=dag)
        made >> check
        return check

    def create_dag(dag_id, schedule):
        with DAG(dag_id, schedule=schedule, start_date=datetime(2024, 1, 1), catchup=False) as dag:
            def named(n):
                return BashOperator(task_id="step_%d" % n, bash_command="echo %d" % n)
            named(1) >> named(2)
        return dag

    def broken(dag):
        BashOperator(task_id=42, bash_command="x", dag=dag)
  `;

  it("calls the functions a local module defines, as Airflow's import runs them: the tasks and DAGs they make belong to the file, located at the call", () => {
    const source = py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      from common.factories import load_tasks, create_dag

      with DAG("etl", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          start = BashOperator(task_id="start", bash_command="echo start")
          start >> load_tasks(dag, ["orders", "users"])

      for name in ["daily_a", "daily_b"]:
          globals()[name] = create_dag(name, "@daily")
    `;
    const r = parse(source, { 'common.factories': FACTORIES, 'common.base': 'OWNER = "data-team"\n' });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const etl = r.dags.find((d) => d.dag_id === 'etl')!;
    const task = (id: string) => etl.tasks.find((t) => t.task_id === id)!;
    expect(etl.tasks.map((t) => [t.task_id, t.upstream_task_ids])).toEqual([
      ['start', []],
      ['load_orders', []],
      ['load_users', []],
      // `start >> load_tasks(...)`: the factory returned its last task.
      ['check', ['load_orders', 'load_users', 'start']],
    ]);
    expect(task('load_orders')).toMatchObject({ retries: 3, owner: 'data-team', args: { bash_command: 'load orders' } });
    // A task made in another file is located at the DAG file's line that called the factory.
    expect(task('load_users').source).toMatchObject({ file: 'etl.py', line: 8 });
    // The module's function as the callable: the runner finds it by its module.
    expect(task('check').args.python_callable).toMatchObject({ $type: 'callable', name: 'extract', module: 'common.factories' });
    expect(r.dags.filter((d) => d.dag_id.startsWith('daily_')).map((d) => [d.dag_id, d.tasks.map((t) => [t.task_id, t.upstream_task_ids])])).toEqual([
      ['daily_a', [['step_1', []], ['step_2', ['step_1']]]],
      ['daily_b', [['step_1', []], ['step_2', ['step_1']]]],
    ]);
  });

  it("reports an error inside a local module's function at the DAG file's call, and a dependency on what it cannot follow (a class)", () => {
    const failing = parse(`${DAG_FILE}
from common.factories import broken
broken(dag)
`, { 'common.config': CONFIG, 'common.factories': FACTORIES, 'common.base': 'OWNER = "x"\n' });
    const errors = failing.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.line, d.message])).toEqual([[11, expect.stringMatching(/task_id must be a string/)]]);

    const classes = parse(`${DAG_FILE}\nfrom common.shapes import Steps\nBashOperator(task_id="x", bash_command="x", dag=dag) >> Steps().make()\n`, {
      'common.config': CONFIG,
      'common.base': 'OWNER = "x"\n',
      // Derived from a class the reader does not run: opaque.
      'common.shapes': 'from collections import OrderedDict\nclass Steps(OrderedDict):\n    def make(self):\n        return []\n',
    });
    expect(classes.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([expect.stringMatching(/the dependency \(>>\) must be known when the DAG file is read, but it depends on common.shapes.Steps/)]);
  });
});

describe('localModuleSources', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'skydag-local-modules-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  it('finds imported modules in the DAGs, plugins and project folders (in that order), transitively; never airflow or relative imports', () => {
    write('dags/common/__init__.py', '');
    write('dags/common/config.py', 'from helpers import x\n');
    write('plugins/helpers.py', 'import include.settings\n');
    write('include/settings.py', 'A = 1\n');
    write('dags/airflow/__init__.py', '');
    write('dags/unused.py', '');
    const found = localModuleSources('from common.config import X\nimport airflow\nfrom . import sibling\nimport os\n', [join(root, 'dags'), join(root, 'plugins'), root]);
    expect(Object.fromEntries(Object.entries(found).map(([name, m]) => [name, m.file]))).toEqual({
      common: 'common/__init__.py',
      'common.config': 'common/config.py',
      helpers: join(root, 'plugins/helpers.py'),
      // include/ has no __init__.py (a namespace package): only its module is read.
      'include.settings': join(root, 'include/settings.py'),
    });
    expect(found['include.settings']!.source).toBe('A = 1\n');
  });
});

/**
 * Local modules beside the DAG file (issue 14 item 10): their constants, default_args dicts, lists and
 * dates are read as Airflow's import gives them; what needs their code (functions, classes) stays
 * opaque with the existing error where the DAG's shape needs it.
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

  it('leaves functions opaque (the DAG shape error names them), and survives import cycles and modules that do not parse', () => {
    const factory = parse(`${DAG_FILE}\nfrom common.config import make_tasks\nmake_tasks(dag)\n`, { 'common.config': CONFIG, 'common.base': 'OWNER = "x"\n' });
    expect(factory.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([expect.stringMatching(/common.config.make_tasks\(...\) receives a DAG, but skydag does not run imported code/)]);

    const cyclic = parse(DAG_FILE, { 'common.config': `from common.base import OWNER\n${CONFIG}`, 'common.base': 'from common.config import SCHEDULE\nOWNER = "x"\n' });
    expect(cyclic.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(cyclic.dags[0]!.tasks[0]!.owner).toBe('x');

    const broken = parse(DAG_FILE, { 'common.config': 'DEFAULT_ARGS = {\n' });
    expect(broken.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)[0]).toMatch(/default_args must be known when the DAG file is read, but it depends on common.config.DEFAULT_ARGS/);
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

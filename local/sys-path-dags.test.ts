/**
 * A DAGs folder with one sub-folder per project, whose DAG files put their own folder on sys.path
 * and import sibling packages (a common layout of public DAG repositories): read and run as in Airflow.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { main } from './cli/main.js';
import { scanDagsFolder } from './dags-folder.js';

let root: string;
let folder: string;
const savedHome = process.env.SKYDAG_HOME;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'skydag-syspath-dags-'));
  folder = join(root, 'dags');
  process.env.SKYDAG_HOME = join(root, 'home');
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  };
  write('sales/lib/__init__.py', '');
  write('sales/lib/defaults.py', 'DEFAULT_ARGS = {"owner": "sales", "retries": 2}\n\ndef greet(name):\n    return "hello " + name\n');
  write(
    'sales/dags/report.py',
    [
      'import sys',
      'from pathlib import Path',
      'sys.path.insert(0, str(Path(__file__).resolve().parent.parent))',
      'from datetime import datetime',
      'from airflow import DAG',
      'from airflow.operators.python import PythonOperator',
      'from lib.defaults import DEFAULT_ARGS, greet',
      'with DAG("sales_report", start_date=datetime(2024, 1, 1), schedule=None, default_args=DEFAULT_ARGS):',
      '    PythonOperator(task_id="greet", python_callable=greet, op_args=["sales"])',
      '',
    ].join('\n'),
  );
  // Without the sys.path line Airflow does not find the package either.
  write('other/plain.py', 'from datetime import datetime\nfrom airflow import DAG\nfrom lib.defaults import DEFAULT_ARGS\nwith DAG("plain", start_date=datetime(2024, 1, 1), schedule=None):\n    pass\n');
});
afterAll(() => {
  if (savedHome === undefined) delete process.env.SKYDAG_HOME;
  else process.env.SKYDAG_HOME = savedHome;
  rmSync(root, { recursive: true, force: true });
});

it('reads the sibling package the file puts on sys.path (its default_args), and only for that file', async () => {
  const scan = await scanDagsFolder(folder, new Date('2024-06-01T00:00:00Z'));
  const dag = scan.dags.get('sales_report')!.dag;
  expect(dag.tasks[0]).toMatchObject({ owner: 'sales', retries: 2 });
  expect(scan.dags.has('plain')).toBe(false);
  expect(scan.files.find((f) => f.file === 'other/plain.py')!.diagnostics.map((d) => d.message)).toContain("ModuleNotFoundError: No module named 'lib'");
});

it('runs the task with the sibling package', async () => {
  let out = '';
  const code = await main(['dags', 'test', 'sales_report', '2024-01-01', '--dags-folder', folder, '-o', 'json'], { out: (t) => (out += t), err: () => undefined });
  expect(code).toBe(0);
  expect((JSON.parse(out) as { task_instances: { xcom: { return_value: string } }[] }).task_instances[0]!.xcom.return_value).toBe('hello sales');
});

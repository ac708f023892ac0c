/** Reading a DAGs folder whose DAG files take their settings from modules beside them (as Airflow imports them). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { scanDagsFolder } from './dags-folder.js';

let root: string;
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'skydag-folder-modules-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};

it("a DAG file's default_args, schedule and loop lists come from a module of the DAGs folder", async () => {
  write('dags/common/__init__.py', '');
  write('dags/common/config.py', 'from datetime import datetime\nDEFAULT_ARGS = {"owner": "data", "start_date": datetime(2024, 1, 1), "retries": 3}\nSCHEDULE = "0 6 * * *"\nTABLES = ["a", "b", "c"]\n');
  write(
    'dags/etl.py',
    [
      'from airflow import DAG',
      'from airflow.operators.bash import BashOperator',
      'from common.config import DEFAULT_ARGS, SCHEDULE, TABLES',
      'with DAG("folder_etl", default_args=DEFAULT_ARGS, schedule=SCHEDULE, catchup=False):',
      '    for t in TABLES:',
      '        BashOperator(task_id=f"load_{t}", bash_command="echo " + t)',
      '',
    ].join('\n'),
  );
  const scan = await scanDagsFolder(join(root, 'dags'), new Date('2024-06-01T00:00:00Z'));
  expect(scan.files.flatMap((f) => f.diagnostics).filter((d) => d.severity === 'error')).toEqual([]);
  const dag = scan.dags.get('folder_etl')!.dag;
  expect(dag.schedule).toMatchObject({ type: 'cron', cron: '0 6 * * *' });
  expect(dag.tasks.map((t) => [t.task_id, t.owner, t.retries])).toEqual([
    ['load_a', 'data', 3],
    ['load_b', 'data', 3],
    ['load_c', 'data', 3],
  ]);
}, 30_000);

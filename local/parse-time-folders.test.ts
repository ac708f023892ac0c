/**
 * DAG factories over a folder of config files (a common pattern of public DAG repositories): the
 * folders a file lists while it is read are handed over as listings, with their config files.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseTimeFolders } from '../shared/bundles/parse-time-files.js';
import { scanDagsFolder } from './dags-folder.js';

let root: string;
let folder: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'skydag-folders-'));
  folder = join(root, 'dags');
  mkdirSync(folder);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string) {
  mkdirSync(dirname(join(folder, path)), { recursive: true });
  writeFileSync(join(folder, path), text);
}

const HEAD = ['import os, glob, yaml', 'from pathlib import Path', 'from datetime import datetime', 'from airflow import DAG', 'from airflow.operators.bash import BashOperator', ''];
const FACTORY = (loop: string, open: string) =>
  [
    ...HEAD,
    loop,
    `    with ${open} as f:`,
    '        cfg = yaml.safe_load(f)',
    '    with DAG(cfg["name"], start_date=datetime(2024, 1, 1), schedule=cfg.get("schedule")) as dag:',
    '        BashOperator(task_id="load", bash_command="echo " + cfg["table"])',
    '    globals()[dag.dag_id] = dag',
    '',
  ].join('\n');

const ids = async () => {
  const scan = await scanDagsFolder(folder, new Date("2024-06-01T00:00:00Z"));
  const errors = scan.files.flatMap((f) => f.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.line} ${d.message}`));
  return errors.length > 0 ? errors : [...scan.dags.keys()].sort();
};

describe('a DAG factory over a folder of configs', () => {
  beforeEach(() => {
    write('team/configs/orders.yaml', 'name: load_orders\ntable: orders\nschedule: "@daily"\n');
    write('team/configs/users.yml', 'name: load_users\ntable: users\n');
    write('team/configs/.draft.yaml', 'name: draft\ntable: x\n');
    write('team/configs/README.md', 'not a config\n');
    write('team/configs/archive/old.yaml', 'name: old\ntable: old\n');
  });

  const ALL = ['draft', 'load_orders', 'load_users'];
  // glob leaves out hidden names unless the pattern starts with a dot; os.listdir / scandir / iterdir list every entry.
  const VISIBLE = ['load_orders', 'load_users'];
  it.each([
    ['os.listdir', 'CONFIGS = os.path.join(os.path.dirname(__file__), "configs")\nfor name in os.listdir(CONFIGS):\n    if not name.endswith((".yaml", ".yml")):\n        continue', 'open(os.path.join(CONFIGS, name))', ALL],
    ['os.scandir', 'for entry in os.scandir(Path(__file__).parent / "configs"):\n    if not entry.is_file() or not entry.name.endswith((".yaml", ".yml")):\n        continue', 'open(entry.path)', ALL],
    ['glob.glob', 'for path in glob.glob(os.path.dirname(__file__) + "/configs/*.y*ml"):\n    pass', 'open(path)', VISIBLE],
    ['Path.glob', 'for path in sorted(Path(__file__).parent.joinpath("configs").glob("*.y*ml")):\n    pass', 'path.open()', VISIBLE],
    ['Path.iterdir', 'for path in (Path(__file__).parent / "configs").iterdir():\n    if path.suffix not in (".yaml", ".yml"):\n        continue', 'open(path)', ALL],
  ])('%s: one DAG per config, as Python lists the folder', async (_how, loop, open, expected) => {
    write('team/factory.py', FACTORY(loop, open));
    expect(await ids()).toEqual(expected);
    // A config added later is a new DAG at the next read.
    write('team/configs/events.yaml', 'name: load_events\ntable: events\n');
    expect(await ids()).toEqual(['load_events', ...expected].sort());
  });

  it('the configs read are recorded on the DAG (they go into its version bundle)', async () => {
    write('team/factory.py', FACTORY('for name in os.listdir(os.path.join(os.path.dirname(__file__), "configs")):\n    if not name.endswith(".yaml"):\n        continue', 'open(os.path.join(os.path.dirname(__file__), "configs", name))'));
    const scan = await scanDagsFolder(folder, new Date('2024-06-01T00:00:00Z'));
    expect(scan.dags.get('load_orders')!.dag.parse_files).toEqual(['team/configs/.draft.yaml', 'team/configs/orders.yaml']);
  });
});

describe('parseTimeFolders', () => {
  it('lists only folders inside the DAGs folder that the sources name, for sources that list folders', () => {
    write('a/configs/x.json', '{}');
    mkdirSync(join(root, 'outside'));
    writeFileSync(join(root, 'outside', 'secret.yaml'), 'k: v');
    symlinkSync(join(root, 'outside'), join(folder, 'a', 'linked'));
    const listed = parseTimeFolders(folder, [{ file: 'a/f.py', source: 'import os\nos.listdir("configs")\nos.listdir("../../outside")\nos.listdir("linked")\n' }]);
    expect(listed.folders).toEqual({ a: ['configs/', 'linked/'], 'a/configs': ['x.json'] });
    expect(listed.files).toEqual({ 'a/configs/x.json': '{}' });
    expect(parseTimeFolders(folder, [{ file: 'a/f.py', source: 'x = "configs"\n' }])).toEqual({ folders: {}, files: {} });
  });
});

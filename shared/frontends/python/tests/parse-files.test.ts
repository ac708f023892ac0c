/**
 * Config files read while the DAG file is read (issue 14, static reading): open()/json.load,
 * yaml.safe_load, pathlib, os.path.exists over the files the platform hands over (FrontendOptions.files),
 * recorded as the DAGs' parse_files; any other file stays unknown, as before.
 */
import { parsePythonDagFile } from '../index.js';
import { NOW, py } from './helpers.js';

const parse = (source: string, files: Record<string, string>, modules?: Record<string, { file: string; source: string }>) =>
  parsePythonDagFile(source, { file: 'team/etl.py', now: NOW, files, ...(modules ? { modules } : {}) });
const errors = (r: ReturnType<typeof parse>) => r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);

const HEAD = py`
  import json, os
  from datetime import datetime
  from pathlib import Path
  import yaml
  from airflow import DAG
  from airflow.operators.empty import EmptyOperator
`;

describe('config files read at parse time', () => {
  it('reads JSON through open()/json.load and YAML through pathlib and yaml.safe_load, relative to the file, and records them', () => {
    const r = parse(
      `${HEAD}
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "settings.json")) as f:
    settings = json.load(f)
tables = yaml.safe_load((Path(__file__).parent / "conf" / "tables.yaml").read_text())
with DAG("etl", start_date=datetime(2024, 1, 1), schedule=settings["schedule"], tags=settings["tags"]) as dag:
    for t in tables["tables"]:
        EmptyOperator(task_id=t)
`,
      { 'team/settings.json': '{"schedule": "@hourly", "tags": ["a"]}', 'team/conf/tables.yaml': 'tables: [orders, users]\n', 'team/unused.json': '{}' },
    );
    expect(errors(r)).toEqual([]);
    const dag = r.dags[0]!;
    expect(dag.schedule).toMatchObject({ type: 'cron', preset: '@hourly' });
    expect(dag.tasks.map((t) => t.task_id)).toEqual(['orders', 'users']);
    expect(dag.parse_files).toEqual(['team/conf/tables.yaml', 'team/settings.json']);
  });

  it("gives YAML's values as PyYAML's safe_load does: dates, datetimes, yes/no, anchors and merge keys, int keys", () => {
    const r = parse(
      `${HEAD}
c = yaml.load(open("team/c.yaml"), Loader=yaml.SafeLoader)
with DAG("d", start_date=c["day"], schedule=None, tags=[str(c["at"]), str(c["flag"]), c["second"]["name"], str(c["second"]["retries"]), c[1], str(len(open("team/c.yaml").readlines()))]):
    EmptyOperator(task_id="a")
`,
      { 'team/c.yaml': 'day: 2024-02-03\nat: 2024-02-03 04:05:06\nflag: yes\nfirst: &f {name: a, retries: 2}\nsecond: {<<: *f, name: b}\n1: one\n' },
    );
    expect(errors(r)).toEqual([]);
    expect(r.dags[0]!.start_date).toBe('2024-02-03T00:00:00+00:00');
    expect(r.dags[0]!.tags).toEqual(['2024-02-03 04:05:06', 'True', 'b', '2', 'one', '6']);
  });

  it('iterates a file by lines; os.path.exists and Path.exists are true for a handed-over file', () => {
    const r = parse(
      `${HEAD}
names = [line.strip() for line in open("team/names.txt") if line.strip()]
assert os.path.exists("team/names.txt") and Path("team/names.txt").is_file()
with DAG("d", start_date=datetime(2024, 1, 1), schedule=None):
    for n in names:
        EmptyOperator(task_id=n)
`,
      { 'team/names.txt': 'one\ntwo\n\nthree' },
    );
    expect(errors(r)).toEqual([]);
    expect(r.dags[0]!.tasks.map((t) => t.task_id)).toEqual(['one', 'two', 'three']);
    expect(r.dags[0]!.parse_files).toEqual(['team/names.txt']);
  });

  it('reads a file a local module opens beside itself', () => {
    const r = parse(
      `${HEAD}
from shared.config import TABLES
with DAG("d", start_date=datetime(2024, 1, 1), schedule=None):
    for t in TABLES:
        EmptyOperator(task_id=t)
`,
      { 'shared/tables.json': '["x", "y"]' },
      { shared: { file: 'shared/__init__.py', source: '' }, 'shared.config': { file: 'shared/config.py', source: 'import json, os\nTABLES = json.load(open(os.path.join(os.path.dirname(__file__), "tables.json")))\n' } },
    );
    expect(errors(r)).toEqual([]);
    expect(r.dags[0]!.tasks.map((t) => t.task_id)).toEqual(['x', 'y']);
    expect(r.dags[0]!.parse_files).toEqual(['shared/tables.json']);
  });

  it('leaves unknown what it was not handed (another file, a path outside the folder, writing) and says so where the shape needs it; bad content is an error', () => {
    const shaped = (expr: string, files: Record<string, string> = {}) =>
      errors(parse(`${HEAD}\nc = ${expr}\nwith DAG("d", start_date=datetime(2024, 1, 1), schedule=None):\n    for t in c:\n        EmptyOperator(task_id=t)\n`, files));
    expect(shaped('json.load(open("team/missing.json"))')).toEqual([expect.stringMatching(/depends on open\("team\/missing.json"\).*/)]);
    expect(shaped('json.load(open("../outside.json"))', { '../outside.json': '[]' })).toEqual([expect.stringMatching(/depends on open/)]);
    expect(shaped('json.load(open("/etc/tables.json"))')).toEqual([expect.stringMatching(/depends on open/)]);
    expect(shaped('open("team/t.json", "w")', { 'team/t.json': '[]' })).toEqual([expect.stringMatching(/depends on open/)]);
    expect(shaped('json.load(open("team/t.json"))', { 'team/t.json': '[1,' })).toEqual([expect.stringMatching(/JSONDecodeError/)]);
    expect(shaped('yaml.safe_load(open("team/t.yaml"))', { 'team/t.yaml': 'a: [1\n' })).toEqual([expect.stringMatching(/YAMLError/)]);
  });
});

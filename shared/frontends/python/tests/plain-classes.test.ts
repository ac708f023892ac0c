/**
 * Plain classes in DAG files (and modules beside them): config holders, factory objects and
 * dataclasses are evaluated as Python runs them; other classes stay as they were (operators make
 * tasks, the rest is opaque).
 */
import { parsePythonDagFile } from '../index.js';
import { NOW, py } from './helpers.js';

const parse = (source: string, modules?: Record<string, { file: string; source: string }>) => parsePythonDagFile(source, { file: 'etl.py', now: NOW, ...(modules ? { modules } : {}) });
const errors = (r: ReturnType<typeof parse>) => r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);

const HEAD = py`
  from dataclasses import dataclass
  from datetime import datetime
  from airflow import DAG
  from airflow.operators.bash import BashOperator
`;

describe('plain classes', () => {
  it('reads class attributes, instances made by __init__, methods, staticmethod, classmethod, property and inheritance', () => {
    const r = parse(`${HEAD}
class Config(object):
    """Settings of the pipeline."""
    OWNER = "data-team"
    TABLES = ["orders", "users"]

class Steps:
    retries = 1

    def __init__(self, prefix, retries=None):
        self.prefix = prefix
        if retries is not None:
            self.retries = retries

    @staticmethod
    def command(name):
        return "load " + name

    @classmethod
    def named(cls, prefix):
        return cls(prefix, retries=3)

    @property
    def label(self):
        return self.prefix.upper()

    def make(self, table):
        return BashOperator(task_id=self.prefix + "_" + table, bash_command=self.command(table), retries=self.retries, owner=Config.OWNER)

class LoudSteps(Steps):
    def make(self, table):
        task = Steps.make(self, table)
        return task

with DAG("etl", start_date=datetime(2024, 1, 1), schedule=None, tags=[Steps("x").label, Config.__doc__.strip()]) as dag:
    plain = [Steps("load").make(t) for t in Config.TABLES]
    special = LoudSteps.named("again").make("orders")
    assert isinstance(special, object) and isinstance(LoudSteps("y"), Steps) and not isinstance(Steps("z"), LoudSteps)
    plain >> special
`);
    expect(errors(r)).toEqual([]);
    const dag = r.dags[0]!;
    expect(dag.tags).toEqual(['X', 'Settings of the pipeline.']);
    expect(dag.tasks.map((t) => [t.task_id, t.retries, t.owner, t.args.bash_command, t.upstream_task_ids])).toEqual([
      ['load_orders', 1, 'data-team', 'load orders', []],
      ['load_users', 1, 'data-team', 'load users', []],
      ['again_orders', 3, 'data-team', 'load orders', ['load_orders', 'load_users']],
    ]);
  });

  it('makes dataclass instances from their fields and defaults, also from a module beside the file', () => {
    const r = parse(
      `${HEAD}
from common.tables import Table
@dataclass
class Job:
    name: str
    retries: int = 0

jobs = [Job("a"), Job("b", retries=2), Job(name="c", retries=1)]
with DAG("d", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    for j in jobs + [Table("t", "x").job()]:
        BashOperator(task_id=j.name, bash_command="echo", retries=j.retries)
`,
      { common: { file: 'common/__init__.py', source: '' }, 'common.tables': { file: 'common/tables.py', source: 'class Table:\n    retries = 0\n    def __init__(self, name, schema):\n        self.name = name\n        self.schema = schema\n    def job(self):\n        return Table(self.schema + "_" + self.name, None)\n' } },
    );
    expect(errors(r)).toEqual([]);
    expect(r.dags[0]!.tasks.map((t) => [t.task_id, t.retries])).toEqual([['a', 0], ['b', 2], ['c', 1], ['x_t', 0]]);
  });

  it("reports Python's errors (missing arguments, unknown attributes) and leaves other classes opaque where they were", () => {
    expect(errors(parse(`${HEAD}\n@dataclass\nclass J:\n    name: str\nwith DAG("d", start_date=datetime(2024, 1, 1), schedule=None):\n    BashOperator(task_id=J().name, bash_command="x")\n`))).toEqual([
      expect.stringContaining("J.__init__() missing 1 required positional argument: 'name'"),
    ]);
    expect(errors(parse(`${HEAD}\nclass C:\n    pass\nwith DAG("d", start_date=datetime(2024, 1, 1), schedule=None):\n    BashOperator(task_id=C().missing, bash_command="x")\n`))).toEqual([
      expect.stringContaining("has no attribute 'missing'"),
    ]);
    // A class calling super() is not modelled: opaque, an error only where a value from it is needed.
    expect(errors(parse(`${HEAD}\nclass A:\n    def __init__(self):\n        self.x = "a"\nclass B(A):\n    def __init__(self):\n        super().__init__()\nwith DAG("d", start_date=datetime(2024, 1, 1), schedule=None):\n    BashOperator(task_id=B().x, bash_command="x")\n`))).toEqual([
      expect.stringContaining('must be known when the DAG file is read'),
    ]);
    // A Flag enum (Enum classes are read: enums.test.ts) is not a plain class: still opaque, an error only where the value is needed.
    expect(errors(parse(`${HEAD}\nfrom enum import Flag\nclass Color(Flag):\n    RED = "red"\nwith DAG("d", start_date=datetime(2024, 1, 1), schedule=None):\n    BashOperator(task_id=Color.RED.value, bash_command="x")\n`))).toEqual([
      expect.stringContaining('must be known when the DAG file is read'),
    ]);
  });
});

/** `Variable.get("key")` in DAG files: answered by the platform from the variables its tasks read. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanDagsFolder } from './dags-folder.js';
import { parseTimeVariables, variableKeysRead } from './parse-time-variables.js';

describe('the variables a DAG file reads', () => {
  it("are the literal keys of Variable.get calls in the file and the modules it imports", () => {
    const sources = [
      { source: 'ENV = Variable.get("env", default_var="dev")\nb = models.Variable.get(key=\'bucket\')\nVariable.get(name)\nVariable.set("written", 1)\n' },
      { source: 'from airflow.models import Variable\nX = Variable.get( "shared_cfg" , deserialize_json=True)' },
      { source: 'print("no variables")' },
    ];
    expect(variableKeysRead(sources)).toEqual(['bucket', 'env', 'shared_cfg']);
  });

  it('and the literals assigned to a name a Variable.get call passes as its key', () => {
    const source = 'ENV_KEY = "env"  # the key\nBUCKET_KEY: str = \'bucket\'\nx = Variable.get(ENV_KEY, default_var="dev")\ny = Variable.get(key=BUCKET_KEY)\nz = Variable.get(OTHER)\nOTHER = f"x{1}"\n';
    expect(variableKeysRead([{ source }])).toEqual(['bucket', 'env']);
  });

  it('are looked up once each, null when not set', async () => {
    const asked: string[] = [];
    const lookup = async (key: string) => (asked.push(key), key === 'env' ? 'prod' : undefined);
    expect(await parseTimeVariables([{ source: 'Variable.get("env")\nVariable.get("env")\nVariable.get("other", default_var=1)' }], lookup)).toEqual({ env: 'prod', other: null });
    expect(asked.sort()).toEqual(['env', 'other']);
    expect(await parseTimeVariables([{ source: 'x = 1' }], lookup)).toEqual({});
  });
});

describe('a DAGs folder whose files read variables at parse time', () => {
  let folder: string;
  beforeEach(() => (folder = mkdtempSync(join(tmpdir(), 'skydag-vars-'))));
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it("gives a module of the folder the value too; a missing one without default makes the file's import error", async () => {
    mkdirSync(join(folder, 'common'));
    writeFileSync(join(folder, 'common', '__init__.py'), '');
    writeFileSync(join(folder, 'common', 'settings.py'), 'from airflow.models import Variable\nBUCKET = Variable.get("bucket")\n');
    writeFileSync(
      join(folder, 'etl.py'),
      [
        'from datetime import datetime',
        'from airflow import DAG',
        'from airflow.operators.bash import BashOperator',
        'from common.settings import BUCKET',
        'with DAG("etl", start_date=datetime(2024, 1, 1), schedule=None):',
        '    BashOperator(task_id="t", bash_command="aws s3 ls s3://" + BUCKET)',
        '',
      ].join('\n'),
    );
    const values: Record<string, string> = { bucket: 'raw' };
    const scan = await scanDagsFolder(folder, new Date('2024-06-01T00:00:00Z'), undefined, async (key) => values[key]);
    expect(scan.dags.get('etl')!.dag.tasks[0]!.args?.bash_command).toBe('aws s3 ls s3://raw');
    delete values.bucket;
    const missing = await scanDagsFolder(folder, new Date('2024-06-01T00:00:00Z'), undefined, async (key) => values[key]);
    expect(missing.dags.size).toBe(0);
    // The module's values are read leniently: its KeyError leaves BUCKET unknown, which the task needs.
    expect(missing.files.flatMap((f) => f.diagnostics.map((d) => d.message))).toEqual([expect.stringContaining('depends on common.settings.BUCKET')]);
  });
});

/** The CLI as a user runs it (in-process, output captured): dags list, dags compile, usage errors. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../local/cli/main.js';
import type { CliIO } from '../../local/cli/io.js';
import { startEmbeddedDynamoDB } from '../../local/stores/embedded-dynamodb.js';
import { dagRecord } from '../contracts/records.js';

const EXAMPLES = join(__dirname, '../../examples/dags');
const BROKEN = join(__dirname, '../fixtures/dags/broken');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) };
  const code = await main(args, io);
  return { code, out, err };
}

describe('skydag dags list', () => {
  it('lists every example DAG with its file, schedule and paused state, and no import errors', async () => {
    const { code, out } = await run(['dags', 'list', '--dags-folder', EXAMPLES, '--output', 'json']);
    expect(code).toBe(0);
    const listed = JSON.parse(out) as { dags: { dag_id: string; file: string; schedule: string | null; paused: boolean }[]; import_errors: unknown[] };
    expect(listed.import_errors).toEqual([]);
    expect(listed.dags.map((d) => [d.dag_id, d.file, d.schedule, d.paused])).toEqual([
      ['branching', 'branching.py', '@daily', true],
      ['example_datasets_consumer', 'datasets_dag_factory.yml', 'Dataset', true],
      ['example_datasets_producer', 'datasets_dag_factory.yml', null, true],
      ['ExampleSchemaGeneration', 'schema_generation.py', null, true],
      ['MasterDag', 'master_dag.py', null, true],
      ['taskflow_etl', 'taskflow_etl.py', '0 2 * * *', true],
      ['tutorial_bash', 'tutorial_bash.py', '0 6 * * *', true],
      ['video_embedding_dag', 'couture_spark_pipeline.py', '0 3 * * *', true],
      ['yaml_example_etl', 'yaml_example.yaml', '@daily', true],
    ]);
  });

  it("shows Airflow 2's timetable summary for data-aware DAGs: Dataset, or Dataset or <time>", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'skydag-cli-datasets-'));
    try {
      writeFileSync(
        join(folder, 'aware.py'),
        `from datetime import datetime, timedelta
from airflow import DAG
from airflow.datasets import Dataset
from airflow.operators.bash import BashOperator
from airflow.timetables.datasets import DatasetOrTimeSchedule
from airflow.timetables.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable

orders = Dataset("s3://lake/orders")
start = datetime(2024, 1, 1)
for dag_id, schedule in [
    ("on_orders", [orders]),
    ("on_orders_or_returns", orders | Dataset("s3://lake/returns")),
    ("orders_or_daily", DatasetOrTimeSchedule(timetable=CronDataIntervalTimetable("@daily", timezone="UTC"), datasets=[orders])),
    ("orders_or_6h", DatasetOrTimeSchedule(timetable=DeltaDataIntervalTimetable(timedelta(hours=6)), datasets=[orders])),
    ("daily", "@daily"),
    ("manual", None),
]:
    with DAG(dag_id, start_date=start, schedule=schedule) as dag:
        BashOperator(task_id="t", bash_command="true")
    globals()[dag_id] = dag
`,
      );
      const table = await run(['dags', 'list', '--dags-folder', folder]);
      expect([table.code, table.err]).toEqual([0, '']);
      const schedules = Object.fromEntries(
        table.out
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => {
            const [dagId, , ...rest] = line.split(/\s{2,}/);
            return [dagId, rest[0]];
          }),
      );
      expect(schedules).toEqual({
        daily: '@daily',
        manual: 'None',
        on_orders: 'Dataset',
        on_orders_or_returns: 'Dataset',
        orders_or_6h: 'Dataset or 6:00:00',
        orders_or_daily: 'Dataset or 0 0 * * *',
      });
      const listed = JSON.parse((await run(['dags', 'list', '--dags-folder', folder, '-o', 'json'])).out) as { dags: { dag_id: string; schedule: string | null }[] };
      expect(listed.dags.map((d) => [d.dag_id, d.schedule])).toEqual([
        ['daily', '@daily'],
        ['manual', null],
        ['on_orders', 'Dataset'],
        ['on_orders_or_returns', 'Dataset'],
        ['orders_or_6h', 'Dataset or 6:00:00'],
        ['orders_or_daily', 'Dataset or 0 0 * * *'],
      ]);
      // `dags compile -o json` says the same, with the condition the runs wait for.
      const compiled = JSON.parse((await run(['dags', 'compile', join(folder, 'aware.py'), '--dags-folder', folder, '-o', 'json'])).out) as { dags: { dag_id: string; schedule: string | null; dataset_schedule?: unknown }[] };
      expect(compiled.dags.map((d) => [d.dag_id, d.schedule])).toEqual([
        ['on_orders', 'Dataset'],
        ['on_orders_or_returns', 'Dataset'],
        ['orders_or_daily', 'Dataset or 0 0 * * *'],
        ['orders_or_6h', 'Dataset or 6:00:00'],
        ['daily', '@daily'],
        ['manual', null],
      ]);
      expect(compiled.dags[1]!.dataset_schedule).toEqual({ any: [{ uri: 's3://lake/orders' }, { uri: 's3://lake/returns' }] });
      expect(compiled.dags[4]).not.toHaveProperty('dataset_schedule');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('reports import errors of broken files with their locations', async () => {
    const { code, out, err } = await run(['dags', 'list', '--dags-folder', BROKEN]);
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^DAG_ID\s+FILE/);
    expect(err).toMatch(/import error\(s\):/);
    expect(err).toMatch(/dag_cycle\.py:\d+:\d+: error: DAG 'chapter8_dag_cycle' has a cycle: t1 >> t2 >> t3 >> t1 \[SKYDAG-V001\]/);
  });

  it('explains a missing DAGs folder', async () => {
    const { code, err } = await run(['dags', 'list', '--dags-folder', '/nonexistent/dags']);
    expect(code).toBe(1);
    expect(err).toContain("DAGs folder '/nonexistent/dags' does not exist; pass --dags-folder DIR or set SKYDAG_DAGS_FOLDER");
  });
});

describe('skydag dags compile', () => {
  it('prints the contract JSON: model, ASL, EventBridge schedule and cost report', async () => {
    const { code, out } = await run(['dags', 'compile', 'branching.py', '--dags-folder', EXAMPLES, '-o', 'json']);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.errors).toEqual([]);
    const [dag] = result.dags;
    expect(dag).toMatchObject({ dag_id: 'branching', file: 'branching.py', schedule: '@daily', eventbridge_schedule: { expressions: ['cron(0 0 * * ? *)'], timezone: 'Europe/Amsterdam' } });
    const join = dag.tasks.find((t: { task_id: string }) => t.task_id === 'join_datasets');
    expect(join).toMatchObject({
      operator: 'EmptyOperator',
      upstream_task_ids: ['fetch_sales_new', 'fetch_sales_old', 'fetch_weather'],
      downstream_task_ids: ['train_model'],
      trigger_rule: 'none_failed_min_one_success',
      retries: 0,
      retry_delay_seconds: 300,
    });
    expect(dag.asl.StartAt).toBe('Run tasks');
    expect(dag.report.tasks).toBe(9);
  });

  it('keeps the operator class name as written (Couture operators)', async () => {
    const { out } = await run(['dags', 'compile', 'couture_spark_pipeline.py', '--dags-folder', EXAMPLES, '-o', 'json']);
    const ops = JSON.parse(out).dags[0].tasks.map((t: { task_id: string; operator: string }) => `${t.task_id}:${t.operator}`);
    expect(ops).toEqual(['LoadData:CoutureSparkOperator', 'GenerateEmbeddings:CouturePySparkOperator', 'ComputeSimilarity:CoutureSparkOperator', 'Notify:BashOperator']);
  });

  it('exits 1 with every error of a broken file, each with file:line:col, and no DAG', async () => {
    const { code, out } = await run(['dags', 'compile', 'many_problems.py', '--dags-folder', BROKEN, '-o', 'json']);
    expect(code).toBe(1);
    const result = JSON.parse(out);
    expect(result.dags).toEqual([]);
    expect(result.errors.length).toBeGreaterThanOrEqual(6);
    for (const e of result.errors) {
      expect(e.file).toBe('many_problems.py');
      expect(e.line).toBeGreaterThan(0);
      expect(e.col).toBeGreaterThan(0);
      expect(e.message.length).toBeGreaterThan(10);
    }
    expect(new Set(result.errors.map((e: { code: string }) => e.code))).toEqual(new Set(['SKYDAG-V005', 'SKYDAG-V007', 'SKYDAG-V004', 'SKYDAG-V010', 'SKYDAG-V002', 'SKYDAG-V001']));
  });

  it('prints in text mode what the README says it prints, naming where the ASL is', async () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith('npx skydag dags compile examples/dags/branching.py'));
    expect(line).toContain('# tasks, schedule, state-machine size and cost, compute per task (ASL with --output json) — or every error (exit 1)');
    const { code, out } = await run(['dags', 'compile', join(EXAMPLES, 'branching.py')]);
    expect(code).toBe(0);
    expect(out).toMatch(/^ {2}TASK\s+OPERATOR\s+UPSTREAM\s+TRIGGER_RULE\s+RETRIES\s+COMPUTE \(AWS\)$/m); // tasks, compute per task
    expect(out).toContain('  schedule: @daily (Europe/Amsterdam)');
    expect(out).toMatch(/ {2}state machine: \d+ states in 1 machine, [\d.]+ KB; ~\d+ history events per run .* Lambda invocations per task/); // size and cost
    expect(out).toContain('  ASL: skydag-branching (main); --output json prints the definitions');
  });

  it('shows how each mapped task runs its indexes (inline, distributed, or by the count an XCom gives) and its mapped group', async () => {
    const { code, out } = await run(['dags', 'compile', join(__dirname, '../fixtures/e2e/mapping_groups.py')]);
    expect(code).toBe(0);
    expect(out).toMatch(/^ {2}TASK\s+OPERATOR\s+UPSTREAM\s+TRIGGER_RULE\s+RETRIES\s+COMPUTE \(AWS\)\s+MAPPED$/m);
    expect(out).toMatch(/^ {2}make_list\s.*\s-$/m);
    expect(out).toMatch(/^ {2}process\.add_one\s.*inline up to \d+, else distributed \(group process\)$/m);
    expect(out).toMatch(/^ {2}per_file\.echo\s.*\sinline \(group per_file\)$/m);
    const json = JSON.parse((await run(['dags', 'compile', join(__dirname, '../fixtures/e2e/mapping_groups.py'), '-o', 'json'])).out);
    expect(json.dags[0].mapped['process.scale']).toEqual({ mode: 'by_count', inline_limit: expect.any(Number), group_id: 'process' });
  });

  it('prints compiler-style errors in text mode', async () => {
    const { code, err } = await run(['dags', 'compile', 'unknown_operator.py', '--dags-folder', BROKEN]);
    expect(code).toBe(1);
    expect(err).toMatch(/unknown_operator\.py:\d+:\d+: error: .*CoutureSparkOperatr.*did you mean 'CoutureSparkOperator'\?/);
    expect(err).toMatch(/no DAG registered/);
  });

  it('shows where each task runs in AWS and that compute\'s own time limit', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'skydag-cli-compute-'));
    try {
      writeFileSync(
        join(folder, 'compute.py'),
        [
          'from datetime import datetime, timedelta',
          'from airflow import DAG',
          'from airflow.operators.bash import BashOperator',
          'from airflow.operators.empty import EmptyOperator',
          'from airflow.sensors.filesystem import FileSensor',
          'with DAG("compute", start_date=datetime(2024, 1, 1), schedule=None):',
          '    quick = BashOperator(task_id="quick", bash_command="true", execution_timeout=timedelta(minutes=10))',
          '    long = BashOperator(task_id="long", bash_command="sleep 3600")',
          '    wait = FileSensor(task_id="wait", filepath="/tmp/x")',
          '    done = EmptyOperator(task_id="done")',
          '    [quick, long, wait] >> done',
        ].join('\n'),
      );
      const json = await run(['dags', 'compile', 'compute.py', '--dags-folder', folder, '-o', 'json']);
      expect(json.code).toBe(0);
      const tasks = JSON.parse(json.out).dags[0].tasks as { task_id: string; compute: unknown }[];
      expect(Object.fromEntries(tasks.map((t) => [t.task_id, t.compute]))).toEqual({
        quick: { runs_on: 'lambda', limit_seconds: 900, per: 'try' },
        long: { runs_on: 'fargate', limit_seconds: null, per: 'try' },
        wait: { runs_on: 'lambda', limit_seconds: 900, per: 'poke' },
        done: { runs_on: 'none', limit_seconds: null, per: 'try' },
      });
      const text = await run(['dags', 'compile', 'compute.py', '--dags-folder', folder]);
      expect(text.out).toMatch(/COMPUTE \(AWS\)/);
      expect(text.out).toMatch(/quick .*lambda \(≤ 900 s\)/);
      expect(text.out).toMatch(/long .* fargate/);
      expect(text.out).toMatch(/wait .*lambda \(≤ 900 s per poke\)/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('says when a file does not exist', async () => {
    const { code, err } = await run(['dags', 'compile', 'nope.py', '--dags-folder', EXAMPLES]);
    expect(code).toBe(1);
    expect(err).toContain("DAG file 'nope.py' not found");
  });
});

describe('usage errors', () => {
  it('rejects a --conf that is not a JSON object', async () => {
    const { code, err } = await run(['dags', 'test', 'branching', '2024-03-05', '--dags-folder', EXAMPLES, '--conf', '[1, 2]']);
    expect(code).toBe(1);
    expect(err).toContain('--conf must be a JSON object');
  });

  it('rejects an invalid logical date', async () => {
    const { code, err } = await run(['dags', 'test', 'branching', 'yesterday', '--dags-folder', EXAMPLES]);
    expect(code).toBe(1);
    expect(err).toContain("invalid logical date 'yesterday'");
  });

  it('names the DAGs folder when a DAG is unknown', async () => {
    const { code, err } = await run(['dags', 'test', 'no_such_dag', '--dags-folder', EXAMPLES]);
    expect(code).toBe(1);
    expect(err).toContain("DAG 'no_such_dag' not found");
  });
});

describe('skydag --version', () => {
  it('prints the package version and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const { code, out } = await run([flag]);
      expect(code).toBe(0);
      expect(out.trim()).toBe(pkg.version);
    }
  });
});

describe('template limits', () => {
  it('refuses an invalid SKYDAG_TEMPLATE_* variable with a one-line error', async () => {
    process.env.SKYDAG_TEMPLATE_MAX_STEPS = 'lots';
    try {
      const { code, err } = await run(['dags', 'test', 'tutorial_bash', '--dags-folder', EXAMPLES]);
      expect(code).toBe(1);
      expect(err).toBe('error: SKYDAG_TEMPLATE_MAX_STEPS must be a positive integer, got "lots"\n');
    } finally {
      delete process.env.SKYDAG_TEMPLATE_MAX_STEPS;
    }
  });
});

describe('skydag dags list with a platform store in $SKYDAG_HOME', () => {
  const savedHome = process.env.SKYDAG_HOME;
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'skydag-cli-home-'));
    process.env.SKYDAG_HOME = home;
  });
  afterEach(() => {
    if (savedHome === undefined) delete process.env.SKYDAG_HOME;
    else process.env.SKYDAG_HOME = savedHome;
    rmSync(home, { recursive: true, force: true });
  });

  it("shows the platform's paused state for a DAG unpaused through the API, the file's default for others", async () => {
    const db = await startEmbeddedDynamoDB({ home });
    try {
      await db.store.putDag(dagRecord('branching', { fileloc: 'branching.py', is_paused: false }));
    } finally {
      await db.close();
    }
    const { code, out } = await run(['dags', 'list', '--dags-folder', EXAMPLES, '--output', 'json']);
    expect(code).toBe(0);
    const paused = Object.fromEntries((JSON.parse(out) as { dags: { dag_id: string; paused: boolean }[] }).dags.map((d) => [d.dag_id, d.paused]));
    expect(paused.branching).toBe(false);
    expect(paused.tutorial_bash).toBe(true);
  });

  it('creates no store when there is none', async () => {
    const { code } = await run(['dags', 'list', '--dags-folder', EXAMPLES]);
    expect(code).toBe(0);
    expect(existsSync(join(home, 'dynamodb'))).toBe(false);
  });
});

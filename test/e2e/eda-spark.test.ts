/**
 * EDA as AWS runs it: the Spark profiler's generated DAG, run with `skydag dags test` against the
 * fake EMR / EMR Serverless endpoints (their protocols, requests recorded). Each step or job run
 * runs its spark-submit argv with the fake spark-submit, which hands the shipped program to a
 * stand-in for Spark (test/fixtures/eda/plain-spark.py: the program's plain functions over
 * aggregates computed in plain Python; pyspark is not installed here). The summary lands where the
 * API reads it and renders as the local profiler's does. A database source's job reads its run's
 * credentials object through the program's own read_credentials / jdbc_frame on the stand-in session
 * of test/fixtures/eda/jdbc_session.py, which records the JDBC reader's options.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { AesGcmCipher, generateSecretKey } from '../../shared/api/secrets/cipher.js';
import { blobCredentialsDrop } from '../../shared/eda/jdbc.js';
import { renderReport } from '../../shared/eda/report.js';
import { defaultEdaPython, EdaSources, SPARK_PROFILER_ARTIFACT } from '../../shared/eda/sources.js';
import { Repository } from '../../shared/repository/repository.js';
import { ArtifactStore } from '../../shared/spark/artifacts.js';
import { ConfigGroupStore } from '../../shared/spark/config-groups.js';
import { startFakeEmr, type FakeEmr } from '../helpers/fake-emr.js';
import { installFakeSparkSubmit, type FakeSparkSubmit } from '../helpers/fake-spark-submit.js';
import { cli, useTemporarySkydagHome, type DagsTestJson } from './support.js';

/** The parts of a summary the assertions read (profile.py's shape). */
interface Summary {
  column_profiles: { histogram?: unknown[]; distribution?: unknown[] }[];
  correlations: { columns: string[]; matrix: number[][] };
}

const temp = useTemporarySkydagHome();
const PLAIN_SPARK = join(__dirname, '../fixtures/eda/plain-spark.py');
const CSV = ['id,amount,city,score', '1,10.5,Pune,3', '2,20,<script>alert(1)</script>,5', '3,,Pune,7', '4,40,Delhi,9', ''].join('\n');
const AWS = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDFAKE', AWS_SECRET_ACCESS_KEY: 'fake-secret' };
const ENV_NAMES = [...Object.keys(AWS), 'AWS_ENDPOINT_URL_EMR', 'AWS_ENDPOINT_URL_EMR_SERVERLESS', 'PYSPARK_PYTHON', 'PLAIN_SPARK_JDBC_LOG', 'PLAIN_SPARK_JDBC_TABLE'];

let work: string;
let dags: string;
let fake: FakeSparkSubmit;
let emr: FakeEmr;
let blobs: FsBlobStore;
let eda: EdaSources;
const previousPath = process.env.PATH;

beforeAll(async () => {
  work = temp.make('skydag-eda-spark-');
  dags = join(work, 'dags');
  mkdirSync(dags);
  fake = installFakeSparkSubmit(work);
  process.env.PATH = `${fake.binDir}:${previousPath}`;
  const group = (name: string, body: object) => {
    writeFileSync(join(work, `${name}.json`), JSON.stringify({ name, ...body }));
    return join(work, `${name}.json`);
  };
  // The first group is the default: EMR; EMR Serverless by name.
  expect((await cli(['config-groups', 'import', group('emr', { engine: { type: 'emr', cluster_id: 'j-EDA' } })])).code).toBe(0);
  const serverless = group('emr-sl', { engine: { type: 'emr_serverless', application_id: '00eda', execution_role_arn: 'arn:aws:iam::123456789012:role/spark' }, configurations: { 'spark.executor.memory': '4g' } });
  expect((await cli(['config-groups', 'import', serverless])).code).toBe(0);
  emr = await startFakeEmr({ clusters: ['j-EDA'], applications: ['00eda'], path: process.env.PATH });
  // The API's service as the cloud wires it, over this home's blob store (local paths stand for s3:// URIs).
  blobs = new FsBlobStore(join(process.env.SKYDAG_HOME!, 'blobs'));
  await blobs.put('data/orders.csv', CSV);
  const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate: (key) => blobs.pathOf(key) });
  const groups = new ConfigGroupStore(blobs, new AesGcmCipher(generateSecretKey()));
  eda = new EdaSources({ blobs, repository, locate: (key) => blobs.pathOf(key), spark: { artifacts: new ArtifactStore(blobs), groups } });
  await eda.put('orders', { blob_key: 'data/orders.csv' }, 'op');
});
afterEach(() => {
  for (const name of ENV_NAMES) delete process.env[name];
});
afterAll(async () => {
  process.env.PATH = previousPath;
  await emr.close();
});

const dagsTest = async (dagId: string, date: string) => {
  const result = await cli(['dags', 'test', dagId, date, '--dags-folder', dags, '--output', 'json']);
  expect(result.err).toBe('');
  return { code: result.code, run: JSON.parse(result.out) as DagsTestJson };
};
const program = () => join(process.env.SKYDAG_HOME!, 'blobs/spark/artifacts/code', SPARK_PROFILER_ARTIFACT);
const programArgs = (level: string, ts: string) => [
  '--input', blobs.pathOf('data/orders.csv'), '--format', 'csv', '--level', level, '--source', 'orders',
  '--output', `${blobs.pathOf('eda/reports/orders')}/${level}-${ts}/summary.json`,
];

describe('EDA as a Spark job (AWS)', () => {
  it('L1 on the default EMR group: AddJobFlowSteps runs the shipped program with the paths and level; the summary renders', async () => {
    const dag = await eda.dagFor('orders', 'L1');
    writeFileSync(join(dags, dag.filename), dag.content);
    expect(readFileSync(program(), 'utf8')).toBe(readFileSync(join(__dirname, '../../shared/python/skydag_eda/spark_profile.py'), 'utf8'));
    Object.assign(process.env, AWS, { AWS_ENDPOINT_URL_EMR: emr.endpoint, PYSPARK_PYTHON: PLAIN_SPARK });
    const before = emr.requests().length;
    const { code, run } = await dagsTest('eda__orders__L1', '2024-01-02');
    expect(code).toBe(0);
    expect(run.task_instances).toMatchObject([{ task_id: 'profile', state: 'success', config_group: { name: 'emr' } }]);
    const argv = [
      'spark-submit', '--deploy-mode', 'cluster', '--name', 'eda__orders__L1.profile',
      '--conf', 'spark.workflow.dagId=eda__orders__L1', '--conf', 'spark.workflow.taskId=profile',
      program(), ...programArgs('L1', '20240102T000000'),
    ];
    const [add, ...polls] = emr.requests().slice(before);
    expect(add).toEqual({ service: 'emr', action: 'AddJobFlowSteps', body: { JobFlowId: 'j-EDA', Steps: [{ Name: 'eda__orders__L1.profile', ActionOnFailure: 'CONTINUE', HadoopJarStep: { Jar: 'command-runner.jar', Args: argv } }] } });
    expect(polls.every((p) => p.action === 'DescribeStep')).toBe(true);
    expect(fake.calls().at(-1)).toEqual(argv.slice(1));

    // The report the API serves: listed ready, the summary in profile.py's shape, the HTML escaped.
    expect(await eda.reports('orders')).toMatchObject([{ report_id: 'L1-20240102T000000', ready: true }]);
    const summary = (await eda.summary('orders', 'L1-20240102T000000')) as Summary;
    expect(summary).toMatchObject({ level: 'L1', rows: 4, columns: 4, source: 'orders' });
    const [id, amount, city] = summary.column_profiles as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    expect(id).toEqual({
      name: 'id', type: 'number', dtype: 'int', count: 4, nulls: 0, distinct: 4,
      top_values: [{ value: '1', count: 1 }, { value: '2', count: 1 }, { value: '3', count: 1 }, { value: '4', count: 1 }],
      min: 1, max: 4, mean: 2.5, std: expect.closeTo(1.29099, 4),
      quantiles: { '5%': 1, '25%': 1, '50%': 2, '75%': 3, '95%': 4 },
      histogram: expect.arrayContaining([{ from: 1, to: 1.3, count: 1 }, { from: expect.closeTo(3.7, 9), to: 4, count: 1 }]),
      distribution: expect.any(Array),
    });
    expect(id.histogram).toHaveLength(10);
    expect(id.distribution).toHaveLength(20);
    expect(amount).toMatchObject({ type: 'number', dtype: 'double', count: 3, nulls: 1, min: 10.5, max: 40 });
    expect(city).toMatchObject({ type: 'text', count: 4, distinct: 3, top_values: [{ value: 'Pune', count: 2 }, { value: '<script>alert(1)</script>', count: 1 }, { value: 'Delhi', count: 1 }], min: '<script>alert(1)</script>', max: 'Pune' });
    expect(summary.correlations.columns).toEqual(['id', 'amount', 'score']);
    const [first, , third] = summary.correlations.matrix as [number[], number[], number[]];
    expect(first[0]).toBeCloseTo(1, 9);
    expect(first[2]).toBeCloseTo(third[0]!, 12);
    expect(first[2]).toBeCloseTo(1, 9);
    const html = renderReport(summary, 'EDA L1-20240102T000000 of orders');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script/i);
  }, 60_000);

  it('L0 on a named EMR Serverless group: StartJobRun with the program as entry point and the group in spark-defaults', async () => {
    const dag = await eda.dagFor('orders', 'L0', { configGroup: 'emr-sl' });
    expect(dag.content).toContain('config_group="emr-sl"');
    writeFileSync(join(dags, dag.filename), dag.content);
    Object.assign(process.env, AWS, { AWS_ENDPOINT_URL_EMR_SERVERLESS: emr.endpoint, PYSPARK_PYTHON: PLAIN_SPARK });
    const before = emr.requests().length;
    const { code, run } = await dagsTest('eda__orders__L0', '2024-01-03');
    expect(code).toBe(0);
    expect(run.task_instances).toMatchObject([{ task_id: 'profile', state: 'success', config_group: { name: 'emr-sl' } }]);
    const [start] = emr.requests().slice(before);
    expect(start).toEqual({
      service: 'emr-serverless',
      action: 'POST /applications/00eda/jobruns',
      body: {
        clientToken: expect.stringMatching(/^[0-9a-f]{64}$/),
        executionRoleArn: 'arn:aws:iam::123456789012:role/spark',
        name: 'eda__orders__L0.profile',
        jobDriver: { sparkSubmit: { entryPoint: program(), entryPointArguments: programArgs('L0', '20240103T000000') } },
        configurationOverrides: {
          applicationConfiguration: [
            { classification: 'spark-defaults', properties: { 'spark.executor.memory': '4g', 'spark.app.name': 'eda__orders__L0.profile', 'spark.workflow.dagId': 'eda__orders__L0', 'spark.workflow.taskId': 'profile' } },
          ],
          monitoringConfiguration: {},
        },
        executionTimeoutMinutes: 0,
      },
    });
    const summary = (await eda.summary('orders', 'L0-20240103T000000')) as Summary;
    expect(summary).toMatchObject({ level: 'L0', rows: 4, columns: 4 });
    expect(summary).not.toHaveProperty('correlations');
    expect(summary.column_profiles[0]).not.toHaveProperty('distribution');
  }, 60_000);

  it("an .xlsx on the default EMR group: the program reads the sheet itself; the summary agrees with the local pandas profiler's", async () => {
    // Written by Debian's openpyxl: numbers, text, a date column by style, a missing value, a second sheet that is not read.
    const xlsx = join(work, 'orders.xlsx');
    execFileSync(defaultEdaPython(), ['-B', '-c', [
      'import datetime, sys, openpyxl',
      'wb = openpyxl.Workbook(); ws = wb.active',
      'ws.append(["id", "amount", "city", "ordered"])',
      'for row in ([1, 10.5, "Pune", datetime.datetime(2024, 1, 2)], [2, 20, "<script>alert(1)</script>", datetime.datetime(2024, 2, 3)], [3, None, "Pune", None], [4, 40, "Delhi", datetime.datetime(2023, 12, 31)]): ws.append(row)',
      'wb.create_sheet("other").append(["x"])',
      'wb.save(sys.argv[1])',
    ].join('\n'), xlsx]);
    await blobs.put('data/orders.xlsx', readFileSync(xlsx));
    await eda.put('sheet', { blob_key: 'data/orders.xlsx' }, 'op');
    const dag = await eda.dagFor('sheet', 'L0');
    writeFileSync(join(dags, dag.filename), dag.content);
    Object.assign(process.env, AWS, { AWS_ENDPOINT_URL_EMR: emr.endpoint, PYSPARK_PYTHON: PLAIN_SPARK });
    const before = emr.requests().length;
    const { code } = await dagsTest('eda__sheet__L0', '2024-01-04');
    expect(code).toBe(0);
    const [add] = emr.requests().slice(before);
    expect(JSON.stringify(add)).toContain(JSON.stringify(['--input', blobs.pathOf('data/orders.xlsx'), '--format', 'xlsx']).slice(1, -1));
    const summary = (await eda.summary('sheet', 'L0-20240104T000000')) as { rows: number; columns: number; column_profiles: Record<string, unknown>[] };
    expect(summary).toMatchObject({ level: 'L0', rows: 4, columns: 4, source: 'sheet' });
    expect(summary.column_profiles.map((c) => [c.name, c.type, c.dtype])).toEqual([['id', 'number', 'bigint'], ['amount', 'number', 'double'], ['city', 'text', 'string'], ['ordered', 'datetime', 'timestamp']]);
    expect(summary.column_profiles[3]).toMatchObject({ count: 3, nulls: 1, min: '2023-12-31 00:00:00', max: '2024-02-03 00:00:00' });
    // The local profiler (pandas.read_excel) on the same file: the same columns, kinds, counts and statistics.
    const local = join(work, 'local-summary.json');
    execFileSync(defaultEdaPython(), ['-B', join(__dirname, '../../shared/python/skydag_eda/profile.py'), '--input', xlsx, '--format', 'xlsx', '--level', 'L0', '--source', 'sheet', '--output', local]);
    const pandas = JSON.parse(readFileSync(local, 'utf8')) as typeof summary;
    // Known differences that are not the reader's: Spark writes a timestamp as text with its time (pandas drops
    // midnight), and orders tied top values by value (pandas by first appearance).
    const midnight = <T,>(v: T): T => (typeof v === 'string' ? (v.replace(/ 00:00:00$/, '') as T) : v);
    const comparable = (s: typeof summary) =>
      s.column_profiles.map(({ name, type, count, nulls, distinct, min, max, mean, top_values }) => ({
        name, type, count, nulls, distinct, min: midnight(min), max: midnight(max), mean,
        top_values: (top_values as { value: string; count: number }[]).map((t) => ({ ...t, value: midnight(t.value) })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)),
      }));
    expect(comparable(summary)).toEqual(comparable(pandas));
    expect(renderReport(summary, 'EDA')).not.toMatch(/<script/i);
  }, 60_000);

  it('a postgres table on an EMR group with the JDBC driver: the step carries only the credentials path, the program reads and deletes the object, no secret is left anywhere', async () => {
    const PASSWORD = 'pw-e2e-s3cr3t';
    const jar = join(work, 'postgresql-42.7.4.jar');
    writeFileSync(jar, 'PK driver');
    expect((await cli(['artifacts', 'upload', jar, '--kind', 'dependency'])).code).toBe(0);
    writeFileSync(join(work, 'emr-pg.json'), JSON.stringify({ name: 'emr-pg', engine: { type: 'emr', cluster_id: 'j-EDA' }, arguments: { jars: 'postgresql-42.7.4.jar' } }));
    expect((await cli(['config-groups', 'import', join(work, 'emr-pg.json')])).code).toBe(0);
    const connection = { conn_id: 'warehouse', conn_type: 'postgres', host: 'db.internal', schema: 'sales', login: 'eda_reader', password: PASSWORD, port: 5432, extra: {} };
    const groups = new ConfigGroupStore(blobs, new AesGcmCipher(generateSecretKey()));
    const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate: (key) => blobs.pathOf(key) });
    const lookup = async (id: string) => (id === 'warehouse' ? connection : undefined);
    const db = new EdaSources({ blobs, repository, locate: (key) => blobs.pathOf(key), connections: lookup, spark: { artifacts: new ArtifactStore(blobs), groups, jdbc: { connections: lookup, drop: blobCredentialsDrop(blobs) } } });
    await db.put('shop', { conn_id: 'warehouse', table: 'public.orders' }, 'op');
    const dag = await db.dagFor('shop', 'L0', { configGroup: 'emr-pg' });
    writeFileSync(join(dags, dag.filename), dag.content);
    // What the API does when the run is asked for: the object of the run's ts_nodash.
    await dag.credentials!.write('20240105T000000');
    const object = blobs.pathOf('eda/credentials/eda__shop__L0/20240105T000000.json');
    const log = join(work, 'jdbc-reader.json');
    const table = join(work, 'orders-table.csv');
    writeFileSync(table, CSV);
    Object.assign(process.env, AWS, { AWS_ENDPOINT_URL_EMR: emr.endpoint, PYSPARK_PYTHON: PLAIN_SPARK, PLAIN_SPARK_JDBC_LOG: log, PLAIN_SPARK_JDBC_TABLE: table });
    const before = emr.requests().length;
    const { code, run } = await dagsTest('eda__shop__L0', '2024-01-05');
    expect(code).toBe(0);
    expect(run.task_instances).toMatchObject([{ task_id: 'profile', state: 'success', config_group: { name: 'emr-pg' } }]);
    const argv = [
      'spark-submit', '--deploy-mode', 'cluster', '--name', 'eda__shop__L0.profile', '--jars', blobs.pathOf('spark/artifacts/dependency/postgresql-42.7.4.jar'),
      '--conf', 'spark.workflow.dagId=eda__shop__L0', '--conf', 'spark.workflow.taskId=profile',
      program(), '--jdbc-credentials', object, '--table', '"public"."orders"', '--level', 'L0', '--source', 'shop',
      '--output', `${blobs.pathOf('eda/reports/shop')}/L0-20240105T000000/summary.json`,
    ];
    const [add] = emr.requests().slice(before);
    expect(add).toEqual({ service: 'emr', action: 'AddJobFlowSteps', body: { JobFlowId: 'j-EDA', Steps: [{ Name: 'eda__shop__L0.profile', ActionOnFailure: 'CONTINUE', HadoopJarStep: { Jar: 'command-runner.jar', Args: argv } }] } });
    // The program read the object, deleted it, then read the table over JDBC with the login it held.
    const reader = JSON.parse(readFileSync(log, 'utf8')) as { format: string; options: string[][]; fs: unknown[][] };
    expect(reader.format).toBe('jdbc');
    expect(Object.fromEntries(reader.options)).toMatchObject({ url: 'jdbc:postgresql://db.internal:5432/sales?readOnly=true&readOnlyMode=always', user: 'eda_reader', password: PASSWORD, dbtable: '"public"."orders"' });
    expect(reader.fs).toEqual([['open', object], ['copyBytes', 65536, true], ['delete', object, false]]);
    expect(existsSync(object)).toBe(false);
    expect(await db.summary('shop', 'L0-20240105T000000')).toMatchObject({ level: 'L0', rows: 4, columns: 4, source: 'shop' });
    // No secret in the requests to EMR, the DAG file, or anything the run left in the home (store, logs, reports).
    expect(JSON.stringify(emr.requests())).not.toContain(PASSWORD);
    // grep exits 1 when nothing matches.
    const leftovers = spawnSync('grep', ['-rlaF', PASSWORD, process.env.SKYDAG_HOME!, dags], { encoding: 'utf8' });
    expect([leftovers.status, leftovers.stdout]).toEqual([1, '']);
  }, 60_000);
});

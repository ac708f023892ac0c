/**
 * The Spark profiler's side of EDA (AWS): the embedded program is the file, its plain functions
 * (run with python3, no pyspark) follow the pandas profiler's summary, and the runs it cannot do are
 * refused before anything is written. The requests it makes: test/e2e/eda-spark.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { AesGcmCipher, generateSecretKey } from '../api/secrets/cipher.js';
import { loadDagFile } from '../frontends/index.js';
import { Repository } from '../repository/repository.js';
import { ArtifactStore } from '../spark/artifacts.js';
import { ConfigGroupStore } from '../spark/config-groups.js';
import { EdaSources, SPARK_PROFILER_ARTIFACT } from './sources.js';
import { SPARK_PROFILER_SOURCE } from './spark-profiler-source.js';

const PROGRAM = join(__dirname, '../python/skydag_eda/spark_profile.py');

it('embeds the Spark profiler as the file holds it (regenerate with node scripts/embed-spark-profiler.mjs)', () => {
  expect(SPARK_PROFILER_SOURCE).toBe(readFileSync(PROGRAM, 'utf8'));
});

describe("the Spark profiler's plain functions (python3, no pyspark)", () => {
  const python = (code: string): unknown =>
    JSON.parse(execFileSync('python3', ['-B', '-c', `import json, sys\nsys.path.insert(0, ${JSON.stringify(join(__dirname, '../python/skydag_eda'))})\nimport spark_profile as sp\n${code}`], { encoding: 'utf8' }));

  it('bins as numpy.histogram does: equal widths, the maximum in the last bin, one value spread over ±0.5', () => {
    expect(python('lo, hi = sp.histogram_range(0, 10)\nprint(json.dumps([sp.bin_index(x, lo, hi, 5) for x in (0, 1.99, 2, 9.99, 10)]))')).toEqual([0, 0, 1, 4, 4]);
    expect(python('print(json.dumps(sp.histogram_range(3, 3)))')).toEqual([2.5, 3.5]);
    expect(python('print(json.dumps(sp.histogram(0.0, 4.0, 4, {0: 2, 3: 1})))')).toEqual([
      { from: 0, to: 1, count: 2 },
      { from: 1, to: 2, count: 0 },
      { from: 2, to: 3, count: 0 },
      { from: 3, to: 4, count: 1 },
    ]);
  });

  it("writes a column with profile.py's keys, types from Spark's type names, NaN and infinities as null", () => {
    const column = python(
      'print(json.dumps(sp.column_profile("n", "bigint", 5, 4, 3, {"min": 1, "max": float("inf"), "mean": float("nan"), "std": None}, [1, 2, 2, 3, 3], [("2", 2), ("1", 1)], [], None)))',
    );
    expect(column).toEqual({
      name: 'n', type: 'number', dtype: 'bigint', count: 4, nulls: 1, distinct: 3, top_values: [{ value: '2', count: 2 }, { value: '1', count: 1 }],
      min: 1, max: null, mean: null, std: null, quantiles: { '5%': 1, '25%': 2, '50%': 2, '75%': 3, '95%': 3 }, histogram: [],
    });
    expect(python('print(json.dumps([sp.kind_of(t) for t in ("boolean", "int", "decimal(10,2)", "date", "timestamp_ntz", "string", "array<int>")]))')).toEqual([
      'boolean', 'number', 'number', 'datetime', 'datetime', 'text', 'text',
    ]);
    // A column with no values has no quantiles to show, as pandas' describe() of an empty column.
    expect(python('print(json.dumps(sp.column_profile("e", "double", 2, 0, 0, {}, [], [], None, [])["quantiles"]))')).toEqual({ '5%': null, '25%': null, '50%': null, '75%': null, '95%': null });
  });

  it('makes a symmetric correlation matrix from the upper triangle; fewer than two numeric columns give none', () => {
    expect(python('print(json.dumps(sp.correlation_matrix(["a", "b"], {(0, 0): 1.0, (0, 1): -0.5, (1, 1): float("nan")})))')).toEqual({ columns: ['a', 'b'], matrix: [[1, -0.5], [-0.5, null]] });
    expect(python('print(json.dumps(sp.correlation_matrix(["a"], {(0, 0): 1.0})))')).toEqual({ columns: [], matrix: [] });
  });

  it('exits with a clear message where pyspark is missing', () => {
    let message = '';
    try {
      execFileSync('python3', ['-B', PROGRAM, '--input', 'x.csv', '--format', 'csv', '--output', 'out.json'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      message = String((error as { stderr: string }).stderr);
    }
    expect(message).toContain('the EDA Spark profiler runs with spark-submit (pyspark is not importable)');
  });
});

describe('EdaSources with the Spark profiler', () => {
  let dir: string;
  let blobs: FsBlobStore;
  let groups: ConfigGroupStore;
  let artifacts: ArtifactStore;
  let eda: EdaSources;
  const S3 = (key: string) => `s3://skydag-data/${key}`;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-eda-spark-'));
    blobs = new FsBlobStore(dir);
    groups = new ConfigGroupStore(blobs, new AesGcmCipher(generateSecretKey()));
    artifacts = new ArtifactStore(blobs);
    const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate: S3 });
    eda = new EdaSources({ blobs, repository, locate: S3, connections: async () => ({ conn_type: 'sqlite' }), spark: { artifacts, groups } });
    await blobs.put('data/orders.csv', 'id\n1\n');
    await blobs.put('data/orders.xlsx', 'PK');
    await eda.put('orders', { blob_key: 'data/orders.csv' }, null);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates one PySparkOperator over s3:// paths and ships the program once', async () => {
    await groups.put({ name: 'emr', engine: { type: 'emr', cluster_id: 'j-1' } });
    const dag = await eda.dagFor('orders', 'L0');
    const loaded = loadDagFile(dag.content, { file: dag.filename, now: new Date('2024-01-01T00:00:00Z') });
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const [task] = loaded.dags[0]!.tasks;
    expect(task).toMatchObject({ task_id: 'profile', operator: 'PySparkOperator', operator_kind: 'pyspark' });
    expect(task!.args).toMatchObject({
      code_artifact: SPARK_PROFILER_ARTIFACT,
      application_arguments: ['--input', S3('data/orders.csv'), '--format', 'csv', '--level', 'L0', '--source', 'orders', '--output', `${S3('eda/reports/orders')}/L0-{{ ts_nodash }}/summary.json`],
    });
    expect(task!.args).not.toHaveProperty('config_group');
    expect((await artifacts.get('code', SPARK_PROFILER_ARTIFACT))!.toString('utf8')).toBe(SPARK_PROFILER_SOURCE);
    const shipped = (await blobs.head(`spark/artifacts/code/${SPARK_PROFILER_ARTIFACT}`))!.lastModified;
    await new Promise((done) => setTimeout(done, 20));
    await eda.dagFor('orders', 'L1');
    expect((await blobs.head(`spark/artifacts/code/${SPARK_PROFILER_ARTIFACT}`))!.lastModified).toBe(shipped);
  });

  it('refuses what the Spark profiler cannot run, before writing anything', async () => {
    await eda.put('shop', { conn_id: 'db', table: 'orders' }, null);
    await eda.put('sheet', { blob_key: 'data/orders.xlsx' }, null);
    const refuse = (name: string, group: string | undefined, message: RegExp) => expect(eda.dagFor(name, 'L0', group === undefined ? {} : { configGroup: group })).rejects.toThrow(message);
    await refuse('orders', undefined, /there is no default config group: name an emr, emr_serverless or livy group/);
    await refuse('orders', 'nope', /there is no config group 'nope'/);
    await refuse('orders', '../x', /invalid config group name/);
    await groups.put({ name: 'laptop', engine: { type: 'local' } });
    await refuse('orders', undefined, /the default config group 'laptop' runs spark-submit locally/);
    await refuse('orders', 'laptop', /config group 'laptop' runs spark-submit locally/);
    await groups.put({ name: 'emr', engine: { type: 'emr', cluster_id: 'j-1' } });
    await refuse('shop', undefined, /is a database table: in AWS EDA profiles files as Spark jobs/);
    await refuse('sheet', undefined, /is an XLSX file: the Spark profiler reads CSV and TSV/);
    expect(await artifacts.list('code')).toEqual([]);
  });

  it('locally (pandas) config_group is refused', async () => {
    const local = new EdaSources({ blobs, repository: new Repository({ records: new MemoryMetadataStore(), blobs, locate: (k) => blobs.pathOf(k) }), locate: (k) => blobs.pathOf(k) });
    await expect(local.dagFor('orders', 'L0', { configGroup: 'emr' })).rejects.toThrow(/config_group is for the Spark profiler \(AWS\)/);
  });
});

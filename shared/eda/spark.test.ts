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
import { defaultEdaPython, EdaSources, SPARK_PROFILER_ARTIFACT } from './sources.js';
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

  it("reads .xlsx files written by Debian's openpyxl as pandas.read_excel does: names, kinds and values of every column", () => {
    const work = mkdtempSync(join(tmpdir(), 'skydag-xlsx-'));
    try {
      const out = execFileSync(defaultEdaPython(), ['-B', join(__dirname, '../../test/fixtures/eda/xlsx-compare.py'), join(__dirname, '../python/skydag_eda'), work], { encoding: 'utf8' });
      type Column = { name: string; kind: string; values: unknown[] };
      const books = JSON.parse(out) as Record<string, { pandas: Column[]; skydag: Column[]; cells: { pandas: unknown[][]; skydag: unknown[][] }; spark_types: string[] }>;
      expect(Object.keys(books)).toEqual(['typed', 'times', 'mac1904', 'shared']);
      for (const [name, book] of Object.entries(books)) expect([name, book.skydag]).toEqual([name, book.pandas]);
      const typed = books.typed!;
      const column = (n: string) => typed.skydag.find((c) => c.name === n)!;
      // Dates by style (built-in 14 and 22, custom with quotes and [$-409]), before 1900-03-01 too; missing ones null.
      expect(column('ordered')).toEqual({ name: 'ordered', kind: 'datetime', values: ['2024-01-02T00:00:00', '1900-02-27T00:00:00', '2030-12-31T00:00:00', null, '1999-01-01T00:00:00'] });
      expect(column('at').values).toEqual(['2024-01-02T13:45:30', '2024-03-04T00:00:01', null, null, '1999-01-01T23:59:59']);
      // "NA", "#N/A" and a formula without a cached value are missing; a repeated header is mangled; numeric text is numbers.
      expect(column('note').values).toEqual([null, null, null, null, 'x005F_text']);
      expect(typed.skydag.map((c) => c.name)).toEqual(['id', 'amount', 'city', 'paid', 'ordered', 'at', 'note', 'id.1', 'Unnamed: 8', 'code', 'ratio']);
      expect(column('code')).toEqual({ name: 'code', kind: 'number', values: [1, 2, 3.5, null, 4] });
      expect(column('city').values).toEqual(['Pune', '<b>Delhi</b>', 'Pune', null, '  spaced  ']);
      expect(typed.spark_types).toEqual(['bigint', 'double', 'string', 'double', 'timestamp', 'timestamp', 'string', 'bigint', 'double', 'double', 'double']);
      // A blank row inside the data is kept (all missing), as pandas keeps it.
      expect(column('id').values).toEqual([1, 2, 3, null, 4]);
      // Shared strings through the workbook's relationships: rich runs joined, phonetic runs left out, openpyxl's x005F_ unescaping; inline runs.
      expect(books.shared!.skydag[1]).toEqual({ name: 'Unnamed: 1', kind: 'text', values: ['name', 'in <line> runs', 'rich text', 'x000D_ kept'] });
      expect(books.mac1904!.skydag[0]!.values).toEqual(['2020-05-17T06:00:00', '1910-01-01T00:00:00']);
      expect(books.times!.skydag[0]).toEqual({ name: 't', kind: 'text', values: ['08:30:00', '17:00:05'] });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('refuses what is no workbook with a clear error: no worksheet, not a zip, broken XML, a part too large to read', () => {
    const out = python(
      [
        'import io, zipfile',
        'def book(parts):',
        '    b = io.BytesIO()',
        '    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:',
        '        for n, t in parts.items(): z.writestr(n, t)',
        '    return b.getvalue()',
        'rels = \'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet" Target="chartsheets/sheet1.xml"/></Relationships>\'',
        'wb = \'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="c" sheetId="1" r:id="rId1"/></sheets></workbook>\'',
        'def error(data):',
        '    try:',
        '        sp.read_xlsx(data)',
        '    except ValueError as e:',
        '        return str(e)',
        'errors = [error(book({"xl/workbook.xml": wb, "xl/_rels/workbook.xml.rels": rels})), error(b"id,city\\n1,Pune\\n"), error(book({"xl/workbook.xml": "<workbook"}))]',
        'sp.XLSX_MAX_MEMBER = 32',
        'errors.append(error(book({"xl/workbook.xml": " " * 64, "xl/_rels/workbook.xml.rels": rels})))',
        'print(json.dumps(errors))',
      ].join('\n'),
    );
    expect(out).toEqual([
      'the workbook has no worksheet',
      'not an .xlsx workbook: File is not a zip file',
      expect.stringMatching(/^not an \.xlsx workbook: (unclosed token|no element found)/),
      'xl/workbook.xml is 64 bytes uncompressed: too large to read',
    ]);
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
    const refuse = (name: string, group: string | undefined, message: RegExp) => expect(eda.dagFor(name, 'L0', group === undefined ? {} : { configGroup: group })).rejects.toThrow(message);
    await refuse('orders', undefined, /there is no default config group: name an emr, emr_serverless or livy group/);
    await refuse('orders', 'nope', /there is no config group 'nope'/);
    await refuse('orders', '../x', /invalid config group name/);
    await groups.put({ name: 'laptop', engine: { type: 'local' } });
    await refuse('orders', undefined, /the default config group 'laptop' runs spark-submit locally/);
    await refuse('orders', 'laptop', /config group 'laptop' runs spark-submit locally/);
    await groups.put({ name: 'emr', engine: { type: 'emr', cluster_id: 'j-1' } });
    await refuse('shop', undefined, /is a database table: in AWS EDA profiles files as Spark jobs/);
    expect(await artifacts.list('code')).toEqual([]);
  });

  it('profiles an .xlsx as a Spark job too: the program reads it (--format xlsx)', async () => {
    await groups.put({ name: 'emr', engine: { type: 'emr', cluster_id: 'j-1' } });
    await blobs.put('data/orders.xlsx', 'PK');
    await eda.put('sheet', { blob_key: 'data/orders.xlsx' }, null);
    const dag = await eda.dagFor('sheet', 'L1');
    const [task] = loadDagFile(dag.content, { file: dag.filename, now: new Date('2024-01-01T00:00:00Z') }).dags[0]!.tasks;
    expect(task!.args).toMatchObject({ application_arguments: ['--input', S3('data/orders.xlsx'), '--format', 'xlsx', '--level', 'L1', '--source', 'sheet', '--output', `${S3('eda/reports/sheet')}/L1-{{ ts_nodash }}/summary.json`] });
  });

  it('locally (pandas) config_group is refused', async () => {
    const local = new EdaSources({ blobs, repository: new Repository({ records: new MemoryMetadataStore(), blobs, locate: (k) => blobs.pathOf(k) }), locate: (k) => blobs.pathOf(k) });
    await expect(local.dagFor('orders', 'L0', { configGroup: 'emr' })).rejects.toThrow(/config_group is for the Spark profiler \(AWS\)/);
  });
});

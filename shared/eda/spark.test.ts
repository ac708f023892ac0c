/**
 * The Spark profiler's side of EDA (AWS): the embedded program is the file, its plain functions
 * (run with python3, no pyspark) follow the pandas profiler's summary, and the runs it cannot do are
 * refused before anything is written. The requests it makes: test/e2e/eda-spark.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { AesGcmCipher, generateSecretKey } from '../api/secrets/cipher.js';
import { loadDagFile } from '../frontends/index.js';
import { Repository } from '../repository/repository.js';
import { ArtifactStore } from '../spark/artifacts.js';
import { ConfigGroupStore } from '../spark/config-groups.js';
import type { Connection } from '../runtime/executors/types.js';
import { renderTemplateString } from '../runtime/templates/render.js';
import { context } from '../runtime/templates/test-fixtures.js';
import { blobCredentialsDrop, jdbcCredentials, jdbcTable, jinjaLiteral } from './jdbc.js';
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
    eda = new EdaSources({ blobs, repository, locate: S3, connections: async () => ({ conn_type: 'postgres' }), spark: { artifacts, groups } });
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
    // Database sources need the JDBC hand-off (spark.jdbc), which this service was built without.
    await refuse('shop', undefined, /is a database table and this deployment cannot hand connections to Spark jobs/);
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

describe("the Spark profiler's JDBC path (python3, a stand-in SparkSession: test/fixtures/eda/jdbc_session.py)", () => {
  const CREDENTIALS = { url: 'jdbc:postgresql://db.internal:5432/sales?readOnly=true&readOnlyMode=always', driver: 'org.postgresql.Driver', user: 'eda', password: 'pw-"quoted"-s3cr3t' };
  const KEY = 'data/eda/credentials/eda__shop__L0/20240102T000000.json';
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'skydag-eda-jdbc-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Runs the program's `run` (main's work) on the stand-in session; profile_frame is replaced by one that records the frame it got. */
  const runProgram = (argv: string[]) => {
    const code = [
      'import contextlib, io, json, sys',
      `sys.path[:0] = [${JSON.stringify(join(__dirname, '../python/skydag_eda'))}, ${JSON.stringify(join(__dirname, '../../test/fixtures/eda'))}]`,
      'import jdbc_session, spark_profile as sp',
      'session = jdbc_session.Session(sys.argv[1])',
      'frames = []',
      'sp.profile_frame = lambda frame, level, source: frames.append(frame) or {"level": level, "rows": 2, "columns": 1, "column_profiles": [], "source": source}',
      'out, error = io.StringIO(), None',
      'with contextlib.redirect_stdout(out):',
      '    try:',
      '        sp.run(session, sp.parse_args(sys.argv[2:]))',
      '    except SystemExit as e:',
      '        error = str(e)',
      'print(json.dumps({"reads": [{"format": r.source, "options": r.options} for r in session.loaded], "profiled": [{"format": f.source} for f in frames],',
      '                  "fs": session.fs_calls, "stdout": out.getvalue(), "error": error}))',
    ].join('\n');
    const result = execFileSync('python3', ['-B', '-c', code, root, ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ...(JSON.parse(result) as { reads: { format: string; options: string[][] }[]; profiled: unknown[]; fs: unknown[][]; stdout: string; error: string | null }), raw: result };
  };
  const write = (body: string) => {
    mkdirSync(join(root, KEY, '..'), { recursive: true });
    writeFileSync(join(root, KEY), body);
  };
  const common = ['--jdbc-credentials', `s3://${KEY}`, '--level', 'L0', '--source', 'shop', '--output', 's3://data/eda/reports/shop/L0-20240102T000000/summary.json'];

  it('reads the credentials object through Hadoop FileSystem, deletes it, then reads the table over JDBC read-only; the secret is never printed', () => {
    write(JSON.stringify(CREDENTIALS));
    const out = runProgram([...common, '--table', '"public"."orders"']);
    expect(out.error).toBeNull();
    expect(out.reads).toEqual([
      {
        format: 'jdbc',
        options: [
          ['url', CREDENTIALS.url], ['driver', 'org.postgresql.Driver'], ['user', 'eda'], ['password', CREDENTIALS.password],
          ['sessionInitStatement', 'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY'], ['fetchsize', '10000'], ['dbtable', '"public"."orders"'],
        ],
      },
    ]);
    expect(out.profiled).toEqual([{ format: 'jdbc' }]);
    // Opened and deleted (not recursively) before the read; the summary written after.
    expect(out.fs).toEqual([
      ['open', `s3://${KEY}`], ['copyBytes', 65536, true], ['delete', `s3://${KEY}`, false],
      ['create', 's3://data/eda/reports/shop/L0-20240102T000000/summary.json'],
    ]);
    expect(existsSync(join(root, KEY))).toBe(false);
    expect(JSON.parse(readFileSync(join(root, 'data/eda/reports/shop/L0-20240102T000000/summary.json'), 'utf8'))).toMatchObject({ level: 'L0', rows: 2, source: 'shop' });
    expect(out.stdout).toBe('profiled 2 rows x 1 columns (L0) into s3://data/eda/reports/shop/L0-20240102T000000/summary.json\n');
    expect(out.stdout).not.toContain('s3cr3t');
  });

  it("hands a query to Spark's query option with its trailing semicolon dropped and a last line comment ended; no login: no user or password option", () => {
    write(JSON.stringify({ ...CREDENTIALS, user: null, password: null }));
    const out = runProgram([...common, '--query', 'WITH t AS (SELECT 1 AS n)\nSELECT n FROM t -- the last line;\n ;  ']);
    expect(out.reads[0]!.options).toEqual([
      ['url', CREDENTIALS.url], ['driver', 'org.postgresql.Driver'], ['sessionInitStatement', 'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY'], ['fetchsize', '10000'],
      ['query', 'WITH t AS (SELECT 1 AS n)\nSELECT n FROM t -- the last line;\n'],
    ]);
    expect(out.error).toBeNull();
  });

  it('refuses a missing or broken credentials object clearly, reading nothing; a broken one is deleted all the same', () => {
    const gone = runProgram([...common, '--table', '"orders"']);
    expect(gone.error).toMatch(/^the run's database credentials \(s3:\/\/data\/eda\/credentials\/eda__shop__L0\/20240102T000000\.json\) are gone: they are read once, by the run they were written for/);
    expect([gone.reads, gone.fs]).toEqual([[], [['open', `s3://${KEY}`]]]);
    write('{"url": 1}');
    const broken = runProgram([...common, '--table', '"orders"']);
    expect(broken.error).toBe(`s3://${KEY} holds no database credentials (url, driver, user, password)`);
    expect(broken.reads).toEqual([]);
    expect(existsSync(join(root, KEY))).toBe(false);
  });

  it('takes a table or a query with the credentials, and no file arguments', () => {
    const usage = (argv: string[]) => {
      try {
        execFileSync('python3', ['-B', PROGRAM, ...argv], { encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (error) {
        return String((error as { stderr: string }).stderr);
      }
    };
    expect(usage([...common])).toContain('--jdbc-credentials takes --table or --query (and no --input or --format)');
    expect(usage([...common, '--table', 't', '--query', 'SELECT 1'])).toContain('--jdbc-credentials takes --table or --query');
    expect(usage([...common, '--table', 't', '--input', 'x.csv'])).toContain('--jdbc-credentials takes --table or --query');
    expect(usage(['--input', 'x.csv', '--format', 'csv', '--table', 't', '--output', 'o'])).toContain('give --input and --format, or --jdbc-credentials with --table or --query');
  });
});

describe('EdaSources: a database source as a Spark job over JDBC (AWS)', () => {
  const PASSWORD = 'pw-{{ not a template }}-s3cr3t';
  let dir: string;
  let blobs: FsBlobStore;
  let groups: ConfigGroupStore;
  let artifacts: ArtifactStore;
  let connections: Record<string, Connection>;
  let eda: EdaSources;
  const S3 = (key: string) => `s3://skydag-data/${key}`;
  const pg = (overrides: Partial<Connection> = {}): Connection => ({ conn_id: 'warehouse', conn_type: 'postgres', host: 'db.internal', schema: 'sales', login: 'eda_reader', password: PASSWORD, port: 6432, extra: { sslmode: 'require' }, ...overrides });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-eda-jdbc-'));
    blobs = new FsBlobStore(dir);
    groups = new ConfigGroupStore(blobs, new AesGcmCipher(generateSecretKey()));
    artifacts = new ArtifactStore(blobs);
    connections = { warehouse: pg(), local: { ...pg(), conn_id: 'local', conn_type: 'sqlite', host: '/tmp/x.db' } };
    const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate: S3 });
    const lookup = async (id: string) => connections[id];
    eda = new EdaSources({ blobs, repository, locate: S3, connections: lookup, spark: { artifacts, groups, jdbc: { connections: lookup, drop: blobCredentialsDrop(blobs) } } });
    await groups.put({ name: 'emr', engine: { type: 'emr', cluster_id: 'j-1' }, arguments: { jars: 'postgresql-42.7.4.jar' } });
    await artifacts.upload('dependency', 'postgresql-42.7.4.jar', Buffer.from('PK jar'));
    await eda.put('shop', { conn_id: 'warehouse', table: 'public.orders' }, null);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a PySparkOperator that passes only the credentials path and the quoted table; the run writes the object, which holds the URL and login', async () => {
    const dag = await eda.dagFor('shop', 'L0');
    for (const secret of [PASSWORD, 's3cr3t', 'eda_reader', 'db.internal', 'jdbc:']) expect(dag.content).not.toContain(secret);
    const [task] = loadDagFile(dag.content, { file: dag.filename, now: new Date('2024-01-01T00:00:00Z') }).dags[0]!.tasks;
    expect(task).toMatchObject({ operator: 'PySparkOperator', args: { code_artifact: SPARK_PROFILER_ARTIFACT } });
    expect(task!.args.application_arguments).toEqual([
      '--jdbc-credentials', `${S3('eda/credentials/eda__shop__L0')}/{{ ts_nodash }}.json`, '--table', '"public"."orders"',
      '--level', 'L0', '--source', 'shop', '--output', `${S3('eda/reports/shop')}/L0-{{ ts_nodash }}/summary.json`,
    ]);
    expect(await artifacts.get('code', SPARK_PROFILER_ARTIFACT)).toBeDefined();
    // Nothing secret is written until a run is asked for; then one object per run, removable when the run could not start.
    expect((await blobs.list('eda/credentials/')).blobs).toEqual([]);
    expect(dag.credentials!.key('20240102T000000')).toBe('eda/credentials/eda__shop__L0/20240102T000000.json');
    await dag.credentials!.write('20240102T000000');
    expect(JSON.parse((await blobs.get('eda/credentials/eda__shop__L0/20240102T000000.json'))!.toString('utf8'))).toEqual({
      url: 'jdbc:postgresql://db.internal:6432/sales?readOnly=true&readOnlyMode=always&sslmode=require',
      driver: 'org.postgresql.Driver',
      user: 'eda_reader',
      password: PASSWORD,
    });
    await dag.credentials!.discard('20240102T000000');
    expect((await blobs.list('eda/credentials/')).blobs).toEqual([]);
  });

  it('passes a query that renders back to itself (Jinja tags escaped) and names the run\'s group', async () => {
    const query = "SELECT '{{ ds }}' AS a, '{%' AS b, '{#' AS c, '{{{' AS d FROM orders";
    await eda.put('q', { conn_id: 'warehouse', query }, null);
    await groups.put({ name: 'sl', engine: { type: 'emr_serverless', application_id: '00eda', execution_role_arn: 'arn:aws:iam::123456789012:role/spark' }, arguments: { packages: 'org.postgresql:postgresql:42.7.4' } });
    const dag = await eda.dagFor('q', 'L1', { configGroup: 'sl' });
    expect(dag.content).toContain('config_group="sl"');
    const [task] = loadDagFile(dag.content, { file: dag.filename, now: new Date('2024-01-01T00:00:00Z') }).dags[0]!.tasks;
    const args = task!.args.application_arguments as string[];
    const ctx = context();
    const ts = renderTemplateString('{{ ts_nodash }}', ctx);
    expect(args.map((a) => renderTemplateString(a, ctx))).toEqual([
      '--jdbc-credentials', `${S3('eda/credentials/eda__q__L1')}/${ts}.json`, '--query', query,
      '--level', 'L1', '--source', 'q', '--output', `${S3('eda/reports/q')}/L1-${ts}/summary.json`,
    ]);
    expect(dag.credentials!.key(ts)).toBe(`eda/credentials/eda__q__L1/${ts}.json`);
  });

  it('refuses what a Spark job cannot read, before writing anything: sqlite, an unknown connection, no driver in the group, a driver not uploaded, a bad host', async () => {
    const refuse = (name: string, message: RegExp, group?: string) => expect(eda.dagFor(name, 'L0', group === undefined ? {} : { configGroup: group })).rejects.toThrow(message);
    await expect(eda.put('file', { conn_id: 'local', table: 'orders' }, null)).rejects.toThrow(/connection 'local' is a sqlite file on the machine that runs skydag, which a Spark job cannot reach: export the table to CSV/);
    // The connection changed after the source was registered.
    connections.warehouse = { ...pg(), conn_type: 'sqlite' };
    await refuse('shop', /connection 'warehouse' is a sqlite file/);
    delete connections.warehouse;
    await refuse('shop', /there is no connection 'warehouse'/);
    connections.warehouse = pg({ host: 'evil/x?user=root' });
    await refuse('shop', /connection 'warehouse' needs a host name or address for JDBC/);
    connections.warehouse = pg();
    await groups.put({ name: 'bare', engine: { type: 'emr', cluster_id: 'j-2' }, arguments: { jars: 'other.jar' } });
    await refuse('shop', /config group 'bare' has no PostgreSQL JDBC driver for the Spark job: add postgresql-42\.7\.4\.jar \(Spark dependency, in the jars argument\) or org\.postgresql:postgresql:42\.7\.4 \(packages\)/, 'bare');
    await groups.put({ name: 'missing', engine: { type: 'emr', cluster_id: 'j-3' }, arguments: { jars: 'postgresql-9.jar' } });
    await refuse('shop', /config group 'missing' names the JDBC driver postgresql-9\.jar, which has not been uploaded as a Spark dependency/, 'missing');
    await groups.put({ name: 'laptop', engine: { type: 'local' } });
    await refuse('shop', /config group 'laptop' runs spark-submit locally/, 'laptop');
    const without = new EdaSources({ blobs, repository: new Repository({ records: new MemoryMetadataStore(), blobs, locate: S3 }), locate: S3, spark: { artifacts, groups } });
    await expect(without.dagFor('shop', 'L0')).rejects.toThrow(/cannot hand connections to Spark jobs: export the table to CSV/);
    expect(await artifacts.list('code')).toEqual([]);
    expect((await blobs.list('eda/credentials/')).blobs).toEqual([]);
  });

  it('builds postgres URLs from the connection: default port, IPv6 in brackets, the database name encoded', () => {
    expect(jdbcCredentials(pg({ port: null, schema: 'my db', extra: {} })).url).toBe('jdbc:postgresql://db.internal:5432/my%20db?readOnly=true&readOnlyMode=always');
    expect(jdbcCredentials(pg({ host: '::1', extra: {} })).url).toBe('jdbc:postgresql://[::1]:6432/sales?readOnly=true&readOnlyMode=always');
    expect(jdbcCredentials(pg({ conn_type: 'postgresql', login: null, password: null })).user).toBeNull();
    expect(() => jdbcCredentials(pg({ conn_type: 'mysql' }))).toThrow(/type "mysql": EDA in AWS reads postgres connections over JDBC/);
    expect(() => jdbcCredentials(pg({ host: null }))).toThrow(/needs a host name or address/);
    expect(jdbcTable('public.Orders')).toBe('"public"."Orders"');
    expect(jinjaLiteral('{{ a }} {% b %} {# c #} { d }')).toBe("{{ '{' }}{ a }} {{ '{' }}% b %} {{ '{' }}# c #} { d }");
  });
});

/**
 * Exploratory data analysis (Couture's EDA, couture-reference §3.8): registered sources, the
 * profiling DAG generated for each, and the reports runs leave.
 *
 * A source is a dataset of the repository (an uploaded CSV/TSV/XLSX: upload it as a dataset first;
 * its latest version unless one is pinned), a file already in the blob store, or a database
 * connection (sqlite or postgres) with a table or a read-only query. Running a source at level L0 or
 * L1 writes the DAG `eda__<source>__<level>` into the DAGs folder and triggers it: for files one
 * BashOperator running the pandas profiler, shared/python/skydag_eda/profile.py, with every path and
 * the level baked in (nothing a run's conf holds reaches the shell); for databases one PythonOperator
 * (skydag_eda/database.py) that reads the connection through the task's Connection lookup and hands
 * it to the profiler in its environment, so the secret is in no DAG file, command line or log. The
 * run writes `eda/reports/<source>/<level>-<ts_nodash>/summary.json`; the API renders the HTML report
 * from it (report.ts). Sources are JSON documents in the blob store (`eda/sources/<name>.json`).
 *
 * In AWS (`spark` option: the cloud API's wiring) the Lambda has no pandas, so the generated DAG is
 * one PySparkOperator instead: the Spark profiler (shared/python/skydag_eda/spark_profile.py, shipped
 * as the code artifact {@link SPARK_PROFILER_ARTIFACT}) reads the file from S3 and writes the same
 * summary there, submitted through the config group's engine (EMR step, EMR Serverless job run or
 * Livy batch; the default group unless the run names one); an .xlsx is read on the driver with Python's
 * standard library as pandas.read_excel reads it. A database source (postgres) is read over JDBC:
 * the API writes the connection's URL and login to a short-lived encrypted object per run and the DAG
 * passes only its path (jdbc.ts); the JDBC driver comes from the config group's Spark dependencies.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BlobStore } from '../stores/blob.js';
import { PYTHON_SHIM_DIR } from '../runtime/executors/python.js';
import { checkName, RepositoryInputError, RepositoryNotFoundError } from '../repository/names.js';
import type { BlobLocator, Repository } from '../repository/repository.js';
import type { ArtifactStore } from '../spark/artifacts.js';
import { ConfigGroupNotFoundError, type ConfigGroupStore, type StoredConfigGroup } from '../spark/config-groups.js';
import { SparkInputError } from '../spark/names.js';
import type { Connection } from '../runtime/executors/types.js';
import { CREDENTIALS_PREFIX, credentialsKey, driverDependency, jdbcCredentials, jdbcDriverProblem, jdbcRefusal, jdbcTable, jinjaLiteral, type CredentialsDrop } from './jdbc.js';
import { renderReport } from './report.js';
import { SPARK_PROFILER_SOURCE } from './spark-profiler-source.js';

export const REPORT_HTML_TYPE = 'text/html; charset=utf-8';

/** The title of a report's page. */
export const reportTitle = (source: string, reportId: string): string => `EDA ${reportId} of ${source}`;

/** The code artifact the Spark profiler is shipped as (rewritten when its text changes). */
export const SPARK_PROFILER_ARTIFACT = 'skydag-eda-profile.py';

export type EdaLevel = 'L0' | 'L1';
export const EDA_LEVELS: readonly EdaLevel[] = ['L0', 'L1'];
export type EdaFormat = 'csv' | 'tsv' | 'xlsx';
export const EDA_FORMATS: readonly EdaFormat[] = ['csv', 'tsv', 'xlsx'];

/** The connection types the profiler reads (postgres needs psycopg2 in the profiler's Python). */
export const EDA_CONN_TYPES: readonly string[] = ['sqlite', 'postgres', 'postgresql'];

export interface EdaDatabase {
  conn_id: string;
  /** A table (optionally schema-qualified), or null when a query is given. */
  table: string | null;
  /** A SELECT run in a read-only session, or null when a table is given. */
  query: string | null;
}

export interface EdaSource {
  name: string;
  type: 'dataset' | 'blob' | 'database';
  /** A repository dataset; version null: the latest when the source runs. */
  dataset: { name: string; version: number | null } | null;
  blob_key: string | null;
  database: EdaDatabase | null;
  /** The file format (null for database sources). */
  format: EdaFormat | null;
  created_at: string;
  created_by: string | null;
}

export interface EdaSourceInput {
  dataset?: { name: string; version?: number | null };
  blob_key?: string;
  format?: EdaFormat;
  /** A database source: a connection and either a table or a query. */
  conn_id?: string;
  table?: string;
  query?: string;
}

export interface EdaReportInfo {
  report_id: string;
  level: EdaLevel;
  /** Whether the run has written its summary yet. */
  ready: boolean;
  /** The run that writes it. */
  dag_id: string;
  dag_run_id: string;
}

export interface EdaOptions {
  blobs: BlobStore;
  repository: Repository;
  locate: BlobLocator;
  /** The interpreter with pandas (default: $SKYDAG_EDA_PYTHON, else Debian's /usr/bin/python3, else python3). */
  python?: string;
  /** Looks a connection up (database sources must name an existing sqlite or postgres connection). */
  connections?: (connId: string) => Promise<{ conn_type: string } | undefined>;
  /**
   * Profile as a Spark job (AWS) instead of with pandas: the program goes to the code artifacts, the
   * job runs on a config group's engine. `jdbc`: database sources over JDBC — the connections with
   * their secrets and where a run's credentials object goes (without it database sources are refused).
   */
  spark?: { artifacts: ArtifactStore; groups: ConfigGroupStore; jdbc?: { connections: (connId: string) => Promise<Connection | undefined>; drop: CredentialsDrop } };
  clock?: () => Date;
}

/** A profiling DAG: its id, file name and Python source, and for a database source in AWS its run's credentials object. */
export interface EdaDag {
  dagId: string;
  filename: string;
  content: string;
  /** Writes (and, when the run could not be started, removes) the credentials object of the run with this ts_nodash. */
  credentials?: { key(tsNodash: string): string; write(tsNodash: string): Promise<void>; discard(tsNodash: string): Promise<void> };
}

export interface EdaRunOptions {
  /** The config group whose engine runs the Spark profiler (default: the default group). Spark only. */
  configGroup?: string;
}

const SOURCES = 'eda/sources/';
const REPORTS = 'eda/reports/';
const REPORT_ID = /^L[01]-\d{8}T\d{6}$/;

/** A table name the profiler quotes part by part: `name` or `schema.name`, identifier characters only. */
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/;

/** A shell word in single quotes. */
const shellQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

export function defaultEdaPython(): string {
  return process.env.SKYDAG_EDA_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/** Airflow's `ts_nodash` of a logical date (what the generated DAG names its report folder by). */
export function tsNodash(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, '');
}

/** The profiling DAG of a source at a level. */
export const edaDagId = (source: string, level: EdaLevel): string => `eda__${source.replace(/[^A-Za-z0-9_]/g, '_')}__${level}`;

/** The run id of a profiling run (its report folder is named by the same ts_nodash). */
export const edaRunId = (tsNodashValue: string): string => `eda__${tsNodashValue}`;

/**
 * The reports with their runs' states, plus the profiling runs that have not written a report (yet):
 * a report is listed from the moment its run is triggered, and a failed run shows as failed. A run
 * writes its report under its logical date's ts_nodash, so reports and runs meet by level and logical
 * date, whoever triggered the run: `POST …/runs` (run id `eda__<ts>`), or by hand from the DAG's page
 * or `skydag dags trigger` (`manual__…`), or a schedule added to the generated DAG.
 */
export function mergeRunsIntoReports(
  reports: readonly EdaReportInfo[],
  runs: readonly { level: EdaLevel; dag_id: string; run_id: string; logical_date: string; state: string | null }[],
): (EdaReportInfo & { state: string | null })[] {
  const reportId = (run: (typeof runs)[number]) => `${run.level}-${tsNodash(new Date(run.logical_date))}`;
  const byReport = new Map(runs.map((r) => [reportId(r), r]));
  const out = reports.map((r) => {
    const run = byReport.get(r.report_id);
    return run ? { ...r, dag_run_id: run.run_id, state: run.state } : { ...r, state: null };
  });
  const listed = new Set(out.map((r) => r.report_id));
  for (const run of runs) {
    const id = reportId(run);
    if (listed.has(id)) continue;
    listed.add(id);
    out.push({ report_id: id, level: run.level, ready: false, dag_id: run.dag_id, dag_run_id: run.run_id, state: run.state });
  }
  return out.sort((a, b) => b.report_id.slice(3).localeCompare(a.report_id.slice(3)) || a.level.localeCompare(b.level));
}

export function checkLevel(level: unknown): EdaLevel {
  if (level === 'L0' || level === 'L1') return level;
  throw new RepositoryInputError(`invalid level ${JSON.stringify(level)}: use L0 (summary) or L1 (correlations and distributions)`);
}

function formatOf(fileName: string, given: unknown): EdaFormat {
  if (given !== undefined) {
    if ((EDA_FORMATS as readonly unknown[]).includes(given)) return given as EdaFormat;
    throw new RepositoryInputError(`invalid format ${JSON.stringify(given)}: use csv, tsv or xlsx`);
  }
  const ext = fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase();
  if ((EDA_FORMATS as readonly string[]).includes(ext)) return ext as EdaFormat;
  throw new RepositoryInputError(`${fileName}: give the format (csv, tsv or xlsx); the file name does not tell it`);
}

/** How a deployment profiles: `pandas` on this machine (local mode), or `spark` as a Spark job on a config group's engine (AWS). */
export type EdaProfiler = 'pandas' | 'spark';

/** What a run request may choose: the profiler, and for Spark the config groups (name and engine type only) and the default. */
export interface EdaProfilerInfo {
  profiler: EdaProfiler;
  /** Spark: every config group, by name; a `local` engine cannot run the profiler (a run naming it is refused). Null for pandas. */
  config_groups: { name: string; engine: string }[] | null;
  /** Spark: the group a run without `config_group` uses (null: none set, which runs nowhere). Null for pandas. */
  default_group: string | null;
}

export class EdaSources {
  private readonly python: string;
  private readonly clock: () => Date;

  constructor(private readonly options: EdaOptions) {
    this.python = options.python ?? defaultEdaPython();
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * How runs profile here, for the run form: names and engine types of the config groups (nothing
   * else of them: a run may name a group, but reading groups is Admin's business).
   */
  async profiler(): Promise<EdaProfilerInfo> {
    const { spark } = this.options;
    if (!spark) return { profiler: 'pandas', config_groups: null, default_group: null };
    const [groups, fallback] = await Promise.all([spark.groups.list(), spark.groups.defaultName()]);
    return { profiler: 'spark', config_groups: groups.map((g) => ({ name: g.name, engine: g.engine.type })), default_group: fallback };
  }

  async put(name: string, input: EdaSourceInput, user: string | null): Promise<EdaSource> {
    checkName('dataset', name);
    const database = input.conn_id !== undefined || input.table !== undefined || input.query !== undefined;
    if ([input.dataset !== undefined, input.blob_key !== undefined, database].filter(Boolean).length !== 1) {
      throw new RepositoryInputError('give one of dataset {name, version?}, blob_key, or conn_id with a table or a query');
    }
    const base = { name, created_at: this.clock().toISOString(), created_by: user, database: null };
    if (database) return this.save({ ...base, type: 'database', dataset: null, blob_key: null, database: await this.checkDatabase(input), format: null });
    if (input.dataset) {
      const version = input.dataset.version ?? null;
      const found = await this.options.repository.get('dataset', input.dataset.name, version ?? 'latest');
      return this.save({ ...base, type: 'dataset', dataset: { name: found.name, version }, blob_key: null, format: formatOf(found.file_name, input.format) });
    }
    const key = input.blob_key!;
    if (key.startsWith(SOURCES) || key.startsWith(REPORTS)) throw new RepositoryInputError(`blob_key ${JSON.stringify(key)}: EDA's own files cannot be profiled`);
    let exists: boolean;
    try {
      exists = await this.options.blobs.exists(key);
    } catch (error) {
      throw new RepositoryInputError((error as Error).message);
    }
    if (!exists) throw new RepositoryNotFoundError(`there is no blob ${JSON.stringify(key)}`);
    return this.save({ ...base, type: 'blob', dataset: null, blob_key: key, format: formatOf(key, input.format) });
  }

  private async checkDatabase(input: EdaSourceInput): Promise<EdaDatabase> {
    if (input.format !== undefined) throw new RepositoryInputError('format is for files: a database source has none');
    const connId = input.conn_id;
    if (typeof connId !== 'string' || !connId) throw new RepositoryInputError('a database source needs conn_id (a connection of type sqlite or postgres)');
    if ((input.table === undefined) === (input.query === undefined)) throw new RepositoryInputError('a database source needs either a table or a query');
    if (input.table !== undefined && !TABLE_NAME.test(input.table)) {
      throw new RepositoryInputError(`invalid table ${JSON.stringify(input.table.slice(0, 100))}: a name or schema.name of letters, digits and underscores (profile anything else with a query)`);
    }
    if (input.query !== undefined && !/^\s*(select|with)\b/i.test(input.query)) throw new RepositoryInputError('the query must be a SELECT (or WITH … SELECT); it runs in a read-only session');
    if (!this.options.connections) throw new RepositoryInputError('database sources are not available on this deployment');
    const connection = await this.options.connections(connId);
    if (!connection) throw new RepositoryNotFoundError(`there is no connection '${connId}'`);
    if (!EDA_CONN_TYPES.includes(connection.conn_type)) {
      throw new RepositoryInputError(`connection '${connId}' is of type ${JSON.stringify(connection.conn_type)}: EDA reads sqlite and postgres connections`);
    }
    // In AWS the table is read by a Spark job, which reaches network databases only.
    const refusal = this.options.spark ? jdbcRefusal(connId, connection.conn_type) : undefined;
    if (refusal) throw new RepositoryInputError(refusal);
    return { conn_id: connId, table: input.table ?? null, query: input.query ?? null };
  }

  async list(): Promise<EdaSource[]> {
    const out: EdaSource[] = [];
    for (const blob of (await this.options.blobs.list(SOURCES)).blobs) {
      const body = await this.options.blobs.get(blob.key);
      if (body) out.push(JSON.parse(body.toString('utf8')) as EdaSource);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<EdaSource> {
    const body = await this.options.blobs.get(`${SOURCES}${checkName('dataset', name)}.json`);
    if (!body) throw new RepositoryNotFoundError(`there is no EDA source '${name}'`);
    return JSON.parse(body.toString('utf8')) as EdaSource;
  }

  /** Removes the source and its reports (the generated DAG files stay until deleted as DAG files). */
  async delete(name: string): Promise<void> {
    const source = await this.get(name);
    for (const blob of (await this.options.blobs.list(`${REPORTS}${source.name}/`)).blobs) await this.options.blobs.delete(blob.key);
    await this.options.blobs.delete(`${SOURCES}${source.name}.json`);
  }

  /** The profiling DAG for a source at a level: its id, file name and Python source. */
  async dagFor(name: string, level: EdaLevel, options: EdaRunOptions = {}): Promise<EdaDag> {
    const source = await this.get(name);
    const dagId = edaDagId(source.name, level);
    const reports = this.options.locate(`${REPORTS}${source.name}`);
    const { spark } = this.options;
    if (!spark && options.configGroup !== undefined) throw new RepositoryInputError('config_group is for the Spark profiler (AWS); in local mode EDA profiles with pandas');
    if (spark && source.database) return { dagId, filename: `${dagId}.py`, ...(await this.sparkDatabaseDag(spark, source, source.database, dagId, level, reports, options.configGroup)) };
    if (source.database) return { dagId, filename: `${dagId}.py`, content: this.databaseDag(source, source.database, dagId, level, reports) };
    const input = source.dataset
      ? (await this.options.repository.get('dataset', source.dataset.name, source.dataset.version ?? 'latest')).file_uri
      : this.options.locate(source.blob_key!);
    for (const path of [input, reports]) {
      // The command is a Jinja template: a path with braces would be rendered.
      if (/[{}]/.test(path)) throw new RepositoryInputError(`${path}: paths with braces cannot be profiled`);
    }
    if (spark) return { dagId, filename: `${dagId}.py`, content: await this.sparkDag(spark, source, dagId, level, input, reports, options.configGroup) };
    const command = [
      shellQuote(this.python),
      shellQuote(join(PYTHON_SHIM_DIR, 'skydag_eda', 'profile.py')),
      '--input',
      shellQuote(input),
      '--format',
      source.format!,
      '--level',
      level,
      '--source',
      shellQuote(source.name),
      '--output',
      `${shellQuote(reports)}/${level}-{{ ts_nodash }}/summary.json`,
    ].join(' ');
    const content = generatedDag(source, dagId, level, ['from airflow.operators.bash import BashOperator'], [`    BashOperator(task_id="profile", bash_command=${JSON.stringify(command)})`]);
    return { dagId, filename: `${dagId}.py`, content };
  }

  /**
   * The Spark profiler's DAG: one PySparkOperator running the shipped program with the paths and the
   * level as its arguments (the output's `{{ ts_nodash }}` rendered per run, as locally). The group
   * is checked now, so a run that cannot reach Spark is refused before anything is written.
   */
  private async sparkDag(spark: NonNullable<EdaOptions['spark']>, source: EdaSource, dagId: string, level: EdaLevel, input: string, reports: string, configGroup: string | undefined): Promise<string> {
    const group = await this.sparkGroup(spark, configGroup);
    await this.shipProgram(spark);
    const args = ['--input', input, '--format', source.format!, '--level', level, '--source', source.name, '--output', `${reports}/${level}-{{ ts_nodash }}/summary.json`];
    return sparkOperatorDag(source, dagId, level, args, configGroup === undefined ? undefined : group.name);
  }

  /**
   * A database source's Spark DAG: the connection (postgres) is checked and the group must put its
   * JDBC driver on the classpath; the DAG passes only where the run's credentials object will be
   * (`{{ ts_nodash }}` rendered per run) and the table or query. `credentials` writes that object
   * when the run is requested (the API, right before it writes the DAG file and triggers the run).
   */
  private async sparkDatabaseDag(
    spark: NonNullable<EdaOptions['spark']>,
    source: EdaSource,
    database: EdaDatabase,
    dagId: string,
    level: EdaLevel,
    reports: string,
    configGroup: string | undefined,
  ): Promise<Pick<EdaDag, 'content' | 'credentials'>> {
    const { jdbc } = spark;
    if (!jdbc) throw new RepositoryInputError(`EDA source '${source.name}' is a database table and this deployment cannot hand connections to Spark jobs: export the table to CSV (a dataset or a file in the bucket) and profile that`);
    const connection = await jdbc.connections(database.conn_id);
    if (!connection) throw new RepositoryNotFoundError(`there is no connection '${database.conn_id}'`);
    const refusal = jdbcRefusal(database.conn_id, connection.conn_type);
    if (refusal) throw new RepositoryInputError(refusal);
    // Built now so a connection the job could not use is refused before anything is written.
    const body = JSON.stringify(jdbcCredentials(connection));
    const group = await this.sparkGroup(spark, configGroup);
    const missing = jdbcDriverProblem(group, connection.conn_type);
    if (missing) throw new RepositoryInputError(missing);
    const jar = driverDependency(group, connection.conn_type);
    if (jar && !(await spark.artifacts.get('dependency', jar).then(Boolean, () => false))) {
      throw new RepositoryInputError(`config group '${group.name}' names the JDBC driver ${jar}, which has not been uploaded as a Spark dependency (skydag artifacts upload ${jar} --kind dependency, or POST /api/v1/artifacts/dependency)`);
    }
    const folder = this.options.locate(CREDENTIALS_PREFIX + dagId);
    // The arguments are Jinja templates: a path with braces would be rendered.
    for (const path of [folder, reports]) if (/[{}]/.test(path)) throw new RepositoryInputError(`${path}: paths with braces cannot be profiled`);
    await this.shipProgram(spark);
    const credentials = `${folder}/{{ ts_nodash }}.json`;
    const what = database.table !== null ? ['--table', jdbcTable(database.table)] : ['--query', jinjaLiteral(database.query!)];
    const args = ['--jdbc-credentials', credentials, ...what, '--level', level, '--source', source.name, '--output', `${reports}/${level}-{{ ts_nodash }}/summary.json`];
    return {
      content: sparkOperatorDag(source, dagId, level, args, configGroup === undefined ? undefined : group.name),
      credentials: {
        key: (tsNodashValue) => credentialsKey(dagId, tsNodashValue),
        write: (tsNodashValue) => jdbc.drop.put(credentialsKey(dagId, tsNodashValue), body),
        discard: (tsNodashValue) => jdbc.drop.delete(credentialsKey(dagId, tsNodashValue)),
      },
    };
  }

  /** The group that runs the Spark profiler: checked now, so a run that cannot reach Spark is refused before anything is written. */
  private async sparkGroup(spark: NonNullable<EdaOptions['spark']>, configGroup: string | undefined): Promise<StoredConfigGroup> {
    let group;
    try {
      group = await spark.groups.resolve(configGroup);
    } catch (error) {
      if (error instanceof ConfigGroupNotFoundError) throw new RepositoryNotFoundError(`there is no config group '${configGroup}'`);
      if (error instanceof SparkInputError) throw new RepositoryInputError(error.message);
      throw error;
    }
    if (group.engine.type === 'local') {
      const why =
        configGroup !== undefined
          ? `config group '${group.name}' runs spark-submit locally`
          : (await spark.groups.defaultName()) === null
            ? 'there is no default config group'
            : `the default config group '${group.name}' runs spark-submit locally`;
      throw new RepositoryInputError(`EDA in AWS runs as a Spark job and ${why}: name an emr, emr_serverless or livy group (config_group) or make one the default`);
    }
    return group;
  }

  private async shipProgram(spark: NonNullable<EdaOptions['spark']>): Promise<void> {
    const program = Buffer.from(SPARK_PROFILER_SOURCE, 'utf8');
    const shipped = await spark.artifacts.get('code', SPARK_PROFILER_ARTIFACT);
    if (!shipped?.equals(program)) await spark.artifacts.upload('code', SPARK_PROFILER_ARTIFACT, program);
  }

  /**
   * A database source's DAG: a PythonOperator whose callable (defined in the file, so the values are
   * literals, never templates) asks for the connection at run time and runs the profiler with it.
   */
  private databaseDag(source: EdaSource, database: EdaDatabase, dagId: string, level: EdaLevel, reports: string): string {
    // JSON literals are valid Python literals (null aside, which becomes None).
    const py = (value: string | null) => (value === null ? 'None' : JSON.stringify(value));
    return generatedDag(source, dagId, level, [
        'from airflow.operators.python import PythonOperator',
        '',
        '',
        'def profile(ts_nodash, **_):',
        '    from skydag_eda.database import profile_database',
        '',
        '    profile_database(',
        `        conn_id=${py(database.conn_id)},`,
        `        table=${py(database.table)},`,
        `        query=${py(database.query)},`,
        `        level=${py(level)},`,
        `        source=${py(source.name)},`,
        `        python=${py(this.python)},`,
        `        output=${py(`${reports}/${level}-`)} + ts_nodash + "/summary.json",`,
        '    )',
        '',
      ],
      ['    PythonOperator(task_id="profile", python_callable=profile)'],
    );
  }

  async reports(name: string): Promise<EdaReportInfo[]> {
    const source = await this.get(name);
    const prefix = `${REPORTS}${source.name}/`;
    const listing = await this.options.blobs.list(prefix, { delimiter: '/' });
    const out: EdaReportInfo[] = [];
    for (const p of listing.prefixes) {
      const id = p.slice(prefix.length, -1);
      if (!REPORT_ID.test(id)) continue;
      const level = id.slice(0, 2) as EdaLevel;
      out.push({ report_id: id, level, ready: await this.options.blobs.exists(`${p}summary.json`), dag_id: edaDagId(source.name, level), dag_run_id: edaRunId(id.slice(3)) });
    }
    return out.sort((a, b) => b.report_id.slice(3).localeCompare(a.report_id.slice(3)) || a.level.localeCompare(b.level));
  }

  /** A run's summary (parsed JSON), or RepositoryNotFoundError while the run has not written it. */
  async summary(name: string, reportId: string): Promise<unknown> {
    const source = await this.get(name);
    if (!REPORT_ID.test(reportId)) throw new RepositoryNotFoundError(`there is no report '${reportId}' of EDA source '${source.name}'`);
    const body = await this.options.blobs.get(`${REPORTS}${source.name}/${reportId}/summary.json`);
    if (!body) throw new RepositoryNotFoundError(`report '${reportId}' of EDA source '${source.name}' is not ready (its run has not finished, or failed)`);
    return JSON.parse(body.toString('utf8')) as unknown;
  }

  /**
   * Where a client reads a report straight from the blob store — a presigned URL valid for
   * `expiresInSeconds` — or undefined when the store cannot hand out such URLs (local mode: the API
   * serves the report itself). The summary is the run's file; the HTML is rendered here from it (the
   * same renderer, title and CSP meta as the API's own page) and stored beside it as `report.html`,
   * rewritten on each request so it always comes from the current renderer. The caller checks
   * permissions first: the URL itself is the permission.
   */
  async reportLink(name: string, reportId: string, what: 'summary' | 'html', expiresInSeconds: number): Promise<string | undefined> {
    if (!this.options.blobs.presignGet) return undefined;
    const summary = await this.summary(name, reportId);
    const folder = `${REPORTS}${checkName('dataset', name)}/${reportId}/`;
    if (what === 'summary') return this.options.blobs.presignGet(`${folder}summary.json`, { expiresInSeconds, contentType: 'application/json' });
    const key = `${folder}report.html`;
    await this.options.blobs.put(key, renderReport(summary, reportTitle(name, reportId)), { contentType: REPORT_HTML_TYPE });
    return this.options.blobs.presignGet(key, { expiresInSeconds, contentType: REPORT_HTML_TYPE });
  }

  private async save(source: EdaSource): Promise<EdaSource> {
    await this.options.blobs.put(`${SOURCES}${source.name}.json`, JSON.stringify(source));
    return source;
  }
}

/** One PySparkOperator running the shipped profiler with these arguments (on the named group, else the default). */
function sparkOperatorDag(source: EdaSource, dagId: string, level: EdaLevel, args: string[], groupName: string | undefined): string {
  // JSON string literals are Python string literals.
  const py = (value: string) => JSON.stringify(value);
  return generatedDag(source, dagId, level, ['from airflow.operators import PySparkOperator'], [
    '    PySparkOperator(',
    '        task_id="profile",',
    `        code_artifact=${py(SPARK_PROFILER_ARTIFACT)},`,
    `        app_name=${py(`${dagId}.profile`)},`,
    `        application_arguments=[${args.map(py).join(', ')}],`,
    ...(groupName !== undefined ? [`        config_group=${py(groupName)},`] : []),
    '    )',
  ]);
}

function generatedDag(source: EdaSource, dagId: string, level: EdaLevel, preamble: string[], tasks: string[]): string {
  return [
    `# Generated by skydag for the EDA source ${JSON.stringify(source.name)} (level ${level}); rewritten on every run.`,
    'from datetime import datetime',
    'from airflow import DAG',
    ...preamble,
    '',
    `with DAG(${JSON.stringify(dagId)}, start_date=datetime(2024, 1, 1), schedule=None, catchup=False, is_paused_upon_creation=False, tags=["eda"]):`,
    ...tasks,
    '',
  ].join('\n');
}

/**
 * EDA of database sources end to end: the profiling DAG generated for a sqlite connection (and a
 * postgres one when Debian's PostgreSQL and psycopg2 are installed) runs the pandas profiler on a
 * table or a query. The connection's secret is looked up by the task at run time: it is in no DAG
 * file and no log. A query that writes is refused by the read-only session and changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { EnvConnectionStore } from '../../local/stores/env-secrets.js';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { EdaSources, defaultEdaPython, type EdaLevel } from '../../shared/eda/sources.js';
import { Repository } from '../../shared/repository/repository.js';
import { describeWhen, type Requirement } from '../helpers/optional-suites.js';
import { postgresRequirement, startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { e2eRuntime, runDag, TempDirs, tryLog } from './support.js';

const SECRET = 'eda-db-s3cret-never-logged';
const LOGICAL_DATE = new Date('2024-03-05T10:00:00Z');

const python = defaultEdaPython();
const canImport = (module: string): boolean => {
  try {
    execFileSync(python, ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const pandas: Requirement = canImport('pandas') ? { met: true } : { met: false, missing: `${python} has no pandas`, install: 'apt-get install python3-pandas' };
const pgServer = postgresRequirement();
const postgres: Requirement = !pandas.met ? pandas : !pgServer.met ? pgServer : canImport('psycopg2') ? { met: true } : { met: false, missing: `${python} has no psycopg2`, install: 'apt-get install python3-psycopg2' };

interface Summary {
  rows: number;
  columns: number;
  column_profiles: { name: string; type: string; nulls: number; mean?: number; top_values: { value: string; count: number }[] }[];
}

/** An EDA service, its DAGs folder and a runtime over it, with the given connections. */
class Setup {
  readonly temp = new TempDirs();
  readonly connections = new EnvConnectionStore({});
  readonly eda: EdaSources;
  readonly folder = this.temp.make('skydag-e2e-eda-db-dags-');
  runtime?: LocalRuntime;

  constructor() {
    const blobs = new FsBlobStore(this.temp.make('skydag-e2e-eda-db-blobs-'));
    const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate: (key) => blobs.pathOf(key) });
    this.eda = new EdaSources({ blobs, repository, locate: (key) => blobs.pathOf(key), connections: (id) => this.connections.get(id), clock: () => LOGICAL_DATE });
  }

  async write(source: string, level: EdaLevel): Promise<string> {
    const dag = await this.eda.dagFor(source, level);
    writeFileSync(join(this.folder, dag.filename), dag.content);
    return dag.content;
  }

  /** Runs a written DAG (the folder is scanned once, at the first run: write every DAG before). */
  async run(dagId: string): Promise<{ state: string; log: string }> {
    this.runtime ??= e2eRuntime(this.temp, this.folder, { connections: this.connections });
    const result = await runDag(this.runtime, dagId, { logicalDate: LOGICAL_DATE });
    return { state: result.tasks.profile!.state, log: await tryLog(this.runtime, result.run, 'profile', 1) };
  }

  close(): void {
    this.runtime?.close();
    this.temp.cleanup();
  }
}

describeWhen('EDA of a sqlite connection', pandas, () => {
  const setup = new Setup();
  let db: string;
  const contents: string[] = [];
  beforeAll(async () => {
    db = join(setup.temp.make('skydag-e2e-eda-sqlite-'), 'shop.db');
    execFileSync(python, [
      '-c',
      `import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute('create table orders (id integer, amount real, city text)')
c.executemany('insert into orders values (?, ?, ?)', [(1, 10.0, 'Pune'), (2, None, 'Pune'), (3, 30.0, 'Delhi'), (4, 50.0, None)])
c.commit()`,
      db,
    ]);
    // A sqlite connection needs no password: one is set to prove it never reaches a file or a log.
    setup.connections.add({ conn_id: 'shop', conn_type: 'sqlite', host: db, schema: null, login: 'ann', password: SECRET, port: null, extra: {} });
    setup.connections.add({ conn_id: 'web', conn_type: 'http', host: 'example.com', schema: null, login: null, password: null, port: null, extra: {} });
    await setup.eda.put('orders', { conn_id: 'shop', table: 'orders' }, 'op');
    await setup.eda.put('pune', { conn_id: 'shop', query: "SELECT id, amount FROM orders WHERE city = 'Pune'" }, 'op');
    await setup.eda.put('sneaky', { conn_id: 'shop', query: 'WITH gone AS (SELECT 1) DELETE FROM orders' }, 'op');
    contents.push(await setup.write('orders', 'L0'), await setup.write('pune', 'L1'), await setup.write('sneaky', 'L0'));
  });
  afterAll(() => setup.close());

  it('profiles a table at L0 and a query at L1; the secret is in no DAG file or log', async () => {
    const orders = await setup.run('eda__orders__L0');
    const pune = await setup.run('eda__pune__L1');
    expect([orders.state, pune.state]).toEqual(['success', 'success']);
    for (const text of [...contents, orders.log, pune.log]) expect(text).not.toContain(SECRET);

    const l0 = (await setup.eda.summary('orders', 'L0-20240305T100000')) as Summary;
    expect([l0.rows, l0.columns]).toEqual([4, 3]);
    expect(l0.column_profiles.find((c) => c.name === 'amount')).toMatchObject({ type: 'number', nulls: 1, mean: 30 });
    expect(l0.column_profiles.find((c) => c.name === 'city')!.top_values).toEqual([
      { value: 'Pune', count: 2 },
      { value: 'Delhi', count: 1 },
    ]);
    const l1 = (await setup.eda.summary('pune', 'L1-20240305T100000')) as Summary & { correlations: { columns: string[] } };
    expect([l1.rows, l1.columns, l1.correlations.columns]).toEqual([2, 2, ['id', 'amount']]);
    expect((await setup.eda.reports('orders')).map((r) => [r.report_id, r.ready, r.dag_id, r.dag_run_id])).toEqual([['L0-20240305T100000', true, 'eda__orders__L0', 'eda__20240305T100000']]);
  }, 90_000);

  it('runs a query that writes in a read-only session: the run fails and the table is unchanged', async () => {
    const run = await setup.run('eda__sneaky__L0');
    expect(run.state).toBe('failed');
    expect(run.log).toMatch(/readonly database|read-only/i);
    expect(execFileSync(python, ['-c', 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from orders").fetchone()[0])', db]).toString().trim()).toBe('4');
  }, 60_000);

  it('refuses sources it cannot read, with a clear error, registering nothing', async () => {
    const before = (await setup.eda.list()).map((s) => s.name);
    const refusals: [unknown, RegExp][] = [
      [{ conn_id: 'missing', table: 'orders' }, /there is no connection 'missing'/],
      [{ conn_id: 'web', table: 'orders' }, /connection 'web' is of type "http": EDA reads sqlite and postgres/],
      [{ conn_id: 'shop' }, /either a table or a query/],
      [{ conn_id: 'shop', table: 'orders', query: 'SELECT 1' }, /either a table or a query/],
      [{ conn_id: 'shop', table: 'orders; DROP TABLE orders' }, /invalid table/],
      [{ conn_id: 'shop', query: 'DROP TABLE orders' }, /must be a SELECT/],
      [{ conn_id: 'shop', table: 'orders', format: 'csv' }, /format is for files/],
      [{ conn_id: 'shop', table: 'orders', blob_key: 'x.csv' }, /give one of/],
    ];
    for (const [input, error] of refusals) await expect(setup.eda.put('bad', input as never, 'op')).rejects.toThrow(error);
    expect((await setup.eda.list()).map((s) => s.name)).toEqual(before);
  });
});

describeWhen('EDA of a postgres connection', postgres, () => {
  const setup = new Setup();
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres('eda_shop');
    execFileSync('psql', ['-h', '127.0.0.1', '-p', String(pg.port), '-U', pg.user, '-d', pg.database, '-v', 'ON_ERROR_STOP=1', '-c',
      "create schema sales; create table sales.orders (id int, amount numeric, city text); insert into sales.orders values (1, 10, 'Pune'), (2, null, 'Pune'), (3, 30, 'Delhi');"], { stdio: 'ignore' });
    // The test server trusts local connections: the password is sent and must not be seen anywhere.
    setup.connections.add({ conn_id: 'pg', conn_type: 'postgres', host: '127.0.0.1', schema: pg.database, login: pg.user, password: SECRET, port: pg.port, extra: {} });
  }, 60_000);
  afterAll(async () => {
    setup.close();
    await pg?.stop();
  });

  it('profiles a schema-qualified table; the secret is in no DAG file or log', async () => {
    await setup.eda.put('pg_orders', { conn_id: 'pg', table: 'sales.orders' }, 'op');
    const content = await setup.write('pg_orders', 'L0');
    const run = await setup.run('eda__pg_orders__L0');
    expect(run).toMatchObject({ state: 'success' });
    for (const text of [content, run.log]) expect(text).not.toContain(SECRET);
    const summary = (await setup.eda.summary('pg_orders', 'L0-20240305T100000')) as Summary;
    expect([summary.rows, summary.columns]).toEqual([3, 3]);
    expect(summary.column_profiles.find((c) => c.name === 'amount')).toMatchObject({ nulls: 1, mean: 20 });
  }, 90_000);
});

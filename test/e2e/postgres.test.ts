/**
 * The postgres provider end to end (test/fixtures/e2e/postgres.py) against Debian's PostgreSQL server,
 * started by the test in a temporary folder, with psycopg2 in the task Python (Debian's
 * python3-psycopg2 for /usr/bin/python3 when the default python3 lacks it).
 */
import { execFileSync } from 'node:child_process';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { EnvConnectionStore } from '../../local/stores/env-secrets.js';
import { defaultPython } from '../../shared/runtime/executors/python.js';
import { describeWhen, type Requirement } from '../helpers/optional-suites.js';
import { postgresRequirement, startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { E2E_DAGS, e2eRuntime, runDag, statesAndTries, TempDirs, tryLog, type E2eRun } from './support.js';

/** A Python that can import psycopg2: the default, else Debian's. */
function pythonWithPsycopg2(): string | undefined {
  for (const python of [defaultPython(), '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', 'import psycopg2'], { stdio: 'ignore' });
      return python;
    } catch {
      // next
    }
  }
  return undefined;
}

const python = pythonWithPsycopg2();
const server = postgresRequirement();
const requirement: Requirement = !server.met ? server : python ? { met: true } : { met: false, missing: 'no task Python has psycopg2', install: 'apt-get install python3-psycopg2' };

describeWhen('postgres provider against PostgreSQL (e2e_postgres)', requirement, () => {
  const temp = new TempDirs();
  let runtime: LocalRuntime;
  let pg: PostgresServer;
  let result: E2eRun;
  const savedPython = process.env.SKYDAG_PYTHON;

  beforeAll(async () => {
    pg = await startPostgres();
    process.env.SKYDAG_PYTHON = python!;
    const connections = new EnvConnectionStore({});
    connections.add({ conn_id: 'local_pg', conn_type: 'postgres', host: '127.0.0.1', schema: pg.database, login: pg.user, password: null, port: pg.port, extra: {} });
    runtime = e2eRuntime(temp, E2E_DAGS, { connections });
    result = await runDag(runtime, 'e2e_postgres', { logicalDate: new Date('2024-03-05T00:00:00Z') });
  }, 120_000);

  afterAll(async () => {
    if (savedPython === undefined) delete process.env.SKYDAG_PYTHON;
    else process.env.SKYDAG_PYTHON = savedPython;
    runtime?.close();
    await pg?.stop();
    temp.cleanup();
  }, 30_000);

  it('ends each task as Airflow does', () => {
    expect(statesAndTries(result.tasks)).toEqual({ create: ['success', 1], report: ['success', 1], broken: ['failed', 1], via_hook: ['success', 1] });
  });

  it('renders the SQL and its named parameters, and pushes the rows as lists', () => {
    expect(result.tasks.report!.xcom).toEqual({ return_value: [['eu', 16]] });
  });

  it('PostgresHook reads and writes from a Python task', () => {
    expect(result.tasks.via_hook!.xcom.return_value).toEqual({ count: 4, regions: ['apac', 'eu', 'us'], uri_scheme: 'postgresql' });
  });

  it("fails a statement PostgreSQL refuses with the server's error", async () => {
    expect(await tryLog(runtime, result.run, 'broken', 1)).toContain('relation "no_such_table" does not exist');
  });
});

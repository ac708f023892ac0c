/**
 * A maintenance DAG as users bring it (test/fixtures/maintenance/log_cleanup.py): it reads Airflow's
 * log folder from the configuration while the file is read (`[core] base_log_folder`, moved to
 * `[logging]` in Airflow 2), renders with `template_undefined=jinja2.Undefined`, and deletes old
 * task logs. skydag never tells DAG files or tasks where its own state (and logs) are: the site sets
 * AIRFLOW__LOGGING__BASE_LOG_FOLDER to the folder to clean and lists it in SKYDAG_PARSE_ENV (and in
 * SKYDAG_TASK_ENV_PASSTHROUGH for tasks reading it).
 */
import { mkdirSync, existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cli, TempDirs, type DagsTestJson } from './support.js';

const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures', 'maintenance');
const temp = new TempDirs();
let logs: string;
const SETTINGS = ['SKYDAG_HOME', 'SKYDAG_PARSE_ENV', 'SKYDAG_TASK_ENV_PASSTHROUGH', 'AIRFLOW__LOGGING__BASE_LOG_FOLDER'] as const;
const previous = Object.fromEntries(SETTINGS.map((name) => [name, process.env[name]]));

beforeAll(() => {
  process.env.SKYDAG_HOME = temp.make('skydag-e2e-home-');
  logs = temp.make('airflow-logs-');
  process.env.AIRFLOW__LOGGING__BASE_LOG_FOLDER = logs;
  process.env.SKYDAG_PARSE_ENV = 'AIRFLOW__LOGGING__BASE_LOG_FOLDER';
  process.env.SKYDAG_TASK_ENV_PASSTHROUGH = 'AIRFLOW__LOGGING__BASE_LOG_FOLDER';
});
afterAll(() => {
  for (const name of SETTINGS) {
    if (previous[name] === undefined) delete process.env[name];
    else process.env[name] = previous[name];
  }
  temp.cleanup();
});

/** A task log file, last written `days` ago. */
function oldLog(days: number, name: string): string {
  const dir = join(logs, 'dag_id=other', 'run_id=scheduled__2024-01-01T00:00:00+00:00', 'task_id=t');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, 'old log\n');
  const when = new Date(Date.now() - days * 86_400_000);
  utimesSync(file, when, when);
  return file;
}

describe('the log-cleanup maintenance DAG', () => {
  it('knows the log folder when it is read, renders a missing conf key as empty (jinja2.Undefined) and deletes only logs older than 30 days', async () => {
    const stale = oldLog(45, 'attempt=1.log');
    const recent = oldLog(5, 'attempt=2.log');
    const { code, out, err } = await cli(['dags', 'test', 'log_cleanup', '2024-06-01', '--dags-folder', FIXTURES, '--output', 'json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as DagsTestJson;
    expect(result.state).toBe('success');
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    // The task's airflow.configuration.conf answers as the reader did.
    const settings = result.task_instances.find((t) => t.task_id === 'settings')!;
    expect(settings.xcom).toEqual({ return_value: { base_log_folder: logs, old_place: logs, dags_folder: FIXTURES } });
  }, 60_000);

  it('takes the age from dag_run.conf when the run has it', async () => {
    const tenDays = oldLog(10, 'attempt=3.log');
    const { code } = await cli(['dags', 'test', 'log_cleanup', '2024-06-02', '--dags-folder', FIXTURES, '--conf', '{"maxLogAgeInDays": 7}']);
    expect(code).toBe(0);
    expect(existsSync(tenDays)).toBe(false);
  }, 60_000);
});

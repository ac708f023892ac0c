/**
 * Config files read while a DAG file is read (test/fixtures/e2e/parse_time_config.py): the DAG's
 * shape comes from a JSON and a YAML file beside it, the version records them (parse_files) and
 * bundles them, and a task reading the same file when it runs reads the version's copy.
 */
import { runDag, statesAndTries, useE2eRuntime, type E2eRun } from './support.js';

const e2e = useE2eRuntime();
let result: E2eRun;

beforeAll(async () => {
  result = await runDag(e2e.runtime, 'e2e_parse_time_config', { logicalDate: new Date('2024-03-05T00:00:00Z') });
}, 120_000);

describe('config files read at parse time (e2e_parse_time_config)', () => {
  it('builds the DAG from them, as Airflow does when it imports the file (YAML anchors, merge keys, dates, yes/no)', async () => {
    expect(statesAndTries(result.tasks)).toEqual({ load_orders: ['success', 1], load_users: ['success', 1], check: ['success', 1] });
    const model = (await e2e.runtime.dags.getDag('e2e_parse_time_config', result.run.dag_version))!;
    expect(model.tags).toEqual(['config', 'parse-time']);
    expect(model.max_active_tasks).toBe(4);
    expect(model.start_date).toBe('2024-01-15T00:00:00+00:00');
    expect(model.tasks.map((t) => [t.task_id, t.retries, t.owner])).toEqual([
      ['load_orders', 2, 'data-team'],
      ['load_users', 0, 'data-team'],
      ['check', 0, 'airflow'],
    ]);
    expect(model.parse_files).toEqual(['configs/parse_time_tables.yaml', 'parse_time_settings.json']);
  });

  it("the task reads the config file of the run's version", () => {
    expect(result.tasks.check!.xcom).toEqual({ return_value: ['orders', 'users'] });
  });
});

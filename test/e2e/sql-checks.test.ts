/**
 * common-sql's check operators and SqlSensor end to end (test/fixtures/e2e/sql_checks.py) on a
 * SQLite file: each passes or fails as Airflow 2.10's provider decides (logical date 2024-03-05:
 * sales of 110 (eu) and 5 (us) that day, 100 (eu) a week before).
 */
import path from 'node:path';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { EnvConnectionStore } from '../../local/stores/env-secrets.js';
import { E2E_DAGS, e2eRuntime, runDag, statesAndTries, TempDirs, tryLog, type E2eRun } from './support.js';

const temp = new TempDirs();
let runtime: LocalRuntime;
let result: E2eRun;

beforeAll(async () => {
  const connections = new EnvConnectionStore({});
  const db = path.join(temp.make('skydag-e2e-checks-'), 'sales.db');
  connections.add({ conn_id: 'checks_copy', conn_type: 'sqlite', host: path.join(temp.make('skydag-e2e-copy-'), 'copy.db'), schema: null, login: null, password: null, port: null, extra: {} });
  connections.add({ conn_id: 'checks_sqlite', conn_type: 'sqlite', host: db, schema: null, login: null, password: null, port: null, extra: {} });
  runtime = e2eRuntime(temp, E2E_DAGS, { connections });
  result = await runDag(runtime, 'e2e_sql_checks', { logicalDate: new Date('2024-03-05T00:00:00Z') });
}, 120_000);
afterAll(() => {
  runtime.close();
  temp.cleanup();
});

const log = (taskId: string) => tryLog(runtime, result.run, taskId, 1);

describe('SQL check operators and SqlSensor (e2e_sql_checks)', () => {
  it('passes and fails each check as the provider does', () => {
    expect(statesAndTries(result.tasks)).toEqual({
      setup: ['success', 1],
      rows_exist: ['success', 1],
      zero_fails: ['failed', 1],
      old_name: ['success', 1],
      value_ok: ['success', 1],
      value_off: ['failed', 1],
      value_text: ['success', 1],
      interval_ok: ['success', 1],
      interval_off: ['failed', 1],
      threshold_ok: ['success', 1],
      threshold_off: ['failed', 1],
      table_ok: ['success', 1],
      table_off: ['failed', 1],
      has_rows: ['success', 1],
      success_fn: ['success', 1],
      failure_fn: ['failed', 1],
      empty_fails: ['failed', 1],
      never: ['skipped', 1],
      columns_ok: ['success', 1],
      columns_off: ['failed', 1],
      branch: ['success', 1],
      big_day: ['success', 1],
      quiet_day: ['skipped', 0],
      copy_eu: ['success', 1],
      copied: ['success', 1],
    });
  });

  it("explains a failed check with the provider's messages", async () => {
    expect(await log('zero_fails')).toContain("Test failed.\nQuery:\nSELECT COUNT(*), 0 FROM sales\nResults:\n(3, 0)");
    expect(await log('value_off')).toContain('Test failed.\nPass value:100.0\nTolerance:None');
    expect(await log('interval_off')).toContain('The following tests have failed:\n MAX(amount)');
    expect(await log('threshold_off')).toContain('Result: 5 is not within thresholds 10.0 and 200.0');
    expect(await log('table_off')).toContain("Check: big,\n\tCheck Values: {'check_statement': 'amount >= 100', 'success': False}");
    expect(await log('failure_fn')).toContain('Failure criteria met. self.failure(110) returned True');
    expect(await log('empty_fails')).toContain('No rows returned, raising as per fail_on_empty flag');
    expect(await log('columns_off')).toContain("Column: amount\n\tCheck: max,\n\tCheck Values: {'leq_to': 100, 'tolerance': 0.05, 'result': 110, 'success': False}");
    expect(await log('columns_off')).not.toContain('Check: unique_check');
  });

  it("copies a query's rows into another connection's table (GenericTransfer, after its preoperator)", () => {
    expect(result.tasks.copied?.xcom.return_value).toEqual([
      ['2024-02-27', 100],
      ['2024-03-05', 110],
    ]);
  });

  it('renders the interval check against the run and a week before', async () => {
    expect(await log('interval_ok')).toContain("SELECT MAX(amount) FROM sales WHERE ds='2024-02-27'");
  });
});

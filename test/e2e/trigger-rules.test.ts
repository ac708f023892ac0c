/**
 * Every trigger rule, end to end: test/fixtures/e2e/trigger_rules.py is read by the Python
 * front-end, compiled to ASL, run by the local engine; the sources really fail (bash exit 1) and
 * really skip (bash exit 99, Airflow 2.6+'s skip code). Expected states are Airflow 2.7's
 * (`trigger_rule_dep._evaluate_direct_relatives` with flag_upstream_failed, as the scheduler runs it).
 */
import { e2eRuntime, runDag, TempDirs, type E2eRun } from './support.js';

const temp = new TempDirs();
let result: E2eRun;

beforeAll(async () => {
  const runtime = e2eRuntime(temp);
  result = await runDag(runtime, 'e2e_trigger_rules', { logicalDate: new Date('2024-01-01T00:00:00Z'), conf: { tmp: temp.make() } });
  runtime.close();
}, 30_000);
afterAll(() => temp.cleanup());

/** [state, try number]; tasks that ran push their own id (echo) as the return_value XCom. */
const RAN = (state = 'success'): [string, number] => [state, 1];
const NOT_RUN = (state: string): [string, number] => [state, 0];

const EXPECTED: Record<string, [string, number]> = {
  ok1: RAN(),
  ok2: RAN(),
  bad1: RAN('failed'),
  bad2: RAN('failed'),
  skip1: RAN('skipped'),
  skip2: RAN('skipped'),
  uf: NOT_RUN('upstream_failed'),
  sk: NOT_RUN('skipped'),
  slow: RAN(),
  late_bad: RAN('failed'),
  late_skip: RAN('skipped'),
  all_success__ok: RAN(),
  all_success__fail: NOT_RUN('upstream_failed'),
  all_success__skip: NOT_RUN('skipped'),
  // all_success is decided by the first parent that makes it impossible (Airflow evaluates it eagerly):
  all_success__skip_then_fail: NOT_RUN('skipped'),
  all_success__fail_then_skip: NOT_RUN('upstream_failed'),
  all_success__propagated_skip: NOT_RUN('skipped'),
  all_failed__fail: RAN(),
  all_failed__fail_uf: RAN(), // upstream_failed counts as failed
  all_failed__ok: NOT_RUN('skipped'),
  all_failed__skip: NOT_RUN('skipped'),
  all_done__mix: RAN(),
  all_skipped__skip: RAN(),
  all_skipped__ok: NOT_RUN('skipped'),
  all_skipped__fail: NOT_RUN('skipped'),
  one_success__mix: RAN(),
  one_success__none: NOT_RUN('upstream_failed'),
  one_success__skips: NOT_RUN('skipped'),
  one_success__eager: RAN(),
  one_failed__fail: RAN(),
  one_failed__uf: RAN(),
  one_failed__none: NOT_RUN('skipped'),
  one_failed__eager: RAN(),
  one_done__ok: RAN(),
  one_done__fail: RAN(),
  one_done__none: NOT_RUN('skipped'), // neither success nor failed (upstream_failed does not count)
  none_failed__ok_skip: RAN(),
  none_failed__skips: RAN(), // none_failed also runs when every parent was skipped
  none_failed__fail: NOT_RUN('upstream_failed'),
  none_failed__uf: NOT_RUN('upstream_failed'),
  none_failed_min_one_success__ok_skip: RAN(),
  none_failed_min_one_success__skips: NOT_RUN('skipped'),
  none_failed_min_one_success__fail: NOT_RUN('upstream_failed'),
  none_skipped__ok_fail: RAN(),
  none_skipped__skip: NOT_RUN('skipped'),
  none_skipped__uf: RAN(),
  always__mix: RAN(),
  below_upstream_failed: NOT_RUN('upstream_failed'),
  below_skipped: NOT_RUN('skipped'),
};

describe('trigger rules end to end (e2e_trigger_rules)', () => {
  it('gives every task the state and try number Airflow gives it', () => {
    const actual = Object.fromEntries(Object.entries(result.tasks).map(([id, t]) => [id, [t.state, t.try]]));
    expect(actual).toEqual(EXPECTED);
  });

  it('pushes the last stdout line of every task that succeeded, and nothing for failed, skipped or unrun tasks', () => {
    for (const [id, t] of Object.entries(result.tasks)) {
      if (id.endsWith('__eager')) continue;
      expect({ id, xcom: t.xcom }).toEqual({ id, xcom: t.state === 'success' ? { return_value: id } : {} });
    }
  });

  it('runs one_success and one_failed eagerly, while another parent is still running', () => {
    expect(result.tasks.one_success__eager!.xcom).toEqual({ return_value: 'early' });
    expect(result.tasks.one_failed__eager!.xcom).toEqual({ return_value: 'early' });
  });

  it('fails the run (leaves are failed or upstream_failed) and ends the state machine with DagRunFailed', () => {
    expect(result.run.state).toBe('failed');
    expect(result.execution).toMatchObject({ status: 'FAILED', error: 'Skydag.DagRunFailed' });
  });
});

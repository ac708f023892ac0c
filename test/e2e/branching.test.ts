/**
 * Branching end to end (test/fixtures/e2e/branching.py): BranchPythonOperator and @task.branch in
 * both directions chosen through dag_run.conf, joins with none_failed_min_one_success and with the
 * default all_success, ShortCircuitOperator (ignore_downstream_trigger_rules True and False) and
 * LatestOnlyOperator on a manual run and on an old scheduled run.
 */
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { e2eRuntime, runDag, statesAndTries, TempDirs } from './support.js';

const temp = new TempDirs();
let runtime: LocalRuntime;
const DATE = new Date('2024-01-01T00:00:00Z');
// Runs of one DAG need distinct logical dates (one run per DAG and date, as in Airflow).
let day = 0;
const nextDate = (): Date => new Date(DATE.getTime() + day++ * 86_400_000);

beforeAll(() => {
  runtime = e2eRuntime(temp);
});
afterAll(() => {
  runtime.close();
  temp.cleanup();
});

describe('BranchPythonOperator (e2e_branch_classic)', () => {
  it.each([
    ['left', 'right'],
    ['right', 'left'],
  ])('follows %s (from dag_run.conf), skips %s and its chain, joins with none_failed_min_one_success', async (taken, other) => {
    const logicalDate = nextDate();
    const { run, tasks } = await runDag(runtime, 'e2e_branch_classic', { logicalDate, conf: { path: taken }, runId: `manual__${taken}` });
    expect(statesAndTries(tasks)).toEqual({
      pick: ['success', 1],
      [taken]: ['success', 1],
      [`${taken}_2`]: ['success', 1],
      [other]: ['skipped', 0],
      [`${other}_2`]: ['skipped', 0],
      join: ['success', 1],
      join_default: ['skipped', 0], // all_success with a skipped parent
      after: ['success', 1],
    });
    expect(tasks.pick!.xcom).toEqual({ return_value: taken });
    expect(tasks[taken]!.xcom).toEqual({ return_value: `${taken} ran on ${logicalDate.toISOString().slice(0, 10)}` });
    expect(tasks[`${taken}_2`]!.xcom).toEqual({ return_value: `${taken}_2` });
    expect(tasks[other]!.xcom).toEqual({});
    expect(tasks.join!.xcom).toEqual({ return_value: 'joined' });
    expect(tasks.after!.xcom).toEqual({ return_value: 'after' });
    expect(run.state).toBe('success'); // the skipped leaf does not fail the run
    expect(await runtime.logs.read('e2e_branch_classic', run.run_id, 'pick', 1)).toContain(`picking ${taken}`);
  });
});

describe('@task.branch (e2e_branch_taskflow)', () => {
  it.each([
    ['left', { choose: ['success', 1], left: ['success', 1], right: ['skipped', 0], join: ['success', 1] }, 'left'],
    ['right', { choose: ['success', 1], left: ['skipped', 0], right: ['success', 1], join: ['success', 1] }, 'right'],
    ['both', { choose: ['success', 1], left: ['success', 1], right: ['success', 1], join: ['success', 1] }, ['left', 'right']],
    // Returning None follows no branch: every direct downstream task is skipped, and the join too.
    ['none', { choose: ['success', 1], left: ['skipped', 0], right: ['skipped', 0], join: ['skipped', 0] }, undefined],
  ])('path %s', async (path, expected, returned) => {
    const { run, tasks } = await runDag(runtime, 'e2e_branch_taskflow', { logicalDate: nextDate(), conf: { path }, runId: `manual__${path}` });
    expect(statesAndTries(tasks)).toEqual(expected);
    expect(tasks.choose!.xcom).toEqual(returned === undefined ? {} : { return_value: returned });
    for (const id of ['left', 'right', 'join']) expect(tasks[id]!.xcom).toEqual(tasks[id]!.state === 'success' ? { return_value: id === 'join' ? 'joined' : id } : {});
    expect(run.state).toBe('success');
  });
});

describe('ShortCircuitOperator (e2e_short_circuit)', () => {
  it('continues on a truthy condition, skips everything below on False, and only the direct downstream with ignore_downstream_trigger_rules=False', async () => {
    const { run, tasks } = await runDag(runtime, 'e2e_short_circuit', { logicalDate: DATE });
    expect(statesAndTries(tasks)).toEqual({
      sc_true: ['success', 1],
      t1: ['success', 1],
      t2: ['success', 1],
      sc_false: ['success', 1],
      f1: ['skipped', 0],
      f2: ['skipped', 0], // all_done, but skipped anyway: ignore_downstream_trigger_rules defaults to True
      sc_respect: ['success', 1],
      g1: ['skipped', 0],
      g2: ['success', 1], // all_done decides for itself
      g3: ['skipped', 0], // all_success below a skipped task
    });
    expect(tasks.sc_true!.xcom).toEqual({ return_value: true });
    expect(tasks.t2!.xcom).toEqual({ return_value: 't2' });
    expect(tasks.g2!.xcom).toEqual({ return_value: 'g2' });
    for (const id of ['f1', 'f2', 'g1', 'g3']) expect(tasks[id]!.xcom).toEqual({});
    // Airflow ≥ 2.8 returns the condition as it is (pushed as XCom) when it short-circuits too.
    expect(tasks.sc_false!.xcom).toEqual({ return_value: false });
    expect(tasks.sc_respect!.xcom).toEqual({ return_value: '' });
    expect(run.state).toBe('success');
  });
});

describe('LatestOnlyOperator (e2e_latest_only)', () => {
  it('never skips on a manual (externally triggered) run', async () => {
    const { run, tasks } = await runDag(runtime, 'e2e_latest_only', { logicalDate: DATE });
    expect(statesAndTries(tasks)).toEqual({ latest_only: ['success', 1], deploy: ['success', 1], also: ['success', 1] });
    expect(tasks.latest_only!.xcom).toEqual({ return_value: ['deploy'] });
    expect(tasks.deploy!.xcom).toEqual({ return_value: 'deployed' });
    expect(run.state).toBe('success');
  });

  it('skips its downstream on a scheduled run that is not the latest interval (all_done below still runs)', async () => {
    const { run, tasks } = await runDag(runtime, 'e2e_latest_only', { logicalDate: new Date('2024-01-05T00:00:00Z'), runType: 'scheduled' });
    expect(run.run_id).toBe('scheduled__2024-01-05T00:00:00+00:00');
    expect(statesAndTries(tasks)).toEqual({ latest_only: ['success', 1], deploy: ['skipped', 0], also: ['success', 1] });
    expect(tasks.latest_only!.xcom).toEqual({ return_value: [] });
    expect(run.state).toBe('success');
  });
});

describe('branch targets that are no direct child (e2e_branch_invalid)', () => {
  it('fails the branch task when it returns an id that is no task of the DAG, pushes nothing, and its downstream is upstream_failed', async () => {
    const { run, tasks } = await runDag(runtime, 'e2e_branch_invalid', { logicalDate: nextDate(), conf: { path: 'nowhere' }, runId: 'manual__nowhere' });
    expect(statesAndTries(tasks)).toEqual({ bad_pick: ['failed', 1], near: ['upstream_failed', 0], deep: ['upstream_failed', 0] });
    for (const t of Object.values(tasks)) expect(t.xcom).toEqual({});
    expect(run.state).toBe('failed');
    const log = await runtime.logs.read('e2e_branch_invalid', run.run_id, 'bad_pick', 1);
    expect(log).toMatch(/returned 'nowhere', which is not a task or task group in this DAG/);
    expect(log).toContain('Marking task as FAILED');
  });

  it("follows nothing for a task of the DAG below a direct child, as Airflow's skip_all_except: the child is skipped, and so is the task by its trigger rule", async () => {
    const { run, tasks } = await runDag(runtime, 'e2e_branch_invalid', { logicalDate: nextDate(), conf: { path: 'deep' }, runId: 'manual__deep' });
    expect(statesAndTries(tasks)).toEqual({ bad_pick: ['success', 1], near: ['skipped', 0], deep: ['skipped', 0] });
    expect(run.state).toBe('success');
  });
});

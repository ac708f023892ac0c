/**
 * The book's chapter 5 acceptance cases (airflow-book-digest.md §2, items 21, 22, 24, 25, 26),
 * run end to end with the runtime core only.
 */
import { propagate } from './propagation.js';
import { evaluateRunState } from './run-state.js';
import { dagOf } from './test-support/dag-dsl.js';
import { simulateRun } from './test-support/simulate.js';

const branchDag = (join: 'none_failed' | 'all_success') =>
  dagOf(
    [
      'start >> [pick_erp_system, fetch_weather]',
      'pick_erp_system >> [fetch_sales_old, fetch_sales_new]',
      'fetch_sales_old >> clean_sales_old',
      'fetch_sales_new >> clean_sales_new',
      'fetch_weather >> clean_weather',
      '[clean_sales_old, clean_sales_new, clean_weather] >> join_datasets >> train_model >> deploy_model',
    ],
    { join_datasets: join },
  );

describe('21: 03_branch_dag (branch join with none_failed)', () => {
  it('skips the unchosen sales branch and still joins, trains and deploys', () => {
    const r = simulateRun(branchDag('none_failed'), { pick_erp_system: { branch: 'fetch_sales_new' } });
    expect(r.states).toEqual({
      start: 'success',
      pick_erp_system: 'success',
      fetch_weather: 'success',
      fetch_sales_old: 'skipped',
      fetch_sales_new: 'success',
      clean_sales_old: 'skipped',
      clean_sales_new: 'success',
      clean_weather: 'success',
      join_datasets: 'success',
      train_model: 'success',
      deploy_model: 'success',
    });
    expect(r.run.state).toBe('success');
  });

  it('takes the old branch for old dates', () => {
    const r = simulateRun(branchDag('none_failed'), { pick_erp_system: { branch: 'fetch_sales_old' } });
    expect([r.states.fetch_sales_old, r.states.clean_sales_old, r.states.fetch_sales_new, r.states.clean_sales_new, r.states.deploy_model]).toEqual([
      'success',
      'success',
      'skipped',
      'skipped',
      'success',
    ]);
  });

  it('negative case: with all_success on the join, join, train and deploy are skipped', () => {
    const r = simulateRun(branchDag('all_success'), { pick_erp_system: { branch: 'fetch_sales_new' } });
    expect([r.states.join_datasets, r.states.train_model, r.states.deploy_model]).toEqual(['skipped', 'skipped', 'skipped']);
    expect([r.states.clean_sales_new, r.states.clean_weather]).toEqual(['success', 'success']);
    expect(r.run.state).toBe('success'); // every leaf skipped or succeeded
  });
});

describe('22: 04_branch_dag_join (a none_failed join task after the branch)', () => {
  const dag = dagOf(
    [
      'start >> [pick_erp_system, fetch_weather]',
      'pick_erp_system >> [fetch_sales_old, fetch_sales_new]',
      'fetch_sales_old >> clean_sales_old',
      'fetch_sales_new >> clean_sales_new',
      '[clean_sales_old, clean_sales_new] >> join_erp_branch',
      'fetch_weather >> clean_weather',
      '[join_erp_branch, clean_weather] >> join_datasets >> train_model >> deploy_model',
    ],
    { join_erp_branch: 'none_failed' },
  );
  it('has the same outcome as 21 with default rules after the join', () => {
    const r = simulateRun(dag, { pick_erp_system: { branch: 'fetch_sales_new' } });
    expect([r.states.fetch_sales_old, r.states.clean_sales_old]).toEqual(['skipped', 'skipped']);
    expect([r.states.join_erp_branch, r.states.join_datasets, r.states.train_model, r.states.deploy_model]).toEqual([
      'success',
      'success',
      'success',
      'success',
    ]);
    expect(r.run.state).toBe('success');
  });
});

const conditionDag = () =>
  dagOf(
    [
      'start >> [pick_erp_system, fetch_weather]',
      'pick_erp_system >> [fetch_sales_old, fetch_sales_new]',
      'fetch_sales_old >> clean_sales_old',
      'fetch_sales_new >> clean_sales_new',
      '[clean_sales_old, clean_sales_new] >> join_erp_branch',
      'fetch_weather >> clean_weather',
      '[join_erp_branch, clean_weather] >> join_datasets >> train_model >> latest_only >> deploy_model',
    ],
    { join_erp_branch: 'none_failed' },
  );

describe('24: 06_condition_dag (a Python latest_only task raising AirflowSkipException)', () => {
  it('skips deploy_model in the older runs and deploys in the latest', () => {
    const runs = ['skipped', 'skipped', 'success'] as const;
    const deploys = runs.map((latest) => simulateRun(conditionDag(), { pick_erp_system: { branch: 'fetch_sales_new' }, latest_only: latest }));
    expect(deploys.map((r) => r.states.deploy_model)).toEqual(['skipped', 'skipped', 'success']);
    expect(deploys.map((r) => r.states.train_model)).toEqual(['success', 'success', 'success']);
    expect(deploys.map((r) => r.run.state)).toEqual(['success', 'success', 'success']);
  });

  it('repository variant: latest_only is a root, and its skip reaches deploy_model before training ends', () => {
    const dag = dagOf(['fetch >> train_model >> deploy_model', 'latest_only >> deploy_model']);
    const afterSkip = propagate(dag, { fetch: 'running', latest_only: 'skipped' });
    expect(afterSkip.decisions.map((d) => `${d.task_id}=${d.decision}`)).toEqual(['deploy_model=skip']);
    const r = simulateRun(dag, { latest_only: 'skipped' });
    expect(r.states).toEqual({ fetch: 'success', train_model: 'success', deploy_model: 'skipped', latest_only: 'skipped' });
  });
});

describe('25: 07_condition_dag_op (LatestOnlyOperator)', () => {
  const day = (d: number) => new Date(Date.UTC(2019, 0, d)).toISOString();
  // @daily from 2019-01-01, enabled on 2019-01-04 at 00:05: three catch-up runs (Jan 1, 2 and 3).
  const now = '2019-01-04T00:05:00Z';
  const run = (d: number) =>
    simulateRun(conditionDag(), {
      pick_erp_system: { branch: 'fetch_sales_new' },
      latest_only: {
        latestOnly: {
          runType: 'scheduled',
          logicalDate: day(d),
          dataInterval: { start: day(d), end: day(d + 1) },
          nextDataInterval: { start: day(d + 1), end: day(d + 2) },
          now,
        },
      },
    });

  it('skips deploy_model in the two older runs and deploys in the latest', () => {
    const results = [1, 2, 3].map(run);
    expect(results.map((r) => r.states.latest_only)).toEqual(['success', 'success', 'success']);
    expect(results.map((r) => r.states.deploy_model)).toEqual(['skipped', 'skipped', 'success']);
    expect(results.map((r) => r.run.state)).toEqual(['success', 'success', 'success']);
  });
});

describe('26: 08_trigger_rules (failure propagation)', () => {
  const dag = dagOf([
    'start >> [fetch_sales, fetch_weather]',
    'fetch_sales >> clean_sales',
    'fetch_weather >> clean_weather',
    '[clean_sales, clean_weather] >> join_datasets >> train_model >> deploy_model',
  ]);

  it('marks everything below the failure upstream_failed while the weather branch succeeds', () => {
    const r = simulateRun(dag, { fetch_sales: 'failed' });
    expect(r.states).toEqual({
      start: 'success',
      fetch_sales: 'failed',
      fetch_weather: 'success',
      clean_sales: 'upstream_failed',
      clean_weather: 'success',
      join_datasets: 'upstream_failed',
      train_model: 'upstream_failed',
      deploy_model: 'upstream_failed',
    });
    expect(r.run).toMatchObject({ state: 'failed', reason: 'task_failure' });
  });

  it('fails the join fast, but keeps the run running until the weather branch finishes', () => {
    const states = { start: 'success', fetch_sales: 'failed', fetch_weather: 'running' } as const;
    const p = propagate(dag, states);
    expect(p.decisions.map((d) => `${d.round}:${d.task_id}=${d.decision}`)).toEqual([
      '1:clean_sales=upstream_failed',
      '2:join_datasets=upstream_failed',
      '3:train_model=upstream_failed',
      '4:deploy_model=upstream_failed',
    ]);
    expect(p.states.clean_weather).toBe('none');
    expect(evaluateRunState(dag, states).state).toBe('running');
  });
});

describe('ShortCircuitOperator in a run', () => {
  const dag = dagOf(['check >> a >> cleanup', 'other >> cleanup'], { cleanup: 'all_done' });
  it('skips everything downstream by default, all_done cleanup included', () => {
    const r = simulateRun(dag, { check: { shortCircuit: false } });
    expect([r.states.a, r.states.cleanup, r.states.other]).toEqual(['skipped', 'skipped', 'success']);
  });
  it('with ignore_downstream_trigger_rules=False, the all_done cleanup still runs', () => {
    const r = simulateRun(dag, { check: { shortCircuit: false, ignoreDownstreamTriggerRules: false } });
    expect([r.states.a, r.states.cleanup, r.states.other]).toEqual(['skipped', 'success', 'success']);
  });
  it('a branch error fails the branch task and its downstream', () => {
    const r = simulateRun(branchDag('none_failed'), { pick_erp_system: { branch: 'fetch_sales_nwe' } });
    expect(r.errors.pick_erp_system).toContain("returned 'fetch_sales_nwe', which is not a task or task group in this DAG (did you mean 'fetch_sales_new'?)");
    expect([r.states.pick_erp_system, r.states.fetch_sales_new, r.states.join_datasets]).toEqual(['failed', 'upstream_failed', 'upstream_failed']);
  });
});

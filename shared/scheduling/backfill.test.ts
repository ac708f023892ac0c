/**
 * Backfill: the plan (`airflow dags backfill -s -e` logical dates) for the book's DAGs as the Python
 * front-end reads them, and running it against the metadata store: idempotent, max_active_runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { loadDagFile } from '../frontends/index.js';
import type { DagRunRecord } from '../model/records.js';
import type { Dag } from '../model/schema.js';
import { launchDagRun } from '../runtime/handlers/launch.js';
import { planBackfill, runBackfill, type BackfillPorts } from './backfill.js';
import { queuedRunRecord } from './runs.js';
import { nextDagRunInfo } from './timetable.js';
import { scheduledDag } from './test-support.js';

const BOOK = join(__dirname, '../../test/fixtures/dags/book/ch03_events.py');
const chapter3 = loadDagFile(readFileSync(BOOK, 'utf8'), { file: 'ch03_events.py', now: new Date('2024-01-01T00:00:00Z') });
const bookDag = (dagId: string): Dag => {
  const dag = chapter3.dags.find((d) => d.dag_id === dagId);
  if (!dag) throw new Error(`${dagId} not in ch03_events.py: ${JSON.stringify(chapter3.diagnostics)}`);
  return dag;
};

const at = (iso: string) => new Date(iso);
const NOW = at('2024-06-01T00:00:00Z');
const bf = (day: string) => `backfill__${day}T00:00:00+00:00`;

describe('the book\'s chapter 3 DAGs under the scheduler', () => {
  it('02_daily_schedule: the first run is for 2019-01-01 and fires right after 2019-01-02T00:00 (digest item 5)', () => {
    const info = nextDagRunInfo(bookDag('02_daily_schedule'), null, { now: at('2019-01-01T13:00:00Z') })!;
    expect([info.logicalDate, info.dataInterval.start, info.dataInterval.end, info.runAfter].map((d) => d.toISOString())).toEqual([
      '2019-01-01T00:00:00.000Z',
      '2019-01-01T00:00:00.000Z',
      '2019-01-02T00:00:00.000Z',
      '2019-01-02T00:00:00.000Z',
    ]);
  });

  it('09_no_catchup: enabled on Jan 3 only the latest interval (Jan 2) runs; enabled after its end_date, none (Airflow 2)', () => {
    const dag = bookDag('09_no_catchup');
    expect(dag.catchup).toBe(false);
    expect(nextDagRunInfo(dag, null, { now: at('2019-01-03T10:00:00Z') })!.logicalDate.toISOString()).toBe('2019-01-02T00:00:00.000Z');
    expect(nextDagRunInfo(dag, null, { now: at('2024-01-01T00:00:00Z') })).toBeNull();
  });
});

describe('planBackfill', () => {
  it('03_with_end_date, -s 2019-01-01 -e 2019-01-05: Jan 1–5 (digest item 6)', async () => {
    const plan = await planBackfill(bookDag('03_with_end_date'), at('2019-01-01T00:00:00Z'), at('2019-01-05T00:00:00Z'), { now: NOW });
    expect(plan.runs).toEqual(
      ['01', '02', '03', '04', '05'].map((d) => ({
        run_id: bf(`2019-01-${d}`),
        logical_date: `2019-01-${d}T00:00:00.000Z`,
        data_interval_start: `2019-01-${d}T00:00:00.000Z`,
        data_interval_end: `2019-01-${String(Number(d) + 1).padStart(2, '0')}T00:00:00.000Z`,
      })),
    );
    expect(plan.excluded).toEqual([]);
  });

  it('03_with_end_date over a wider range: dates after end_date are reported, not run; dates before start_date run (as Airflow)', async () => {
    const plan = await planBackfill(bookDag('03_with_end_date'), at('2018-12-30T00:00:00Z'), at('2019-01-07T00:00:00Z'), { now: NOW });
    expect(plan.runs.map((r) => r.logical_date.slice(0, 10))).toEqual(['2018-12-30', '2018-12-31', '2019-01-01', '2019-01-02', '2019-01-03', '2019-01-04', '2019-01-05']);
    expect(plan.excluded).toEqual([
      { logical_date: '2019-01-06T00:00:00.000Z', reason: "after the DAG's end_date 2019-01-05T00:00:00+00:00" },
      { logical_date: '2019-01-07T00:00:00.000Z', reason: "after the DAG's end_date 2019-01-05T00:00:00+00:00" },
    ]);
  });

  it('04_time_delta (3 days, end_date Jan 5): Jan 1 and Jan 4 (digest item 7)', async () => {
    const dag = bookDag('04_time_delta');
    expect(dag.schedule).toEqual({ type: 'timedelta', seconds: 259200 });
    const plan = await planBackfill(dag, at('2019-01-01T00:00:00Z'), at('2019-01-05T00:00:00Z'), { now: NOW });
    expect(plan.runs.map((r) => [r.logical_date, r.data_interval_start, r.data_interval_end])).toEqual([
      ['2019-01-01T00:00:00.000Z', '2019-01-01T00:00:00.000Z', '2019-01-04T00:00:00.000Z'],
      ['2019-01-04T00:00:00.000Z', '2019-01-04T00:00:00.000Z', '2019-01-07T00:00:00.000Z'],
    ]);
  });

  it('02_daily_schedule (no end_date in the book listing) and 01_unscheduled (no runs)', async () => {
    expect((await planBackfill(bookDag('02_daily_schedule'), at('2019-01-01T00:00:00Z'), at('2019-01-03T00:00:00Z'), { now: NOW })).runs.map((r) => r.run_id)).toEqual([
      bf('2019-01-01'),
      bf('2019-01-02'),
      bf('2019-01-03'),
    ]);
    expect((await planBackfill(bookDag('01_unscheduled'), at('2019-01-01T00:00:00Z'), at('2019-01-03T00:00:00Z'), { now: NOW })).runs).toEqual([]);
  });

  it('future logical dates are not run; a start after the end is an error', async () => {
    const dag = scheduledDag('daily');
    const plan = await planBackfill(dag, at('2024-05-30T00:00:00Z'), at('2024-06-03T00:00:00Z'), { now: at('2024-06-01T12:00:00Z') });
    expect(plan.runs.map((r) => r.logical_date.slice(0, 10))).toEqual(['2024-05-30', '2024-05-31', '2024-06-01']);
    expect(plan.excluded.map((x) => x.logical_date.slice(0, 10))).toEqual(['2024-06-02', '2024-06-03']);
    await expect(planBackfill(dag, at('2024-06-03T00:00:00Z'), at('2024-06-01T00:00:00Z'), { now: NOW })).rejects.toThrow(/is after its end/);
  });
});

/** An executor that finishes runs when told to, tracking how many run at once. */
function controllableExecutor(store: MemoryMetadataStore, outcome: (run: DagRunRecord) => 'success' | 'failed' = () => 'success') {
  const order: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const execute = async (run: DagRunRecord) => {
    order.push(run.run_id);
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise((resolve) => setImmediate(resolve));
    running--;
    return store.updateDagRun(run.dag_id, run.run_id, { state: outcome(run), end_date: NOW.toISOString() });
  };
  return { execute, order, maxRunning: () => maxRunning };
}

function ports(store: MemoryMetadataStore, dag: Dag, execute: BackfillPorts['execute'], extra: Partial<BackfillPorts> = {}): BackfillPorts {
  return { store, dag, dagVersion: 'v1', clock: () => NOW, execute, ...extra };
}

describe('runBackfill', () => {
  const dag = scheduledDag('bf', { start_date: '2019-01-01T00:00:00.000Z', max_active_runs: 2 });
  const start = at('2019-01-01T00:00:00Z');
  const end = at('2019-01-05T00:00:00Z');
  const all = ['2019-01-01', '2019-01-02', '2019-01-03', '2019-01-04', '2019-01-05'].map(bf);

  it('runs the plan oldest first as backfill runs and reports each state', async () => {
    const store = new MemoryMetadataStore();
    const executor = controllableExecutor(store);
    const finished: string[] = [];
    const result = await runBackfill(ports(store, dag, executor.execute, { onRunFinished: (o) => finished.push(o.run_id) }), start, end);
    expect(result.succeeded).toBe(true);
    expect(result.runs).toEqual(all.map((run_id, i) => ({ run_id, logical_date: `2019-01-0${i + 1}T00:00:00.000Z`, state: 'success', created: true })));
    expect(executor.order).toEqual(all);
    expect(finished).toEqual(all);
    const stored = (await store.listDagRuns('bf')).reverse();
    expect(stored.map((r) => [r.run_id, r.run_type, r.state, r.external_trigger, r.data_interval_end])).toEqual(
      all.map((id, i) => [id, 'backfill', 'success', false, `2019-01-0${i + 2}T00:00:00.000Z`]),
    );
    expect(executor.maxRunning()).toBe(1); // sequential by default
  });

  it('never runs more than max_active_runs at once, even when asked for more concurrency', async () => {
    const store = new MemoryMetadataStore();
    const executor = controllableExecutor(store);
    const result = await runBackfill(ports(store, dag, executor.execute), start, end, { concurrency: 10 });
    expect(result.succeeded).toBe(true);
    expect(executor.maxRunning()).toBe(2);
    expect(executor.order).toEqual(all);
  });

  it('waits while other runs of the DAG hold max_active_runs', async () => {
    const store = new MemoryMetadataStore();
    const one = scheduledDag('bf', { start_date: '2019-01-01T00:00:00.000Z', max_active_runs: 1 });
    await launchDagRun(store, one, { runType: 'manual', logicalDate: at('2024-01-01T00:00:00Z'), runId: 'manual__busy', now: NOW });
    const executor = controllableExecutor(store);
    let sleeps = 0;
    const sleep = async () => {
      sleeps++;
      if (sleeps === 3) await store.updateDagRun('bf', 'manual__busy', { state: 'success' });
    };
    const result = await runBackfill(ports(store, one, executor.execute, { sleep }), start, at('2019-01-02T00:00:00Z'));
    expect(sleeps).toBe(3);
    expect(result.runs.map((r) => [r.run_id, r.state])).toEqual([
      [bf('2019-01-01'), 'success'],
      [bf('2019-01-02'), 'success'],
    ]);
  });

  it('gives up waiting after maxWaitMs', async () => {
    const store = new MemoryMetadataStore();
    const one = scheduledDag('bf', { start_date: '2019-01-01T00:00:00.000Z', max_active_runs: 1 });
    await launchDagRun(store, one, { runType: 'manual', logicalDate: at('2024-01-01T00:00:00Z'), runId: 'manual__stuck', now: NOW });
    let clock = NOW.getTime();
    const run = runBackfill(ports(store, one, controllableExecutor(store).execute, { clock: () => new Date(clock), sleep: async (ms) => void (clock += ms) }), start, end, {
      maxWaitMs: 10_000,
      pollMs: 1000,
    });
    await expect(run).rejects.toThrow("DAG 'bf' stayed at max_active_runs (1) for more than 10000 ms");
  });

  it('is idempotent: a second backfill of the same range runs nothing again', async () => {
    const store = new MemoryMetadataStore();
    const executor = controllableExecutor(store);
    await runBackfill(ports(store, dag, executor.execute), start, end);
    const again = await runBackfill(ports(store, dag, executor.execute), start, end);
    expect(again.succeeded).toBe(true);
    expect(again.runs.map((r) => [r.run_id, r.state, r.created])).toEqual(all.map((id) => [id, 'success', false]));
    expect(executor.order).toEqual(all); // each executed once
  });

  it('does not re-run logical dates that have a run of another type; reports their state', async () => {
    const store = new MemoryMetadataStore();
    await launchDagRun(store, dag, { runType: 'scheduled', logicalDate: at('2019-01-02T00:00:00Z'), now: NOW });
    await store.updateDagRun('bf', 'scheduled__2019-01-02T00:00:00+00:00', { state: 'failed' });
    const executor = controllableExecutor(store);
    const result = await runBackfill(ports(store, dag, executor.execute), start, at('2019-01-03T00:00:00Z'));
    expect(result.runs.map((r) => [r.run_id, r.state, r.created])).toEqual([
      [bf('2019-01-01'), 'success', true],
      ['scheduled__2019-01-02T00:00:00+00:00', 'failed', false],
      [bf('2019-01-03'), 'success', true],
    ]);
    expect(result.succeeded).toBe(false);
  });

  it('starts a queued backfill run left by a backfill that died before starting it', async () => {
    const store = new MemoryMetadataStore();
    const logicalDate = at('2019-01-01T00:00:00Z');
    await store.createDagRun(queuedRunRecord(dag, { runType: 'backfill', info: { logicalDate, dataInterval: { start: logicalDate, end: at('2019-01-02T00:00:00Z') }, runAfter: at('2019-01-02T00:00:00Z') }, dagVersion: 'v1', now: NOW }), []);
    const executor = controllableExecutor(store);
    const result = await runBackfill(ports(store, dag, executor.execute), start, at('2019-01-02T00:00:00Z'));
    expect(result.runs.map((r) => [r.run_id, r.state, r.created])).toEqual([
      [bf('2019-01-01'), 'success', false],
      [bf('2019-01-02'), 'success', true],
    ]);
    expect(executor.order).toEqual([bf('2019-01-01'), bf('2019-01-02')]);
  });

  it('reports failed runs and executor errors; succeeded is false', async () => {
    const store = new MemoryMetadataStore();
    const executor = controllableExecutor(store, (run) => (run.run_id === bf('2019-01-02') ? 'failed' : 'success'));
    const execute = async (run: DagRunRecord) => {
      if (run.run_id === bf('2019-01-03')) throw new Error('engine exploded');
      return executor.execute(run);
    };
    const result = await runBackfill(ports(store, dag, execute), start, at('2019-01-03T00:00:00Z'));
    expect(result.runs).toEqual([
      { run_id: bf('2019-01-01'), logical_date: '2019-01-01T00:00:00.000Z', state: 'success', created: true },
      { run_id: bf('2019-01-02'), logical_date: '2019-01-02T00:00:00.000Z', state: 'failed', created: true },
      { run_id: bf('2019-01-03'), logical_date: '2019-01-03T00:00:00.000Z', state: 'failed', created: true, error: 'engine exploded' },
    ]);
    expect(result.succeeded).toBe(false);
  });

  it('--dry-run returns the plan and touches nothing', async () => {
    const store = new MemoryMetadataStore();
    const executor = controllableExecutor(store);
    const result = await runBackfill(ports(store, dag, executor.execute), start, end, { dryRun: true });
    expect(result).toMatchObject({ dryRun: true, runs: [], succeeded: true });
    expect(result.plan.runs.map((r) => r.run_id)).toEqual(all);
    expect(await store.listDagRuns('bf')).toEqual([]);
  });
});

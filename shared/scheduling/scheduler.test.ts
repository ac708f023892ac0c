/**
 * One scheduling pass over the metadata store with a controllable clock: catch-up, max_active_runs
 * with queued runs, paused DAGs, idempotency under concurrent passes, and crashes part-way through.
 */
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import type { DagRunRecord, TaskInstanceRecord } from '../model/records.js';
import { launchDagRun } from '../runtime/handlers/launch.js';
import { createDueRuns, schedulePass, startQueuedRuns, type SchedulerPorts } from './scheduler.js';
import { queuedRunRecord } from './runs.js';
import { VERSION, finish, modelsOf, recordingStarter, runStates, scheduledDag, storeWith } from './test-support.js';

const at = (iso: string) => new Date(iso);
const sched = (iso: string) => `scheduled__${iso}T00:00:00+00:00`;

describe('schedulePass: catch-up', () => {
  it('creates every due interval oldest first as queued runs, starts them, and records the next run', async () => {
    const dag = scheduledDag('daily');
    const store = await storeWith([dag]);
    const starter = recordingStarter();
    const result = await schedulePass({ store, now: at('2024-01-05T10:00:00Z'), startRun: starter.startRun, dagModel: modelsOf(dag) });

    const expected = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04'].map(sched);
    expect(result.created.map((r) => r.run_id)).toEqual(expected);
    expect(result.created.map((r) => [r.state, r.run_type, r.external_trigger, r.data_interval_start, r.data_interval_end, r.dag_version])).toEqual([
      ['queued', 'scheduled', false, '2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z', VERSION],
      ['queued', 'scheduled', false, '2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z', VERSION],
      ['queued', 'scheduled', false, '2024-01-03T00:00:00.000Z', '2024-01-04T00:00:00.000Z', VERSION],
      ['queued', 'scheduled', false, '2024-01-04T00:00:00.000Z', '2024-01-05T00:00:00.000Z', VERSION],
    ]);
    expect(starter.started).toEqual(expected);
    expect(result.started.map((r) => [r.run_id, r.state, r.start_date])).toEqual(expected.map((id) => [id, 'running', '2024-01-05T10:00:00.000Z']));
    expect(await runStates(store, 'daily')).toEqual(expected.map((id) => [id, 'running']));
    // Each run has its task instances (state none).
    expect((await store.listTaskInstances('daily', expected[0]!)).map((ti: TaskInstanceRecord) => [ti.task_id, ti.state])).toEqual([
      ['extract', null],
      ['load', null],
    ]);
    expect(await store.getDag('daily')).toMatchObject({
      next_dagrun: '2024-01-05T00:00:00.000Z',
      next_dagrun_data_interval_start: '2024-01-05T00:00:00.000Z',
      next_dagrun_data_interval_end: '2024-01-06T00:00:00.000Z',
    });
    expect(result.errors).toEqual([]);
  });

  it('creates nothing more until the next interval ends, then exactly that run', async () => {
    const dag = scheduledDag('daily');
    const store = await storeWith([dag]);
    const starter = recordingStarter();
    const ports = { store, startRun: starter.startRun, dagModel: modelsOf(dag) };
    await schedulePass({ ...ports, now: at('2024-01-03T00:00:00Z') });
    expect((await schedulePass({ ...ports, now: at('2024-01-03T23:59:59Z') })).created).toEqual([]);
    const later = await schedulePass({ ...ports, now: at('2024-01-04T00:00:01Z') });
    expect(later.created.map((r) => r.run_id)).toEqual([sched('2024-01-03')]);
    expect(starter.started).toEqual(['2024-01-01', '2024-01-02', '2024-01-03'].map(sched));
  });

  it('catchup=False creates only the latest interval', async () => {
    const dag = scheduledDag('no_catchup', { catchup: false });
    const store = await storeWith([dag]);
    const result = await schedulePass({ store, now: at('2024-02-10T10:00:00Z'), startRun: recordingStarter().startRun, dagModel: modelsOf(dag) });
    expect(result.created.map((r) => r.run_id)).toEqual([sched('2024-02-09')]);
    expect((await store.getDag('no_catchup'))!.next_dagrun).toBe('2024-02-10T00:00:00.000Z');
  });

  it('timedelta and @once schedules', async () => {
    const delta = scheduledDag('every_3_days', { schedule: { type: 'timedelta', seconds: 3 * 86400 }, start_date: '2019-01-01T00:00:00.000Z', end_date: '2019-01-05T00:00:00.000Z' });
    const once = scheduledDag('once', { schedule: { type: 'once' }, start_date: '2024-01-01T12:00:00.000Z' });
    const store = await storeWith([delta, once]);
    const ports = { store, startRun: recordingStarter().startRun, dagModel: modelsOf(delta, once) };
    const result = await schedulePass({ ...ports, now: at('2024-06-01T00:00:00Z') });
    expect(result.created.map((r) => [r.run_id, r.data_interval_start, r.data_interval_end])).toEqual([
      ['scheduled__2019-01-01T00:00:00+00:00', '2019-01-01T00:00:00.000Z', '2019-01-04T00:00:00.000Z'],
      ['scheduled__2019-01-04T00:00:00+00:00', '2019-01-04T00:00:00.000Z', '2019-01-07T00:00:00.000Z'],
      ['scheduled__2024-01-01T12:00:00+00:00', '2024-01-01T12:00:00.000Z', '2024-01-01T12:00:00.000Z'],
    ]);
    expect((await store.getDag('every_3_days'))!.next_dagrun).toBeNull();
    expect((await store.getDag('once'))!.next_dagrun).toBeNull();
    expect((await schedulePass({ ...ports, now: at('2030-01-01T00:00:00Z') })).created).toEqual([]);
  });

  it('EventsTimetable: a run at each event that is due, the next event as next_dagrun, then nothing', async () => {
    const events = scheduledDag('match_days', {
      schedule: { type: 'events', events: ['2024-03-01T09:00:00.000Z', '2024-03-10T13:30:00.000Z', '2024-04-02T09:00:00.000Z'], restrict_to_events: false },
      start_date: '2024-01-01T00:00:00.000Z',
      catchup: false,
    });
    const store = await storeWith([events]);
    const ports = { store, startRun: recordingStarter().startRun, dagModel: modelsOf(events) };
    const first = await schedulePass({ ...ports, now: at('2024-03-12T00:00:00Z') });
    expect(first.created.map((r) => [r.run_id, r.data_interval_start, r.data_interval_end])).toEqual([
      ['scheduled__2024-03-01T09:00:00+00:00', '2024-03-01T09:00:00.000Z', '2024-03-01T09:00:00.000Z'],
      ['scheduled__2024-03-10T13:30:00+00:00', '2024-03-10T13:30:00.000Z', '2024-03-10T13:30:00.000Z'],
    ]);
    expect((await store.getDag('match_days'))!.next_dagrun).toBe('2024-04-02T09:00:00.000Z');
    expect((await schedulePass({ ...ports, now: at('2024-04-02T08:59:59Z') })).created).toEqual([]);
    expect((await schedulePass({ ...ports, now: at('2024-04-02T09:00:00Z') })).created.map((r) => r.run_id)).toEqual(['scheduled__2024-04-02T09:00:00+00:00']);
    expect((await store.getDag('match_days'))!.next_dagrun).toBeNull();
  });

  it('a DAG without a schedule gets no runs and no next run', async () => {
    const dag = scheduledDag('manual_only', { schedule: { type: 'none' } });
    const store = await storeWith([dag], [{ next_dagrun: '2024-01-01T00:00:00.000Z' }]);
    const result = await schedulePass({ store, now: at('2030-01-01T00:00:00Z'), startRun: recordingStarter().startRun, dagModel: modelsOf(dag) });
    expect(result.created).toEqual([]);
    expect((await store.getDag('manual_only'))!.next_dagrun).toBeNull();
  });

  it('skips a logical date that already has a run of another type (one run per logical date, as Airflow)', async () => {
    const dag = scheduledDag('daily');
    const store = await storeWith([dag]);
    await launchDagRun(store, dag, { runType: 'manual', logicalDate: at('2024-01-02T00:00:00Z'), runId: 'manual__x', now: at('2024-01-02T08:00:00Z') });
    await finish(store, 'daily', 'manual__x');
    const result = await schedulePass({ store, now: at('2024-01-04T01:00:00Z'), startRun: recordingStarter().startRun, dagModel: modelsOf(dag) });
    expect(result.created.map((r) => r.run_id)).toEqual([sched('2024-01-01'), sched('2024-01-03')]);
  });

  it('ignores the cached next_dagrun: the store\'s runs are the truth', async () => {
    const dag = scheduledDag('daily');
    const store = await storeWith([dag], [{ next_dagrun: '2023-01-01T00:00:00.000Z', next_dagrun_data_interval_start: 'garbage' }]);
    const result = await schedulePass({ store, now: at('2024-01-03T00:00:00Z'), startRun: recordingStarter().startRun, dagModel: modelsOf(dag) });
    expect(result.created.map((r) => r.run_id)).toEqual([sched('2024-01-01'), sched('2024-01-02')]);
  });

  it('continues after the latest backfill run (Airflow counts backfill runs as automated runs)', async () => {
    const dag = scheduledDag('daily');
    const store = await storeWith([dag]);
    const backfill = queuedRunRecord(dag, {
      runType: 'backfill',
      info: { logicalDate: at('2024-01-05T00:00:00Z'), dataInterval: { start: at('2024-01-05T00:00:00Z'), end: at('2024-01-06T00:00:00Z') }, runAfter: at('2024-01-06T00:00:00Z') },
      dagVersion: VERSION,
      now: at('2024-01-06T00:00:00Z'),
    });
    await store.createDagRun({ ...backfill, state: 'success' }, []);
    const result = await schedulePass({ store, now: at('2024-01-08T01:00:00Z'), startRun: recordingStarter().startRun, dagModel: modelsOf(dag) });
    expect(result.created.map((r) => r.run_id)).toEqual([sched('2024-01-06'), sched('2024-01-07')]);
  });
});

describe('schedulePass: max_active_runs', () => {
  it('creates runs up to the limit (queued + running), oldest first; later passes create and start the next as runs finish', async () => {
    const dag = scheduledDag('limited', { max_active_runs: 2 });
    const store = await storeWith([dag]);
    const starter = recordingStarter();
    const ports = { store, startRun: starter.startRun, dagModel: modelsOf(dag) };
    const now = at('2024-01-06T01:00:00Z'); // 5 intervals are due

    const first = await schedulePass({ ...ports, now });
    expect(first.created.map((r) => r.run_id)).toEqual([sched('2024-01-01'), sched('2024-01-02')]);
    expect(starter.started).toEqual([sched('2024-01-01'), sched('2024-01-02')]);
    // Not created yet (Airflow: next_dagrun_create_after = None at the limit); next_dagrun still shows the next one.
    expect((await store.getDag('limited'))!.next_dagrun).toBe('2024-01-03T00:00:00.000Z');
    expect((await schedulePass({ ...ports, now })).created).toEqual([]);

    await finish(store, 'limited', sched('2024-01-02')); // finishing order does not matter
    const second = await schedulePass({ ...ports, now });
    expect(second.created.map((r) => r.run_id)).toEqual([sched('2024-01-03')]);
    expect(second.started.map((r) => r.run_id)).toEqual([sched('2024-01-03')]);

    await finish(store, 'limited', sched('2024-01-01'));
    await finish(store, 'limited', sched('2024-01-03'));
    await schedulePass({ ...ports, now });
    expect(starter.started).toEqual(['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05'].map(sched));
    expect(await runStates(store, 'limited')).toEqual([
      [sched('2024-01-01'), 'success'],
      [sched('2024-01-02'), 'success'],
      [sched('2024-01-03'), 'success'],
      [sched('2024-01-04'), 'running'],
      [sched('2024-01-05'), 'running'],
    ]);
  });

  it('queued runs wait while max_active_runs runs are running and start oldest logical date first', async () => {
    const dag = scheduledDag('queue', { schedule: { type: 'none' }, max_active_runs: 1 });
    const store = await storeWith([dag]);
    const starter = recordingStarter();
    const ports = { store, startRun: starter.startRun, dagModel: modelsOf(dag) };
    // Manual runs created queued (e.g. by the API), in an order other than their logical dates.
    for (const day of ['03', '01', '02']) {
      const logical = at(`2024-02-${day}T00:00:00Z`);
      const run = { ...queuedRunRecord(dag, { runType: 'scheduled', info: { logicalDate: logical, dataInterval: { start: logical, end: logical }, runAfter: logical }, dagVersion: VERSION, now: logical }) };
      await store.createDagRun({ ...run, run_id: `manual__2024-02-${day}`, run_type: 'manual', external_trigger: true }, []);
    }
    // A queued backfill run is the backfill's to start, never the scheduler's.
    await store.createDagRun({ ...queuedRunRecord(dag, { runType: 'backfill', info: { logicalDate: at('2024-01-15T00:00:00Z'), dataInterval: { start: at('2024-01-15T00:00:00Z'), end: at('2024-01-16T00:00:00Z') }, runAfter: at('2024-01-16T00:00:00Z') }, dagVersion: VERSION, now: at('2024-02-01T00:00:00Z') }) }, []);

    const now = at('2024-03-01T00:00:00Z');
    expect((await schedulePass({ ...ports, now })).started.map((r) => r.run_id)).toEqual(['manual__2024-02-01']);
    expect((await schedulePass({ ...ports, now })).started).toEqual([]);
    await finish(store, 'queue', 'manual__2024-02-01', 'failed');
    expect((await schedulePass({ ...ports, now })).started.map((r) => r.run_id)).toEqual(['manual__2024-02-02']);
    await finish(store, 'queue', 'manual__2024-02-02');
    expect((await schedulePass({ ...ports, now })).started.map((r) => r.run_id)).toEqual(['manual__2024-02-03']);
    await finish(store, 'queue', 'manual__2024-02-03');
    expect((await schedulePass({ ...ports, now })).started).toEqual([]);
    expect(starter.started).toEqual(['manual__2024-02-01', 'manual__2024-02-02', 'manual__2024-02-03']);
    expect((await store.getDagRun('queue', 'backfill__2024-01-15T00:00:00+00:00'))!.state).toBe('queued');
  });

  it('a run whose start fails goes back to queued and is started by the next pass', async () => {
    const dag = scheduledDag('flaky');
    const store = await storeWith([dag]);
    let fail = true;
    const startRun = async (run: DagRunRecord) => {
      if (fail) throw new Error(`cannot start ${run.run_id}`);
    };
    const now = at('2024-01-02T00:00:00Z');
    const first = await schedulePass({ store, now, startRun, dagModel: modelsOf(dag) });
    expect(first.errors).toEqual([{ dag_id: 'flaky', run_id: sched('2024-01-01'), message: `Error: cannot start ${sched('2024-01-01')}` }]);
    expect(await runStates(store, 'flaky')).toEqual([[sched('2024-01-01'), 'queued']]);
    fail = false;
    expect((await schedulePass({ store, now, startRun, dagModel: modelsOf(dag) })).started.map((r) => r.run_id)).toEqual([sched('2024-01-01')]);
  });
});

describe('schedulePass: paused and inactive DAGs', () => {
  it('a paused DAG accumulates nothing; unpaused with catchup=True the missed intervals run, oldest first', async () => {
    const dag = scheduledDag('paused', { max_active_runs: 16 });
    const store = await storeWith([dag], [{ is_paused: true }]);
    const starter = recordingStarter();
    const ports = { store, startRun: starter.startRun, dagModel: modelsOf(dag) };
    for (const day of ['2024-01-03', '2024-01-05', '2024-01-08']) {
      const result = await schedulePass({ ...ports, now: at(`${day}T12:00:00Z`) });
      expect(result).toMatchObject({ created: [], started: [], dags: 0 });
    }
    expect(await store.listDagRuns('paused')).toEqual([]);

    await store.updateDag('paused', { is_paused: false });
    const result = await schedulePass({ ...ports, now: at('2024-01-08T12:00:00Z') });
    const expected = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06', '2024-01-07'].map(sched);
    expect(result.created.map((r) => r.run_id)).toEqual(expected);
    expect(starter.started).toEqual(expected);
  });

  it('unpaused with catchup=False only the latest interval runs', async () => {
    const dag = scheduledDag('paused_no_catchup', { catchup: false });
    const store = await storeWith([dag], [{ is_paused: true }]);
    const ports = { store, startRun: recordingStarter().startRun, dagModel: modelsOf(dag) };
    await schedulePass({ ...ports, now: at('2024-01-02T12:00:00Z') });
    await store.updateDag('paused_no_catchup', { is_paused: false });
    expect((await schedulePass({ ...ports, now: at('2024-01-02T12:00:00Z') })).created.map((r) => r.run_id)).toEqual([sched('2024-01-01')]);
    await store.updateDag('paused_no_catchup', { is_paused: true });
    await schedulePass({ ...ports, now: at('2024-01-20T12:00:00Z') });
    await store.updateDag('paused_no_catchup', { is_paused: false });
    expect((await schedulePass({ ...ports, now: at('2024-01-20T12:00:00Z') })).created.map((r) => r.run_id)).toEqual([sched('2024-01-19')]);
  });

  it('queued runs of a paused DAG are not started', async () => {
    const dag = scheduledDag('pause_mid_way', { max_active_runs: 1 });
    const store = await storeWith([dag]);
    const starter = recordingStarter();
    const ports = { store, startRun: starter.startRun, dagModel: modelsOf(dag) };
    await schedulePass({ ...ports, now: at('2024-01-02T00:00:00Z') });
    await store.createDagRun({ ...queuedRunRecord(dag, { runType: 'scheduled', info: { logicalDate: at('2024-01-02T00:00:00Z'), dataInterval: { start: at('2024-01-02T00:00:00Z'), end: at('2024-01-03T00:00:00Z') }, runAfter: at('2024-01-03T00:00:00Z') }, dagVersion: VERSION, now: at('2024-01-03T00:00:00Z') }) }, []);
    await store.updateDag('pause_mid_way', { is_paused: true });
    await finish(store, 'pause_mid_way', sched('2024-01-01'));
    await schedulePass({ ...ports, now: at('2024-01-05T00:00:00Z') });
    expect(starter.started).toEqual([sched('2024-01-01')]);
  });

  it('skips inactive DAGs; a DAG whose model is missing is reported and does not stop the others', async () => {
    const good = scheduledDag('good');
    const gone = scheduledDag('gone');
    const missing = scheduledDag('missing');
    const store = await storeWith([good, gone, missing], [{}, { is_active: false }]);
    const result = await schedulePass({ store, now: at('2024-01-02T00:00:00Z'), startRun: recordingStarter().startRun, dagModel: modelsOf(good, gone) });
    expect(result.created.map((r) => `${r.dag_id}/${r.run_id}`)).toEqual([`good/${sched('2024-01-01')}`]);
    expect(result.errors).toEqual([{ dag_id: 'missing', message: 'Error: the model of version v1 is not available' }]);
    expect(result.dags).toBe(2);
  });
});

/** A store that "crashes" (throws, as a dying process would stop) after a number of calls of one method. */
class CrashingStore extends MemoryMetadataStore {
  crashAfter: { createDagRun?: number; updateDagRun?: number } = {};
  private counts = { createDagRun: 0, updateDagRun: 0 };

  override async createDagRun(run: DagRunRecord, tis: readonly TaskInstanceRecord[]): Promise<void> {
    if (this.crashAfter.createDagRun !== undefined && this.counts.createDagRun++ >= this.crashAfter.createDagRun) throw new Error('crash');
    return super.createDagRun(run, tis);
  }

  override async updateDagRun(dagId: string, runId: string, changes: Partial<DagRunRecord>): Promise<DagRunRecord> {
    if (this.crashAfter.updateDagRun !== undefined && this.counts.updateDagRun++ >= this.crashAfter.updateDagRun) throw new Error('crash');
    return super.updateDagRun(dagId, runId, changes);
  }

  recover(): void {
    this.crashAfter = {};
  }
}

describe('schedulePass: restarts and concurrent passes', () => {
  const expected = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06'].map(sched);
  const now = at('2024-01-07T06:00:00Z');

  it.each([0, 1, 2, 3, 4, 5])('a pass that dies after creating %i run(s) leaves nothing duplicated or lost after a restart', async (k) => {
    const dag = scheduledDag('crash');
    const store = await storeWith([dag], [], new CrashingStore());
    store.crashAfter = { createDagRun: k };
    const starter = recordingStarter();
    const crashed = await schedulePass({ store, now, startRun: starter.startRun, dagModel: modelsOf(dag) });
    expect(crashed.errors).toEqual([{ dag_id: 'crash', message: 'Error: crash' }]);
    expect((await store.listDagRuns('crash')).map((r) => r.run_id).reverse()).toEqual(expected.slice(0, k));
    expect(starter.calls).toEqual([]); // the pass died before starting anything

    store.recover();
    const restarted = await schedulePass({ store, now, startRun: starter.startRun, dagModel: modelsOf(dag) });
    expect(restarted.created.map((r) => r.run_id)).toEqual(expected.slice(k));
    expect(await runStates(store, 'crash')).toEqual(expected.map((id) => [id, 'running']));
    expect(starter.calls).toEqual(expected); // each started exactly once, oldest first
  });

  it('a pass that dies between marking a run running and starting it: the next pass with recoverRunning starts it once', async () => {
    const dag = scheduledDag('crash_start');
    const store = await storeWith([dag], [], new CrashingStore());
    const calls: string[] = [];
    let crash = true;
    const startRun = async (run: DagRunRecord) => {
      if (crash) {
        store.crashAfter = { updateDagRun: 0 }; // the process is gone: nothing more reaches the store
        throw new Error('crash');
      }
      calls.push(run.run_id);
    };
    await schedulePass({ store, now: at('2024-01-03T00:00:00Z'), startRun, dagModel: modelsOf(dag) });
    expect(await runStates(store, 'crash_start')).toEqual([
      [sched('2024-01-01'), 'running'], // marked running, never started
      [sched('2024-01-02'), 'queued'],
    ]);
    store.recover();
    crash = false;
    const result = await schedulePass({ store, now: at('2024-01-03T00:00:00Z'), startRun, dagModel: modelsOf(dag), recoverRunning: true });
    expect(result.recovered.map((r) => r.run_id)).toEqual([sched('2024-01-01')]);
    expect(result.started.map((r) => r.run_id)).toEqual([sched('2024-01-02')]);
    expect(calls).toEqual([sched('2024-01-01'), sched('2024-01-02')]);
  });

  it('concurrent passes (two schedulers, or a redelivered trigger) create each run once', async () => {
    const dag = scheduledDag('concurrent');
    const store = await storeWith([dag]);
    const starter = recordingStarter();
    const ports: Omit<SchedulerPorts, 'now'> = { store, startRun: starter.startRun, dagModel: modelsOf(dag) };
    const results = await Promise.all([schedulePass({ ...ports, now }), schedulePass({ ...ports, now }), schedulePass({ ...ports, now })]);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(results.flatMap((r) => r.created.map((c) => c.run_id)).sort()).toEqual(expected);
    expect((await store.listDagRuns('concurrent')).map((r) => r.run_id).reverse()).toEqual(expected);
    expect(starter.started).toEqual(expected);
  });

  it('createDueRuns treats a run created by someone else in the meantime (DagRunExistsError) as done', async () => {
    const dag = scheduledDag('race');
    const store = await storeWith([dag]);
    const original = store.listDagRuns.bind(store);
    // The existence check sees nothing (stale read); the conditional create then loses the race.
    let raced = false;
    store.listDagRuns = async (dagId, options) => {
      if (!raced && options?.logicalDateBefore) {
        raced = true;
        const run = queuedRunRecord(dag, { runType: 'scheduled', info: { logicalDate: at('2024-01-01T00:00:00Z'), dataInterval: { start: at('2024-01-01T00:00:00Z'), end: at('2024-01-02T00:00:00Z') }, runAfter: at('2024-01-02T00:00:00Z') }, dagVersion: VERSION, now });
        await store.createDagRun(run, []);
        return [];
      }
      return original(dagId, options);
    };
    const created = await createDueRuns({ store, now: at('2024-01-03T00:00:00Z') }, (await store.getDag('race'))!, dag);
    expect(created.map((r) => r.run_id)).toEqual([sched('2024-01-02')]);
    expect((await original('race')).map((r) => r.run_id).reverse()).toEqual([sched('2024-01-01'), sched('2024-01-02')]);
  });

  it('startQueuedRuns alone honours max_active_runs', async () => {
    const dag = scheduledDag('only_start', { max_active_runs: 1 });
    const store = await storeWith([dag]);
    await createDueRuns({ store, now: at('2024-01-02T00:00:00Z') }, (await store.getDag('only_start'))!, dag);
    const starter = recordingStarter();
    expect((await startQueuedRuns({ store, now: at('2024-01-02T00:00:00Z'), startRun: starter.startRun }, dag)).map((r) => r.run_id)).toEqual([sched('2024-01-01')]);
    expect(await startQueuedRuns({ store, now: at('2024-01-02T00:00:00Z'), startRun: starter.startRun }, dag)).toEqual([]);
  });
});

/** Data-aware scheduling in the scheduling pass (Airflow 2.10's dataset-triggered runs). */
import type { DatasetCondition } from '../model/schema.js';
import { makeDag, makeTask } from '../../test/helpers/model.js';
import { datasetEvent } from './datasets.js';
import { schedulePass } from './scheduler.js';
import { VERSION, modelsOf, recordingStarter, storeWith } from './test-support.js';

const A = 's3://lake/a';
const B = 's3://lake/b';
const C = 's3://lake/c';

function consumer(condition: DatasetCondition) {
  return makeDag('consumer', [makeTask('read')], [], { schedule: { type: 'none' }, start_date: null, dataset_schedule: condition });
}

async function setup(condition: DatasetCondition) {
  const dag = consumer(condition);
  const producer = makeDag('producer', [makeTask('write', { outlets: [{ uri: A }] })], [], { schedule: { type: 'none' }, start_date: null });
  const store = await storeWith([dag, producer]);
  await store.putDagVersion({ dag_id: 'consumer', version: VERSION, created_at: '2024-01-01T00:00:00.000Z', fileloc: 'consumer.py', model: dag, source: '' } as never);
  await store.createDagRun(
    { dag_id: 'producer', run_id: 'scheduled__p1', logical_date: '2024-01-01T00:00:00.000Z', data_interval_start: '2024-01-01T00:00:00.000Z', data_interval_end: '2024-01-02T00:00:00.000Z', run_type: 'scheduled', state: 'success', external_trigger: false, conf: {}, queued_at: null, start_date: null, end_date: null, dag_version: VERSION, parent: null, note: null },
    [],
  );
  const starter = recordingStarter();
  const pass = (now: string) => schedulePass({ store, now: new Date(now), startRun: starter.startRun, dagModel: modelsOf(dag, producer) });
  const event = (uri: string, at: string, source = true) =>
    store.appendDatasetEvent(datasetEvent(uri, new Date(at), {}, source ? { dag_id: 'producer', run_id: 'scheduled__p1', task_id: 'write', map_index: -1 } : undefined));
  return { store, pass, event, starter };
}

describe('dataset-triggered runs', () => {
  it('waits for every dataset of an "all" condition, then creates one run with the events, started in the same pass', async () => {
    const { store, pass, event, starter } = await setup({ all: [{ uri: A }, { uri: B }] });
    await event(A, '2024-01-03T00:00:00.000Z');
    expect((await pass('2024-01-03T00:01:00Z')).created).toEqual([]);
    await event(B, '2024-01-03T05:00:00.000Z', false);
    await event(A, '2024-01-03T06:00:00.000Z');
    const result = await pass('2024-01-03T06:01:00Z');
    expect(result.created.map((r) => r.run_id)).toEqual(['dataset_triggered__2024-01-03T06:00:00+00:00']);
    const [run] = await store.listDagRuns('consumer');
    expect(run).toMatchObject({
      run_type: 'dataset_triggered',
      external_trigger: false,
      state: 'running',
      logical_date: '2024-01-03T06:00:00.000Z',
      // Airflow: from the producing runs' data intervals (and the bare timestamps of events without one).
      data_interval_start: '2024-01-01T00:00:00.000Z',
      data_interval_end: '2024-01-03T05:00:00.000Z',
    });
    expect(run!.triggering_dataset_events!.map((e) => [e.uri, e.timestamp, e.source_task_id])).toEqual([
      [A, '2024-01-03T00:00:00.000Z', 'write'],
      [B, '2024-01-03T05:00:00.000Z', null],
      [A, '2024-01-03T06:00:00.000Z', 'write'],
    ]);
    expect(starter.started).toEqual([run!.run_id]);
    // The events are consumed: the next pass creates nothing until both datasets are updated again.
    expect((await pass('2024-01-03T07:00:00Z')).created).toEqual([]);
    await event(B, '2024-01-04T00:00:00.000Z', false);
    expect((await pass('2024-01-04T00:01:00Z')).created).toEqual([]);
    await event(A, '2024-01-04T01:00:00.000Z');
    expect((await pass('2024-01-04T01:01:00Z')).created.map((r) => r.run_id)).toEqual(['dataset_triggered__2024-01-04T01:00:00+00:00']);
  });

  it('runs an "any" condition on either part, and a nested "all" only when complete', async () => {
    const { pass, event } = await setup({ any: [{ all: [{ uri: A }, { uri: B }] }, { uri: C }] });
    await event(A, '2024-01-03T00:00:00.000Z');
    expect((await pass('2024-01-03T00:01:00Z')).created).toEqual([]);
    await event(C, '2024-01-03T01:00:00.000Z', false);
    expect((await pass('2024-01-03T01:01:00Z')).created.map((r) => r.run_id)).toEqual(['dataset_triggered__2024-01-03T01:00:00+00:00']);
    await event(B, '2024-01-03T02:00:00.000Z', false);
    // A's event was consumed by the first run: B alone does not complete A & B.
    expect((await pass('2024-01-03T02:01:00Z')).created).toEqual([]);
  });

  it('ignores events from before the consumer existed, and paused consumers', async () => {
    const { store, pass, event } = await setup({ uri: A });
    await event(A, '2023-12-31T00:00:00.000Z');
    expect((await pass('2024-01-03T00:00:00Z')).created).toEqual([]);
    await store.updateDag('consumer', { is_paused: true });
    await event(A, '2024-01-03T01:00:00.000Z');
    expect((await pass('2024-01-03T01:01:00Z')).created).toEqual([]);
  });

  it('a second concurrent pass does not create a second run for the same events', async () => {
    const { store, pass, event } = await setup({ uri: A });
    await event(A, '2024-01-03T00:00:00.000Z');
    await Promise.all([pass('2024-01-03T00:01:00Z'), pass('2024-01-03T00:01:00Z')]);
    expect((await store.listDagRuns('consumer')).length).toBe(1);
  });
});

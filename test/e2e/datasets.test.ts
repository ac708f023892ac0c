/**
 * Datasets end to end (test/fixtures/datasets/datasets.py): a producing task's success records a
 * dataset event, the scheduling pass creates the consumer's dataset-triggered run once every dataset
 * of its condition was updated, and the consumer's tasks see `triggering_dataset_events`.
 */
import { join } from 'node:path';
import type { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import type { DagRunRecord } from '../../shared/model/records.js';
import { schedulePass } from '../../shared/scheduling/scheduler.js';
import { dagRecordFor, VERSION } from '../../shared/scheduling/test-support.js';
import { runDag, scan, statesAndTries, summarizeRun, useE2eRuntime } from './support.js';

const FOLDER = join(__dirname, '../fixtures/datasets');

const e2e = useE2eRuntime(FOLDER);

describe('datasets', () => {
  it('records an event per outlet of a succeeded task (none for a failed one) and creates the consumer run when all inputs were updated', async () => {
    const store = e2e.runtime.store as MemoryMetadataStore;
    const dags = [...scan(FOLDER).dags.values()].map((d) => d.dag);
    for (const dag of dags) {
      await store.putDag(dagRecordFor(dag));
      await store.putDagVersion({ dag_id: dag.dag_id, version: VERSION, created_at: '2024-01-01T00:00:00.000Z', fileloc: 'datasets.py', model: dag, source: '' } as never);
    }
    const executions: Promise<unknown>[] = [];
    const pass = () =>
      schedulePass({ store, now: new Date(), startRun: async (run: DagRunRecord) => void executions.push(e2e.runtime.execute(run)), dagModel: async (id) => dags.find((d) => d.dag_id === id) });

    const orders = await runDag(e2e.runtime, 'e2e_produce_orders');
    expect(statesAndTries(orders.tasks)).toEqual({ write_orders: ['success', 1], fails: ['failed', 1] });
    const events = (await store.listDatasetEvents()).items;
    expect(events.map((e) => [e.uri, e.source_dag_id, e.source_task_id, e.source_run_id, e.source_map_index, e.extra])).toEqual([
      ['s3://lake/orders.csv', 'e2e_produce_orders', 'write_orders', orders.run.run_id, -1, {}],
    ]);
    expect((await pass()).created).toEqual([]);

    await runDag(e2e.runtime, 'e2e_produce_users');
    const { created } = await pass();
    expect(created.map((r) => r.run_id)).toEqual([expect.stringMatching(/^dataset_triggered__\d{4}-\d\d-\d\dT[\d:.]+\+00:00$/)]);
    await Promise.all(executions);
    const run = (await store.getDagRun('e2e_consume', created[0]!.run_id))!;
    expect(run).toMatchObject({ state: 'success', run_type: 'dataset_triggered', external_trigger: false });
    const tasks = await summarizeRun(e2e.runtime, run);
    expect(tasks.read!.xcom.return_value).toEqual(['s3://lake/orders.csv<-e2e_produce_orders.write_orders', 's3://lake/users.csv<-e2e_produce_users.write_users']);
    expect(tasks.templated).toMatchObject({ state: 'success' });
    expect((await pass()).created).toEqual([]);
  });
});

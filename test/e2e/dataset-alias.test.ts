/**
 * Dataset aliases (Airflow 2.10, test/fixtures/dataset-alias/dataset_alias.py): a task with a
 * `DatasetAlias` among its outlets adds events through it (`outlet_events[alias].add(...)`, by alias
 * or its name, or `yield Metadata(..., alias=)`); each (dataset, extra) is one event carrying the
 * aliases it went through. A DAG scheduled on the alias runs on those datasets from the first event
 * through the alias on (unresolved before: never), and `inlet_events[DatasetAlias]` lists the events
 * added through it.
 */
import { join } from 'node:path';
import type { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import type { DagRunRecord } from '../../shared/model/records.js';
import { schedulePass } from '../../shared/scheduling/scheduler.js';
import { dagRecordFor, VERSION } from '../../shared/scheduling/test-support.js';
import { runDag, scan, statesAndTries, summarizeRun, tryLog, useE2eRuntime } from './support.js';

const FOLDER = join(__dirname, '../fixtures/dataset-alias');
const e2e = useE2eRuntime(FOLDER);

it('compiles the alias into the model: outlet and inlet aliases, a schedule on the alias', () => {
  const dags = new Map([...scan(FOLDER).dags.values()].map((d) => [d.dag.dag_id, d.dag]));
  expect(dags.get('e2e_alias_consumer')!.dataset_schedule).toEqual({ alias: 'example-alias' });
  expect(dags.get('e2e_alias_consumer')!.tasks[0]).toMatchObject({ inlet_aliases: ['example-alias'] });
  expect(dags.get('e2e_alias_consumer')!.tasks[0]!.inlets).toBeUndefined();
  expect(dags.get('e2e_alias_producer')!.tasks.find((t) => t.task_id === 'by_alias_name')).toMatchObject({ outlet_aliases: ['example-alias'] });
  expect(dags.get('e2e_alias_producer')!.tasks.find((t) => t.task_id === 'by_alias_name')!.outlets).toBeUndefined();
});

it('records events through the alias and runs the DAGs scheduled on it once it resolved', async () => {
  const store = e2e.runtime.store as MemoryMetadataStore;
  const dags = [...scan(FOLDER).dags.values()].map((d) => d.dag);
  for (const dag of dags) {
    await store.putDag(dagRecordFor(dag));
    await store.putDagVersion({ dag_id: dag.dag_id, version: VERSION, created_at: '2024-01-01T00:00:00.000Z', fileloc: 'dataset_alias.py', model: dag, source: '' } as never);
  }
  const executions: Promise<unknown>[] = [];
  const pass = async () => {
    const { created } = await schedulePass({ store, now: new Date(), startRun: async (run: DagRunRecord) => void executions.push(e2e.runtime.execute(run)), dagModel: async (id) => dags.find((d) => d.dag_id === id) });
    await Promise.all(executions.splice(0));
    return created.map((r) => r.dag_id).sort();
  };

  // Before any event went through the alias, it resolves to nothing: only the dataset's own consumer runs.
  await runDag(e2e.runtime, 'e2e_alias_direct_producer');
  expect(await pass()).toEqual(['e2e_alias_dataset_consumer']);

  const producer = await runDag(e2e.runtime, 'e2e_alias_producer');
  expect(statesAndTries(producer.tasks)).toEqual({
    by_alias_object: ['success', 1],
    by_alias_name: ['success', 1],
    by_metadata: ['success', 1],
    not_an_outlet_alias: ['failed', 1],
  });
  expect(await tryLog(e2e.runtime, producer.run, 'not_an_outlet_alias', 1)).toContain("outlet_events: 'elsewhere' is not a DatasetAlias among the outlets of task not_an_outlet_alias");
  const events = (await store.listDatasetEvents({ sourceRunId: producer.run.run_id })).items;
  expect(events.map((e) => [e.source_task_id, e.uri, e.extra, e.source_aliases]).sort()).toEqual([
    ['by_alias_name', 's3://bucket/my-task', { rows: 1 }, ['example-alias']],
    ['by_alias_name', 's3://bucket/other', { from: 'name' }, ['example-alias']],
    ['by_alias_object', 's3://bucket/my-task', { rows: 1 }, ['example-alias']],
    ['by_metadata', 's3://bucket/third', { pages: 2 }, ['example-alias']],
  ]);

  // The alias now stands for three datasets: its consumer runs (on the events through it, not the
  // direct event from before it resolved), and so does the consumer of my-task.
  expect(await pass()).toEqual(['e2e_alias_consumer', 'e2e_alias_dataset_consumer']);
  const [consumerRun] = await store.listDagRuns('e2e_alias_consumer');
  expect(consumerRun).toMatchObject({ state: 'success', run_type: 'dataset_triggered' });
  expect(consumerRun!.triggering_dataset_events!.every((e) => e.source_dag_id === 'e2e_alias_producer')).toBe(true);
  const read = (await summarizeRun(e2e.runtime, consumerRun!)).read!.xcom.return_value as { through: unknown[]; by_position: number; triggered: string[] };
  expect(read.triggered).toEqual(['s3://bucket/my-task', 's3://bucket/other', 's3://bucket/third']);
  expect(read.by_position).toBe(4);
  expect(read.through).toEqual(
    expect.arrayContaining([
      ['s3://bucket/my-task', { rows: 1 }, ['example-alias']],
      ['s3://bucket/other', { from: 'name' }, ['example-alias']],
      ['s3://bucket/third', { pages: 2 }, ['example-alias']],
    ]),
  );
  expect(await pass()).toEqual([]);

  // Resolved, the alias's datasets trigger its consumer even when updated directly (Airflow re-parses it onto them).
  await runDag(e2e.runtime, 'e2e_alias_direct_producer');
  expect(await pass()).toEqual(['e2e_alias_consumer', 'e2e_alias_dataset_consumer']);
}, 120_000);

/** Airflow's datasets API: datasets named by DAGs, their events (filters, created runs), posting an event; per readable DAG. */
import { datasetEvent } from '../../scheduling/datasets.js';
import { call, createHarness, etlModel, putDag, runRecord, signInWithRole } from '../test-support.js';

const ORDERS = 's3://lake/orders.csv';
const USERS = 's3://lake/users.csv';

async function harness() {
  const h = await createHarness({ seed: false });
  const producer = etlModel({ dag_id: 'producer' });
  producer.tasks[0]!.outlets = [{ uri: ORDERS, extra: { team: 'sales' } }];
  await putDag(h.store, producer);
  await putDag(h.store, etlModel({ dag_id: 'consumer', schedule: { type: 'none' }, dataset_schedule: { all: [{ uri: ORDERS }, { uri: USERS }] } }));
  const hidden = etlModel({ dag_id: 'hidden' });
  hidden.tasks[0]!.outlets = [{ uri: 's3://secret/x' }];
  await putDag(h.store, hidden);
  const source = { dag_id: 'producer', run_id: 'manual__1', task_id: producer.tasks[0]!.task_id, map_index: -1 };
  const first = datasetEvent(ORDERS, new Date('2024-06-01T10:00:00Z'), {}, source);
  const second = datasetEvent(USERS, new Date('2024-06-01T11:00:00Z'), { rows: 5 });
  for (const e of [first, second, datasetEvent('s3://secret/x', new Date('2024-06-01T09:00:00Z'), {}, { ...source, dag_id: 'hidden' })]) await h.store.appendDatasetEvent(e);
  await h.store.createDagRun(runRecord('consumer', 'dataset_triggered__2024-06-01T11:00:00+00:00', '2024-06-01T11:00:00.000Z', { run_type: 'dataset_triggered', triggering_dataset_events: [first, second] }), []);
  return { h, producer, first, second };
}

it('lists the datasets DAGs name, with consumers, producers and the latest update', async () => {
  const { h } = await harness();
  const list = await call(h, 'GET', '/api/v1/airflowDatasets', { token: h.tokens.Viewer });
  expect(list.status).toBe(200);
  expect(list.json.datasets.map((d: { uri: string }) => d.uri)).toEqual(['s3://lake/orders.csv', 's3://lake/users.csv', 's3://secret/x']);
  expect(list.json.datasets[0]).toMatchObject({ extra: { team: 'sales' }, updated_at: '2024-06-01T10:00:00+00:00', consuming_dags: [{ dag_id: 'consumer' }], producing_tasks: [{ dag_id: 'producer' }] });
  expect((await call(h, 'GET', '/api/v1/airflowDatasets?dag_ids=hidden', { token: h.tokens.Viewer })).json.total_entries).toBe(1);
  const one = await call(h, 'GET', `/api/v1/datasets/${encodeURIComponent(USERS)}`, { token: h.tokens.Viewer });
  expect(one.json).toMatchObject({ uri: USERS, consuming_dags: [{ dag_id: 'consumer' }], producing_tasks: [] });
  expect((await call(h, 'GET', `/api/v1/datasets/${encodeURIComponent('s3://nope')}`, { token: h.tokens.Viewer })).status).toBe(404);
});

it('lists events oldest first with filters and the runs they created', async () => {
  const { h, first } = await harness();
  const events = await call(h, 'GET', '/api/v1/datasets/events', { token: h.tokens.Viewer });
  expect(events.json.dataset_events.map((e: { dataset_uri: string }) => e.dataset_uri)).toEqual(['s3://secret/x', ORDERS, USERS]);
  const byDag = await call(h, 'GET', '/api/v1/datasets/events?source_dag_id=producer', { token: h.tokens.Viewer });
  expect(byDag.json).toEqual({
    dataset_events: [
      {
        id: first.id,
        dataset_uri: ORDERS,
        extra: {},
        source_dag_id: 'producer',
        source_task_id: first.source_task_id,
        source_run_id: 'manual__1',
        source_map_index: -1,
        timestamp: '2024-06-01T10:00:00+00:00',
        created_dagruns: [expect.objectContaining({ dag_id: 'consumer', dag_run_id: 'dataset_triggered__2024-06-01T11:00:00+00:00' })],
      },
    ],
    total_entries: 1,
  });
  expect((await call(h, 'GET', `/api/v1/datasets/events?dataset_uri=${encodeURIComponent(USERS)}&order_by=-timestamp`, { token: h.tokens.Viewer })).json.dataset_events[0].extra).toEqual({ rows: 5 });
});

it('posts an event for a known dataset (Op), refuses unknown datasets and Viewers', async () => {
  const { h } = await harness();
  const posted = await call(h, 'POST', '/api/v1/datasets/events', { token: h.tokens.Op, body: { dataset_uri: USERS, extra: { from: 'api' } } });
  expect(posted.status).toBe(200);
  expect(posted.json).toMatchObject({ dataset_uri: USERS, extra: { from: 'api' }, source_dag_id: null, source_map_index: -1, created_dagruns: [] });
  expect((await h.store.listDatasetEvents({ uri: USERS })).total).toBe(2);
  expect((await call(h, 'POST', '/api/v1/datasets/events', { token: h.tokens.Op, body: { dataset_uri: 's3://nope' } })).status).toBe(404);
  expect((await call(h, 'POST', '/api/v1/datasets/events', { token: h.tokens.Op, body: { dataset_uri: 'airflow://x' } })).status).toBe(400);
  expect((await call(h, 'POST', '/api/v1/datasets/events', { token: h.tokens.Viewer, body: { dataset_uri: USERS } })).status).toBe(403);
});

it('hides datasets and events of DAGs the caller cannot read', async () => {
  const { h } = await harness();
  const token = await signInWithRole(h, 'readers', [
    ['can_read', 'DAG:producer'],
    ['can_read', 'DAG:consumer'],
    ['can_read', 'Dataset Events'],
  ]);
  const list = await call(h, 'GET', '/api/v1/airflowDatasets', { token });
  expect(list.json.datasets.map((d: { uri: string }) => d.uri)).toEqual([ORDERS, USERS]);
  const events = await call(h, 'GET', '/api/v1/datasets/events', { token });
  expect(events.json.dataset_events.map((e: { dataset_uri: string }) => e.dataset_uri)).toEqual([ORDERS, USERS]);
  expect((await call(h, 'GET', `/api/v1/datasets/${encodeURIComponent('s3://secret/x')}`, { token })).status).toBe(404);
});

it("answers when each dataset was last updated from the store's newest events; a restricted caller gets its newest visible event", async () => {
  const { h } = await harness();
  // The newest event of ORDERS comes from a DAG the restricted caller cannot read.
  await h.store.appendDatasetEvent(datasetEvent(ORDERS, new Date('2024-06-03T10:00:00Z'), {}, { dag_id: 'hidden', run_id: 'manual__2', task_id: 'write', map_index: -1 }));
  const latest: string[] = [];
  const latestDatasetEvents = h.store.latestDatasetEvents.bind(h.store);
  h.store.latestDatasetEvents = async (uri, limit, beforeId) => (latest.push(uri), latestDatasetEvents(uri, limit, beforeId));
  const updated = async (token: string) => Object.fromEntries((await call(h, 'GET', '/api/v1/airflowDatasets', { token })).json.datasets.map((d: { uri: string; updated_at: string }) => [d.uri, d.updated_at]));
  expect(await updated(h.tokens.Viewer)).toEqual({ [ORDERS]: '2024-06-03T10:00:00+00:00', [USERS]: '2024-06-01T11:00:00+00:00', 's3://secret/x': '2024-06-01T09:00:00+00:00' });
  expect(latest).toEqual([]); // one read of the URIs answered every dataset
  const token = await signInWithRole(h, 'readers', [
    ['can_read', 'DAG:producer'],
    ['can_read', 'DAG:consumer'],
    ['can_read', 'Dataset Events'],
  ]);
  expect(await updated(token)).toEqual({ [ORDERS]: '2024-06-01T10:00:00+00:00', [USERS]: '2024-06-01T11:00:00+00:00' });
  // Read only where the newest event is hidden from it: ORDERS, and s3://secret/x (named only by a DAG it cannot read: listed if it may see an event).
  expect(latest.sort()).toEqual([ORDERS, 's3://secret/x']);
});

it('lists a dataset only events made (resolved through a DatasetAlias) as Airflow registers it; to a restricted caller only with an event it may see', async () => {
  const { h, producer } = await harness();
  const source = { dag_id: 'producer', run_id: 'manual__1', task_id: producer.tasks[0]!.task_id, map_index: -1 };
  await h.store.appendDatasetEvent({ ...datasetEvent('s3://lake/by-alias', new Date('2024-06-02T10:00:00Z'), {}, source), source_aliases: ['orders-alias'] });
  await h.store.appendDatasetEvent(datasetEvent('s3://secret/by-alias', new Date('2024-06-02T11:00:00Z'), {}, { ...source, dag_id: 'hidden' }));
  const uris = async (token: string) => (await call(h, 'GET', '/api/v1/airflowDatasets', { token })).json.datasets.map((d: { uri: string }) => d.uri);
  expect(await uris(h.tokens.Viewer)).toEqual(['s3://lake/by-alias', ORDERS, USERS, 's3://secret/by-alias', 's3://secret/x']);
  const one = await call(h, 'GET', `/api/v1/datasets/${encodeURIComponent('s3://lake/by-alias')}`, { token: h.tokens.Viewer });
  expect(one.json).toEqual({ uri: 's3://lake/by-alias', extra: {}, updated_at: '2024-06-02T10:00:00+00:00', consuming_dags: [], producing_tasks: [] });
  const token = await signInWithRole(h, 'readers', [
    ['can_read', 'DAG:producer'],
    ['can_read', 'Dataset Events'],
  ]);
  expect(await uris(token)).toEqual(['s3://lake/by-alias', ORDERS, USERS]);
  // It exists: an event can be posted for it (Airflow: 404 only for a URI it has never seen).
  expect((await call(h, 'POST', '/api/v1/datasets/events', { token: h.tokens.Op, body: { dataset_uri: 's3://lake/by-alias' } })).status).toBe(200);
});

it("reads each DAG version's model once for the datasets listings, and a DAG's new version again", async () => {
  const { h, producer } = await harness();
  const read: string[] = [];
  const getDagVersion = h.store.getDagVersion.bind(h.store);
  h.store.getDagVersion = async (dagId, version) => {
    read.push(`${dagId}@${version}`);
    return getDagVersion(dagId, version);
  };
  await call(h, 'GET', '/api/v1/airflowDatasets', { token: h.tokens.Viewer });
  expect(read.sort()).toEqual(['consumer@v-consumer', 'hidden@v-hidden', 'producer@v-producer']);
  read.length = 0;
  await call(h, 'GET', '/api/v1/datasets/events', { token: h.tokens.Viewer });
  await call(h, 'GET', '/api/v1/airflowDatasets', { token: h.tokens.Viewer });
  expect(read).toEqual([]);
  const next = structuredClone(producer);
  next.tasks[0]!.outlets = [{ uri: 's3://lake/new.csv' }];
  await putDag(h.store, next, { current_version: 'v2' });
  const list = await call(h, 'GET', '/api/v1/airflowDatasets', { token: h.tokens.Viewer });
  expect(read).toEqual(['producer@v2']);
  expect(list.json.datasets.map((d: { uri: string }) => d.uri)).toContain('s3://lake/new.csv');
  expect(list.json.datasets.find((d: { uri: string }) => d.uri === ORDERS).producing_tasks).toEqual([]);
});

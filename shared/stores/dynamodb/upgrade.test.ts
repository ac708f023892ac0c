/**
 * A table made by an older skydag (one index, runs without gsi2 attributes) is upgraded when opened:
 * its active runs are listed from the new index, a finished run that is cleared later enters it, and
 * an upgrade interrupted half-way is finished at the next open. Runs on dynalite, which (unlike
 * DynamoDB) cannot add an index to a table, so this is the rebuild path local stores take.
 */
import { CreateTableCommand, DeleteItemCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';

import { startDynalite, type DynaliteServer } from '../../../test/contracts/dynamo-harness.js';
import { auditRecord, runRecord, tiRecord } from '../../../test/contracts/records.js';
import { createDocumentClient, createMetadataTable, DynamoMetadataStore, metadataTableDefinition } from './index.js';
import { GSI2, GSI2_PK, GSI2_SK } from './keys.js';
import { ACTIVE_RUNS_BACKFILL_MARKER, backfillActiveRunsIndex, backfillActiveRunsIndexOnce } from './upgrade.js';

let server: DynaliteServer;
let raw: DynamoDBClient;

beforeAll(async () => {
  server = await startDynalite();
  raw = new DynamoDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  raw.destroy();
  await server.stop();
});

/** The table definition before the active-runs index. */
function oldDefinition(tableName: string) {
  const current = metadataTableDefinition(tableName);
  return {
    ...current,
    AttributeDefinitions: current.AttributeDefinitions!.filter((a) => a.AttributeName !== GSI2_PK && a.AttributeName !== GSI2_SK),
    GlobalSecondaryIndexes: current.GlobalSecondaryIndexes!.filter((i) => i.IndexName !== GSI2),
  };
}

/** Writes runs (and a task instance) the way the older store did: without gsi2 attributes. */
async function seedOldTable(tableName: string, create = true): Promise<void> {
  if (create) await raw.send(new CreateTableCommand(oldDefinition(tableName)));
  const s = (v: string): AttributeValue => ({ S: v });
  const run = (runId: string, date: string, state: string): Record<string, AttributeValue> => ({
    pk: s(`RUN#d#${runId}`),
    sk: s('RUN'),
    gsi1pk: s('RUNS#d'),
    gsi1sk: s(`${date}#${runId}`),
    _kind: s('run'),
    ...Object.fromEntries(Object.entries(runRecord('d', runId, date, { state: state as 'running' })).map(([k, v]) => [k, v === null ? { NULL: true } : typeof v === 'boolean' ? { BOOL: v } : typeof v === 'object' ? s(JSON.stringify(v)) : s(String(v))])),
  });
  for (const item of [run('old-running', '2024-01-02T00:00:00.000Z', 'running'), run('old-queued', '2024-01-03T00:00:00.000Z', 'queued'), run('old-done', '2024-01-01T00:00:00.000Z', 'success')]) {
    await raw.send(new PutItemCommand({ TableName: tableName, Item: item }));
  }
  await raw.send(new PutItemCommand({ TableName: tableName, Item: { pk: s('RUN#d#old-running'), sk: s('TI#a'), _kind: s('ti'), _ord: { N: '0' }, ...Object.fromEntries(Object.entries(tiRecord('d', 'old-running', 'a')).filter(([, v]) => typeof v === 'string').map(([k, v]) => [k, s(v as string)])) } }));
}

async function expectUpgraded(tableName: string): Promise<void> {
  const { Table } = await raw.send(new DescribeTableCommand({ TableName: tableName }));
  expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['gsi1', 'gsi2']);
  const store = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName });
  expect((await store.listActiveDagRuns()).map((r) => r.run_id)).toEqual(['old-queued', 'old-running']);
  expect((await store.listTaskInstances('d', 'old-running')).map((ti) => ti.task_id)).toEqual(['a']);
  // Task instances written before the task-instances-by-DAG index are in it.
  expect((await store.listDagTaskInstances('d')).items.map((x) => [x.ti.run_id, x.ti.task_id, x.logical_date])).toEqual([['old-running', 'a', '2024-01-02T00:00:00.000Z']]);
  expect((await store.listDagRuns('d')).map((r) => r.run_id)).toEqual(['old-queued', 'old-running', 'old-done']);
  // A finished run of before the upgrade is cleared: it enters the index.
  await store.updateDagRun('d', 'old-done', { state: 'queued' });
  expect((await store.listActiveDagRuns()).map((r) => r.run_id)).toEqual(['old-queued', 'old-running', 'old-done']);
  await expect(raw.send(new DescribeTableCommand({ TableName: `${tableName}-upgrade` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
}

test('a table of an older skydag gets the active-runs index, its active runs listed', async () => {
  await seedOldTable('old');
  await createMetadataTable(raw, 'old', { pollMs: 5, allowRebuild: true });
  await expectUpgraded('old');
  await createMetadataTable(raw, 'old', { pollMs: 5, allowRebuild: true }); // current: nothing to do
  const store = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: 'old' });
  expect((await store.listActiveDagRuns()).map((r) => r.run_id)).toEqual(['old-queued', 'old-running', 'old-done']);
});

test('a table with both indexes whose task instances predate the task-instances-by-DAG index is backfilled when opened', async () => {
  await raw.send(new CreateTableCommand(metadataTableDefinition('tis-v1')));
  await seedOldTable('tis-v1', false);
  const before = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: 'tis-v1' });
  expect((await before.listDagTaskInstances('d')).total).toBe(0);
  await createMetadataTable(raw, 'tis-v1', { pollMs: 5 });
  expect((await before.listDagTaskInstances('d')).items.map((x) => `${x.ti.run_id}/${x.ti.task_id}`)).toEqual(['old-running/a']);
});

test('a table written before totals were kept gets them when opened: dataset events overall and per URI, audit entries by the day they lapse', async () => {
  await createMetadataTable(raw, 'counts-v2', { pollMs: 5 });
  const store = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: 'counts-v2' });
  const event = (n: number, uri: string) => ({ id: (Date.UTC(2024, 0, 1) + n) * 1000, uri, extra: {}, source_dag_id: null, source_task_id: null, source_run_id: null, source_map_index: -1, timestamp: new Date(Date.UTC(2024, 0, 1) + n).toISOString() });
  for (let n = 0; n < 5; n++) await store.appendDatasetEvent(event(n, n < 2 ? 's3://a' : 's3://b'));
  for (let n = 0; n < 4; n++) await store.appendAuditLog(auditRecord(`e${n}`, new Date(Date.UTC(2024, 0, 1, n)).toISOString()));
  // As the older store left it: no counts, an entry lapsing mid-day, one that never lapses, data version 2.
  const scanned = (await raw.send(new ScanCommand({ TableName: 'counts-v2' }))).Items ?? [];
  for (const item of scanned.filter((i) => i.pk?.S?.startsWith('COUNT') || i.pk?.S === 'DATASET_URIS')) await raw.send(new DeleteItemCommand({ TableName: 'counts-v2', Key: { pk: item.pk!, sk: item.sk! } }));
  const audit = scanned.filter((i) => i._kind?.S === 'audit');
  const midDay = Math.floor(Date.now() / 1000) + 86_400 * 10 + 1234;
  await raw.send(new UpdateItemCommand({ TableName: 'counts-v2', Key: { pk: audit[0]!.pk!, sk: audit[0]!.sk! }, UpdateExpression: 'SET expires_at = :t', ExpressionAttributeValues: { ':t': { N: String(midDay) } } }));
  await raw.send(new UpdateItemCommand({ TableName: 'counts-v2', Key: { pk: audit[1]!.pk!, sk: audit[1]!.sk! }, UpdateExpression: 'REMOVE expires_at' }));
  await raw.send(new PutItemCommand({ TableName: 'counts-v2', Item: { pk: { S: 'SCHEMA' }, sk: { S: 'DATA_VERSION' }, _kind: { S: 'data-version' }, version: { N: '2' } } }));
  expect((await store.listDatasetEvents({ limit: 1 })).total).toBe(0);

  await createMetadataTable(raw, 'counts-v2', { pollMs: 5 });
  expect((await store.listDatasetEvents({ limit: 1 })).total).toBe(5);
  expect((await store.listDatasetEvents({ uri: 's3://a', limit: 1 })).total).toBe(2);
  expect((await store.listDatasetEvents({ uri: 's3://b', limit: 1 })).total).toBe(3);
  expect((await store.listAuditLog({ limit: 1 })).total).toBe(4);
  expect(await new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: 'counts-v2' }).listDatasetUpdates()).toEqual([
    { uri: 's3://a', newest: null },
    { uri: 's3://b', newest: null },
  ]);
  const aligned = await raw.send(new GetItemCommand({ TableName: 'counts-v2', Key: { pk: audit[0]!.pk!, sk: audit[0]!.sk! } }));
  expect(Number(aligned.Item?.expires_at?.N)).toBe(Math.ceil(midDay / 86_400) * 86_400);
  // Appends after the upgrade add to the counts; opening again changes nothing.
  await store.appendAuditLog(auditRecord('e9', '2024-01-02T00:00:00.000Z'));
  await createMetadataTable(raw, 'counts-v2', { pollMs: 5 });
  expect((await store.listAuditLog({ limit: 1 })).total).toBe(5);
});

test('without allowRebuild, a server that cannot add the index is a clear error and the table is kept', async () => {
  await seedOldTable('kept');
  await expect(createMetadataTable(raw, 'kept', { pollMs: 5 })).rejects.toThrow(/lacks the active-runs index gsi2/);
  const store = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: 'kept' });
  expect((await store.listDagRuns('d')).map((r) => r.run_id)).toEqual(['old-queued', 'old-running', 'old-done']);
});

test('an upgrade that died after dropping the table is finished from the side table at the next open', async () => {
  // The state a crash between "copy out" and "copy back" leaves: only the side table (current shape, old items).
  await raw.send(new CreateTableCommand(metadataTableDefinition('crashed-upgrade')));
  await seedOldTable('crashed-upgrade', false);
  await createMetadataTable(raw, 'crashed', { pollMs: 5, allowRebuild: true });
  await expectUpgraded('crashed');
});

test('an upgrade that died while copying out starts again from the old table', async () => {
  await seedOldTable('half');
  await raw.send(new CreateTableCommand(metadataTableDefinition('half-upgrade'))); // empty: the copy had not begun
  await createMetadataTable(raw, 'half', { pollMs: 5, allowRebuild: true });
  await expectUpgraded('half');
});

test('backfillActiveRunsIndex (after DynamoDB added the index online) indexes the runs that lack it, once', async () => {
  await raw.send(new CreateTableCommand(metadataTableDefinition('online')));
  await seedOldTable('online', false);
  expect(await backfillActiveRunsIndex(raw.send.bind(raw) as DynamoDBClient['send'], 'online')).toBe(3);
  expect(await backfillActiveRunsIndex(raw.send.bind(raw) as DynamoDBClient['send'], 'online')).toBe(0);
  const store = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: 'online' });
  expect((await store.listActiveDagRuns()).map((r) => r.run_id)).toEqual(['old-queued', 'old-running']);
});

test('backfillActiveRunsIndexOnce (the cloud reconciler\'s) indexes the old runs, then records a marker so later calls do not scan', async () => {
  const send = raw.send.bind(raw) as DynamoDBClient['send'];
  const now = () => '2026-01-01T00:00:00.000Z';
  await raw.send(new CreateTableCommand(metadataTableDefinition('auto')));
  await seedOldTable('auto', false);
  expect(await backfillActiveRunsIndexOnce(send, 'auto', now)).toBe(3);
  const marker = await raw.send(new GetItemCommand({ TableName: 'auto', Key: ACTIVE_RUNS_BACKFILL_MARKER, ConsistentRead: true }));
  expect(marker.Item).toMatchObject({ done_at: { S: now() }, runs_indexed: { N: '3' } });
  expect(await backfillActiveRunsIndexOnce(send, 'auto', now)).toBe('done');
  const store = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: 'auto' });
  expect((await store.listActiveDagRuns()).map((r) => r.run_id)).toEqual(['old-queued', 'old-running']);
});

test('backfillActiveRunsIndexOnce on a table whose index is not there yet writes nothing and says so', async () => {
  const send = raw.send.bind(raw) as DynamoDBClient['send'];
  await seedOldTable('early');
  expect(await backfillActiveRunsIndexOnce(send, 'early', () => 'x')).toBe('index-not-ready');
  expect((await raw.send(new GetItemCommand({ TableName: 'early', Key: ACTIVE_RUNS_BACKFILL_MARKER, ConsistentRead: true }))).Item).toBeUndefined();
});

test('runs made before task lists get theirs when the table is opened (data version 4); pages are the same before, in between and after', async () => {
  await createMetadataTable(raw, 'lists-v3', { pollMs: 5 });
  const store = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: 'lists-v3' });
  await store.createDagRun(runRecord('d', 'r1', '2024-01-01T00:00:00.000Z'), ['c', 'a', 'b'].map((t) => tiRecord('d', 'r1', t)));
  await store.createDagRun(runRecord('d', 'r2', '2024-01-02T00:00:00.000Z'), ['c', 'a', 'b'].map((t) => tiRecord('d', 'r2', t)));
  await store.createDagRun(runRecord('d', 'r3', '2024-01-03T00:00:00.000Z'), ['x#1', 'y'].map((t) => tiRecord('d', 'r3', t)));
  const expected = ['r1/c', 'r1/a', 'r1/b', 'r2/c', 'r2/a', 'r2/b', 'r3/x#1', 'r3/y'];
  const pages = async () => {
    const fresh = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: 'lists-v3' });
    const out: string[] = [];
    for (let offset = 0; offset < 8; offset += 3) {
      const page = await fresh.listDagTaskInstances('d', { offset, limit: 3 });
      expect(page.total).toBe(8);
      out.push(...page.items.map((x) => `${x.ti.run_id}/${x.ti.task_id}`));
    }
    return out;
  };
  expect(await pages()).toEqual(expected);
  // As a store of data version 3 left it: runs without task lists, none stored; the audit count kept.
  await store.appendAuditLog(auditRecord('e1', '2024-01-01T00:00:00.000Z'));
  const scanned = (await raw.send(new ScanCommand({ TableName: 'lists-v3' }))).Items ?? [];
  for (const item of scanned.filter((i) => i._kind?.S === 'task-list')) await raw.send(new DeleteItemCommand({ TableName: 'lists-v3', Key: { pk: item.pk!, sk: item.sk! } }));
  const runKey = (runId: string) => ({ pk: { S: `RUN#d#${runId}` }, sk: { S: 'RUN' } });
  for (const runId of ['r1', 'r3']) await raw.send(new UpdateItemCommand({ TableName: 'lists-v3', Key: runKey(runId), UpdateExpression: 'REMOVE #l', ExpressionAttributeNames: { '#l': '_tasks' } }));
  await raw.send(new PutItemCommand({ TableName: 'lists-v3', Item: { pk: { S: 'SCHEMA' }, sk: { S: 'DATA_VERSION' }, _kind: { S: 'data-version' }, version: { N: '3' } } }));
  // A kept count that differs from a recount (the upgrade to 4 must not count again: writers may be appending).
  const count = scanned.find((i) => i.pk?.S === 'COUNT#AUDIT')!;
  const bucket = Object.keys(count).find((name) => name.startsWith('d'))!;
  await raw.send(new UpdateItemCommand({ TableName: 'lists-v3', Key: { pk: count.pk!, sk: count.sk! }, UpdateExpression: 'SET #b = :n', ExpressionAttributeNames: { '#b': bucket }, ExpressionAttributeValues: { ':n': { N: '7' } } }));
  // Some runs without a list, one naming a list that is gone: the index has them.
  expect(await pages()).toEqual(expected);
  await raw.send(new UpdateItemCommand({ TableName: 'lists-v3', Key: runKey('r2'), UpdateExpression: 'REMOVE #l', ExpressionAttributeNames: { '#l': '_tasks' } }));
  expect(await pages()).toEqual(expected);

  await createMetadataTable(raw, 'lists-v3', { pollMs: 5 });
  const lists = new Map(((await raw.send(new ScanCommand({ TableName: 'lists-v3' }))).Items ?? []).filter((i) => i._kind?.S === 'task-list').map((i) => [i.pk!.S!, JSON.parse(i.task_ids!.S!) as string[]]));
  expect([...lists.values()].sort()).toEqual([['c', 'a', 'b'], ['x#1', 'y']]);
  for (const runId of ['r1', 'r2', 'r3']) {
    const run = await raw.send(new GetItemCommand({ TableName: 'lists-v3', Key: runKey(runId) }));
    expect(lists.get(`TASKS#${run.Item?._tasks?.S}`)).toEqual(runId === 'r3' ? ['x#1', 'y'] : ['c', 'a', 'b']);
  }
  expect(await pages()).toEqual(expected);
  // Only what version 4 adds: the kept audit count is not counted again.
  expect((await store.listAuditLog({ limit: 1 })).total).toBe(7);
  const version = await raw.send(new GetItemCommand({ TableName: 'lists-v3', Key: { pk: { S: 'SCHEMA' }, sk: { S: 'DATA_VERSION' } } }));
  expect(version.Item?.version?.N).toBe('4');
});

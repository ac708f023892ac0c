/**
 * What the DynamoDB adapter does beyond the port's contract (that is test/contracts/): table
 * creation, large values without a blob store, item shapes, clear errors, expression hygiene.
 * Runs on dynalite in-process.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FsBlobStore } from '../../../local/stores/fs-blob-store.js';
import { startDynalite, type DynaliteServer } from '../../../test/contracts/dynamo-harness.js';
import { auditRecord, runRecord, tiRecord, versionRecord, xcomRecord } from '../../../test/contracts/records.js';
import { ItemTooLargeError } from '../metadata.js';
import { BlobStoreRequiredError, createDocumentClient, createMetadataTable, DynamoMetadataStore } from './index.js';
import { auditShardPk, auditSk, homeSlotShard, SLOT_SHARDS, slotShardKey } from './keys.js';
import { shardCapacity } from './slots.js';

let server: DynaliteServer;
let raw: DynamoDBClient;
let n = 0;
const newTable = async () => {
  const tableName = `adapter-${++n}`;
  await createMetadataTable(raw, tableName, { pollMs: 5 });
  return tableName;
};

beforeAll(async () => {
  server = await startDynalite();
  raw = new DynamoDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  raw.destroy();
  await server.stop();
});

describe('createMetadataTable', () => {
  test('creates the table with its index once; concurrent and repeated calls are no-ops', async () => {
    await Promise.all([createMetadataTable(raw, 'idem', { pollMs: 5 }), createMetadataTable(raw, 'idem', { pollMs: 5 }), createMetadataTable(raw, 'idem', { pollMs: 5 })]);
    await createMetadataTable(raw, 'idem');
    const { Table } = await raw.send(new DescribeTableCommand({ TableName: 'idem' }));
    expect(Table?.KeySchema?.map((k) => k.AttributeName)).toEqual(['pk', 'sk']);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['gsi1', 'gsi2']);
  });

  test('refuses a table of that name that is not a metadata table', async () => {
    await raw.send(
      new CreateTableCommand({
        TableName: 'foreign',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await expect(createMetadataTable(raw, 'foreign', { pollMs: 5 })).rejects.toThrow(/exists but is not a skydag metadata table/);
  });
});

describe('DynamoMetadataStore', () => {
  test('a missing table is reported with what to do', async () => {
    const store = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: 'never-created' });
    await expect(store.getDag('x')).rejects.toThrow(/table 'never-created' not found .*createMetadataTable\(\)/);
  });

  test('without a blob store, small values work and large ones fail clearly, writing nothing', async () => {
    const store = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: await newTable() });
    await store.setXCom(xcomRecord('d', 'r', 't', 'small', 'x'.repeat(1000)));
    expect((await store.getXCom('d', 'r', 't', 'small'))?.value).toHaveLength(1000);
    const error = await store.setXCom(xcomRecord('d', 'r', 't', 'big', 'x'.repeat(500 * 1024))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobStoreRequiredError);
    expect((error as Error).message).toMatch(/XCom 'big' of d.t \(run 'r'\) is 501 KiB as JSON; values over 300 KiB .* pass `blobStore`/);
    expect(await store.getXCom('d', 'r', 't', 'big')).toBeUndefined();
    await expect(store.putDagVersion(versionRecord('d', 'v1', '2024-01-01T00:00:00Z', 500 * 1024))).rejects.toBeInstanceOf(BlobStoreRequiredError);
    expect(await store.getDagVersion('d', 'v1')).toBeUndefined();
    expect(await store.listDagVersions('d')).toEqual([]);
  });

  test('offloaded values live under the blob prefix; a lost blob is reported, not returned as undefined', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skydag-adapter-'));
    try {
      const blobs = new FsBlobStore(dir);
      // A document client with default marshalling (undefined values throw): the adapter never sends any.
      const client = DynamoDBDocumentClient.from(raw);
      const store = new DynamoMetadataStore({ client, tableName: await newTable(), blobStore: blobs, inlineLimitBytes: 100, blobPrefix: 'meta/' });
      const version = versionRecord('my.dag', 'v1', '2024-01-01T00:00:00Z', 200);
      await store.putDagVersion(version);
      expect(await store.getDagVersion('my.dag', 'v1')).toEqual(version);
      await blobs.delete((await blobs.list('meta/dag-models/')).blobs[0]!.key);
      await store.setXCom(xcomRecord('my.dag', 'manual__2024-01-01T00:00:00+00:00', 'task', 'return_value', { rows: 'y'.repeat(200) }));
      await store.setXCom(xcomRecord('my.dag', 'manual__2024-01-01T00:00:00+00:00', 'task', 'small', 1));
      expect((await store.getXCom('my.dag', 'manual__2024-01-01T00:00:00+00:00', 'task', 'small'))?.value).toBe(1);
      const keys = (await blobs.list('')).blobs.map((b) => b.key);
      expect(keys).toEqual([expect.stringMatching(/^meta\/xcom\/my%2Edag\/manual__2024-01-01T00%3A00%3A00%2B00%3A00\/task\/-1\/return_value\/[0-9a-f-]{36}\.json$/)]);
      await blobs.delete(keys[0]!);
      await expect(store.getXCom('my.dag', 'manual__2024-01-01T00:00:00+00:00', 'task', 'return_value')).rejects.toThrow(/XCom 'return_value' .* is missing: its blob 'meta\/xcom\/.*' is not in the blob store/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an item over 400 KB that cannot be offloaded (a huge conf) fails with a clear error', async () => {
    const store = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: await newTable() });
    const run = runRecord('d', 'r', '2024-01-01T00:00:00Z', { conf: { blob: 'x'.repeat(420 * 1024) } });
    const error = await store.createDagRun(run, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ItemTooLargeError);
    expect(String(error)).toMatch(/create DAG run 'r' of 'd': the item exceeds DynamoDB's 400 KB item limit/);
    // Its logical date was given back: a run that fits can take it.
    await expect(store.createDagRun(runRecord('d', 'r2', '2024-01-01T00:00:00Z'), [])).resolves.toBeUndefined();
  });

  test("a logical date's claim is one small item; a claim left by a creator that died is taken over once it is old", async () => {
    const tableName = await newTable();
    const client = createDocumentClient(raw);
    const store = new DynamoMetadataStore({ client, tableName });
    await store.createDagRun(runRecord('d#1', 'r1', '2024-01-01T02:00:00+02:00'), []);
    const claim = (await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'RUNDATE#d%231#2024-01-01T00:00:00.000Z', sk: 'RUNDATE' } }))).Item;
    expect(claim).toMatchObject({ _kind: 'run-date', dag_id: 'd#1', run_id: 'r1', logical_date: '2024-01-01T02:00:00+02:00' });
    expect(typeof claim?._claimed).toBe('number');

    // A creator that claimed 2024-02-01 and died before writing its run: young, the claim holds (a creation in progress) ...
    const orphan = { pk: 'RUNDATE#d%231#2024-02-01T00:00:00.000Z', sk: 'RUNDATE', _kind: 'run-date', dag_id: 'd#1', run_id: 'dead', logical_date: '2024-02-01T00:00:00.000Z' };
    await client.send(new PutCommand({ TableName: tableName, Item: { ...orphan, _claimed: Date.now() } }));
    await expect(store.createDagRun(runRecord('d#1', 'r2', '2024-02-01T00:00:00Z'), [])).rejects.toMatchObject({ name: 'LogicalDateTakenError', existingRunId: 'dead' });
    // ... old, it is a leftover and the date is claimed again.
    await client.send(new PutCommand({ TableName: tableName, Item: { ...orphan, _claimed: Date.now() - 10 * 60_000 } }));
    await expect(store.createDagRun(runRecord('d#1', 'r2', '2024-02-01T00:00:00Z'), [])).resolves.toBeUndefined();
    // An old claim whose run exists is no leftover.
    await client.send(new UpdateCommand({ TableName: tableName, Key: { pk: orphan.pk, sk: 'RUNDATE' }, UpdateExpression: 'SET #c = :c', ExpressionAttributeNames: { '#c': '_claimed' }, ExpressionAttributeValues: { ':c': 1 } }));
    await expect(store.createDagRun(runRecord('d#1', 'r3', '2024-02-01T00:00:00Z'), [])).rejects.toMatchObject({ name: 'LogicalDateTakenError', existingRunId: 'r2' });
  });

  test('a slot counter of an older version (a bare count, no holders) holds nothing', async () => {
    const tableName = await newTable();
    const client = createDocumentClient(raw);
    const store = new DynamoMetadataStore({ client, tableName });
    await client.send(new UpdateCommand({ TableName: tableName, Key: { pk: 'SLOT#pool:old', sk: 'SLOT' }, UpdateExpression: 'SET #t = :t', ExpressionAttributeNames: { '#t': 'taken' }, ExpressionAttributeValues: { ':t': 5 } }));
    expect(await store.acquireSlot('pool:old', 1, 'h')).toBe(true);
    expect(await store.listSlotHolders('pool:old')).toEqual([{ holder: 'h', slots: 1 }]);
  });

  test("holdings in a scope's single item of an older version count against the limit and are released there; new ones go to the shards", async () => {
    const tableName = await newTable();
    const client = createDocumentClient(raw);
    const store = new DynamoMetadataStore({ client, tableName });
    const legacy = { pk: 'SLOT#pool:old', sk: 'SLOT' };
    await client.send(new PutCommand({ TableName: tableName, Item: { ...legacy, _kind: 'slot', taken: 2, holders: { 'd/r/a/1': 1, 'd/r/b/1': 1 } } }));
    expect(await store.acquireSlot('pool:old', 3, 'd/r/c/1')).toBe(true);
    expect(await store.acquireSlot('pool:old', 3, 'd/r/d/1')).toBe(false);
    expect(await store.acquireSlot('pool:old', 3, 'd/r/a/1')).toBe(true); // held already (in the old item)
    await store.releaseSlot('pool:old', 'd/r/a/1');
    expect((await client.send(new GetCommand({ TableName: tableName, Key: legacy }))).Item).toMatchObject({ taken: 1, holders: { 'd/r/b/1': 1 } });
    expect(await store.acquireSlot('pool:old', 3, 'd/r/d/1')).toBe(true);
    expect((await store.listSlotHolders('pool:old')).map((h) => h.holder).sort()).toEqual(['d/r/b/1', 'd/r/c/1', 'd/r/d/1']);
    expect((await client.send(new GetCommand({ TableName: tableName, Key: legacy }))).Item?.holders).toEqual({ 'd/r/b/1': 1 });
  });

  test('a burst of acquirers spreads over the shards, each within its part of the limit, and the parts add up to the limit', async () => {
    const tableName = await newTable();
    const client = createDocumentClient(raw);
    const store = new DynamoMetadataStore({ client, tableName });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.acquireSlot('pool:burst', 20, `d/run_${i}/t/1`)));
    expect(results.filter(Boolean)).toHaveLength(20);
    const shards = await Promise.all(Array.from({ length: SLOT_SHARDS }, async (_, i) => (await client.send(new GetCommand({ TableName: tableName, Key: slotShardKey('pool:burst', i) }))).Item));
    for (const [i, item] of shards.entries()) {
      const held = Object.values((item?.holders ?? {}) as Record<string, number>).reduce((n, v) => n + v, 0);
      expect(held).toBe(shardCapacity(20, i)); // full: 20 of 50 got in, and a shard with room left is not refused
      expect(item?.taken ?? 0).toBe(held);
    }
    expect(Array.from({ length: SLOT_SHARDS }, (_, i) => shardCapacity(20, i)).reduce((n, c) => n + c, 0)).toBe(20);
    expect(Array.from({ length: SLOT_SHARDS }, (_, i) => shardCapacity(5, i))).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
  });

  test('items have the documented shape (keys, kind, JSON text for free-form fields)', async () => {
    const tableName = await newTable();
    const client = createDocumentClient(raw);
    const store = new DynamoMetadataStore({ client, tableName });
    await store.createDagRun(runRecord('d', 'r1', '2024-01-01T02:00:00+02:00', { conf: { a: 1 } }), [tiRecord('d', 'r1', 'b'), tiRecord('d', 'r1', 'a')]);
    await store.updateTaskInstance('d', 'r1', 'a', { rendered_fields: { cmd: 'x' } });
    const get = async (pk: string, sk: string) => (await client.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }))).Item;
    expect(await get('RUN#d#r1', 'RUN')).toMatchObject({ _kind: 'run', gsi1pk: 'RUNS#d', gsi1sk: '2024-01-01T00:00:00.000Z#r1', conf: '{"a":1}', logical_date: '2024-01-01T02:00:00+02:00' });
    expect(await get('RUN#d#r1', 'TI#a')).toMatchObject({ _kind: 'ti', _ord: 1, task_id: 'a', rendered_fields: '{"cmd":"x"}', state: null });
    await store.acquireSlot('pool:p', 100, 'd/r1/a/1', 2);
    expect(await get(`SLOT_SHARD#pool:p#${homeSlotShard('d/r1/a/1')}`, 'SLOT')).toMatchObject({ _kind: 'slot', taken: 2, holders: { 'd/r1/a/1': 2 } });
    await store.putVariable({ key: 'k', value: 'v', encrypted: false, description: null });
    expect(await get('VARIABLES', 'ID#k')).toMatchObject({ _kind: 'variable', key: 'k', value: 'v' });
  });

  test('every expression names attributes through placeholders (records use reserved words)', async () => {
    const client = createDocumentClient(raw);
    const seen: Record<string, unknown>[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        seen.push(args.input as Record<string, unknown>);
        return next(args);
      },
      { step: 'initialize', name: 'captureInputs' },
    );
    const store = new DynamoMetadataStore({ client, tableName: await newTable() });
    await store.createDagRun(runRecord('d', 'r1', '2024-01-01T00:00:00Z'), [tiRecord('d', 'r1', 'a')]);
    await store.updateTaskInstance('d', 'r1', 'a', { state: 'queued', note: undefined }, { stateIn: [null, 'scheduled'], decisionAbsent: true, tryNumber: 0 });
    await store.updateTaskInstance('d', 'r1', 'a', { state: 'running' }, { stateIn: ['scheduled'] }).catch(() => undefined);
    await store.updateDagRun('d', 'r1', { state: 'running', logical_date: '2024-01-02T00:00:00Z' });
    await store.listDagRuns('d', { states: ['running'], logicalDateBefore: '2025-01-01T00:00:00Z', limit: 1 });
    await store.acquireSlot('s', 1, 'h');
    await store.releaseSlot('s', 'h');
    await store.listSlotHolders('s');
    await store.setXCom(xcomRecord('d', 'r1', 'a', 'k', 1));
    await store.listXComs('d', 'r1', 'a');
    await store.deleteXComs('d', 'r1', 'a');
    await store.listDags({ paused: false, tags: ['t', 'u'], dagIdPattern: 'x', limit: 1 });
    await store.listAuditLog({ dagId: 'd', event: 'e', owner: 'o', limit: 1 });
    await store.putUser({ username: 'u', email: '', first_name: '', last_name: '', password_hash: '', roles: [], active: true, created_on: '', changed_on: '', last_login: null }, { createOnly: true });
    await store.deleteDagRun('d', 'r1');
    const grammar = /#a\d+|:v\d+|\b(attribute_exists|attribute_not_exists|attribute_type|begins_with|contains|if_not_exists|AND|OR|NOT|IN|SET|REMOVE|ADD)\b/g;
    const expressions = seen.flatMap((input) =>
      ['ConditionExpression', 'UpdateExpression', 'FilterExpression', 'KeyConditionExpression', 'ProjectionExpression'].map((k) => input[k]).filter((e): e is string => typeof e === 'string'),
    );
    expect(expressions.length).toBeGreaterThan(20);
    for (const expression of expressions) expect({ expression, bare: expression.replace(grammar, '').match(/[A-Za-z_]\w*/g) }).toEqual({ expression, bare: null });
  });
});

describe('audit log at scale', () => {
  test('entries spread over the shards with expires_at after the retention; lapsed ones are not listed; entries of the single partition of before are', async () => {
    const tableName = await newTable();
    const client = createDocumentClient(raw);
    const store = new DynamoMetadataStore({ client, tableName, auditRetentionDays: 30 });
    const before = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 40; i++) await store.appendAuditLog(auditRecord(`e${String(i).padStart(2, '0')}`, `2024-01-01T00:00:${String(i).padStart(2, '0')}.000Z`));
    const items = (await client.send(new ScanCommand({ TableName: tableName }))).Items!.filter((i) => i._kind === 'audit');
    expect(new Set(items.map((i) => i.pk)).size).toBeGreaterThan(4);
    for (const item of items) expect(item.expires_at).toBeGreaterThanOrEqual(before + 30 * 86_400);
    // Written by an older version (one partition), and one whose retention has lapsed (TTL deletes lazily).
    await client.send(new PutCommand({ TableName: tableName, Item: { pk: 'AUDIT', sk: '2024-01-02T00:00:00.000Z#old', _kind: 'audit', ...auditRecord('old', '2024-01-02T00:00:00.000Z') } }));
    await client.send(new UpdateCommand({ TableName: tableName, Key: { pk: items[0]!.pk, sk: items[0]!.sk }, UpdateExpression: 'SET expires_at = :t', ExpressionAttributeValues: { ':t': before - 1 } }));
    const all = await store.listAuditLog();
    expect(all.total).toBe(40);
    expect(all.items[0]).toEqual(auditRecord('old', '2024-01-02T00:00:00.000Z'));
    expect(all.items.map((e) => e.event_log_id)).not.toContain(items[0]!.event_log_id);
    const page = await store.listAuditLog({ limit: 3, offset: 1 });
    expect([page.items.map((e) => e.event_log_id), page.total]).toEqual([all.items.slice(1, 4).map((e) => e.event_log_id), 40]);
    expect(() => new DynamoMetadataStore({ client, tableName, auditRetentionDays: 0 })).toThrow(/auditRetentionDays/);
  });

  test('the kept head of the log: an entry written but never counted (its writer died) is listed once another entry is counted; a run of the same pages reads only their items', async () => {
    const tableName = await newTable();
    const client = createDocumentClient(raw);
    const store = new DynamoMetadataStore({ client, tableName });
    const at = (minute: number) => new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString();
    for (let i = 0; i < 30; i++) await store.appendAuditLog(auditRecord(`e${String(i).padStart(2, '0')}`, at(i)));
    const ids = async (offset: number, limit: number) => (await store.listAuditLog({ offset, limit })).items.map((e) => e.event_log_id);
    expect(await ids(25, 3)).toEqual(['e04', 'e03', 'e02']);
    expect(await ids(26, 3)).toEqual(['e03', 'e02', 'e01']);
    // Pages of the kept head read their own items only: count the requests of pages listed again.
    const sent: string[] = [];
    client.middlewareStack.add((next, context) => (args) => (sent.push(String(context.commandName)), next(args)), { step: 'initialize', name: 'count-requests' });
    expect(await ids(24, 5)).toEqual(['e05', 'e04', 'e03', 'e02', 'e01']);
    expect(await ids(0, 2)).toEqual(['e29', 'e28']);
    expect(sent).toEqual(['GetItemCommand', 'BatchGetItemCommand', 'GetItemCommand', 'BatchGetItemCommand']);
    client.middlewareStack.remove('count-requests');
    // Put as appendAuditLog puts it, but the count never added to.
    const orphan = auditRecord('orphan', at(40));
    await client.send(new PutCommand({ TableName: tableName, Item: { ...orphan, _kind: 'audit', pk: auditShardPk('orphan'), sk: auditSk(orphan.when, 'orphan'), expires_at: Math.floor(Date.now() / 1000) + 86_400 * 2 } }));
    await store.appendAuditLog(auditRecord('next', at(41)));
    expect(await ids(0, 3)).toEqual(['next', 'orphan', 'e29']);
    expect(await ids(29, 5)).toEqual(['e02', 'e01', 'e00']);
  });

  test('kept places of the oldest dataset events: a page listed again is one Query of its items; new events are merged in from a window, a late one drops the copy', async () => {
    const tableName = await newTable();
    const client = createDocumentClient(raw);
    const store = new DynamoMetadataStore({ client, tableName });
    const now = Date.now() * 1000;
    const event = (id: number) => ({ id, uri: 's3://b/x', extra: {}, source_dag_id: null, source_task_id: null, source_run_id: null, source_map_index: -1, timestamp: new Date(Math.floor(id / 1000)).toISOString() });
    for (let i = 0; i < 30; i++) await store.appendDatasetEvent(event(now - 60_000_000 + i * 1000));
    const ids = async (offset: number, limit: number) => (await store.listDatasetEvents({ offset, limit })).items.map((e) => (e.id - now) / 1000);
    expect(await ids(25, 10)).toEqual([-59_975, -59_974, -59_973, -59_972, -59_971]);
    const sent: string[] = [];
    client.middlewareStack.add((next, context) => (args) => (sent.push(String(context.commandName)), next(args)), { step: 'initialize', name: 'count-requests' });
    expect(await ids(20, 2)).toEqual([-59_980, -59_979]);
    expect(sent.splice(0)).toEqual(['BatchGetItemCommand', 'QueryCommand']);
    // Appended a little late, before the newest: one Query of the recent window, then the page.
    await store.appendDatasetEvent(event(now - 59_974_500));
    sent.length = 0;
    expect(await ids(25, 3)).toEqual([-59_975, -59_974.5, -59_974]);
    expect(sent.splice(0)).toEqual(['BatchGetItemCommand', 'QueryCommand', 'QueryCommand']);
    // Made ten minutes before its put: the copy is read again (from the first event to the page).
    await store.appendDatasetEvent(event(now - 600_000_000));
    expect(sent.filter((name) => name === 'UpdateItemCommand')).toHaveLength(4); // two counts, the late-events counter, the URI's newest (refused: older)
    sent.length = 0;
    expect(await ids(0, 2)).toEqual([-600_000, -60_000]);
    expect(await ids(26, 3)).toEqual([-59_975, -59_974.5, -59_974]);
    client.middlewareStack.remove('count-requests');
  });
});

describe('the daily repair of kept counts', () => {
  const HOUR = 3_600_000;
  const event = (id: number, uri = 's3://b/x') => ({ id, uri, extra: {}, source_dag_id: null, source_task_id: null, source_run_id: null, source_map_index: -1, timestamp: new Date(Math.floor(id / 1000)).toISOString() });
  const countItem = async (client: ReturnType<typeof createDocumentClient>, tableName: string, name: string) =>
    (await client.send(new GetCommand({ TableName: tableName, Key: { pk: `COUNT#${name}`, sk: 'COUNT' } }))).Item ?? {};

  test('mends a total a dead writer left short (events overall and per URI, a final audit day) and the newest event it left behind, once a day, and leaves recent or lapsed counts alone', async () => {
    const tableName = await newTable();
    const client = createDocumentClient(raw);
    // Audit entries expire two days after they were written (the real time: \`expires_at\`), in the count
    // bucket of the day that ends in: final a day before that day ends, lapsed when it has.
    const store = new DynamoMetadataStore({ client, tableName, auditRetentionDays: 2 });
    const start = Date.now();
    for (let i = 0; i < 5; i++) await store.appendDatasetEvent(event((start - 10 * HOUR) * 1000 + i, i < 3 ? 's3://b/x' : 's3://b/y'));
    for (let i = 0; i < 4; i++) await store.appendAuditLog(auditRecord(`a${i}`, new Date(start).toISOString()));
    // Writers that died between the item and its count: an event of y, an audit entry.
    await client.send(new PutCommand({ TableName: tableName, Item: { ...event((start - 10 * HOUR) * 1000 + 9, 's3://b/y'), _kind: 'dataset_event', pk: 'DATASET_EVENTS', sk: String((start - 10 * HOUR) * 1000 + 9).padStart(16, '0'), gsi1pk: 'DATASET_EVENTS#s3://b/y', gsi1sk: String((start - 10 * HOUR) * 1000 + 9).padStart(16, '0') } }));
    const orphan = auditRecord('orphan', new Date(start).toISOString());
    const auditItem = (await client.send(new ScanCommand({ TableName: tableName }))).Items!.find((i) => i._kind === 'audit')!;
    await client.send(new PutCommand({ TableName: tableName, Item: { ...orphan, _kind: 'audit', pk: auditShardPk('orphan'), sk: auditSk(orphan.when, 'orphan'), expires_at: auditItem.expires_at } }));
    expect((await store.listDatasetEvents({ limit: 1 })).total).toBe(5);
    expect((await store.listAuditLog({ limit: 1 })).total).toBe(4);
    const newestOfY = async () => (await store.listDatasetUpdates()).find((u) => u.uri === 's3://b/y')?.newest?.id;
    expect(await newestOfY()).toBe((start - 10 * HOUR) * 1000 + 4);

    // Today's audit day can still get appends: only the events are mended now.
    expect(await store.repairKeptCounts(new Date(start))).toEqual(['DATASET_EVENTS: 5 -> 6', 'DATASET_EVENTS#s3://b/y: 2 -> 3']);
    expect((await store.listDatasetEvents({ limit: 1 })).total).toBe(6);
    expect((await store.listDatasetEvents({ uri: 's3://b/y' })).total).toBe(3);
    expect(await newestOfY()).toBe((start - 10 * HOUR) * 1000 + 9);
    // Not again the same day.
    await client.send(new UpdateCommand({ TableName: tableName, Key: { pk: 'COUNT#DATASET_EVENTS', sk: 'COUNT' }, UpdateExpression: 'ADD n :m', ExpressionAttributeValues: { ':m': -1 } }));
    expect(await store.repairKeptCounts(new Date(start + HOUR))).toEqual([]);
    // A day later the audit day is final (appends go to later days) and not lapsed, whatever the time of day the test started.
    const bucket = Object.keys(await countItem(client, tableName, 'AUDIT')).find((k) => k.startsWith('d'))!;
    expect(await store.repairKeptCounts(new Date(start + 25 * HOUR))).toEqual(['DATASET_EVENTS: 5 -> 6', `AUDIT[${bucket}]: 4 -> 5`]);
    expect((await store.listAuditLog({ limit: 1 })).total).toBe(5);
    // An event written a moment ago may still be counted by its writer: the events wait for the next day.
    await client.send(new UpdateCommand({ TableName: tableName, Key: { pk: 'COUNT#DATASET_EVENTS', sk: 'COUNT' }, UpdateExpression: 'ADD n :m', ExpressionAttributeValues: { ':m': -1 } }));
    await store.appendDatasetEvent(event((start + 49 * HOUR - 60_000) * 1000));
    expect(await store.repairKeptCounts(new Date(start + 49 * HOUR))).toEqual([]);
    expect(await store.repairKeptCounts(new Date(start + 73 * HOUR))).toEqual(['DATASET_EVENTS: 6 -> 7']);
  });
});


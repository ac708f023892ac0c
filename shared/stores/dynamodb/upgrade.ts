/**
 * Brings a metadata table made by an older skydag up to the current definition: a table without the
 * active-runs index (gsi2) gets it, and every run item gets its gsi2 attributes (the sort key always,
 * the partition key while the run is queued or running), so runs that were active before the upgrade
 * are listed and runs cleared later enter the index.
 *
 * DynamoDB (and DynamoDB Local) add an index online (UpdateTable); dynalite, the local-mode server,
 * accepts the request but never builds the index, so there the table is rebuilt through a side table:
 * copy out, recreate, copy back. The side table is kept until the copy back is done, so an upgrade
 * that dies half-way is finished at the next start.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';

import { isActiveRunState } from '../metadata.js';
import { ACTIVE_RUNS_PK, activeRunSk, AUDIT_COUNT, DATASET_EVENTS_PK, datasetUriKey, GSI1, GSI1_PK, GSI1_SK, GSI2, GSI2_PK, GSI2_SK, RUN_SK, tasksByDagPk, tasksByDagSk, TI_PREFIX } from './keys.js';
import { KIND, ORD, RUN_LOGICAL_DATE } from './items.js';
import { ALL, auditCountBucket, auditExpiry, countKey } from './kept-counts.js';
import { METADATA_TTL_ATTRIBUTE } from './table.js';
import { TASK_LIST, taskListItem } from './task-lists.js';

type Send = DynamoDBClient['send'];
type RawItem = Record<string, AttributeValue>;

export interface UpgradeOptions {
  /** The current table definition (metadataTableDefinition). */
  definition: ConstructorParameters<typeof CreateTableCommand>[0];
  waitActive: (tableName: string) => Promise<TableDescription>;
  /**
   * May the table be rebuilt (dropped and recreated) when the server cannot add the index? Only for
   * a local store with one opener (dynalite under its lock); never for a shared cloud table.
   */
  allowRebuild?: boolean;
}

const hasIndex = (table: TableDescription | undefined, name: string) => (table?.GlobalSecondaryIndexes ?? []).some((i) => i.IndexName === name);
const sideTableName = (tableName: string) => `${tableName}-upgrade`;

/**
 * Sets string attributes of an item that still exists and has no `guard` attribute yet; false when it
 * was deleted or given them meanwhile (an upgrade pass may run beside the new code's writers).
 */
async function setOnce(send: Send, tableName: string, key: RawItem, guard: string, values: Readonly<Record<string, string>>): Promise<boolean> {
  const names = Object.keys(values);
  try {
    await send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#g)',
        ExpressionAttributeNames: { '#g': guard, ...Object.fromEntries(names.map((n, i) => [`#a${i}`, n])) },
        ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:a${i}`, { S: values[n]! }])),
      }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    return false;
  }
}

async function describe(send: Send, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** The gsi2 attributes of a run item (undefined for any other item, or one that has them). */
function activeRunIndexOf(item: RawItem): RawItem | undefined {
  if (item[KIND]?.S !== 'run' || item[GSI2_SK]) return undefined;
  const [dagId, runId, logicalDate, state] = ['dag_id', 'run_id', 'logical_date', 'state'].map((a) => item[a]?.S);
  if (dagId === undefined || runId === undefined || logicalDate === undefined) return undefined;
  return { [GSI2_SK]: { S: activeRunSk(dagId, logicalDate, runId) }, ...(state !== undefined && isActiveRunState(state) ? { [GSI2_PK]: { S: ACTIVE_RUNS_PK } } : {}) };
}

async function* scan(send: Send, tableName: string): AsyncGenerator<RawItem[]> {
  let start: RawItem | undefined;
  do {
    const page = await send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
    yield page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}

/** Copies every item of `from` into `to` (puts: a repeated copy is harmless), adding runs' gsi2 attributes. */
async function copyItems(send: Send, from: string, to: string): Promise<void> {
  for await (const items of scan(send, from)) {
    for (let i = 0; i < items.length; i += 25) {
      let requests = items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: { ...item, ...activeRunIndexOf(item) } } }));
      while (requests.length) {
        const { UnprocessedItems } = await send(new BatchWriteItemCommand({ RequestItems: { [to]: requests } }));
        requests = (UnprocessedItems?.[to] ?? []) as typeof requests;
      }
    }
  }
}

/** Sets the gsi2 attributes of every run item that lacks them, in place. */
export async function backfillActiveRunsIndex(send: Send, tableName: string): Promise<number> {
  let updated = 0;
  for await (const items of scan(send, tableName)) {
    for (const item of items) {
      const index = activeRunIndexOf(item);
      if (!index) continue;
      const names = Object.keys(index);
      await send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { pk: item.pk!, sk: item.sk! },
          UpdateExpression: `SET ${names.map((_, n) => `#a${n} = :v${n}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#a0)',
          ExpressionAttributeNames: Object.fromEntries(names.map((name, n) => [`#a${n}`, name])),
          ExpressionAttributeValues: Object.fromEntries(names.map((name, n) => [`:v${n}`, index[name]!])),
        }),
      ).then(
        () => updated++,
        (error: unknown) => {
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error; // deleted or indexed meanwhile
        },
      );
    }
  }
  return updated;
}

/** Written once a backfill pass over the whole table completed: later calls skip the scan. */
export const ACTIVE_RUNS_BACKFILL_MARKER = { pk: { S: 'UPGRADES' }, sk: { S: 'ID#gsi2-backfill' } } satisfies RawItem;

/**
 * The cloud's automatic backfill (the reconciler calls it once per container): after the deploy that
 * added gsi2, indexes the runs written before it, then records the marker item so no later call scans
 * again. The marker is written only after a complete pass, so a call that dies half-way is redone by
 * the next (the backfill's writes are conditional and repeatable). Returns the runs indexed, or
 * 'done' when the marker was there, or 'index-not-ready' while DynamoDB is still building the index
 * (nothing is written; a later call does it).
 */
export async function backfillActiveRunsIndexOnce(send: Send, tableName: string, now: () => string): Promise<number | 'done' | 'index-not-ready'> {
  const marker = await send(new GetItemCommand({ TableName: tableName, Key: ACTIVE_RUNS_BACKFILL_MARKER, ConsistentRead: true }));
  if (marker.Item) return 'done';
  const index = (await describe(send, tableName))?.GlobalSecondaryIndexes?.find((i) => i.IndexName === GSI2);
  if (index?.IndexStatus !== 'ACTIVE') return 'index-not-ready';
  const updated = await backfillActiveRunsIndex(send, tableName);
  await send(new PutItemCommand({ TableName: tableName, Item: { ...ACTIVE_RUNS_BACKFILL_MARKER, done_at: { S: now() }, runs_indexed: { N: String(updated) } } }));
  return updated;
}

/**
 * Upgrades `tableName` when it lacks the active-runs index (or an upgrade was interrupted); a no-op
 * for a current table. Returns the table as it is afterwards.
 */
export async function upgradeMetadataTable(send: Send, tableName: string, table: TableDescription | undefined, options: UpgradeOptions): Promise<TableDescription | undefined> {
  const side = sideTableName(tableName);
  const sideTable = await describe(send, side);
  // Nothing to do: no table yet (it is created current), a current one, or one that is not skydag's (refused by the caller).
  if (!sideTable && (!table || hasIndex(table, GSI2) || !hasIndex(table, GSI1))) return table;
  if (!sideTable && table) {
    // DynamoDB builds the index online; dynalite accepts the request and ignores it.
    const gsi2 = options.definition.GlobalSecondaryIndexes?.find((i) => i.IndexName === GSI2);
    const attributes = options.definition.AttributeDefinitions?.filter((a) => a.AttributeName === GSI2_PK || a.AttributeName === GSI2_SK);
    let refused: unknown;
    await send(new UpdateTableCommand({ TableName: tableName, AttributeDefinitions: attributes, GlobalSecondaryIndexUpdates: [{ Create: gsi2! }] })).catch((error: unknown) => (refused = error));
    const after = await options.waitActive(tableName);
    if (hasIndex(after, GSI2)) {
      await backfillActiveRunsIndex(send, tableName);
      return after;
    }
    if (!options.allowRebuild) {
      throw new Error(
        `DynamoDB table '${tableName}' lacks the active-runs index ${GSI2} and the server did not add it (${refused instanceof Error ? refused.message : 'request ignored'}); ` +
          'add the index (deploy the current stack) and run backfillActiveRunsIndex',
        { cause: refused },
      );
    }
    // Rebuild: copy out to the side table (which marks an upgrade in progress), then drop the table.
    await send(new CreateTableCommand({ ...options.definition, TableName: side }));
    await options.waitActive(side);
    await copyItems(send, tableName, side);
    await send(new DeleteTableCommand({ TableName: tableName }));
  } else if (!options.allowRebuild) {
    throw new Error(`DynamoDB table '${tableName}' has an interrupted upgrade (the side table '${side}' exists); open it with a local store to finish it`);
  } else if (table && !hasIndex(table, GSI2)) {
    // Died while copying out: the old table is whole; start again.
    await send(new DeleteTableCommand({ TableName: side }));
    return upgradeMetadataTable(send, tableName, table, options);
  } else if (table) {
    // Died while copying back: the side table is whole; copy again (puts are idempotent).
    await copyItems(send, side, tableName);
    await send(new DeleteTableCommand({ TableName: side }));
    return options.waitActive(tableName);
  }
  // The table is gone and the side table holds everything: recreate it and copy back.
  await send(new CreateTableCommand(options.definition));
  await options.waitActive(tableName);
  await copyItems(send, side, tableName);
  await send(new DeleteTableCommand({ TableName: side }));
  return options.waitActive(tableName);
}

/**
 * The table's data version, kept in one item: 2 = task instances carry their place in the
 * task-instances-by-DAG index (gsi1); 3 = listings' totals are kept (kept-counts.ts) and audit entries
 * lapse at the end of a day; 4 = runs name their task list (task-lists.ts). A table below it is
 * backfilled when opened (once: the marker is written after), so opening a current table costs one
 * GetItem.
 */
export const DATA_VERSION = 4;
const DATA_VERSION_KEY = { pk: { S: 'SCHEMA' }, sk: { S: 'DATA_VERSION' } };

/** Items the store writes about itself when a table is opened or upgraded (not user data: an opened table is still empty). */
export function isUpgradeBookkeeping(item: { pk?: { S?: string } }): boolean {
  return item.pk?.S === DATA_VERSION_KEY.pk.S || item.pk?.S === ACTIVE_RUNS_BACKFILL_MARKER.pk.S;
}

export async function upgradeMetadataData(send: Send, tableName: string): Promise<void> {
  const marker = await send(new GetItemCommand({ TableName: tableName, Key: DATA_VERSION_KEY, ConsistentRead: true }));
  if (Number(marker.Item?.version?.N ?? 0) >= DATA_VERSION) return;
  const version = Number(marker.Item?.version?.N ?? 0);
  if (version < 2) await backfillTaskInstanceIndex(send, tableName);
  if (version < 3) await backfillKeptCounts(send, tableName);
  await backfillTaskLists(send, tableName);
  await send(new PutItemCommand({ TableName: tableName, Item: { ...DATA_VERSION_KEY, [KIND]: { S: 'data-version' }, version: { N: String(DATA_VERSION) } } }));
}

/** Gives every task instance (map_index -1) that lacks it its gsi1 key, from its run's logical date; safe to run concurrently. */
export async function backfillTaskInstanceIndex(send: Send, tableName: string): Promise<number> {
  const runDates = new Map<string, string | undefined>();
  let updated = 0;
  for await (const items of scan(send, tableName)) {
    for (const item of items) {
      if (item[KIND]?.S !== 'ti' || !item.sk?.S?.startsWith('TI#') || item[GSI1_PK]) continue;
      const pk = item.pk!.S!;
      if (!runDates.has(pk)) {
        const run = await send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: RUN_SK } }, ConsistentRead: true }));
        runDates.set(pk, run.Item?.logical_date?.S);
      }
      const logicalDate = runDates.get(pk);
      const [dagId, runId] = [item.dag_id?.S, item.run_id?.S];
      if (logicalDate === undefined || dagId === undefined || runId === undefined) continue; // its run is gone
      if (
        await setOnce(send, tableName, { pk: item.pk!, sk: item.sk! }, GSI1_PK, {
          [GSI1_PK]: tasksByDagPk(dagId),
          [GSI1_SK]: tasksByDagSk(logicalDate, runId, Number(item[ORD]?.N ?? 0)),
          [RUN_LOGICAL_DATE]: logicalDate,
        })
      ) {
        updated++;
      }
    }
  }
  return updated;
}

/**
 * Gives every run that names no task list the list of its task instances (map_index -1, in creation
 * order), read from its item collection: listings of its DAG then follow the runs instead of the
 * index (task-lists.ts). Conditional (a run deleted or given a list meanwhile is left alone); a run
 * whose list would not fit in an item keeps none. Run it where no older skydag creates runs meanwhile
 * (a local store opens under its lock): a run whose task instances were still being written would
 * get a short list.
 */
export async function backfillTaskLists(send: Send, tableName: string): Promise<number> {
  let updated = 0;
  /** Lists put in this pass (runs of a DAG mostly share one). */
  const stored = new Set<string>();
  for await (const items of scan(send, tableName)) {
    for (const item of items) {
      if (item[KIND]?.S !== 'run' || item.sk?.S !== RUN_SK || item[TASK_LIST]) continue;
      const tis: { ord: number; taskId: string }[] = [];
      let start: RawItem | undefined;
      do {
        const page = await send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :ti)',
            ProjectionExpression: '#t, #o',
            ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#t': 'task_id', '#o': ORD },
            ExpressionAttributeValues: { ':pk': item.pk!, ':ti': { S: TI_PREFIX } },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const ti of page.Items ?? []) if (ti.task_id?.S !== undefined) tis.push({ ord: Number(ti[ORD]?.N ?? 0), taskId: ti.task_id.S });
        start = page.LastEvaluatedKey;
      } while (start);
      const list = taskListItem(tis.sort((a, b) => a.ord - b.ord).map((ti) => ti.taskId));
      if (!list) continue;
      if (!stored.has(list.name)) {
        await send(new PutItemCommand({ TableName: tableName, Item: Object.fromEntries(Object.entries(list.item).map(([name, value]) => [name, { S: String(value) }])) }));
        stored.add(list.name);
      }
      if (await setOnce(send, tableName, { pk: item.pk!, sk: item.sk! }, TASK_LIST, { [TASK_LIST]: list.name })) updated++;
    }
  }
  return updated;
}

/**
 * Counts what the kept counts count (dataset events, overall and per URI; audit entries by the day
 * they lapse, each entry's expiry moved to the end of its day) and writes the counts; registers the
 * URIs that have events. Absolute
 * writes: run it where nothing appends meanwhile (a local store opens under its lock; a cloud table
 * made before kept counts has no such writers before the deploy that adds them).
 */
export async function backfillKeptCounts(send: Send, tableName: string): Promise<void> {
  const counts = new Map<string, Map<string, number>>();
  const uris = new Set<string>();
  const count = (name: string, bucket: string) => {
    let buckets = counts.get(name);
    if (!buckets) counts.set(name, (buckets = new Map()));
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
  };
  for await (const items of scan(send, tableName)) {
    for (const item of items) {
      if (item.pk?.S === DATASET_EVENTS_PK && item[GSI1_PK]?.S) {
        count(DATASET_EVENTS_PK, ALL);
        count(item[GSI1_PK].S, ALL);
        if (item.uri?.S) uris.add(item.uri.S);
      } else if (item[KIND]?.S === 'audit' && item.pk?.S?.startsWith('AUDIT')) {
        const ttl = Number(item[METADATA_TTL_ATTRIBUTE]?.N ?? NaN);
        if (!Number.isFinite(ttl)) {
          count(AUDIT_COUNT, ALL); // written before entries lapsed: kept forever
          continue;
        }
        const aligned = auditExpiry(ttl);
        if (aligned !== ttl) {
          await send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: { pk: item.pk, sk: item.sk! },
              UpdateExpression: 'SET #t = :t',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#t': METADATA_TTL_ATTRIBUTE },
              ExpressionAttributeValues: { ':t': { N: String(aligned) } },
            }),
          ).catch((error: unknown) => {
            if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error; // lapsed and deleted meanwhile
          });
        }
        count(AUDIT_COUNT, auditCountBucket(aligned));
      }
    }
  }
  for (const uri of uris) {
    const key = datasetUriKey(uri);
    await send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: key.pk }, sk: { S: key.sk }, [KIND]: { S: 'dataset-uri' }, uri: { S: uri } } }));
  }
  for (const [name, buckets] of counts) {
    const key = countKey(name);
    await send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: key.pk }, sk: { S: key.sk }, ...Object.fromEntries([...buckets].map(([b, n]) => [b, { N: String(n) }])) } }));
  }
}

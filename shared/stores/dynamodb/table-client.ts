/**
 * Thin helpers over the document client for one table: paged queries and counts, batched writes with
 * retries of unprocessed items, and the translation of provider errors the adapter cares about.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  type PutCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';

import { ItemTooLargeError } from '../metadata.js';
import { fromAttributeMap, type Item } from './items.js';
import type { Key } from './keys.js';

/** BatchWriteItem takes at most 25 requests. */
const BATCH_SIZE = 25;
const BATCH_ATTEMPTS = 8;
/** BatchWriteItem calls of one batch write under way at once. */
const BATCH_WRITES_IN_FLIGHT = 4;

/** One string per item key. */
const itemId = (key: { pk?: unknown; sk?: unknown }): string => `${String(key.pk)}\u0000${String(key.sk)}`;

/** Whether two write requests name the same item (a put or a delete of the same key). */
function repeatsAKey(requests: readonly Record<string, unknown>[]): boolean {
  const seen = new Set<string>();
  for (const request of requests) {
    const { PutRequest, DeleteRequest } = request as { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } };
    const id = itemId(PutRequest?.Item ?? DeleteRequest?.Key ?? {});
    if (seen.has(id)) return true;
    seen.add(id);
  }
  return false;
}

type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;

/** Provider errors are recognised by name, not class (the SDK may be loaded twice, or in another realm). */
const errorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string' ? (error as { name: string }).name : undefined;
const errorMessage = (error: unknown): string => String((error as { message?: unknown })?.message ?? error);

export function isConditionalCheckFailed(error: unknown): error is Error & { Item?: Record<string, AttributeValue> } {
  return errorName(error) === 'ConditionalCheckFailedException';
}

/** The item a failed conditional write saw (DynamoDB with `ReturnValuesOnConditionCheckFailure: ALL_OLD`; emulators may omit it). */
export function itemOfConditionFailure(error: Error & { Item?: Record<string, AttributeValue> }): Item | undefined {
  return error.Item && Object.keys(error.Item).length ? fromAttributeMap(error.Item) : undefined;
}

const isItemTooLarge = (error: unknown) => errorName(error) === 'ValidationException' && /item size|exceeded the maximum/i.test(errorMessage(error));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TableClient {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Runs a command, turning errors that need context into ones that say what to do. */
  private async run<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (isItemTooLarge(error)) {
        throw new ItemTooLargeError(`${what}: the item exceeds DynamoDB's 400 KB item limit (${errorMessage(error)})`, { cause: error });
      }
      if (errorName(error) === 'ResourceNotFoundException') {
        throw new Error(
          `${what}: DynamoDB table '${this.tableName}' not found (${errorMessage(error)}); create it with createMetadataTable() or deploy the stack`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async get(key: Key, what = 'GetItem'): Promise<Item | undefined> {
    const out = await this.run(what, () => this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })));
    return out.Item;
  }

  async put(input: Omit<PutCommandInput, 'TableName'>, what = 'PutItem'): Promise<Item | undefined> {
    const out = await this.run(what, () => this.client.send(new PutCommand({ ...input, TableName: this.tableName })));
    return out.Attributes;
  }

  async update(input: Omit<UpdateCommandInput, 'TableName'>, what = 'UpdateItem'): Promise<Item | undefined> {
    const out = await this.run(what, () => this.client.send(new UpdateCommand({ ...input, TableName: this.tableName })));
    return out.Attributes;
  }

  async delete(input: Omit<DeleteCommandInput, 'TableName'>, what = 'DeleteItem'): Promise<Item | undefined> {
    const out = await this.run(what, () => this.client.send(new DeleteCommand({ ...input, TableName: this.tableName })));
    return out.Attributes;
  }

  /**
   * Query pages, in key order, until `enough(itemsSoFar)` says stop or the results end. Each request
   * asks for at most `pageLimit(itemsSoFar)` items (DynamoDB applies Limit before the filter).
   */
  async query(
    input: QueryInput,
    options: { enough?: (items: Item[]) => boolean; pageLimit?: (items: Item[]) => number | undefined; start?: Record<string, unknown> } = {},
    what = 'Query',
  ): Promise<{ items: Item[]; exhausted: boolean }> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined = options.start;
    do {
      const limit = options.pageLimit?.(items);
      const out = await this.run(what, () =>
        this.client.send(
          new QueryCommand({
            ...input,
            TableName: this.tableName,
            ...(limit !== undefined ? { Limit: limit } : {}),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
      if (start && options.enough?.(items)) return { items, exhausted: false };
    } while (start);
    return { items, exhausted: true };
  }

  /** One request of a query: at most `limit` items (before the filter) from `start`, and where the next begins. */
  async queryPage(input: QueryInput, limit: number, start: Record<string, unknown> | undefined, what = 'Query'): Promise<{ items: Item[]; exhausted: boolean; next: Record<string, unknown> | undefined }> {
    const out = await this.run(what, () => this.client.send(new QueryCommand({ ...input, TableName: this.tableName, Limit: limit, ...(start ? { ExclusiveStartKey: start } : {}) })));
    return { items: out.Items ?? [], exhausted: !out.LastEvaluatedKey, next: out.LastEvaluatedKey };
  }

  /** Every item a query matches. */
  async queryAll(input: QueryInput, what = 'Query'): Promise<Item[]> {
    return (await this.query(input, {}, what)).items;
  }

  /** How many items a query matches (`Select: COUNT`: nothing is transferred, but every item is still read). */
  async count(input: QueryInput, what = 'Query (count)'): Promise<number> {
    let total = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.run(what, () =>
        this.client.send(new QueryCommand({ ...input, TableName: this.tableName, Select: 'COUNT', ...(start ? { ExclusiveStartKey: start } : {}) })),
      );
      total += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return total;
  }

  /**
   * Passes over the first `n` items of an unfiltered query without transferring them (`Select: COUNT`
   * with `Limit`: DynamoDB still reads them, but returns only where it stopped). Returns the key to
   * start the rest from and how many were passed (fewer than `n`: the query has no more).
   */
  async skip(input: QueryInput, n: number, what = 'Query (skip)'): Promise<{ start: Record<string, unknown> | undefined; skipped: number }> {
    if (input.FilterExpression) throw new Error(`${what}: a filtered query cannot be skipped by count (Limit applies before the filter)`);
    let skipped = 0;
    let start: Record<string, unknown> | undefined;
    while (skipped < n) {
      const out = await this.run(what, () =>
        this.client.send(new QueryCommand({ ...input, TableName: this.tableName, Select: 'COUNT', Limit: n - skipped, ...(start ? { ExclusiveStartKey: start } : {}) })),
      );
      skipped += out.Count ?? 0;
      start = out.LastEvaluatedKey;
      if (!start) break;
    }
    return { start, skipped };
  }

  /**
   * Strongly consistent reads of up to 100 items in one BatchGetItem (unprocessed keys retried); in `keys`
   * order. `attributes`: only these of each item (besides its key).
   */
  async batchGet(keys: readonly Key[], what = 'BatchGetItem', attributes?: readonly string[]): Promise<(Item | undefined)[]> {
    const projection = attributes && {
      ProjectionExpression: ['pk', 'sk', ...attributes].map((_, i) => `#p${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(['pk', 'sk', ...attributes].map((name, i) => [`#p${i}`, name])),
    };
    const found = new Map<string, Item>();
    let pending: Record<string, unknown>[] = keys.map((key) => ({ pk: key.pk, sk: key.sk }));
    for (let attempt = 1; pending.length; attempt++) {
      if (attempt > BATCH_ATTEMPTS) throw new Error(`${what}: ${pending.length} reads still unprocessed after ${BATCH_ATTEMPTS} attempts (throttled?)`);
      const out = await this.run(what, () => this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true, ...projection } } })));
      for (const item of out.Responses?.[this.tableName] ?? []) found.set(itemId(item), item);
      pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      if (pending.length) await sleep(Math.min(1000, 25 * 2 ** attempt));
    }
    return keys.map((key) => found.get(itemId(key)));
  }

  async batchPut(items: readonly Item[], what = 'BatchWriteItem'): Promise<void> {
    await this.batchWrite(items.map((Item) => ({ PutRequest: { Item } })), what);
  }

  async batchDelete(keys: readonly Key[], what = 'BatchWriteItem'): Promise<void> {
    await this.batchWrite(keys.map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } })), what);
  }

  /**
   * Not atomic: 25 requests per call, unprocessed ones retried with backoff, up to BATCH_WRITES_IN_FLIGHT
   * calls at once (a run's task instances are one wave of calls, not one call after another). Requests
   * naming a key twice go one call after another, so the later one still wins. On a failure no further
   * call starts; the calls under way end before the first error is thrown.
   */
  private async batchWrite(requests: readonly Record<string, unknown>[], what: string): Promise<void> {
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < requests.length; i += BATCH_SIZE) chunks.push(requests.slice(i, i + BATCH_SIZE));
    const inFlight = repeatsAKey(requests) ? 1 : BATCH_WRITES_IN_FLIGHT;
    let next = 0;
    let failure: { error: unknown } | undefined;
    const lane = async () => {
      while (next < chunks.length && !failure) {
        try {
          await this.writeChunk(chunks[next++]!, what);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, chunks.length) }, lane));
    if (failure) throw failure.error;
  }

  private async writeChunk(chunk: Record<string, unknown>[], what: string): Promise<void> {
    let pending = chunk;
    for (let attempt = 1; pending.length; attempt++) {
      if (attempt > BATCH_ATTEMPTS) throw new Error(`${what}: ${pending.length} writes still unprocessed after ${BATCH_ATTEMPTS} attempts (throttled?)`);
      const out = await this.run(what, () => this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } })));
      pending = (out.UnprocessedItems?.[this.tableName] ?? []) as Record<string, unknown>[];
      if (pending.length) await sleep(Math.min(1000, 25 * 2 ** attempt));
    }
  }
}

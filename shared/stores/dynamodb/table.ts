/**
 * The metadata table's definition and an idempotent creator for local mode and tests (CDK creates
 * the same table in the cloud: keep `infra/` in step with {@link metadataTableDefinition}).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

import { GSI1, GSI1_PK, GSI1_SK, GSI2, GSI2_PK, GSI2_SK, PK, SK } from './keys.js';
import { upgradeMetadataData, upgradeMetadataTable } from './upgrade.js';

/**
 * The attribute DynamoDB's TTL deletes items by (epoch seconds): sign-in failure counts. DynamoDB Local
 * and dynalite do not expire items, so readers check it themselves; the CDK stack turns TTL on.
 */
export const METADATA_TTL_ATTRIBUTE = 'expires_at';

/** The table: string `pk`/`sk`, two GSIs (`gsi1pk`/`gsi1sk`; the sparse active runs `gsi2pk`/`gsi2sk`; all attributes projected), on demand. */
export function metadataTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: PK, AttributeType: 'S' },
      { AttributeName: SK, AttributeType: 'S' },
      { AttributeName: GSI1_PK, AttributeType: 'S' },
      { AttributeName: GSI1_SK, AttributeType: 'S' },
      { AttributeName: GSI2_PK, AttributeType: 'S' },
      { AttributeName: GSI2_SK, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: PK, KeyType: 'HASH' },
      { AttributeName: SK, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: GSI1,
        KeySchema: [
          { AttributeName: GSI1_PK, KeyType: 'HASH' },
          { AttributeName: GSI1_SK, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        // Sparse: only queued and running runs carry gsi2pk (see keys.ts).
        IndexName: GSI2,
        KeySchema: [
          { AttributeName: GSI2_PK, KeyType: 'HASH' },
          { AttributeName: GSI2_SK, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

export interface CreateMetadataTableOptions {
  /** How long to wait for the table (and its index) to become ACTIVE. @default 60_000 */
  timeoutMs?: number;
  /** Delay between DescribeTable polls. @default 50 */
  pollMs?: number;
  /** A table of an older skydag may be rebuilt to add an index the server cannot add online (local stores only: see upgrade.ts). */
  allowRebuild?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errorName = (error: unknown) => (typeof error === 'object' && error !== null ? String((error as { name?: unknown }).name) : '');

/**
 * Creates the metadata table unless it exists, then waits until it and its indexes are ACTIVE; a
 * table of an older skydag gets the indexes it lacks (see upgrade.ts).
 * Safe to call concurrently and on every start. Throws when a table of that name exists with another
 * key schema or without the index (it was not made for skydag).
 */
export async function createMetadataTable(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
  options: CreateMetadataTableOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 50;
  const send = client.send.bind(client) as DynamoDBClient['send'];
  let table = await describe(send, tableName);
  if (!table) {
    try {
      await send(new CreateTableCommand(metadataTableDefinition(tableName)));
    } catch (error) {
      if (errorName(error) !== 'ResourceInUseException') throw error; // another process created it first
    }
  }
  const waitActive = async (name: string): Promise<TableDescription> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const described = await describe(send, name);
      if (described && isActive(described)) return described;
      if (Date.now() > deadline) throw new Error(`DynamoDB table '${name}' did not become ACTIVE within ${timeoutMs} ms`);
      await sleep(pollMs);
    }
  };
  table = await waitActive(tableName);
  // A table an older skydag made (or an upgrade that was interrupted) is brought up to date.
  table = (await upgradeMetadataTable(send, tableName, table, { definition: metadataTableDefinition(tableName), waitActive, allowRebuild: options.allowRebuild ?? false })) ?? table;
  checkSchema(tableName, table);
  // Items written by an older skydag get what the current one indexes them by.
  await upgradeMetadataData(send, tableName);
}

async function describe(send: DynamoDBClient['send'], tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function isActive(table: TableDescription): boolean {
  return table.TableStatus === 'ACTIVE' && (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === undefined || index.IndexStatus === 'ACTIVE');
}

function checkSchema(tableName: string, table: TableDescription): void {
  const keys = (schema: readonly { AttributeName?: string; KeyType?: string }[] | undefined) =>
    (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  const expected = metadataTableDefinition(tableName);
  const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === GSI1);
  if (keys(table.KeySchema) !== keys(expected.KeySchema) || !index || keys(index.KeySchema) !== keys(expected.GlobalSecondaryIndexes?.[0]?.KeySchema)) {
    throw new Error(
      `DynamoDB table '${tableName}' exists but is not a skydag metadata table (expected key ${keys(expected.KeySchema)} and index ${GSI1}); ` +
        'choose another table name or delete that table',
    );
  }
}

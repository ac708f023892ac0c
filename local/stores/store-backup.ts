/**
 * Backup and restore of the embedded store (`skydag db export|import|reset`): every item of the
 * metadata table, exactly as stored (DynamoDB JSON: secrets stay encrypted, so a backup is only
 * readable with the same secret key), and every blob the store offloaded (large XComs, DAG models).
 *
 * The export is JSON lines: a header, one `{"Item": …}` per item (the line format of DynamoDB's own
 * export to S3), one `{"Blob": {"key", "base64"}}` per blob, and a trailer with the counts and the
 * SHA-256 of the lines before it, so a cut or altered file is refused as a whole. An import checks
 * the whole file before it writes anything, and writes only into an empty store unless told to
 * replace its contents. A reset moves the store aside (never deletes it) and leaves an empty one.
 */
import { BatchWriteItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { assertValidBlobKey, type BlobStore } from '../../shared/stores/blob.js';
import { isUpgradeBookkeeping } from '../../shared/stores/dynamodb/upgrade.js';
import { DEFAULT_TABLE_NAME, embeddedDynamoDir, LOCK_FILE, lockFolder, startEmbeddedDynamoDB, type EmbeddedDynamoDB } from './embedded-dynamodb.js';
import { FsBlobStore } from './fs-blob-store.js';

export const EXPORT_FORMAT = 'skydag-store-export';
export const EXPORT_VERSION = 1;

type Item = Record<string, AttributeValue>;

interface Header {
  format: typeof EXPORT_FORMAT;
  version: number;
  table: string;
  exported_at: string;
}

interface Trailer {
  end: { items: number; blobs: number; sha256: string };
}

export interface BackupCounts {
  items: number;
  blobs: number;
}

/** A file that is not a complete, unaltered export: nothing was written. */
export class InvalidExportError extends Error {
  override readonly name = 'InvalidExportError';
  constructor(line: number | undefined, problem: string) {
    super(`${line === undefined ? '' : `line ${line}: `}${problem}; nothing was imported`);
  }
}

const blobsDir = (home: string) => join(home, 'blobs');

async function withStore<T>(home: string, use: (db: EmbeddedDynamoDB, blobs: BlobStore) => Promise<T>): Promise<T> {
  const blobs = new FsBlobStore(blobsDir(home));
  const db = await startEmbeddedDynamoDB({ home, blobStore: blobs });
  try {
    return await use(db, blobs);
  } finally {
    await db.close();
  }
}

async function* scanItems(db: EmbeddedDynamoDB, limit?: number): AsyncGenerator<Item> {
  let start: Item | undefined;
  do {
    const page = await db.client.send(new ScanCommand({ TableName: DEFAULT_TABLE_NAME, ConsistentRead: true, ...(limit ? { Limit: limit } : {}), ...(start ? { ExclusiveStartKey: start } : {}) }));
    for (const item of page.Items ?? []) yield item;
    start = page.LastEvaluatedKey;
  } while (start && !limit);
}

/** Writes the export, line by line, through `write`. */
export async function exportStore(home: string, write: (line: string) => Promise<void> | void, now = new Date()): Promise<BackupCounts> {
  return withStore(home, async (db, blobs) => {
    const hash = createHash('sha256');
    const emit = async (value: unknown) => {
      const line = JSON.stringify(value);
      hash.update(line).update('\n');
      await write(`${line}\n`);
    };
    const header: Header = { format: EXPORT_FORMAT, version: EXPORT_VERSION, table: DEFAULT_TABLE_NAME, exported_at: now.toISOString() };
    await emit(header);
    const counts: BackupCounts = { items: 0, blobs: 0 };
    for await (const item of scanItems(db)) {
      await emit({ Item: item });
      counts.items++;
    }
    for (const { key } of (await blobs.list('')).blobs) {
      const data = await blobs.get(key);
      if (data === undefined) continue; // deleted while listing
      await emit({ Blob: { key, base64: data.toString('base64') } });
      counts.blobs++;
    }
    const trailer: Trailer = { end: { ...counts, sha256: hash.digest('hex') } };
    await write(`${JSON.stringify(trailer)}\n`);
    return counts;
  });
}

interface ParsedExport {
  items: Item[];
  blobs: { key: string; data: Buffer }[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a whole export; any problem is an InvalidExportError naming the line. */
export function parseExport(text: string): ParsedExport {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const parse = (index: number): unknown => {
    try {
      return JSON.parse(lines[index]!) as unknown;
    } catch {
      throw new InvalidExportError(index + 1, 'not valid JSON (is the file cut short or edited?)');
    }
  };
  if (lines.length < 2) throw new InvalidExportError(undefined, `not a skydag export: it has ${lines.length} line(s)`);
  const header = parse(0);
  if (!isObject(header) || header.format !== EXPORT_FORMAT) throw new InvalidExportError(1, `not a skydag export (the first line must be the ${EXPORT_FORMAT} header)`);
  if (header.version !== EXPORT_VERSION) throw new InvalidExportError(1, `export format version ${String(header.version)} is not supported (this skydag reads version ${EXPORT_VERSION})`);
  const trailer = parse(lines.length - 1);
  if (!isObject(trailer) || !isObject(trailer.end)) throw new InvalidExportError(lines.length, 'the file has no end marker: it was cut short');
  const hash = createHash('sha256');
  for (const line of lines.slice(0, -1)) hash.update(line).update('\n');
  if (hash.digest('hex') !== trailer.end.sha256) throw new InvalidExportError(lines.length, 'the checksum does not match the contents: the file was altered or damaged');

  const parsed: ParsedExport = { items: [], blobs: [] };
  const keys = new Set<string>();
  for (let i = 1; i < lines.length - 1; i++) {
    const entry = parse(i);
    if (isObject(entry) && isObject(entry.Item)) {
      const { pk, sk } = entry.Item as Item;
      if (typeof pk?.S !== 'string' || typeof sk?.S !== 'string' || !pk.S || !sk.S) throw new InvalidExportError(i + 1, 'an item without its string keys pk and sk');
      const key = JSON.stringify([pk.S, sk.S]);
      if (keys.has(key)) throw new InvalidExportError(i + 1, `item ${key} appears twice`);
      keys.add(key);
      parsed.items.push(entry.Item as Item);
    } else if (isObject(entry) && isObject(entry.Blob) && typeof entry.Blob.key === 'string' && typeof entry.Blob.base64 === 'string') {
      try {
        assertValidBlobKey(entry.Blob.key);
      } catch (error) {
        throw new InvalidExportError(i + 1, (error as Error).message);
      }
      parsed.blobs.push({ key: entry.Blob.key, data: Buffer.from(entry.Blob.base64, 'base64') });
    } else throw new InvalidExportError(i + 1, 'neither an item nor a blob');
  }
  if (trailer.end.items !== parsed.items.length || trailer.end.blobs !== parsed.blobs.length) {
    throw new InvalidExportError(lines.length, `the end marker counts ${String(trailer.end.items)} items and ${String(trailer.end.blobs)} blobs, the file holds ${parsed.items.length} and ${parsed.blobs.length}`);
  }
  return parsed;
}

/** The store already holds items and `replace` was not asked for. */
export class StoreNotEmptyError extends Error {
  override readonly name = 'StoreNotEmptyError';
}

/** BatchWriteItem: 25 requests per call; unprocessed ones are sent again. */
async function batchWrite(db: EmbeddedDynamoDB, requests: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending = requests.slice(i, i + 25);
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt > 8) throw new Error(`${pending.length} writes still unprocessed after ${attempt} attempts`);
      const out = await db.client.send(new BatchWriteItemCommand({ RequestItems: { [DEFAULT_TABLE_NAME]: pending as never } }));
      pending = (out.UnprocessedItems?.[DEFAULT_TABLE_NAME] ?? []) as Record<string, unknown>[];
    }
  }
}

/**
 * Imports an export (checked whole first) into the store of `home`: into an empty store, or, with
 * `replace`, in place of everything the store holds.
 */
export async function importStore(home: string, text: string, options: { replace?: boolean } = {}): Promise<BackupCounts> {
  const parsed = parseExport(text);
  return withStore(home, async (db, blobs) => {
    const existing: Item[] = [];
    for await (const item of scanItems(db)) {
      // Opening the store wrote its data-version item: that alone does not make it "not empty".
      if (!options.replace && isUpgradeBookkeeping(item as { pk?: { S?: string } })) continue;
      existing.push(item);
      if (!options.replace) break;
    }
    const existingBlobs = (await blobs.list('')).blobs;
    if ((existing.length || existingBlobs.length) && !options.replace) {
      throw new StoreNotEmptyError(
        `the store in ${embeddedDynamoDir(home)} is not empty; import into an empty store (\`skydag db reset --yes\` moves this one aside) or pass --replace to overwrite its contents`,
      );
    }
    if (options.replace) {
      await batchWrite(db, existing.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })));
      for (const blob of existingBlobs) await blobs.delete(blob.key);
    }
    for (const blob of parsed.blobs) await blobs.put(blob.key, blob.data);
    await batchWrite(db, parsed.items.map((item) => ({ PutRequest: { Item: item } })));
    return { items: parsed.items.length, blobs: parsed.blobs.length };
  });
}

/**
 * Moves the store (the LevelDB folder and its blobs) aside, keeping it, so the next start begins
 * empty; refused while a skydag process has it open. Returns where each folder went.
 */
export async function resetStore(home: string, now = new Date()): Promise<string[]> {
  const dataDir = embeddedDynamoDir(home);
  if (!existsSync(dataDir) && !existsSync(blobsDir(home))) return [];
  const unlock = await lockFolder(dataDir);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const moved: string[] = [];
  try {
    for (const dir of [dataDir, blobsDir(home)]) {
      if (!existsSync(dir)) continue;
      const target = `${dir}.reset-${stamp}`;
      await rename(dir, target);
      moved.push(target);
    }
  } finally {
    await unlock(); // the lock file moved with the folder; nothing is left to remove
    if (moved[0]) await rm(join(moved[0], LOCK_FILE), { force: true });
  }
  return moved;
}

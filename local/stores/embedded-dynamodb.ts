/**
 * Local mode's embedded DynamoDB-compatible server: dynalite in-process on 127.0.0.1 (a free port),
 * persisted with LevelDB under `$SKYDAG_HOME/dynamodb`, so local mode runs the very DynamoDB adapter
 * the cloud runs, through the real AWS SDK. dynalite has no transactions; the adapter needs none.
 * A damaged folder is refused with StoreDamagedError before dynalite opens it (leveldb-check.ts).
 *
 * @example
 * const db = await startEmbeddedDynamoDB({ home: '.skydag' });
 * await db.store.putVariable({ key: 'k', value: 'v', encrypted: false, description: null });
 * await db.close();
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';

import type { BlobStore } from '../../shared/stores/blob.js';
import { SDK_LOGGER } from '../../shared/aws/sdk-logger.js';
import { createDocumentClient } from '../../shared/stores/dynamodb/client.js';
import { DynamoMetadataStore } from '../../shared/stores/dynamodb/dynamo-metadata-store.js';
import { createMetadataTable } from '../../shared/stores/dynamodb/table.js';
import { generateStoreCredentials, requireAccessKey, type StoreCredentials } from './access-key.js';
import { FsBlobStore } from './fs-blob-store.js';
import { checkLevelDb, dropIntegrityRecord, writeIntegrityRecord, type Damage } from './leveldb-check.js';
import { closeIteratorsAtEnd, guardClosedIteratorReads } from './level-iterator-guard.js';

// A query's read-ahead must not outlive a close as an uncaught error, and a query's iterator must be
// closed when its stream ends (it leaked native memory): level-iterator-guard.ts.
guardClosedIteratorReads();
closeIteratorsAtEnd();

export const DEFAULT_TABLE_NAME = 'skydag';

export interface EmbeddedDynamoDBOptions {
  /**
   * The state folder (`$SKYDAG_HOME`): the table is kept in `<home>/dynamodb`, large values in
   * `<home>/blobs`. Without `home` or `dataDir` the table lives in memory only.
   */
  home?: string;
  /** The LevelDB folder. @default `<home>/dynamodb` */
  dataDir?: string;
  /** @default 'skydag' */
  tableName?: string;
  /** Where XComs and DAG models too big for an item go. @default FsBlobStore(`<home>/blobs`) when `home` is given */
  blobStore?: BlobStore;
}

export interface EmbeddedDynamoDB {
  /** `http://127.0.0.1:<port>`: point any DynamoDB client (or the AWS CLI) here, with `credentials`. */
  endpoint: string;
  /** The only credentials the server accepts (generated per start; see access-key.ts). */
  credentials: StoreCredentials;
  client: DynamoDBDocumentClient;
  store: DynamoMetadataStore;
  /** Stops the server and closes the database (flushed to disk). */
  close(): Promise<void>;
}

/** The LevelDB folder inside a state folder. */
export const embeddedDynamoDir = (home: string): string => join(home, 'dynamodb');

/** Another process (a running `skydag dev`) has the store open. */
/** The embedded store is open in another live process (`skydag dev`). */
export class StoreInUseError extends Error {
  override readonly name = 'StoreInUseError';
  constructor(
    message: string,
    readonly owner: number,
  ) {
    super(message);
  }
}

/** The embedded store's files are damaged: skydag refuses to open them (see leveldb-check.ts). */
export class StoreDamagedError extends Error {
  override readonly name = 'StoreDamagedError';
  constructor(
    readonly dataDir: string,
    readonly damage: Damage,
  ) {
    super(
      `the embedded store in ${resolve(dataDir)} is damaged: ${damage.file}: ${damage.problem}.\n` +
        'skydag does not start on a damaged store: LevelDB would skip what it cannot read, and runs, task states and audit entries would be lost without a word.\n' +
        'To recover, either\n' +
        '  - restore a backup: `skydag db reset --yes`, then `skydag db import BACKUP.jsonl`, or\n' +
        '  - start empty: `skydag db reset --yes` (the damaged folder is kept beside it, renamed dynamodb.reset-<time>).\n' +
        'See docs/security.md, "Damaged state, backup and restore".',
    );
  }
}

export async function startEmbeddedDynamoDB(options: EmbeddedDynamoDBOptions = {}): Promise<EmbeddedDynamoDB> {
  const dataDir = options.dataDir ?? (options.home !== undefined ? embeddedDynamoDir(options.home) : undefined);
  const unlock = dataDir ? await lockFolder(dataDir) : async () => undefined;
  try {
    if (dataDir) {
      const damage = checkLevelDb(dataDir);
      if (damage) throw new StoreDamagedError(dataDir, damage);
      dropIntegrityRecord(dataDir); // from here on the files change: the record of the last close no longer holds
    }
    return await start(dataDir, options, unlock);
  } catch (error) {
    await unlock();
    throw error;
  }
}

async function start(dataDir: string | undefined, options: EmbeddedDynamoDBOptions, unlock: () => Promise<void>): Promise<EmbeddedDynamoDB> {
  const server: Server = dynalite({ ...(dataDir ? { path: resolve(dataDir) } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const credentials = generateStoreCredentials();
  requireAccessKey(server, credentials.accessKeyId);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const raw = localClient(endpoint, credentials);
  const inFlight = trackRequests(raw);
  const client = createDocumentClient(raw);
  // Other skydag commands (e.g. `skydag users`) reach the open store through this endpoint, with its
  // key: the file is the platform user's alone (0600, in the private state folder).
  const endpointFile = dataDir ? join(dataDir, ENDPOINT_FILE) : undefined;
  if (endpointFile) await writeFile(endpointFile, JSON.stringify({ endpoint, ...credentials }), { mode: 0o600 });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    // Refuse new requests and let the ones in flight finish before dynalite closes LevelDB. A query's
    // stream may still read ahead after its answer: that read of a closed iterator ends the stream
    // (level-iterator-guard.ts) instead of throwing, so nothing needs to wait for it.
    await inFlight.drain(CLOSE_DRAIN_MS);
    raw.destroy();
    await new Promise<void>((ok, fail) => {
      server.close((error?: Error) => (error ? fail(error) : ok()));
      server.closeAllConnections();
    });
    if (endpointFile) await unlink(endpointFile).catch(() => undefined);
    // LevelDB is closed: record its files, so damage done while skydag is stopped is found at the next start.
    if (dataDir) writeIntegrityRecord(dataDir);
    await unlock();
  };

  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  try {
    await createMetadataTable(raw, tableName, { pollMs: 5, allowRebuild: true }); // one opener (the lock): an older store may be rebuilt
  } catch (error) {
    await close().catch(() => undefined);
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(
      dataDir
        ? `could not open the embedded DynamoDB in ${dataDir} (${detail}); is another skydag process using this folder? Stop it, or set SKYDAG_HOME to another folder`
        : `could not start the embedded DynamoDB (${detail})`,
      { cause: error },
    );
  }
  const blobStore = options.blobStore ?? (options.home !== undefined ? new FsBlobStore(join(options.home, 'blobs')) : undefined);
  const store = new DynamoMetadataStore({ client, tableName, ...(blobStore ? { blobStore } : {}) });
  return { endpoint, credentials, client, store, close };
}

export const LOCK_FILE = 'skydag.lock';
const ENDPOINT_FILE = 'endpoint';

function localClient(endpoint: string, credentials: StoreCredentials): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 3, logger: SDK_LOGGER });
}

/** What `ENDPOINT_FILE` holds: where the running platform serves its store, and the key it accepts. */
function readEndpointFile(text: string): { endpoint: string; credentials: StoreCredentials } | undefined {
  try {
    const { endpoint, accessKeyId, secretAccessKey } = JSON.parse(text) as Record<string, unknown>;
    if (typeof endpoint !== 'string' || !/^http:\/\/127\.0\.0\.1:\d+$/.test(endpoint)) return undefined;
    if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string') return undefined;
    return { endpoint, credentials: { accessKeyId, secretAccessKey } };
  } catch {
    return undefined;
  }
}

export interface LocalStore {
  store: DynamoMetadataStore;
  /** Where the store was reached: opened by this process, or through the running platform that has it open. */
  via: 'opened' | 'platform';
  close(): Promise<void>;
}

/**
 * The local store of a state folder for a command-line tool: opened directly when no platform has it,
 * otherwise reached through the endpoint the running platform (which holds the LevelDB lock) serves it on.
 */
export async function openLocalStore(home: string): Promise<LocalStore> {
  try {
    const db = await startEmbeddedDynamoDB({ home });
    return { store: db.store, via: 'opened', close: () => db.close() };
  } catch (error) {
    if (!(error instanceof StoreInUseError)) throw error;
    const served = readEndpointFile(await readFile(join(embeddedDynamoDir(home), ENDPOINT_FILE), 'utf8').catch(() => ''));
    if (!served) {
      throw new Error(`${error.message}; it serves no endpoint to other commands yet (is it still starting?): try again, or stop it first`, { cause: error });
    }
    const raw = localClient(served.endpoint, served.credentials);
    const store = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName: DEFAULT_TABLE_NAME, blobStore: new FsBlobStore(join(home, 'blobs')) });
    return { store, via: 'platform', close: async () => raw.destroy() };
  }
}

/** How long close() waits for requests in flight. */
const CLOSE_DRAIN_MS = 10_000;

/** Counts the client's requests in flight; once draining, new ones fail at once (the store is closing). */
function trackRequests(client: DynamoDBClient): { drain(timeoutMs: number): Promise<void> } {
  let pending = 0;
  let closing = false;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (closing) throw new Error('the embedded DynamoDB is closing');
      pending++;
      try {
        return await next(args);
      } finally {
        pending--;
      }
    },
    { step: 'initialize', name: 'skydagRequestsInFlight' },
  );
  return {
    async drain(timeoutMs) {
      closing = true;
      for (const start = Date.now(); pending > 0 && Date.now() - start < timeoutMs; ) await new Promise((r) => setTimeout(r, 5));
    },
  };
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Claims the folder for this process (`skydag.lock` holds the owner's pid). LevelDB allows one opener,
 * and dynalite turns a second opener's failure into an uncaught exception, so a second server must not
 * start at all. A lock left by a process that is gone is taken over.
 */
export async function lockFolder(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const lock = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return async () => {
        await unlink(lock).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      const who = owner === process.pid ? 'this process already has it open' : `process ${owner} has it open`;
      throw new StoreInUseError(`the embedded DynamoDB in ${resolve(dataDir)} is in use (${who}): stop the other skydag, or set SKYDAG_HOME to another folder`, owner);
    }
    await unlink(lock).catch(() => undefined); // stale: its owner is gone
  }
  throw new Error(`could not lock ${resolve(dataDir)} (${LOCK_FILE} keeps reappearing)`);
}

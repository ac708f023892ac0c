/**
 * Metadata-store contract factories for the DynamoDB adapter: a fresh table per test on one server
 * per test file (dynalite in-process, or DynamoDB Local), with a blob store for large values.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import type { BlobStore } from '../../shared/stores/blob.js';
import { createDocumentClient, createMetadataTable, DynamoMetadataStore } from '../../shared/stores/dynamodb/index.js';
import { S3BlobStore } from '../../shared/stores/s3/s3-blob-store.js';
import type { MetadataStoreFactory, MetadataStoreHarness } from './metadata-store.contract.js';
import { startS3rver, type LocalS3 } from './s3rver.js';

// The SDK warns once per process that Node 20 support ends in 2027; the tests need not say so.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export function sdkClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });
}

export interface DynaliteServer {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startDynalite(): Promise<DynaliteServer> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface DynamoHarness extends MetadataStoreHarness {
  tableName: string;
  cleanup(): Promise<void>;
}

/**
 * A factory over a DynamoDB endpoint that `start` provides; blobs on the filesystem (`fs`) or in
 * s3rver (`s3`).
 */
export function dynamoFactory(start: () => Promise<{ endpoint: string; stop(): Promise<void> }>, blobs: 'fs' | 's3'): MetadataStoreFactory {
  let server: { endpoint: string; stop(): Promise<void> } | undefined;
  let raw: DynamoDBClient;
  let s3: LocalS3 | undefined;
  let counter = 0;
  return {
    async setup() {
      server = await start();
      raw = sdkClient(server.endpoint);
      if (blobs === 's3') s3 = await startS3rver();
    },
    async create(): Promise<DynamoHarness> {
      const tableName = `skydag-${process.pid}-${++counter}`;
      await createMetadataTable(raw, tableName, { pollMs: 10 });
      let blobStore: BlobStore;
      let cleanup = async () => undefined as void;
      if (s3) {
        blobStore = new S3BlobStore({ client: s3.client, bucket: s3.bucket, keyPrefix: `${tableName}/` });
      } else {
        const dir = await mkdtemp(join(tmpdir(), 'skydag-blobs-'));
        blobStore = new FsBlobStore(dir);
        cleanup = () => rm(dir, { recursive: true, force: true });
      }
      const store = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName, blobStore });
      // Another process over the same table (another Lambda container): what one keeps in memory must not hide the other's writes.
      const twin = new DynamoMetadataStore({ client: createDocumentClient(raw), tableName, blobStore });
      return { store, twin, blobs: blobStore, tableName, cleanup };
    },
    async dispose(harness) {
      const h = harness as DynamoHarness;
      await raw.send(new DeleteTableCommand({ TableName: h.tableName }));
      await h.cleanup();
    },
    async teardown() {
      raw?.destroy();
      await s3?.stop();
      await server?.stop();
    },
  };
}

/** The blob-store contract against the filesystem adapter and the S3 adapter on s3rver. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { S3BlobStore } from '../../shared/stores/s3/s3-blob-store.js';
import { describeBlobStoreContract } from './blob-store.contract.js';
import { startS3rver, type LocalS3 } from './s3rver.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const dirs: string[] = [];
describeBlobStoreContract('filesystem', {
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'skydag-fs-blobs-'));
    dirs.push(dir);
    return new FsBlobStore(join(dir, 'root'));
  },
  async teardown() {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  },
});

let s3: LocalS3;
let n = 0;
describeBlobStoreContract('S3 (s3rver)', {
  async setup() {
    s3 = await startS3rver();
  },
  // One bucket, a key prefix per test; 5 MiB multipart threshold so the large-body test uploads in parts.
  nonAtomicOverwrites: 's3rver streams each PUT into the object file in place, so racing PUTs can interleave (S3 replaces objects atomically)',
  create: async () => new S3BlobStore({ client: s3.client, bucket: s3.bucket, keyPrefix: `t${++n}/`, multipartThresholdBytes: 5 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 }),
  async teardown() {
    await s3?.stop();
  },
});

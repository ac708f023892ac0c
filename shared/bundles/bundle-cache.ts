/**
 * Extracted source bundles on the local disk, one folder per bundle digest (`<root>/<digest>/…`), where
 * the Python runner and template rendering read a run's DAG files. Extraction is atomic (a temporary
 * folder renamed into place), so a task never sees half a bundle and concurrent tries of the same
 * version share one copy. Locally the root is under the platform's reach; in Lambda/ECS it is in /tmp,
 * kept across warm invocations.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BlobStore } from '../stores/blob.js';
import { bundleKey, decodeBundle, type SourceBundle } from './source-bundle.js';

/** Where a bundle's bytes come from: the blob store (cloud, platform) or memory (`dags test`). */
export type BundleLoader = (digest: string) => Promise<SourceBundle | undefined>;

export function blobBundleLoader(blobs: Pick<BlobStore, 'get'>): BundleLoader {
  return async (digest) => {
    const body = await blobs.get(bundleKey(digest));
    return body && decodeBundle(body, digest);
  };
}

export class BundleCache {
  private readonly inflight = new Map<string, Promise<string>>();

  /** @param root folder of the extracted bundles; tasks read them, so it must be readable by the task user */
  constructor(
    readonly root: string,
    private readonly load: BundleLoader,
  ) {}

  /** The folder holding bundle `digest`'s files (extracted on first use). Throws when the bundle is unknown. */
  folder(digest: string): Promise<string> {
    bundleKey(digest); // validates the digest: it names a folder
    const target = join(this.root, digest);
    if (existsSync(target)) return Promise.resolve(target);
    let pending = this.inflight.get(digest);
    if (!pending) {
      pending = this.extract(digest, target).finally(() => this.inflight.delete(digest));
      this.inflight.set(digest, pending);
    }
    return pending;
  }

  private async extract(digest: string, target: string): Promise<string> {
    const bundle = await this.load(digest);
    if (!bundle) throw new Error(`DAG source bundle ${digest} is missing from the blob store`);
    await mkdir(this.root, { recursive: true, mode: 0o755 });
    const temp = join(this.root, `.${digest}.${randomBytes(6).toString('hex')}`);
    try {
      for (const file of bundle.files) {
        const path = join(temp, ...file.path.split('/'));
        await mkdir(dirname(path), { recursive: true, mode: 0o755 });
        // Read-only: a task must not change the code later tries of the version run.
        await writeFile(path, file.data, { mode: 0o444 });
      }
      await mkdir(temp, { recursive: true, mode: 0o755 });
      await chmod(temp, 0o755);
      try {
        await rename(temp, target);
      } catch (error) {
        // Another process extracted it first: theirs is the same content.
        if (!existsSync(target)) throw error;
      }
    } finally {
      await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    }
    return target;
  }
}

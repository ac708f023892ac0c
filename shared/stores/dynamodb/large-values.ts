/**
 * Values too big for an item (DynamoDB's limit is 400 KB per item) live in the blob store; the item
 * keeps a pointer (`_blob`). Every offloaded value gets a fresh blob key (a random suffix), so two
 * writers of the same XCom never overwrite each other's blob: the item names exactly one, and the
 * writer that replaces or deletes an item deletes the blob it pointed to.
 */
import { randomUUID } from 'node:crypto';

import type { BlobStore } from '../blob.js';

/** Default: JSON larger than 300 KiB is offloaded, which leaves room for the rest of the item. */
export const DEFAULT_INLINE_LIMIT_BYTES = 300 * 1024;

/** A value needed the blob store and the adapter was built without one. */
export class BlobStoreRequiredError extends Error {
  override readonly name = 'BlobStoreRequiredError';
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `${what} is ${Math.ceil(bytes / 1024)} KiB as JSON; values over ${Math.floor(limitBytes / 1024)} KiB are kept in the blob store, ` +
        'and this DynamoMetadataStore has none: pass `blobStore` to its constructor (S3BlobStore in the cloud, FsBlobStore locally)',
    );
  }
}

/** One key segment made safe for any blob store (lossless enough: blob keys also carry a random suffix). */
const part = (s: string): string => (s === '' ? '_' : encodeURIComponent(s).replace(/\./g, '%2E'));

export class LargeValues {
  constructor(
    private readonly blobs: BlobStore | undefined,
    private readonly prefix: string,
    readonly inlineLimitBytes: number,
  ) {}

  /**
   * The JSON of a value, and where it goes: inline (`json`) or, over the limit, into a new blob
   * (`blob`, already written). Undefined values have no JSON at all. `limitBytes` lowers the limit for
   * a value that shares its item with another inline value.
   */
  async store(what: string, path: readonly string[], value: unknown, limitBytes = this.inlineLimitBytes): Promise<{ json?: string; blob?: string }> {
    const json = value === undefined ? undefined : JSON.stringify(value);
    if (json === undefined) return {};
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes <= limitBytes) return { json };
    if (!this.blobs) throw new BlobStoreRequiredError(what, bytes, Math.max(0, limitBytes));
    const blob = `${this.prefix}${path.map(part).join('/')}/${randomUUID()}.json`;
    await this.blobs.put(blob, json, { contentType: 'application/json' });
    return { blob };
  }

  /** Reads an offloaded value back. */
  async load(what: string, blob: string): Promise<unknown> {
    if (!this.blobs) throw new Error(`${what} is stored in the blob store (${blob}), and this DynamoMetadataStore has none: pass \`blobStore\` to its constructor`);
    const body = await this.blobs.get(blob);
    if (body === undefined) throw new Error(`${what} is missing: its blob '${blob}' is not in the blob store`);
    return JSON.parse(body.toString('utf8'));
  }

  /** Deletes blobs an item no longer points to (best effort: a leftover blob is garbage, not an error). */
  async discard(blobs: readonly (string | undefined)[]): Promise<void> {
    const store = this.blobs;
    if (!store) return;
    await Promise.all(blobs.filter((b): b is string => typeof b === 'string').map((b) => store.delete(b).catch(() => undefined)));
  }
}

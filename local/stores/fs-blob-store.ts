/**
 * The blob store on the local filesystem (local mode's stand-in for S3): key `a/b/c.log` is the file
 * `<root>/a/b/c.log`. Writes go to a temporary file under `<root>/.tmp/` and are renamed into place,
 * so a reader never sees a partial blob. Keys are checked twice: by the shared rules
 * ({@link assertValidBlobKey}: no `..`, no absolute paths) and by resolving the path and requiring it
 * to stay under the root, so no key reads or writes outside it.
 *
 * Unlike S3, a filesystem cannot hold both `a` and `a/b`: writing one when the other exists fails
 * with a clear error.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import {
  assertValidBlobKey,
  assertValidBlobPrefix,
  compareKeys,
  contentTypeFor,
  groupByDelimiter,
  InvalidBlobKeyError,
  type BlobBody,
  type BlobHead,
  type BlobInfo,
  type BlobListing,
  type BlobStore,
  type ListBlobsOptions,
  type PutBlobOptions,
} from '../../shared/stores/blob.js';

/** Folder under the root for in-flight writes; not a valid first key segment. */
const TMP_DIR = '.tmp';

// Duck-typed: errors of node:fs may come from another realm (jest), where `instanceof Error` is false.
const isErrno = (error: unknown, ...codes: string[]): boolean =>
  typeof error === 'object' && error !== null && codes.includes(String((error as NodeJS.ErrnoException).code));

export class FsBlobStore implements BlobStore {
  readonly root: string;

  /** @param root the folder that holds the blobs (created on first write). */
  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The file a key names; throws InvalidBlobKeyError for keys that are invalid or leave the root. */
  pathOf(key: string): string {
    assertValidBlobKey(key);
    if (key === TMP_DIR || key.startsWith(`${TMP_DIR}/`)) throw new InvalidBlobKeyError(key, `"${TMP_DIR}/" is reserved for in-flight writes`);
    return this.inside(key, resolve(this.root, key));
  }

  private inside(key: string, path: string): string {
    if (!path.startsWith(this.root + sep)) throw new InvalidBlobKeyError(key, `it resolves outside the blob root ${this.root} (path traversal)`);
    return path;
  }

  async put(key: string, body: BlobBody, _options: PutBlobOptions = {}): Promise<void> {
    // The content type is not stored: head() infers it from the extension, as S3 does when put() is given none.
    const target = this.pathOf(key);
    const tmpDir = join(this.root, TMP_DIR);
    const tmp = join(tmpDir, `${randomUUID()}.part`);
    await mkdir(tmpDir, { recursive: true });
    try {
      if (typeof body === 'string' || body instanceof Uint8Array) await writeFile(tmp, body);
      else await pipeline(Readable.from(body), createWriteStream(tmp));
      // A concurrent delete() may prune the folder between mkdir and rename: make it again then.
      for (let attempt = 1; ; attempt++) {
        await this.mkdirFor(key, target);
        try {
          await rename(tmp, target);
          break;
        } catch (error) {
          if (isErrno(error, 'ENOENT') && attempt < 3) continue;
          if (isErrno(error, 'EISDIR', 'ENOTEMPTY', 'EEXIST')) {
            throw new Error(`cannot write blob '${key}': ${target} is a folder (other blobs have keys under '${key}/')`, { cause: error });
          }
          throw error;
        }
      }
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }

  private async mkdirFor(key: string, target: string): Promise<void> {
    try {
      await mkdir(dirname(target), { recursive: true });
    } catch (error) {
      if (isErrno(error, 'EEXIST', 'ENOTDIR')) {
        throw new Error(`cannot write blob '${key}': a blob exists where ${relative(this.root, dirname(target))}/ would need to be a folder`, { cause: error });
      }
      throw error;
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    const path = this.pathOf(key);
    try {
      return await readFile(path);
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'EISDIR', 'ENOTDIR')) return undefined;
      throw error;
    }
  }

  async head(key: string): Promise<BlobHead | undefined> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      return { key, size: info.size, lastModified: info.mtime.toISOString(), contentType: contentTypeFor(key) };
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return;
      throw error;
    }
    // Empty folders are not blobs: prune them so listings match S3's, where a prefix exists only through its keys.
    for (let dir = dirname(path); dir.startsWith(this.root + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
    }
  }

  async list(prefix: string, options: ListBlobsOptions = {}): Promise<BlobListing> {
    assertValidBlobPrefix(prefix);
    // Walk only the deepest folder the prefix names entirely ('logs/dag1/ru' → 'logs/dag1').
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = folder === '' ? this.root : this.inside(prefix, resolve(this.root, folder));
    const blobs: BlobInfo[] = [];
    await this.walk(start, folder, prefix, blobs);
    blobs.sort((a, b) => compareKeys(a.key, b.key));
    const grouped = groupByDelimiter(blobs, prefix, options.delimiter);
    return { blobs: grouped.items, prefixes: grouped.prefixes };
  }

  private async walk(dir: string, keyPrefix: string, prefix: string, out: BlobInfo[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return;
      throw error;
    }
    for (const entry of entries) {
      const key = keyPrefix === '' ? entry.name : `${keyPrefix}/${entry.name}`;
      if (keyPrefix === '' && entry.name === TMP_DIR) continue;
      if (entry.isDirectory()) {
        // Descend only where keys can still start with the prefix.
        if (prefix.startsWith(`${key}/`) || `${key}/`.startsWith(prefix) || key.startsWith(prefix)) await this.walk(join(dir, entry.name), key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const info = await stat(join(dir, entry.name));
        out.push({ key, size: info.size, lastModified: info.mtime.toISOString() });
      }
    }
  }
}

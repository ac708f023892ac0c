/**
 * A local copy of the DAGs prefix of the DAGs bucket, so the deployer reads DAG files and the modules
 * and templates they use exactly as local mode reads its DAGs folder. A warm Lambda keeps its copy in
 * /tmp and fetches only what changed (by size and last write); blobs gone from the bucket are removed.
 * The copy is bounded like a source bundle (files and bytes): a bigger prefix is refused whole.
 */
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { BUNDLE_LIMITS } from '../bundles/source-bundle.js';
import type { BlobInfo, BlobStore } from '../stores/blob.js';

export interface DagsMirrorOptions {
  /** The bucket's blob store. */
  blobs: Pick<BlobStore, 'list' | 'get'>;
  /** Key prefix of DAG files, ending in `/` (e.g. `dags/`). */
  prefix: string;
  /** Local folder of the copy (emptied of anything the bucket does not hold). */
  folder: string;
  limits?: { files: number; bytes: number };
}

export class DagsMirrorLimitError extends Error {
  override name = 'DagsMirrorLimitError';
}

export class DagsMirror {
  private readonly limits: { files: number; bytes: number };

  constructor(private readonly options: DagsMirrorOptions) {
    if (!options.prefix.endsWith('/')) throw new Error(`DAGs prefix '${options.prefix}' must end with '/'`);
    this.limits = options.limits ?? { files: BUNDLE_LIMITS.files, bytes: BUNDLE_LIMITS.bytes };
  }

  /** The file's path relative to the DAGs folder, or undefined when the key is outside the prefix. */
  relativePath(key: string): string | undefined {
    if (!key.startsWith(this.options.prefix) || key.length === this.options.prefix.length || key.endsWith('/')) return undefined;
    return key.slice(this.options.prefix.length);
  }

  /**
   * Brings the local copy in step with the bucket; returns the folder. `fresh`: files fetched whatever
   * the copy holds (those an event named: S3 keeps whole seconds, so two same-size writes within one
   * second look alike).
   */
  async refresh(fresh: Iterable<string> = []): Promise<string> {
    const force = new Set(fresh);
    const { blobs, prefix, folder } = this.options;
    const listed = (await blobs.list(prefix)).blobs.filter((b) => this.relativePath(b.key) !== undefined);
    const bytes = listed.reduce((sum, b) => sum + b.size, 0);
    if (listed.length > this.limits.files || bytes > this.limits.bytes) {
      throw new DagsMirrorLimitError(`the DAGs prefix holds ${listed.length} files (${bytes} bytes): at most ${this.limits.files} files and ${this.limits.bytes} bytes`);
    }
    mkdirSync(folder, { recursive: true });
    const wanted = new Map(listed.map((b) => [this.relativePath(b.key)!, b]));
    for (const file of localFiles(folder)) if (!wanted.has(file)) rmSync(join(folder, ...file.split('/')), { force: true });
    for (const [file, blob] of wanted) {
      const path = join(folder, ...file.split('/'));
      if (!force.has(file) && isCurrent(path, blob)) continue;
      const body = await blobs.get(blob.key);
      if (body === undefined) {
        rmSync(path, { force: true }); // deleted since the listing
        continue;
      }
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, body);
      const at = new Date(blob.lastModified);
      utimesSync(path, at, at);
    }
    return folder;
  }
}

function isCurrent(path: string, blob: BlobInfo): boolean {
  try {
    const stat = statSync(path);
    return stat.size === blob.size && stat.mtime.getTime() === new Date(blob.lastModified).getTime();
  } catch {
    return false;
  }
}

function localFiles(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else found.push(relative(folder, full).split(sep).join('/'));
    }
  };
  walk(folder);
  return found;
}

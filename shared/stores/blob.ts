/**
 * The blob-store port: named byte blobs (logs, artifacts, DAG files, XCom values and DAG models too
 * big for a metadata item). S3 in the cloud (`shared/stores/s3/`), the filesystem in local mode
 * (`local/stores/fs-blob-store.ts`); `test/contracts/blob-store.contract.ts` runs against both.
 *
 * Keys are `/`-separated relative paths (`logs/dag/run/task/1.log`). Every adapter validates them
 * with {@link assertValidBlobKey}, so a key that works locally works in S3 and the other way round,
 * and no key can escape a local root (`..`, absolute paths, backslashes).
 */

/** A blob's body on write: bytes, text (written as UTF-8), or a stream of chunks (large uploads). */
export type BlobBody = Uint8Array | string | AsyncIterable<Uint8Array>;

export interface PutBlobOptions {
  /** MIME type to serve the blob with. @default inferred from the key's extension ({@link contentTypeFor}) */
  contentType?: string;
}

/** One blob as a listing shows it. */
export interface BlobInfo {
  key: string;
  /** Bytes. */
  size: number;
  /** ISO-8601 instant of the last write (S3 keeps whole seconds). */
  lastModified: string;
}

/** What `head` tells about one blob. */
export interface BlobHead extends BlobInfo {
  contentType: string;
}

export interface ListBlobsOptions {
  /**
   * Groups keys that contain the delimiter after the prefix into `prefixes` (S3's CommonPrefixes),
   * e.g. `list('dags/', { delimiter: '/' })` lists the files of `dags/` and its sub-folders as prefixes.
   */
  delimiter?: string;
}

/** A listing: blobs and (with a delimiter) the common prefixes, each sorted by key. */
export interface BlobListing {
  blobs: BlobInfo[];
  prefixes: string[];
}

export interface BlobStore {
  /** Writes (or replaces) a blob; readers see the old or the new body, never a partial one. */
  put(key: string, body: BlobBody, options?: PutBlobOptions): Promise<void>;
  /** The blob's bytes, or undefined when there is none. */
  get(key: string): Promise<Buffer | undefined>;
  head(key: string): Promise<BlobHead | undefined>;
  exists(key: string): Promise<boolean>;
  /** Removes a blob; removing one that does not exist is not an error. */
  delete(key: string): Promise<void>;
  /** Every blob whose key starts with `prefix` (`''` for all), sorted by key. */
  list(prefix: string, options?: ListBlobsOptions): Promise<BlobListing>;
  /**
   * A short-lived URL a client downloads the blob from directly (S3's presigned GET), so large
   * bodies do not pass through the API (Lambda answers at most 6 MB). Absent where the API streams
   * them itself (the filesystem store of local mode).
   */
  presignGet?(key: string, options: PresignGetOptions): Promise<string>;
}

export interface PresignGetOptions {
  /** How long the URL works. */
  expiresInSeconds: number;
  /** Served as `Content-Disposition: attachment; filename="…"` (S3's response-content-disposition). */
  fileName?: string;
  /** Served as the response's Content-Type. */
  contentType?: string;
}

/** A key (or listing prefix) no adapter accepts: it says which rule it breaks. */
export class InvalidBlobKeyError extends Error {
  override readonly name = 'InvalidBlobKeyError';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid blob key ${JSON.stringify(key)}: ${reason}`);
  }
}

/** S3's limit on key length, in UTF-8 bytes. */
export const MAX_BLOB_KEY_BYTES = 1024;

/**
 * Checks a key against the rules every adapter shares: non-empty, at most 1024 UTF-8 bytes, relative
 * (`/`-separated, no leading `/`), no `\`, no NUL or other control characters, no empty, `.` or `..`
 * segment. Throws InvalidBlobKeyError.
 */
export function assertValidBlobKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidBlobKeyError(String(key), 'a key must be a non-empty string');
  checkKeyText(key);
  if (key.endsWith('/')) throw new InvalidBlobKeyError(key, 'a key must not end with "/" (that names a folder)');
  checkSegments(key, key.split('/'));
}

/** Like {@link assertValidBlobKey} for a listing prefix: `''` is allowed, and so is a trailing `/`. */
export function assertValidBlobPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw new InvalidBlobKeyError(String(prefix), 'a prefix must be a string');
  if (prefix === '') return;
  checkKeyText(prefix);
  const segments = prefix.split('/');
  // The last segment is a partial name ('logs/da' lists 'logs/dag1/...'): only '.' and '..' are refused there.
  const last = segments.pop() as string;
  checkSegments(prefix, segments);
  if (last === '.' || last === '..') throw new InvalidBlobKeyError(prefix, `"${last}" segments are not allowed (path traversal)`);
}

function checkKeyText(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_BLOB_KEY_BYTES) throw new InvalidBlobKeyError(key, `a key is at most ${MAX_BLOB_KEY_BYTES} UTF-8 bytes`);
  if (key.startsWith('/')) throw new InvalidBlobKeyError(key, 'a key is relative: it must not start with "/"');
  if (key.includes('\\')) throw new InvalidBlobKeyError(key, 'use "/" to separate segments, not "\\"');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new InvalidBlobKeyError(key, 'control characters are not allowed');
}

function checkSegments(key: string, segments: readonly string[]): void {
  for (const segment of segments) {
    if (segment === '') throw new InvalidBlobKeyError(key, 'empty segments ("//") are not allowed');
    if (segment === '.' || segment === '..') throw new InvalidBlobKeyError(key, `"${segment}" segments are not allowed (path traversal)`);
  }
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  py: 'text/x-python; charset=utf-8',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  xml: 'application/xml',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  ipynb: 'application/x-ipynb+json',
  gz: 'application/gzip',
  tgz: 'application/gzip',
  zip: 'application/zip',
  jar: 'application/java-archive',
  whl: 'application/zip',
  keytab: 'application/octet-stream',
};

/** The MIME type a key's extension suggests (`application/octet-stream` when it suggests none). */
export function contentTypeFor(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return (dot > 0 && CONTENT_TYPES[name.slice(dot + 1).toLowerCase()]) || 'application/octet-stream';
}

/**
 * Applies a delimiter to keys already filtered by prefix and sorted (S3's ListObjectsV2 semantics):
 * a key with the delimiter after the prefix is folded into the common prefix that ends there.
 */
export function groupByDelimiter<T extends { key: string }>(items: readonly T[], prefix: string, delimiter: string | undefined): { items: T[]; prefixes: string[] } {
  if (!delimiter) return { items: [...items], prefixes: [] };
  const kept: T[] = [];
  const prefixes = new Set<string>();
  for (const item of items) {
    const at = item.key.indexOf(delimiter, prefix.length);
    if (at === -1) kept.push(item);
    else prefixes.add(item.key.slice(0, at + delimiter.length));
  }
  return { items: kept, prefixes: [...prefixes].sort(compareKeys) };
}

/** Key order as S3 lists it (by UTF-8 bytes). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The models and datasets repository (Couture's "Models and Datasets", couture-reference §3.6): files
 * in the blob store, one metadata record per version in the metadata store.
 *
 * Uploads are resumable, in chunks, as the original's Dropzone was — but checked: a session is opened
 * with the file's name, size and (optionally) SHA-256; each chunk is PUT by index with its exact
 * expected size and (optionally) its own SHA-256; completing checks every chunk is there, streams them
 * into the final blob (S3: one multipart upload) while hashing, compares the whole file's SHA-256, and
 * only then gives the upload the next version number. A refused step changes nothing that was stored.
 *
 * Blob layout (`repository/` in the artifacts bucket, `$SKYDAG_HOME/blobs` locally):
 *   repository/uploads/<upload id>/upload.json       the session
 *   repository/uploads/<upload id>/chunk-<index>     chunks until completed
 *   repository/<kind>/<name>/<upload id>/<file>      the stored file (a key no other upload can take)
 *   repository/tf-serving/<name>/<version>/...       a TensorFlow SavedModel, unpacked (TF Serving's layout)
 *   repository/tf-serving/models.config              TF Serving's model config list, rewritten on change
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ModelFlavor, RepositoryKind, RepositoryVersionRecord } from '../model/records.js';
import type { BlobStore } from '../stores/blob.js';
import type { RepositoryResolver } from '../runtime/handlers/render-fields.js';
import { ConditionFailedError, type MetadataStore } from '../stores/metadata.js';
import { ArchiveError, readTarGz } from '../util/tar.js';
import { checkFileName, checkFlavor, checkKind, checkName, checkSha256, checkUploadId, parseVersion, RepositoryInputError, RepositoryNotFoundError } from './names.js';
import { tfServingConfig } from './tf-serving.js';

export type RepositoryRecords = Pick<MetadataStore, 'putRepositoryVersion' | 'getRepositoryVersion' | 'listRepositoryVersions' | 'deleteRepositoryVersion'>;

/** Where the engine finds a blob key: a local path, `s3://bucket/key` (what tasks are handed). */
export type BlobLocator = (key: string) => string;

/**
 * The largest chunk: one API request carries it, and API Gateway hands Lambda binary bodies base64
 * encoded within its 6 MB payload limit (4 MiB becomes 5.6 MB).
 */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
export const MAX_CHUNKS = 10_000;
export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024 * 1024;
/** A SavedModel archive is unpacked in memory (gunzip + ustar): bounded. */
export const MAX_SAVED_MODEL_BYTES = 1024 * 1024 * 1024;
/** An unfinished upload is refused (and its chunks removed) after this long. */
export const UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;

const ROOT = 'repository';
const UPLOADS = `${ROOT}/uploads/`;
const SERVING = `${ROOT}/tf-serving`;
export const TF_SERVING_CONFIG_KEY = `${SERVING}/models.config`;

/** The file types each model flavor is uploaded as (datasets and `other` models: any file). */
const FLAVOR_EXTENSIONS: Readonly<Record<ModelFlavor, readonly string[] | null>> = {
  tensorflow: ['.tar.gz', '.tgz'],
  spark: ['.pmml', '.zip', '.tar.gz', '.tgz'],
  pytorch: ['.mar', '.pt', '.pth', '.zip'],
  other: null,
};

export interface UploadRequest {
  kind: RepositoryKind;
  name: string;
  /** Models only: required for models, refused for datasets. */
  flavor?: ModelFlavor | null;
  file_name: string;
  size: number;
  /** The whole file's SHA-256; completing refuses a file that does not match. */
  sha256?: string | null;
  description?: string;
  chunk_size?: number;
}

interface StoredUpload {
  upload_id: string;
  kind: RepositoryKind;
  name: string;
  flavor: ModelFlavor | null;
  file_name: string;
  size: number;
  sha256: string | null;
  description: string;
  chunk_size: number;
  chunk_count: number;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  /** Set once completed: a repeated complete answers the same version. */
  completed_version?: number;
}

/** An upload session as the API shows it. */
export interface UploadView extends Omit<StoredUpload, 'completed_version'> {
  /** Indexes of the chunks stored so far (what a resumed upload skips). */
  received: number[];
  completed_version: number | null;
}

/** A name with its versions, as listings show it. */
export interface RepositoryItemSummary {
  kind: RepositoryKind;
  name: string;
  flavor: ModelFlavor | null;
  latest_version: number;
  version_count: number;
  description: string;
  updated_at: string;
}

/** A version as API responses and templates show it: the record and where tasks find it. */
export interface RepositoryVersionView extends Omit<RepositoryVersionRecord, 'blob_key' | 'serving_prefix'> {
  /** What a task loads: a SavedModel's folder for TensorFlow models, else the stored file. */
  uri: string;
  /** The stored file as uploaded. */
  file_uri: string;
}

export interface RepositoryOptions {
  records: RepositoryRecords;
  blobs: BlobStore;
  locate: BlobLocator;
  clock?: () => Date;
  maxFileBytes?: number;
}

const chunkKey = (id: string, index: number) => `${UPLOADS}${id}/chunk-${String(index).padStart(5, '0')}`;
const sessionKey = (id: string) => `${UPLOADS}${id}/upload.json`;
const label = (kind: RepositoryKind, name: string, version?: number) => `${kind} '${name}'${version === undefined ? '' : ` version ${version}`}`;

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function extensionOk(fileName: string, allowed: readonly string[] | null): boolean {
  return allowed === null || allowed.some((ext) => fileName.toLowerCase().endsWith(ext));
}

export class Repository {
  private readonly records: RepositoryRecords;
  private readonly blobs: BlobStore;
  private readonly locate: BlobLocator;
  private readonly clock: () => Date;
  readonly maxFileBytes: number;

  constructor(options: RepositoryOptions) {
    this.records = options.records;
    this.blobs = options.blobs;
    this.locate = options.locate;
    this.clock = options.clock ?? (() => new Date());
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  // ---- uploads

  /** Opens an upload session after checking everything about the file that can be checked before its bytes. */
  async startUpload(request: UploadRequest, user: string | null): Promise<UploadView> {
    const kind = checkKind(request.kind);
    const name = checkName(kind, request.name);
    const fileName = checkFileName(request.file_name);
    let flavor: ModelFlavor | null = null;
    if (kind === 'model') {
      if (request.flavor === undefined || request.flavor === null) throw new RepositoryInputError(`a model needs a flavor: one of tensorflow, spark, pytorch, other`);
      flavor = checkFlavor(request.flavor);
      const allowed = FLAVOR_EXTENSIONS[flavor];
      if (!extensionOk(fileName, allowed)) {
        throw new RepositoryInputError(
          `${fileName}: a ${flavor} model is uploaded as ${allowed!.join(', ')}${flavor === 'tensorflow' ? ' (the SavedModel folder, archived)' : ''}; use flavor 'other' for anything else`,
        );
      }
    } else if (request.flavor !== undefined && request.flavor !== null) {
      throw new RepositoryInputError('datasets have no flavor');
    }
    const { size } = request;
    if (!Number.isSafeInteger(size) || size < 1) throw new RepositoryInputError(`size must be a positive whole number of bytes, not ${String(size)}`);
    if (size > this.maxFileBytes) throw new RepositoryInputError(`${fileName}: ${size} bytes is more than the ${this.maxFileBytes} bytes a file may have here`);
    if (flavor === 'tensorflow' && size > MAX_SAVED_MODEL_BYTES) throw new RepositoryInputError(`${fileName}: a SavedModel archive is unpacked here and may have at most ${MAX_SAVED_MODEL_BYTES} bytes`);
    const chunkSize = request.chunk_size ?? Math.min(DEFAULT_CHUNK_BYTES, size);
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) throw new RepositoryInputError(`chunk_size must be 1 to ${MAX_CHUNK_BYTES} bytes, not ${String(chunkSize)}`);
    const chunkCount = Math.ceil(size / chunkSize);
    if (chunkCount > MAX_CHUNKS) throw new RepositoryInputError(`${chunkCount} chunks of ${chunkSize} bytes is more than ${MAX_CHUNKS}: use larger chunks`);
    const sha256 = request.sha256 === undefined || request.sha256 === null ? null : checkSha256(request.sha256, 'sha256');
    const description = request.description ?? '';
    if (typeof description !== 'string' || description.length > 4000) throw new RepositoryInputError('description must be text of at most 4000 characters');
    // One name keeps one flavor: TF Serving, Openscoring and TorchServe each load every version of it.
    const previous = (await this.records.listRepositoryVersions(kind, name)).at(-1);
    if (previous && previous.flavor !== flavor) throw new RepositoryInputError(`${label(kind, name)} is a ${previous.flavor} model: upload its new versions as ${previous.flavor}, or choose another name`);
    await this.removeExpiredUploads();
    const now = this.clock();
    const session: StoredUpload = {
      upload_id: randomUUID(),
      kind,
      name,
      flavor,
      file_name: fileName,
      size,
      sha256,
      description,
      chunk_size: chunkSize,
      chunk_count: chunkCount,
      created_by: user,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + UPLOAD_TTL_MS).toISOString(),
    };
    await this.blobs.put(sessionKey(session.upload_id), JSON.stringify(session));
    return this.view(session, []);
  }

  async uploadStatus(id: string, kind: RepositoryKind): Promise<UploadView> {
    const session = await this.session(id, kind);
    return this.view(session, session.completed_version === undefined ? await this.receivedChunks(session) : []);
  }

  /** Stores one chunk (again, if it is retried): its size must be the expected one, and its SHA-256 when given. */
  async putChunk(id: string, kind: RepositoryKind, index: number, body: Uint8Array, sha256?: string): Promise<{ index: number; size: number }> {
    const session = await this.openSession(id, kind);
    if (!Number.isSafeInteger(index) || index < 0 || index >= session.chunk_count) {
      throw new RepositoryInputError(`chunk index ${String(index)} is out of range: this upload has chunks 0 to ${session.chunk_count - 1}`);
    }
    const expected = this.chunkSize(session, index);
    if (body.length !== expected) throw new RepositoryInputError(`chunk ${index} has ${body.length} bytes; it must have ${expected}`);
    if (sha256 !== undefined && sha256Hex(body) !== checkSha256(sha256, 'the chunk checksum')) {
      throw new RepositoryInputError(`chunk ${index} does not match its SHA-256 (corrupted in transit): send it again`);
    }
    await this.blobs.put(chunkKey(id, index), body, { contentType: 'application/octet-stream' });
    return { index, size: body.length };
  }

  /**
   * Assembles the chunks into the stored file, checks it, and records it as the name's next version.
   * Completing an upload again answers the version it already made.
   */
  async completeUpload(id: string, kind: RepositoryKind): Promise<RepositoryVersionView> {
    const session = await this.session(id, kind);
    if (session.completed_version !== undefined) return this.get(session.kind, session.name, session.completed_version);
    this.checkNotExpired(session);
    const received = new Set(await this.receivedChunks(session));
    const missing = [...Array(session.chunk_count).keys()].filter((i) => !received.has(i));
    if (missing.length > 0) throw new RepositoryInputError(`the upload is missing ${missing.length} chunk(s): ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', ...' : ''}`);

    const fileKey = `${ROOT}/${session.kind}/${session.name}/${session.upload_id}/${session.file_name}`;
    const hash = createHash('sha256');
    let size = 0;
    const blobs = this.blobs;
    const chunkSize = (i: number) => this.chunkSize(session, i);
    async function* assembled(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < session.chunk_count; i++) {
        const chunk = await blobs.get(chunkKey(session.upload_id, i));
        if (!chunk || chunk.length !== chunkSize(i)) throw new RepositoryInputError(`chunk ${i} changed while the upload was being completed: send it again`);
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    }
    await this.blobs.put(fileKey, assembled(), { contentType: 'application/octet-stream' });
    const sha256 = hash.digest('hex');
    let savedModel: Map<string, Buffer> | undefined;
    try {
      if (size !== session.size) throw new RepositoryInputError(`the chunks add up to ${size} bytes, not the ${session.size} announced`);
      if (session.sha256 !== null && sha256 !== session.sha256) throw new RepositoryInputError(`the file's SHA-256 is ${sha256}, not the ${session.sha256} announced: send the chunks again`);
      if (session.flavor === 'tensorflow') savedModel = savedModelFiles((await this.blobs.get(fileKey))!, session.file_name);
    } catch (error) {
      await this.blobs.delete(fileKey);
      throw error;
    }

    const record = await this.claimNextVersion({
      kind: session.kind,
      name: session.name,
      version: 0,
      flavor: session.flavor,
      description: session.description,
      file_name: session.file_name,
      size,
      sha256,
      blob_key: fileKey,
      serving_prefix: savedModel ? `${SERVING}/${session.name}/` : null,
      created_at: this.clock().toISOString(),
      created_by: session.created_by,
    });
    if (savedModel) {
      for (const [path, data] of savedModel) await this.blobs.put(`${record.serving_prefix!}${path}`, data, { contentType: 'application/octet-stream' });
      await this.writeServingConfig();
    }
    await this.blobs.put(sessionKey(id), JSON.stringify({ ...session, completed_version: record.version }));
    for (let i = 0; i < session.chunk_count; i++) await this.blobs.delete(chunkKey(id, i));
    return this.viewOf(record);
  }

  async abortUpload(id: string, kind: RepositoryKind): Promise<void> {
    const session = await this.session(id, kind);
    await this.removeUpload(session.upload_id);
  }

  // ---- reading

  async list(kind: RepositoryKind): Promise<RepositoryItemSummary[]> {
    const byName = new Map<string, RepositoryVersionRecord[]>();
    for (const r of await this.records.listRepositoryVersions(checkKind(kind))) {
      const list = byName.get(r.name) ?? [];
      list.push(r);
      byName.set(r.name, list);
    }
    return [...byName.values()].map((versions) => {
      const latest = versions[versions.length - 1]!;
      return {
        kind: latest.kind,
        name: latest.name,
        flavor: latest.flavor,
        latest_version: latest.version,
        version_count: versions.length,
        description: latest.description,
        updated_at: latest.created_at,
      };
    });
  }

  async versions(kind: RepositoryKind, name: string): Promise<RepositoryVersionView[]> {
    const records = await this.records.listRepositoryVersions(checkKind(kind), checkName(kind, name));
    if (records.length === 0) throw new RepositoryNotFoundError(`there is no ${label(kind, name)}`);
    return records.map((r) => this.viewOf(r));
  }

  /** One version (`latest`: the highest); RepositoryNotFoundError names what is missing. */
  async get(kind: RepositoryKind, name: string, version: number | string = 'latest'): Promise<RepositoryVersionView> {
    return this.viewOf(await this.record(kind, name, version));
  }

  /** The stored file's bytes. */
  async download(kind: RepositoryKind, name: string, version: number | string): Promise<{ version: RepositoryVersionView; body: Buffer }> {
    const record = await this.record(kind, name, version);
    const body = await this.blobs.get(record.blob_key);
    if (!body) throw new RepositoryNotFoundError(`the file of ${label(kind, record.name, record.version)} is missing from the blob store`);
    return { version: this.viewOf(record), body };
  }

  /**
   * Where a client downloads a version's file straight from the blob store (a presigned URL valid for
   * `expiresInSeconds`), or undefined when the store cannot hand out such URLs (local mode: the API
   * streams the file). The caller checks permissions first: the URL itself is the permission.
   */
  async downloadLink(kind: RepositoryKind, name: string, version: number | string, expiresInSeconds: number): Promise<{ version: RepositoryVersionView; url: string } | undefined> {
    if (!this.blobs.presignGet) return undefined;
    const record = await this.record(kind, name, version);
    if (!(await this.blobs.exists(record.blob_key))) throw new RepositoryNotFoundError(`the file of ${label(kind, record.name, record.version)} is missing from the blob store`);
    const url = await this.blobs.presignGet(record.blob_key, { expiresInSeconds, fileName: record.file_name, contentType: 'application/octet-stream' });
    return { version: this.viewOf(record), url };
  }

  async describe(kind: RepositoryKind, name: string, version: number | string, description: string): Promise<RepositoryVersionView> {
    if (typeof description !== 'string' || description.length > 4000) throw new RepositoryInputError('description must be text of at most 4000 characters');
    const record = await this.record(kind, name, version);
    const updated = { ...record, description };
    await this.records.putRepositoryVersion(updated);
    return this.viewOf(updated);
  }

  // ---- deleting

  async deleteVersion(kind: RepositoryKind, name: string, version: number | string): Promise<void> {
    await this.remove([await this.record(kind, name, version)]);
  }

  /** Every version of a name. */
  async deleteAll(kind: RepositoryKind, name: string): Promise<number> {
    const records = await this.records.listRepositoryVersions(checkKind(kind), checkName(kind, name));
    if (records.length === 0) throw new RepositoryNotFoundError(`there is no ${label(kind, name)}`);
    await this.remove(records);
    return records.length;
  }

  // ---- TF Serving

  /** TF Serving's `--model_config_file` for every TensorFlow model version stored (also kept at TF_SERVING_CONFIG_KEY). */
  async servingConfig(): Promise<string> {
    const tf = (await this.records.listRepositoryVersions('model')).filter((r) => r.flavor === 'tensorflow' && r.serving_prefix !== null);
    const byName = new Map<string, number[]>();
    for (const r of tf) byName.set(r.name, [...(byName.get(r.name) ?? []), r.version]);
    return tfServingConfig([...byName].map(([name, versions]) => ({ name, basePath: this.locate(`${SERVING}/${name}`), versions })));
  }

  // ---- internals

  private async record(kind: RepositoryKind, name: string, version: number | string): Promise<RepositoryVersionRecord> {
    checkKind(kind);
    checkName(kind, name);
    const wanted = parseVersion(version);
    if (wanted === 'latest') {
      const all = await this.records.listRepositoryVersions(kind, name);
      const latest = all[all.length - 1];
      if (!latest) throw new RepositoryNotFoundError(`there is no ${label(kind, name)}`);
      return latest;
    }
    const record = await this.records.getRepositoryVersion(kind, name, wanted);
    if (!record) throw new RepositoryNotFoundError(`there is no ${label(kind, name, wanted)}`);
    return record;
  }

  /** Writes the record under the next free version number (concurrent completes each get their own). */
  private async claimNextVersion(record: RepositoryVersionRecord): Promise<RepositoryVersionRecord> {
    for (let attempt = 0; ; attempt++) {
      const existing = await this.records.listRepositoryVersions(record.kind, record.name);
      const version = (existing[existing.length - 1]?.version ?? 0) + 1;
      const claimed = { ...record, version, serving_prefix: record.serving_prefix === null ? null : `${record.serving_prefix}${version}/` };
      try {
        await this.records.putRepositoryVersion(claimed, { createOnly: true });
        return claimed;
      } catch (error) {
        if (!(error instanceof ConditionFailedError) || attempt >= 9) throw error;
      }
    }
  }

  private async remove(records: readonly RepositoryVersionRecord[]): Promise<void> {
    let servingChanged = false;
    for (const record of records) {
      await this.records.deleteRepositoryVersion(record.kind, record.name, record.version);
      await this.blobs.delete(record.blob_key);
      if (record.serving_prefix) {
        servingChanged = true;
        for (const blob of (await this.blobs.list(record.serving_prefix)).blobs) await this.blobs.delete(blob.key);
      }
    }
    if (servingChanged) await this.writeServingConfig();
  }

  private async writeServingConfig(): Promise<void> {
    await this.blobs.put(TF_SERVING_CONFIG_KEY, await this.servingConfig(), { contentType: 'text/plain; charset=utf-8' });
  }

  private chunkSize(session: StoredUpload, index: number): number {
    return index < session.chunk_count - 1 ? session.chunk_size : session.size - session.chunk_size * (session.chunk_count - 1);
  }

  private async session(id: string, kind: RepositoryKind): Promise<StoredUpload> {
    const body = await this.blobs.get(sessionKey(checkUploadId(id)));
    const session = body && (JSON.parse(body.toString('utf8')) as StoredUpload);
    // An upload of the other kind is not found through this kind's endpoints.
    if (!session || session.kind !== kind) throw new RepositoryNotFoundError(`there is no ${kind} upload '${id}'`);
    return session;
  }

  /** A session chunks may still be sent to. */
  private async openSession(id: string, kind: RepositoryKind): Promise<StoredUpload> {
    const session = await this.session(id, kind);
    if (session.completed_version !== undefined) throw new RepositoryInputError(`upload '${id}' is complete (version ${session.completed_version}); start a new upload`);
    this.checkNotExpired(session);
    return session;
  }

  private checkNotExpired(session: StoredUpload): void {
    if (Date.parse(session.expires_at) <= this.clock().getTime()) throw new RepositoryInputError(`upload '${session.upload_id}' expired at ${session.expires_at}; start a new upload`);
  }

  private async receivedChunks(session: StoredUpload): Promise<number[]> {
    const prefix = `${UPLOADS}${session.upload_id}/chunk-`;
    return (await this.blobs.list(prefix)).blobs.map((b) => Number(b.key.slice(prefix.length))).filter((i) => Number.isInteger(i));
  }

  private async removeUpload(id: string): Promise<void> {
    for (const blob of (await this.blobs.list(`${UPLOADS}${id}/`)).blobs) await this.blobs.delete(blob.key);
  }

  private async removeExpiredUploads(): Promise<void> {
    const now = this.clock().getTime();
    for (const prefix of (await this.blobs.list(UPLOADS, { delimiter: '/' })).prefixes) {
      const body = await this.blobs.get(`${prefix}upload.json`);
      const session = body && (JSON.parse(body.toString('utf8')) as StoredUpload);
      if (!session || Date.parse(session.expires_at) <= now) await this.removeUpload(prefix.slice(UPLOADS.length, -1));
    }
  }

  private view(session: StoredUpload, received: number[]): UploadView {
    const { completed_version: completed, ...rest } = session;
    return { ...rest, received, completed_version: completed ?? null };
  }

  private viewOf(record: RepositoryVersionRecord): RepositoryVersionView {
    const { blob_key: blobKey, serving_prefix: serving, ...rest } = record;
    const fileUri = this.locate(blobKey);
    return { ...rest, uri: serving ? this.locate(serving.slice(0, -1)) : fileUri, file_uri: fileUri };
  }
}

/**
 * The files of a SavedModel archive, relative to the folder holding `saved_model.pb` (or `.pbtxt`):
 * the archive may hold the folder itself, its parent, or the files at the top. Anything else — not a
 * tar.gz, unsafe paths, links, no SavedModel or several — is refused.
 */
export function savedModelFiles(archive: Buffer, fileName: string): Map<string, Buffer> {
  let entries;
  try {
    entries = readTarGz(archive, { maxEntries: 100_000, maxBytes: MAX_SAVED_MODEL_BYTES });
  } catch (error) {
    if (error instanceof ArchiveError) throw new RepositoryInputError(`${fileName}: ${error.message}`);
    throw error;
  }
  const roots = entries.filter((e) => /(^|\/)saved_model\.pb(txt)?$/.test(e.path)).map((e) => e.path.slice(0, e.path.lastIndexOf('/') + 1));
  const distinct = [...new Set(roots)];
  if (distinct.length === 0) throw new RepositoryInputError(`${fileName}: no saved_model.pb in the archive: upload a TensorFlow SavedModel folder as a .tar.gz`);
  if (distinct.length > 1) throw new RepositoryInputError(`${fileName}: the archive holds several SavedModels (${distinct.map((r) => r || './').join(', ')}); upload one per version`);
  const root = distinct[0]!;
  return new Map(entries.filter((e) => e.path.startsWith(root)).map((e) => [e.path.slice(root.length), e.data]));
}

/** What templates' `models.get(name, version=None)` and `datasets.get(...)` read: a version, or undefined when there is none. */
export function repositoryResolver(repository: Repository): RepositoryResolver {
  return async ({ kind, name, version }) => {
    try {
      const v = await repository.get(kind, name, version ?? 'latest');
      return { name: v.name, version: v.version, flavor: v.flavor, uri: v.uri, file_uri: v.file_uri, file_name: v.file_name, size: v.size, sha256: v.sha256, description: v.description };
    } catch (error) {
      if (error instanceof RepositoryNotFoundError || error instanceof RepositoryInputError) return undefined;
      throw error;
    }
  };
}

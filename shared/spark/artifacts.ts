/**
 * Code artifacts (Couture's Developer → Code Artifacts) and Spark dependencies (Admin → Spark
 * Dependencies): `.jar`, `.py`, `.zip`, `.egg` files in the blob store under
 * `spark/artifacts/<code|dependency>/<name>`. Tasks name them by bare file name: `code_artifact=`
 * a code artifact, a group's `jars` / `py-files` arguments dependencies.
 */
import type { BlobInfo, BlobStore } from '../stores/blob.js';
import { checkArtifactKind, checkArtifactName, SparkInputError, type ArtifactKind } from './names.js';

/** The largest artifact the blob store takes (CLI and import). The API takes less: see MAX_API_ARTIFACT_BYTES. */
export const MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;
/** What fits in one API request (API Gateway → Lambda carries at most 6 MB); larger files go through the CLI. */
export const MAX_API_ARTIFACT_BYTES = 5 * 1024 * 1024;

export interface ArtifactInfo {
  kind: ArtifactKind;
  name: string;
  size: number;
  last_modified: string;
}

export function artifactKey(kind: ArtifactKind, name: string): string {
  return `spark/artifacts/${checkArtifactKind(kind)}/${checkArtifactName(name)}`;
}

/** Where the engine finds a blob: a local path (spark-submit here), `s3://bucket/key` (EMR), ... */
export type BlobLocator = (key: string) => string;

export class ArtifactNotFoundError extends Error {
  override readonly name = 'ArtifactNotFoundError';
}

export class ArtifactStore {
  constructor(
    private readonly blobs: BlobStore,
    readonly maxBytes = MAX_ARTIFACT_BYTES,
  ) {}

  /** Stores (or replaces) an artifact after checking its name, kind and size; a refusal writes nothing. */
  async upload(kind: ArtifactKind, name: string, body: Uint8Array): Promise<ArtifactInfo> {
    const key = artifactKey(kind, name);
    if (body.length === 0) throw new SparkInputError(`${name}: the file is empty`);
    if (body.length > this.maxBytes) throw new SparkInputError(`${name}: ${body.length} bytes is more than the ${Math.floor(this.maxBytes / 1024 / 1024)} MiB an artifact may have`);
    await this.blobs.put(key, body);
    return { kind, name, size: body.length, last_modified: (await this.blobs.head(key))?.lastModified ?? new Date().toISOString() };
  }

  async list(kind?: ArtifactKind): Promise<ArtifactInfo[]> {
    const kinds = kind ? [checkArtifactKind(kind)] : (['code', 'dependency'] as const);
    const out: ArtifactInfo[] = [];
    for (const k of kinds) {
      const listing = await this.blobs.list(`spark/artifacts/${k}/`, { delimiter: '/' });
      out.push(...listing.blobs.map((b: BlobInfo) => ({ kind: k, name: b.key.slice(b.key.lastIndexOf('/') + 1), size: b.size, last_modified: b.lastModified })));
    }
    return out;
  }

  async get(kind: ArtifactKind, name: string): Promise<Buffer | undefined> {
    return this.blobs.get(artifactKey(kind, name));
  }

  async delete(kind: ArtifactKind, name: string): Promise<void> {
    const key = artifactKey(kind, name);
    if (!(await this.blobs.exists(key))) throw new ArtifactNotFoundError(`there is no ${kind === 'code' ? 'code artifact' : 'Spark dependency'} named '${name}'`);
    await this.blobs.delete(key);
  }

  /** The blob key of an artifact a task refers to; ArtifactNotFoundError names what to upload. */
  async require(kind: ArtifactKind, name: string, forWhat: string): Promise<string> {
    const key = artifactKey(kind, name);
    if (!(await this.blobs.exists(key))) {
      throw new ArtifactNotFoundError(
        `${forWhat}: ${kind === 'code' ? 'code artifact' : 'Spark dependency'} '${name}' has not been uploaded (skydag artifacts upload ${name}${kind === 'dependency' ? ' --kind dependency' : ''}, or POST /api/v1/artifacts/${kind})`,
      );
    }
    return key;
  }
}

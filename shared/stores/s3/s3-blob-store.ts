/**
 * The blob store on Amazon S3 (cloud mode). Small bodies are one PutObject; streams and bodies over
 * {@link S3BlobStoreOptions.multipartThresholdBytes} go through `@aws-sdk/lib-storage`'s multipart
 * Upload. Keys are checked with the same rules as the filesystem adapter, so a key that works in local
 * mode works here and the other way round.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';

import {
  assertValidBlobKey,
  assertValidBlobPrefix,
  compareKeys,
  contentTypeFor,
  type BlobBody,
  type BlobHead,
  type BlobInfo,
  type BlobListing,
  type BlobStore,
  type ListBlobsOptions,
  type PresignGetOptions,
  type PutBlobOptions,
} from '../blob.js';

export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key in the bucket (e.g. `skydag/`); listings return keys without it. @default '' */
  keyPrefix?: string;
  /** Bodies larger than this go through a multipart upload. @default 16 MiB */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (S3's minimum is 5 MiB). @default 8 MiB */
  partSizeBytes?: number;
}

const MiB = 1024 * 1024;

/** A Content-Disposition for a download: a plain ASCII fallback name and the exact one (RFC 6266 / 5987). */
export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

const isNotFound = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
};

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly keyPrefix: string;
  private readonly multipartThresholdBytes: number;
  private readonly partSizeBytes: number;

  constructor(options: S3BlobStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.keyPrefix = options.keyPrefix ?? '';
    this.multipartThresholdBytes = options.multipartThresholdBytes ?? 16 * MiB;
    this.partSizeBytes = Math.max(5 * MiB, options.partSizeBytes ?? 8 * MiB);
  }

  private objectKey(key: string): string {
    assertValidBlobKey(key);
    return this.keyPrefix + key;
  }

  async put(key: string, body: BlobBody, options: PutBlobOptions = {}): Promise<void> {
    const params = { Bucket: this.bucket, Key: this.objectKey(key), ContentType: options.contentType ?? contentTypeFor(key) };
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body instanceof Uint8Array ? body : undefined;
    if (bytes && bytes.byteLength <= this.multipartThresholdBytes) {
      await this.client.send(new PutObjectCommand({ ...params, Body: bytes }));
      return;
    }
    // Streams (unknown length) and large bodies: parts of partSizeBytes, 4 in flight.
    const upload = new Upload({
      client: this.client,
      params: { ...params, Body: bytes ?? Readable.from(body as AsyncIterable<Uint8Array>) },
      partSize: this.partSizeBytes,
      queueSize: 4,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!out.Body) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async head(key: string): Promise<BlobHead | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return {
        key,
        size: out.ContentLength ?? 0,
        lastModified: (out.LastModified ?? new Date(0)).toISOString(),
        contentType: out.ContentType ?? contentTypeFor(key),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** A presigned GetObject URL (SigV4 query string, signed with the function's role credentials; at most 7 days). */
  async presignGet(key: string, options: PresignGetOptions): Promise<string> {
    const expiresIn = Math.min(Math.max(1, Math.floor(options.expiresInSeconds)), 7 * 24 * 3600);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ...(options.fileName !== undefined ? { ResponseContentDisposition: attachment(options.fileName) } : {}),
      ...(options.contentType !== undefined ? { ResponseContentType: options.contentType } : {}),
    });
    return getSignedUrl(this.client, command, { expiresIn });
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async list(prefix: string, options: ListBlobsOptions = {}): Promise<BlobListing> {
    assertValidBlobPrefix(prefix);
    const blobs: BlobInfo[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.keyPrefix + prefix,
          ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of out.Contents ?? []) {
        if (object.Key === undefined) continue;
        blobs.push({ key: object.Key.slice(this.keyPrefix.length), size: object.Size ?? 0, lastModified: (object.LastModified ?? new Date(0)).toISOString() });
      }
      for (const common of out.CommonPrefixes ?? []) if (common.Prefix !== undefined) prefixes.push(common.Prefix.slice(this.keyPrefix.length));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    // S3 lists in UTF-8 byte order already; S3-compatible servers (s3rver) may not: the port promises it.
    blobs.sort((a, b) => compareKeys(a.key, b.key));
    prefixes.sort(compareKeys);
    return { blobs, prefixes };
  }
}

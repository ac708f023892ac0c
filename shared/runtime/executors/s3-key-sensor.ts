/**
 * S3KeySensor (Airflow `airflow/providers/amazon/aws/sensors/s3.py`): waits for one key — or every
 * key of a list — to exist. `bucket_key` is a full `s3://bucket/key` URL, or a key relative to
 * `bucket_name`. With `wildcard_match` the key is an fnmatch pattern (`*` also crosses `/`); the
 * lister answers whether any key matches (see {@link s3WildcardPrefix} / `fnmatch` in glob.ts).
 *
 * `check_fn` is a Python callable and cannot be called here (TaskNotRunnableError).
 */
import { fnmatch } from './glob.js';
import { type SensorLoopOptions, runSensor } from './sensors.js';
import { optionalBool, optionalString, optionalStringList, rejectCallable } from './support.js';
import { type ExecutionRequest, type TaskExecutor, TaskNotRunnableError } from './types.js';

/** The object-store port: whether a key (or, with `wildcard`, any key matching the pattern) exists. */
export interface BlobLister {
  exists(bucket: string, keyOrPattern: string, wildcard: boolean): Promise<boolean>;
}

/** The lister a try uses (e.g. an S3 client for its `aws_conn_id` connection: shared/aws/s3-key-lister.ts). */
export type BlobListerFor = (request: ExecutionRequest) => Promise<BlobLister>;

/** The listing prefix for a wildcard key: everything before the first `[`, `*` or `?` (Airflow's). */
export function s3WildcardPrefix(pattern: string): string {
  return pattern.split(/[[*?]/, 1)[0] ?? '';
}

/** A {@link BlobLister} over a key listing (for stores that list by prefix). */
export function blobListerFromListing(list: (bucket: string, prefix: string) => Promise<readonly string[]>): BlobLister {
  return {
    async exists(bucket, keyOrPattern, wildcard) {
      if (!wildcard) return (await list(bucket, keyOrPattern)).includes(keyOrPattern);
      const keys = await list(bucket, s3WildcardPrefix(keyOrPattern));
      return keys.some((k) => fnmatch(k, keyOrPattern));
    },
  };
}

/** Airflow's `S3Hook.get_s3_bucket_key(bucket, key, ...)`. */
export function s3BucketKey(bucketName: string | undefined, key: string, where: string): { bucket: string; key: string } {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)\/?(.*)$/i.exec(key);
  if (bucketName === undefined) {
    if (!match || !match[2]) {
      throw new TaskNotRunnableError(
        `${where}: please provide a bucket name using a valid format: bucket_key '${key}' is not an s3://bucket/key URL and bucket_name is not set`,
      );
    }
    return { bucket: match[2], key: match[3] ?? '' };
  }
  if (match) {
    throw new TaskNotRunnableError(
      `${where}: if bucket_name is provided, bucket_key should be relative path from root level, rather than a full s3:// url ('${key}')`,
    );
  }
  return { bucket: bucketName, key };
}

export function createS3KeySensor(listers: BlobLister | BlobListerFor, options: SensorLoopOptions = {}): TaskExecutor {
  return async (request: ExecutionRequest) => {
    const where = `S3KeySensor '${request.task.task_id}'`;
    rejectCallable(request, 'check_fn', 'Check the key in a PythonSensor instead, or drop check_fn to wait for the key to exist.');
    const keys = optionalStringList(request, 'bucket_key');
    if (!keys || keys.length === 0) throw new TaskNotRunnableError(`${where}: argument 'bucket_key' is required`);
    const bucketName = optionalString(request, 'bucket_name');
    const wildcard = optionalBool(request, 'wildcard_match', false);
    const targets = keys.map((k) => s3BucketKey(bucketName, k, where));
    const lister = typeof listers === 'function' ? await listers(request) : listers;
    return runSensor(
      request,
      async () => {
        for (const t of targets) {
          request.log.info(`Poking for key : s3://${t.bucket}/${t.key}`);
          if (!(await lister.exists(t.bucket, t.key, wildcard))) return false;
        }
        return true;
      },
      options,
    );
  };
}

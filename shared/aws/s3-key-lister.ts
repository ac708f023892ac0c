/**
 * S3KeySensor's lister in AWS (the BlobLister port of shared/runtime/executors/s3-key-sensor.ts) over
 * ListObjectsV2, as Airflow's S3Hook answers it: a plain key exists when the bucket lists it under
 * itself as prefix (the key sorts first among the keys it prefixes, so one key is asked for); a
 * wildcard key lists from the part before its first wildcard character, page by page, until a key
 * matches the fnmatch pattern (`*` also crosses `/`).
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { fnmatch } from '../runtime/executors/glob.js';
import { s3WildcardPrefix, type BlobLister } from '../runtime/executors/s3-key-sensor.js';

export function createS3KeyLister(client: Pick<S3Client, 'send'>): BlobLister {
  return {
    async exists(bucket, keyOrPattern, wildcard) {
      if (!wildcard) {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOrPattern, MaxKeys: 1 }));
        return page.Contents?.[0]?.Key === keyOrPattern;
      }
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: s3WildcardPrefix(keyOrPattern), ...(token ? { ContinuationToken: token } : {}) }));
        if ((page.Contents ?? []).some((o) => o.Key !== undefined && fnmatch(o.Key, keyOrPattern))) return true;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return false;
    },
  };
}

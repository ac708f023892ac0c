/**
 * S3KeySensor's lister in AWS (the BlobLister port of shared/runtime/executors/s3-key-sensor.ts) over
 * ListObjectsV2, as Airflow's S3Hook answers it: a plain key exists when the bucket lists it under
 * itself as prefix (the key sorts first among the keys it prefixes, so one key is asked for); a
 * wildcard key lists from the part before its first wildcard character, page by page, until a key
 * matches the fnmatch pattern (`*` also crosses `/`).
 */
import { ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { fnmatch } from '../runtime/executors/glob.js';
import { s3WildcardPrefix, type BlobLister, type BlobListerFor } from '../runtime/executors/s3-key-sensor.js';

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

/**
 * The lister of each try, as Airflow's S3KeySensor gets it from `S3Hook(aws_conn_id)`: the task's
 * `aws_conn_id` (default `aws_default`) connection's keys (login / password, extra
 * `aws_session_token`), region (`region_name`) and endpoint (`endpoint_url`, also under
 * `service_config.s3`: S3-compatible stores, addressed by path); without such a connection, the
 * default credentials (`defaultClient`: the task role in AWS, the environment's locally).
 */
export function connectionS3KeyListers(defaultClient: () => Pick<S3Client, 'send'>): BlobListerFor {
  const clients = new Map<string, Pick<S3Client, 'send'>>();
  return async (request) => {
    const connId = typeof request.args.aws_conn_id === 'string' ? request.args.aws_conn_id : 'aws_default';
    const conn = request.args.aws_conn_id === null ? undefined : await request.services.getConnection(connId);
    if (!conn) return createS3KeyLister(defaultClient());
    const extra = conn.extra;
    const s3Config = (extra.service_config as { s3?: Record<string, unknown> } | undefined)?.s3 ?? {};
    const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    const endpoint = text(s3Config.endpoint_url) ?? text(extra.endpoint_url);
    const region = text(extra.region_name) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    const sessionToken = text(extra.aws_session_token);
    const config: S3ClientConfig = {
      region,
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      ...(conn.login && conn.password ? { credentials: { accessKeyId: conn.login, secretAccessKey: conn.password, ...(sessionToken ? { sessionToken } : {}) } } : {}),
    };
    const key = JSON.stringify(config);
    let client = clients.get(key);
    if (!client) {
      client = new S3Client(config);
      clients.set(key, client);
    }
    return createS3KeyLister(client);
  };
}

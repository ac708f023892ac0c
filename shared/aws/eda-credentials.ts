/** The EDA credentials drop on S3 (the port is shared/eda/jdbc.ts `CredentialsDrop`). */
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CREDENTIALS_PREFIX, type CredentialsDrop } from '../eda/jdbc.js';

/**
 * The drop in the artifacts bucket: SSE-KMS with the deployment's key (its policy lets the Spark job
 * roles decrypt objects under the prefix only), SSE-S3 where there is none. No bucket key: the
 * encryption context must be the object's ARN, which the key policy's condition names.
 */
export function s3CredentialsDrop(options: { client: S3Client; bucket: string; kmsKeyArn?: string }): CredentialsDrop {
  const check = (key: string) => {
    if (!key.startsWith(CREDENTIALS_PREFIX) || key.includes('..')) throw new Error(`not a credentials key: ${key}`);
    return key;
  };
  return {
    async put(key, body) {
      await options.client.send(
        new PutObjectCommand({
          Bucket: options.bucket,
          Key: check(key),
          Body: body,
          ContentType: 'application/json',
          CacheControl: 'no-store',
          ...(options.kmsKeyArn ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: options.kmsKeyArn, BucketKeyEnabled: false } : { ServerSideEncryption: 'AES256' }),
        }),
      );
    },
    async delete(key) {
      await options.client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: check(key) }));
    },
  };
}

/**
 * The cloud's master secret (variables and connection secrets, sealed XComs, JWT signing: independent
 * sub-keys derived from it, as local mode derives them from `$SKYDAG_HOME/secret.key`). It is one
 * object in the artifacts bucket, encrypted at rest with the deployment's KMS key (SSE-KMS), so only
 * roles allowed to decrypt with that key can read it; it never appears in the environment or in
 * CloudFormation. The first cold start creates it with a conditional put, so two concurrent first
 * starts agree on one key.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { AesGcmCipher, deriveKey, generateSecretKey, parseSecretKey } from '../shared/api/secrets/cipher.js';

export interface MasterKeyLocation {
  bucket: string;
  key: string;
  kmsKeyArn: string;
}

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const nameOf = (error: unknown) => (error as { name?: string }).name;

async function read(client: Pick<S3Client, 'send'>, where: MasterKeyLocation): Promise<Buffer | undefined> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: where.bucket, Key: where.key }));
    const text = await out.Body!.transformToString('utf8');
    try {
      return parseSecretKey(text);
    } catch (error) {
      // The message names the object, never its content.
      throw new Error(`s3://${where.bucket}/${where.key} does not hold a skydag master key: ${(error as Error).message}`, { cause: error });
    }
  } catch (error) {
    if (nameOf(error) === 'NoSuchKey' || statusOf(error) === 404) return undefined;
    throw error;
  }
}

export async function loadOrCreateMasterKey(client: Pick<S3Client, 'send'>, where: MasterKeyLocation): Promise<Buffer> {
  const existing = await read(client, where);
  if (existing) return existing;
  const key = generateSecretKey();
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: where.bucket,
        Key: where.key,
        Body: `${key.toString('base64')}\n`,
        ContentType: 'text/plain',
        IfNoneMatch: '*',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: where.kmsKeyArn,
      }),
    );
    return key;
  } catch (error) {
    // Another cold start created it first: use theirs.
    if (statusOf(error) !== 412 && statusOf(error) !== 409) throw error;
    const theirs = await read(client, where);
    if (!theirs) throw error;
    return theirs;
  }
}

/** The sub-keys every entry derives from the master key: the cipher of secrets at rest, and the JWT signing secret. */
export async function loadCloudSecrets(client: Pick<S3Client, 'send'>, where: MasterKeyLocation): Promise<{ cipher: AesGcmCipher; jwtSecret: Buffer }> {
  const master = await loadOrCreateMasterKey(client, where);
  return { cipher: new AesGcmCipher(deriveKey(master, 'cipher')), jwtSecret: deriveKey(master, 'jwt') };
}

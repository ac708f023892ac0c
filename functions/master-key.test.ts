/** The master key object: read when it exists, created once (conditional put, SSE-KMS) when it does not. */
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { loadOrCreateMasterKey } from './master-key.js';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());
const where = { bucket: 'skydag-artifacts', key: 'secrets/master.key', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k' };
// What the SDK's body mixin gives the reader (only transformToString is used).
const body = (text: string) => ({ transformToString: async () => text }) as never;
const s3Error = (name: string, status: number) => new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
const KEY = Buffer.alloc(32, 7);

it('reads the existing key', async () => {
  s3.on(GetObjectCommand).resolves({ Body: body(KEY.toString('base64')) });
  expect(await loadOrCreateMasterKey(new S3Client({}), where)).toEqual(KEY);
  expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
});

it('creates a missing key with a conditional, KMS-encrypted put', async () => {
  s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey', 404)).on(PutObjectCommand).resolves({});
  const key = await loadOrCreateMasterKey(new S3Client({}), where);
  expect(key).toHaveLength(32);
  const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
  expect(put).toMatchObject({ Bucket: 'skydag-artifacts', Key: 'secrets/master.key', IfNoneMatch: '*', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: where.kmsKeyArn });
  expect(String(put.Body).trim()).toBe(key.toString('base64'));
});

it('uses the key a concurrent first start created', async () => {
  s3.on(GetObjectCommand).rejectsOnce(s3Error('NoSuchKey', 404)).resolves({ Body: body(KEY.toString('base64')) });
  s3.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
  expect(await loadOrCreateMasterKey(new S3Client({}), where)).toEqual(KEY);
});

it('refuses an object that is not a key, without echoing it', async () => {
  s3.on(GetObjectCommand).resolves({ Body: body('not-a-key-but-a-secret') });
  await expect(loadOrCreateMasterKey(new S3Client({}), where)).rejects.toThrow(/does not hold a skydag master key/);
  await expect(loadOrCreateMasterKey(new S3Client({}), where)).rejects.not.toThrow(/not-a-key-but-a-secret/);
});

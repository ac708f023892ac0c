/** The EDA credentials drop on S3: the exact PutObject / DeleteObject requests, SSE-KMS with a key and SSE-S3 without. */
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { s3CredentialsDrop } from './eda-credentials.js';

const s3 = mockClient(S3Client);
const KEY = 'eda/credentials/eda__shop__L0/20240102T000000.json';
const BODY = '{"url":"jdbc:postgresql://db:5432/x","driver":"org.postgresql.Driver","user":"u","password":"p"}';

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(DeleteObjectCommand).resolves({});
});
const client = () => new S3Client({ region: 'eu-west-1' });

it("encrypts with the deployment's KMS key without a bucket key (the object's ARN is the encryption context), and deletes by key", async () => {
  const kmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/k';
  const drop = s3CredentialsDrop({ client: client(), bucket: 'data', kmsKeyArn });
  await drop.put(KEY, BODY);
  await drop.delete(KEY);
  expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([
    { Bucket: 'data', Key: KEY, Body: BODY, ContentType: 'application/json', CacheControl: 'no-store', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyArn, BucketKeyEnabled: false },
  ]);
  expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: 'data', Key: KEY }]);
});

it('falls back to SSE-S3 where the deployment has no key, and writes or deletes nothing outside the credentials prefix', async () => {
  const drop = s3CredentialsDrop({ client: client(), bucket: 'data' });
  await drop.put(KEY, BODY);
  expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'data', Key: KEY, Body: BODY, ContentType: 'application/json', CacheControl: 'no-store', ServerSideEncryption: 'AES256' });
  await expect(drop.put('eda/reports/x.json', BODY)).rejects.toThrow('not a credentials key: eda/reports/x.json');
  await expect(drop.delete('eda/credentials/../sources/x.json')).rejects.toThrow(/not a credentials key/);
  expect(s3.calls()).toHaveLength(1);
});

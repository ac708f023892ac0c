/** Presigned downloads from the S3 blob store: the URL's shape (signed offline, no request is sent). */
import { S3Client } from '@aws-sdk/client-s3';
import { attachment, S3BlobStore } from './s3-blob-store.js';

const client = new S3Client({ region: 'eu-west-3', credentials: { accessKeyId: 'AKIAEXAMPLEKEY', secretAccessKey: 'example-secret' } });

describe('S3BlobStore.presignGet', () => {
  it('signs a GetObject of the prefixed key for a bounded time, with the download name and type', async () => {
    const store = new S3BlobStore({ client, bucket: 'skydag-artifacts', keyPrefix: 'tenant/' });
    const url = new URL(await store.presignGet('repository/model/churn/v3/churn model.zip', { expiresInSeconds: 300, fileName: 'churn model.zip', contentType: 'application/octet-stream' }));
    expect(url.origin).toBe('https://skydag-artifacts.s3.eu-west-3.amazonaws.com');
    expect(decodeURIComponent(url.pathname)).toBe('/tenant/repository/model/churn/v3/churn model.zip');
    const q = url.searchParams;
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toMatch(/^AKIAEXAMPLEKEY\/\d{8}\/eu-west-3\/s3\/aws4_request$/);
    expect(q.get('X-Amz-Expires')).toBe('300');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host');
    expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(q.get('response-content-disposition')).toBe(`attachment; filename="churn model.zip"; filename*=UTF-8''churn%20model.zip`);
    expect(q.get('response-content-type')).toBe('application/octet-stream');
    // The secret never travels in the URL.
    expect(url.toString()).not.toContain('example-secret');
  });

  it('keeps the lifetime within what SigV4 allows and refuses keys no adapter accepts', async () => {
    const store = new S3BlobStore({ client, bucket: 'b' });
    expect(new URL(await store.presignGet('a.bin', { expiresInSeconds: 30 * 24 * 3600 })).searchParams.get('X-Amz-Expires')).toBe(String(7 * 24 * 3600));
    await expect(store.presignGet('../x', { expiresInSeconds: 60 })).rejects.toThrow();
  });

  it('names non-ASCII or quoted files safely in Content-Disposition', () => {
    expect(attachment('modèle "v2".bin')).toBe(`attachment; filename="mod_le _v2_.bin"; filename*=UTF-8''mod%C3%A8le%20%22v2%22.bin`);
  });
});

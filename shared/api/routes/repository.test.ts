/** The models and datasets endpoints: resumable checked uploads, versions, downloads, TF Serving config; refusals change nothing. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../../local/stores/fs-blob-store.js';
import type { PresignGetOptions } from '../../stores/blob.js';
import { MemoryMetadataStore } from '../../../local/stores/memory-metadata.js';
import { Repository } from '../../repository/repository.js';
import { writeTarGz } from '../../util/tar.js';
import { call, createHarness, type Harness } from '../test-support.js';

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describe('models and datasets API', () => {
  let dir: string;
  let blobs: FsBlobStore;
  let h: Harness;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-repo-api-'));
    blobs = new FsBlobStore(dir);
    const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate: (key) => `s3://bucket/${key}` });
    h = await createHarness({ config: { repository } });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const as = (role: 'Viewer' | 'User' | 'Op' | 'Admin') => (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    call(h, method, path, { token: h.tokens[role], ...(body === undefined ? {} : Buffer.isBuffer(body) ? { rawBody: body, headers } : { body }) });
  const op = as('Op');

  /** Uploads `data` in chunks of `chunk` bytes, each with its checksum; returns the completed version. */
  async function upload(kind: 'model' | 'dataset', fields: Record<string, unknown>, data: Buffer, chunk = 4) {
    const started = await op('POST', `/api/v1/${kind}Uploads`, { ...fields, size: data.length, sha256: sha(data), chunk_size: chunk });
    expect(started.status).toBe(200);
    const id = started.json.upload_id as string;
    for (let i = 0; i * chunk < data.length; i++) {
      const part = data.subarray(i * chunk, (i + 1) * chunk);
      expect((await op('PUT', `/api/v1/${kind}Uploads/${id}/chunks/${i}`, part, { 'x-chunk-sha256': sha(part) })).status).toBe(200);
    }
    return op('POST', `/api/v1/${kind}Uploads/${id}/complete`);
  }

  it('uploads a dataset in checked chunks, resumes, versions it, and serves the file back', async () => {
    const data = Buffer.from('id,churned\n1,0\n2,1\n');
    const started = await op('POST', '/api/v1/datasetUploads', { name: 'customers', file_name: 'customers.csv', size: data.length, sha256: sha(data), chunk_size: 8, description: 'CRM export' });
    expect(started.json).toMatchObject({ chunk_count: 3, chunk_size: 8, received: [], completed_version: null });
    const id = started.json.upload_id as string;
    expect((await op('PUT', `/api/v1/datasetUploads/${id}/chunks/2`, data.subarray(16))).status).toBe(200);
    expect((await op('PUT', `/api/v1/datasetUploads/${id}/chunks/0`, data.subarray(0, 8))).status).toBe(200);
    // Resuming: the client asks what is in and sends the rest.
    expect((await op('GET', `/api/v1/datasetUploads/${id}`)).json.received).toEqual([0, 2]);
    const early = await op('POST', `/api/v1/datasetUploads/${id}/complete`);
    expect(early.status).toBe(400);
    expect(early.json.detail).toMatch(/missing 1 chunk\(s\): 1/);
    expect((await op('PUT', `/api/v1/datasetUploads/${id}/chunks/1`, data.subarray(8, 16), { 'x-chunk-sha256': sha(data.subarray(8, 16)) })).status).toBe(200);
    const done = await op('POST', `/api/v1/datasetUploads/${id}/complete`);
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ kind: 'dataset', name: 'customers', version: 1, flavor: null, size: data.length, sha256: sha(data), description: 'CRM export', created_by: 'op' });
    expect(done.json.uri).toMatch(/^s3:\/\/bucket\/repository\/dataset\/customers\/.+\/customers\.csv$/);
    // Completing again answers the same version (a retried request), and the chunks are gone.
    expect((await op('POST', `/api/v1/datasetUploads/${id}/complete`)).json.version).toBe(1);
    expect((await blobs.list(`repository/uploads/${id}/chunk-`)).blobs).toEqual([]);

    const second = await upload('dataset', { name: 'customers', file_name: 'customers.csv' }, Buffer.from('id,churned\n3,1\n'));
    expect(second.json.version).toBe(2);
    const reader = as('User');
    expect((await reader('GET', '/api/v1/datasets')).json).toEqual({
      datasets: [{ kind: 'dataset', name: 'customers', flavor: null, latest_version: 2, version_count: 2, description: '', updated_at: expect.any(String) }],
      total_entries: 1,
    });
    expect((await reader('GET', '/api/v1/datasets/customers/versions')).json.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect((await reader('GET', '/api/v1/datasets/customers/versions/latest')).json.version).toBe(2);
    const file = await reader('GET', '/api/v1/datasets/customers/versions/1/file');
    expect(file.text).toBe(data.toString());
    expect(file.headers['content-disposition']).toBe('attachment; filename="customers.csv"');
    expect((await op('PATCH', '/api/v1/datasets/customers/versions/1', { description: 'first export' })).json.description).toBe('first export');
    expect((await op('DELETE', '/api/v1/datasets/customers/versions/1')).status).toBe(204);
    expect((await reader('GET', '/api/v1/datasets/customers/versions/1')).status).toBe(404);
    expect((await op('DELETE', '/api/v1/datasets/customers')).status).toBe(204);
    expect((await reader('GET', '/api/v1/datasets')).json.total_entries).toBe(0);
    expect((await blobs.list('repository/dataset/')).blobs).toEqual([]);
  });

  it('refuses wrong chunk sizes, corrupted chunks and a file whose checksum differs, keeping nothing', async () => {
    const data = Buffer.from('0123456789');
    const started = await op('POST', '/api/v1/modelUploads', { name: 'churn', flavor: 'other', file_name: 'churn.bin', size: 10, sha256: sha('something else'), chunk_size: 4 });
    const id = started.json.upload_id as string;
    const short = await op('PUT', `/api/v1/modelUploads/${id}/chunks/0`, data.subarray(0, 3));
    expect([short.status, short.json.detail]).toEqual([400, 'chunk 0 has 3 bytes; it must have 4']);
    const corrupt = await op('PUT', `/api/v1/modelUploads/${id}/chunks/0`, data.subarray(0, 4), { 'x-chunk-sha256': sha('0124') });
    expect(corrupt.json.detail).toMatch(/does not match its SHA-256/);
    expect((await op('PUT', `/api/v1/modelUploads/${id}/chunks/3`, data.subarray(0, 2))).json.detail).toMatch(/out of range: this upload has chunks 0 to 2/);
    expect((await op('GET', `/api/v1/modelUploads/${id}`)).json.received).toEqual([]);
    for (const [i, part] of [data.subarray(0, 4), data.subarray(4, 8), data.subarray(8)].entries()) await op('PUT', `/api/v1/modelUploads/${id}/chunks/${i}`, part);
    const mismatch = await op('POST', `/api/v1/modelUploads/${id}/complete`);
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.detail).toMatch(/SHA-256 is .* not the .* announced/);
    expect((await op('GET', '/api/v1/models')).json.total_entries).toBe(0);
    expect((await blobs.list('repository/model/')).blobs).toEqual([]);
    expect((await op('DELETE', `/api/v1/modelUploads/${id}`)).status).toBe(204);
    expect((await op('GET', `/api/v1/modelUploads/${id}`)).status).toBe(404);
  });

  it('refuses bad names, flavors and file names before anything is stored', async () => {
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ name: '../etc', flavor: 'other', file_name: 'a.bin', size: 1 }, /invalid model name/],
      [{ name: 'a/b', flavor: 'other', file_name: 'a.bin', size: 1 }, /invalid model name/],
      [{ name: 'churn', flavor: 'other', file_name: '../a.bin', size: 1 }, /bare file name/],
      [{ name: 'churn', flavor: 'keras', file_name: 'a.bin', size: 1 }, /flavor/],
      [{ name: 'churn', flavor: 'tensorflow', file_name: 'model.pb', size: 1 }, /tensorflow model is uploaded as \.tar\.gz, \.tgz/],
      [{ name: 'churn', flavor: 'other', file_name: 'a.bin', size: 1, sha256: 'xyz' }, /sha256 must be 64 hexadecimal digits/],
      [{ name: 'churn', flavor: 'other', file_name: 'a.bin', size: 100_000, chunk_size: 1 }, /more than 10000/],
    ];
    for (const [body, detail] of refusals) {
      const answer = await op('POST', '/api/v1/modelUploads', body);
      expect([answer.status, answer.json.detail]).toEqual([400, expect.stringMatching(detail)]);
    }
    expect((await op('POST', '/api/v1/datasetUploads', { name: 'd', flavor: 'other', file_name: 'a.csv', size: 1 })).status).toBe(400);
    await upload('model', { name: 'ranker', flavor: 'pytorch', file_name: 'ranker.mar' }, Buffer.from('torch'));
    const otherFlavor = await op('POST', '/api/v1/modelUploads', { name: 'ranker', flavor: 'other', file_name: 'ranker.bin', size: 1 });
    expect(otherFlavor.json.detail).toBe("model 'ranker' is a pytorch model: upload its new versions as pytorch, or choose another name");
    expect((await blobs.list('repository/uploads/')).blobs).toHaveLength(1);
    expect((await op('GET', '/api/v1/models/..%2Fx/versions')).status).toBe(400);
    expect((await op('GET', '/api/v1/models/churn/versions/0')).json.detail).toMatch(/positive integer or 'latest'/);
    expect((await op('GET', '/api/v1/modelUploads/not-an-id')).status).toBe(404);
  });

  it('unpacks TensorFlow SavedModels for TF Serving and lists exactly the stored versions in models.config', async () => {
    const savedModel = (marker: string) => writeTarGz([
      { path: 'export/saved_model.pb', data: Buffer.from(`graph-${marker}`) },
      { path: 'export/variables/variables.index', data: Buffer.from('index') },
    ]);
    const v1 = await upload('model', { name: 'churn', flavor: 'tensorflow', file_name: 'churn.tar.gz' }, savedModel('a'), 64);
    expect(v1.json).toMatchObject({ version: 1, flavor: 'tensorflow', uri: 's3://bucket/repository/tf-serving/churn/1' });
    expect(v1.json.file_uri).toMatch(/churn\.tar\.gz$/);
    await upload('model', { name: 'churn', flavor: 'tensorflow', file_name: 'churn.tar.gz' }, savedModel('b'), 64);
    expect((await blobs.get('repository/tf-serving/churn/2/saved_model.pb'))?.toString()).toBe('graph-b');
    expect((await blobs.get('repository/tf-serving/churn/2/variables/variables.index'))?.toString()).toBe('index');
    await upload('model', { name: 'ranker', flavor: 'pytorch', file_name: 'ranker.mar' }, Buffer.from('torch'));

    const config = await as('User')('GET', '/api/v1/modelServingConfig');
    expect(config.text).toBe(
      [
        'model_config_list {',
        '  config {',
        '    name: "churn"',
        '    base_path: "s3://bucket/repository/tf-serving/churn"',
        '    model_platform: "tensorflow"',
        '    model_version_policy {',
        '      specific {',
        '        versions: 1',
        '        versions: 2',
        '      }',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect((await blobs.get('repository/tf-serving/models.config'))?.toString()).toBe(config.text);
    await op('DELETE', '/api/v1/models/churn/versions/1');
    expect((await blobs.get('repository/tf-serving/models.config'))?.toString()).not.toMatch(/versions: 1\n/);
    expect((await blobs.list('repository/tf-serving/churn/1/')).blobs).toEqual([]);

    // Not a SavedModel: refused, no version recorded, nothing left behind.
    const bad = await upload('model', { name: 'churn', flavor: 'tensorflow', file_name: 'churn.tar.gz' }, writeTarGz([{ path: 'model.h5', data: Buffer.from('x') }]), 64);
    expect([bad.status, bad.json.detail]).toEqual([400, expect.stringMatching(/no saved_model\.pb in the archive/)]);
    const notGzip = await upload('model', { name: 'churn', flavor: 'tensorflow', file_name: 'churn.tgz' }, Buffer.from('plain text'), 64);
    expect(notGzip.json.detail).toMatch(/not a gzip file/);
    expect((await op('GET', '/api/v1/models/churn/versions')).json.versions.map((v: { version: number }) => v.version)).toEqual([2]);
  });

  it('in AWS answers a download with a short-lived presigned URL (permission checked first, audited without the signature)', async () => {
    // The blob store hands out presigned URLs as the S3 adapter does (its URL shape: s3-blob-store.test.ts).
    const signed: { key: string; options: PresignGetOptions }[] = [];
    Object.assign(blobs, {
      presignGet: async (key: string, options: PresignGetOptions) => {
        signed.push({ key, options });
        return `https://skydag-artifacts.s3.eu-west-3.amazonaws.com/${key}?X-Amz-Expires=${options.expiresInSeconds}&X-Amz-Signature=${'f'.repeat(64)}`;
      },
    });
    const data = Buffer.from('weights');
    const done = await upload('model', { name: 'churn', flavor: 'other', file_name: 'churn.bin' }, data);
    const reader = as('User');
    expect((await as('Viewer')('GET', '/api/v1/models/churn/versions/1/file')).status).toBe(403);
    const redirect = await reader('GET', '/api/v1/models/churn/versions/1/file');
    expect(redirect.status).toBe(302);
    expect(redirect.headers['cache-control']).toBe('no-store');
    const url = new URL(redirect.headers.location!);
    expect(url.origin).toBe('https://skydag-artifacts.s3.eu-west-3.amazonaws.com');
    expect(url.pathname.endsWith('/churn.bin')).toBe(true);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(signed[0]!.options).toEqual({ expiresInSeconds: 300, fileName: 'churn.bin', contentType: 'application/octet-stream' });
    const json = await reader('GET', '/api/v1/models/churn/versions/1/file?redirect=false');
    expect(json.status).toBe(200);
    expect(json.json).toEqual({ url: expect.stringContaining('X-Amz-Signature='), expires_in: 300, file_name: 'churn.bin', sha256: done.json.sha256 });
    expect((await reader('GET', '/api/v1/models/churn/versions/9/file')).status).toBe(404);
    const events = (await as('Admin')('GET', '/api/v1/eventLogs?limit=100')).json.event_logs as { event: string; extra: string | null }[];
    const downloads = events.filter((e) => e.event === 'model.download');
    expect(downloads.length).toBeGreaterThanOrEqual(3);
    expect(downloads.map((e) => e.extra).join('\n')).toContain('presigned_url');
    expect(JSON.stringify(events)).not.toMatch(/X-Amz-Signature|fffffff/);
  });

  it('lets User read but not upload, Viewer neither; chunk bytes never reach the audit log', async () => {
    expect((await as('Viewer')('GET', '/api/v1/models')).status).toBe(403);
    expect((await as('User')('GET', '/api/v1/models')).status).toBe(200);
    expect((await as('User')('POST', '/api/v1/modelUploads', { name: 'x', flavor: 'other', file_name: 'x.bin', size: 1 })).status).toBe(403);
    await upload('model', { name: 'x', flavor: 'other', file_name: 'x.bin' }, Buffer.from('SECRET-BYTES'));
    const audit = await as('Admin')('GET', '/api/v1/eventLogs?limit=100');
    const events = audit.json.event_logs as { event: string; extra: string | null }[];
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['model.upload_start', 'model.upload_chunk', 'model.upload_complete']));
    expect(JSON.stringify(events)).not.toContain('SECRET-BYTES');
  });
});

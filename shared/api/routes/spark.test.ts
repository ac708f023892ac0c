/** The Spark configuration endpoints: config groups (secrets write-only), Hadoop XML, archives, artifacts; refusals change nothing. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../../local/stores/fs-blob-store.js';
import { AesGcmCipher, generateSecretKey } from '../secrets/cipher.js';
import { ArtifactStore } from '../../spark/artifacts.js';
import { ConfigGroupStore } from '../../spark/config-groups.js';
import { call, createHarness, type Harness } from '../test-support.js';

describe('Spark configuration API', () => {
  let dir: string;
  let h: Harness;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-spark-api-'));
    const blobs = new FsBlobStore(dir);
    h = await createHarness({ config: { spark: { groups: new ConfigGroupStore(blobs, new AesGcmCipher(generateSecretKey())), artifacts: new ArtifactStore(blobs) } } });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const admin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    call(h, method, path, { token: h.tokens.Admin, ...(body === undefined ? {} : Buffer.isBuffer(body) ? { rawBody: body, headers } : { body }) });
  const PROD = { engine: { type: 'livy', url: 'https://livy:8998', auth: 'basic', username: 'etl' }, arguments: { queue: 'etl' }, configurations: { 'spark.scheduler.mode': 'FAIR' }, kerberos: { principal: 'etl@EXAMPLE.COM' } };

  it('creates groups; the Livy password and the keytab are write-only, never in responses or the audit log', async () => {
    const put = await admin('PUT', '/api/v1/configGroups/prod', { ...PROD, livy_password: 'livy-s3cret' });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ name: 'prod', is_default: true, livy_password_set: true, keytab_set: false, engine: { type: 'livy', username: 'etl' } });
    expect((await admin('PUT', '/api/v1/configGroups/prod/keytab', Buffer.from('KEYTAB-BYTES'), { 'content-type': 'application/octet-stream' })).json).toMatchObject({ keytab_set: true });
    const list = await admin('GET', '/api/v1/configGroups');
    expect(list.json).toMatchObject({ default_group: 'prod', total_entries: 1 });
    const audit = await admin('GET', '/api/v1/eventLogs?limit=100');
    for (const text of [put.text, list.text, (await admin('GET', '/api/v1/configGroups/prod')).text, audit.text]) {
      expect(text).not.toMatch(/livy-s3cret|KEYTAB-BYTES|S0VZVEFC|enc:v1/);
    }
    expect(audit.text).toContain('config_group.put');
  });

  it('takes Hadoop XML only when it is a Hadoop configuration, edits it per property, and serves it back as XML', async () => {
    await admin('PUT', '/api/v1/configGroups/prod', PROD);
    const xml = Buffer.from('<configuration><property><name>fs.defaultFS</name><value>hdfs://nn:8020</value></property></configuration>');
    expect((await admin('PUT', '/api/v1/configGroups/prod/hadoop/core-site.xml', xml, { 'content-type': 'application/xml' })).status).toBe(200);
    const refused = await admin('PUT', '/api/v1/configGroups/prod/hadoop/core-site.xml', Buffer.from('fs.defaultFS=hdfs://other'), { 'content-type': 'text/plain' });
    expect(refused.status).toBe(400);
    expect(refused.json.detail).toMatch(/core-site.xml: line 1: expected an element/);
    expect((await admin('PUT', '/api/v1/configGroups/prod/hadoop/passwd', xml, { 'content-type': 'application/xml' })).status).toBe(400);
    expect((await admin('PUT', '/api/v1/configGroups/prod/hadoop/core-site.xml/properties/fs.trash.interval', { value: '60' })).status).toBe(200);
    const got = await admin('GET', '/api/v1/configGroups/prod/hadoop/core-site.xml');
    expect(got.headers['content-type']).toMatch(/^application\/xml/);
    expect(got.text).toContain('<name>fs.defaultFS</name>\n    <value>hdfs://nn:8020</value>');
    expect(got.text).toContain('<name>fs.trash.interval</name>\n    <value>60</value>');
    expect((await admin('DELETE', '/api/v1/configGroups/prod/hadoop/core-site.xml/properties/fs.trash.interval')).status).toBe(200);
    expect((await admin('DELETE', '/api/v1/configGroups/prod/hadoop/core-site.xml/properties/fs.trash.interval')).status).toBe(404);
  });

  it('refuses traversal names, bad groups and deleting the default, changing nothing', async () => {
    await admin('PUT', '/api/v1/configGroups/prod', PROD);
    const before = (await admin('GET', '/api/v1/configGroups')).json;
    expect((await admin('PUT', '/api/v1/configGroups/%2E%2E', PROD)).status).toBe(400);
    expect((await admin('DELETE', '/api/v1/configGroups/%2E%2E')).status).toBe(400);
    expect((await admin('POST', '/api/v1/configGroups/%2E%2E/default')).status).toBe(400);
    expect((await admin('PUT', '/api/v1/configGroups/other', { engine: { type: 'emr', cluster_id: 'nope' } })).status).toBe(400);
    expect((await admin('DELETE', '/api/v1/configGroups/prod')).json.detail).toMatch(/is the default/);
    expect((await admin('GET', '/api/v1/configGroups/missing')).status).toBe(404);
    expect((await admin('GET', '/api/v1/configGroups')).json).toEqual(before);
  });

  it('exports groups as tar.gz without secrets and imports them back', async () => {
    await admin('PUT', '/api/v1/configGroups/prod', { ...PROD, livy_password: 'livy-s3cret' });
    const archive = await h.api.handle({ method: 'GET', rawPath: '/api/v1/configGroupsArchive', query: {}, headers: { authorization: `Bearer ${h.tokens.Admin}` }, cookies: [], body: undefined, sourceIp: null, userAgent: null, requestId: '' });
    expect(archive.headers['content-type']).toBe('application/gzip');
    const { gunzipSync } = await import('node:zlib');
    expect(gunzipSync(archive.body as Buffer).toString('latin1')).not.toContain('livy-s3cret');
    expect((await admin('DELETE', '/api/v1/configGroups/prod')).status).toBe(400); // the default
    const imported = await admin('POST', '/api/v1/configGroupsArchive', archive.body as Buffer, { 'content-type': 'application/gzip' });
    expect(imported.json).toEqual({ imported: ['prod'] });
    expect((await admin('POST', '/api/v1/configGroupsArchive', Buffer.from('not a tarball'), { 'content-type': 'application/gzip' })).json.detail).toMatch(/not a gzip file/);
  });

  it('uploads, lists and deletes artifacts; refuses traversal names, other extensions and huge uploads', async () => {
    const op = (method: string, path: string, body?: Buffer) => call(h, method, path, { token: h.tokens.Op, ...(body ? { rawBody: body, headers: { 'content-type': 'application/octet-stream' } } : {}) });
    expect((await op('PUT', '/api/v1/artifacts/code/job.jar', Buffer.from('PK'))).status).toBe(201);
    expect((await op('PUT', '/api/v1/artifacts/dependency/lib.zip', Buffer.from('PK'))).status).toBe(201);
    expect((await op('PUT', '/api/v1/artifacts/code/%2E%2E%2Fevil.py', Buffer.from('x'))).status).toBe(400);
    expect((await op('PUT', '/api/v1/artifacts/code/run.sh', Buffer.from('x'))).json.detail).toMatch(/extension must be one of/);
    expect((await op('PUT', '/api/v1/artifacts/secrets/x.jar', Buffer.from('x'))).status).toBe(400);
    expect((await op('PUT', '/api/v1/artifacts/code/huge.jar', Buffer.alloc(6 * 1024 * 1024))).status).toBe(413);
    expect((await op('GET', '/api/v1/artifacts')).json).toMatchObject({ total_entries: 2, artifacts: [{ kind: 'code', name: 'job.jar', size: 2 }, { kind: 'dependency', name: 'lib.zip' }] });
    expect((await op('DELETE', '/api/v1/artifacts/code/job.jar')).status).toBe(204);
    expect((await op('DELETE', '/api/v1/artifacts/code/job.jar')).status).toBe(404);
  });
});

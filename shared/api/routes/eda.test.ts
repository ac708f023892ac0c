/** The EDA endpoints: sources (refusals change nothing), runs through a generated DAG, reports served escaped with a CSP. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../../local/stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../../../local/stores/memory-metadata.js';
import { startS3rver, type LocalS3 } from '../../../test/contracts/s3rver.js';
import { renderReport } from '../../eda/report.js';
import { EdaSources } from '../../eda/sources.js';
import { S3BlobStore } from '../../stores/s3/s3-blob-store.js';
import { AesGcmCipher, generateSecretKey } from '../secrets/cipher.js';
import { ArtifactStore } from '../../spark/artifacts.js';
import { ConfigGroupStore } from '../../spark/config-groups.js';
import { Repository } from '../../repository/repository.js';
import { call, createHarness, etlModel, putDag, type Harness } from '../test-support.js';

describe('EDA API', () => {
  let dir: string;
  let blobs: FsBlobStore;
  let h: Harness;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-eda-api-'));
    blobs = new FsBlobStore(dir);
    const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate: (key) => blobs.pathOf(key) });
    const data = Buffer.from('id,city\n1,Pune\n');
    const session = await repository.startUpload({ kind: 'dataset', name: 'customers', file_name: 'customers.csv', size: data.length }, 'op');
    await repository.putChunk(session.upload_id, 'dataset', 0, data);
    await repository.completeUpload(session.upload_id, 'dataset');
    const connections: Record<string, { conn_type: string }> = { db: { conn_type: 'sqlite' }, web: { conn_type: 'http' } };
    h = await createHarness({
      config: { repository, eda: new EdaSources({ blobs, repository, locate: (key) => blobs.pathOf(key), python: '/usr/bin/python3', connections: async (id) => connections[id] }) },
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const as = (role: 'Viewer' | 'User' | 'Op') => (method: string, path: string, body?: unknown) => call(h, method, path, { token: h.tokens[role], ...(body === undefined ? {} : { body }) });
  const op = as('Op');

  it('registers sources from datasets or blobs and refuses anything else, changing nothing', async () => {
    const put = await op('PUT', '/api/v1/edaSources/customers', { dataset: { name: 'customers' } });
    expect(put.json).toMatchObject({ name: 'customers', type: 'dataset', dataset: { name: 'customers', version: null }, format: 'csv', created_by: 'op' });
    const refusals: [string, unknown, number, RegExp][] = [
      ['orders', { conn_id: 'pg', table: 'orders' }, 404, /no connection 'pg'/],
      ['orders', { conn_id: 'web', table: 'orders' }, 400, /type "http": EDA reads sqlite and postgres/],
      ['orders', { conn_id: 'db', table: 'x y' }, 400, /invalid table/],
      ['orders', {}, 400, /give one of/],
      ['orders', { dataset: { name: 'customers' }, blob_key: 'x.csv' }, 400, /give one of/],
      ['orders', { dataset: { name: 'missing' } }, 404, /no dataset 'missing'/],
      ['orders', { blob_key: '../etc/passwd.csv' }, 400, /path traversal/],
      ['orders', { blob_key: 'absent.csv' }, 404, /no blob/],
      ['orders', { blob_key: 'eda/sources/customers.json', format: 'csv' }, 400, /EDA's own files/],
      ['..', { dataset: { name: 'customers' } }, 400, /invalid dataset name/],
    ];
    for (const [name, body, status, detail] of refusals) {
      const answer = await op('PUT', `/api/v1/edaSources/${encodeURIComponent(name)}`, body);
      expect([name, answer.status, answer.json.detail]).toEqual([name, status, expect.stringMatching(detail)]);
    }
    // Locally pandas profiles: a run names no config group.
    expect((await as('User')('GET', '/api/v1/edaSources')).json).toMatchObject({ total_entries: 1, eda_sources: [{ name: 'customers' }], profiler: 'pandas', config_groups: null, default_group: null });
    const db = await op('PUT', '/api/v1/edaSources/orders', { conn_id: 'db', query: 'SELECT * FROM orders' });
    expect(db.json).toMatchObject({ name: 'orders', type: 'database', database: { conn_id: 'db', table: null, query: 'SELECT * FROM orders' }, format: null });
    expect((await as('Viewer')('GET', '/api/v1/edaSources')).status).toBe(403);
    expect((await as('User')('PUT', '/api/v1/edaSources/x', { dataset: { name: 'customers' } })).status).toBe(403);
  });

  it('runs a source through its generated DAG, with the level and paths baked in (no conf reaches the shell)', async () => {
    await op('PUT', '/api/v1/edaSources/customers', { dataset: { name: 'customers' } });
    const early = await op('POST', '/api/v1/edaSources/customers/runs', { level: 'L1' });
    // Locally writing the file parses it: a file that gave no DAG did not load.
    expect([early.status, early.json.detail]).toEqual([404, expect.stringMatching(/eda__customers__L1 did not load: see the import errors of eda__customers__L1.py/)]);
    const content = h.dagFiles.files.get('eda__customers__L1.py')!;
    expect(content).toContain('with DAG("eda__customers__L1"');
    expect(content).toContain('--level L1');
    expect(content).toContain(`${join(dir, 'repository', 'dataset', 'customers')}`);
    expect(content).not.toMatch(/dag_run|conf|params/);
    // A version parsed from other text (an earlier dataset version, say) is not the one asked for.
    const model = etlModel({ dag_id: 'eda__customers__L1', schedule: { type: 'none' } });
    const record = await putDag(h.store, model);
    expect((await op('POST', '/api/v1/edaSources/customers/runs', { level: 'L1' })).status).toBe(404);
    // Once the platform has parsed this text, the run is triggered.
    await h.store.putDagVersion({ dag_id: model.dag_id, version: 'parsed-from-content', created_at: record.last_parsed_time, fileloc: record.fileloc, model, source: content });
    await h.store.putDag({ ...record, current_version: 'parsed-from-content' });
    const run = await op('POST', '/api/v1/edaSources/customers/runs', { level: 'L1' });
    expect(run.status).toBe(200);
    expect(run.json).toEqual({ dag_id: 'eda__customers__L1', dag_run_id: expect.stringMatching(/^eda__\d{8}T\d{6}$/), report_id: expect.stringMatching(/^L1-\d{8}T\d{6}$/), state: 'running' });
    expect((await h.store.getDagRun('eda__customers__L1', run.json.dag_run_id))?.note).toBe('EDA L1 of customers');
    expect((await op('POST', '/api/v1/edaSources/customers/runs', { level: 'L2' })).status).toBe(400);
    // A config group names where the Spark profiler runs (AWS); locally pandas profiles, so naming one is refused.
    const grouped = await op('POST', '/api/v1/edaSources/customers/runs', { level: 'L1', config_group: 'emr' });
    expect([grouped.status, grouped.json.detail]).toEqual([400, expect.stringMatching(/config_group is for the Spark profiler \(AWS\)/)]);
    // The triggered run is listed before it writes its report, with its state.
    const ts = run.json.dag_run_id.slice('eda__'.length);
    expect((await as('User')('GET', '/api/v1/edaSources/customers/reports')).json).toEqual({
      reports: [{ report_id: `L1-${ts}`, level: 'L1', ready: false, dag_id: 'eda__customers__L1', dag_run_id: run.json.dag_run_id, state: 'running' }],
      total_entries: 1,
    });
    // A run triggered by hand (the DAG's page, `skydag dags trigger`) is listed with the source's reports too, newest first.
    const manual = await op('POST', '/api/v1/dags/eda__customers__L1/dagRuns', { logical_date: '2099-01-02T03:04:05Z' });
    expect(manual.status).toBe(200);
    await blobs.put('eda/reports/customers/L1-20990102T030405/summary.json', JSON.stringify({ level: 'L1', rows: 1, columns: 0, column_profiles: [] }));
    expect((await as('User')('GET', '/api/v1/edaSources/customers/reports')).json.reports).toEqual([
      { report_id: 'L1-20990102T030405', level: 'L1', ready: true, dag_id: 'eda__customers__L1', dag_run_id: manual.json.dag_run_id, state: manual.json.state },
      { report_id: `L1-${ts}`, level: 'L1', ready: false, dag_id: 'eda__customers__L1', dag_run_id: run.json.dag_run_id, state: 'running' },
    ]);
  });

  it('serves a hostile summary as escaped HTML under a CSP that forbids scripts', async () => {
    await op('PUT', '/api/v1/edaSources/customers', { dataset: { name: 'customers' } });
    const hostile = {
      level: 'L0',
      rows: '<script>alert(1)</script>',
      columns: 1,
      column_profiles: [{ name: '<img src=x onerror=alert(1)>', type: '</style><script>x()</script>', mean: 'javascript:alert(1)', top_values: [{ value: '"><script>y()</script>', count: '<b>' }], histogram: [{ from: '<i>', to: 1, count: 3 }] }],
      correlations: { columns: ['<svg onload=alert(1)>'], matrix: [['<script>']] },
    };
    await blobs.put('eda/reports/customers/L0-20240305T100000/summary.json', JSON.stringify(hostile));
    expect((await as('User')('GET', '/api/v1/edaSources/customers/reports')).json.reports).toEqual([
      { report_id: 'L0-20240305T100000', level: 'L0', ready: true, dag_id: 'eda__customers__L0', dag_run_id: 'eda__20240305T100000', state: null },
    ]);
    const page = await as('User')('GET', '/api/v1/edaSources/customers/reports/L0-20240305T100000/html');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(page.headers['content-security-policy']).not.toMatch(/script-src/);
    expect(page.text).not.toMatch(/<script|<img|<svg onload|<b>|<i>/i);
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect((await as('User')('GET', '/api/v1/edaSources/customers/reports/L0-20240305T100000/summary')).json).toEqual(hostile);
    expect((await as('User')('GET', '/api/v1/edaSources/customers/reports/..%2F..%2Fx/html')).status).toBe(404);
    expect((await op('DELETE', '/api/v1/edaSources/customers')).status).toBe(204);
    expect((await blobs.list('eda/')).blobs).toEqual([]);
  });
});

describe('EDA reports in AWS: presigned S3 links instead of bodies through the Lambda', () => {
  let s3: LocalS3;
  let blobs: S3BlobStore;
  let h: Harness;
  const SUMMARY = { level: 'L0', rows: 2, columns: 1, column_profiles: [{ name: '<b>city</b>', type: 'text', count: 2, nulls: 0, distinct: 1, top_values: [{ value: 'Pune', count: 2 }] }], source: 'orders' };
  beforeAll(async () => {
    s3 = await startS3rver('skydag-data');
  });
  afterAll(async () => s3.stop());
  beforeEach(async () => {
    blobs = new S3BlobStore({ client: s3.client, bucket: s3.bucket });
    const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate: (key) => `s3://${s3.bucket}/${key}` });
    h = await createHarness({ config: { repository, eda: new EdaSources({ blobs, repository, locate: (key) => `s3://${s3.bucket}/${key}` }) } });
    await blobs.put('data/orders.csv', 'city\nPune\nPune\n');
    await call(h, 'PUT', '/api/v1/edaSources/orders', { token: h.tokens.Op, body: { blob_key: 'data/orders.csv' } });
    await blobs.put('eda/reports/orders/L0-20240102T000000/summary.json', JSON.stringify(SUMMARY));
  });
  const user = (path: string) => call(h, 'GET', `/api/v1/edaSources/orders/reports/L0-20240102T000000/${path}`, { token: h.tokens.User });

  /** The URL's parts: s3rver's endpoint path-style (S3 itself: the bucket's virtual host), the key, SigV4 with the fixed test credentials. */
  const signed = (location: string, key: string, type: string) => {
    const url = new URL(location);
    expect(`${url.origin}${decodeURIComponent(url.pathname)}`).toBe(`${s3.endpoint}/skydag-data/${key}`);
    const q = url.searchParams;
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toMatch(/^S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request$/);
    expect(q.get('X-Amz-Expires')).toBe('300');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host');
    expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(q.get('response-content-type')).toBe(type);
    return url;
  };

  it('redirects to the summary object, or answers the link as JSON; the link reads the summary', async () => {
    const answer = await user('summary');
    expect([answer.status, answer.headers['cache-control'], answer.text]).toEqual([302, 'no-store', '']);
    const url = signed(answer.headers.location!, 'eda/reports/orders/L0-20240102T000000/summary.json', 'application/json');
    const fetched = await fetch(url);
    expect([fetched.status, fetched.headers.get('content-type')]).toEqual([200, 'application/json']);
    expect(await fetched.json()).toEqual(SUMMARY);
    const json = await call(h, 'GET', '/api/v1/edaSources/orders/reports/L0-20240102T000000/summary?redirect=false', { token: h.tokens.User });
    expect(json.json).toEqual({ url: expect.stringContaining('X-Amz-Signature='), expires_in: 300 });
    signed(json.json.url, 'eda/reports/orders/L0-20240102T000000/summary.json', 'application/json');
  });

  it('renders the HTML into the bucket beside the summary and redirects to it: escaped, with its CSP meta, no script', async () => {
    const answer = await user('html');
    expect(answer.status).toBe(302);
    const url = signed(answer.headers.location!, 'eda/reports/orders/L0-20240102T000000/report.html', 'text/html; charset=utf-8');
    const page = await fetch(url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toBe(renderReport(SUMMARY, 'EDA L0-20240102T000000 of orders'));
    expect(html).toContain('&lt;b&gt;city&lt;/b&gt;');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;`);
    expect(html).not.toMatch(/<script/i);
  });

  it('checks permission and readiness before signing anything', async () => {
    expect((await call(h, 'GET', '/api/v1/edaSources/orders/reports/L0-20240102T000000/html', { token: h.tokens.Viewer })).status).toBe(403);
    const early = await call(h, 'GET', '/api/v1/edaSources/orders/reports/L1-20240103T000000/html', { token: h.tokens.User });
    expect([early.status, early.json.detail]).toEqual([404, expect.stringMatching(/is not ready/)]);
    expect(early.headers.location).toBeUndefined();
    expect(await blobs.exists('eda/reports/orders/L1-20240103T000000/report.html')).toBe(false);
    expect((await user('summary?redirect=nope')).status).toBe(400);
  });
});

describe('EDA in AWS: the run form learns that Spark profiles, and on which config groups', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the config groups by name and engine, and the default, to whoever may read the sources', async () => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-eda-spark-api-'));
    const blobs = new FsBlobStore(dir);
    const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate: (key) => `s3://data/${key}` });
    const groups = new ConfigGroupStore(blobs, new AesGcmCipher(generateSecretKey()));
    const spark = { groups, artifacts: new ArtifactStore(blobs) };
    const h = await createHarness({ config: { repository, spark, eda: new EdaSources({ blobs, repository, locate: (key) => `s3://data/${key}`, spark }) } });
    const list = (role: 'User' | 'Op') => call(h, 'GET', '/api/v1/edaSources', { token: h.tokens[role] });
    expect((await list('User')).json).toEqual({ eda_sources: [], total_entries: 0, profiler: 'spark', config_groups: [], default_group: null });
    await groups.put({ name: 'serverless', engine: { type: 'emr_serverless', application_id: '00f1abcdefgh1234', execution_role_arn: 'arn:aws:iam::123456789012:role/eda' } });
    await groups.put({ name: 'emr', engine: { type: 'emr', cluster_id: 'j-1' }, configurations: { 'spark.executor.memory': '4g' } });
    await groups.put({ name: 'laptop', engine: { type: 'local' } });
    await groups.setDefault('serverless');
    // Names and engines only: the groups' settings stay behind /configGroups (Admin).
    expect((await list('User')).json).toEqual({
      eda_sources: [],
      total_entries: 0,
      profiler: 'spark',
      config_groups: [
        { name: 'emr', engine: 'emr' },
        { name: 'laptop', engine: 'local' },
        { name: 'serverless', engine: 'emr_serverless' },
      ],
      default_group: 'serverless',
    });
    expect((await call(h, 'GET', '/api/v1/configGroups', { token: h.tokens.Op })).status).toBe(403);
  });
});

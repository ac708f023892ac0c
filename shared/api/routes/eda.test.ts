/** The EDA endpoints: sources (refusals change nothing), runs through a generated DAG, reports served escaped with a CSP. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../../local/stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../../../local/stores/memory-metadata.js';
import { EdaSources } from '../../eda/sources.js';
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
    expect((await as('User')('GET', '/api/v1/edaSources')).json).toMatchObject({ total_entries: 1, eda_sources: [{ name: 'customers' }] });
    const db = await op('PUT', '/api/v1/edaSources/orders', { conn_id: 'db', query: 'SELECT * FROM orders' });
    expect(db.json).toMatchObject({ name: 'orders', type: 'database', database: { conn_id: 'db', table: null, query: 'SELECT * FROM orders' }, format: null });
    expect((await as('Viewer')('GET', '/api/v1/edaSources')).status).toBe(403);
    expect((await as('User')('PUT', '/api/v1/edaSources/x', { dataset: { name: 'customers' } })).status).toBe(403);
  });

  it('runs a source through its generated DAG, with the level and paths baked in (no conf reaches the shell)', async () => {
    await op('PUT', '/api/v1/edaSources/customers', { dataset: { name: 'customers' } });
    const early = await op('POST', '/api/v1/edaSources/customers/runs', { level: 'L1' });
    expect([early.status, early.json.detail]).toEqual([404, expect.stringMatching(/eda__customers__L1 was written but is not deployed yet/)]);
    const content = h.dagFiles.files.get('eda__customers__L1.py')!;
    expect(content).toContain('with DAG("eda__customers__L1"');
    expect(content).toContain('--level L1');
    expect(content).toContain(`${join(dir, 'repository', 'dataset', 'customers')}`);
    expect(content).not.toMatch(/dag_run|conf|params/);
    // Once the platform has parsed the file, the run is triggered.
    await putDag(h.store, etlModel({ dag_id: 'eda__customers__L1', schedule: { type: 'none' } }));
    const run = await op('POST', '/api/v1/edaSources/customers/runs', { level: 'L1' });
    expect(run.status).toBe(200);
    expect(run.json).toEqual({ dag_id: 'eda__customers__L1', dag_run_id: expect.stringMatching(/^eda__\d{8}T\d{6}$/), report_id: expect.stringMatching(/^L1-\d{8}T\d{6}$/) });
    expect((await h.store.getDagRun('eda__customers__L1', run.json.dag_run_id))?.note).toBe('EDA L1 of customers');
    expect((await op('POST', '/api/v1/edaSources/customers/runs', { level: 'L2' })).status).toBe(400);
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

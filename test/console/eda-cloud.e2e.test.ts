/**
 * The console's EDA page against the API as AWS wires it, in Debian's Chromium. AWS cannot run here,
 * so the stand-in is the cloud API's own code over the stand-ins its other tests use: the API with
 * the `spark` option (config groups, the Spark profiler's generated DAG), pending runs (a run asked
 * for before the bucket's deployer has deployed its file answers 202 `deploying`), and S3 through
 * s3rver, which signs presigned links as S3 does (the data bucket allows CORS GETs, and the console's
 * CSP connects to it, as infra/stack.ts sets them). The server serves the built console and the API
 * on one origin, as CloudFront does.
 *
 * Covered: the config-group picker (default group first, a `local` group not offered), the run
 * request naming the picked group, a `deploying` run shown as such (not as an error), the summary read
 * from the bucket, and the HTML report's link opening the page rendered into the bucket (escaped, no
 * script) in a new tab without a handle on the console. Screenshots: test-results/console/eda-cloud*.png.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { createApiGatewayServer } from '../../local/http/apigw-adapter.js';
import { consoleCsp, createStaticSite } from '../../local/http/static-site.js';
import { ensureConsoleBuilt } from '../../local/platform/console-build.js';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { apiGatewayHandler } from '../../shared/api/http.js';
import { AesGcmCipher, generateSecretKey } from '../../shared/api/secrets/cipher.js';
import { call, createHarness, PASSWORD, USERS, type Harness } from '../../shared/api/test-support.js';
import { PendingRuns } from '../../shared/deploy/pending-runs.js';
import { EdaSources } from '../../shared/eda/sources.js';
import { Repository } from '../../shared/repository/repository.js';
import { ArtifactStore } from '../../shared/spark/artifacts.js';
import { ConfigGroupStore } from '../../shared/spark/config-groups.js';
import { S3BlobStore } from '../../shared/stores/s3/s3-blob-store.js';
import { startS3rver, type LocalS3 } from '../contracts/s3rver.js';
import { launchBrowser, newPage, screenshot, signIn } from './harness.js';

const CORS = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader></CORSRule></CORSConfiguration>`;
const SUMMARY = {
  level: 'L0',
  rows: 3,
  columns: 1,
  source: 'orders',
  column_profiles: [{ name: 'city', type: 'string', count: 3, nulls: 0, distinct: 2, top_values: [{ value: '<b>Pune</b>', count: 2 }, { value: 'Delhi', count: 1 }] }],
};

describe('console EDA page with the cloud API (Chromium; Spark profiler, pending runs, S3 through s3rver)', () => {
  let s3: LocalS3;
  let h: Harness;
  let groups: ConfigGroupStore;
  let pendingRuns: PendingRuns;
  let server: Server;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    const built = await ensureConsoleBuilt(() => undefined);
    if (!built.dir) throw new Error('the console could not be built');
    s3 = await startS3rver('skydag-data', { cors: CORS });
    const blobs = new S3BlobStore({ client: s3.client, bucket: s3.bucket });
    const locate = (key: string) => `s3://${s3.bucket}/${key}`;
    const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate });
    groups = new ConfigGroupStore(blobs, new AesGcmCipher(generateSecretKey()));
    const spark = { groups, artifacts: new ArtifactStore(blobs) };
    pendingRuns = new PendingRuns(blobs);
    h = await createHarness({ seed: false, config: { repository, spark, pendingRuns, eda: new EdaSources({ blobs, repository, locate, spark }) } });
    await groups.put({ name: 'emr', engine: { type: 'emr', cluster_id: 'j-2AXXXXXXGAPLF' } });
    await groups.put({ name: 'serverless', engine: { type: 'emr_serverless', application_id: '00f1abcdefgh1234', execution_role_arn: 'arn:aws:iam::123456789012:role/eda' } });
    await groups.put({ name: 'laptop', engine: { type: 'local' } });
    await groups.setDefault('emr');
    await blobs.put('data/orders.csv', 'city\n<b>Pune</b>\n<b>Pune</b>\nDelhi\n');
    expect((await call(h, 'PUT', '/api/v1/edaSources/orders', { token: h.tokens.Op, body: { blob_key: 'data/orders.csv' } })).status).toBe(200);

    // The console and the API on one origin (CloudFront), the console's CSP connecting to the bucket.
    const site = createStaticSite(built.dir);
    const api = apiGatewayHandler(h.api);
    server = createApiGatewayServer(async (event) => {
      const page = site(event);
      if (!page) return api(event);
      if (page.headers?.['content-security-policy']) page.headers['content-security-policy'] = consoleCsp([s3.endpoint]);
      return page;
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => server?.close(done));
    await s3?.stop();
  }, 60_000);

  it('offers the config groups, shows a deploying run as such, and opens the HTML report from the bucket', async () => {
    const { context, page, problems } = await newPage(browser, url);
    try {
      await signIn(page, USERS.Op, PASSWORD);
      await page.goto('/eda');
      await page.getByRole('heading', { name: 'EDA', level: 1 }).waitFor();

      // Spark profiles here: the picker lists the groups, the default chosen, a local one not offered.
      const picker = page.getByLabel('Profile on config group');
      await picker.waitFor();
      await expect(picker.inputValue()).resolves.toBe('emr');
      const options = await picker.locator('option').evaluateAll((all) => all.map((o) => [o.textContent, o.hasAttribute('disabled')]));
      expect(options).toEqual([
        ['emr (emr) — default', false],
        ['laptop (local spark-submit: not for EDA)', true],
        ['serverless (emr_serverless)', false],
      ]);
      await picker.selectOption('serverless');

      // The first run of a new file: 202 deploying, shown as a run on its way, not as an error.
      const [request] = await Promise.all([
        page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/edaSources/orders/runs')),
        page.locator('tr', { hasText: 'blob data/orders.csv' }).getByRole('button', { name: 'Profile L1' }).click(),
      ]);
      expect(request.postDataJSON()).toEqual({ level: 'L1', config_group: 'serverless' });
      await page.getByRole('status').getByText(/L1 profile of orders: its DAG file eda__orders__L1 is being deployed; the run starts as soon as it is/).waitFor();
      const reports = page.getByRole('table', { name: 'Reports of orders' });
      await reports.getByText('deploying the DAG file…').waitFor();
      await expect(reports.locator('[data-state="deploying"]').count()).resolves.toBe(1);
      await expect(page.getByRole('alert').count()).resolves.toBe(0);
      // The API recorded the run for the deployer, and the generated DAG runs on the picked group.
      expect((await pendingRuns.list('eda__orders__L1')).map((p) => p.dag_id)).toEqual(['eda__orders__L1']);
      expect(h.dagFiles.files.get('eda__orders__L1.py')).toContain('config_group="serverless"');
      await screenshot(page, 'eda-cloud-deploying');

      // A finished report (the Spark job wrote its summary to the bucket): the summary is read from S3.
      await new S3BlobStore({ client: s3.client, bucket: s3.bucket }).put('eda/reports/orders/L0-20240102T000000/summary.json', JSON.stringify(SUMMARY));
      const report = page.getByTestId('eda-report');
      await report.getByText('3 rows × 1 columns · level L0').waitFor({ timeout: 30_000 });
      await report.getByRole('region', { name: 'Column city' }).getByRole('cell', { name: '<b>Pune</b>', exact: true }).waitFor();

      // Its HTML report: the console's link, opened in a new tab, goes on to the page rendered into the bucket.
      const link = reports.getByRole('link', { name: 'HTML report L0-20240102T000000 (opens in a new tab)' });
      expect([await link.getAttribute('href'), await link.getAttribute('target'), await link.getAttribute('rel')]).toEqual(['/eda/orders/reports/L0-20240102T000000', '_blank', 'noopener']);
      await screenshot(page, 'eda-cloud');
      const [tab] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await tab.waitForURL((u) => u.href.startsWith(`${s3.endpoint}/skydag-data/eda/reports/orders/L0-20240102T000000/report.html?`));
      expect(new URL(tab.url()).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      await tab.getByRole('heading', { level: 1, name: 'EDA L0-20240102T000000 of orders' }).waitFor();
      await tab.getByRole('cell', { name: '<b>Pune</b>', exact: true }).first().waitFor();
      await expect(tab.locator('b, script').count()).resolves.toBe(0);
      await expect(tab.evaluate('window.opener === null')).resolves.toBe(true);
      await screenshot(tab, 'eda-cloud-html-report');
      await tab.close();
      expect(problems.errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('offers only postgres connections for a database source: a Spark job cannot reach a sqlite file', async () => {
    for (const [id, type] of [['shop', 'sqlite'], ['warehouse', 'postgres']]) {
      expect((await call(h, 'POST', '/api/v1/connections', { token: h.tokens.Admin, body: { connection_id: id, conn_type: type, host: 'db.internal' } })).status).toBe(200);
    }
    const { context, page } = await newPage(browser, url);
    try {
      await signIn(page, USERS.Admin, PASSWORD);
      await page.goto('/eda');
      await page.getByRole('button', { name: 'Register a source' }).click();
      const dialog = page.getByRole('dialog', { name: 'Register an EDA source' });
      await dialog.getByLabel('Data from').selectOption('database');
      const select = dialog.getByLabel(/^Connection/);
      await select.locator('option', { hasText: 'warehouse' }).waitFor({ state: 'attached' });
      await expect(select.locator('option').allTextContents()).resolves.toEqual(['Choose a connection', 'warehouse (postgres)']);
      await dialog.getByText('(postgres; the password stays in the connection)').waitFor();
    } finally {
      await context.close();
    }
  }, 120_000);

  it('chooses nothing while the default group cannot run the profiler, and says so', async () => {
    await groups.setDefault('laptop');
    const { context, page } = await newPage(browser, url);
    try {
      await signIn(page, USERS.Op, PASSWORD);
      await page.goto('/eda');
      const picker = page.getByLabel('Profile on config group');
      await picker.waitFor();
      await expect(picker.inputValue()).resolves.toBe('');
      await expect(picker.locator('option').first().textContent()).resolves.toBe('the default, laptop, runs locally: choose one');
      // Left so, the run names no group and the server's refusal is shown.
      await page.locator('tr', { hasText: 'blob data/orders.csv' }).getByRole('button', { name: 'Profile L0' }).click();
      await page.getByRole('alert').getByText(/Not started: EDA in AWS runs as a Spark job and the default config group 'laptop' runs spark-submit locally/).waitFor();
    } finally {
      await context.close();
      await groups.setDefault('emr');
    }
  }, 120_000);
});

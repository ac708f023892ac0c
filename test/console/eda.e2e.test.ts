/**
 * The console's EDA page end to end (Couture's EDA screen), in Debian's Chromium against `skydag dev`:
 * a CSV uploaded from the page and a sqlite table named by a connection are registered, profiled
 * through their generated DAGs, and their reports (statistics, histograms, top values, correlations)
 * shown with the run's state; a refusal shows the server's words and registers nothing; values from
 * the data are text on the page, never markup. The screenshot goes to test-results/console/eda.png.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { defaultEdaPython } from '../../shared/eda/sources.js';
import { describeWhen, type Requirement } from '../helpers/optional-suites.js';
import { api, apiToken, launchBrowser, navigate, newPage, screenshot, signIn, startDev, type DevServer } from './harness.js';

const ADMIN_PASSWORD = 'eda-page-Passw0rd';
const CSV = ['id,score,city', '1,3.5,Pune', '2,,Pune', '3,7,<b>Delhi</b>', '4,8.5,Pune', ''].join('\n');

const python = defaultEdaPython();
const pandas: Requirement = (() => {
  try {
    execFileSync(python, ['-c', 'import pandas'], { stdio: 'ignore' });
    return { met: true };
  } catch {
    return { met: false, missing: `${python} has no pandas`, install: 'apt-get install python3-pandas' };
  }
})();

describeWhen('console EDA page (Chromium, skydag dev)', pandas, () => {
  let home: string;
  let server: DevServer;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'skydag-eda-page-'));
    mkdirSync(join(home, 'dags'));
    const db = join(home, 'shop.db');
    execFileSync(python, [
      '-c',
      `import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute('create table orders (id integer, amount real, items integer)')
c.executemany('insert into orders values (?, ?, ?)', [(1, 10.0, 1), (2, 20.0, 2), (3, 35.0, 3), (4, None, 5)])
c.commit()`,
      db,
    ]);
    server = await startDev({ home: join(home, 'state'), dagsFolder: join(home, 'dags'), adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    token = await apiToken(server.url, 'admin', ADMIN_PASSWORD);
    expect((await api(server.url, token, 'POST', '/connections', { connection_id: 'shop', conn_type: 'sqlite', host: db })).status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  /** Waits for the source's report to show success; if it does not, says what the run and its tasks did. */
  async function reportSucceeds(reports: Locator, source: string): Promise<void> {
    try {
      await reports.getByText('success').waitFor({ timeout: 150_000 });
    } catch (error) {
      const listed = (await api<{ reports: { dag_id: string; dag_run_id?: string }[] }>(server.url, token, 'GET', `/edaSources/${source}/reports`)).json;
      const run = listed.reports[0];
      const tasks = run?.dag_run_id ? (await api(server.url, token, 'GET', `/dags/${run.dag_id}/dagRuns/${encodeURIComponent(run.dag_run_id)}/taskInstances`)).json : null;
      throw new Error(`${String(error)}\nreports: ${JSON.stringify(listed)}\ntasks: ${JSON.stringify(tasks)}\nserver: ${server.output.join('').slice(-4000)}`, { cause: error });
    }
  }

  it('registers an uploaded CSV and a database table, profiles both, and shows their reports with the runs’ states', async () => {
    const { context, page, problems } = await newPage(browser, server.url);
    try {
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await navigate(page, 'Data', 'EDA');
      await page.getByRole('heading', { name: 'EDA', level: 1 }).waitFor();

      // A CSV from the browser: uploaded as a dataset, registered as a source.
      await page.getByRole('button', { name: 'Register a source' }).click();
      let dialog = page.getByRole('dialog', { name: 'Register an EDA source' });
      await dialog.getByLabel('Name', { exact: true }).fill('customers');
      await dialog.getByLabel(/^File/).setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
      await dialog.getByRole('button', { name: 'Register' }).click();
      await dialog.waitFor({ state: 'detached' });
      const customers = page.locator('tr', { hasText: 'dataset customers (latest)' });
      await customers.getByRole('button', { name: 'Profile L0' }).click();
      const reports = page.getByRole('table', { name: 'Reports of customers' });
      await reportSucceeds(reports, 'customers');
      const report = page.getByTestId('eda-report');
      await report.getByText('4 rows × 3 columns · level L0').waitFor();
      const stats = report.getByRole('table', { name: 'Column statistics' });
      // score: 3 values, 1 null, mean 19/3.
      await stats.locator('tr', { hasText: 'score' }).getByRole('cell', { name: '6.33333', exact: true }).waitFor();
      await report.getByRole('img', { name: 'histogram of score' }).waitFor();
      const city = report.getByRole('region', { name: 'Column city' });
      // Markup from the data is text.
      await city.getByRole('cell', { name: '<b>Delhi</b>', exact: true }).waitFor();
      await expect(city.locator('b').count()).resolves.toBe(0);
      await screenshot(page, 'eda');

      // Pandas profiles here: the run form offers no config group, and the API says why.
      await expect(page.getByLabel('Profile on config group').count()).resolves.toBe(0);
      expect((await api(server.url, token, 'GET', '/edaSources')).json).toMatchObject({ profiler: 'pandas', config_groups: null, default_group: null });
      // The finished run's HTML report opens in a new tab that has no handle on the console's.
      const htmlLink = reports.getByRole('link', { name: /^HTML report L0-\d{8}T\d{6} \(opens in a new tab\)$/ });
      expect([await htmlLink.getAttribute('target'), await htmlLink.getAttribute('rel')]).toEqual(['_blank', 'noopener']);
      const [tab] = await Promise.all([context.waitForEvent('page'), htmlLink.click()]);
      const frame = tab.frameLocator('iframe.eda-report-frame');
      await frame.getByRole('heading', { level: 1, name: /^EDA L0-\d{8}T\d{6} of customers$/ }).waitFor();
      await frame.getByText('4 rows × 3 columns · level L0').waitFor();
      // The data's markup is text in the report too, and the page runs no script.
      await frame.getByRole('cell', { name: '<b>Delhi</b>', exact: true }).first().waitFor();
      await expect(frame.locator('b, script').count()).resolves.toBe(0);
      await expect(tab.evaluate('window.opener === null')).resolves.toBe(true);
      await screenshot(tab, 'eda-html-report');
      await tab.close();

      // A refusal: the server's words, nothing registered.
      await page.getByRole('button', { name: 'Register a source' }).click();
      dialog = page.getByRole('dialog', { name: 'Register an EDA source' });
      await dialog.getByLabel('Name', { exact: true }).fill('orders');
      await dialog.getByLabel('Data from').selectOption('database');
      await dialog.getByLabel(/^Connection/).selectOption('shop');
      await dialog.getByLabel(/^Table/).fill('orders; drop table orders');
      await dialog.getByRole('button', { name: 'Register' }).click();
      await dialog.getByRole('alert').getByText(/Not registered: invalid table/).waitFor();
      expect((await api(server.url, token, 'GET', '/edaSources/orders')).status).toBe(404);

      await dialog.getByLabel(/^Table/).fill('orders');
      await dialog.getByRole('button', { name: 'Register' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.locator('tr', { hasText: 'shop: orders' }).getByRole('button', { name: 'Profile L1' }).click();
      const orderReports = page.getByRole('table', { name: 'Reports of orders' });
      await reportSucceeds(orderReports, 'orders');
      await report.getByText('4 rows × 3 columns · level L1').waitFor();
      await report.getByRole('table', { name: 'Correlations' }).getByRole('columnheader', { name: 'amount' }).waitFor();
      await report.getByRole('img', { name: 'distribution of items' }).waitFor();
      await screenshot(page, 'eda-database');
      await page.getByRole('button', { name: 'Toggle theme' }).click();
      await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('dark');
      await screenshot(page, 'eda-database-dark');
      await page.getByRole('button', { name: 'Toggle theme' }).click();
      const listed = (await api<{ reports: { state: string; ready: boolean }[] }>(server.url, token, 'GET', '/edaSources/orders/reports')).json.reports;
      expect(listed).toEqual([expect.objectContaining({ state: 'success', ready: true })]);
      expect(problems.errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 360_000);
});

/**
 * The web console end to end, as a new user meets it: `skydag dev` (the CLI) on a random port with a
 * temporary SKYDAG_HOME and DAGs folder, driven in Debian's Chromium (headless, playwright-core).
 * One focused suite: the tests share the server and run in order. Screenshots of each main view go
 * to test-results/console/ (not committed); no console error may happen along the way.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { api, apiToken, launchBrowser, newPage, screenshot, signIn, startDev, until, type DevServer } from './harness.js';

const ADMIN_PASSWORD = 'console-e2e-Passw0rd';
const FIXTURES = join(__dirname, 'dags');

describe('web console (Chromium, skydag dev)', () => {
  let home: string;
  let dagsFolder: string;
  let server: DevServer;
  let browser: Browser;
  let adminToken: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'skydag-console-e2e-'));
    dagsFolder = join(home, 'dags');
    cpSync(FIXTURES, dagsFolder, { recursive: true });
    // Each run gets its own marker: the flaky task fails until its marker file exists.
    const flaky = join(dagsFolder, 'flaky.py');
    writeFileSync(flaky, readFileSync(flaky, 'utf8').replace('/tmp/skydag-flaky-marker', join(home, 'flaky-marker')));
    server = await startDev({ home: join(home, 'state'), dagsFolder, adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    adminToken = await apiToken(server.url, 'admin', ADMIN_PASSWORD);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('serves the console at / and the API at /api/v1', async () => {
    const page = await fetch(`${server.url}/dags/console_demo/graph?run=x`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<div id="root">');
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
    expect((await api(server.url, adminToken, 'GET', '/dags')).status).toBe(200);
  });

  it('signs in from a deep link, lands where the link pointed, shows the user and role, switches theme', async () => {
    const { context, page, problems } = await newPage(browser, server.url);
    try {
      await page.goto('/dags?search=demo');
      await page.waitForURL(/\/login\?next=/);
      await screenshot(page, '01-login');
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').getByText('Invalid username or password').waitFor();
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/dags\?search=demo$/);
      await expect(page.getByTestId('current-user').textContent()).resolves.toContain('Admin');
      await page.getByRole('link', { name: 'console_demo' }).waitFor();

      await page.getByRole('button', { name: 'Toggle theme' }).click();
      await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('dark');
      await screenshot(page, '02-dags-dark');
      await page.getByRole('button', { name: 'Toggle theme' }).click();
      await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('light');
      // 401 for the wrong password is an answer the page handles, not an error.
      expect(problems.errors.filter((e) => !e.includes('401'))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('lists DAGs with schedules in words, import errors with file:line:col, and descriptions as text', async () => {
    const { context, page, problems } = await newPage(browser, server.url);
    try {
      await signIn(page, 'admin', ADMIN_PASSWORD);
      const demo = page.locator('tr[data-dag-id="console_demo"]');
      await demo.getByText('every weekday at 06:00 Europe/Paris').waitFor();
      await demo.getByText('<script>window.__pwned = true</script>', { exact: false }).waitFor();
      await expect(page.evaluate('typeof window.__pwned')).resolves.toBe('undefined');
      await demo.getByRole('button', { name: 'demo', exact: true }).click();
      await page.waitForURL(/tags=demo/);
      await page.locator('tr[data-dag-id="flaky"]').waitFor({ state: 'detached' });
      await expect(page.locator('tbody tr').count()).resolves.toBe(1);
      await page.goto('/dags');
      const banner = page.getByTestId('import-errors');
      await banner.getByText('1 DAG file failed to load').waitFor();
      await banner.getByRole('button', { name: 'Show details' }).click();
      await banner.getByText("broken_file.py:8:5: BashOperator 'no_command': Argument ['bash_command'] is required").waitFor();
      await screenshot(page, '03-dags');
      expect(problems.errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('unpauses a DAG and triggers it with a conf checked as it is typed', async () => {
    const { context, page, problems } = await newPage(browser, server.url);
    try {
      await signIn(page, 'admin', ADMIN_PASSWORD);
      const demo = page.locator('tr[data-dag-id="console_demo"]');
      await demo.getByRole('switch', { name: 'Unpause console_demo' }).click();
      await demo.getByRole('switch', { name: 'Pause console_demo' }).waitFor();
      await demo.getByRole('button', { name: 'Trigger console_demo' }).click();
      const dialog = page.getByRole('dialog', { name: 'Trigger console_demo' });
      const editor = dialog.getByLabel('Run configuration JSON');
      await until('the conf pre-filled with the params', async () => (await editor.inputValue()).includes('"greeting": "hello"'));
      await editor.fill('{\n  "greeting": "bonjour",\n}');
      await dialog.getByText(/^3:1 Invalid JSON/).waitFor();
      await expect(dialog.getByRole('button', { name: 'Trigger' }).isDisabled()).resolves.toBe(true);
      await editor.fill('{"greeting": 42}');
      await dialog.getByText("'greeting' is a number, but the param's default is a string").waitFor();
      await editor.fill('{"greeting": "bonjour"}');
      await dialog.getByLabel('Run id').fill('console_run_1');
      await screenshot(page, '04-trigger-dialog');
      await dialog.getByRole('button', { name: 'Trigger' }).click();
      await page.waitForURL(/\/dags\/console_demo\/graph\?run=console_run_1/);
      const run = await api<{ conf: Record<string, unknown> }>(server.url, adminToken, 'GET', '/dags/console_demo/dagRuns/console_run_1');
      expect(run.json.conf).toEqual({ greeting: 'bonjour' });
      expect(problems.errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});

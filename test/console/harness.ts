/**
 * What the console's end-to-end test drives: `skydag dev` as a user starts it (the CLI, in a child
 * process, on a random port, with a temporary SKYDAG_HOME and DAGs folder) and Debian's Chromium
 * headless through playwright-core. Console messages and page errors are collected so the test can
 * require a flow without errors; screenshots go to test-results/console/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const PROJECT_ROOT = join(__dirname, '..', '..');
export const SCREENSHOTS = join(PROJECT_ROOT, 'test-results', 'console');
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string | undefined {
  return process.env.SKYDAG_CHROMIUM ?? CHROMIUM_CANDIDATES.find((p) => existsSync(p));
}

export interface DevServer {
  url: string;
  output: string[];
  stop(): Promise<void>;
}

/** Starts `node bin/skydag.js dev --port 0` and resolves with its URL once it serves. */
export function startDev(options: { home: string; dagsFolder: string; adminPassword: string; env?: Record<string, string> }): Promise<DevServer> {
  const child: ChildProcess = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'skydag.js'), 'dev', '--port', '0', '--dags-folder', options.dagsFolder], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, SKYDAG_HOME: options.home, SKYDAG_ADMIN_PASSWORD: options.adminPassword, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`skydag dev did not start in time:\n${output.join('')}`)), 120_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output.push(text);
      const match = /serving on (http:\/\/[^\s]+)/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, output, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`skydag dev exited with ${code}:\n${output.join('')}`));
    });
  });
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(`Chromium not found (looked at ${CHROMIUM_CANDIDATES.join(', ')}): apt-get install -y chromium, or set SKYDAG_CHROMIUM`);
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Problems the browser reported: console errors and uncaught page errors. */
export interface PageProblems {
  errors: string[];
}

export async function newPage(browser: Browser, baseURL: string, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 }, colorScheme: options.colorScheme ?? 'light' });
  const page = await context.newPage();
  const problems: PageProblems = { errors: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.errors.push(`page error: ${error.message}`));
  return { context, page, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('current-user').waitFor();
}

/** Goes to a page through the header: opens its menu (Browse, Admin, Spark, Author), then follows the link. */
export async function navigate(page: Page, menu: string, link: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: new RegExp(`^${menu}\\b`) }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
}

/** A bearer token for API calls the test makes besides the browser (setup, and checking refusals). */
export async function apiToken(url: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!response.ok) throw new Error(`login as ${username} failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

export async function api<T = unknown>(url: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: response.status, json: json as T };
}

/** Polls `check` until it returns true (playwright-core has no auto-retrying assertions). */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

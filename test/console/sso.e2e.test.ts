/**
 * Signing in to the console through a Cognito user pool's hosted UI (a protocol-faithful fake: Cognito
 * cannot run here), as a deployed console does: `skydag dev` configured with SKYDAG_OIDC_*, Chromium
 * clicks "Sign in with Cognito", signs in on the hosted UI, comes back through /auth/callback with a
 * code the API redeems (PKCE), and the roles come from the user's Cognito groups. Signing out ends
 * the Cognito session too.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startFakeCognito, type FakeCognito } from '../helpers/fake-cognito.js';
import { launchBrowser, newPage, screenshot, startDev, type DevServer } from './harness.js';

const DAG = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("sso_demo", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    BashOperator(task_id="hello", bash_command="echo hello")
`;

describe('console sign-in with Cognito (Chromium, skydag dev)', () => {
  let home: string;
  let cognito: FakeCognito;
  let server: DevServer;
  let browser: Browser;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'skydag-sso-e2e-'));
    const dags = join(home, 'dags');
    mkdirSync(dags);
    writeFileSync(join(dags, 'sso_demo.py'), DAG);
    cognito = await startFakeCognito({ users: { olga: { password: 'pw-olga-1', groups: ['Op'] }, vera: { password: 'pw-vera-1', groups: ['Viewer'] } } });
    server = await startDev({
      home: join(home, 'state'),
      dagsFolder: dags,
      adminPassword: 'sso-e2e-Passw0rd',
      env: { SKYDAG_OIDC_ISSUER: cognito.issuer, SKYDAG_OIDC_CLIENT_ID: cognito.clientId, SKYDAG_OIDC_PROVIDER_NAME: 'Cognito', SKYDAG_PASSWORD_LOGIN: 'false' },
    });
    cognito.callbackUrls.push(`${server.url}/auth/callback`, `${server.url}/login`);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await cognito?.close();
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('signs in on the hosted UI, lands on the deep link with the roles of the Cognito groups, and signs out at Cognito', async () => {
    const { context, page, problems } = await newPage(browser, server.url);
    try {
      await page.goto('/dags/sso_demo/graph');
      await page.waitForURL(/\/login\?next=/);
      // Password sign-in is off: only the provider's button is offered.
      await page.getByRole('button', { name: 'Sign in with Cognito' }).waitFor();
      expect(await page.getByLabel('Password').count()).toBe(0);
      await screenshot(page, '30-login-cognito');
      await page.getByRole('button', { name: 'Sign in with Cognito' }).click();

      await page.waitForURL(`${cognito.baseUrl}/oauth2/authorize?**`);
      const authorize = cognito.requests.find((r) => r.path === '/oauth2/authorize')!;
      expect(authorize.query).toMatchObject({ response_type: 'code', client_id: cognito.clientId, redirect_uri: `${server.url}/auth/callback`, code_challenge_method: 'S256' });
      await page.getByLabel('Username').fill('olga');
      await page.getByLabel('Password').fill('pw-olga-1');
      await page.getByRole('button', { name: 'Sign in' }).click();

      await page.waitForURL(`${server.url}/dags/sso_demo/graph`);
      await page.getByTestId('current-user').waitFor();
      expect(await page.getByTestId('current-user').innerText()).toMatch(/olga\s+Op/);
      const redeemed = cognito.requests.find((r) => r.path === '/oauth2/token')!;
      expect(redeemed.form).toMatchObject({ grant_type: 'authorization_code', client_id: cognito.clientId, redirect_uri: `${server.url}/auth/callback` });
      expect(redeemed.form.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // The deep-linked view (loaded on demand) shows the DAG's task.
      await page.getByText('hello').first().waitFor();
      await screenshot(page, '31-signed-in-cognito');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${server.url}/login`);
      expect(cognito.requests.some((r) => r.path === '/logout' && r.query.logout_uri === `${server.url}/login`)).toBe(true);
      await page.getByRole('button', { name: 'Sign in with Cognito' }).waitFor();
      expect(problems.errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('refuses a callback this tab did not start, and a Viewer group gets no actions', async () => {
    const { context, page } = await newPage(browser, server.url);
    try {
      await page.goto('/auth/callback?code=stolen&state=guess');
      await page.getByText('does not belong to a sign-in started here').waitFor();
      expect(cognito.requests.filter((r) => r.path === '/oauth2/token')).toHaveLength(1);

      await page.goto('/login');
      await page.getByRole('button', { name: 'Sign in with Cognito' }).click();
      await page.getByLabel('Username').fill('vera');
      await page.getByLabel('Password').fill('pw-vera-1');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${server.url}/dags`);
      await page.getByText('sso_demo').first().waitFor();
      expect(await page.getByTestId('current-user').innerText()).toMatch(/vera\s+Viewer/);
      expect(await page.getByRole('button', { name: /trigger/i }).count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 120_000);
});

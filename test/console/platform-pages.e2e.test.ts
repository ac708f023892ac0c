/**
 * The console's platform pages end to end (Couture's Spark Hadoop Config Groups, Code Artifacts and
 * Spark Dependencies, LDAP Configuration and Git Configuration screens), in Debian's Chromium against
 * `skydag dev`: what a user does on each page, what the API then holds, that refusals show the
 * server's words and change nothing, and that secrets typed or uploaded never come back to the page
 * or into an export. Screenshots go to test-results/console/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { createTestRemote, type TestRemote } from '../helpers/git-repo.js';
import { api, apiToken, launchBrowser, navigate, newPage, screenshot, signIn, startDev, type DevServer } from './harness.js';

const ADMIN_PASSWORD = 'platform-pages-Passw0rd';
const KEYTAB_BYTES = 'KEYTAB-BYTES-never-shown-0502';
const CORE_SITE = `<?xml version="1.0"?>
<configuration>
  <property><name>fs.defaultFS</name><value>hdfs://namenode:8020</value></property>
  <property><name>hadoop.security.authentication</name><value>kerberos</value></property>
</configuration>
`;

describe('console platform pages (Chromium, skydag dev)', () => {
  let home: string;
  let server: DevServer;
  let browser: Browser;
  let token: string;
  let remote: TestRemote;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'skydag-platform-pages-'));
    remote = createTestRemote();
    mkdirSync(join(home, 'dags'));
    server = await startDev({ home: join(home, 'state'), dagsFolder: join(home, 'dags'), adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    token = await apiToken(server.url, 'admin', ADMIN_PASSWORD);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    remote?.cleanup();
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  async function withPage(work: (page: Page) => Promise<void>): Promise<void> {
    const { context, page, problems } = await newPage(browser, server.url);
    try {
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await work(page);
      // Refusals the test provokes are 4xx answers the page shows; nothing else may go wrong.
      expect(problems.errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  }

  it('creates a config group (a refusal shown first), uploads a keytab and core-site.xml, edits a property, makes it default, exports it without secrets', async () => {
    await withPage(async (page) => {
      await navigate(page, 'Spark', 'Config groups');
      await page.getByRole('heading', { name: 'Config groups', level: 1 }).waitFor();
      await page.getByRole('link', { name: 'New group' }).click();
      await page.getByLabel('Name', { exact: true }).fill('emr-prod');
      await page.getByLabel('Runs on').selectOption('emr');
      await page.getByLabel('Cluster id').fill('not-a-cluster');
      await page.getByRole('button', { name: 'Create group' }).click();
      await page.getByRole('alert').getByText(/needs cluster_id, an EMR cluster id/).waitFor();
      expect((await api(server.url, token, 'GET', '/configGroups/emr-prod')).status).toBe(404);

      await page.getByLabel('Cluster id').fill('j-2AXXXXXXGAPLF');
      await page.getByRole('button', { name: 'Add argument' }).click();
      await page.getByLabel('Arguments name 1').fill('deploy-mode');
      await page.getByLabel('Arguments value 1').fill('cluster');
      await page.getByRole('button', { name: 'Add argument' }).click();
      await page.getByLabel('Arguments name 2').fill('executor-memory');
      await page.getByLabel('Arguments value 2').fill('4g');
      await page.getByRole('button', { name: 'Add configuration' }).click();
      await page.getByLabel('Configurations name 1').fill('spark.sql.shuffle.partitions');
      await page.getByLabel('Configurations value 1').fill('64');
      await page.getByLabel('Kerberos principal').fill('etl@EXAMPLE.COM');
      await page.getByRole('button', { name: 'Create group' }).click();
      await page.waitForURL(/\/config-groups\/emr-prod$/);
      const created = (await api<Record<string, unknown>>(server.url, token, 'GET', '/configGroups/emr-prod')).json;
      expect(created).toMatchObject({
        engine: { type: 'emr', cluster_id: 'j-2AXXXXXXGAPLF' },
        arguments: { 'deploy-mode': 'cluster', 'executor-memory': '4g' },
        configurations: { 'spark.sql.shuffle.partitions': '64' },
        kerberos: { principal: 'etl@EXAMPLE.COM' },
        keytab_set: false,
      });

      await page.getByTestId('keytab-input').setInputFiles({ name: 'etl.keytab', mimeType: 'application/octet-stream', buffer: Buffer.from(KEYTAB_BYTES) });
      await page.getByTestId('keytab').getByText('uploaded (stored sealed, never shown)').waitFor();
      await page.getByTestId('hadoop-file-input').setInputFiles({ name: 'core-site.xml', mimeType: 'application/xml', buffer: Buffer.from(CORE_SITE) });
      const fsInput = page.getByLabel('core-site.xml fs.defaultFS');
      await fsInput.waitFor();
      await expect(fsInput.inputValue()).resolves.toBe('hdfs://namenode:8020');
      // Anything but Hadoop configuration is refused with the server's reason, and nothing is added.
      await page.getByTestId('hadoop-file-input').setInputFiles({ name: 'yarn-site.xml', mimeType: 'application/xml', buffer: Buffer.from('<html><script>alert(1)</script></html>') });
      await page.getByRole('alert').filter({ hasText: /configuration/i }).first().waitFor();
      await fsInput.fill('hdfs://nn-2:8020');
      await page.getByRole('region', { name: 'core-site.xml' }).getByRole('button', { name: 'Save' }).click();
      await page.getByRole('region', { name: 'core-site.xml' }).getByRole('button', { name: 'Save' }).waitFor({ state: 'detached' });
      await screenshot(page, '40-config-group-editor');
      const edited = (await api<{ hadoop: Record<string, { name: string; value: string }[]>; keytab_set: boolean }>(server.url, token, 'GET', '/configGroups/emr-prod')).json;
      expect(Object.keys(edited.hadoop)).toEqual(['core-site.xml']);
      expect(edited.hadoop['core-site.xml']).toContainEqual({ name: 'fs.defaultFS', value: 'hdfs://nn-2:8020' });
      expect(edited.keytab_set).toBe(true);
      expect(JSON.stringify(edited)).not.toContain(KEYTAB_BYTES);
      await expect(page.content()).resolves.not.toContain(KEYTAB_BYTES);

      // The first group became the default; a second one made default in the list takes its place.
      expect((await api(server.url, token, 'PUT', '/configGroups/livy-dev', { engine: { type: 'livy', url: 'http://livy.internal:8998', auth: 'none' } })).status).toBe(200);
      await page.getByRole('link', { name: 'Config groups' }).click();
      const row = page.locator('tr', { hasText: 'emr-prod' });
      await row.getByText('EMR cluster j-2AXXXXXXGAPLF').waitFor();
      await row.getByText('default', { exact: true }).waitFor();
      const livy = page.locator('tr', { hasText: 'livy-dev' });
      await livy.getByText('Livy at http://livy.internal:8998').waitFor();
      await livy.getByRole('button', { name: 'Make default' }).click();
      await livy.getByText('default', { exact: true }).waitFor();
      await row.getByRole('button', { name: 'Make default' }).waitFor();
      await screenshot(page, '41-config-groups');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
      expect(download.suggestedFilename()).toBe('configs.tar.gz');
      const tar = gunzipSync(readFileSync((await download.path())!)).toString('latin1');
      expect(tar).toContain('emr-prod');
      expect(tar).toContain('livy-dev');
      expect(tar).not.toContain(KEYTAB_BYTES);
      // The exported archive imports back through the page.
      await page.getByTestId('config-archive-input').setInputFiles({ name: 'configs.tar.gz', mimeType: 'application/gzip', buffer: readFileSync((await download.path())!) });
      await page.getByRole('status').getByText(/Imported .*emr-prod/).waitFor();
      await page.getByTestId('config-archive-input').setInputFiles({ name: 'configs.tar.gz', mimeType: 'application/gzip', buffer: Buffer.from('not an archive') });
      await page.getByRole('alert').getByText(/Import refused, nothing changed/).waitFor();
    });
  }, 120_000);

  it('uploads a code artifact and a dependency, refuses a bad name in words, deletes one', async () => {
    await withPage(async (page) => {
      await navigate(page, 'Spark', 'Code artifacts');
      const code = page.getByRole('region', { name: 'Code artifacts' });
      const deps = page.getByRole('region', { name: 'Spark dependencies' });
      await page.getByTestId('artifact-input-code').setInputFiles({ name: 'wordcount.py', mimeType: 'text/x-python', buffer: Buffer.from('print("words")\n') });
      await code.locator('tr', { hasText: 'wordcount.py' }).waitFor();
      await page.getByTestId('artifact-input-dependency').setInputFiles({ name: 'udfs.zip', mimeType: 'application/zip', buffer: Buffer.from('PK\u0005\u0006'.padEnd(22, '\u0000')) });
      await deps.locator('tr', { hasText: 'udfs.zip' }).waitFor();
      await page.getByTestId('artifact-input-code').setInputFiles({ name: 'tool.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') });
      await code.getByRole('alert').getByText(/Not uploaded: .*extension must be one of/).waitFor();
      await screenshot(page, '42-artifacts');
      const listed = (await api<{ artifacts: { kind: string; name: string }[] }>(server.url, token, 'GET', '/artifacts')).json.artifacts.map((a) => `${a.kind}/${a.name}`);
      expect(listed.sort()).toEqual(['code/wordcount.py', 'dependency/udfs.zip']);

      await code.getByRole('button', { name: 'Delete wordcount.py' }).click();
      await page.getByRole('dialog', { name: 'Delete wordcount.py?' }).getByRole('button', { name: 'Delete' }).click();
      await code.locator('tr', { hasText: 'wordcount.py' }).waitFor({ state: 'detached' });
      expect((await api<{ artifacts: unknown[] }>(server.url, token, 'GET', '/artifacts')).json.artifacts).toHaveLength(1);
    });
  }, 60_000);

  it('edits the LDAP settings: only changed keys are sent, a bad attribute is refused, the bind password is write-only', async () => {
    await withPage(async (page) => {
      await navigate(page, 'Admin', 'LDAP sign-in');
      await page.getByRole('heading', { name: 'LDAP sign-in', level: 1 }).waitFor();
      await page.getByLabel('Sign-in method').selectOption('LDAP');
      await page.getByLabel('Server', { exact: true }).fill('ldap://127.0.0.1:3890');
      await page.getByLabel('Search base').fill('ou=people,dc=example,dc=com');
      await page.getByLabel('UID attribute').fill('bad attr!');
      await page.getByLabel('Bind password').fill('bind-s3cret-pw');
      await page.getByRole('button', { name: 'Add group to roles mapping' }).click();
      await page.getByLabel('Group to roles mappings name 1').fill('cn=ops,ou=groups,dc=example,dc=com');
      await page.getByLabel('Group to roles mappings value 1').fill('Op, Viewer');
      const changed = page.getByText(/^Changed: /);
      await changed.waitFor();
      expect((await changed.textContent())!.replace('Changed: ', '').split(', ').sort()).toEqual(
        ['AUTH_LDAP_BIND_PASSWORD', 'AUTH_LDAP_SEARCH', 'AUTH_LDAP_SERVER', 'AUTH_LDAP_UID_FIELD', 'AUTH_ROLES_MAPPING', 'AUTH_TYPE'],
      );
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('alert').getByText(/Not saved: AUTH_LDAP_UID_FIELD: 'bad attr!' is not an LDAP attribute name/).waitFor();
      expect((await api<{ AUTH_TYPE: string }>(server.url, token, 'GET', '/ldapSettings')).json.AUTH_TYPE).toBe('DB');

      await page.getByLabel('UID attribute').fill('uid');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').getByText('Saved. The next sign-in uses these settings.').waitFor();
      await page.getByText(/Bind password \(set; leave empty to keep it\)/).waitFor();
      await screenshot(page, '43-ldap-settings');
      const settings = (await api<Record<string, unknown>>(server.url, token, 'GET', '/ldapSettings')).json;
      expect(settings).toMatchObject({
        AUTH_TYPE: 'LDAP',
        AUTH_LDAP_SERVER: 'ldap://127.0.0.1:3890',
        AUTH_LDAP_UID_FIELD: 'uid',
        AUTH_ROLES_MAPPING: { 'cn=ops,ou=groups,dc=example,dc=com': ['Op', 'Viewer'] },
        AUTH_LDAP_BIND_PASSWORD_SET: true,
      });
      expect(JSON.stringify(settings)).not.toContain('bind-s3cret-pw');
      await expect(page.content()).resolves.not.toContain('bind-s3cret-pw');
      // Local users keep signing in: the admin's next sign-in still works with LDAP on (the directory is not even reachable).
      expect(await apiToken(server.url, 'admin', ADMIN_PASSWORD)).toBeTruthy();
    });
  }, 60_000);

  it('links a git repository, pulls it (the DAG appears with the commit), keeps the token write-only, unlinks', async () => {
    const commit = remote.commit({
      'dags/from_git.py': `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
with DAG("from_git", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="hello", bash_command="echo hello from git")
`,
    });
    await withPage(async (page) => {
      await navigate(page, 'Author', 'Git repository');
      await page.getByRole('heading', { name: 'Git repository', level: 1 }).waitFor();
      await page.getByLabel('Repository URL').fill(remote.url);
      await page.getByLabel('Folder').fill('../escape');
      await page.getByRole('button', { name: 'Link repository' }).click();
      await page.getByRole('alert').getByText(/Not saved:/).waitFor();
      await expect(api(server.url, token, 'GET', '/gitConfig').then((r) => r.status)).resolves.toBe(404);

      await page.getByLabel('Folder').fill('dags');
      await page.getByLabel('Access token').fill('ghp-token-s3cret');
      await page.getByRole('button', { name: 'Link repository' }).click();
      await page.getByRole('button', { name: 'Pull now' }).click();
      await page.getByRole('status').getByText(new RegExp(`Pulled ${commit.slice(0, 10)}: 1 written`)).waitFor();
      await page.locator('tr', { hasText: commit.slice(0, 10) }).getByRole('link', { name: 'from_git' }).waitFor();
      await screenshot(page, '44-git-repository');
      await expect(page.content()).resolves.not.toContain('ghp-token-s3cret');
      const dag = await api<{ dag_id: string }>(server.url, token, 'GET', '/dags/from_git');
      expect(dag.status).toBe(200);

      await page.getByRole('button', { name: 'Unlink' }).click();
      await page.getByRole('dialog', { name: 'Unlink the repository?' }).getByRole('button', { name: 'Unlink' }).click();
      await page.getByRole('button', { name: 'Link repository' }).waitFor();
      expect((await api(server.url, token, 'GET', '/gitConfig')).status).toBe(404);
    });
  }, 60_000);
});

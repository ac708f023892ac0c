/** The git configuration endpoints: per-user links (token write-only, never audited), pulls into git/<user>/ with the commit, refusals that change nothing. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDagTree } from '../../../local/platform/git-dag-tree.js';
import { FsBlobStore } from '../../../local/stores/fs-blob-store.js';
import { createTestRemote, type TestRemote } from '../../../test/helpers/git-repo.js';
import { pullRepository, type PullOptions } from '../../git/pull.js';
import { GitConfigStore } from '../../git/repositories.js';
import { AesGcmCipher, generateSecretKey } from '../secrets/cipher.js';
import { call, createHarness, type Harness } from '../test-support.js';

const dagFile = (dagId: string) => `
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
with DAG("${dagId}", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="a", bash_command="echo hi")
`;

describe('git configuration API', () => {
  let remote: TestRemote;
  let dir: string;
  let h: Harness;

  beforeEach(async () => {
    remote = createTestRemote();
    dir = mkdtempSync(join(tmpdir(), 'skydag-git-api-'));
    const configs = new GitConfigStore(new FsBlobStore(join(dir, 'blobs')), new AesGcmCipher(generateSecretKey()), { allowFileUrls: true });
    const holder: { options?: PullOptions } = {};
    h = await createHarness({ seed: false, config: { git: { configs, pull: (user, trigger) => pullRepository(holder.options!, user, trigger) } } });
    holder.options = { configs, target: localDagTree(h.store, join(dir, 'dags'), () => ({ now: new Date('2024-06-01T00:00:00Z'), pausedAtCreation: true })), allowFileUrls: true };
  });
  afterEach(() => {
    remote.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const as = (role: 'Op' | 'Admin', method: string, path: string, body?: unknown) => call(h, method, path, { token: h.tokens[role], ...(body === undefined ? {} : { body }) });

  it('links a repository per user, pulls it with the commit, and never shows or audits the token', async () => {
    const commit = remote.commit({ 'dags/etl.py': dagFile('etl') });
    expect((await as('Op', 'GET', '/api/v1/gitConfig')).status).toBe(404);
    const linked = await as('Op', 'PUT', '/api/v1/gitConfig', { url: remote.url, branch: 'main', path: 'dags', token: 'tok-s3cret' });
    expect(linked.status).toBe(200);
    expect(linked.json).toMatchObject({ user: 'op', branch: 'main', path: 'dags', token_set: true, pulls: [] });
    // Each user has their own link.
    expect((await as('Admin', 'GET', '/api/v1/gitConfig')).status).toBe(404);

    const pulled = await as('Op', 'POST', '/api/v1/gitConfig/pull');
    expect(pulled.status).toBe(200);
    expect(pulled.json).toMatchObject({ commit, written: ['git/op/etl.py'], trigger: 'api', dag_versions: [{ dag_id: 'etl', fileloc: 'git/op/etl.py' }] });
    const versions = await as('Op', 'GET', '/api/v1/dags/etl/versions');
    expect(versions.status).toBe(200);
    expect((await h.store.getDagVersion('etl', pulled.json.dag_versions[0].version))!.git).toMatchObject({ commit, user: 'op' });

    const shown = await as('Op', 'GET', '/api/v1/gitConfig');
    expect(shown.json.pulls).toMatchObject([{ commit }]);
    const audit = await as('Admin', 'GET', '/api/v1/eventLogs?limit=100');
    expect(audit.text).toContain('git_config.put');
    expect(audit.text).toContain('git.pull');
    for (const text of [linked.text, pulled.text, shown.text, audit.text]) expect(text).not.toContain('tok-s3cret');

    expect((await as('Op', 'DELETE', '/api/v1/gitConfig')).status).toBe(204);
    expect((await as('Op', 'DELETE', '/api/v1/gitConfig')).status).toBe(404);
  });

  it('refuses bad settings and refused repositories with a 400 that changes nothing', async () => {
    remote.commit({ 'dags/etl.py': dagFile('etl') }, { symlinks: { 'dags/link.py': '../../etc/passwd' } });
    for (const body of [
      { url: 'ext::sh -c id', branch: 'main' },
      { url: 'https://u:p@git.example.com/r.git', branch: 'main' },
      { url: remote.url, branch: '--upload-pack=x' },
      { url: remote.url, branch: 'main', path: '../..' },
    ]) {
      const refused = await as('Op', 'PUT', '/api/v1/gitConfig', body);
      expect([JSON.stringify(body), refused.status]).toEqual([JSON.stringify(body), 400]);
    }
    expect((await as('Op', 'GET', '/api/v1/gitConfig')).status).toBe(404);
    expect((await as('Op', 'POST', '/api/v1/gitConfig/pull')).status).toBe(404);
    await as('Op', 'PUT', '/api/v1/gitConfig', { url: remote.url, branch: 'main', path: 'dags' });
    const symlink = await as('Op', 'POST', '/api/v1/gitConfig/pull');
    expect(symlink.status).toBe(400);
    expect(symlink.json.detail).toMatch(/symbolic link/);
    expect(existsSync(join(dir, 'dags', 'git'))).toBe(false);
    expect(await h.store.getDag('etl')).toBeUndefined();
  });

  it('is for roles that may upload DAG files', async () => {
    for (const role of ['User', 'Viewer'] as const) {
      expect((await call(h, 'PUT', '/api/v1/gitConfig', { token: h.tokens[role], body: { url: remote.url, branch: 'main' } })).status).toBe(403);
      expect((await call(h, 'POST', '/api/v1/gitConfig/pull', { token: h.tokens[role] })).status).toBe(403);
    }
  });
});

/**
 * Git configuration and pulls against a local bare repository: files of the configured folder land
 * under git/<user>/ of the DAGs folder, deletions follow, versions carry the commit; symlinks,
 * escaping paths, other transports, wrong branches and bad settings are refused and change nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { localDagTree } from '../../local/platform/git-dag-tree.js';
import { createTestRemote, type TestRemote } from '../../test/helpers/git-repo.js';
import { AesGcmCipher, generateSecretKey } from '../api/secrets/cipher.js';
import { fetchBranch, GitFetchError } from './fetch.js';
import { pullRepository, scheduledPuller, type PullOptions } from './pull.js';
import { GitConfigError, GitConfigStore, publicGitView } from './repositories.js';

const dagFile = (dagId: string, cmd = 'echo hi') => `
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
with DAG("${dagId}", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    BashOperator(task_id="a", bash_command="${cmd}")
`;

describe('git configuration and pulls', () => {
  let remote: TestRemote;
  let dir: string;
  let dags: string;
  let store: MemoryMetadataStore;
  let configs: GitConfigStore;
  let options: PullOptions;
  let blobsDir: string;

  beforeEach(() => {
    remote = createTestRemote();
    dir = mkdtempSync(join(tmpdir(), 'skydag-git-'));
    dags = join(dir, 'dags');
    blobsDir = join(dir, 'blobs');
    store = new MemoryMetadataStore();
    configs = new GitConfigStore(new FsBlobStore(blobsDir), new AesGcmCipher(generateSecretKey()), { allowFileUrls: true });
    options = { configs, target: localDagTree(store, dags, () => ({ now: new Date('2024-06-01T00:00:00Z'), pausedAtCreation: true })), allowFileUrls: true };
  });
  afterEach(() => {
    remote.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pulls the branch folder into git/<user>/, records versions with the commit, follows changes and deletions', async () => {
    const first = remote.commit({ 'dags/etl.py': dagFile('etl'), 'dags/sql/q.sql': 'select 1', 'dags/report.py': dagFile('report'), 'README.md': 'not pulled' });
    await configs.put('alice', { url: remote.url, branch: 'main', path: 'dags' }, undefined);
    const pull = await pullRepository(options, 'alice', 'api');
    expect(pull).toMatchObject({ commit: first, written: ['git/alice/etl.py', 'git/alice/report.py', 'git/alice/sql/q.sql'], removed: [], unchanged: 0, import_errors: [] });
    expect(pull.dag_versions.map((v) => v.dag_id)).toEqual(['etl', 'report']);
    expect(readFileSync(join(dags, 'git', 'alice', 'sql', 'q.sql'), 'utf8')).toBe('select 1');
    expect(existsSync(join(dags, 'git', 'alice', 'README.md'))).toBe(false);
    const etl = (await store.getDag('etl'))!;
    expect(etl.fileloc).toBe('git/alice/etl.py');
    expect((await store.getDagVersion('etl', etl.current_version))!.git).toEqual({ repository: remote.url, branch: 'main', commit: first, user: 'alice' });

    const second = remote.commit({ 'dags/etl.py': dagFile('etl', 'echo changed'), 'dags/report.py': null });
    const next = await pullRepository(options, 'alice', 'api');
    expect(next).toMatchObject({ commit: second, written: ['git/alice/etl.py'], removed: ['git/alice/report.py'], unchanged: 1 });
    const changed = (await store.getDag('etl'))!;
    expect(changed.current_version).not.toBe(etl.current_version);
    expect((await store.getDagVersion('etl', changed.current_version))!.git!.commit).toBe(second);
    // The earlier version keeps the commit that brought it.
    expect((await store.getDagVersion('etl', etl.current_version))!.git!.commit).toBe(first);
    expect((await store.getDag('report'))!.is_active).toBe(false);
    expect((await configs.require('alice')).pulls.map((p) => p.commit)).toEqual([second, first]);
  });

  it('refuses a repository holding a symbolic link, writing nothing', async () => {
    remote.commit({ 'dags/etl.py': dagFile('etl') }, { symlinks: { 'dags/passwd.py': '/etc/passwd' } });
    await configs.put('alice', { url: remote.url, branch: 'main', path: 'dags' }, undefined);
    await expect(pullRepository(options, 'alice', 'api')).rejects.toThrow(/symbolic link.*dags\/passwd\.py|symbolic link.*passwd\.py/);
    expect(existsSync(join(dags, 'git'))).toBe(false);
    expect((await configs.require('alice')).pulls).toEqual([]);
  });

  it('refuses trees with entries that would escape the folder (git fsck on receipt, and skydag\'s own check)', async () => {
    remote.commit({ 'dags/etl.py': dagFile('etl') });
    // Craft a commit whose tree holds a '..' entry (no porcelain command makes one).
    const blob = remote.bare(['hash-object', '-w', '--stdin'], 'evil');
    const tree = remote.bare(['mktree'], `100644 blob ${blob}\t..\n`);
    const commit = remote.bare(['commit-tree', tree, '-m', 'evil']);
    remote.bare(['update-ref', 'refs/heads/evil', commit]);
    await configs.put('alice', { url: remote.url, branch: 'evil', path: '' }, undefined);
    await expect(pullRepository(options, 'alice', 'api')).rejects.toThrow(GitFetchError);
    expect(existsSync(join(dags, 'git'))).toBe(false);
  });

  it('refuses other transports even when called directly (no ext:: command execution)', async () => {
    const marker = join(dir, 'pwned');
    await expect(fetchBranch({ url: `ext::sh -c touch% ${marker}`, branch: 'main', path: '', username: 'x', allowFileUrls: true })).rejects.toThrow(GitFetchError);
    expect(existsSync(marker)).toBe(false);
    await expect(fetchBranch({ url: remote.url, branch: 'main', path: '', username: 'x', allowFileUrls: false })).rejects.toThrow(GitFetchError);
  });

  it('says clearly when the branch or folder is missing', async () => {
    remote.commit({ 'dags/etl.py': dagFile('etl') });
    await configs.put('alice', { url: remote.url, branch: 'release', path: 'dags' }, undefined);
    await expect(pullRepository(options, 'alice', 'api')).rejects.toThrow(/no branch 'release'/);
    await configs.put('alice', { url: remote.url, branch: 'main', path: 'pipelines' }, undefined);
    await expect(pullRepository(options, 'alice', 'api')).rejects.toThrow(/no folder 'pipelines'/);
    await expect(pullRepository(options, 'bob', 'api')).rejects.toThrow(/has linked no git repository/);
  });

  it('keeps the token sealed and write-only; refuses bad settings', async () => {
    const saved = await configs.put('alice', { url: 'https://git.example.com/team/dags.git', branch: 'main', username: 'oauth2' }, 'tok-s3cret');
    expect(publicGitView(saved)).toMatchObject({ token_set: true, username: 'oauth2' });
    expect(JSON.stringify(publicGitView(saved))).not.toContain('tok-s3cret');
    expect(readFileSync(join(blobsDir, 'git', 'configs', 'alice.json'), 'utf8')).not.toContain('tok-s3cret');
    expect(configs.token(saved)).toBe('tok-s3cret');
    // Same URL keeps the token; another URL drops it (it was for another server).
    expect((await configs.put('alice', { url: 'https://git.example.com/team/dags.git', branch: 'dev' }, undefined)).token).toBeDefined();
    expect((await configs.put('alice', { url: 'https://other.example.com/dags.git', branch: 'dev' }, undefined)).token).toBeUndefined();
    const strict = new GitConfigStore(new FsBlobStore(blobsDir), new AesGcmCipher(generateSecretKey()));
    for (const [input, message] of [
      [{ url: 'https://user:pw@git.example.com/r.git', branch: 'main' }, /must not carry credentials/],
      [{ url: 'ext::sh -c id', branch: 'main' }, /https:\/\//],
      [{ url: 'ssh://git@host/r.git', branch: 'main' }, /must use https/],
      [{ url: remote.url, branch: 'main' }, /must use https:\/\/ \(got file:/],
      [{ url: '--upload-pack=touch /tmp/x', branch: 'main' }, /must not start with "-"/],
      [{ url: 'https://h/r.git', branch: '-evil' }, /not a branch name/],
      [{ url: 'https://h/r.git', branch: 'a..b' }, /not a branch name/],
      [{ url: 'https://h/r.git', branch: 'main', path: '../etc' }, /folder inside the repository/],
      [{ url: 'https://h/r.git', branch: 'main', path: 'a/.git' }, /folder inside the repository/],
      [{ url: 'https://h/r.git', branch: 'main', pull_interval_minutes: 0 }, /pull_interval_minutes/],
    ] as const) {
      await expect(strict.put('bob', input, undefined)).rejects.toThrow(GitConfigError);
      await expect(strict.put('bob', input, undefined)).rejects.toThrow(message);
    }
    expect(await strict.get('bob')).toBeUndefined();
  });

  it('pulls on a schedule when the interval has passed, and not again before', async () => {
    const commit = remote.commit({ 'dags/etl.py': dagFile('etl') });
    await configs.put('alice', { url: remote.url, branch: 'main', path: 'dags', pull_interval_minutes: 10 }, undefined);
    await configs.put('bob', { url: remote.url, branch: 'main', path: 'dags' }, undefined);
    let now = new Date('2024-06-01T00:00:00Z');
    const lines: string[] = [];
    const tick = scheduledPuller({ ...options, clock: () => now }, (l) => lines.push(l));
    await tick();
    expect((await configs.require('alice')).pulls).toMatchObject([{ commit, trigger: 'schedule' }]);
    expect((await configs.require('bob')).pulls).toEqual([]);
    now = new Date('2024-06-01T00:05:00Z');
    await tick();
    expect((await configs.require('alice')).pulls).toHaveLength(1);
    now = new Date('2024-06-01T00:11:00Z');
    await tick();
    expect((await configs.require('alice')).pulls).toHaveLength(2);
    expect(lines.filter((l) => l.includes('alice'))).toHaveLength(2);
  });
});

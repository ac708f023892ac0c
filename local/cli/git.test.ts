/** `skydag git link|show|pull|unlink`: the token from stdin only and never printed; pull writes git/<user>/ and records the versions in the local store. */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRemote, type TestRemote } from '../../test/helpers/git-repo.js';
import { openLocalStore } from '../stores/embedded-dynamodb.js';
import { main } from './main.js';

describe('skydag git', () => {
  let home: string;
  let remote: TestRemote;
  const saved = process.env.SKYDAG_HOME;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'skydag-git-cli-'));
    mkdirSync(join(home, 'dags'));
    process.env.SKYDAG_HOME = home;
    remote = createTestRemote();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SKYDAG_HOME;
    else process.env.SKYDAG_HOME = saved;
    remote.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  async function run(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(args, { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`) }, { readStdin: async () => stdin });
    return { code, out, err };
  }

  it('links, shows, pulls (versions recorded with the commit) and unlinks', async () => {
    const commit = remote.commit({ 'pipelines/etl.py': `
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
with DAG("etl", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="a", bash_command="echo hi")
` });
    const linked = await run(['git', 'link', '--user', 'alice', '--url', remote.url, '--path', 'pipelines', '--token-stdin'], 'cli-tok-s3cret\n');
    expect(linked).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(linked.out)).toMatchObject({ user: 'alice', branch: 'main', path: 'pipelines', token_set: true });
    const shown = await run(['git', 'show', '--user', 'alice']);
    for (const text of [linked.out, shown.out]) expect(text).not.toContain('cli-tok-s3cret');

    const pulled = await run(['git', 'pull', '--user', 'alice', '--dags-folder', join(home, 'dags')]);
    expect(pulled).toMatchObject({ code: 0, err: '' });
    expect(pulled.out).toContain(`pulled ${commit}: 1 written`);
    expect(existsSync(join(home, 'dags', 'git', 'alice', 'etl.py'))).toBe(true);
    const local = await openLocalStore(home);
    try {
      const dag = (await local.store.getDag('etl'))!;
      expect(dag.fileloc).toBe('git/alice/etl.py');
      expect((await local.store.getDagVersion('etl', dag.current_version))!.git).toMatchObject({ commit, user: 'alice' });
    } finally {
      await local.close();
    }
    expect((await run(['git', 'unlink', '--user', 'alice'])).code).toBe(0);
    expect((await run(['git', 'show', '--user', 'alice'])).code).toBe(1);
  }, 120_000);

  it('refuses bad links with one clear line', async () => {
    const bad = await run(['git', 'link', '--user', 'alice', '--url', 'ext::sh -c id']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/https:\/\//);
    expect((await run(['git', 'link', '--user', '../x', '--url', remote.url])).code).toBe(1);
    expect((await run(['git', 'pull', '--user', 'nobody'])).err).toMatch(/has linked no git repository/);
  }, 60_000);
});

/**
 * `skydag git link|show|unlink|pull --user NAME`: the local-mode counterpart of /api/v1/gitConfig
 * (Couture's "Git Configuration"). Links live in `$SKYDAG_HOME/blobs/git/configs/`; `pull` writes
 * the branch's files under `git/<user>/` of the DAGs folder and records the DAG versions with the
 * commit in the platform's store (opened as `skydag users` opens it: through a running platform, or
 * directly). The token is read from stdin only (never argv) and never printed.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { GitFetchError } from '../../shared/git/fetch.js';
import { GitConfigError, GitConfigNotFoundError, GitConfigStore, publicGitView } from '../../shared/git/repositories.js';
import { loadLocalSecrets } from '../http/secret-key.js';
import { FsBlobStore } from '../stores/fs-blob-store.js';
import { UsageError, type CliIO } from './io.js';

export interface GitCommandContext {
  io: CliIO;
  setExit(code: number): void;
  home(): string;
  defaultDagsFolder(): string;
  readStdin(): Promise<string>;
}

function configs(home: string): GitConfigStore {
  return new GitConfigStore(new FsBlobStore(join(home, 'blobs')), loadLocalSecrets(home).cipher, { allowFileUrls: true });
}

async function userErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof GitConfigError || error instanceof GitConfigNotFoundError) throw new UsageError(error.message);
    if (error instanceof GitFetchError) throw new UsageError(`git pull failed: ${error.message}`);
    throw error;
  }
}

export function registerGitCommands(program: Command, ctx: GitCommandContext): void {
  const git = program.command('git').description("users' linked git repositories, pulled into git/<user>/ of the DAGs folder");
  git
    .command('link')
    .requiredOption('-u, --user <name>', 'the skydag user the link belongs to')
    .requiredOption('--url <url>', 'https:// (or file://) URL of the repository')
    .option('-b, --branch <branch>', 'branch to pull', 'main')
    .option('--path <folder>', 'folder of the repository holding the DAG files', '')
    .option('--username <name>', 'HTTPS user name the token goes with', 'x-access-token')
    .option('--interval <minutes>', 'pull every N minutes while the platform runs')
    .option('--token-stdin', 'read the access token from stdin (first line)')
    .description('link (or re-link) a repository for a user')
    .action(async function (this: Command) {
      const o = this.opts<{ user: string; url: string; branch: string; path: string; username: string; interval?: string; tokenStdin?: boolean }>();
      const interval = o.interval === undefined ? null : Number(o.interval);
      const token = o.tokenStdin ? ((await ctx.readStdin()).split(/\r?\n/)[0] ?? '') : undefined;
      const saved = await userErrors(() => configs(ctx.home()).put(o.user, { url: o.url, branch: o.branch, path: o.path, username: o.username, pull_interval_minutes: interval }, token));
      ctx.io.out(JSON.stringify(publicGitView(saved), null, 2));
      ctx.setExit(0);
    });
  git
    .command('show')
    .requiredOption('-u, --user <name>', 'whose link')
    .description("print a user's link and last pulls (never the token)")
    .action(async function (this: Command) {
      const { user } = this.opts<{ user: string }>();
      ctx.io.out(JSON.stringify(publicGitView(await userErrors(() => configs(ctx.home()).require(user))), null, 2));
      ctx.setExit(0);
    });
  git
    .command('unlink')
    .requiredOption('-u, --user <name>', 'whose link')
    .description("remove a user's link (files already pulled stay)")
    .action(async function (this: Command) {
      const { user } = this.opts<{ user: string }>();
      if (!(await userErrors(() => configs(ctx.home()).delete(user)))) throw new UsageError(`user '${user}' has linked no git repository`);
      ctx.io.out(`unlinked the git repository of ${user}`);
      ctx.setExit(0);
    });
  git
    .command('pull')
    .requiredOption('-u, --user <name>', 'whose repository')
    .option('--dags-folder <dir>', 'folder holding DAG files', ctx.defaultDagsFolder())
    .description("pull a user's branch now: files written and removed, DAG versions recorded with the commit")
    .action(async function (this: Command) {
      const o = this.opts<{ user: string; dagsFolder: string }>();
      const home = ctx.home();
      // The store, the DAG loader and git pulls load when a pull runs, not at every CLI start.
      const [{ sharedDagFileLoader }, { pullRepository }, { localDagTree }, { openLocalStore }] = await Promise.all([
        import('../../shared/frontends/bounded.js'),
        import('../../shared/git/pull.js'),
        import('../platform/git-dag-tree.js'),
        import('../stores/embedded-dynamodb.js'),
      ]);
      const local = await openLocalStore(home);
      try {
        const blobs = new FsBlobStore(join(home, 'blobs'));
        const target = localDagTree(local.store, o.dagsFolder, () => ({ now: new Date(), pausedAtCreation: true, loader: sharedDagFileLoader(), bundles: blobs }));
        const pull = await userErrors(() => pullRepository({ configs: configs(home), target, allowFileUrls: true }, o.user, 'cli'));
        ctx.io.out(`pulled ${pull.commit}: ${pull.written.length} written, ${pull.removed.length} removed, ${pull.unchanged} unchanged`);
        for (const v of pull.dag_versions) ctx.io.out(`  ${v.dag_id}  ${v.version}  ${v.fileloc}`);
        for (const file of pull.import_errors) ctx.io.out(`  import error: ${file}`);
        ctx.setExit(pull.import_errors.length ? 1 : 0);
      } finally {
        await local.close();
      }
    });
}

/**
 * A throwaway git remote for tests: a bare repository fed from a work tree through the system `git`,
 * with git's user and system configuration kept out (HOME and GIT_CONFIG_GLOBAL point elsewhere).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TestRemote {
  /** file:// URL of the bare repository. */
  url: string;
  /** Writes files (path → content; null deletes) and a symlink map, commits them on `branch` and pushes; returns the commit id. */
  commit(files: Record<string, string | null>, options?: { branch?: string; symlinks?: Record<string, string>; message?: string }): string;
  /** Runs git in the bare repository. */
  bare(args: string[], input?: string): string;
  cleanup(): void;
}

export function createTestRemote(): TestRemote {
  const dir = mkdtempSync(join(tmpdir(), 'skydag-git-remote-'));
  const bareDir = join(dir, 'remote.git');
  const work = join(dir, 'work');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.org' };
  const git = (cwd: string, args: string[], input?: string) => execFileSync('git', args, { cwd, env, input, stdio: ['pipe', 'pipe', 'pipe'] }).toString('utf8').trim();
  git(dir, ['init', '--quiet', '--bare', '--initial-branch=main', bareDir]);
  git(dir, ['init', '--quiet', '--initial-branch=main', work]);
  let branch = 'main';
  return {
    url: `file://${bareDir}`,
    commit(files, options = {}) {
      const wanted = options.branch ?? 'main';
      if (wanted !== branch) {
        git(work, ['checkout', '--quiet', '-B', wanted]);
        branch = wanted;
      }
      for (const [path, content] of Object.entries(files)) {
        const full = join(work, path);
        if (content === null) unlinkSync(full);
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
      for (const [path, to] of Object.entries(options.symlinks ?? {})) {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        symlinkSync(to, join(work, path));
      }
      git(work, ['add', '-A']);
      git(work, ['commit', '--quiet', '--allow-empty', '-m', options.message ?? 'change']);
      git(work, ['push', '--quiet', '--force', bareDir, `${wanted}:${wanted}`]);
      return git(work, ['rev-parse', 'HEAD']);
    },
    bare: (args, input) => git(bareDir, args, input),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

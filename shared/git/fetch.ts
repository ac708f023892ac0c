/**
 * Fetching a branch's files with the system `git`, safely: no shell (execFile with an argument
 * array), no working tree (files are read from git's object store, so a symlink in the repository is
 * never followed on disk), the token handed over through GIT_ASKPASS from the environment (never in
 * argv, the URL, a file or a log), only the https (and, where allowed, file) transports
 * (GIT_ALLOW_PROTOCOL: no `ext::` command execution), no user or system git configuration, objects
 * checked on receipt (transfer.fsckObjects refuses `..` and `.git` tree entries). The pull is refused
 * whole when the tree under the folder holds a symlink, a submodule or a path that could escape.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class GitFetchError extends Error {
  override readonly name = 'GitFetchError';
}

export interface FetchRequest {
  url: string;
  branch: string;
  /** Folder in the repository ('' for all of it). */
  path: string;
  username: string;
  token?: string | undefined;
  allowFileUrls: boolean;
  /** Limits on what one pull may bring. */
  maxFiles?: number;
  maxFileBytes?: number;
  maxTotalBytes?: number;
  timeoutMs?: number;
}

export interface FetchedFile {
  /** Relative to the configured folder, `/`-separated. */
  path: string;
  content: Buffer;
}

export interface FetchResult {
  commit: string;
  files: FetchedFile[];
}

const DEFAULTS = { maxFiles: 2000, maxFileBytes: 5 * 1024 * 1024, maxTotalBytes: 100 * 1024 * 1024, timeoutMs: 120_000 };

/** Answers git's username and password prompts from the environment. */
const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$SKYDAG_GIT_USERNAME" ;;
  *) printf '%s\\n' "$SKYDAG_GIT_TOKEN" ;;
esac
`;

function run(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number, secret: string | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('git', [...args], { env, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      let message = stderr.toString('utf8').trim() || error.message;
      // git never prints the token, but make sure nothing derived from the environment leaks.
      if (secret) message = message.split(secret).join('***');
      if ((error as { killed?: boolean }).killed) message = `git ${args[0]} took longer than ${Math.round(timeoutMs / 1000)} s`;
      reject(new GitFetchError(message.split('\n').slice(-5).join('\n')));
    });
  });
}

/** A path from the repository that stays inside the folder it is written to. */
function checkEntryPath(path: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(path) || path.startsWith('/')) throw new GitFetchError(`the repository holds a path skydag refuses: ${JSON.stringify(path.slice(0, 200))}`);
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || segment.toLowerCase() === '.git') throw new GitFetchError(`the repository holds a path that could escape the DAGs folder: ${JSON.stringify(path.slice(0, 200))}`);
  }
}

export async function fetchBranch(request: FetchRequest): Promise<FetchResult> {
  const limits = { ...DEFAULTS, ...Object.fromEntries(Object.entries(request).filter(([k, v]) => k in DEFAULTS && v !== undefined)) } as typeof DEFAULTS;
  const dir = await mkdtemp(join(tmpdir(), 'skydag-git-'));
  try {
    const askpass = join(dir, 'askpass.sh');
    await writeFile(askpass, ASKPASS, { mode: 0o700 });
    const repo = join(dir, 'repo.git');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: askpass,
      GIT_ALLOW_PROTOCOL: request.allowFileUrls ? 'https:file' : 'https',
      SKYDAG_GIT_USERNAME: request.username,
      SKYDAG_GIT_TOKEN: request.token ?? '',
      LC_ALL: 'C',
    };
    const git = (args: readonly string[]) => run(['--git-dir', repo, ...args], env, limits.timeoutMs, request.token);
    await run(['init', '--quiet', '--bare', repo], env, limits.timeoutMs, request.token);
    await git(['-c', 'transfer.fsckObjects=true', '-c', 'credential.helper=', 'fetch', '--quiet', '--depth=1', '--no-tags', '--', request.url, `+refs/heads/${request.branch}:refs/remotes/origin/pulled`]).catch((error: GitFetchError) => {
      if (/couldn't find remote ref|not our ref/i.test(error.message)) throw new GitFetchError(`the repository has no branch '${request.branch}'`);
      throw error;
    });
    const commit = (await git(['rev-parse', '--verify', 'refs/remotes/origin/pulled^{commit}'])).toString('utf8').trim();
    const treeish = request.path ? `${commit}:${request.path}` : commit;
    let listing: Buffer;
    try {
      listing = await git(['ls-tree', '-r', '-z', '-l', '--full-tree', treeish]);
    } catch {
      throw new GitFetchError(`the branch '${request.branch}' has no folder '${request.path}'`);
    }
    const entries = listing.toString('utf8').split('\0').filter(Boolean);
    const files: FetchedFile[] = [];
    let total = 0;
    const wanted: { path: string; sha: string }[] = [];
    for (const entry of entries) {
      const tab = entry.indexOf('\t');
      const [mode, type, sha, size] = entry.slice(0, tab).split(/\s+/) as [string, string, string, string];
      const path = entry.slice(tab + 1);
      checkEntryPath(path);
      if (mode === '120000') throw new GitFetchError(`the repository holds a symbolic link, which skydag refuses: ${path}`);
      if (type === 'commit') throw new GitFetchError(`the repository holds a submodule, which skydag does not pull: ${path}`);
      if (type !== 'blob') continue;
      const bytes = Number(size);
      if (bytes > limits.maxFileBytes) throw new GitFetchError(`${path} is ${bytes} bytes, more than the ${limits.maxFileBytes} a pulled file may have`);
      total += bytes;
      if (total > limits.maxTotalBytes) throw new GitFetchError(`the folder holds more than the ${limits.maxTotalBytes} bytes one pull may bring`);
      wanted.push({ path, sha });
      if (wanted.length > limits.maxFiles) throw new GitFetchError(`the folder holds more than the ${limits.maxFiles} files one pull may bring`);
    }
    for (const { path, sha } of wanted) files.push({ path, content: await git(['cat-file', 'blob', sha]) });
    return { commit, files };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Per-user git configuration (Couture's "Git Configuration", couture-reference §2.9): each user links
 * one repository — URL, branch, the folder of DAG files in it, an optional access token and an
 * optional pull interval — kept as a JSON document in the blob store (`git/configs/<user>.json`), so
 * the API, the CLI and the local ticker read the same thing. Unlike the original (plain-text INI, the
 * password echoed into the form and injected into remote URLs), the token is sealed with the
 * platform's SecretCipher bound to the user, never returned (`token_set`), and never put in a URL or
 * argv (fetch.ts hands it to git through GIT_ASKPASS). The last pulls are kept with the config.
 */
import type { SecretCipher } from '../api/secrets/cipher.js';
import type { BlobStore } from '../stores/blob.js';

export class GitConfigError extends Error {
  override readonly name = 'GitConfigError';
}

export class GitConfigNotFoundError extends Error {
  override readonly name = 'GitConfigNotFoundError';
}

/** One pull as recorded: the commit, what changed in the DAGs folder, and the DAG versions it produced. */
export interface GitPullRecord {
  commit: string;
  at: string;
  /** `api`, `cli` or `schedule`. */
  trigger: string;
  written: string[];
  removed: string[];
  unchanged: number;
  dag_versions: { dag_id: string; version: string; fileloc: string }[];
  import_errors: string[];
}

export interface GitConfigInput {
  /** `https://host/owner/repo.git` (or `file://` where the deployment allows local repositories). */
  url: string;
  branch: string;
  /** Folder of the repository holding the DAG files (`''`: the whole repository). */
  path?: string;
  /** The HTTPS user name the token goes with (`x-access-token`, `oauth2`, the account name...). */
  username?: string;
  /** Minutes between scheduled pulls; null or absent: on demand only. */
  pull_interval_minutes?: number | null;
}

export interface StoredGitConfig {
  user: string;
  url: string;
  branch: string;
  path: string;
  username: string;
  pull_interval_minutes: number | null;
  /** Sealed (context `git:<user>:token`); absent when none. */
  token?: string;
  updated_at: string;
  /** Newest first, at most MAX_PULL_HISTORY. */
  pulls: GitPullRecord[];
}

export type PublicGitConfig = Omit<StoredGitConfig, 'token'> & { token_set: boolean };

const PREFIX = 'git/configs/';
export const MAX_PULL_HISTORY = 20;
const USER = /^[A-Za-z0-9_.@+-]{1,256}$/;
/** A branch name git accepts (check-ref-format, conservatively): no `..`, no leading `-` or `/`, no control or special characters. */
const BRANCH = /^(?!-)(?!\/)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)(?!.*\/$)(?!.*\.$)[A-Za-z0-9._/+-]{1,200}$/;

export const tokenContext = (user: string) => `git:${user}:token`;

function text(what: string, value: unknown, max = 2048): string {
  if (typeof value !== 'string') throw new GitConfigError(`${what} must be a string`);
  if (value.length > max) throw new GitConfigError(`${what} is longer than ${max} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new GitConfigError(`${what} must not contain control characters`);
  return value;
}

/** Checks a repository URL: https (credentials never in it), or file:// when allowed; nothing git would run (ext::, fd::) or read as an option. */
export function checkRepositoryUrl(value: unknown, options: { allowFileUrls: boolean }): string {
  const url = text('url', value).trim();
  if (url.startsWith('-')) throw new GitConfigError('url must not start with "-"');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GitConfigError(`url must be an https:// URL such as https://github.com/owner/repo.git${options.allowFileUrls ? ' (or file:///path/to/repo.git)' : ''}`);
  }
  if (parsed.protocol === 'https:') {
    if (!parsed.hostname) throw new GitConfigError('url names no host');
    if (parsed.username || parsed.password) throw new GitConfigError('url must not carry credentials: send the token separately (it is stored encrypted)');
    return url;
  }
  if (parsed.protocol === 'file:' && options.allowFileUrls) {
    if (parsed.hostname) throw new GitConfigError('a file:// url must name a local path (file:///path/to/repo.git)');
    return url;
  }
  throw new GitConfigError(`url must use https://${options.allowFileUrls ? ' or file://' : ''} (got ${parsed.protocol}//)`);
}

export function checkBranch(value: unknown): string {
  const branch = text('branch', value, 200);
  if (!BRANCH.test(branch)) throw new GitConfigError(`'${branch.slice(0, 80)}' is not a branch name`);
  return branch;
}

/** A folder inside the repository: relative, `/`-separated, no `.`/`..`/`.git` segment. */
export function checkRepoPath(value: unknown): string {
  const path = text('path', value ?? '', 1024).replace(/^\/+|\/+$/g, '');
  if (path === '') return '';
  if (path.includes('\\')) throw new GitConfigError('path uses "/" between folders');
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || segment.toLowerCase() === '.git') throw new GitConfigError(`path must be a folder inside the repository (no empty, '.', '..' or '.git' segment)`);
  }
  return path;
}

export class GitConfigStore {
  constructor(
    private readonly blobs: BlobStore,
    private readonly cipher: SecretCipher,
    private readonly options: { allowFileUrls: boolean; clock?: () => Date } = { allowFileUrls: false },
  ) {}

  private key(user: string): string {
    if (!USER.test(user)) throw new GitConfigError(`'${user.slice(0, 80)}' is not a user name`);
    return `${PREFIX}${user}.json`;
  }

  async get(user: string): Promise<StoredGitConfig | undefined> {
    const body = await this.blobs.get(this.key(user));
    return body ? (JSON.parse(body.toString('utf8')) as StoredGitConfig) : undefined;
  }

  async require(user: string): Promise<StoredGitConfig> {
    const config = await this.get(user);
    if (!config) throw new GitConfigNotFoundError(`user '${user}' has linked no git repository`);
    return config;
  }

  async list(): Promise<StoredGitConfig[]> {
    const { blobs } = await this.blobs.list(PREFIX);
    const configs = await Promise.all(blobs.filter((b) => b.key.endsWith('.json')).map(async (b) => JSON.parse((await this.blobs.get(b.key))!.toString('utf8')) as StoredGitConfig));
    return configs.sort((a, b) => a.user.localeCompare(b.user));
  }

  /**
   * Links (or re-links) the user's repository, checked whole first. `token`: a string sets it, null
   * removes it, undefined keeps the stored one — unless the URL changes, when an old token is dropped
   * (it was for another server).
   */
  async put(user: string, input: GitConfigInput, token: string | null | undefined): Promise<StoredGitConfig> {
    const key = this.key(user);
    const url = checkRepositoryUrl(input.url, this.options);
    const branch = checkBranch(input.branch);
    const path = checkRepoPath(input.path);
    const username = input.username === undefined ? 'x-access-token' : text('username', input.username, 256);
    if (username === '' || username.includes(':')) throw new GitConfigError('username must be non-empty and contain no ":"');
    const interval = input.pull_interval_minutes ?? null;
    if (interval !== null && (!Number.isInteger(interval) || interval < 1 || interval > 7 * 24 * 60)) throw new GitConfigError('pull_interval_minutes must be a whole number of minutes from 1 to 10080, or null');
    // eslint-disable-next-line no-control-regex
    if (typeof token === 'string' && (token === '' || token.length > 4096 || /[\r\n\u0000]/.test(token))) throw new GitConfigError('token must be 1-4096 characters on one line');
    const previous = await this.get(user);
    let sealed = previous?.url === url ? previous.token : undefined;
    if (token === null) sealed = undefined;
    else if (typeof token === 'string') sealed = this.cipher.encrypt(token, tokenContext(user));
    const record: StoredGitConfig = {
      user,
      url,
      branch,
      path,
      username,
      pull_interval_minutes: interval,
      ...(sealed ? { token: sealed } : {}),
      updated_at: (this.options.clock ?? (() => new Date()))().toISOString(),
      // A pull history belongs to the repository it came from.
      pulls: previous?.url === url ? previous.pulls : [],
    };
    await this.blobs.put(key, JSON.stringify(record, null, 2), { contentType: 'application/json' });
    return record;
  }

  async delete(user: string): Promise<boolean> {
    const key = this.key(user);
    if (!(await this.blobs.exists(key))) return false;
    await this.blobs.delete(key);
    return true;
  }

  async recordPull(user: string, pull: GitPullRecord): Promise<void> {
    const config = await this.require(user);
    config.pulls = [pull, ...config.pulls].slice(0, MAX_PULL_HISTORY);
    await this.blobs.put(this.key(user), JSON.stringify(config, null, 2), { contentType: 'application/json' });
  }

  token(config: StoredGitConfig): string | undefined {
    return config.token ? this.cipher.decrypt(config.token, tokenContext(config.user)) : undefined;
  }
}

export function publicGitView(config: StoredGitConfig): PublicGitConfig {
  const { token, ...rest } = config;
  return { ...rest, token_set: token !== undefined };
}

/**
 * Pulling a user's linked repository into the DAGs folder (locally) or bucket (cloud): the branch's
 * files under the configured folder land under `git/<user>/` of the DAGs tree — so one user's pull
 * never overwrites another's files or uploaded DAG files — files gone from the branch are removed
 * there, and the DAG versions the pull produced are recorded with the commit (in the version records,
 * through the target's sync, and in the config's pull history).
 */
import type { BlobStore } from '../stores/blob.js';
import { fetchBranch, type FetchedFile } from './fetch.js';
import type { GitProvenanceRecords } from './provenance.js';
import type { GitConfigStore, GitPullRecord, StoredGitConfig } from './repositories.js';

/** Where DAG files are kept, addressed by paths relative to the DAGs folder/bucket. */
export interface DagTreeTarget {
  /** Files under `prefix` (relative paths), e.g. `git/alice/`. */
  list(prefix: string): Promise<string[]>;
  read(path: string): Promise<Buffer | undefined>;
  /** Writes a file the pull brought (`provenance`: the commit it came from). */
  write(path: string, content: Buffer, provenance: GitProvenance): Promise<void>;
  remove(path: string): Promise<void>;
  /**
   * Brings the platform's DAGs up to date with these changed paths and returns the DAG versions the
   * files under `prefix` now define; `provenance` is recorded with each new version.
   */
  sync(changed: readonly string[], prefix: string, provenance: GitProvenance): Promise<{ versions: GitPullRecord['dag_versions']; importErrors: string[] }>;
}

/** Where a DAG version came from, when a git pull brought it. */
export interface GitProvenance {
  repository: string;
  branch: string;
  commit: string;
  user: string;
}

export const userPrefix = (user: string) => `git/${user}/`;

export interface PullOptions {
  configs: GitConfigStore;
  target: DagTreeTarget;
  allowFileUrls: boolean;
  clock?: () => Date;
  /** Limits passed to the fetch (tests shrink them). */
  limits?: { maxFiles?: number; maxFileBytes?: number; maxTotalBytes?: number };
}

/** Pulls `user`'s repository now; throws GitConfigNotFoundError, GitFetchError (nothing written then). */
export async function pullRepository(options: PullOptions, user: string, trigger: string): Promise<GitPullRecord> {
  const config = await options.configs.require(user);
  const fetched = await fetchBranch({
    url: config.url,
    branch: config.branch,
    path: config.path,
    username: config.username,
    token: options.configs.token(config),
    allowFileUrls: options.allowFileUrls,
    ...options.limits,
  });
  const record = await applyFiles(options.target, config, fetched.commit, fetched.files, (options.clock ?? (() => new Date()))(), trigger);
  await options.configs.recordPull(user, record);
  return record;
}

async function applyFiles(target: DagTreeTarget, config: StoredGitConfig, commit: string, files: readonly FetchedFile[], now: Date, trigger: string): Promise<GitPullRecord> {
  const prefix = userPrefix(config.user);
  const before = new Set(await target.list(prefix));
  const written: string[] = [];
  const provenance: GitProvenance = { repository: config.url, branch: config.branch, commit, user: config.user };
  let unchanged = 0;
  for (const file of files) {
    const path = `${prefix}${file.path}`;
    const current = before.has(path) ? await target.read(path) : undefined;
    if (current && current.equals(file.content)) unchanged++;
    else {
      await target.write(path, file.content, provenance);
      written.push(path);
    }
  }
  const kept = new Set(files.map((f) => `${prefix}${f.path}`));
  const removed = [...before].filter((p) => !kept.has(p)).sort();
  for (const path of removed) await target.remove(path);
  const { versions, importErrors } = await target.sync([...written, ...removed], prefix, provenance);
  return { commit, at: now.toISOString(), trigger, written, removed, unchanged, dag_versions: versions, import_errors: importErrors };
}

/**
 * The scheduled pulls (the local ticker calls the returned function after each pass): configs with an
 * interval whose last pull is at least that old. A failing pull is retried after the interval too,
 * not on every tick.
 */
export function scheduledPuller(options: PullOptions, log: (line: string) => void): () => Promise<void> {
  const lastAttempt = new Map<string, number>();
  let running = false;
  return async () => {
    if (running) return;
    running = true;
    try {
      const now = (options.clock ?? (() => new Date()))().getTime();
      for (const config of await options.configs.list()) {
        if (!config.pull_interval_minutes) continue;
        const last = Math.max(Date.parse(config.pulls[0]?.at ?? '') || 0, lastAttempt.get(config.user) ?? 0);
        if (now - last < config.pull_interval_minutes * 60_000) continue;
        lastAttempt.set(config.user, now);
        try {
          const pull = await pullRepository(options, config.user, 'schedule');
          log(`skydag: git pull for ${config.user}: ${pull.commit.slice(0, 12)}, ${pull.written.length} written, ${pull.removed.length} removed`);
        } catch (error) {
          log(`skydag: git pull for ${config.user} failed: ${(error as Error).message}`);
        }
      }
    } finally {
      running = false;
    }
  };
}

/**
 * A target over a blob store (the DAGs bucket in the cloud): files are objects under `root`; the
 * bucket's own change handling parses them, so sync reports nothing of its own. Each file's commit is
 * recorded in `provenance` before the file is written: the deployer records it with the versions.
 */
export function blobDagTree(blobs: BlobStore, root: string, provenance: GitProvenanceRecords): DagTreeTarget {
  return {
    async list(prefix) {
      return (await blobs.list(`${root}${prefix}`)).blobs.map((b) => b.key.slice(root.length));
    },
    read: (path) => blobs.get(`${root}${path}`),
    async write(path, content, from) {
      // Recorded first: the file's S3 event may reach the deployer as soon as it is written.
      await provenance.record(path, content, from);
      await blobs.put(`${root}${path}`, content);
    },
    remove: (path) => blobs.delete(`${root}${path}`),
    async sync() {
      return { versions: [], importErrors: [] };
    },
  };
}

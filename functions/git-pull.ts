/**
 * The git-pull Lambda (the runner image, which has the system git): users' linked repositories pulled
 * into `git/<user>/` of the DAGs bucket, whose S3 events run the DAG deployer as for any upload.
 * - `{user, trigger}` (the API's on-demand pull, invoked synchronously) → `{ok: true, pull}`, or
 *   `{ok: false, error}` for a refusal (nothing written);
 * - anything else (the EventBridge rule, every minute) → the scheduled pulls: each repository whose
 *   pull interval has passed since its last pull (a failing one is retried after its interval by this
 *   container; a new container may try it once more sooner).
 * Links and tokens are read from the artifacts bucket, sealed with the master key's cipher; only
 * https repositories are pulled. Each file written is first recorded there with its commit
 * (shared/git/provenance.ts), so the deployer records the DAG versions with it.
 */
import middy from '@middy/core';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { blobDagTree, pullRepository, scheduledPuller, type PullOptions } from '../shared/git/pull.js';
import { GitProvenanceRecords } from '../shared/git/provenance.js';
import { GitConfigStore } from '../shared/git/repositories.js';
import { S3BlobStore } from '../shared/stores/s3/s3-blob-store.js';
import { readCloudEnvironment, type CloudEnvironment } from './environment.js';
import { refusalAnswer, type GitPullAnswer, type GitPullRequest } from './git-pull-client.js';
import { lazy } from './lazy.js';
import { loadCloudSecrets } from './master-key.js';

const pullOptions = lazy<PullOptions>('functions/git-pull', 'configureGitPull');

export function configureGitPull(create: () => Promise<PullOptions> | PullOptions): void {
  pullOptions.configure(create);
}

function isPullRequest(event: unknown): event is GitPullRequest {
  const e = event as Partial<GitPullRequest> | null;
  return typeof e === 'object' && e !== null && typeof e.user === 'string' && typeof e.trigger === 'string';
}

export function createGitPullHandler(getOptions: () => Promise<PullOptions>, log: (line: string) => void = (line) => console.log(line)) {
  // One per container: it remembers failed attempts so they wait for their interval.
  let scheduled: (() => Promise<void>) | undefined;
  return middy<unknown, GitPullAnswer | { scheduled: true }, Error, Context>(async (event: unknown): Promise<GitPullAnswer | { scheduled: true }> => {
    const options = await getOptions();
    if (isPullRequest(event)) {
      try {
        return { ok: true as const, pull: await pullRepository(options, event.user, event.trigger) };
      } catch (error) {
        const refusal = refusalAnswer(error);
        if (refusal) return refusal;
        throw error;
      }
    }
    scheduled ??= scheduledPuller(options, log);
    await scheduled();
    return { scheduled: true as const };
  });
}

/** The pull's ports over the buckets the environment contract names (https repositories only; tests may allow file://). */
export async function gitPullFromEnvironment(env: CloudEnvironment, options: { allowFileUrls: boolean } = { allowFileUrls: false }): Promise<PullOptions> {
  const s3 = new S3Client({ forcePathStyle: env.s3ForcePathStyle });
  const { cipher } = await loadCloudSecrets(s3, { bucket: env.artifactsBucket, key: env.masterKeyObject, kmsKeyArn: env.kmsKeyArn });
  const artifacts = new S3BlobStore({ client: s3, bucket: env.artifactsBucket });
  return {
    configs: new GitConfigStore(artifacts, cipher, options),
    // Each file's commit is recorded in the artifacts bucket, where the deployer finds it.
    target: blobDagTree(new S3BlobStore({ client: s3, bucket: env.dagsBucket! }), env.dagsPrefix!, new GitProvenanceRecords(artifacts)),
    allowFileUrls: options.allowFileUrls,
  };
}

configureGitPull(() => gitPullFromEnvironment(readCloudEnvironment('git-pull')));

export const handler = createGitPullHandler(() => pullOptions.get());

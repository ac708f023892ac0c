/**
 * The DAG deployer Lambda: S3 events of the DAGs bucket's DAGs prefix (ObjectCreated / ObjectRemoved)
 * → DagDeployer (shared/deploy/dag-deployer.ts). A thin middy adapter; the deployer's ports come from
 * the composition root through `configureDeployer`. The stack invokes it with reserved concurrency 1,
 * so two uploads never deploy the same DAG at once; a failed event is retried by Lambda's async
 * invocation and then lands in the deployer's dead-letter queue (alarmed).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import middy from '@middy/core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context, S3Event } from 'aws-lambda';
import { dagFolderSync } from '../local/platform/dag-sync.js';
import { SchedulerDagSchedules, SfnMachinePublisher } from '../shared/aws/dag-deployment.js';
import { SfnRuns, stopRunExecution } from '../shared/aws/run-starter.js';
import { SDK_LOGGER } from '../shared/aws/sdk-logger.js';
import { CloudDagSource } from '../shared/aws/dag-source.js';
import { createStoreRunLauncher } from '../shared/api/ports.js';
import { BundleCache, blobBundleLoader } from '../shared/bundles/bundle-cache.js';
import { PendingRuns, type PendingRunTarget } from '../shared/deploy/pending-runs.js';
import { startQueuedRuns } from '../shared/scheduling/scheduler.js';
import { SfnExecutions } from '../shared/aws/step-functions.js';
import { DagDeployer, type DagFileEvent, type DeployReport } from '../shared/deploy/dag-deployer.js';
import { DagsMirror } from '../shared/deploy/dags-mirror.js';
import { GitProvenanceRecords } from '../shared/git/provenance.js';
import { createDocumentClient, DynamoMetadataStore } from '../shared/stores/dynamodb/index.js';
import { S3BlobStore } from '../shared/stores/s3/s3-blob-store.js';
import type { BlobStore } from '../shared/stores/blob.js';
import type { MetadataStore } from '../shared/stores/metadata.js';
import { readCloudEnvironment, type CloudEnvironment } from './environment.js';
import { lazy } from './lazy.js';
import { loadCloudSecrets } from './master-key.js';
import { storeVariables } from '../shared/api/secrets/records.js';

const deployer = lazy<DagDeployer>('functions/deployer', 'configureDeployer');

export function configureDeployer(create: () => Promise<DagDeployer> | DagDeployer): void {
  deployer.configure(create);
}

/** S3 event records → deployer events (keys arrive URL-encoded, spaces as `+`). Other buckets' records are refused. */
export function dagFileEvents(event: S3Event, bucket?: string): DagFileEvent[] {
  return (event.Records ?? []).map((record) => {
    if (bucket !== undefined && record.s3.bucket.name !== bucket) throw new Error(`deployer: event for bucket '${record.s3.bucket.name}', expected '${bucket}'`);
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    if (record.eventName.startsWith('ObjectRemoved:')) return { kind: 'deleted', key };
    if (record.eventName.startsWith('ObjectCreated:')) return { kind: 'written', key };
    throw new Error(`deployer: unexpected S3 event '${record.eventName}' for ${key}`);
  });
}

export function createDeployerHandler(getDeployer: () => Promise<DagDeployer>, bucket?: string) {
  return middy<S3Event, DeployReport, Error, Context>(async (event: S3Event) => {
    const report = await (await getDeployer()).handle(dagFileEvents(event, bucket));
    // One structured line per delivery: which DAGs changed (no file contents, no secrets).
    console.log(JSON.stringify({ deployer: report }));
    return report;
  });
}

/**
 * How the deployer starts the runs the API asked for before their file was deployed: the API's
 * launcher over the store, and the scheduler's start of queued runs, executing each run's version on
 * Step Functions (the version's published state machine).
 */
export function pendingRunTarget(store: MetadataStore, artifacts: BlobStore, executions: SfnExecutions, stateMachineArnPrefix: string, alias: string): PendingRunTarget {
  const dags = new CloudDagSource({ store, bundles: new BundleCache(join(tmpdir(), 'skydag-bundles'), blobBundleLoader(artifacts)), stateMachineArnPrefix, alias });
  const runs = new SfnRuns({ store, dags, executions, stateMachineArnPrefix });
  const startQueued: PendingRunTarget['startQueued'] = async ({ record }) => void (await startQueuedRuns({ store, now: new Date(), startRun: runs.startRun }, record));
  // No cipher: pending runs carry an empty conf (EDA's).
  return { store, launcher: createStoreRunLauncher(store, startQueued), startQueued };
}

/** The deployer over the AWS services the environment contract names (functions/environment.ts). */
export function deployerFromEnvironment(env: CloudEnvironment): DagDeployer {
  const s3 = new S3Client({ forcePathStyle: env.s3ForcePathStyle, logger: SDK_LOGGER });
  const artifacts = new S3BlobStore({ client: s3, bucket: env.artifactsBucket });
  const gitProvenance = new GitProvenanceRecords(artifacts);
  const store = new DynamoMetadataStore({ client: createDocumentClient(new DynamoDBClient({ logger: SDK_LOGGER })), tableName: env.tableName, blobStore: artifacts });
  const scheduler = env.scheduler!;
  const sfn = new SFNClient({});
  const executions = new SfnExecutions(sfn);
  // The files' parse-time Variable.get reads the variables the tasks read, decrypted with the master
  // key's cipher (loaded at the first such read; a failed load is retried by the next).
  let secrets: ReturnType<typeof loadCloudSecrets> | undefined;
  const variables = async (key: string) => {
    secrets ??= loadCloudSecrets(s3, { bucket: env.artifactsBucket, key: env.masterKeyObject, kmsKeyArn: env.kmsKeyArn }).catch((error: unknown) => {
      secrets = undefined;
      throw error;
    });
    return storeVariables(store, (await secrets).cipher).get(key);
  };
  const pendingRuns = new PendingRuns(artifacts);
  // Built on first use: most deliveries have no pending run.
  let target: PendingRunTarget | undefined;
  const runTarget = () => (target ??= pendingRunTarget(store, artifacts, executions, env.stateMachineArnPrefix!, env.stateMachineAlias ?? 'live'));
  return new DagDeployer({
    store,
    // /tmp survives warm invocations: only changed files are fetched again.
    mirror: new DagsMirror({ blobs: new S3BlobStore({ client: s3, bucket: env.dagsBucket! }), prefix: env.dagsPrefix!, folder: join(tmpdir(), 'skydag-dags') }),
    // New DAGs start paused, as Airflow's dags_are_paused_at_creation.
    sync: dagFolderSync(store, { now: () => new Date(), pausedAtCreation: true, bundles: artifacts, variables }),
    machines: new SfnMachinePublisher(sfn, {
      arnPrefix: env.stateMachineArnPrefix!,
      roleArn: env.stateMachineRoleArn!,
      alias: env.stateMachineAlias!,
      ...(env.stateMachineLogGroupArn ? { logGroupArn: env.stateMachineLogGroupArn } : {}),
    }),
    schedules: new SchedulerDagSchedules(new SchedulerClient({}), scheduler.groupName, { arn: scheduler.schedulerFunctionArn, roleArn: scheduler.roleArn }),
    substitutions: env.substitutions!,
    stopRun: (run, reason) => stopRunExecution(executions, env.stateMachineArnPrefix!, run, reason),
    // The git-pull function records each file's commit in the artifacts bucket.
    gitProvenance: (file, content) => gitProvenance.find(file, content),
    // Runs the API asked for before their file was deployed (EDA's generated DAGs) start now.
    afterDeploy: async (report) => {
      const delivered = await pendingRuns.deliver(runTarget(), [...report.registered, ...report.updated, ...report.unchanged], report.importErrors);
      if (delivered.triggered.length + delivered.dropped.length > 0) console.log(JSON.stringify({ pendingRuns: delivered }));
    },
  });
}

configureDeployer(() => deployerFromEnvironment(readCloudEnvironment('deployer')));

export const handler = createDeployerHandler(() => deployer.get());

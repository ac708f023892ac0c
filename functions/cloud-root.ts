/**
 * The cloud composition root: from the environment contract (environment.ts) it builds the real
 * ports once per container — the DynamoDB metadata store (large values in the artifacts bucket),
 * S3 task logs, DAG source bundles extracted to /tmp, Step Functions task tokens and executions,
 * EventBridge Scheduler, the master secret (KMS-encrypted object) and the executors (the Python
 * runner with the shim shipped beside the bundle) — and hands them to the entries (`configureRuntime`,
 * `configureApi` in api.ts, and `cloud.get()` for the entries that need more than the handlers' ports).
 *
 *   // an entry module:
 *   useCloudEnvironment('control');   // reads and checks its variables on the first invocation
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApi, type Api } from '../shared/api/api.js';
import { LdapSettingsStore } from '../shared/api/auth/ldap-settings.js';
import { OidcProvider } from '../shared/api/auth/oidc.js';
import { GitConfigStore } from '../shared/git/repositories.js';
import { s3CredentialsDrop } from '../shared/aws/eda-credentials.js';
import { SDK_LOGGER } from '../shared/aws/sdk-logger.js';
import { EdaSources } from '../shared/eda/sources.js';
import { createStoreRunLauncher, type RunController } from '../shared/api/ports.js';
import { storedPoolSizes } from '../shared/api/routes/pools.js';
import { storeConnections, storeVariables } from '../shared/api/secrets/records.js';
import { EventBridgeSchedules } from '../shared/aws/scheduler.js';
import { ScheduledWaits } from '../shared/aws/scheduled-waits.js';
import { CloudDagSource } from '../shared/aws/dag-source.js';
import { connectionS3KeyListers } from '../shared/aws/s3-key-lister.js';
import { createSesMailTransport } from '../shared/aws/ses-mail.js';
import { SfnRuns } from '../shared/aws/run-starter.js';
import { SfnExecutions, SfnTaskTokens } from '../shared/aws/step-functions.js';
import { BundleCache, blobBundleLoader } from '../shared/bundles/bundle-cache.js';
import type { Dag } from '../shared/model/schema.js';
import { externalStateLookupFromStore } from '../shared/runtime/executors/external-task-sensor.js';
import { createNotebookExecutor } from '../shared/runtime/executors/notebook.js';
import { createPythonCallables, createPythonExecutor, PYTHON_SHIM_DIR } from '../shared/runtime/executors/python.js';
import { createExecutors } from '../shared/runtime/executors/registry.js';
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import { wakeWaitingTasks } from '../shared/runtime/handlers/advance.js';
import { createTemplateRenderer } from '../shared/runtime/handlers/render-fields.js';
import { loadRunContext } from '../shared/runtime/handlers/run-context.js';
import { startQueuedRuns } from '../shared/scheduling/scheduler.js';
import { PendingRuns } from '../shared/deploy/pending-runs.js';
import { Repository, repositoryResolver } from '../shared/repository/repository.js';
import { ArtifactStore } from '../shared/spark/artifacts.js';
import { ConfigGroupStore } from '../shared/spark/config-groups.js';
import { createAbandonedWaitCleanup, createSparkExecutor } from '../shared/spark/executor.js';
import { BlobTaskLogs } from '../shared/stores/blob-task-logs.js';
import { createDocumentClient, DynamoMetadataStore } from '../shared/stores/dynamodb/index.js';
import type { MetadataStore } from '../shared/stores/metadata.js';
import { S3BlobStore } from '../shared/stores/s3/s3-blob-store.js';
import { readCloudEnvironment, type CloudEntry, type CloudEnvironment } from './environment.js';
import { lazy } from './lazy.js';
import { loadCloudSecrets } from './master-key.js';
import { lambdaGitPuller } from './git-pull-client.js';
import { lambdaCustomTimetables } from './timetable-client.js';
import { configureRuntime } from './runtime.js';
import { cachedCustomTimetables } from '../shared/scheduling/custom-timetable.js';
import { createCustomTimetables } from '../shared/runtime/handlers/custom-timetables.js';
import { consoleDagProcessorLogs } from '../shared/runtime/handlers/sla-callback.js';

export interface CloudClients {
  dynamodb: DynamoDBClient;
  s3: S3Client;
  sfn: SFNClient;
  scheduler: SchedulerClient;
  /** The API invokes the git-pull function for on-demand pulls (it has the system git; the API's runtime does not). */
  lambda: LambdaClient;
  /** Alert emails and EmailOperator messages. */
  ses: SESv2Client;
}

/** SDK clients; region, credentials and endpoint overrides (`AWS_ENDPOINT_URL_<SERVICE>`) come from the SDK's own environment. */
export function createCloudClients(env: Pick<CloudEnvironment, 's3ForcePathStyle'>): CloudClients {
  return {
    dynamodb: new DynamoDBClient({ logger: SDK_LOGGER }),
    s3: new S3Client({ forcePathStyle: env.s3ForcePathStyle, logger: SDK_LOGGER }),
    sfn: new SFNClient({}),
    scheduler: new SchedulerClient({}),
    lambda: new LambdaClient({}),
    ses: new SESv2Client({}),
  };
}

/** Everything an entry may need, built once per container. */
export interface CloudContext {
  env: CloudEnvironment;
  clients: CloudClients;
  store: MetadataStore;
  /** Models and datasets (the API's endpoints, templates' `models.get(...)`). */
  repository: Repository;
  deps: RuntimeDeps;
  /** Starting, stopping and describing runs' executions (the scheduler pass's startRun, the reconciler's lookup). */
  runs: SfnRuns;
  /** EventBridge Scheduler (per-DAG schedules, one-shots) when the entry reads its variables. */
  schedules?: EventBridgeSchedules;
  /** Starts a DAG's queued runs within max_active_runs (what the API's triggers and restarts do). */
  startQueued(dag: Pick<Dag, 'dag_id' | 'max_active_runs'>): Promise<void>;
  jwtSecret: Buffer;
}

/**
 * Where the airflow shim is: the contract's SKYDAG_PYTHON_SHIM_DIR, else `python/` beside the bundle
 * (scripts/bundle-functions.ts copies shared/python there), else the source tree's (tests under tsx/jest).
 */
export function pythonShimDir(env: Pick<CloudEnvironment, 'pythonShimDir'>, moduleUrl: string = import.meta.url): string {
  if (env.pythonShimDir) return env.pythonShimDir;
  const besideBundle = join(dirname(fileURLToPath(moduleUrl)), 'python');
  return existsSync(join(besideBundle, 'skydag_runner')) ? besideBundle : PYTHON_SHIM_DIR;
}

export async function createCloudContext(env: CloudEnvironment, clients: CloudClients = createCloudClients(env)): Promise<CloudContext> {
  const artifacts = new S3BlobStore({ client: clients.s3, bucket: env.artifactsBucket });
  const store = new DynamoMetadataStore({ client: createDocumentClient(clients.dynamodb), tableName: env.tableName, blobStore: artifacts });
  const { cipher, jwtSecret } = await loadCloudSecrets(clients.s3, { bucket: env.artifactsBucket, key: env.masterKeyObject, kmsKeyArn: env.kmsKeyArn });
  const prefix = requireValue(env, 'stateMachineArnPrefix');
  const dags = new CloudDagSource({
    store,
    bundles: new BundleCache(env.bundleRoot ?? '/tmp/skydag-bundles', blobBundleLoader(artifacts)),
    stateMachineArnPrefix: prefix,
    alias: env.stateMachineAlias ?? 'live',
  });
  const pools = storedPoolSizes(store);
  const runs = new SfnRuns({ store, dags, executions: new SfnExecutions(clients.sfn), stateMachineArnPrefix: prefix, pools });
  const shimDir = pythonShimDir(env);
  const groups = new ConfigGroupStore(artifacts, cipher);
  const sparkArtifacts = new ArtifactStore(artifacts);
  const locate = (key: string) => `s3://${env.artifactsBucket}/${key}`;
  // Models and datasets in the artifacts bucket (completed uploads are written with S3 multipart uploads).
  const repository = new Repository({ records: store, blobs: artifacts, locate });
  const notebook = createNotebookExecutor({ shimDir });
  const python = createPythonCallables({ shimDir });
  const mail = env.mailFrom ? createSesMailTransport(clients.ses) : undefined;
  const executors = createExecutors({
    python: createPythonExecutor({ shimDir, notebookExecutor: notebook }),
    notebook,
    spark: createSparkExecutor({ groups, artifacts: sparkArtifacts, locate }),
    externalState: externalStateLookupFromStore(store, async (dagId) => (await dags.getDag(dagId))?.tasks.map((t) => t.task_id)),
    // S3KeySensor pokes list the bucket it names (the task's role must allow s3:ListBucket there).
    blobs: connectionS3KeyListers(() => clients.s3),
    ...(mail ? { mail, mailFrom: env.mailFrom! } : {}),
  });
  const deps: RuntimeDeps = {
    store,
    dags,
    tokens: new SfnTaskTokens(clients.sfn),
    logs: new BlobTaskLogs(env.logsBucket ? new S3BlobStore({ client: clients.s3, bucket: env.logsBucket }) : artifacts),
    render: createTemplateRenderer(store, {}, repositoryResolver(repository), python.templateCalls),
    executorFor: ({ task }) => executors(task),
    variables: storeVariables(store, cipher),
    connections: storeConnections(store, cipher),
    clock: () => new Date(),
    hostname: hostname(),
    cipher,
    pools,
    python,
    spark: { groups, artifacts: sparkArtifacts, locate },
    // Sensors and Livy batches hand their waits to one-shots invoking the sensor-poker (runner, poker, reconciler).
    ...(env.waits
      ? {
          waits: new ScheduledWaits(new EventBridgeSchedules(clients.scheduler, { groupName: env.waits.groupName }), { arn: env.waits.pokerFunctionArn, roleArn: env.waits.roleArn }),
          // A Livy batch whose try ended between polls (timeout, run stopped, marked failed) is deleted.
          abandonWait: createAbandonedWaitCleanup({ groups }),
        }
      : {}),
    ...(mail ? { mail: { send: (m) => mail.send(m), from: env.mailFrom! } } : {}),
  };
  // Custom timetables run in Python: in this function's (the runner image), their output in its log;
  // the API function (a Node zip) asks the scheduler function instead.
  deps.timetables =
    env.entry === 'api'
      ? env.timetableFunctionArn
        ? lambdaCustomTimetables(clients.lambda, env.timetableFunctionArn)
        : undefined
      : cachedCustomTimetables(createCustomTimetables(deps, consoleDagProcessorLogs()));
  return {
    env,
    clients,
    store,
    repository,
    deps,
    runs,
    ...(env.scheduler ? { schedules: new EventBridgeSchedules(clients.scheduler, { groupName: env.scheduler.groupName }) } : {}),
    startQueued: async (dag) => {
      await startQueuedRuns({ store, now: new Date(), startRun: runs.startRun }, dag);
    },
    jwtSecret,
  };
}

/** The REST API in the cloud: the same router; uploads go to the DAGs bucket, whose S3 event runs the deployer. */
export function createCloudApi(context: CloudContext): Api {
  const { env, store, deps, runs } = context;
  const dagFiles = new S3BlobStore({ client: context.clients.s3, bucket: requireValue(env, 'dagsBucket'), keyPrefix: env.dagsPrefix ?? '' });
  const settings = new S3BlobStore({ client: context.clients.s3, bucket: env.artifactsBucket });
  const controller: RunController = {
    // A cleared run is queued again: start it now if max_active_runs allows (else the next scheduler pass does).
    async restart(run) {
      const dag = await deps.dags.getDag(run.dag_id, run.dag_version);
      if (dag) await context.startQueued(dag);
    },
    async stop(run) {
      await runs.stop(run, `the run was set to ${run.state}`);
    },
    // Task states set by hand: tasks waiting on them are decided now (the reconciler would within a minute).
    async tasksChanged(run) {
      await wakeWaitingTasks(deps, await loadRunContext(deps, run));
    },
  };
  return createApi({
    store,
    logs: deps.logs,
    launcher: createStoreRunLauncher(store, ({ record }) => context.startQueued(record), undefined, deps.cipher, deps.timetables),
    timetables: deps.timetables,
    controller,
    dagFiles: {
      write: (filename, content) => dagFiles.put(filename, content),
      read: async (filename) => (await dagFiles.get(filename))?.toString('utf8'),
      async remove(filename) {
        if (!(await dagFiles.exists(filename))) return false;
        await dagFiles.delete(filename);
        return true;
      },
      // The same text put again: its ObjectCreated event has the deployer read the file with the variables as they are now.
      async reread(filename) {
        const content = await dagFiles.get(filename);
        if (content) await dagFiles.put(filename, content);
      },
    },
    cipher: deps.cipher,
    ...(deps.spark ? { spark: { groups: deps.spark.groups, artifacts: deps.spark.artifacts } } : {}),
    repository: context.repository,
    // EDA in the artifacts bucket; the Lambda has no pandas, so profiles run as Spark jobs on a config group's engine.
    // A profiling run asked for before the deployer has deployed its new DAG file waits there; the deployer triggers it.
    pendingRuns: new PendingRuns(settings),
    // A database source's job reads its connection from a per-run object (SSE-KMS, deleted by the job), never from the DAG or the run.
    eda: new EdaSources({
      blobs: settings,
      repository: context.repository,
      locate: (key) => `s3://${env.artifactsBucket}/${key}`,
      connections: (connId) => deps.connections.get(connId),
      spark: {
        ...(deps.spark ?? { artifacts: new ArtifactStore(settings), groups: new ConfigGroupStore(settings, deps.cipher) }),
        jdbc: { connections: (connId) => deps.connections.get(connId), drop: s3CredentialsDrop({ client: context.clients.s3, bucket: env.artifactsBucket, kmsKeyArn: env.kmsKeyArn }) },
      },
    }),
    // LDAP settings and git links live in the artifacts bucket, sealed with the master key's cipher, as locally in $SKYDAG_HOME/blobs.
    ldap: new LdapSettingsStore(settings, deps.cipher),
    ...(env.gitPullFunctionArn ? { git: { configs: new GitConfigStore(settings, deps.cipher, { allowFileUrls: false }), pull: lambdaGitPuller(context.clients.lambda, env.gitPullFunctionArn) } } : {}),
    jwtSecret: context.jwtSecret,
    version: env.version ?? '0.0.0',
    basicAuth: false,
    ...(env.oidc ? { oidc: new OidcProvider(env.oidc) } : {}),
    ...(env.passwordLogin !== undefined ? { passwordLogin: env.passwordLogin } : {}),
  });
}

function requireValue<K extends keyof CloudEnvironment>(env: CloudEnvironment, key: K): NonNullable<CloudEnvironment[K]> {
  const value = env[key];
  if (value === undefined) throw new Error(`skydag ${env.entry}: the composition root needs ${key}, which this entry's environment contract does not list`);
  return value as NonNullable<CloudEnvironment[K]>;
}

/** The container's context; entries that need more than the handlers' ports (scheduler pass, reconciler) read it. */
export const cloud = lazy<CloudContext>('functions/cloud-root', 'useCloudEnvironment');

/**
 * Wires an entry to the real AWS ports from its environment (read and checked on the first
 * invocation). Tests configure the entries directly instead (`configureRuntime`, `configureApi`).
 */
export function useCloudEnvironment(entry: CloudEntry, env: NodeJS.ProcessEnv = process.env): void {
  cloud.configure(() => createCloudContext(readCloudEnvironment(entry, env)));
  configureRuntime(async () => (await cloud.get()).deps);
}

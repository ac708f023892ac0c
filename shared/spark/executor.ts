/**
 * The Spark-family task executor (what the runner does for a Spark task): resolve the task's config
 * group at submission time (changes apply to newly started tries), build the submission once
 * (submit-spec.ts) and run it where the group says — a Livy batch followed to its end, or a local
 * spark-submit. EMR and EMR Serverless are not run here: the compiled state machine submits them
 * through Step Functions' service integrations with what the submit_spark handler built.
 */
import type { ExecutionOutcome, ExecutionRequest, TaskExecutor, TaskLogger, TaskServices } from '../runtime/executors/types.js';
import { TaskFailedError, TaskNotRunnableError } from '../runtime/executors/types.js';
import type { SleepFn } from '../runtime/executors/support.js';
import type { ArtifactStore, BlobLocator } from './artifacts.js';
import { configGroupVersion, type ConfigGroupStore, type StoredConfigGroup } from './config-groups.js';
import { LivyClient, livyProgress, runLivyBatch, type LivyConnection } from './livy.js';
import { livyBatch } from './render.js';
import { buildSparkSubmitSpec, taskConfigGroup, type SparkSubmitSpec } from './submit-spec.js';

/** Runs a submission with spark-submit on this machine (local mode only). */
export type LocalSparkSubmit = (request: ExecutionRequest, spec: SparkSubmitSpec, keytab: Buffer | undefined) => Promise<ExecutionOutcome>;

export interface SparkExecutorDeps {
  groups: ConfigGroupStore;
  artifacts: ArtifactStore;
  /** Where engines find uploaded blobs by default (local paths locally, s3:// URIs in the cloud). */
  locate: BlobLocator;
  /** Absent in the cloud: a group with the `local` engine then cannot run. */
  localSubmit?: LocalSparkSubmit;
  fetch?: typeof fetch;
  sleep?: SleepFn;
}

/**
 * The group and the submission for one try; input problems fail the try with what to fix. The
 * resolved group (name and content version) is logged and recorded on the task instance.
 */
export async function prepareSubmission(
  deps: Pick<SparkExecutorDeps, 'groups' | 'artifacts'>,
  request: Pick<ExecutionRequest, 'task' | 'args' | 'run' | 'log'> & { services: Pick<TaskServices, 'recordConfigGroup'> },
): Promise<{ group: StoredConfigGroup; spec: SparkSubmitSpec }> {
  let group: StoredConfigGroup;
  try {
    group = await deps.groups.resolve(taskConfigGroup(request.task, request.args));
  } catch (error) {
    throw new TaskFailedError((error as Error).message);
  }
  const version = configGroupVersion(group);
  request.log.info(`Spark config group '${group.name}' version ${version} (engine ${group.engine.type})`);
  await request.services.recordConfigGroup?.({ name: group.name, version });
  try {
    const spec = await buildSparkSubmitSpec({ dagId: request.run.dag_id, task: request.task, args: request.args, group, artifacts: deps.artifacts });
    if (spec.runner === 'python' && (group.engine.type === 'livy' || group.engine.type === 'emr_serverless')) {
      throw new TaskFailedError(
        `${request.task.operator} '${request.task.task_id}' runs a Python program, not a Spark application, which ${group.engine.type === 'livy' ? 'Livy' : 'EMR Serverless'} cannot run (config group '${group.name}'): use a group with the emr or local engine`,
      );
    }
    return { group, spec };
  } catch (error) {
    if (error instanceof TaskNotRunnableError || error instanceof TaskFailedError) throw error;
    throw new TaskFailedError((error as Error).message);
  }
}

type LivyEngine = Extract<StoredConfigGroup['engine'], { type: 'livy' }>;

/** The server and credentials a batch is submitted with, kept (password sealed) for later polls and its DELETE. */
function livyConnection(group: StoredConfigGroup, engine: LivyEngine): LivyConnection {
  const basic = engine.auth === 'basic' && engine.username;
  return { group: group.name, url: engine.url, ...(basic ? { username: engine.username } : {}), ...(basic && group.secrets.livy_password ? { sealed_password: group.secrets.livy_password } : {}), ...(engine.poll_interval_seconds !== undefined ? { poll_interval_seconds: engine.poll_interval_seconds } : {}) };
}

function livyClient(deps: Pick<SparkExecutorDeps, 'groups' | 'fetch'>, connection: LivyConnection): LivyClient {
  const password = connection.sealed_password ? deps.groups.sealedLivyPassword(connection.group, connection.sealed_password) : '';
  return new LivyClient({ url: connection.url, ...(connection.username !== undefined ? { username: connection.username, password } : {}), ...(deps.fetch ? { fetch: deps.fetch } : {}) });
}

/** Where a handed-off batch lives: the connection saved at submission, else (waits saved before it was) its group as it is now. */
async function handedOffConnection(deps: Pick<SparkExecutorDeps, 'groups'>, batch: { livy_batch_id: number; livy_connection?: LivyConnection; livy_group?: string }): Promise<LivyConnection | undefined> {
  if (batch.livy_connection) return batch.livy_connection;
  if (!batch.livy_group) return undefined;
  const group = await deps.groups.resolve(batch.livy_group);
  if (group.engine.type !== 'livy') throw new Error(`config group '${group.name}' no longer uses Livy: Livy batch ${batch.livy_batch_id} cannot be reached`);
  return livyConnection(group, group.engine);
}

/**
 * Stops what a handed-off wait left running when its try ended between invocations (cloud: the
 * state's execution_timeout fired, the run was stopped, the task was marked failed): a Livy batch is
 * deleted on the server it was submitted to. Other progress (a sensor's) holds nothing.
 */
export function createAbandonedWaitCleanup(deps: Pick<SparkExecutorDeps, 'groups' | 'fetch'>) {
  return async (progress: Record<string, unknown>, log: TaskLogger, reason: string): Promise<void> => {
    const batch = livyProgress(progress);
    const connection = batch && (await handedOffConnection(deps, batch));
    if (!batch || !connection) return;
    await livyClient(deps, connection).delete(batch.livy_batch_id);
    log.info(`${reason}; Livy batch ${batch.livy_batch_id} was deleted`);
  };
}

export function createSparkExecutor(deps: SparkExecutorDeps): TaskExecutor {
  return async (request) => {
    const resumed = livyProgress(request.wait?.resumed);
    if (request.wait && resumed) {
      // A batch submitted by an earlier invocation: polled where it was submitted, whatever its group says now.
      let connection;
      try {
        connection = await handedOffConnection(deps, resumed);
      } catch (error) {
        throw new TaskFailedError((error as Error).message);
      }
      if (!connection) throw new TaskFailedError(`Livy batch ${resumed.livy_batch_id}: the server it was submitted to is not known`);
      await runLivyBatch({ client: livyClient(deps, connection), body: undefined, log: request.log, signal: request.signal, pollIntervalMs: (connection.poll_interval_seconds ?? 5) * 1000, ...(deps.sleep ? { sleep: deps.sleep } : {}), wait: request.wait, now: request.now });
      return { outcome: 'success' };
    }
    const { group, spec } = await prepareSubmission(deps, request);
    const engine = group.engine;
    switch (engine.type) {
      case 'local':
        if (!deps.localSubmit) throw new TaskNotRunnableError(`config group '${group.name}' runs Spark with a local spark-submit, which only exists in local mode; use a group with the emr, emr_serverless or livy engine`);
        return deps.localSubmit(request, spec, deps.groups.keytab(group));
      case 'livy': {
        const connection = livyConnection(group, engine);
        const client = livyClient(deps, connection);
        const locate: BlobLocator = engine.artifact_uri ? (key) => `${engine.artifact_uri}${key.replace(/^spark\/artifacts\//, '')}` : deps.locate;
        const body = livyBatch(spec, locate, engine.proxy_user ? { proxyUser: engine.proxy_user } : {});
        if (spec.kerberos?.keytabUploaded && !spec.kerberos.keytabPath) request.log.info('The uploaded keytab is not sent to Livy; set kerberos.keytab_path to a keytab the cluster can read, or use proxy_user');
        await runLivyBatch({ client, body, log: request.log, signal: request.signal, pollIntervalMs: (connection.poll_interval_seconds ?? 5) * 1000, ...(deps.sleep ? { sleep: deps.sleep } : {}), ...(request.wait ? { wait: request.wait, now: request.now, connection } : {}) });
        return { outcome: 'success' };
      }
      case 'emr':
      case 'emr_serverless':
        throw new TaskNotRunnableError(`config group '${group.name}' submits to ${engine.type === 'emr' ? 'EMR' : 'EMR Serverless'}, which the state machine does through AWS; local mode cannot (use a group with the local or livy engine)`);
    }
  };
}

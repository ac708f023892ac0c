/** Assembles a local runtime with every local executor: bash, python3, notebooks, sensors, email outbox. */
import type { BlobListerFor } from '../../shared/runtime/executors/s3-key-sensor.js';
import { join } from 'node:path';
import { createExecutors } from '../../shared/runtime/executors/registry.js';
import { createFileMailTransport } from '../../shared/runtime/executors/email.js';
import { externalStateLookupFromStore } from '../../shared/runtime/executors/external-task-sensor.js';
import { createNotebookExecutor } from '../../shared/runtime/executors/notebook.js';
import { createPythonCallables, createPythonExecutor } from '../../shared/runtime/executors/python.js';
import { PythonWorkers } from '../../shared/runtime/executors/python-worker.js';
import type { TaskExecutor } from '../../shared/runtime/executors/types.js';
import { ProcessSpawner } from '../../shared/runtime/executors/spawner.js';
import { createTemplateRenderer } from '../../shared/runtime/handlers/render-fields.js';
import type { ConnectionStore, VariableStore } from '../../shared/runtime/handlers/deps.js';
import type { RunStore } from '../../shared/stores/metadata.js';
import type { Dag } from '../../shared/model/schema.js';
import { MemoryMetadataStore } from '../stores/memory-metadata.js';
import { bundleCacheFolder } from './bundle-folder.js';
import { LocalRuntime, type LocalRuntimeOptions } from './local-runtime.js';
import { createLocalSparkSubmit } from './spark-submit.js';
import { createSparkExecutor } from '../../shared/spark/executor.js';
import { openLocalSparkStores } from '../stores/spark-stores.js';
import { TaskProcessRegistry } from './task-processes.js';
import { repositoryResolver, type Repository, type RepositoryRecords } from '../../shared/repository/repository.js';
import { openLocalRepository } from '../stores/repository.js';

/** Whether a run store also keeps the repository's records (the platform's and the default in-memory store do). */
const isMetadataStore = (store: RunStore): store is RunStore & RepositoryRecords => 'listRepositoryVersions' in store;

export interface LocalRuntimeSetup {
  dagsFolder: string;
  /** State folder: logs, email outbox ($SKYDAG_HOME, default ./.skydag). */
  home: string;
  store?: RunStore;
  /** Where DAG models come from (default: registered in memory). */
  dagSource?: LocalRuntimeOptions['dagSource'];
  variables?: VariableStore;
  connections?: ConnectionStore;
  /** Seals secret-bearing XComs and conf at rest (the platform's key; default: a key for this process only). */
  cipher?: LocalRuntimeOptions['cipher'];
  pools?: LocalRuntimeOptions['pools'];
  echoLogs?: (text: string) => void;
  testMode?: boolean;
  clock?: () => Date;
  /** Models and datasets templates read (`models.get(...)`); default: in $SKYDAG_HOME when the store holds their records. */
  repository?: Repository;
  /** Task ids to mark successful without running them (`dags test --mark-success-pattern`). */
  markSuccess?: (taskId: string) => boolean;
}

/** What `--mark-success-pattern` does to a matching task: it succeeds without running (Airflow's mark_success). */
/** One spawner per process: task processes start without blocking the event loop (see spawner.ts). */
const taskSpawner = new ProcessSpawner();
/** Operator kinds whose tries start through the task spawner. */
const SPAWNED_KINDS: ReadonlySet<string> = new Set(['bash', 'bash_sensor']);

/** Starts the task spawner while a run of this DAG is being prepared, when the DAG has tasks it starts. */
export function prewarmTaskProcesses(dag: Dag): void {
  if (dag.tasks.some((task) => SPAWNED_KINDS.has(task.operator_kind))) taskSpawner.prewarm();
}
/**
 * One set of warm Python workers per process: Python tries fork from a worker that imported the shim
 * once (see python-worker.ts). `SKYDAG_PYTHON_WARM=0` starts every try cold instead.
 */
const pythonWorkers = process.env.SKYDAG_PYTHON_WARM === '0' ? undefined : new PythonWorkers();

const markedSuccess: TaskExecutor = async (request) => {
  request.log.info('Marking task as SUCCESS without running it (it matches --mark-success-pattern)');
  return { outcome: 'success' };
};

/**
 * S3KeySensor's listers locally: an S3 client for the task's aws_conn_id connection (an S3-compatible
 * store through its endpoint_url), else the environment's AWS credentials. The AWS SDK loads on first use.
 */
let s3Listers: Promise<BlobListerFor> | undefined;
const localS3Listers: BlobListerFor = async (request) => {
  s3Listers ??= (async () => {
    const [{ connectionS3KeyListers }, { S3Client }] = await Promise.all([import('../../shared/aws/s3-key-lister.js'), import('@aws-sdk/client-s3')]);
    let fallback: InstanceType<typeof S3Client> | undefined;
    return connectionS3KeyListers(() => (fallback ??= new S3Client({ region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1' })));
  })();
  return (await s3Listers)(request);
};

export function createLocalRuntime(setup: LocalRuntimeSetup): LocalRuntime {
  const store = setup.store ?? new MemoryMetadataStore();
  const notebook = createNotebookExecutor();
  const repository = setup.repository ?? (isMetadataStore(store) ? openLocalRepository(setup.home, store) : undefined);
  // Config groups and artifacts live in $SKYDAG_HOME/blobs; a Spark task reads its group when it starts.
  const spark = openLocalSparkStores(setup.home, setup.cipher);
  // EmailOperator messages and failure/retry alerts land in the outbox folder: nothing is sent anywhere.
  const outbox = createFileMailTransport(join(setup.home, 'outbox'));
  // The DAG source is created inside the runtime; the sensor looks DAGs up lazily through it.
  const created: { runtime?: LocalRuntime } = {};
  const executors = createExecutors({
    bash: { spawn: taskSpawner.spawn },
    python: createPythonExecutor({ notebookExecutor: notebook, venvCacheDir: join(setup.home, 'venvs'), ...(pythonWorkers ? { workers: pythonWorkers } : {}) }),
    notebook,
    spark: createSparkExecutor({ groups: spark.groups, artifacts: spark.artifacts, locate: spark.locate, localSubmit: createLocalSparkSubmit({ locate: spark.locate }) }),
    externalState: externalStateLookupFromStore(store, async (dagId) => (await created.runtime?.dags.getDag(dagId))?.tasks.map((t) => t.task_id)),
    blobs: localS3Listers,
    mail: outbox,
  });
  const python = createPythonCallables(pythonWorkers ? { workers: pythonWorkers } : {});
  const options: LocalRuntimeOptions = {
    dagsFolder: setup.dagsFolder,
    logsDir: join(setup.home, 'logs'),
    bundleRoot: bundleCacheFolder(setup.home),
    validatedDefinitionsDir: join(setup.home, 'cache', 'asl-valid'),
    store,
    render: createTemplateRenderer(store, {}, repository && repositoryResolver(repository), python.templateCalls),
    executorFor: ({ task }) => (setup.markSuccess?.(task.task_id) ? markedSuccess : executors(task)),
    python,
    processes: new TaskProcessRegistry(join(setup.home, 'run', 'tasks')),
    spark: { groups: spark.groups, artifacts: spark.artifacts, locate: spark.locate },
    mail: { ...outbox, send: (m) => outbox.send(m), from: process.env.SKYDAG_MAIL_FROM ?? 'skydag@localhost' },
    ...(setup.echoLogs ? { echoLogs: setup.echoLogs } : {}),
    ...(setup.testMode !== undefined ? { testMode: setup.testMode } : {}),
    ...(setup.clock ? { clock: setup.clock } : {}),
    ...(setup.dagSource ? { dagSource: setup.dagSource } : {}),
    ...(setup.variables ? { variables: setup.variables } : {}),
    ...(setup.connections ? { connections: setup.connections } : {}),
    ...(setup.pools ? { pools: setup.pools } : {}),
    ...(setup.cipher ? { cipher: setup.cipher } : {}),
  };
  created.runtime = new LocalRuntime(options);
  return created.runtime;
}

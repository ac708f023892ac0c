/**
 * A Spark submission (submit-spec.ts) rendered for each engine. Every renderer takes a locator that
 * turns blob keys into what that engine reads (a local path, `s3://bucket/key`, a Livy-visible URI).
 */
import { createHash } from 'node:crypto';
import type { BlobLocator } from './artifacts.js';
import type { SparkArgument } from './config-groups.js';
import type { SparkFile, SparkSubmitSpec } from './submit-spec.js';

const fileRef = (locate: BlobLocator) => (f: SparkFile) => ('key' in f ? locate(f.key) : f.uri);

export interface ArgvOptions {
  /** Where the keytab is for this spark-submit (a local copy of the uploaded one), if any. */
  keytabPath?: string;
  /** Forced deploy mode (EMR steps run in cluster mode). */
  deployMode?: 'cluster';
}

/**
 * spark-submit's arguments (without the command): the group's flags in its order, `--name`,
 * `--class`, `--jars`, `--py-files`, `--principal`/`--keytab`, the `--conf` pairs, the application,
 * then its arguments.
 */
export function sparkSubmitArgs(spec: SparkSubmitSpec, locate: BlobLocator, options: ArgvOptions = {}): string[] {
  const argv: string[] = [];
  const ref = fileRef(locate);
  let hasDeployMode = false;
  for (const [flag, value] of spec.flags) {
    if (flag === 'deploy-mode') {
      hasDeployMode = true;
      argv.push('--deploy-mode', options.deployMode ?? value);
    } else argv.push(`--${flag}`, value);
  }
  if (options.deployMode && !hasDeployMode) argv.push('--deploy-mode', options.deployMode);
  argv.push('--name', spec.appName);
  if (spec.mainClass) argv.push('--class', spec.mainClass);
  if (spec.jars.length) argv.push('--jars', spec.jars.map(ref).join(','));
  if (spec.pyFiles.length) argv.push('--py-files', spec.pyFiles.map(ref).join(','));
  if (spec.kerberos) {
    const keytab = options.keytabPath ?? spec.kerberos.keytabPath;
    argv.push('--principal', spec.kerberos.principal);
    if (keytab) argv.push('--keytab', keytab);
  }
  for (const [k, v] of spec.conf) argv.push('--conf', `${k}=${v}`);
  argv.push(locate(spec.application), ...spec.args);
  return argv;
}

/** The EMR step (AddJobFlowSteps `Step`, as Step Functions' `elasticmapreduce:addStep.sync` takes it). */
export interface EmrStep {
  Name: string;
  ActionOnFailure: 'CONTINUE';
  HadoopJarStep: { Jar: 'command-runner.jar'; Args: string[] };
}

/**
 * A Python program on the EMR master node: command-runner runs bash, which copies the program from S3
 * to a private temporary folder and runs it with the group's Python (`python_conf`, else python3) and
 * the job arguments — passed as positional parameters, never spliced into the script.
 */
export const EMR_PYTHON_PROGRAM_SCRIPT =
  'set -euo pipefail; d=$(mktemp -d); trap \'rm -rf "$d"\' EXIT; python="$1"; app="$2"; shift 2; aws s3 cp --only-show-errors "$app" "$d/app.py"; "$python" "$d/app.py" "$@"';

/** The interpreter of a Python-program submission: the group's `python_conf` Python, else python3. */
export function programPython(spec: SparkSubmitSpec): string {
  return spec.env.PYSPARK_PYTHON ?? 'python3';
}

export function emrStep(spec: SparkSubmitSpec, locate: BlobLocator): EmrStep {
  const args =
    spec.runner === 'python'
      ? ['bash', '-c', EMR_PYTHON_PROGRAM_SCRIPT, 'skydag-program', programPython(spec), locate(spec.application), ...spec.args]
      : ['spark-submit', ...sparkSubmitArgs(spec, locate, { deployMode: 'cluster' })];
  return {
    Name: spec.appName.slice(0, 256),
    // A failed step must not stop a shared cluster; the task fails through the step's state.
    ActionOnFailure: 'CONTINUE',
    HadoopJarStep: { Jar: 'command-runner.jar', Args: args },
  };
}

/** spark-submit flags that have a Spark property (what EMR Serverless and Livy take instead of flags). */
export const FLAG_PROPERTIES: Partial<Record<SparkArgument, string>> = {
  'driver-memory': 'spark.driver.memory',
  'driver-cores': 'spark.driver.cores',
  'driver-java-options': 'spark.driver.extraJavaOptions',
  'driver-library-path': 'spark.driver.extraLibraryPath',
  'driver-class-path': 'spark.driver.extraClassPath',
  'executor-memory': 'spark.executor.memory',
  'executor-cores': 'spark.executor.cores',
  'num-executors': 'spark.executor.instances',
  'total-executor-cores': 'spark.cores.max',
  packages: 'spark.jars.packages',
  'exclude-packages': 'spark.jars.excludes',
  repositories: 'spark.jars.repositories',
  queue: 'spark.yarn.queue',
  files: 'spark.files',
  archives: 'spark.archives',
};

/** A ClientToken for one try: the same on every redelivery of the same try, another for the next try. */
export function clientToken(ref: { dag_id: string; run_id: string; task_id: string; try_number: number }): string {
  return createHash('sha256').update(JSON.stringify([ref.dag_id, ref.run_id, ref.task_id, ref.try_number])).digest('hex');
}

export interface EmrServerlessJobRun {
  ApplicationId: string;
  ExecutionRoleArn: string;
  ClientToken: string;
  Name: string;
  JobDriver: { SparkSubmit: { EntryPoint: string; EntryPointArguments: string[]; SparkSubmitParameters?: string } };
  ConfigurationOverrides: {
    ApplicationConfiguration: { Classification: 'spark-defaults'; Properties: Record<string, string> }[];
    MonitoringConfiguration: { S3MonitoringConfiguration?: { LogUri: string } };
  };
}

/**
 * EMR Serverless StartJobRun. Every field the compiled state references is always present, so no
 * JSONPath can miss (a missing field would raise an uncatchable States.Runtime). Properties go in the
 * `spark-defaults` classification rather than `--conf` text, so values with spaces need no quoting;
 * `sparkSubmitParameters` keeps only `--class`, `--jars` and `--py-files` (comma lists of URIs).
 */
export function emrServerlessJobRun(
  spec: SparkSubmitSpec,
  locate: BlobLocator,
  engine: { application_id: string; execution_role_arn: string; log_uri?: string },
  ref: { dag_id: string; run_id: string; task_id: string; try_number: number },
): EmrServerlessJobRun {
  const ref_ = fileRef(locate);
  const properties: Record<string, string> = {};
  for (const [flag, value] of spec.flags) {
    const property = FLAG_PROPERTIES[flag];
    if (property) properties[property] = value;
  }
  if (spec.kerberos) {
    properties['spark.kerberos.principal'] = spec.kerberos.principal;
    if (spec.kerberos.keytabPath) properties['spark.kerberos.keytab'] = spec.kerberos.keytabPath;
  }
  properties['spark.app.name'] = spec.appName;
  for (const [k, v] of spec.conf) properties[k] = v;
  const params: string[] = [];
  if (spec.mainClass) params.push('--class', spec.mainClass);
  if (spec.jars.length) params.push('--jars', spec.jars.map(ref_).join(','));
  if (spec.pyFiles.length) params.push('--py-files', spec.pyFiles.map(ref_).join(','));
  return {
    ApplicationId: engine.application_id,
    ExecutionRoleArn: engine.execution_role_arn,
    ClientToken: clientToken(ref),
    Name: spec.appName.slice(0, 256),
    // EMR Serverless refuses an empty sparkSubmitParameters (its minimum length is 1): absent instead.
    JobDriver: { SparkSubmit: { EntryPoint: locate(spec.application), EntryPointArguments: spec.args, ...(params.length > 0 ? { SparkSubmitParameters: params.join(' ') } : {}) } },
    ConfigurationOverrides: {
      ApplicationConfiguration: [{ Classification: 'spark-defaults', Properties: properties }],
      MonitoringConfiguration: engine.log_uri ? { S3MonitoringConfiguration: { LogUri: engine.log_uri } } : {},
    },
  };
}

/** Livy's `POST /batches` body (Apache Livy REST API). */
export interface LivyBatchBody {
  file: string;
  className?: string;
  args: string[];
  jars?: string[];
  pyFiles?: string[];
  files?: string[];
  archives?: string[];
  conf: Record<string, string>;
  name: string;
  proxyUser?: string;
  queue?: string;
  driverMemory?: string;
  driverCores?: number;
  executorMemory?: string;
  executorCores?: number;
  numExecutors?: number;
}

const LIVY_FIELDS: Partial<Record<SparkArgument, keyof LivyBatchBody>> = {
  'proxy-user': 'proxyUser',
  queue: 'queue',
  'driver-memory': 'driverMemory',
  'driver-cores': 'driverCores',
  'executor-memory': 'executorMemory',
  'executor-cores': 'executorCores',
  'num-executors': 'numExecutors',
  files: 'files',
  archives: 'archives',
};
const NUMERIC = new Set(['driverCores', 'executorCores', 'numExecutors']);

export function livyBatch(spec: SparkSubmitSpec, locate: BlobLocator, options: { proxyUser?: string } = {}): LivyBatchBody {
  const ref = fileRef(locate);
  const body: LivyBatchBody = { file: locate(spec.application), args: spec.args, conf: {}, name: spec.appName };
  if (spec.mainClass) body.className = spec.mainClass;
  if (spec.jars.length) body.jars = spec.jars.map(ref);
  if (spec.pyFiles.length) body.pyFiles = spec.pyFiles.map(ref);
  const fields = body as unknown as Record<string, unknown>;
  for (const [flag, value] of spec.flags) {
    const field = LIVY_FIELDS[flag];
    if (field === 'files' || field === 'archives') fields[field] = value.split(',').map((s) => s.trim()).filter(Boolean);
    else if (field && NUMERIC.has(field) && /^\d+$/.test(value)) fields[field] = Number(value);
    else if (field) fields[field] = value;
    else if (FLAG_PROPERTIES[flag]) body.conf[FLAG_PROPERTIES[flag]] = value;
    // master and deploy-mode are the Livy server's to decide.
  }
  if (spec.kerberos) {
    body.conf['spark.kerberos.principal'] = spec.kerberos.principal;
    if (spec.kerberos.keytabPath) body.conf['spark.kerberos.keytab'] = spec.kerberos.keytabPath;
  }
  for (const [k, v] of spec.conf) body.conf[k] = v;
  if (options.proxyUser && !body.proxyUser) body.proxyUser = options.proxyUser;
  return body;
}

/**
 * One Spark submission, built once from the task (its rendered arguments), its config group and the
 * uploaded artifacts, then rendered per engine (render.ts): spark-submit argv, an EMR step, an EMR
 * Serverless job run, a Livy batch. Decisions the original product left open (couture-reference
 * §1.3) are made here:
 * - `--name` is `app_name` (default `<dag_id>.<task_id>`); `--class` is `class_path`.
 * - Every variant gets `spark.workflow.dagId` / `spark.workflow.taskId` (set last, so they win).
 * - Couture variants pass one JSON argument — `method_id`, `dag_id`, then the optional parameters
 *   present, as Python's `json.dumps` writes it — followed by `application_arguments`, if any;
 *   plain variants pass `application_arguments` alone.
 * - The group's *Arguments* and *Configurations* both apply to Spark and PySpark (the manual says
 *   PySpark only takes the Arguments; one rule for both is what users can predict).
 * - `exclude_spark_args` drops group Arguments by name; `jars`/`py-files` name uploaded Spark
 *   dependencies (or are URIs/paths kept as written); Hadoop properties become `spark.hadoop.*`.
 * - `python_conf` names a group Configuration whose value is the Python the job uses: it is also set
 *   as `spark.pyspark.python` (and PYSPARK_PYTHON for a local spark-submit).
 */
import type { PyValue, Task } from '../model/schema.js';
import { COUTURE_JSON_BLOB_ARGS } from '../operators/registry.js';
import { pythonJsonString } from '../util/python-json.js';
import type { ArtifactStore } from './artifacts.js';
import type { SparkArgument, StoredConfigGroup } from './config-groups.js';
import { SparkInputError } from './names.js';

/** A file the job needs: an uploaded artifact (its blob key) or a URI/path kept as the group wrote it. */
export type SparkFile = { key: string } | { uri: string };

export interface SparkSubmitSpec {
  /**
   * `spark-submit` for Spark applications; `python` for the Couture operators that run a Python
   * program themselves (CoutureDaskYarnOperator deploys itself on YARN with dask-yarn; the TensorFlow
   * pair): the code artifact is run with Python and the job arguments — on EMR as a command-runner
   * step on the master node, locally with the group's Python.
   */
  runner: 'spark-submit' | 'python';
  language: 'jvm' | 'python';
  appName: string;
  mainClass: string | null;
  /** The code artifact's blob key. */
  application: string;
  args: string[];
  /** The group's other Arguments, in the group's order. */
  flags: [SparkArgument, string][];
  jars: SparkFile[];
  pyFiles: SparkFile[];
  /** `--conf` pairs in order (later keys replace earlier ones). */
  conf: [string, string][];
  kerberos: { principal: string; keytabPath: string | null; keytabUploaded: boolean } | null;
  /** Environment a local spark-submit gets in addition to the task environment. */
  env: Record<string, string>;
}

export const SPARK_KINDS = ['spark', 'couture_spark', 'pyspark', 'couture_pyspark'] as const;
/** Couture operators whose code artifact is a Python program run as is (not through spark-submit). */
export const PYTHON_PROGRAM_KINDS = ['couture_dask_yarn', 'tensorflow', 'couture_tensorflow'] as const;
const COUTURE_KINDS = new Set(['couture_spark', 'couture_pyspark', 'couture_dask_yarn', 'couture_tensorflow']);

/** Python's `json.dumps` (default separators, ensure_ascii) over DAG values. */
export function pythonJsonDumps(value: PyValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  if (typeof value === 'string') return pythonJsonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof (value as { $type?: unknown }).$type === 'string') throw new SparkInputError(`a ${(value as { $type: string }).$type} value cannot be passed in the JSON argument; pass a string`);
  return `{${Object.entries(value).map(([k, v]) => `${pythonJsonString(k)}: ${pythonJsonDumps(v as PyValue)}`).join(', ')}}`;
}

/** Python's `str()` of an application argument. */
function argString(v: PyValue, task: Task): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  throw new SparkInputError(`${task.operator} '${task.task_id}': application_arguments must hold strings and numbers`);
}

/** The Couture JSON argument: method_id, dag_id, then the optional parameters that are present. */
export function coutureJsonArgument(dagId: string, args: Record<string, PyValue>): string {
  const blob: Record<string, PyValue> = { method_id: args.method_id ?? null, dag_id: dagId };
  for (const key of COUTURE_JSON_BLOB_ARGS) if (args[key] !== undefined && args[key] !== null) blob[key] = args[key];
  return pythonJsonDumps(blob);
}

function stringArg(task: Task, args: Record<string, PyValue>, name: string): string | undefined {
  const v = args[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new SparkInputError(`${task.operator} '${task.task_id}': ${name} must be a string`);
  return v;
}

function stringList(task: Task, args: Record<string, PyValue>, name: string): string[] {
  const v = args[name];
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map((x) => argString(x, task));
  throw new SparkInputError(`${task.operator} '${task.task_id}': ${name} must be a list`);
}

export interface BuildSpecInput {
  dagId: string;
  task: Task;
  /** The task's arguments with templated fields rendered for this try. */
  args: Record<string, PyValue>;
  group: StoredConfigGroup;
  artifacts: ArtifactStore;
}

/** The config group a task names (`config_group=` on the task, or in the DAG's default_args). */
export function taskConfigGroup(task: Task, args: Record<string, PyValue> = task.args): string | undefined {
  const v = args.config_group;
  return typeof v === 'string' && v ? v : undefined;
}

export async function buildSparkSubmitSpec(input: BuildSpecInput): Promise<SparkSubmitSpec> {
  const { task, args, group, artifacts, dagId } = input;
  const where = `${task.operator} '${task.task_id}'`;
  const kind = task.operator_kind;
  const program = (PYTHON_PROGRAM_KINDS as readonly string[]).includes(kind);
  if (!program && !(SPARK_KINDS as readonly string[]).includes(kind)) {
    throw new SparkInputError(`${where}: ${task.operator} is not a Spark application`);
  }
  const language = kind === 'pyspark' || kind === 'couture_pyspark' || program ? 'python' : 'jvm';
  const codeArtifact = stringArg(task, args, 'code_artifact');
  if (!codeArtifact) throw new SparkInputError(`${where}: code_artifact is required`);
  const application = await artifacts.require('code', codeArtifact, where);
  if (language === 'python' && !/\.py$/i.test(codeArtifact)) {
    throw new SparkInputError(
      program
        ? `${where}: the code_artifact of ${task.operator} is a Python program and must be a .py file (got ${codeArtifact})`
        : `${where}: a PySpark code_artifact must be a .py file (got ${codeArtifact}); put .zip/.egg libraries in the group's py-files`,
    );
  }

  const excluded = new Set(stringList(task, args, 'exclude_spark_args').map((a) => a.replace(/^--/, '')));
  const flags: [SparkArgument, string][] = [];
  const dependencies = async (value: string): Promise<SparkFile[]> => {
    const out: SparkFile[] = [];
    for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      out.push(/[/:]/.test(item) ? { uri: item } : { key: await artifacts.require('dependency', item, `config group '${group.name}'`) });
    }
    return out;
  };
  let jars: SparkFile[] = [];
  let pyFiles: SparkFile[] = [];
  for (const [name, value] of Object.entries(group.arguments) as [SparkArgument, string][]) {
    if (excluded.has(name) || value === '') continue;
    if (name === 'jars') jars = await dependencies(value);
    else if (name === 'py-files') pyFiles = await dependencies(value);
    else flags.push([name, value]);
  }

  const conf = new Map<string, string>();
  if (!excluded.has('conf')) for (const [k, v] of Object.entries(group.configurations)) conf.set(k, v);
  for (const file of Object.keys(group.hadoop).sort()) for (const p of group.hadoop[file]!) conf.set(`spark.hadoop.${p.name}`, p.value);
  const env: Record<string, string> = {};
  const pythonConf = stringArg(task, args, 'python_conf');
  if (pythonConf) {
    const python = group.configurations[pythonConf];
    if (python === undefined) throw new SparkInputError(`${where}: python_conf '${pythonConf}' is not a Configuration of config group '${group.name}'`);
    conf.set('spark.pyspark.python', python);
    env.PYSPARK_PYTHON = python;
  }
  conf.set('spark.workflow.dagId', dagId);
  conf.set('spark.workflow.taskId', task.task_id);

  const appArgs = stringList(task, args, 'application_arguments');
  const jobArgs = COUTURE_KINDS.has(kind) ? [coutureJsonArgument(dagId, args), ...appArgs] : appArgs;
  const principal = excluded.has('principal') ? null : group.kerberos.principal;
  return {
    runner: program ? 'python' : 'spark-submit',
    language,
    appName: stringArg(task, args, 'app_name') ?? `${dagId}.${task.task_id}`,
    mainClass: language === 'jvm' ? (stringArg(task, args, 'class_path') ?? null) : null,
    application,
    args: jobArgs,
    flags,
    jars,
    pyFiles,
    conf: [...conf.entries()],
    kerberos: principal ? { principal, keytabPath: excluded.has('keytab') ? null : group.kerberos.keytab_path, keytabUploaded: !excluded.has('keytab') && group.secrets.keytab !== undefined } : null,
    env,
  };
}

/**
 * Spark in local mode: `spark-submit` on this machine, for config groups with the `local` engine.
 * The command is `SKYDAG_SPARK_SUBMIT`, else `spark-submit` on the task environment's PATH, else
 * `$SPARK_HOME/bin/spark-submit`; without any, the task fails saying so. It runs like a bash task
 * (its own process group, output into the task log, stopped on timeout, task environment only — a
 * site passes JAVA_HOME, SPARK_HOME, HADOOP_CONF_DIR, ... with SKYDAG_TASK_ENV_PASSTHROUGH). An
 * uploaded keytab is written to a private temporary folder for the try and removed afterwards.
 */
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobLocator } from '../../shared/spark/artifacts.js';
import type { LocalSparkSubmit } from '../../shared/spark/executor.js';
import type { SparkSubmitSpec } from '../../shared/spark/submit-spec.js';
import type { ExecutionOutcome } from '../../shared/runtime/executors/types.js';
import { programPython, sparkSubmitArgs } from '../../shared/spark/render.js';
import { createBashExecutor, type BashExecutorOptions } from '../../shared/runtime/executors/bash.js';
import { findExecutable, taskBaseEnv, taskUser } from '../../shared/runtime/executors/task-environment.js';
import { TaskNotRunnableError } from '../../shared/runtime/executors/types.js';

export interface SparkSubmitOptions {
  /** The spark-submit command (default `SKYDAG_SPARK_SUBMIT`, else `spark-submit` on PATH, else `$SPARK_HOME/bin/spark-submit`). */
  sparkSubmit?: string;
  /** The platform's environment the task environment is read from (default process.env). */
  parentEnv?: NodeJS.ProcessEnv;
  /** Where local blobs are (the file-system blob store's paths). */
  locate: BlobLocator;
  bash?: BashExecutorOptions;
}

/** The spark-submit to run, or undefined. */
export function findSparkSubmit(options: Pick<SparkSubmitOptions, 'sparkSubmit' | 'parentEnv'>): string | undefined {
  const parentEnv = options.parentEnv ?? process.env;
  const env = taskBaseEnv(parentEnv);
  const named = options.sparkSubmit ?? parentEnv.SKYDAG_SPARK_SUBMIT;
  if (named) return findExecutable(named, env.PATH);
  return findExecutable('spark-submit', env.PATH) ?? (parentEnv.SPARK_HOME ? findExecutable(join(parentEnv.SPARK_HOME, 'bin', 'spark-submit'), env.PATH) : undefined);
}

/** POSIX shell quoting: the argument as one word, verbatim. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function createLocalSparkSubmit(options: SparkSubmitOptions): LocalSparkSubmit {
  const parentEnv = options.parentEnv ?? process.env;
  const bash = createBashExecutor({ ...options.bash, parentEnv });

  /** The Couture Python-program operators (Dask on YARN, TensorFlow): the artifact run with the group's Python. */
  const runPythonProgram = async (request: Parameters<LocalSparkSubmit>[0], spec: SparkSubmitSpec): Promise<ExecutionOutcome> => {
    const python = programPython(spec);
    const binary = findExecutable(python, taskBaseEnv(parentEnv).PATH);
    if (!binary) throw new TaskNotRunnableError(`${request.task.operator} '${request.task.task_id}' runs its program with ${python}, which was not found on the task PATH`);
    request.log.info(`Running the Python program ${spec.appName} with ${binary} (${spec.args.length} arguments)`);
    const command = [binary, options.locate(spec.application), ...spec.args].map(shellQuote).join(' ');
    const outcome = await bash({ ...request, args: { bash_command: command, env: spec.env, append_env: true, skip_on_exit_code: null } });
    return { outcome: outcome.outcome };
  };
  return async (request, spec, keytab) => {
    if (spec.runner === 'python') return runPythonProgram(request, spec);
    const binary = findSparkSubmit(options);
    if (!binary) {
      throw new TaskNotRunnableError(
        `${request.task.operator} '${request.task.task_id}' needs Spark: spark-submit was not found on PATH, and $SPARK_HOME/bin/spark-submit ${parentEnv.SPARK_HOME ? `(${parentEnv.SPARK_HOME}) does not exist` : 'is not set'}. ` +
          'Install Spark (or set SKYDAG_SPARK_SUBMIT or SPARK_HOME), or use a config group that submits to EMR, EMR Serverless or Livy.',
      );
    }
    const secretDir = keytab ? await mkdtemp(join(tmpdir(), 'skydag-keytab-')) : undefined;
    try {
      let keytabPath: string | undefined;
      if (secretDir && keytab) {
        keytabPath = join(secretDir, 'principal.keytab');
        await writeFile(keytabPath, keytab, { mode: 0o600 });
        // Tasks running as SKYDAG_TASK_USER get the keytab as their own private file (it stays 0600).
        const user = taskUser(parentEnv);
        if (user) {
          await chown(secretDir, user.uid, user.gid);
          await chown(keytabPath, user.uid, user.gid);
        }
      }
      const argv = sparkSubmitArgs(spec, options.locate, keytabPath ? { keytabPath } : {});
      request.log.info(`Submitting with ${binary}: ${spec.language === 'python' ? 'PySpark' : 'Spark'} application ${spec.appName} (${argv.length} arguments)`);
      const command = [binary, ...argv].map(shellQuote).join(' ');
      const outcome = await bash({
        ...request,
        args: { bash_command: command, env: spec.env, append_env: true, skip_on_exit_code: null },
      });
      // spark-submit's output is the log, not a value to push (Airflow's SparkSubmitOperator returns None).
      return { outcome: outcome.outcome };
    } finally {
      if (secretDir) await rm(secretDir, { recursive: true, force: true });
    }
  };
}

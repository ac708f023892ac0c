/**
 * Spark in local mode: `spark-submit` on this machine (EMR, EMR Serverless and Livy are the cloud
 * backends, chosen by the task's config group). Without spark-submit the task fails with what to do.
 * spark-submit runs with the task environment (task-environment.ts), never the platform's: a site
 * passes JAVA_HOME, SPARK_HOME, HADOOP_CONF_DIR, ... with SKYDAG_TASK_ENV_PASSTHROUGH.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { findExecutable, taskBaseEnv, taskCommand, taskCredentials } from '../../shared/runtime/executors/task-environment.js';
import { TaskNotRunnableError, type TaskExecutor } from '../../shared/runtime/executors/types.js';

export interface SparkSubmitOptions {
  /** The spark-submit command (default `SKYDAG_SPARK_SUBMIT`, else `spark-submit` on PATH). */
  sparkSubmit?: string;
  /** The platform's environment the task environment is read from (default process.env). */
  parentEnv?: NodeJS.ProcessEnv;
}

function sparkSubmitPath(options: SparkSubmitOptions): string | undefined {
  const parentEnv = options.parentEnv ?? process.env;
  const env = taskBaseEnv(parentEnv);
  const candidate = findExecutable(options.sparkSubmit ?? parentEnv.SKYDAG_SPARK_SUBMIT ?? 'spark-submit', env.PATH);
  if (!candidate) return undefined;
  const launch = taskCommand(candidate, ['--version']);
  const probe = spawnSync(launch.file, launch.args, { stdio: 'ignore', cwd: tmpdir(), env, ...taskCredentials(parentEnv) });
  return probe.error ? undefined : candidate;
}

export function createSparkSubmitExecutor(options: SparkSubmitOptions = {}): TaskExecutor {
  return async (request) => {
    const binary = sparkSubmitPath(options);
    if (!binary) {
      throw new TaskNotRunnableError(
        `${request.task.operator} '${request.task.task_id}' needs Spark: spark-submit was not found on this machine. ` +
          'Install Spark (or set SKYDAG_SPARK_SUBMIT), or run the DAG with a config group that submits to EMR or Livy.',
      );
    }
    throw new TaskNotRunnableError(`${request.task.operator}: submitting to a local Spark installation is not supported yet; run it with a config group that submits to EMR or Livy`);
  };
}

/**
 * Spark in local mode: `spark-submit` on this machine (EMR, EMR Serverless and Livy are the cloud
 * backends, chosen by the task's config group). Without spark-submit the task fails with what to do.
 */
import { spawnSync } from 'node:child_process';
import { TaskNotRunnableError, type TaskExecutor } from '../../shared/runtime/executors/types.js';

function sparkSubmitPath(): string | undefined {
  const candidate = process.env.SKYDAG_SPARK_SUBMIT ?? 'spark-submit';
  const probe = spawnSync(candidate, ['--version'], { stdio: 'ignore' });
  return probe.error ? undefined : candidate;
}

export function createSparkSubmitExecutor(): TaskExecutor {
  return async (request) => {
    const binary = sparkSubmitPath();
    if (!binary) {
      throw new TaskNotRunnableError(
        `${request.task.operator} '${request.task.task_id}' needs Spark: spark-submit was not found on this machine. ` +
          'Install Spark (or set SKYDAG_SPARK_SUBMIT), or run the DAG with a config group that submits to EMR or Livy.',
      );
    }
    throw new TaskNotRunnableError(`${request.task.operator}: submitting to a local Spark installation is not supported yet; run it with a config group that submits to EMR or Livy`);
  };
}

/**
 * BashSensor (Airflow 2.10 `airflow/sensors/bash.py`): each poke runs `bash_command` (a template
 * field, like `env`) in a fresh temporary directory. Exit 0 → done. Any other exit code → poke
 * again, unless `retry_exit_code` is set: then only that code pokes again and any other fails the
 * task without retries (AirflowFailException). The environment is `env` when given, else skydag's
 * task environment (where Airflow inherits the worker's), with Airflow's AIRFLOW_CTX_* variables.
 */
import { bashEnv, type BashExecutorOptions, decoderFor, runBashCommand } from './bash.js';
import { type SensorLoopOptions, runSensor } from './sensors.js';
import { requiredString } from './support.js';
import { TaskFailedNoRetryError } from './python.js';
import { type TaskExecutor, TaskNotRunnableError } from './types.js';

export function createBashSensor(options: BashExecutorOptions & SensorLoopOptions = {}): TaskExecutor {
  return async (request) => {
    const command = requiredString(request, 'bash_command');
    const retryCode = request.args.retry_exit_code;
    if (retryCode !== undefined && retryCode !== null && !(typeof retryCode === 'number' && Number.isInteger(retryCode))) {
      throw new TaskNotRunnableError(`BashSensor '${request.task.task_id}': retry_exit_code must be an integer or None`);
    }
    const env = bashEnv(request, options.parentEnv ?? process.env, false);
    return runSensor(
      request,
      async () => {
        const { exitCode } = await runBashCommand(request, { command, env, decoder: decoderFor(request) }, options);
        if (exitCode === 0) return true;
        if (typeof retryCode === 'number') {
          if (exitCode === retryCode) {
            request.log.info('Return code matches retry code, will retry later');
            return false;
          }
          throw new TaskFailedNoRetryError(`Command exited with return code ${exitCode}`);
        }
        request.log.info('Non-zero return code and no retry code set, will retry later');
        return false;
      },
      options,
    );
  };
}

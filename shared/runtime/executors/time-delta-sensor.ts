/**
 * TimeDeltaSensor (Airflow `airflow/sensors/time_delta.py`): waits until the end of the run's data
 * interval plus `delta`. Like Airflow the comparison is strict: the poke is true once
 * `now > data_interval_end + delta`.
 */
import { pythonUtcDatetimeStr, toEpochMs } from '../time.js';
import { type SensorLoopOptions, runSensor } from './sensors.js';
import { optionalSeconds } from './support.js';
import { type ExecutionRequest, type TaskExecutor, TaskNotRunnableError } from './types.js';

/** The instant the sensor waits for (ms since the epoch). */
export function timeDeltaTarget(request: ExecutionRequest): number {
  const delta = optionalSeconds(request, 'delta');
  if (delta === undefined) throw new TaskNotRunnableError(`TimeDeltaSensor '${request.task.task_id}': argument 'delta' is required`);
  return toEpochMs(request.run.data_interval_end, 'data interval end') + delta * 1000;
}

export function createTimeDeltaSensor(options: SensorLoopOptions = {}): TaskExecutor {
  return async (request) => {
    const target = timeDeltaTarget(request);
    const shown = pythonUtcDatetimeStr(new Date(target)); // str(datetime), as Airflow logs it
    return runSensor(
      request,
      async () => {
        request.log.info(`Checking if the time (${shown}) has come`);
        return request.now().getTime() > target;
      },
      options,
    );
  };
}

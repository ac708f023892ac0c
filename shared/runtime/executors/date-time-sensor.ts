/**
 * DateTimeSensor / DateTimeSensorAsync (Airflow `airflow/sensors/date_time.py`): waits until
 * `target_time` has passed. The target is a template field (a datetime argument is kept as its
 * ISO text, as Airflow stores it); a text without an offset is UTC, Airflow's default time zone.
 * Like Airflow the comparison is strict: the poke is true once `now > target_time`.
 */
import { DateTime } from 'luxon';
import { type SensorLoopOptions, runSensor } from './sensors.js';
import { type ExecutionRequest, type TaskExecutor, TaskFailedError, TaskNotRunnableError } from './types.js';

/** The target instant (ms since the epoch) and the text Airflow logs for it. */
export function dateTimeTarget(request: ExecutionRequest): { ms: number; text: string } {
  const raw = request.args.target_time;
  const where = `${request.task.operator} '${request.task.task_id}'`;
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && raw.$type === 'datetime') {
    const text = String(raw.value);
    return { ms: Date.parse(text), text };
  }
  if (typeof raw !== 'string') throw new TaskNotRunnableError(`${where}: target_time must be a string or a datetime`);
  const text = raw.trim();
  let parsed = DateTime.fromISO(text, { zone: 'utc' });
  if (!parsed.isValid) parsed = DateTime.fromSQL(text, { zone: 'utc' });
  if (!parsed.isValid) throw new TaskFailedError(`${where}: target_time '${raw}' is not a date and time (ISO 8601, e.g. 2024-03-05T10:00:00+00:00)`);
  return { ms: parsed.toMillis(), text: raw };
}

export function createDateTimeSensor(options: SensorLoopOptions = {}): TaskExecutor {
  return async (request) => {
    const target = dateTimeTarget(request);
    return runSensor(
      request,
      async () => {
        request.log.info(`Checking if the time (${target.text}) has come`);
        return request.now().getTime() > target.ms;
      },
      options,
    );
  };
}

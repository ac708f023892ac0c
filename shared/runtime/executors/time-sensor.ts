/**
 * TimeSensor and TimeSensorAsync (Airflow 2.10 `airflow/sensors/time_sensor.py`): wait for a time of
 * day. `target_time` reaches the model as `str(datetime.time)` ("HH:MM:SS[.ffffff][+HH:MM]").
 *
 * - TimeSensor pokes `now.time() > target_time`, with now in the DAG's time zone: the time of day
 *   alone, so a sensor still waiting at midnight waits for the next day's target.
 * - TimeSensorAsync fixes the target when the task starts: today's date (in the DAG's zone) at
 *   `target_time` in the DAG's zone, and waits until it has passed. skydag runs it as a sensor in
 *   reschedule fashion (nothing is held between pokes), which is what the deferral buys in Airflow.
 */
import { DateTime } from 'luxon';
import { type SensorLoopOptions, runSensor } from './sensors.js';
import { type ExecutionRequest, type TaskExecutor, TaskFailedError, TaskNotRunnableError } from './types.js';

interface TimeOfDay {
  /** Milliseconds since midnight (the model keeps microseconds as text; ms is the clock's resolution). */
  ms: number;
  aware: boolean;
  text: string;
}

/** `target_time` as a time of day; a time with an offset is "aware", as in Python. */
export function targetTimeOfDay(request: ExecutionRequest): TimeOfDay {
  const raw = request.args.target_time;
  const where = `${request.task.operator} '${request.task.task_id}'`;
  if (typeof raw !== 'string') throw new TaskNotRunnableError(`${where}: target_time must be a datetime.time`);
  const m = /^(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?(Z|[+-]\d\d:\d\d)?$/.exec(raw.trim());
  if (!m) throw new TaskNotRunnableError(`${where}: target_time '${raw}' is not a time of day (use datetime.time(hour, minute))`);
  const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (h > 23 || mi > 59 || s > 59) throw new TaskNotRunnableError(`${where}: target_time '${raw}' is not a time of day`);
  const ms = ((h * 60 + mi) * 60 + s) * 1000 + Math.floor(Number((m[4] ?? '').padEnd(6, '0')) / 1000);
  return { ms, aware: m[5] !== undefined, text: raw.trim() };
}

const msOfDay = (dt: DateTime): number => dt.toMillis() - dt.startOf('day').toMillis();

export function createTimeSensor(options: SensorLoopOptions = {}): TaskExecutor {
  return async (request) => {
    const target = targetTimeOfDay(request);
    const zone = request.dag.timezone || 'UTC';
    if (request.task.operator === 'TimeSensorAsync') {
      // datetime.combine(today, target_time, dag.timezone): the time's own offset is replaced by the DAG's zone.
      const today = DateTime.fromJSDate(request.now(), { zone }).startOf('day');
      const at = today.plus({ milliseconds: target.ms });
      const targetMs = DateTime.fromObject({ year: at.year, month: at.month, day: at.day, hour: at.hour, minute: at.minute, second: at.second, millisecond: at.millisecond }, { zone }).toMillis();
      const shown = DateTime.fromMillis(targetMs, { zone: 'utc' }).toISO({ suppressMilliseconds: true })!;
      return runSensor(request, async () => {
        request.log.info(`Checking if the time (${shown}) has come`);
        return request.now().getTime() > targetMs;
      }, options);
    }
    if (target.aware) {
      // Python refuses the comparison TimeSensor makes (a naive time of day with an aware target).
      throw new TaskFailedError(`${request.task.operator} '${request.task.task_id}': can't compare offset-naive and offset-aware times (give target_time without tzinfo; it is read in the DAG's time zone, ${zone})`);
    }
    return runSensor(request, async () => {
      request.log.info(`Checking if the time (${target.text}) has come`);
      return msOfDay(DateTime.fromJSDate(request.now(), { zone })) > target.ms;
    }, options);
  };
}

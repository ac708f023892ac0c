/**
 * DayOfWeekSensor (Airflow `airflow/sensors/weekday.py`): waits until the day of the week is one of
 * `week_day` (a day name, case-insensitive, or a WeekDay member, or a list/set of them): today's in UTC, or with
 * `use_task_logical_date` (1.10's `use_task_execution_day`) the run's logical date's.
 */
import { type SensorLoopOptions, runSensor } from './sensors.js';
import { optionalBool } from './support.js';
import { type ExecutionRequest, type TaskExecutor, TaskNotRunnableError } from './types.js';

/** ISO weekday numbers (Monday 1 … Sunday 7), as Airflow's `WeekDay` enum. */
const WEEK_DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

/** The ISO weekday numbers `week_day` names; an unknown name fails as Airflow's `WeekDay.convert` does. */
export function weekDayNumbers(request: ExecutionRequest): Set<number> {
  const raw = request.args.week_day;
  const names = typeof raw === 'string' || typeof raw === 'number' ? [raw] : Array.isArray(raw) ? raw : undefined;
  if (!names || names.length === 0) throw new TaskNotRunnableError(`${request.task.operator} '${request.task.task_id}': week_day must be a day name or a set of day names`);
  return new Set(
    names.map((name) => {
      // A WeekDay member (an IntEnum, MONDAY = 1) reaches the model as its number.
      if (typeof name === 'number' && Number.isInteger(name) && name >= 1 && name <= 7) return name;
      const index = typeof name === 'string' ? WEEK_DAYS.indexOf(name.toUpperCase() as (typeof WEEK_DAYS)[number]) : -1;
      if (index < 0) throw new TaskNotRunnableError(`Invalid Week Day passed: "${String(name)}"`);
      return index + 1;
    }),
  );
}

const isoWeekday = (d: Date): number => ((d.getUTCDay() + 6) % 7) + 1;

export function createDayOfWeekSensor(options: SensorLoopOptions = {}): TaskExecutor {
  return async (request) => {
    const days = weekDayNumbers(request);
    const useLogicalDate = optionalBool(request, 'use_task_logical_date', optionalBool(request, 'use_task_execution_day', false));
    const wanted = [...days].map((n) => WEEK_DAYS[n - 1]).join(', ');
    return runSensor(
      request,
      async () => {
        const today = isoWeekday(request.now());
        request.log.info(`Poking until weekday is in ${wanted}, Today is ${WEEK_DAYS[today - 1]}`);
        return days.has(useLogicalDate ? isoWeekday(new Date(request.run.logical_date)) : today);
      },
      options,
    );
  };
}

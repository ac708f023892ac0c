/**
 * Data intervals. A scheduled run covers [start, end) and fires when the interval ends; a manual run
 * gets the last complete interval before the trigger time (Airflow 2.2+'s
 * `infer_manual_data_interval`), or the instant itself for unscheduled DAGs.
 */
import type { Dag } from '../model/schema.js';
import { inferManualDataInterval as inferWithTimetable } from '../scheduling/timetable.js';
import { manualDataInterval, type CustomTimetableOptions } from '../scheduling/custom-timetable.js';

export interface DataInterval {
  start: string;
  end: string;
}

/** The data interval of a manual run triggered at `runAfter` (the timetable's `infer_manual_data_interval`). */
export function inferManualDataInterval(dag: Pick<Dag, 'schedule' | 'timezone'>, runAfter: Date): DataInterval {
  const { start, end } = inferWithTimetable(dag, runAfter);
  return { start: start.toISOString(), end: end.toISOString() };
}

/** The same for any schedule: a custom timetable's `infer_manual_data_interval` is asked in Python. */
export async function manualRunDataInterval(dag: Dag, runAfter: Date, options: CustomTimetableOptions = {}): Promise<DataInterval> {
  if (dag.schedule.type !== 'custom') return inferManualDataInterval(dag, runAfter);
  const { start, end } = await manualDataInterval(dag, runAfter, options);
  return { start: start.toISOString(), end: end.toISOString() };
}

/** Python's `datetime.isoformat()` of a UTC instant: `2024-01-01T00:00:00+00:00` (microseconds when non-zero). */
export function pythonIsoFormat(iso: string): string {
  const d = new Date(iso);
  const base = d.toISOString().slice(0, 19);
  const micros = d.getUTCMilliseconds() * 1000;
  return `${base}${micros ? `.${String(micros).padStart(6, '0')}` : ''}+00:00`;
}

/**
 * Data intervals. A scheduled run covers [start, end) and fires when the interval ends; a manual run
 * gets the last complete interval before the trigger time (Airflow 2.2+'s
 * `infer_manual_data_interval`), or the instant itself for unscheduled DAGs.
 */
import { CronExpressionParser } from 'cron-parser';
import type { Dag } from '../model/schema.js';

export interface DataInterval {
  start: string;
  end: string;
}

/** The cron tick at or before `at` (in the DAG's time zone), and the one before it. */
function cronPrevious(cron: string, timezone: string, at: Date): { end: Date; start: Date } {
  // cron-parser's prev() is strictly before its current date: start one millisecond after `at`.
  const expr = CronExpressionParser.parse(cron, { currentDate: new Date(at.getTime() + 1), tz: timezone });
  const end = expr.prev().toDate();
  const start = expr.prev().toDate();
  return { end, start };
}

export function inferManualDataInterval(dag: Pick<Dag, 'schedule' | 'timezone'>, runAfter: Date): DataInterval {
  switch (dag.schedule.type) {
    case 'cron': {
      const { start, end } = cronPrevious(dag.schedule.cron, dag.timezone, runAfter);
      return { start: start.toISOString(), end: end.toISOString() };
    }
    case 'timedelta':
      return { start: new Date(runAfter.getTime() - dag.schedule.seconds * 1000).toISOString(), end: runAfter.toISOString() };
    case 'none':
    case 'once':
      return { start: runAfter.toISOString(), end: runAfter.toISOString() };
  }
}

/** Python's `datetime.isoformat()` of a UTC instant: `2024-01-01T00:00:00+00:00` (microseconds when non-zero). */
export function pythonIsoFormat(iso: string): string {
  const d = new Date(iso);
  const base = d.toISOString().slice(0, 19);
  const micros = d.getUTCMilliseconds() * 1000;
  return `${base}${micros ? `.${String(micros).padStart(6, '0')}` : ''}+00:00`;
}

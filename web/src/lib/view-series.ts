/**
 * The series behind the run-level views: Gantt bars of one run, and per-run durations or landing
 * times of each task (pure, so they are tested without a browser).
 */
import type { DagRun, GridData, GridTaskInstance } from '../api/types';
import { formatDuration } from './time';

export type ChartKind = 'durations' | 'landing-times';

export interface GanttRow {
  taskId: string;
  state: GridTaskInstance['state'];
  tryNumber: number;
  /** Seconds from the axis start. */
  from: number;
  to: number;
}

/** Bars of a run's task instances on an axis starting at the earliest start (tasks that never started are left out). */
export function ganttRows(run: DagRun, tis: readonly GridTaskInstance[], now: number = Date.now()): { rows: GanttRow[]; span: number; start: number | null } {
  const started = tis.filter((t) => t.start_date);
  const starts = started.map((t) => Date.parse(t.start_date!));
  const runStart = run.start_date ? Date.parse(run.start_date) : null;
  const origin = starts.length ? Math.min(...starts, runStart ?? Infinity) : runStart;
  if (origin === null) return { rows: [], span: 0, start: null };
  const rows = started
    .map((t) => {
      const a = Date.parse(t.start_date!);
      const b = t.end_date ? Date.parse(t.end_date) : now;
      return { taskId: t.task_id, state: t.state, tryNumber: t.try_number, from: (a - origin) / 1000, to: Math.max((b - origin) / 1000, (a - origin) / 1000) };
    })
    .sort((x, y) => x.from - y.from || x.taskId.localeCompare(y.taskId));
  const runEnd = run.end_date ? (Date.parse(run.end_date) - origin) / 1000 : 0;
  const span = Math.max(runEnd, ...rows.map((r) => r.to), 1);
  return { rows, span, start: origin };
}

export interface ChartSeries {
  /** One point per run, oldest first: `run` label plus seconds per task. */
  points: Record<string, string | number | null>[];
  /** Tasks ordered by their largest value, biggest first. */
  tasks: string[];
}

/** Per run (oldest first), each task's duration or landing time in seconds. */
export function chartSeries(data: GridData, kind: ChartKind): ChartSeries {
  const runs = [...data.dag_runs].reverse();
  const byRun = new Map<string, Record<string, string | number | null>>();
  for (const run of runs) byRun.set(run.dag_run_id, { run: (run.logical_date ?? run.dag_run_id).slice(0, 19).replace('T', ' '), run_id: run.dag_run_id });
  const peak = new Map<string, number>();
  const intervalEnd = new Map(runs.map((r) => [r.dag_run_id, r.data_interval_end ? Date.parse(r.data_interval_end) : null]));
  for (const ti of data.task_instances) {
    const point = byRun.get(ti.dag_run_id);
    if (!point) continue;
    let value: number | null = null;
    if (kind === 'durations') value = ti.duration;
    else if (ti.end_date && intervalEnd.get(ti.dag_run_id) != null) value = (Date.parse(ti.end_date) - intervalEnd.get(ti.dag_run_id)!) / 1000;
    if (value === null) continue;
    point[ti.task_id] = Math.round(value * 10) / 10;
    peak.set(ti.task_id, Math.max(peak.get(ti.task_id) ?? -Infinity, value));
  }
  const tasks = [...peak.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t]) => t);
  return { points: [...byRun.values()], tasks };
}

// Steps a duration axis may use: round seconds, minutes, hours and days.
const MIN = 60;
const HOUR = 3600;
const DAY = 86400;
const DURATION_STEPS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY];

/**
 * Ticks for a duration axis covering [low, high] (seconds; landing times can be negative): at most
 * `most` ticks at a round step (10 min, 2 h, ...), so labels read "1 h 00 min", never "41 min 40 s".
 */
export function durationTicks(low: number, high: number, most = 6): number[] {
  const lo = Math.min(0, low);
  const hi = Math.max(0, high);
  const fits = (s: number) => Math.ceil(hi / s) - Math.floor(lo / s) + 1 <= most;
  let step = DURATION_STEPS.find(fits);
  if (step === undefined) for (step = 14 * DAY; !fits(step); step += 7 * DAY); // whole weeks beyond
  const ticks: number[] = [];
  for (let i = Math.floor(lo / step); i <= Math.ceil(hi / step); i++) ticks.push(Math.round(i * step * 10) / 10);
  return ticks;
}

/** A duration axis label; landing times before the interval's end are negative. */
export const formatAxisDuration = (seconds: number): string => (seconds < 0 ? `−${formatDuration(-seconds)}` : formatDuration(seconds));

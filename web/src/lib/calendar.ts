/**
 * The calendar view's model: a year of days (weeks as columns, Monday first), each day with the
 * states of the runs whose logical date falls on it (UTC, as logical dates are), and one colour:
 * failed if any run failed, running if any is going, success if all that ran succeeded.
 */
import type { DagRun, DagRunState } from '../api/types';

export interface CalendarDay {
  /** YYYY-MM-DD (UTC). */
  date: string;
  counts: Partial<Record<DagRunState, number>>;
  total: number;
  state: DagRunState | null;
  /** After the last day shown (the rest of the current week). */
  future: boolean;
}

export const dayKey = (iso: string) => iso.slice(0, 10);

export function dayState(counts: Partial<Record<DagRunState, number>>): DagRunState | null {
  if (counts.failed) return 'failed';
  if (counts.running) return 'running';
  if (counts.queued) return 'queued';
  if (counts.success) return 'success';
  return null;
}

/** `weeks` columns of 7 days ending with the week of `today` (UTC). */
export function calendarWeeks(runs: readonly DagRun[], today: Date, weeks = 53): CalendarDay[][] {
  const byDay = new Map<string, Partial<Record<DagRunState, number>>>();
  for (const r of runs) {
    if (!r.logical_date) continue;
    const key = dayKey(new Date(r.logical_date).toISOString());
    const counts = byDay.get(key) ?? {};
    counts[r.state] = (counts[r.state] ?? 0) + 1;
    byDay.set(key, counts);
  }
  const end = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  const mondayOffset = (end.getUTCDay() + 6) % 7;
  const firstMonday = new Date(end.getTime() - (mondayOffset + (weeks - 1) * 7) * 86400_000);
  const out: CalendarDay[][] = [];
  for (let w = 0; w < weeks; w++) {
    const week: CalendarDay[] = [];
    for (let d = 0; d < 7; d++) {
      const day = new Date(firstMonday.getTime() + (w * 7 + d) * 86400_000);
      const key = day.toISOString().slice(0, 10);
      const counts = byDay.get(key) ?? {};
      const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
      week.push({ date: key, counts, total, state: dayState(counts), future: day > end });
    }
    out.push(week);
  }
  return out;
}

import type { DagRun, GridData, GridTaskInstance } from '../api/types';
import { chartSeries, durationTicks, formatAxisDuration, ganttRows } from './view-series';

const run = (id: string, logical: string, start: string | null, end: string | null, intervalEnd = logical): DagRun =>
  ({ dag_run_id: id, dag_id: 'd', state: 'success', logical_date: logical, start_date: start, end_date: end, data_interval_end: intervalEnd }) as DagRun;
const ti = (runId: string, taskId: string, start: string | null, end: string | null, duration: number | null, state: GridTaskInstance['state'] = 'success'): GridTaskInstance => ({
  dag_run_id: runId,
  task_id: taskId,
  state,
  try_number: 1,
  start_date: start,
  end_date: end,
  duration,
});

describe('ganttRows', () => {
  it('places started tasks on the run axis in start order; a running task reaches now', () => {
    const r = run('r', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', null);
    const { rows, span } = ganttRows(
      r,
      [ti('r', 'b', '2024-01-01T00:00:10Z', '2024-01-01T00:00:30Z', 20), ti('r', 'a', '2024-01-01T00:00:02Z', '2024-01-01T00:00:08Z', 6), ti('r', 'c', '2024-01-01T00:00:30Z', null, null, 'running'), ti('r', 'd', null, null, null, null)],
      Date.parse('2024-01-01T00:01:00Z'),
    );
    expect(rows.map((x) => [x.taskId, x.from, x.to])).toEqual([
      ['a', 2, 8],
      ['b', 10, 30],
      ['c', 30, 60],
    ]);
    expect(span).toBe(60);
  });
  it('is empty when nothing started', () => {
    expect(ganttRows(run('r', '2024-01-01T00:00:00Z', null, null), [ti('r', 'a', null, null, null, null)]).rows).toEqual([]);
  });
});

describe('chartSeries', () => {
  const data: GridData = {
    dag_runs: [run('r2', '2024-01-02T00:00:00Z', null, null, '2024-01-03T00:00:00Z'), run('r1', '2024-01-01T00:00:00Z', null, null, '2024-01-02T00:00:00Z')],
    task_instances: [
      ti('r1', 'fast', null, '2024-01-02T00:00:05Z', 5),
      ti('r1', 'slow', null, '2024-01-02T00:01:00Z', 60),
      ti('r2', 'fast', null, '2024-01-03T00:00:07Z', 7),
      ti('r2', 'slow', null, null, null, 'running'),
    ],
    has_more: false,
  };
  it('gives durations per run, oldest first, tasks biggest first', () => {
    const s = chartSeries(data, 'durations');
    expect(s.tasks).toEqual(['slow', 'fast']);
    expect(s.points).toEqual([
      { run: '2024-01-01 00:00:00', run_id: 'r1', fast: 5, slow: 60 },
      { run: '2024-01-02 00:00:00', run_id: 'r2', fast: 7 },
    ]);
  });
  it('gives landing times: end of the task after the end of the data interval', () => {
    const s = chartSeries(data, 'landing-times');
    expect(s.points[0]).toMatchObject({ fast: 5, slow: 60 });
    expect(s.points[1]).toMatchObject({ fast: 7 });
  });
});

describe('durationTicks', () => {
  it('steps by round durations, from zero or below it, with at most six ticks', () => {
    expect(durationTicks(8207, 8213.7)).toEqual([0, 1800, 3600, 5400, 7200, 9000]);
    expect(durationTicks(0.4, 2.3)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(durationTicks(3, 42)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(durationTicks(-5400, 1200)).toEqual([-5400, -3600, -1800, 0, 1800]);
    expect(durationTicks(0, 0)).toEqual([0]);
    for (const [lo, hi] of [[0, 1e6], [-1e5, 3e7], [5, 6]]) {
      const ticks = durationTicks(lo!, hi!);
      expect(ticks.length).toBeLessThanOrEqual(6);
      expect(ticks[0]).toBeLessThanOrEqual(Math.min(0, lo!));
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(hi!);
    }
  });
  it('labels negative durations with a minus sign', () => {
    expect(formatAxisDuration(-3600)).toBe('−1 h 00 min');
    expect(formatAxisDuration(1800)).toBe('30 min 00 s');
  });
});

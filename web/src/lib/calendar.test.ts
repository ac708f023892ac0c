import type { DagRun } from '../api/types';
import { calendarWeeks, dayState } from './calendar';

const run = (logical: string, state: DagRun['state']) => ({ dag_run_id: logical, logical_date: logical, state }) as DagRun;

describe('calendarWeeks', () => {
  it('lays a year out in weeks ending with the current week, Monday first, with run counts per UTC day', () => {
    const today = new Date('2024-06-05T15:00:00Z'); // a Wednesday
    const weeks = calendarWeeks([run('2024-06-03T06:00:00+00:00', 'success'), run('2024-06-03T18:00:00+00:00', 'failed'), run('2024-06-04T06:00:00+00:00', 'running')], today);
    expect(weeks).toHaveLength(53);
    const last = weeks[52]!;
    expect(last.map((d) => d.date)).toEqual(['2024-06-03', '2024-06-04', '2024-06-05', '2024-06-06', '2024-06-07', '2024-06-08', '2024-06-09']);
    expect(last[0]).toMatchObject({ total: 2, state: 'failed', counts: { success: 1, failed: 1 }, future: false });
    expect(last[1]!.state).toBe('running');
    expect(last[2]).toMatchObject({ total: 0, state: null, future: false });
    expect(last[3]!.future).toBe(true);
    expect(weeks[0]![0]!.date).toBe('2023-06-05');
  });
});

describe('dayState', () => {
  it('shows failures first, then runs still going, then success', () => {
    expect(dayState({ success: 3, failed: 1 })).toBe('failed');
    expect(dayState({ success: 3, queued: 1 })).toBe('queued');
    expect(dayState({ success: 1 })).toBe('success');
    expect(dayState({})).toBeNull();
  });
});

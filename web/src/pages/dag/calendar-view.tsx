/** A year of runs, one square per day coloured by how that day's runs went (UTC days of logical dates). */
import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { listDagRuns } from '../../api/endpoints';
import type { DagRun } from '../../api/types';
import { ErrorBox, Loading } from '../../components/status';
import { calendarWeeks } from '../../lib/calendar';
import { withQuery } from '../../lib/links';
import { stateColor, stateLabel } from '../../lib/states';

const MAX_PAGES = 20;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Every run of the last year (at most 2,000: 20 pages of 100), and the day it was asked. */
async function runsOfLastYear(dagId: string): Promise<{ runs: DagRun[]; today: Date }> {
  const today = new Date();
  const since = new Date(today.getTime() - 372 * 86400_000).toISOString();
  const runs: DagRun[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await listDagRuns(dagId, { execution_date_gte: since, limit: 100, offset: page * 100, order_by: '-execution_date' });
    runs.push(...result.dag_runs);
    if (runs.length >= result.total_entries || result.dag_runs.length === 0) break;
  }
  return { runs, today };
}

export function CalendarView({ dagId }: { dagId: string }) {
  const runs = useQuery({ queryKey: ['calendar', dagId], queryFn: () => runsOfLastYear(dagId), refetchInterval: 30_000 });
  const weeks = useMemo(() => (runs.data ? calendarWeeks(runs.data.runs, runs.data.today) : []), [runs.data]);
  if (runs.isPending) return <Loading what="a year of runs" />;
  if (runs.isError) return <ErrorBox error={runs.error} />;
  return (
    <div className="calendar" data-testid="calendar">
      <p className="muted small">
        {runs.data.runs.length} run{runs.data.runs.length === 1 ? '' : 's'} in the last year, by the UTC day of their logical date. Click a day to list its runs.
      </p>
      <div className="calendar-grid" role="grid" aria-label="Runs per day">
        <div className="calendar-days muted small" aria-hidden="true">
          {['Mon', '', 'Wed', '', 'Fri', '', 'Sun'].map((d, i) => (
            <span key={i}>{d}</span>
          ))}
        </div>
        {weeks.map((week) => (
          <div key={week[0]!.date} className="calendar-week">
            <span className="calendar-month muted small">{week[0]!.date.endsWith('-01') || Number(week[0]!.date.slice(8)) <= 7 ? MONTHS[Number(week[0]!.date.slice(5, 7)) - 1] : ''}</span>
            {week.map((day) =>
              day.future ? (
                <span key={day.date} className="calendar-day future" />
              ) : (
                <Link
                  key={day.date}
                  to={withQuery('/dag-runs', { dag_id: dagId, from: day.date, to: day.date })}
                  className="calendar-day"
                  style={day.state ? { background: stateColor(day.state) } : undefined}
                  title={`${day.date}: ${day.total ? Object.entries(day.counts).map(([s, n]) => `${n} ${stateLabel(s)}`).join(', ') : 'no runs'}`}
                  aria-label={`${day.date}: ${day.total} runs`}
                />
              ),
            )}
          </div>
        ))}
      </div>
    </div>
  );
}

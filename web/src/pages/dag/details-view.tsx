/** Everything about the DAG at a glance: schedule, version, limits, params, and what one run costs on Step Functions. */
import type { DagDetail } from '../../api/types';
import { scheduleInWords } from '../../lib/schedule-words';
import { formatDateTime, formatDuration, formatInZone } from '../../lib/time';

const seconds = (t: { days: number; seconds: number } | null) => (t ? t.days * 86400 + t.seconds : null);

export function DetailsView({ dag }: { dag: DagDetail }) {
  const schedule = dag.schedule_interval && '__type' in dag.schedule_interval && dag.schedule_interval.__type === 'CronExpression' ? dag.schedule_interval.value : dag.timetable_description;
  const cost = dag.cost_estimate;
  const rows: [string, React.ReactNode][] = [
    ['Schedule', `${scheduleInWords(dag.schedule_interval, dag.timezone)}${schedule ? ` (${schedule})` : ''}`],
    ['Time zone', dag.timezone],
    ['Start date', formatInZone(dag.start_date, dag.timezone)],
    ['End date', formatInZone(dag.end_date, dag.timezone)],
    ['Catchup', dag.catchup ? 'yes' : 'no'],
    ['Next run', dag.next_dagrun ? `${formatInZone(dag.next_dagrun_data_interval_end ?? dag.next_dagrun, dag.timezone)} (logical date ${formatInZone(dag.next_dagrun, dag.timezone)})` : '—'],
    ['Max active runs', dag.max_active_runs],
    ['Max active tasks', dag.max_active_tasks],
    ['Run timeout', dag.dag_run_timeout ? formatDuration(seconds(dag.dag_run_timeout)) : 'none'],
    ['Owners', dag.owners.join(', ')],
    ['Tags', dag.tags.map((t) => t.name).join(', ') || '—'],
    ['File', <code key="f">{dag.fileloc}</code>],
    ['Version', <code key="v">{dag.current_version}</code>],
    ['Last parsed', formatDateTime(dag.last_parsed_time)],
    ['Tasks', dag.tasks.length],
  ];
  return (
    <div className="details" data-testid="details">
      <div className="details-grid">
        <section className="card">
          <h2>DAG</h2>
          <dl className="facts">
            {rows.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section className="card">
          <h2>Cost of one run (Step Functions)</h2>
          {cost ? (
            <dl className="facts">
              <div>
                <dt>State machine</dt>
                <dd>
                  {cost.states} states{cost.parts ? ` in ${cost.parts} parts + main` : ', one machine'} ({(cost.definition_bytes / 1024).toFixed(1)} KB)
                </dd>
              </div>
              <div>
                <dt>History events per run</dt>
                <dd>
                  ~{cost.estimated_events_per_run.toLocaleString()} (worst case with every retry: {cost.worst_case_events_per_run.toLocaleString()}; limit 25,000 per execution)
                </dd>
              </div>
              <div>
                <dt>State transitions per task</dt>
                <dd>{cost.transitions_per_task}</dd>
              </div>
              <div>
                <dt>Lambda invocations per task</dt>
                <dd>{cost.lambda_invocations_per_task}</dd>
              </div>
            </dl>
          ) : (
            <p className="muted">The compiler could not estimate this version.</p>
          )}
          <h2>Params</h2>
          {Object.keys(dag.params).length ? <pre className="params">{JSON.stringify(dag.params, null, 2)}</pre> : <p className="muted">No params.</p>}
        </section>
      </div>
      {dag.doc_md ? (
        <section className="card">
          <h2>Documentation</h2>
          <pre className="doc">{dag.doc_md}</pre>
        </section>
      ) : null}
    </div>
  );
}

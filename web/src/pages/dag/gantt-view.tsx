/**
 * Gantt of one run: each task's try as a bar from its start to its end (still running: to now), in
 * start order, on the run's time axis — where the time went and what overlapped.
 */
import { useMemo } from 'react';
import type { DagRun, GridTaskInstance } from '../../api/types';
import { ganttRows } from '../../lib/view-series';
import { stateColor, stateLabel } from '../../lib/states';
import { formatDateTime, formatDuration } from '../../lib/time';

export function GanttView({ run, taskInstances, selectedTaskId, onSelectTask }: { run: DagRun; taskInstances: GridTaskInstance[]; selectedTaskId: string | null; onSelectTask: (taskId: string) => void }) {
  const { rows, span, start } = useMemo(() => ganttRows(run, taskInstances), [run, taskInstances]);
  const notStarted = taskInstances.length - rows.length;
  if (rows.length === 0) return <div className="empty">No task of run {run.dag_run_id} has started yet.</div>;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * span);
  return (
    <div className="gantt" data-testid="gantt">
      <div className="gantt-row gantt-axis">
        <div className="gantt-label muted small">started {formatDateTime(start ? new Date(start).toISOString() : null)}</div>
        <div className="gantt-track">
          {ticks.map((t, i) => (
            <span key={i} className="gantt-tick" style={{ left: `${(t / span) * 100}%` }}>
              +{formatDuration(t)}
            </span>
          ))}
        </div>
      </div>
      {rows.map((r) => (
        <div key={r.taskId} className={`gantt-row${r.taskId === selectedTaskId ? ' selected' : ''}`}>
          <div className="gantt-label ellipsis" title={r.taskId}>
            {r.taskId}
          </div>
          <div className="gantt-track">
            <button
              type="button"
              className="gantt-bar"
              style={{ left: `${(r.from / span) * 100}%`, width: `max(3px, ${((r.to - r.from) / span) * 100}%)`, background: stateColor(r.state) }}
              title={`${r.taskId}\n${stateLabel(r.state)}${r.tryNumber > 1 ? ` · try ${r.tryNumber}` : ''}\n+${formatDuration(r.from)} → +${formatDuration(r.to)} (${formatDuration(r.to - r.from)})`}
              aria-label={`${r.taskId}: ${formatDuration(r.to - r.from)}`}
              onClick={() => onSelectTask(r.taskId)}
            />
          </div>
        </div>
      ))}
      {notStarted > 0 ? <p className="muted small">{notStarted} task(s) of this run have not started.</p> : null}
    </div>
  );
}

/**
 * Task durations and landing times over the last N runs (recharts, loaded on demand): where time goes
 * across runs, and how late after its data interval each task lands. The tasks that take longest are
 * shown by default; any task can be added.
 */
import { useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { GridData } from '../../api/types';
import { chartSeries, durationTicks, formatAxisDuration, type ChartKind } from '../../lib/view-series';

const PALETTE = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5f3dc4', '#66a80f', '#495057'];

export function ChartsView({ data, kind }: { data: GridData; kind: ChartKind }) {
  const series = useMemo(() => chartSeries(data, kind), [data, kind]);
  const [chosen, setChosen] = useState<string[] | null>(null);
  const shown = chosen ?? series.tasks.slice(0, 8);
  const addable = series.tasks.filter((t) => !shown.includes(t));
  const ticks = useMemo(() => {
    const values = series.points.flatMap((p) => shown.map((t) => p[t])).filter((v): v is number => typeof v === 'number');
    return durationTicks(Math.min(0, ...values), Math.max(0, ...values));
  }, [series, shown]);
  if (series.tasks.length === 0) return <div className="empty">No finished task in these runs yet.</div>;
  return (
    <div className="chart-view" data-testid={kind}>
      <p className="muted small">
        {kind === 'durations'
          ? 'How long each task ran, per run.'
          : 'How long after the end of its data interval each task finished, per run (below zero: before the interval ended).'}{' '}
        Showing {shown.length} of {series.tasks.length} tasks.
      </p>
      <div className="chart-box">
        <ResponsiveContainer width="100%" height={420}>
          <LineChart data={series.points} margin={{ top: 10, right: 24, bottom: 10, left: 10 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
            <XAxis dataKey="run" tick={{ fontSize: 11, fill: 'var(--muted)' }} minTickGap={24} />
            <YAxis tick={{ fontSize: 11, fill: 'var(--muted)' }} ticks={ticks} domain={[ticks[0]!, ticks[ticks.length - 1]!]} tickFormatter={formatAxisDuration} width={84} />
            <Tooltip
              formatter={(v) => formatAxisDuration(Number(v))}
              contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)', fontSize: 12 }}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {shown.map((task, i) => (
              <Line key={task} type="monotone" dataKey={task} stroke={PALETTE[i % PALETTE.length]} dot={{ r: 3 }} connectNulls isAnimationActive={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <div className="row">
        <span className="small muted">Tasks:</span>
        {shown.map((t) => (
          <button key={t} type="button" className="tag selected" onClick={() => setChosen(shown.filter((x) => x !== t))} title="Remove from the chart">
            {t} ✕
          </button>
        ))}
        {addable.length ? (
          <select aria-label="Add a task to the chart" value="" onChange={(e) => e.target.value && setChosen([...shown, e.target.value])}>
            <option value="">Add a task…</option>
            {addable.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        ) : null}
      </div>
    </div>
  );
}

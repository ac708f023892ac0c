/** State badges, the small coloured squares of grids and legends, and state-count chips. */
import { Link } from 'react-router';
import type { AnyState } from '../lib/states';
import { STATE_ORDER, stateColor, stateLabel } from '../lib/states';

export function StateBadge({ state }: { state: string | null | undefined }) {
  return (
    <span className="state-badge" data-state={state ?? 'none'}>
      <span className="state-dot" style={{ background: stateColor(state) }} aria-hidden="true" />
      {stateLabel(state)}
    </span>
  );
}

/** Counts per state as coloured circles with the number inside (zero counts left out). */
export function StateCounts({ counts, title, link }: { counts: { state: string; count: number }[]; title: string; link?: (state: string) => string }) {
  const shown = [...counts].filter((c) => c.count > 0).sort((a, b) => STATE_ORDER.indexOf(a.state as AnyState) - STATE_ORDER.indexOf(b.state as AnyState));
  if (shown.length === 0) return <span className="muted small">—</span>;
  return (
    <span className="state-counts" aria-label={title}>
      {shown.map((c) => {
        const chip = (
          <span className="state-count" data-state={c.state} style={{ borderColor: stateColor(c.state === 'none' ? 'removed' : c.state) }} title={`${c.count} ${stateLabel(c.state === 'none' ? null : c.state)}`}>
            {c.count}
          </span>
        );
        return link ? (
          <Link key={c.state} to={link(c.state)} className="plain">
            {chip}
          </Link>
        ) : (
          <span key={c.state}>{chip}</span>
        );
      })}
    </span>
  );
}

export function StateLegend({ states }: { states: readonly string[] }) {
  return (
    <div className="legend" aria-label="Legend">
      {states.map((s) => (
        <span key={s} className="legend-item">
          <span className="state-square" style={{ background: stateColor(s) }} />
          {stateLabel(s === 'none' ? null : s)}
        </span>
      ))}
    </div>
  );
}

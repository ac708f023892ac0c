/**
 * The grid: runs as columns (oldest left, each headed by a bar as tall as the run was long, coloured
 * by its state), tasks as rows (task groups collapse), each cell the task's state in that run.
 * Rows are virtualized, so a DAG of 500 tasks renders only what is on screen; the time from new data
 * to the painted grid is recorded as the `skydag:grid-render` performance measure.
 */
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { GridData, Task } from '../../api/types';
import { StateLegend } from '../../components/state';
import { allGroupIds, buildCells, buildTree, flattenRows, rowKey, type GridCell, type GridRow } from '../../lib/grid-model';
import { STATE_ORDER, stateColor, stateLabel } from '../../lib/states';
import { formatDateTime, formatDuration, secondsBetween } from '../../lib/time';

const ROW_HEIGHT = 24;
const BAR_AREA = 56;

export const GRID_RENDER_MEASURE = 'skydag:grid-render';

interface GridViewProps {
  tasks: Task[];
  data: GridData;
  selectedRunId: string | null;
  selectedTaskId: string | null;
  onSelectRun: (runId: string) => void;
  onSelectTask: (runId: string, taskId: string) => void;
  runLimit: number;
  onRunLimit: (n: number) => void;
}

interface GridRowProps {
  row: GridRow;
  top: number;
  columns: string;
  runIds: readonly string[];
  cells: readonly (GridCell | undefined)[];
  /** Equal keys mean equal cells: memo compares this instead of the (rebuilt) cell objects. */
  cellsKey: string;
  selectedRunIndex: number;
  selected: boolean;
  onToggle: (row: GridRow) => void;
}

const GridRowView = memo(
  function GridRowView({ row, top, columns, runIds, cells, selectedRunIndex, selected, onToggle }: GridRowProps) {
    return (
      <div role="row" className={`grid-row${selected ? ' selected' : ''}${row.kind === 'group' ? ' group' : ''}`} style={{ transform: `translateY(${top}px)`, gridTemplateColumns: `var(--grid-label) ${columns}` }} data-row={row.id}>
        <div className="grid-label" style={{ paddingLeft: 8 + row.depth * 14 }} title={row.id}>
          {row.kind === 'group' ? (
            <button type="button" className="group-toggle" aria-expanded={row.expanded} aria-label={`${row.expanded ? 'Collapse' : 'Expand'} group ${row.id}`} onClick={() => onToggle(row)}>
              {row.expanded ? '▾' : '▸'}
            </button>
          ) : null}
          <span className="ellipsis">{row.label}</span>
          {row.kind === 'group' ? <span className="muted small"> ({row.size})</span> : null}
        </div>
        {runIds.map((runId, i) => {
          const cell = cells[i];
          if (!cell) return <span key={runId} className="grid-cell empty-cell" />;
          return (
            <button
              key={runId}
              type="button"
              role="gridcell"
              data-run-index={i}
              className={`grid-cell${selected && i === selectedRunIndex ? ' selected' : ''}${i === selectedRunIndex ? ' in-run' : ''}`}
              data-state={cell.state ?? 'none'}
              style={{ background: stateColor(cell.state) }}
              title={`${row.id}\n${runId}\n${stateLabel(cell.state)}${cell.tryNumber > 1 ? ` · try ${cell.tryNumber}` : ''}${cell.duration !== null ? ` · ${formatDuration(cell.duration)}` : ''}`}
              aria-label={`${row.id} in ${runId}: ${stateLabel(cell.state)}`}
            />
          );
        })}
      </div>
    );
  },
  (a, b) =>
    a.row === b.row && a.top === b.top && a.columns === b.columns && a.runIds === b.runIds && a.cellsKey === b.cellsKey && a.selectedRunIndex === b.selectedRunIndex && a.selected === b.selected && a.onToggle === b.onToggle,
);

export function GridView({ tasks, data, selectedRunId, selectedTaskId, onSelectRun, onSelectTask, runLimit, onRunLimit }: GridViewProps) {
  const tree = useMemo(() => buildTree(tasks), [tasks]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const expanded = useMemo(() => new Set(allGroupIds(tree).filter((g) => !collapsed.has(g))), [tree, collapsed]);
  const rows = useMemo(() => flattenRows(tree, expanded), [tree, expanded]);
  const started = useRef(0);
  const cells = useMemo(() => {
    started.current = performance.now();
    return buildCells(tree, data.dag_runs, data.task_instances);
  }, [tree, data]);

  // New data → painted grid: measured up to the frame after the DOM update.
  useLayoutEffect(() => {
    const from = started.current;
    const frame = requestAnimationFrame(() => performance.measure(GRID_RENDER_MEASURE, { start: from, end: performance.now() }));
    return () => cancelAnimationFrame(frame);
  }, [cells]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 6 });

  // Bring the selected task's row into view when it is chosen elsewhere (graph, deep link).
  useEffect(() => {
    if (!selectedTaskId) return;
    const index = rows.findIndex((r) => r.id === selectedTaskId);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'auto' });
  }, [selectedTaskId, rows, virtualizer]);

  const toggle = useCallback(
    (row: GridRow) =>
      setCollapsed((c) => {
        const next = new Set(c);
        if (row.expanded) next.add(row.id);
        else next.delete(row.id);
        return next;
      }),
    [],
  );
  // Stable while the runs stay the same, so unchanged rows keep their props.
  const runIdsKey = cells.runs.map((r) => r.dag_run_id).join('\n');
  const runIds = useMemo(() => (runIdsKey ? runIdsKey.split('\n') : []), [runIdsKey]);
  const selectedRunIndex = selectedRunId ? runIds.indexOf(selectedRunId) : -1;
  const groupIds = allGroupIds(tree);
  const runCount = cells.runs.length;
  const columns = `repeat(${Math.max(runCount, 1)}, 20px)`;

  return (
    <div className="grid-view">
      <div className="view-toolbar">
        <label className="inline-field">
          Runs
          <select value={runLimit} onChange={(e) => onRunLimit(Number(e.target.value))} aria-label="Number of runs">
            {[10, 25, 50, 100].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        {groupIds.length ? (
          <>
            <button type="button" className="button small" onClick={() => setCollapsed(new Set())}>
              Expand all
            </button>
            <button type="button" className="button small" onClick={() => setCollapsed(new Set(groupIds))}>
              Collapse all
            </button>
          </>
        ) : null}
        <span className="grow" />
        <StateLegend states={STATE_ORDER.filter((s) => !['restarting', 'deferred', 'removed', 'up_for_reschedule'].includes(s))} />
      </div>
      {runCount === 0 ? <div className="empty">No runs yet: trigger one, or unpause the DAG so its schedule creates them.</div> : null}
      <div className="grid-scroll" ref={scrollRef} data-testid="grid" role="grid" aria-rowcount={rows.length} aria-colcount={runCount}>
        <div className="grid-head" style={{ gridTemplateColumns: `var(--grid-label) ${columns}` }}>
          <div className="grid-head-label muted small">{runCount ? `${rows.length} rows · ${runCount} runs` : ''}</div>
          {cells.runs.map((run) => {
            const seconds = secondsBetween(run.start_date, run.end_date);
            const height = cells.maxRunSeconds > 0 && seconds !== null ? Math.max(4, Math.round((seconds / cells.maxRunSeconds) * (BAR_AREA - 8))) : 4;
            return (
              <button
                key={run.dag_run_id}
                type="button"
                className={`run-bar-cell${run.dag_run_id === selectedRunId ? ' selected' : ''}`}
                onClick={() => onSelectRun(run.dag_run_id)}
                title={`${run.dag_run_id}\n${stateLabel(run.state)} · ${formatDateTime(run.logical_date)} · ${formatDuration(seconds)}`}
                aria-label={`Run ${run.dag_run_id}: ${stateLabel(run.state)}`}
              >
                <span className="run-bar" style={{ height, background: stateColor(run.state) }} />
              </button>
            );
          })}
        </div>
        <div
          className="grid-body"
          style={{ height: virtualizer.getTotalSize() }}
          onClick={(e) => {
            // One handler for every cell (data attributes say which), instead of one closure per cell.
            const target = (e.target as HTMLElement).closest<HTMLElement>('[data-run-index]');
            const rowEl = target?.closest<HTMLElement>('[data-row]');
            if (!target || !rowEl) return;
            const row = rows.find((r) => r.id === rowEl.dataset.row);
            const run = cells.runs[Number(target.dataset.runIndex)];
            if (!row || !run) return;
            if (row.kind === 'group') toggle(row);
            else onSelectTask(run.dag_run_id, row.id);
          }}
        >
          {virtualizer.getVirtualItems().map((v) => {
            const row = rows[v.index]!;
            const rowCells = cells.row(row.id);
            return (
              <GridRowView
                key={row.id}
                row={row}
                top={v.start}
                columns={columns}
                runIds={runIds}
                cells={rowCells}
                cellsKey={rowKey(rowCells)}
                selectedRunIndex={selectedRunIndex}
                selected={row.id === selectedTaskId}
                onToggle={toggle}
              />
            );
          })}
        </div>
      </div>
      {data.has_more ? <p className="muted small">Older runs exist: show more runs above, or browse them in DAG runs.</p> : null}
    </div>
  );
}

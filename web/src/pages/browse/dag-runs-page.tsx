/** Every DAG run, filtered by DAG, state and logical-date range (in the URL); mark, clear or delete a run when the role may. */
import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { errorMessage } from '../../api/client';
import { clearDagRun, deleteDagRun, listDagRuns, setDagRunState } from '../../api/endpoints';
import type { DagRun, DagRunState, TaskInstanceReference } from '../../api/types';
import { useSession } from '../../auth/session';
import { ConfirmDialog } from '../../components/dialog';
import { FilterInput, LIST_PAGE_SIZE, Pager, useListParams } from '../../components/list-tools';
import { StateBadge } from '../../components/state';
import { Empty, ErrorBox, Loading } from '../../components/status';
import { previewOf } from '../../lib/clear-preview';
import { dagUrl } from '../../lib/links';
import { formatDateTime, formatDuration, secondsBetween } from '../../lib/time';

type RunAction = { run: DagRun; kind: 'success' | 'failed' | 'clear' | 'delete' };

function RunActionDialog({ action, onClose }: { action: RunAction; onClose: () => void }) {
  const queryClient = useQueryClient();
  const { run, kind } = action;
  const preview = useQuery({
    queryKey: ['run-clear-preview', run.dag_id, run.dag_run_id],
    queryFn: async () => ((await clearDagRun(run.dag_id, run.dag_run_id, true)) as { task_instances: TaskInstanceReference[] }).task_instances,
    enabled: kind === 'clear',
    gcTime: 0,
  });
  const act = useMutation({
    mutationFn: async () => {
      if (kind === 'delete') await deleteDagRun(run.dag_id, run.dag_run_id);
      else if (kind === 'clear') await clearDagRun(run.dag_id, run.dag_run_id, false);
      else await setDagRunState(run.dag_id, run.dag_run_id, kind);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['dag-runs'] });
      void queryClient.invalidateQueries({ queryKey: ['grid', run.dag_id] });
      onClose();
    },
  });
  const what: Record<RunAction['kind'], [string, string]> = {
    success: [`Mark run ${run.dag_run_id} success?`, 'Its unfinished tasks are marked success and the run ends as success.'],
    failed: [`Mark run ${run.dag_run_id} failed?`, 'Its running tasks are stopped; the run ends as failed.'],
    clear: [`Clear run ${run.dag_run_id}?`, 'Every task instance of the run loses its state and the run executes again.'],
    delete: [`Delete run ${run.dag_run_id}?`, 'The run, its task instances and XComs are removed. Logs stay on disk.'],
  };
  const [title, text] = what[kind];
  return (
    <ConfirmDialog title={title} confirmLabel={kind === 'delete' ? 'Delete' : kind === 'clear' ? 'Clear' : `Mark ${kind}`} danger={kind === 'delete' || kind === 'failed'} busy={act.isPending} onConfirm={() => act.mutate()} onClose={onClose}>
      <p>{text}</p>
      {kind === 'clear' && preview.data ? <p className="strong">{previewOf(preview.data, 'clear').summary}</p> : null}
      {act.isError ? <div className="callout error" role="alert">{errorMessage(act.error)}</div> : null}
    </ConfirmDialog>
  );
}

export function DagRunsPage() {
  const list = useListParams();
  const session = useSession();
  const [action, setAction] = useState<RunAction | null>(null);
  const dagId = list.get('dag_id');
  const state = list.get('state');
  const from = list.get('from');
  const to = list.get('to');
  const runs = useQuery({
    queryKey: ['dag-runs', { dagId, state, from, to, offset: list.offset }],
    queryFn: () =>
      listDagRuns(dagId || '~', {
        limit: LIST_PAGE_SIZE,
        offset: list.offset,
        order_by: '-execution_date',
        ...(state ? { state: [state as DagRunState] } : {}),
        ...(from ? { execution_date_gte: `${from}T00:00:00Z` } : {}),
        ...(to ? { execution_date_lte: `${to}T23:59:59.999Z` } : {}),
      }),
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  // Run actions edit the run's DAG (Airflow's rule), so they need can_edit on it too.
  const canEdit = (dagId: string) => session.canOnDag(dagId, 'can_edit', 'edit:dag_runs');
  const canDelete = (dagId: string) => session.canOnDag(dagId, 'can_edit', 'delete:dag_runs');
  return (
    <div className="page">
      <div className="page-head">
        <h1>DAG runs</h1>
        <FilterInput label="DAG" value={dagId} onChange={(v) => list.set({ dag_id: v })} placeholder="dag id (exact)" />
        <label className="inline-field">
          State
          <select aria-label="State" value={state} onChange={(e) => list.set({ state: e.target.value })}>
            <option value="">any</option>
            {['queued', 'running', 'success', 'failed'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <FilterInput label="From" type="date" value={from} onChange={(v) => list.set({ from: v })} />
        <FilterInput label="To" type="date" value={to} onChange={(v) => list.set({ to: v })} />
      </div>
      {runs.isPending ? <Loading what="runs" /> : null}
      {runs.isError ? <ErrorBox error={runs.error} /> : null}
      {runs.data && runs.data.dag_runs.length === 0 ? <Empty>No run matches these filters.</Empty> : null}
      {runs.data?.dag_runs.length ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>DAG</th>
                <th>Run</th>
                <th>State</th>
                <th>Logical date</th>
                <th>Started</th>
                <th className="num">Duration</th>
                <th>Type</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {runs.data.dag_runs.map((r) => (
                <tr key={`${r.dag_id}/${r.dag_run_id}`}>
                  <td>
                    <Link to={dagUrl(r.dag_id)}>{r.dag_id}</Link>
                  </td>
                  <td className="mono small wrap">
                    <Link to={dagUrl(r.dag_id, 'grid', { run: r.dag_run_id })}>{r.dag_run_id}</Link>
                  </td>
                  <td>
                    <StateBadge state={r.state} />
                  </td>
                  <td className="nowrap">{formatDateTime(r.logical_date)}</td>
                  <td className="nowrap">{formatDateTime(r.start_date)}</td>
                  <td className="num nowrap">{formatDuration(secondsBetween(r.start_date, r.end_date))}</td>
                  <td>{r.run_type}</td>
                  <td className="actions">
                    {canEdit(r.dag_id) ? (
                      <>
                        <button type="button" className="button small" onClick={() => setAction({ run: r, kind: 'clear' })}>
                          Clear
                        </button>{' '}
                        <button type="button" className="button small" onClick={() => setAction({ run: r, kind: 'success' })} disabled={r.state === 'success'}>
                          Mark success
                        </button>{' '}
                        <button type="button" className="button small" onClick={() => setAction({ run: r, kind: 'failed' })} disabled={r.state === 'failed'}>
                          Mark failed
                        </button>
                      </>
                    ) : null}{' '}
                    {canDelete(r.dag_id) ? (
                      <button type="button" className="button small danger" onClick={() => setAction({ run: r, kind: 'delete' })}>
                        Delete
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {runs.data ? <Pager page={list.page} total={runs.data.total_entries} onPage={(p) => list.set({ page: String(p) })} /> : null}
      {action ? <RunActionDialog action={action} onClose={() => setAction(null)} /> : null}
    </div>
  );
}

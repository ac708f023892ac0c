/** Task instances across runs and DAGs, filtered by DAG, state and pool; each opens in its DAG's task panel. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { listTaskInstances } from '../../api/endpoints';
import { FilterInput, LIST_PAGE_SIZE, Pager, useListParams } from '../../components/list-tools';
import { StateBadge } from '../../components/state';
import { Empty, ErrorBox, Loading } from '../../components/status';
import { dagUrl } from '../../lib/links';
import { STATE_ORDER } from '../../lib/states';
import { formatDateTime, formatDuration } from '../../lib/time';

export function TaskInstancesPage() {
  const list = useListParams();
  const dagId = list.get('dag_id');
  const state = list.get('state');
  const pool = list.get('pool');
  const tis = useQuery({
    queryKey: ['task-instances', { dagId, state, pool, offset: list.offset }],
    queryFn: () =>
      listTaskInstances(dagId || '~', '~', {
        limit: LIST_PAGE_SIZE,
        offset: list.offset,
        order_by: '-start_date',
        ...(state ? { state: [state] } : {}),
        ...(pool ? { pool: [pool] } : {}),
      }),
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  return (
    <div className="page">
      <div className="page-head">
        <h1>Task instances</h1>
        <FilterInput label="DAG" value={dagId} onChange={(v) => list.set({ dag_id: v })} placeholder="dag id (exact)" />
        <label className="inline-field">
          State
          <select aria-label="State" value={state} onChange={(e) => list.set({ state: e.target.value })}>
            <option value="">any</option>
            {STATE_ORDER.map((s) => (
              <option key={s} value={s}>
                {s === 'none' ? 'no status' : s}
              </option>
            ))}
          </select>
        </label>
        <FilterInput label="Pool" value={pool} onChange={(v) => list.set({ pool: v })} />
      </div>
      {tis.isPending ? <Loading what="task instances" /> : null}
      {tis.isError ? <ErrorBox error={tis.error} /> : null}
      {tis.data && tis.data.task_instances.length === 0 ? <Empty>No task instance matches these filters.</Empty> : null}
      {tis.data?.task_instances.length ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>DAG</th>
                <th>Task</th>
                <th>Run</th>
                <th>State</th>
                <th className="num">Try</th>
                <th>Started</th>
                <th className="num">Duration</th>
                <th>Operator</th>
                <th>Pool</th>
              </tr>
            </thead>
            <tbody>
              {tis.data.task_instances.map((t) => (
                <tr key={`${t.dag_id}/${t.dag_run_id}/${t.task_id}`}>
                  <td>
                    <Link to={dagUrl(t.dag_id)}>{t.dag_id}</Link>
                  </td>
                  <td className="wrap">
                    <Link to={dagUrl(t.dag_id, 'grid', { run: t.dag_run_id, task: t.task_id })}>{t.task_display_name ?? t.task_id}</Link>
                  </td>
                  <td className="mono small wrap">{t.dag_run_id}</td>
                  <td>
                    <StateBadge state={t.state} />
                  </td>
                  <td className="num">{t.try_number}</td>
                  <td className="nowrap">{formatDateTime(t.start_date)}</td>
                  <td className="num nowrap">{formatDuration(t.duration)}</td>
                  <td>{t.operator}</td>
                  <td>{t.pool}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {tis.data ? <Pager page={list.page} total={tis.data.total_entries} onPage={(p) => list.set({ page: String(p) })} /> : null}
    </div>
  );
}

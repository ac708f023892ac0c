/** The audit log (Admin): who did what, when, from where, with what outcome — filtered by DAG, event, user and time. */
import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { listEventLogs } from '../../api/endpoints';
import { FilterInput, LIST_PAGE_SIZE, Pager, useListParams } from '../../components/list-tools';
import { Empty, ErrorBox, Loading } from '../../components/status';
import { formatDateTime } from '../../lib/time';

/** The recorded request (status, method, path, masked body) as readable JSON. */
function Extra({ text }: { text: string | null }) {
  const [open, setOpen] = useState(false);
  if (!text) return <span className="muted">—</span>;
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // shown as it is
  }
  const status = typeof parsed === 'object' && parsed && 'status' in parsed ? String((parsed as { status: unknown }).status) : null;
  return (
    <div>
      <button type="button" className="button small subtle" onClick={() => setOpen(!open)} aria-expanded={open}>
        {status ? `HTTP ${status}` : 'details'} {open ? '▾' : '▸'}
      </button>
      {open ? <pre className="value">{typeof parsed === 'string' ? parsed : JSON.stringify(parsed, null, 2)}</pre> : null}
    </div>
  );
}

export function AuditLogPage() {
  const list = useListParams();
  const filters = { dag_id: list.get('dag_id'), event: list.get('event'), owner: list.get('owner'), after: list.get('after'), before: list.get('before') };
  const logs = useQuery({
    queryKey: ['audit-log', filters, list.offset],
    queryFn: () =>
      listEventLogs({
        limit: LIST_PAGE_SIZE,
        offset: list.offset,
        ...(filters.dag_id ? { dag_id: filters.dag_id } : {}),
        ...(filters.event ? { event: filters.event } : {}),
        ...(filters.owner ? { owner: filters.owner } : {}),
        ...(filters.after ? { after: new Date(filters.after).toISOString() } : {}),
        ...(filters.before ? { before: new Date(filters.before).toISOString() } : {}),
      }),
    placeholderData: keepPreviousData,
  });
  return (
    <div className="page">
      <div className="page-head">
        <h1>Audit log</h1>
        <FilterInput label="DAG" value={filters.dag_id} onChange={(v) => list.set({ dag_id: v })} />
        <FilterInput label="Event" value={filters.event} onChange={(v) => list.set({ event: v })} placeholder="e.g. trigger" />
        <FilterInput label="User" value={filters.owner} onChange={(v) => list.set({ owner: v })} />
        <FilterInput label="After" type="datetime-local" value={filters.after} onChange={(v) => list.set({ after: v })} />
        <FilterInput label="Before" type="datetime-local" value={filters.before} onChange={(v) => list.set({ before: v })} />
      </div>
      {logs.isPending ? <Loading what="the audit log" /> : null}
      {logs.isError ? <ErrorBox error={logs.error} /> : null}
      {logs.data && logs.data.event_logs.length === 0 ? <Empty>No entry matches these filters.</Empty> : null}
      {logs.data?.event_logs.length ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>When</th>
                <th>Event</th>
                <th>User</th>
                <th>DAG</th>
                <th>Run / task</th>
                <th>Source IP</th>
                <th>Request</th>
              </tr>
            </thead>
            <tbody>
              {logs.data.event_logs.map((e) => (
                <tr key={e.event_log_id}>
                  <td className="nowrap">{formatDateTime(e.when)}</td>
                  <td className="mono small">{e.event}</td>
                  <td>{e.owner}</td>
                  <td>{e.dag_id ?? '—'}</td>
                  <td className="mono small wrap">{[e.run_id, e.task_id].filter(Boolean).join(' / ') || '—'}</td>
                  <td className="mono small">{e.source_ip ?? '—'}</td>
                  <td className="wrap">
                    <Extra text={e.extra} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {logs.data ? <Pager page={list.page} total={logs.data.total_entries} onPage={(p) => list.set({ page: String(p) })} /> : null}
    </div>
  );
}

/**
 * The DAG list: search, tag and active/paused filters (all in the URL), each DAG's schedule in words,
 * owner, paused toggle, last run, recent task states, run counts and next run; the files that failed
 * to load with file:line:col; trigger (with a checked conf) and delete, for roles that may.
 */
import { useMemo, useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { errorMessage } from '../../api/client';
import { deleteDagFile, getDagStats, listDags, listImportErrors } from '../../api/endpoints';
import type { Dag, DagStats, ImportError } from '../../api/types';
import { useSession } from '../../auth/session';
import { ConfirmDialog } from '../../components/dialog';
import { PauseSwitch } from '../../components/pause-switch';
import { PlayIcon, TrashIcon } from '../../components/icons';
import { StateBadge, StateCounts } from '../../components/state';
import { Empty, ErrorBox, Loading } from '../../components/status';
import { TriggerDialog } from '../../components/trigger-dialog';
import { dagUrl } from '../../lib/links';
import { scheduleInWords } from '../../lib/schedule-words';
import { formatDateTime } from '../../lib/time';
import { NextRun } from '../../components/next-run';

const PAGE_SIZE = 25;

type StatusFilter = 'all' | 'active' | 'paused';

function ImportErrorsBanner({ errors }: { errors: ImportError[] }) {
  const [open, setOpen] = useState(false);
  if (errors.length === 0) return null;
  return (
    <div className="callout error" role="alert" data-testid="import-errors">
      <div className="row">
        <strong>
          {errors.length} DAG file{errors.length === 1 ? '' : 's'} failed to load
        </strong>
        <span className="muted small">— their DAGs keep their last good version until the file is fixed.</span>
        <span className="grow" />
        <button type="button" className="button small" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'Hide details' : 'Show details'}
        </button>
      </div>
      {open ? (
        <ul className="import-errors">
          {errors.map((e) => (
            <li key={e.import_error_id}>
              <div className="mono strong">{e.filename}</div>
              <ul>
                {(e.diagnostics.length ? e.diagnostics : [{ file: e.filename, line: 0, col: 0, message: e.stack_trace, code: '', severity: 'error' as const }]).map((d, i) => (
                  <li key={i} className="mono small">
                    {d.line ? `${d.file}:${d.line}:${d.col}: ` : ''}
                    {d.message}
                    {d.hint ? <span className="muted"> — {d.hint}</span> : null}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function DagRow({ dag, stats, onTrigger, onDelete, onTag }: { dag: Dag; stats: DagStats | undefined; onTrigger: () => void; onDelete: () => void; onTag: (tag: string) => void }) {
  const session = useSession();
  const last = stats?.last_dag_run;
  return (
    <tr data-dag-id={dag.dag_id}>
      <td className="switch-cell">
        <PauseSwitch dag={dag} />
      </td>
      <td className="dag-cell">
        <Link to={dagUrl(dag.dag_id)} className="dag-link" title={dag.dag_display_name !== dag.dag_id ? dag.dag_id : undefined}>
          {dag.dag_display_name || dag.dag_id}
        </Link>
        {dag.has_import_errors ? (
          <span className="pill error" title="Its file currently fails to load: this is its last good version">
            import error
          </span>
        ) : null}
        {dag.description ? (
          <div className="muted small ellipsis" title={dag.description}>
            {dag.description}
          </div>
        ) : null}
        {dag.tags.length ? (
          <div className="tags">
            {dag.tags.map((t) => (
              <button key={t.name} type="button" className="tag" onClick={() => onTag(t.name)} title={`Show DAGs tagged ${t.name}`}>
                {t.name}
              </button>
            ))}
          </div>
        ) : null}
      </td>
      <td>{dag.owners.join(', ')}</td>
      <td>
        <div>{scheduleInWords(dag.schedule_interval, dag.timezone, dag.timetable_description)}</div>
        <NextRun dag={dag} className="muted small block" />
      </td>
      <td>
        {last ? (
          <Link to={dagUrl(dag.dag_id, 'grid', { run: last.dag_run_id })} className="plain stack-tight">
            <StateBadge state={last.state} />
            <span className="muted small" title={last.logical_date ?? ''}>
              {formatDateTime(last.start_date ?? last.logical_date)}
            </span>
          </Link>
        ) : (
          <span className="muted small">no runs yet</span>
        )}
      </td>
      <td>{stats ? <StateCounts title="Task states of recent runs" counts={stats.recent_task_states} /> : null}</td>
      <td>{stats ? <StateCounts title="Runs by state" counts={stats.stats} link={(state) => `/dag-runs?dag_id=${encodeURIComponent(dag.dag_id)}&state=${state}`} /> : null}</td>
      <td className="actions">
        {session.canOnDag(dag.dag_id, 'can_edit', 'create:dag_runs') ? (
          <button type="button" className="button small" onClick={onTrigger} aria-label={`Trigger ${dag.dag_id}`} title="Trigger a run (with conf)">
            <PlayIcon /> Trigger
          </button>
        ) : null}
        {session.canOnDag(dag.dag_id, 'can_delete', 'delete:dag_files') ? (
          <button type="button" className="icon-button danger" onClick={onDelete} aria-label={`Delete ${dag.dag_id}`} title="Delete the DAG's file">
            <TrashIcon />
          </button>
        ) : null}
      </td>
    </tr>
  );
}

export function DagsPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const search = params.get('search') ?? '';
  const tags = params.getAll('tags');
  const status = (params.get('status') as StatusFilter | null) ?? 'all';
  const page = Math.max(0, Number(params.get('page') ?? 0) || 0);
  const [triggering, setTriggering] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Dag | null>(null);

  const update = (changes: Record<string, string | string[] | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      next.delete(k);
      if (Array.isArray(v)) v.forEach((x) => next.append(k, x));
      else if (v) next.set(k, v);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next, { replace: true });
  };

  const dags = useQuery({
    queryKey: ['dags', { search, tags, status, page }],
    queryFn: () =>
      listDags({
        limit: PAGE_SIZE,
        offset: page * PAGE_SIZE,
        order_by: 'dag_id',
        ...(search ? { dag_id_pattern: search } : {}),
        ...(tags.length ? { tags } : {}),
        ...(status !== 'all' ? { paused: status === 'paused' } : {}),
      }),
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });
  const ids = useMemo(() => dags.data?.dags.map((d) => d.dag_id) ?? [], [dags.data]);
  const stats = useQuery({
    queryKey: ['dags', 'stats', ids],
    queryFn: () => getDagStats(ids),
    enabled: ids.length > 0,
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.dags.some((d) => d.last_dag_run && ['running', 'queued'].includes(d.last_dag_run.state)) ? 3_000 : 15_000),
  });
  const statsById = useMemo(() => new Map((stats.data?.dags ?? []).map((s) => [s.dag_id, s])), [stats.data]);
  const importErrors = useQuery({ queryKey: ['import-errors'], queryFn: () => listImportErrors({ limit: 100 }), refetchInterval: 15_000 });

  const remove = useMutation({
    mutationFn: (dag: Dag) => deleteDagFile(dag.fileloc),
    onSuccess: () => {
      setDeleting(null);
      void queryClient.invalidateQueries({ queryKey: ['dags'] });
    },
  });

  const total = dags.data?.total_entries ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  return (
    <div className="page">
      <div className="page-head">
        <h1>DAGs</h1>
        <input type="search" className="search" placeholder="Search DAGs by id…" aria-label="Search DAGs" value={search} onChange={(e) => update({ search: e.target.value || null })} />
        <div className="segmented" role="group" aria-label="Show">
          {(['all', 'active', 'paused'] as const).map((s) => (
            <button key={s} type="button" className={status === s ? 'selected' : ''} aria-pressed={status === s} onClick={() => update({ status: s === 'all' ? null : s })}>
              {s[0]!.toUpperCase() + s.slice(1)}
            </button>
          ))}
        </div>
        {tags.length ? (
          <div className="tags">
            {tags.map((t) => (
              <button key={t} type="button" className="tag selected" onClick={() => update({ tags: tags.filter((x) => x !== t) })} title="Remove this tag filter">
                {t} ✕
              </button>
            ))}
          </div>
        ) : null}
        <span className="grow" />
        <span className="muted small">{dags.data ? `${total} DAG${total === 1 ? '' : 's'}` : ''}</span>
      </div>

      <ImportErrorsBanner errors={importErrors.data?.import_errors ?? []} />

      {dags.isPending ? <Loading what="DAGs" /> : dags.isError ? <ErrorBox error={dags.error} title="Could not list DAGs" /> : null}
      {dags.data && dags.data.dags.length === 0 ? (
        <Empty>{search || tags.length || status !== 'all' ? 'No DAG matches these filters.' : 'No DAGs yet: add a DAG file to the DAGs folder, or upload one.'}</Empty>
      ) : null}
      {dags.data?.dags.length ? (
        <div className="table-wrap">
          <table className="table dags-table">
            <thead>
              <tr>
                <th aria-label="Active" />
                <th>DAG</th>
                <th>Owner</th>
                <th>Schedule</th>
                <th>Last run</th>
                <th>Recent tasks</th>
                <th>Runs</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {dags.data.dags.map((d) => (
                <DagRow
                  key={d.dag_id}
                  dag={d}
                  stats={statsById.get(d.dag_id)}
                  onTrigger={() => setTriggering(d.dag_id)}
                  onDelete={() => setDeleting(d)}
                  onTag={(t) => (tags.includes(t) ? undefined : update({ tags: [...tags, t] }))}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {pages > 1 ? (
        <div className="pager">
          <button type="button" className="button small" disabled={page === 0} onClick={() => update({ page: String(page - 1) })}>
            ← Previous
          </button>
          <span className="muted small">
            Page {page + 1} of {pages}
          </span>
          <button type="button" className="button small" disabled={page + 1 >= pages} onClick={() => update({ page: String(page + 1) })}>
            Next →
          </button>
        </div>
      ) : null}

      {triggering ? <TriggerDialog dagId={triggering} onClose={() => setTriggering(null)} onTriggered={(run) => navigate(dagUrl(run.dag_id, 'graph', { run: run.dag_run_id }))} /> : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete ${deleting.dag_id}?`}
          confirmLabel="Delete file"
          danger
          busy={remove.isPending}
          onConfirm={() => remove.mutate(deleting)}
          onClose={() => {
            setDeleting(null);
            remove.reset();
          }}
        >
          <p>
            This deletes the file <code>{deleting.fileloc}</code> from the DAGs folder. Every DAG it defines disappears from the list; their past runs
            and logs are kept.
          </p>
          {deleting.fileloc.includes('/') ? <div className="callout warning">This file is in a sub-folder: delete it in the DAGs folder itself.</div> : null}
          {remove.isError ? <div className="callout error" role="alert">{errorMessage(remove.error)}</div> : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

/**
 * The task instance panel: one task in one run — its state and tries, each try's log (followed while
 * it runs), the rendered templates, the XComs; and, for roles that may, clear (with what depends on
 * it, and a preview of exactly what will be cleared) and mark success or failed (previewed too).
 * DagOperator-like tasks link to the run they started ("zoom into DAG").
 */
import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { errorMessage } from '../../api/client';
import { clearTaskInstances, getTaskInstance, getXCom, listXComs, setTaskInstancesState } from '../../api/endpoints';
import type { DagDetail, TaskInstance } from '../../api/types';
import { useSession } from '../../auth/session';
import { Dialog } from '../../components/dialog';
import { ZoomIcon } from '../../components/icons';
import { LogView } from '../../components/log-view';
import { StateBadge } from '../../components/state';
import { ErrorBox, Loading } from '../../components/status';
import { DEFAULT_CLEAR_OPTIONS, clearRequest, markRequest, previewOf, type ClearOptions, type MarkState } from '../../lib/clear-preview';
import { dagUrl } from '../../lib/links';
import { isFinishedTaskState } from '../../lib/states';
import { formatDateTime, formatDuration, secondsBetween } from '../../lib/time';

type Tab = 'details' | 'log' | 'rendered' | 'xcom';
const TABS: { id: Tab; label: string }[] = [
  { id: 'log', label: 'Log' },
  { id: 'details', label: 'Details' },
  { id: 'rendered', label: 'Rendered' },
  { id: 'xcom', label: 'XCom' },
];

const isTab = (t: string | null): t is Tab => TABS.some((x) => x.id === t);

/** Pretty JSON for values that are not text; text as it is. */
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

function XComTab({ ti }: { ti: TaskInstance }) {
  const entries = useQuery({
    queryKey: ['xcom', ti.dag_id, ti.dag_run_id, ti.task_id, ti.try_number, ti.state],
    queryFn: async () => {
      const list = await listXComs(ti.dag_id, ti.dag_run_id, ti.task_id);
      return Promise.all(list.xcom_entries.map((e) => getXCom(ti.dag_id, ti.dag_run_id, ti.task_id, e.key)));
    },
  });
  if (entries.isPending) return <Loading what="XComs" />;
  if (entries.isError) return <ErrorBox error={entries.error} />;
  if (entries.data.length === 0) return <p className="muted">This task pushed no XCom in this run.</p>;
  return (
    <table className="table kv">
      <thead>
        <tr>
          <th>Key</th>
          <th>Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.data.map((x) => (
          <tr key={x.key}>
            <td className="mono">{x.key}</td>
            <td>
              <pre className="value">{show(x.value_json !== undefined ? x.value_json : x.value)}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RenderedTab({ ti }: { ti: TaskInstance }) {
  const fields = Object.entries(ti.rendered_fields ?? {});
  if (fields.length === 0) return <p className="muted">{ti.try_number === 0 ? 'Templates are rendered when the task starts.' : 'This task has no templated fields.'}</p>;
  return (
    <div className="stack">
      {fields.map(([name, value]) => (
        <div key={name}>
          <div className="mono small strong">{name}</div>
          <pre className="value">{show(value)}</pre>
        </div>
      ))}
    </div>
  );
}

function DetailsTab({ ti, dag }: { ti: TaskInstance; dag: DagDetail }) {
  const task = dag.tasks.find((t) => t.task_id === ti.task_id);
  const facts: [string, React.ReactNode][] = [
    ['State', <StateBadge key="s" state={ti.state} />],
    ['Try', `${ti.try_number} of ${ti.max_tries + 1}`],
    ['Started', formatDateTime(ti.start_date)],
    ['Ended', formatDateTime(ti.end_date)],
    ['Duration', formatDuration(ti.duration ?? secondsBetween(ti.start_date, ti.end_date))],
    ['Operator', ti.operator],
    ['Pool', ti.pool],
    ['Priority weight', ti.priority_weight],
    ['Host', ti.hostname || '—'],
  ];
  if (task) {
    facts.push(['Trigger rule', task.trigger_rule], ['Retries', task.retries]);
    facts.push([
      'Upstream',
      task.upstream_task_ids.length ? task.upstream_task_ids.map((id) => (
        <Link key={id} className="chip" to={dagUrl(dag.dag_id, 'graph', { run: ti.dag_run_id, task: id })}>
          {id}
        </Link>
      )) : '—',
    ]);
    facts.push([
      'Downstream',
      task.downstream_task_ids.length ? task.downstream_task_ids.map((id) => (
        <Link key={id} className="chip" to={dagUrl(dag.dag_id, 'graph', { run: ti.dag_run_id, task: id })}>
          {id}
        </Link>
      )) : '—',
    ]);
  }
  return (
    <div className="stack">
      {task?.description ? <p className="task-description">{task.description}</p> : null}
      <dl className="facts compact">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {ti.note ? <div className="callout info">Note: {ti.note}</div> : null}
      {task?.doc_md ? <pre className="doc">{task.doc_md}</pre> : null}
    </div>
  );
}

type Action = { kind: 'clear' } | { kind: 'mark'; state: MarkState };

/** Clear or mark, with options and a dry-run preview of exactly what the action will touch. */
function ActionDialog({ dagId, ti, action, onClose }: { dagId: string; ti: TaskInstance; action: Action; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [options, setOptions] = useState<ClearOptions>(action.kind === 'clear' ? DEFAULT_CLEAR_OPTIONS : { ...DEFAULT_CLEAR_OPTIONS, downstream: false });
  const verb = action.kind === 'clear' ? 'clear' : action.state;
  const call = (dryRun: boolean) =>
    action.kind === 'clear'
      ? clearTaskInstances(dagId, clearRequest(ti.task_id, ti.dag_run_id, options, dryRun))
      : setTaskInstancesState(dagId, markRequest(ti.task_id, ti.dag_run_id, action.state, options, dryRun));
  const preview = useQuery({ queryKey: ['action-preview', dagId, ti.dag_run_id, ti.task_id, action, options], queryFn: () => call(true), gcTime: 0, retry: false });
  const act = useMutation({
    mutationFn: () => call(false),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['grid', dagId] });
      void queryClient.invalidateQueries({ queryKey: ['ti', dagId] });
      void queryClient.invalidateQueries({ queryKey: ['run-tis', dagId] });
      void queryClient.invalidateQueries({ queryKey: ['dags'] });
      onClose();
    },
  });
  const p = preview.data ? previewOf(preview.data.task_instances, verb) : null;
  const option = (key: keyof ClearOptions, label: string, hint: string) => (
    <label className="check" title={hint}>
      <input type="checkbox" checked={options[key]} onChange={(e) => setOptions({ ...options, [key]: e.target.checked })} /> {label}
    </label>
  );
  const title = action.kind === 'clear' ? `Clear ${ti.task_id}` : `Mark ${ti.task_id} ${action.state}`;
  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className={`button ${action.kind === 'mark' && action.state === 'failed' ? 'danger solid' : 'primary'}`} disabled={!p || p.total === 0 || act.isPending} onClick={() => act.mutate()}>
            {act.isPending ? 'Working…' : action.kind === 'clear' ? 'Clear' : `Mark ${action.state}`}
          </button>
        </>
      }
    >
      <p className="muted small">
        {action.kind === 'clear'
          ? 'Cleared task instances lose their state and run again (the run is started again if it had finished).'
          : `The task instances get the state ${action.state} without running; tasks waiting on them are re-evaluated.`}
      </p>
      <div className="row">
        {option('downstream', 'Downstream', 'also the tasks that depend on it')}
        {option('upstream', 'Upstream', 'also the tasks it depends on')}
        {option('past', 'Past', 'also in earlier runs')}
        {option('future', 'Future', 'also in later runs')}
        {action.kind === 'clear' ? option('onlyFailed', 'Only failed', 'only failed and upstream_failed task instances') : null}
      </div>
      <div className="preview" aria-label="Preview" data-testid="action-preview">
        {preview.isPending ? <Loading what="the preview" /> : preview.isError ? <ErrorBox error={preview.error} /> : null}
        {p ? (
          <>
            <strong>{p.summary}</strong>
            {p.runs.map((r) => (
              <div key={r.runId} className="preview-run">
                <div className="mono small muted">{r.runId}</div>
                <div className="chips">
                  {r.taskIds.map((t) => (
                    <span key={t} className="chip">
                      {t}
                    </span>
                  ))}
                </div>
              </div>
            ))}
          </>
        ) : null}
      </div>
      {act.isError ? <div className="callout error" role="alert">{errorMessage(act.error)}</div> : null}
    </Dialog>
  );
}

export interface TaskInstancePanelProps {
  dag: DagDetail;
  runId: string;
  taskId: string;
  tryNumber: number | null;
  tab: string | null;
  onSelect: (changes: Record<string, string | null>) => void;
  onClose: () => void;
}

export function TaskInstancePanel({ dag, runId, taskId, tryNumber, tab, onSelect, onClose }: TaskInstancePanelProps) {
  const session = useSession();
  const [action, setAction] = useState<Action | null>(null);
  const ti = useQuery({
    queryKey: ['ti', dag.dag_id, runId, taskId],
    queryFn: () => getTaskInstance(dag.dag_id, runId, taskId),
    refetchInterval: (q) => (q.state.data && isFinishedTaskState(q.state.data.state) ? 10_000 : 1_500),
  });
  const current = tab && isTab(tab) ? tab : 'log';
  const data = ti.data;
  const tries = data ? Array.from({ length: data.try_number }, (_, i) => i + 1) : [];
  const shownTry = tryNumber && data && tryNumber <= data.try_number ? tryNumber : (data?.try_number ?? 0);
  // A newer try started (retry, or cleared and re-run): follow it unless the reader picked an older one.
  useEffect(() => {
    if (tryNumber && data && tryNumber > data.try_number) onSelect({ try: null });
  }, [tryNumber, data, onSelect]);
  const latestTry = shownTry === data?.try_number;
  const finished = !data || !latestTry || isFinishedTaskState(data.state) || data.state === 'up_for_retry';
  const canAct = session.canOnDag(dag.dag_id, 'can_edit', 'edit:task_instances');
  const task = dag.tasks.find((t) => t.task_id === taskId);
  const displayName = task?.task_display_name ?? taskId;

  return (
    <aside className="ti-panel" aria-label={`Task instance ${taskId}`} data-testid="ti-panel">
      <div className="ti-head">
        <div className="stack-tight">
          <strong className="ti-title">{displayName}</strong>
          {displayName !== taskId ? <span className="muted small mono">{taskId}</span> : null}
          <span className="muted small mono">{runId}</span>
        </div>
        <span className="grow" />
        {data ? <StateBadge state={data.state} /> : null}
        <button type="button" className="icon-button" aria-label="Close the task panel" onClick={onClose}>
          ✕
        </button>
      </div>
      {ti.isPending ? <Loading what="the task instance" /> : null}
      {ti.isError ? <ErrorBox error={ti.error} /> : null}
      {data ? (
        <>
          {canAct ? (
            <div className="ti-actions row">
              <button type="button" className="button small" onClick={() => setAction({ kind: 'clear' })}>
                Clear…
              </button>
              <button type="button" className="button small" onClick={() => setAction({ kind: 'mark', state: 'success' })}>
                Mark success…
              </button>
              <button type="button" className="button small" onClick={() => setAction({ kind: 'mark', state: 'failed' })}>
                Mark failed…
              </button>
            </div>
          ) : null}
          {task?.run_dag_id ? (
            <div className="callout info small">
              This task starts the DAG <Link to={dagUrl(task.run_dag_id)}>{task.run_dag_id}</Link>.
              {data.child_runs.length ? (
                <div className="chips">
                  {data.child_runs.map((c) => (
                    <Link key={`${c.dag_id}/${c.run_id}`} className="chip" to={dagUrl(c.dag_id, 'graph', { run: c.run_id })} title="Zoom into DAG">
                      <ZoomIcon /> {c.dag_id} · {c.run_id}
                    </Link>
                  ))}
                </div>
              ) : (
                <span className="muted"> It has not started a run in this DAG run yet.</span>
              )}
            </div>
          ) : null}
          <nav className="tabs small-tabs" aria-label="Task instance">
            {TABS.map((t) => (
              <button key={t.id} type="button" className={current === t.id ? 'active' : ''} aria-pressed={current === t.id} onClick={() => onSelect({ tab: t.id })}>
                {t.label}
              </button>
            ))}
            {current === 'log' && tries.length > 1 ? (
              <select className="try-select" aria-label="Try" value={shownTry} onChange={(e) => onSelect({ try: e.target.value === String(data.try_number) ? null : e.target.value })}>
                {tries.map((n) => (
                  <option key={n} value={n}>
                    Try {n}
                    {n === data.try_number ? ' (latest)' : ''}
                  </option>
                ))}
              </select>
            ) : null}
          </nav>
          <div className="ti-body">
            {current === 'log' ? (
              shownTry > 0 ? (
                <LogView key={shownTry} dagId={dag.dag_id} runId={runId} taskId={taskId} tryNumber={shownTry} finished={finished} />
              ) : (
                <p className="muted">The task has not started in this run yet{data.state ? ` (${data.state.replace(/_/g, ' ')})` : ''}: its log appears when it does.</p>
              )
            ) : current === 'details' ? (
              <DetailsTab ti={data} dag={dag} />
            ) : current === 'rendered' ? (
              <RenderedTab ti={data} />
            ) : (
              <XComTab ti={data} />
            )}
          </div>
          {action ? <ActionDialog dagId={dag.dag_id} ti={data} action={action} onClose={() => setAction(null)} /> : null}
        </>
      ) : null}
    </aside>
  );
}

/**
 * One DAG: its header (paused switch, schedule in words, owner, next run, trigger, edit) and its
 * views as tabs — grid, graph, Gantt, durations, landing times, calendar, code, details — each at its
 * own URL, with the run and task in the query string. Choosing a task opens the task instance
 * panel beside the view.
 */
import { lazy, Suspense, useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, Navigate, NavLink, useNavigate, useParams } from 'react-router';
import { getDagVersion, listTaskInstances } from '../../api/endpoints';
import type { DagRun, GridData, GridTaskInstance, Task, TaskState } from '../../api/types';
import { useSession } from '../../auth/session';
import { PlayIcon } from '../../components/icons';
import { PauseSwitch } from '../../components/pause-switch';
import { StateBadge } from '../../components/state';
import { ErrorBox, Loading } from '../../components/status';
import { TriggerDialog } from '../../components/trigger-dialog';
import { buildTree, summarizeStates, type TreeNode } from '../../lib/grid-model';
import { dagUrl, type DagView } from '../../lib/links';
import { scheduleInWords } from '../../lib/schedule-words';
import { stateLabel } from '../../lib/states';
import { NextRun } from '../../components/next-run';
import { CalendarView } from './calendar-view';
import { DetailsView } from './details-view';
import { GanttView } from './gantt-view';
import { GridView } from './grid-view';
import { TaskInstancePanel } from './task-instance-panel';
import { selectedRun, useDagDetails, useGridData, useSelection } from './use-dag-data';

const GraphView = lazy(async () => ({ default: (await import('./graph-view')).GraphView }));
const ChartsView = lazy(async () => ({ default: (await import('./charts-view')).ChartsView }));
const CodeView = lazy(async () => ({ default: (await import('./code-view')).CodeView }));

const TABS: { view: DagView; label: string }[] = [
  { view: 'grid', label: 'Grid' },
  { view: 'graph', label: 'Graph' },
  { view: 'gantt', label: 'Gantt' },
  { view: 'durations', label: 'Durations' },
  { view: 'landing-times', label: 'Landing times' },
  { view: 'calendar', label: 'Calendar' },
  { view: 'code', label: 'Code' },
  { view: 'details', label: 'Details' },
];
const VIEWS = new Set<string>(TABS.map((t) => t.view));
const RUN_VIEWS = new Set<string>(['graph', 'gantt']);

/** The task instances of one run: from the grid's data when it holds the run, else fetched (every page). */
function useRunTaskInstances(dagId: string, run: DagRun | undefined, grid: GridData | undefined): GridTaskInstance[] | undefined {
  const inGrid = run ? grid?.dag_runs.some((r) => r.dag_run_id === run.dag_run_id) : false;
  const fetched = useQuery({
    queryKey: ['run-tis', dagId, run?.dag_run_id],
    enabled: Boolean(run) && !inGrid,
    refetchInterval: run && (run.state === 'running' || run.state === 'queued') ? 2_000 : false,
    queryFn: async () => {
      const all: GridTaskInstance[] = [];
      for (let offset = 0; ; offset += 100) {
        const page = await listTaskInstances(dagId, run!.dag_run_id, { limit: 100, offset });
        all.push(...page.task_instances.map((t) => ({ dag_run_id: t.dag_run_id, task_id: t.task_id, state: t.state, try_number: t.try_number, start_date: t.start_date, end_date: t.end_date, duration: t.duration })));
        if (all.length >= page.total_entries || page.task_instances.length === 0) return all;
      }
    },
  });
  return useMemo(() => (inGrid ? grid!.task_instances.filter((t) => t.dag_run_id === run!.dag_run_id) : fetched.data), [inGrid, grid, run, fetched.data]);
}

/** The tasks of the DAG version a run executed (the current version's when they are the same). */
function useRunTasks(dagId: string, run: DagRun | undefined, currentVersion: string | undefined, currentTasks: Task[] | undefined) {
  const other = run?.dag_version && currentVersion && run.dag_version !== currentVersion ? run.dag_version : null;
  const version = useQuery({ queryKey: ['dag-version', dagId, other], queryFn: () => getDagVersion(dagId, other!), enabled: other !== null, staleTime: Infinity, retry: false });
  if (other && version.data) return { tasks: version.data.tasks, edgeLabels: version.data.edge_labels, version: other };
  return { tasks: currentTasks, edgeLabels: undefined, version: currentVersion ?? null };
}

function RunPicker({ runs, run, onSelect }: { runs: DagRun[]; run: DagRun | undefined; onSelect: (runId: string) => void }) {
  if (!runs.length) return null;
  return (
    <label className="inline-field">
      Run
      <select aria-label="Run" value={run?.dag_run_id ?? ''} onChange={(e) => onSelect(e.target.value)}>
        {runs.map((r) => (
          <option key={r.dag_run_id} value={r.dag_run_id}>
            {r.dag_run_id} — {stateLabel(r.state)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function DagPage() {
  const { dagId = '', view = '' } = useParams();
  const session = useSession();
  const navigate = useNavigate();
  const selection = useSelection();
  const [runLimit, setRunLimit] = useState(25);
  const [triggering, setTriggering] = useState(false);
  const details = useDagDetails(dagId);
  const grid = useGridData(dagId, runLimit);
  const runs = grid.data?.dag_runs;
  const run = selectedRun(runs, selection.runId);
  const runTis = useRunTaskInstances(dagId, RUN_VIEWS.has(view) ? run : undefined, grid.data);
  const runTasks = useRunTasks(dagId, run, details.data?.current_version, details.data?.tasks);

  const states = useMemo(() => new Map((runTis ?? []).map((t) => [t.task_id, { state: t.state, tryNumber: t.try_number }])), [runTis]);
  const groupStates = useMemo(() => {
    const out = new Map<string, TaskState | null>();
    const walk = (nodes: TreeNode[]) => {
      for (const n of nodes) {
        if (n.kind !== 'group') continue;
        walk(n.children);
        const s = summarizeStates(n.taskIds.filter((id) => states.has(id)).map((id) => states.get(id)!.state));
        if (s !== undefined) out.set(n.id, s);
      }
    };
    walk(buildTree(runTasks.tasks ?? []));
    return out;
  }, [runTasks.tasks, states]);

  if (!VIEWS.has(view)) return <Navigate to={dagUrl(dagId, 'grid')} replace />;
  if (details.isPending) return <Loading what={dagId} />;
  if (details.isError) {
    return (
      <div className="page">
        <ErrorBox error={details.error} title={`Could not open ${dagId}`} />
        <Link to="/dags">Back to the DAGs</Link>
      </div>
    );
  }
  const dag = details.data;
  const selectTask = (runId: string, taskId: string) => selection.select({ run: runId, task: taskId, try: null });
  const keep = (v: DagView) => dagUrl(dagId, v, { run: selection.runId, task: selection.taskId });
  const panelOpen = Boolean(selection.taskId && (selection.runId ?? run?.dag_run_id));

  let body: React.ReactNode;
  if (grid.isPending) body = <Loading what="runs" />;
  else if (grid.isError) body = <ErrorBox error={grid.error} />;
  else if (view === 'grid')
    body = (
      <GridView
        tasks={dag.tasks}
        data={grid.data}
        selectedRunId={selection.runId}
        selectedTaskId={selection.taskId}
        onSelectRun={(runId) => selection.select({ run: runId })}
        onSelectTask={selectTask}
        runLimit={runLimit}
        onRunLimit={setRunLimit}
      />
    );
  else if (view === 'graph')
    body = (
      <>
        <div className="view-toolbar">
          <RunPicker runs={grid.data.dag_runs} run={run} onSelect={(runId) => selection.select({ run: runId })} />
          {run ? <StateBadge state={run.state} /> : <span className="muted small">No runs yet: the graph shows the DAG's shape.</span>}
          {run && runTasks.version !== dag.current_version ? <span className="pill">version {runTasks.version?.slice(0, 10)} (this run)</span> : null}
        </div>
        <GraphView
          dagId={dagId}
          tasks={runTasks.tasks ?? dag.tasks}
          edgeLabels={runTasks.edgeLabels ?? dag.edge_labels}
          states={states}
          groupStates={groupStates}
          selectedTaskId={selection.taskId}
          onSelectTask={(taskId) => run && selectTask(run.dag_run_id, taskId)}
        />
      </>
    );
  else if (view === 'gantt')
    body = run ? (
      <>
        <div className="view-toolbar">
          <RunPicker runs={grid.data.dag_runs} run={run} onSelect={(runId) => selection.select({ run: runId })} />
          <StateBadge state={run.state} />
        </div>
        {runTis ? <GanttView run={run} taskInstances={runTis} selectedTaskId={selection.taskId} onSelectTask={(taskId) => selectTask(run.dag_run_id, taskId)} /> : <Loading what="task instances" />}
      </>
    ) : (
      <div className="empty">No runs yet.</div>
    );
  else if (view === 'durations' || view === 'landing-times') body = <ChartsView data={grid.data} kind={view} />;
  else if (view === 'calendar') body = <CalendarView dagId={dagId} />;
  else if (view === 'code')
    body = <CodeView dagId={dagId} version={selection.params.get('version')} compare={selection.params.get('compare')} runVersion={selection.runId ? (run?.dag_version ?? null) : null} onChange={selection.select} />;
  else body = <DetailsView dag={dag} />;

  return (
    <div className="dag-page">
      <div className="dag-header">
        <div className="row">
          <PauseSwitch dag={dag} />
          <h1 className="dag-title" title={dag.dag_display_name !== dag.dag_id ? dag.dag_id : undefined}>
            {dag.dag_display_name || dag.dag_id}
          </h1>
          {dag.tags.map((t) => (
            <Link key={t.name} to={`/dags?tags=${encodeURIComponent(t.name)}`} className="tag">
              {t.name}
            </Link>
          ))}
          {dag.has_import_errors ? <span className="pill error">its file currently fails to load</span> : null}
          <span className="grow" />
          {session.canOnDag(dag.dag_id, 'can_edit', 'create:dag_files') && !dag.fileloc.includes('/') ? (
            <Link className="button" to={`/author/edit/${encodeURIComponent(dag.dag_id)}`}>
              Edit code
            </Link>
          ) : null}
          {session.canOnDag(dag.dag_id, 'can_edit', 'create:dag_runs') ? (
            <button type="button" className="button primary" onClick={() => setTriggering(true)}>
              <PlayIcon /> Trigger
            </button>
          ) : null}
        </div>
        <div className="dag-meta">
          <span title="Schedule">{scheduleInWords(dag.schedule_interval, dag.timezone, dag.timetable_description)}</span>
          <span>owner {dag.owners.join(', ')}</span>
          <NextRun dag={dag} />
          {dag.is_paused ? <span>paused</span> : null}
          {dag.description ? <span className="dag-description">{dag.description}</span> : null}
        </div>
        <nav className="tabs" aria-label="Views">
          {TABS.map((t) => (
            <NavLink key={t.view} to={keep(t.view)} className={({ isActive }) => (isActive ? 'active' : undefined)}>
              {t.label}
            </NavLink>
          ))}
        </nav>
      </div>
      <div className={`dag-body${panelOpen ? ' with-panel' : ''}`}>
        <div className="dag-view">
          <Suspense fallback={<Loading what="this view" />}>{body}</Suspense>
        </div>
        {panelOpen ? (
          <TaskInstancePanel
            key={`${selection.runId ?? run?.dag_run_id}/${selection.taskId}`}
            dag={dag}
            runId={(selection.runId ?? run?.dag_run_id)!}
            taskId={selection.taskId!}
            tryNumber={selection.tryNumber}
            tab={selection.tab}
            onSelect={selection.select}
            onClose={() => selection.select({ task: null, try: null, tab: null })}
          />
        ) : null}
      </div>
      {triggering ? <TriggerDialog dagId={dagId} onClose={() => setTriggering(false)} onTriggered={(r) => (setTriggering(false), navigate(dagUrl(dagId, 'graph', { run: r.dag_run_id })))} /> : null}
    </div>
  );
}

/**
 * `skydag dags test` (one full run in-process, no server) and `skydag tasks test` (one task, no
 * dependencies, state not kept), as Airflow's commands of the same names.
 */
import { resolve } from 'node:path';
import { formatDiagnostic } from '../../shared/model/diagnostics.js';
import type { DagRunRecord, TaskInstanceRecord } from '../../shared/model/records.js';
import type { Dag } from '../../shared/model/schema.js';
import type { DagsFolderScan } from '../dags-folder.js';
import type { LocalRuntime } from '../engine/local-runtime.js';
import type { LocalRuntimeSetup } from '../engine/wiring.js';
import { EnvVariableStore } from '../stores/env-secrets.js';
import type { RunOverlayStore } from '../stores/run-overlay.js';
import { table, UsageError, type CliIO } from './io.js';
import { holdBackJitFor } from './jit-budget.js';

export interface RunCommandOptions {
  dagsFolder: string;
  home: string;
  output: 'table' | 'json';
  conf?: string;
  /** `dags test --mark-success-pattern`: task ids it fully matches succeed without running. */
  markSuccessPattern?: string;
}

export { UsageError };

export function parseLogicalDate(text: string | undefined, now: Date): Date {
  if (!text) return now;
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`invalid logical date '${text}': use YYYY-MM-DD or an ISO-8601 timestamp`);
  return date;
}

export function parseConf(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--conf is not valid JSON: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('--conf must be a JSON object, e.g. \'{"key": "value"}\'');
  return value as Record<string, unknown>;
}

/** Loads the folder and registers every DAG; a missing DAG is explained with its file's import errors. */
/** `--mark-success-pattern` as Python's `re.fullmatch` on the task id. */
export function markSuccessMatcher(pattern: string | undefined): ((taskId: string) => boolean) | undefined {
  if (pattern === undefined) return undefined;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`, 'u');
  } catch (err) {
    throw new UsageError(`--mark-success-pattern is not a valid regular expression: ${(err as Error).message}`);
  }
  return (taskId) => re.test(taskId);
}

/**
 * The metadata `dags test` keeps, as Airflow's dag.test() writes to the metadata database: the store
 * of $SKYDAG_HOME (through the running platform when `skydag dev` has it open), with the platform's
 * key, variables and connections.
 */
async function openKeptState(home: string): Promise<{ setup: Partial<LocalRuntimeSetup>; store: RunOverlayStore; close: () => Promise<void> }> {
  const [{ openLocalStore }, { loadLocalSecrets }, { storeConnections, storeVariables }, { environmentThenStore }, { runOverlayStore }] = await Promise.all([
    import('../stores/embedded-dynamodb.js'),
    import('../http/secret-key.js'),
    import('../../shared/api/secrets/records.js'),
    import('../stores/env-secrets.js'),
    import('../stores/run-overlay.js'),
  ]);
  const local = await openLocalStore(home);
  const { cipher } = loadLocalSecrets(home);
  // As Airflow's CLI looks them up: AIRFLOW_VAR_* / AIRFLOW_CONN_* in the environment first, then the database.
  const secrets = environmentThenStore({ variables: storeVariables(local.store, cipher), connections: storeConnections(local.store, cipher) });
  // The runs the command makes run in memory and are kept when they are done (run-overlay.ts).
  const store = runOverlayStore(local.store);
  return {
    setup: { store, cipher, ...secrets },
    store,
    close: local.close,
  };
}

async function loadRuntime(
  options: RunCommandOptions,
  dagId: string,
  io: CliIO,
  opts: { echoLogs?: (t: string) => void; kept?: () => Promise<Partial<LocalRuntimeSetup>> } = {},
): Promise<{ runtime: LocalRuntime; scan: DagsFolderScan; dag: Dag } | undefined> {
  const { echoLogs, kept } = opts;
  // The engine and the DAG loader load when a run is asked for, not at every CLI start.
  const [{ scanDagsFolder }, { createLocalRuntime, prewarmTaskProcesses }, { smallFilesInProcess }, { sharedDagFileLoader }] = await Promise.all([
    import('../dags-folder.js'),
    import('../engine/wiring.js'),
    import('../../shared/frontends/in-process.js'),
    import('../../shared/frontends/bounded.js'),
  ]);
  // The files' parse-time Variable.get reads the variables the run's tasks will read (kept: the
  // environment, then the store, awaited only when a file reads one; else the environment's).
  const variables = kept ? async (key: string) => (await kept()).variables?.get(key) : (key: string) => new EnvVariableStore().get(key);
  // The command runs the DAG's tasks anyway: its small files need no parse worker (in-process.ts).
  const scan = await scanDagsFolder(options.dagsFolder, new Date(), smallFilesInProcess({ fallback: sharedDagFileLoader }), variables);
  const entry = scan.dags.get(dagId);
  if (!entry) {
    io.err(`error: DAG '${dagId}' not found in ${options.dagsFolder}`);
    const errors = scan.files.flatMap((f) => f.diagnostics.filter((d) => d.severity === 'error'));
    if (errors.length > 0) {
      io.err('import errors in the DAGs folder (a file with errors registers no DAG):');
      for (const d of errors) io.err(formatDiagnostic(d));
    }
    return undefined;
  }
  prewarmTaskProcesses(entry.dag);
  const markSuccess = markSuccessMatcher(options.markSuccessPattern);
  const runtime = createLocalRuntime({ ...(await kept?.()), dagsFolder: resolve(options.dagsFolder), home: resolve(options.home), ...(echoLogs ? { echoLogs } : {}), ...(markSuccess ? { markSuccess } : {}) });
  for (const { dag } of scan.dags.values()) runtime.register(dag);
  return { runtime, scan, dag: entry.dag };
}

async function xcomsOf(runtime: LocalRuntime, run: DagRunRecord, taskId: string): Promise<Record<string, unknown>> {
  const xcoms = await runtime.store.listXComs(run.dag_id, run.run_id, taskId);
  return Object.fromEntries(xcoms.map((x) => [x.key, x.value]));
}

function orderLike(dag: Dag, tis: TaskInstanceRecord[]): TaskInstanceRecord[] {
  const order = new Map(dag.tasks.map((t, i) => [t.task_id, i]));
  return [...tis].sort((a, b) => (order.get(a.task_id) ?? 0) - (order.get(b.task_id) ?? 0));
}

export async function dagsTest(dagId: string, logicalDate: string | undefined, options: RunCommandOptions, io: CliIO): Promise<number> {
  const conf = parseConf(options.conf);
  const date = parseLogicalDate(logicalDate, new Date());
  markSuccessMatcher(options.markSuccessPattern); // a bad pattern is a usage error before anything loads
  // The store opens while the DAGs folder is read (each takes a good part of the command's time).
  const opening = openKeptState(resolve(options.home));
  opening.catch(() => undefined); // awaited below; a failure is thrown from there
  let kept: Awaited<typeof opening>;
  let outcome: Awaited<ReturnType<LocalRuntime['runDag']>>;
  let runtime: LocalRuntime;
  let dag: Dag;
  let persistFailed = false;
  try {
    const loaded = await loadRuntime(options, dagId, io, { kept: async () => (await opening).setup });
    kept = await opening;
    if (!loaded) {
      // The store must close, or the process (the CLI) never exits.
      await kept.close();
      return 1;
    }
    ({ runtime, dag } = loaded);
    await holdBackJitFor(dag.tasks.length);
    // As Airflow's dag.test(): a run already at this logical date is deleted first, then a manual
    // run that is not externally triggered (LatestOnlyOperator skips past intervals) is made and kept.
    await deleteRunsAt(runtime, dagId, date);
    outcome = await runtime.runDag(dagId, { logicalDate: date, conf, runType: 'manual', externalTrigger: false });
    await runtime.engine.drain(); // runs it triggered without waiting still write their logs
    runtime.close();
    // Kept only once complete: a command that fails or is interrupted leaves no half-run behind.
    const { refused } = await kept.store.persist();
    for (const { run, error } of refused) io.err(`error: run ${run} finished but could not be kept in ${resolve(options.home)}: ${error.message}`);
    if (refused.length > 0) persistFailed = true;
  } catch (err) {
    await opening.then((k) => k.close(), () => undefined);
    throw err;
  }
  const tis = orderLike(dag, outcome.taskInstances);
  // The store closes however this ends, or the process (the CLI) never exits.
  const instances = await Promise.all(
    tis.map(async (ti) => ({
      task_id: ti.task_id,
      state: ti.state ?? 'none',
      try_number: ti.try_number,
      start_date: ti.start_date,
      end_date: ti.end_date,
      xcom: await xcomsOf(runtime, outcome.run, ti.task_id),
      ...(ti.config_group ? { config_group: ti.config_group } : {}),
    })),
  ).finally(() => kept.close());
  if (options.output === 'json') {
    io.out(JSON.stringify({ dag_id: dagId, run_id: outcome.run.run_id, logical_date: outcome.run.logical_date, state: outcome.run.state, task_instances: instances }, null, 2));
  } else {
    io.out(`DAG ${dagId} run ${outcome.run.run_id}: ${outcome.run.state}`);
    if (outcome.execution.status === 'FAILED' && outcome.execution.error !== 'Skydag.DagRunFailed') {
      io.err(`the run's state machine failed: ${outcome.execution.error}: ${outcome.execution.cause}`);
    }
    io.out(
      table(
        ['TASK', 'STATE', 'TRY', 'DURATION', 'XCOM'],
        tis.map((ti, i) => [ti.task_id, ti.state ?? 'none', String(ti.try_number), ti.duration === null ? '-' : `${ti.duration.toFixed(2)}s`, JSON.stringify(instances[i]!.xcom.return_value ?? '').slice(0, 60)]),
      ),
    );
    io.out(`logs: ${resolve(options.home, 'logs')}/dag_id=${dagId}/run_id=…/task_id=…/attempt=N.log`);
  }
  return outcome.run.state === 'success' && !persistFailed ? 0 : 1;
}

/** Deletes the DAG's runs at a logical date (Airflow's dag.test() replaces the run it finds there). */
async function deleteRunsAt(runtime: LocalRuntime, dagId: string, date: Date): Promise<void> {
  const at = date.getTime();
  for (const run of await runtime.store.listDagRuns(dagId)) {
    if (run.logical_date !== null && new Date(run.logical_date).getTime() === at) await runtime.store.deleteDagRun(dagId, run.run_id);
  }
}

export async function tasksTest(dagId: string, taskId: string, logicalDate: string | undefined, options: RunCommandOptions, io: CliIO): Promise<number> {
  const conf = parseConf(options.conf);
  const date = parseLogicalDate(logicalDate, new Date());
  const loaded = await loadRuntime(options, dagId, io, options.output === 'json' ? {} : { echoLogs: (text) => io.out(text.replace(/\n$/, '')) });
  if (!loaded) return 1;
  const { runtime, dag } = loaded;
  const task = dag.tasks.find((t) => t.task_id === taskId);
  if (!task) {
    io.err(`error: task '${taskId}' not found in DAG '${dagId}' (tasks: ${dag.tasks.map((t) => t.task_id).join(', ')})`);
    return 1;
  }
  // A throwaway run: the task runs with no dependencies and nothing is kept (the store is in memory).
  const run = await runtime.trigger(dagId, { logicalDate: date, conf, runType: 'manual' });
  await runtime.store.updateTaskInstance(dagId, run.run_id, taskId, { state: 'queued', try_number: 1, decision: 'run' });
  const ref = { dag_id: dagId, run_id: run.run_id };
  let state = 'success';
  const childRuns: { dag_id: string; run_id: string; state: string }[] = [];
  let error: string | undefined;
  try {
    if (['dag_operator', 'skippable_dag_operator', 'trigger_dagrun', 'couture_loopable_batch'].includes(task.operator_kind)) {
      const { startChild } = await import('../../shared/runtime/handlers/child-runs.js');
      const started = await startChild(runtime.deps, { action: 'start_child', run: ref, task_id: taskId, try_number: 1 });
      if (started.skip) state = 'success (child DAG skipped)';
      for (const child of started.wait ? started.runs : []) {
        const childRun = await runtime.store.getDagRun(child.input.run.dag_id, child.input.run.run_id);
        const result = await runtime.execute(childRun!);
        childRuns.push({ dag_id: childRun!.dag_id, run_id: childRun!.run_id, state: result.run.state });
        // With --output json, stdout must be the JSON document alone: the child runs go into it.
        if (options.output !== 'json') io.out(`child run ${childRun!.run_id} of ${childRun!.dag_id}: ${result.run.state}`);
        if (result.run.state !== 'success') state = 'failed';
      }
    } else {
      const { execute } = await import('../../shared/runtime/handlers/execute.js');
      const result = await execute(runtime.deps, { action: 'execute', run: ref, task_id: taskId, try_number: 1 }, { testMode: true });
      state = result.outcome === 'skipped' ? 'skipped' : 'success';
    }
  } catch (err) {
    state = 'failed';
    error = `${(err as Error).name}: ${(err as Error).message}`;
  }
  runtime.close();
  const xcom = await xcomsOf(runtime, run, taskId);
  if (options.output === 'json') {
    io.out(JSON.stringify({ dag_id: dagId, task_id: taskId, logical_date: run.logical_date, state, xcom, ...(childRuns.length > 0 ? { child_runs: childRuns } : {}), ...(error ? { error } : {}) }, null, 2));
  } else {
    io.out(`task ${taskId}: ${state}${error ? ` (${error})` : ''}`);
    if (Object.keys(xcom).length > 0) io.out(`xcom: ${JSON.stringify(xcom)}`);
  }
  return state.startsWith('success') || state === 'skipped' ? 0 : 1;
}

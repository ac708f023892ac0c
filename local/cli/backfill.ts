/**
 * `skydag dags backfill DAG_ID -s START -e END [--dry-run] [--output json]`, as Airflow 2's
 * `airflow dags backfill`: prints the logical dates the schedule has in [START, END] (both inclusive),
 * then, unless --dry-run, runs them in-process (a LocalRuntime), oldest first and one at a time,
 * never above the DAG's max_active_runs, printing each run's final state. Exit 0 iff every run
 * succeeded. Dates without an offset are UTC (Airflow's default `default_timezone`).
 */
import { EnvVariableStore } from '../stores/env-secrets.js';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { BackfillPlan, BackfillResult } from '../../shared/scheduling/backfill.js';
import { table, type CliIO } from './io.js';
import { holdBackJitFor } from './jit-budget.js';

export interface BackfillCommandOptions {
  dagsFolder: string;
  /** State folder for logs ($SKYDAG_HOME). */
  home: string;
  output: 'table' | 'json';
  start: string;
  end: string;
  dryRun: boolean;
  /** The current time (tests); logical dates after it are not run, as in Airflow. */
  now?: Date;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** `-s`/`-e` values: YYYY-MM-DD, or an ISO-8601 date-time (UTC unless it has an offset). */
export function parseBackfillDate(text: string, flag: string): Date {
  const value = text.trim();
  let iso: string | undefined;
  if (DATE_ONLY.test(value)) iso = `${value}T00:00:00Z`;
  else if (LOCAL_DATETIME.test(value)) iso = `${value.replace(' ', 'T')}Z`;
  else if (WITH_OFFSET.test(value)) iso = value.replace(' ', 'T');
  const date = iso ? new Date(iso) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new BackfillUsageError(`invalid ${flag} '${text}': use YYYY-MM-DD or an ISO-8601 timestamp`);
  return date;
}

class BackfillUsageError extends Error {
  override readonly name = 'UsageError';
}

function planRows(plan: BackfillPlan, states?: Map<string, string>): string[][] {
  return plan.runs.map((r) => [r.logical_date, r.data_interval_start, r.data_interval_end, r.run_id, ...(states ? [states.get(r.logical_date) ?? '-'] : [])]);
}

function resultJson(result: BackfillResult) {
  const outcomes = new Map(result.runs.map((r) => [r.logical_date, r]));
  return {
    dag_id: result.plan.dag_id,
    start: result.plan.start,
    end: result.plan.end,
    dry_run: result.dryRun,
    runs: result.plan.runs.map((entry) => {
      const outcome = outcomes.get(entry.logical_date);
      return {
        ...entry,
        ...(outcome ? { run_id: outcome.run_id, state: outcome.state, created: outcome.created, ...(outcome.error ? { error: outcome.error } : {}) } : {}),
      };
    }),
    excluded: result.plan.excluded,
    succeeded: result.succeeded,
  };
}

export async function dagsBackfill(dagId: string, options: BackfillCommandOptions, io: CliIO): Promise<number> {
  let start: Date;
  let end: Date;
  try {
    start = parseBackfillDate(options.start, '--start-date');
    end = parseBackfillDate(options.end, '--end-date');
    if (start.getTime() > end.getTime()) throw new BackfillUsageError(`--start-date ${options.start} is after --end-date ${options.end}`);
  } catch (err) {
    io.err(`error: ${(err as Error).message}`);
    return 1;
  }
  // Loaded when a backfill runs, not at every CLI start.
  const [{ formatDiagnostic }, { planBackfill, runBackfill }, { scanDagsFolder }, { createLocalRuntime }] = await Promise.all([
    import('../../shared/model/diagnostics.js'),
    import('../../shared/scheduling/backfill.js'),
    import('../dags-folder.js'),
    import('../engine/wiring.js'),
  ]);
  // The files' parse-time Variable.get reads what the backfill's tasks read (the environment's variables).
  const scan = await scanDagsFolder(options.dagsFolder, options.now, undefined, (key) => new EnvVariableStore().get(key));
  const entry = scan.dags.get(dagId);
  if (!entry) {
    io.err(`error: DAG '${dagId}' not found in ${options.dagsFolder}`);
    for (const d of scan.files.flatMap((f) => f.diagnostics.filter((x) => x.severity === 'error'))) io.err(formatDiagnostic(d));
    return 1;
  }
  const dag = entry.dag;
  const json = options.output === 'json';
  const clock = () => options.now ?? new Date();

  const newRuntime = () => {
    const created = createLocalRuntime({ dagsFolder: resolve(options.dagsFolder), home: resolve(options.home) });
    for (const { dag: other } of scan.dags.values()) created.register(other);
    return created;
  };
  if (options.dryRun) {
    // A custom timetable is asked in Python (the runtime's runner), as for a real backfill; others need no runtime.
    const asker = dag.schedule.type === 'custom' ? newRuntime() : undefined;
    let result: BackfillResult;
    try {
      result = { plan: await planBackfill(dag, start, end, { now: clock(), timetables: asker?.deps.timetables }), dryRun: true, runs: [], succeeded: true };
    } finally {
      asker?.close();
    }
    if (json) io.out(JSON.stringify(resultJson(result), null, 2));
    else printPlan(result.plan, io);
    return 0;
  }

  const runtime = newRuntime();
  await holdBackJitFor(dag.tasks.length);

  let result: BackfillResult;
  try {
    result = await runBackfill(
      {
        store: runtime.store,
        dag,
        dagVersion: await runtime.dags.currentVersion(dag.dag_id),
        clock,
        execute: async (run) => (await runtime.execute(run)).run,
        timetables: runtime.deps.timetables,
        ...(json
          ? {}
          : {
              onRunStarted: (run) => io.out(`${run.run_id}: running`),
              onRunFinished: (outcome) => io.out(`${outcome.run_id}: ${outcome.state}${outcome.created ? '' : ' (existing run)'}${outcome.error ? ` (${outcome.error})` : ''}`),
            }),
      },
      start,
      end,
      { dryRun: false, concurrency: 1 },
    );
  } finally {
    await runtime.engine.drain();
    runtime.close();
  }
  if (json) io.out(JSON.stringify(resultJson(result), null, 2));
  else {
    const counts = new Map<string, number>();
    for (const r of result.runs) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
    const summary = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
    io.out(`backfill of ${dagId}: ${result.runs.length} run(s)${summary ? `: ${summary}` : ''}`);
    io.out(`logs: ${resolve(options.home, 'logs')}/dag_id=${dagId}/run_id=…/task_id=…/attempt=N.log`);
  }
  return result.succeeded ? 0 : 1;
}

function printPlan(plan: BackfillPlan, io: CliIO): void {
  io.out(`backfill of ${plan.dag_id} from ${plan.start} to ${plan.end}: ${plan.runs.length} run(s) (dry run)`);
  if (plan.runs.length > 0) io.out(table(['LOGICAL_DATE', 'DATA_INTERVAL_START', 'DATA_INTERVAL_END', 'RUN_ID'], planRows(plan)));
  else io.out('no logical dates of the schedule fall in that range');
  for (const x of plan.excluded) io.out(`not run: ${x.logical_date}: ${x.reason}`);
}

export interface BackfillRegistration {
  io: CliIO;
  setExit: (code: number) => void;
  defaultDagsFolder: () => string;
  home: () => string;
}

/** Adds `backfill` to the `dags` command group (what main.ts registers). */
export function registerBackfillCommand(dags: Command, registration: BackfillRegistration): Command {
  return dags
    .command('backfill')
    .argument('<dag_id>')
    .description('run the schedule\'s logical dates in [START, END] in-process, oldest first; exit 0 iff all succeeded')
    .requiredOption('-s, --start-date <date>', 'first logical date (YYYY-MM-DD or ISO-8601; UTC unless an offset is given)')
    .requiredOption('-e, --end-date <date>', 'last logical date (inclusive)')
    .option('--dry-run', 'print the logical dates without running anything')
    .addOption(new Option('--dags-folder <dir>', 'folder holding DAG files').default(registration.defaultDagsFolder(), '$SKYDAG_DAGS_FOLDER or ./dags'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async function (this: Command, dagId: string) {
      const o = this.opts<{ startDate: string; endDate: string; dryRun?: boolean; dagsFolder: string; output: 'table' | 'json' }>();
      registration.setExit(
        await dagsBackfill(
          dagId,
          { dagsFolder: o.dagsFolder, home: registration.home(), output: o.output, start: o.startDate, end: o.endDate, dryRun: o.dryRun === true },
          registration.io,
        ),
      );
    });
}

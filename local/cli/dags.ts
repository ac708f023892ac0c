/** `skydag dags ...` commands: list the DAGs folder and compile one DAG file (both read files through the bounded loader). */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { CompiledDag, MapMode } from '../../shared/compiler/compile.js';
import { describeCompute } from '../../shared/compiler/compute.js';
import { scheduleSummary } from '../../shared/model/build.js';
import { formatDiagnostic, hasErrors } from '../../shared/model/diagnostics.js';
import type { Dag, Diagnostic } from '../../shared/model/schema.js';
import { sharedDagFileLoader } from '../../shared/frontends/bounded.js';
import { frontendOptionsFor, readDagFile, scanDagsFolder, withParseTimeVariables } from '../dags-folder.js';
import { homeVariables } from './home-variables.js';
import { importableModules } from '../importable-modules.js';
import { embeddedDynamoDir, openLocalStore } from '../stores/embedded-dynamodb.js';
import { table, type CliIO } from './io.js';

export interface DagsOptions {
  dagsFolder: string;
  output: 'table' | 'json';
  now?: Date;
  /** The state folder ($SKYDAG_HOME): when it holds a store, `dags list` shows the platform's paused state. */
  home?: string;
}

/**
 * The paused state the platform holds for each DAG it knows, read from the store of `home` (through the
 * running platform when `skydag dev` has it open). Undefined when there is no store: nothing is created.
 */
async function platformPausedStates(home: string | undefined): Promise<Map<string, boolean> | undefined> {
  if (home === undefined || !existsSync(embeddedDynamoDir(home))) return undefined;
  const local = await openLocalStore(home);
  try {
    const paused = new Map<string, boolean>();
    for (let offset = 0; ; ) {
      const page = await local.store.listDags({ includeInactive: true, offset, limit: 500 });
      for (const record of page.items) paused.set(record.dag_id, record.is_paused);
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) return paused;
    }
  } finally {
    await local.close();
  }
}

function errorJson(d: Diagnostic) {
  return { file: d.file, line: d.line, col: d.col, message: d.message, code: d.code, ...(d.hint ? { hint: d.hint } : {}) };
}

/** `dags list`: every DAG of the folder with file, schedule and pause state, plus import errors. */
export async function dagsList(options: DagsOptions, io: CliIO): Promise<number> {
  const variables = homeVariables(options.home);
  const scan = await scanDagsFolder(options.dagsFolder, options.now, undefined, variables.lookup).finally(() => variables.close());
  const dags = [...scan.dags.values()].sort((a, b) => a.dag.dag_id.localeCompare(b.dag.dag_id));
  const importErrors = scan.files.flatMap((f) => f.diagnostics.filter((d) => d.severity === 'error'));
  const platform = await platformPausedStates(options.home);
  // The platform's state when it knows the DAG; otherwise what the file says a new DAG starts as (paused, as in Airflow).
  const paused = (dag: Dag) => platform?.get(dag.dag_id) ?? dag.is_paused_upon_creation ?? true;
  if (options.output === 'json') {
    io.out(
      JSON.stringify(
        {
          dags: dags.map(({ dag, file }) => ({
            dag_id: dag.dag_id,
            file,
            schedule: scheduleSummary(dag),
            timezone: dag.timezone,
            paused: paused(dag),
            owner: dag.owner,
            tags: dag.tags,
            tasks: dag.tasks.length,
          })),
          import_errors: importErrors.map(errorJson),
        },
        null,
        2,
      ),
    );
  } else {
    io.out(
      table(
        ['DAG_ID', 'FILE', 'SCHEDULE', 'PAUSED', 'TASKS', 'OWNER'],
        dags.map(({ dag, file }) => [dag.dag_id, file, scheduleSummary(dag) ?? 'None', String(paused(dag)), String(dag.tasks.length), dag.owner]),
      ),
    );
    if (importErrors.length > 0) {
      io.err(`\n${importErrors.length} import error(s):`);
      for (const d of importErrors) io.err(formatDiagnostic(d));
    }
  }
  return 0;
}

function resolveDagFile(file: string, dagsFolder: string): string | undefined {
  const candidates = isAbsolute(file) ? [file] : [resolve(file), resolve(dagsFolder, file)];
  return candidates.find((c) => existsSync(c));
}

/** The per-DAG compile result: the model, the ASL of every state machine, the schedule and the cost report. */
export function compiledDagJson(dag: Dag, file: string, compiled: CompiledDag): Record<string, unknown> {
  const main = compiled.machines.find((m) => m.role === 'main')!;
  return {
    dag_id: dag.dag_id,
    file,
    schedule: scheduleSummary(dag),
    schedule_spec: dag.schedule,
    ...(dag.dataset_schedule ? { dataset_schedule: dag.dataset_schedule } : {}),
    timezone: dag.timezone,
    start_date: dag.start_date,
    end_date: dag.end_date,
    catchup: dag.catchup,
    max_active_runs: dag.max_active_runs,
    max_active_tasks: dag.max_active_tasks,
    tags: dag.tags,
    owner: dag.owner,
    params: dag.params,
    tasks: dag.tasks.map((t) => ({ ...t, compute: compiled.compute[t.task_id] })),
    task_groups: dag.task_groups,
    asl: main.definition,
    state_machines: compiled.machines.map((m) => ({ name: m.name, role: m.role, ...(m.placeholder ? { placeholder: m.placeholder } : {}), task_ids: m.task_ids, definition: m.definition })),
    eventbridge_schedule: compiled.eventbridge_schedule,
    report: compiled.report,
    mapped: compiled.mapped ?? {},
    schema_version: dag.schema_version,
  };
}

/** `dags compile FILE`: the model of every DAG in the file, or all its errors (exit 1). Parsing and compiling both run in the parse worker. */
export async function dagsCompile(file: string, options: DagsOptions, io: CliIO): Promise<number> {
  const path = resolveDagFile(file, options.dagsFolder);
  if (!path) {
    io.err(`error: DAG file '${file}' not found (looked in the current directory and in ${options.dagsFolder})`);
    return 1;
  }
  const read = readDagFile(path, options.dagsFolder);
  const importable = read && (await importableModules(options.dagsFolder));
  const variables = homeVariables(options.home);
  const frontendOptions = read && (await withParseTimeVariables(frontendOptionsFor(read, options.dagsFolder, options.now ?? new Date(), importable), read, variables.lookup).finally(() => variables.close()));
  const loaded = read && frontendOptions ? await sharedDagFileLoader().load(read.source, { ...frontendOptions, compile: true }) : { file, dags: [], diagnostics: [], compiled: [] };
  const compiled = (i: number) => loaded.compiled![i]!;
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  const warnings = loaded.diagnostics.filter((d) => d.severity === 'warning');
  if (options.output === 'json') {
    io.out(
      JSON.stringify(
        { dags: loaded.dags.map((dag, i) => compiledDagJson(dag, loaded.file, compiled(i))), errors: errors.map(errorJson), warnings: warnings.map(errorJson) },
        null,
        2,
      ),
    );
  } else {
    loaded.dags.forEach((dag, i) => io.out(describeDag(dag, compiled(i))));
    for (const d of loaded.diagnostics) io.err(formatDiagnostic(d));
    if (loaded.dags.length === 0 && errors.length === 0) io.err(`${loaded.file}: no DAG found`);
    if (errors.length > 0) io.err(`${loaded.file}: ${errors.length} error(s); no DAG registered`);
  }
  return hasErrors(loaded.diagnostics) ? 1 : 0;
}

/** How a mapped task's indexes run, for the task table. */
function describeMapping(mode: MapMode | undefined): string {
  if (!mode) return '-';
  const how = mode.mode === 'by_count' ? `inline up to ${mode.inline_limit}, else distributed` : mode.mode;
  return mode.group_id !== undefined ? `${how} (group ${mode.group_id})` : how;
}

function describeDag(dag: Dag, { report, eventbridge_schedule: eb, compute, machines, mapped = {} }: CompiledDag): string {
  const head = [
    `DAG ${dag.dag_id}`,
    `  schedule: ${scheduleSummary(dag) ?? 'None'} (${dag.timezone})  start: ${dag.start_date ?? '-'}  end: ${dag.end_date ?? '-'}  catchup: ${dag.catchup}`,
    `  tasks: ${dag.tasks.length}  max_active_runs: ${dag.max_active_runs}  max_active_tasks: ${dag.max_active_tasks}`,
    `  state machine: ${report.states} states in ${report.parts > 0 ? `${report.parts} parts + main` : '1 machine'}, ${(report.definition_bytes / 1024).toFixed(1)} KB; ` +
      `~${report.estimated_events_per_run} history events per run (worst case ${report.worst_case_events_per_run}); ` +
      `${report.transitions_per_task} transitions and ${report.lambda_invocations_per_task} Lambda invocations per task`,
    `  EventBridge: ${eb ? `${eb.expressions.join(' + ')} in ${eb.timezone}` : 'none (triggered runs only)'}`,
    `  ASL: ${machines.map((m) => `${m.name} (${m.role})`).join(', ')}; --output json prints the definitions`,
  ];
  const anyMapped = Object.keys(mapped).length > 0;
  const rows = dag.tasks.map((t) => [
    t.task_id,
    t.operator,
    t.upstream_task_ids.join(',') || '-',
    t.trigger_rule,
    t.retries > 0 ? `${t.retries} x ${t.retry_delay_seconds}s` : '0',
    describeCompute(compute[t.task_id]!),
    ...(anyMapped ? [describeMapping(mapped[t.task_id])] : []),
  ]);
  const columns = ['TASK', 'OPERATOR', 'UPSTREAM', 'TRIGGER_RULE', 'RETRIES', 'COMPUTE (AWS)', ...(anyMapped ? ['MAPPED'] : [])];
  return `${head.join('\n')}\n${indent(table(columns, rows))}\n`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/**
 * Helpers for the end-to-end acceptance suite: DAG files are read by the real front-ends
 * (scanFixtureFolder), compiled, run by the local engine with the real runtime handlers and executors
 * (bash, python3 + airflow shim, sensors), and every task instance is then read back from the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../../local/cli/io.js';
import { main } from '../../local/cli/main.js';
import type { DagsFolderScan } from '../../local/dags-folder.js';
import type { LocalRuntime, RunOutcome, TriggerOptions } from '../../local/engine/local-runtime.js';
import { createLocalRuntime, type LocalRuntimeSetup } from '../../local/engine/wiring.js';
import { formatDiagnostic } from '../../shared/model/diagnostics.js';
import type { DagRunRecord } from '../../shared/model/records.js';
import { BOOK_PARSE_ENV, scanFixtureFolder } from '../helpers/dags-folder.js';

export const E2E_DAGS = join(__dirname, '../fixtures/e2e');
export const BOOK_DAGS = join(__dirname, '../fixtures/dags/book');

/** One task instance as the tests assert it: state, try number and every XCom by key. */
export interface TaskSummary {
  state: string;
  try: number;
  xcom: Record<string, unknown>;
}

const scans = new Map<string, DagsFolderScan>();

/** Scans a DAGs folder once per test file; any import error fails loudly (a fixture must load). */
export function scan(folder: string = E2E_DAGS): DagsFolderScan {
  let result = scans.get(folder);
  if (!result) {
    result = scanFixtureFolder(folder, new Date(), folder === BOOK_DAGS ? BOOK_PARSE_ENV : undefined);
    const errors = result.files.flatMap((f) => f.diagnostics.filter((d) => d.severity === 'error'));
    if (errors.length > 0) throw new Error(`import errors in ${folder}:\n${errors.map(formatDiagnostic).join('\n')}`);
    scans.set(folder, result);
  }
  return result;
}

/** Temporary directories removed by `cleanup()` (call it in afterAll). */
export class TempDirs {
  private readonly dirs: string[] = [];
  make(prefix = 'skydag-e2e-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }
  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A local runtime (fresh in-memory store, logs under a temp home unless `setup` names one) with every DAG of the folder registered. */
export function e2eRuntime(temp: TempDirs, folder: string = E2E_DAGS, setup: Partial<LocalRuntimeSetup> = {}): LocalRuntime {
  const runtime = createLocalRuntime({ dagsFolder: folder, home: temp.make('skydag-e2e-home-'), ...setup });
  for (const { dag } of scan(folder).dags.values()) runtime.register(dag);
  return runtime;
}

/**
 * The e2e suite's usual setup in one call: a runtime over `folder` (see e2eRuntime) made before the
 * file's tests and closed, with its temp folders removed, after them. Read it as `e2e.runtime`.
 */
export function useE2eRuntime(folder: string = E2E_DAGS, setup: Partial<LocalRuntimeSetup> = {}): { readonly runtime: LocalRuntime; readonly temp: TempDirs } {
  const temp = new TempDirs();
  let runtime: LocalRuntime | undefined;
  beforeAll(() => {
    runtime = e2eRuntime(temp, folder, setup);
  });
  afterAll(() => {
    runtime?.close();
    temp.cleanup();
  });
  return {
    temp,
    get runtime(): LocalRuntime {
      if (!runtime) throw new Error('the e2e runtime exists only inside tests (after beforeAll)');
      return runtime;
    },
  };
}

export async function summarizeRun(runtime: LocalRuntime, run: Pick<DagRunRecord, 'dag_id' | 'run_id'>): Promise<Record<string, TaskSummary>> {
  const tis = await runtime.store.listTaskInstances(run.dag_id, run.run_id);
  const xcoms = await runtime.store.listXComs(run.dag_id, run.run_id);
  const summary: Record<string, TaskSummary> = {};
  for (const ti of tis) summary[ti.task_id] = { state: ti.state ?? 'none', try: ti.try_number, xcom: {} };
  for (const x of xcoms) summary[x.task_id]!.xcom[x.key] = x.value;
  return summary;
}

export interface E2eRun extends RunOutcome {
  tasks: Record<string, TaskSummary>;
}

/** Runs a DAG to its end and summarizes every task instance. */
export async function runDag(runtime: LocalRuntime, dagId: string, options: TriggerOptions = {}): Promise<E2eRun> {
  const outcome = await runtime.runDag(dagId, options);
  return { ...outcome, tasks: await summarizeRun(runtime, outcome.run) };
}

/** The log of one try, or '' when there is none. */
export async function tryLog(runtime: LocalRuntime, run: Pick<DagRunRecord, 'dag_id' | 'run_id'>, taskId: string, tryNumber: number): Promise<string> {
  return (await runtime.logs.read(run.dag_id, run.run_id, taskId, tryNumber)) ?? '';
}

/** `{state, try}` per task (for readable whole-DAG assertions). */
export function statesAndTries(tasks: Record<string, TaskSummary>): Record<string, [string, number]> {
  return Object.fromEntries(Object.entries(tasks).map(([id, t]) => [id, [t.state, t.try]]));
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process with captured output (`SKYDAG_HOME` must point at a temp dir). */
export async function cli(args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) };
  const code = await main(args, io);
  return { code, out, err };
}

/** `skydag dags test --output json` as parsed JSON. */
export interface DagsTestJson {
  dag_id: string;
  run_id: string;
  logical_date: string;
  state: string;
  task_instances: { task_id: string; state: string; try_number: number; xcom: Record<string, unknown>; config_group?: { name: string; version: string } }[];
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Points $SKYDAG_HOME at a temporary folder for the tests of one file (restored and removed after);
 * returns the file's TempDirs for other temporary folders.
 */
export function useTemporarySkydagHome(): TempDirs {
  const temp = new TempDirs();
  const previousHome = process.env.SKYDAG_HOME;
  beforeAll(() => {
    process.env.SKYDAG_HOME = temp.make('skydag-e2e-home-');
  });
  afterAll(() => {
    if (previousHome === undefined) delete process.env.SKYDAG_HOME;
    else process.env.SKYDAG_HOME = previousHome;
    temp.cleanup();
  });
  return temp;
}

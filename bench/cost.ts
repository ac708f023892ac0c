/**
 * Benchmark: what each compiled DAG costs per task in the cloud, from the compiler's own estimate:
 * Step Functions state transitions and Lambda invocations of the orchestration (task code excluded).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compileDag, type CompiledDag } from '../shared/compiler/compile.js';
import { scanDagsFolder } from '../local/dags-folder.js';

/** Public us-east-1 prices (Standard workflows; arm64 Lambda at 256 MB for ~50 ms per control call). */
export const PRICES = {
  perTransition: 0.025 / 1000,
  perLambdaRequest: 0.2 / 1_000_000,
  perLambdaGbSecond: 0.0000133334,
  controlCallGbSeconds: 0.25 * 0.05,
  /** Fargate arm64 per vCPU-hour and per GB-hour; the runner task is 1 vCPU / 2 GB, billed per second with a one-minute minimum. */
  fargateVcpuHour: 0.03238,
  fargateGbHour: 0.00356,
  runnerTaskVcpu: 1,
  runnerTaskGb: 2,
};

/** What one Fargate try costs per minute it runs (a try shorter than a minute is billed a minute). */
export const FARGATE_USD_PER_MINUTE = (PRICES.runnerTaskVcpu * PRICES.fargateVcpuHour + PRICES.runnerTaskGb * PRICES.fargateGbHour) / 60;

export interface CostRow {
  dag: string;
  tasks: number;
  states: number;
  kb: number;
  events: number;
  transitionsPerTask: number;
  lambdasPerTask: number;
  usdPer1000Tasks: number;
  /** Tasks whose tries run on Fargate (longer than Lambda allows): each try costs at least FARGATE_USD_PER_MINUTE. */
  fargateTasks: number;
}

export function costOf(compiled: CompiledDag): CostRow {
  const r = compiled.report;
  const perTask = r.transitions_per_task * PRICES.perTransition + r.lambda_invocations_per_task * (PRICES.perLambdaRequest + PRICES.controlCallGbSeconds * PRICES.perLambdaGbSecond);
  return {
    dag: compiled.dag_id,
    tasks: r.tasks,
    states: r.states,
    kb: Math.round(r.definition_bytes / 102.4) / 10,
    events: r.estimated_events_per_run,
    transitionsPerTask: r.transitions_per_task,
    lambdasPerTask: r.lambda_invocations_per_task,
    usdPer1000Tasks: Math.round(perTask * 1000 * 10000) / 10000,
    fargateTasks: Object.values(compiled.compute).filter((c) => c.runs_on === 'fargate').length,
  };
}

export async function benchCost(folders: readonly string[]): Promise<CostRow[]> {
  const rows: CostRow[] = [];
  for (const folder of folders) {
    if (readdirSync(folder).length === 0) continue;
    const scan = await scanDagsFolder(folder, new Date('2024-06-01T00:00:00Z'));
    for (const { dag } of [...scan.dags.values()].sort((a, b) => a.dag.dag_id.localeCompare(b.dag.dag_id))) rows.push(costOf(compileDag(dag)));
  }
  return rows;
}

export const EXAMPLES = join(import.meta.dirname ?? '.', '..', 'examples', 'dags');

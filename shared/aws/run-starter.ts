/**
 * Starting and watching runs' executions on Step Functions: the scheduler pass's `startRun` (and the
 * API's, through the same pass), the reconciler's execution-status lookup, and stopping a run's
 * execution. Each run's execution of generation g is named executionName(run, g) under the DAG's main
 * machine, so everything here is keyed by the run alone.
 *
 * `startRun` is idempotent per run, as the scheduler needs (two passes may start the same queued run):
 * an execution of the run's generation that is running, or never started, is (re)started under the
 * same name — Step Functions answers a repeated StartExecution with the same name and input with the
 * running execution. Only when that generation's execution has ended (a cleared run re-queued) does
 * the run move to the next generation, its orphaned task instances reset, so a new execution starts.
 */
import type { DagRunRecord } from '../model/records.js';
import { executionName } from '../runtime/execution-names.js';
import type { DagSource, ExecutionStatusLookup, RuntimeDeps } from '../runtime/handlers/deps.js';
import { resetOrphanedTasks } from '../runtime/handlers/orphans.js';
import type { StartRun } from '../scheduling/scheduler.js';
import type { RunStore } from '../stores/metadata.js';
import { executionArn } from './dag-source.js';
import type { SfnExecutions } from './step-functions.js';

export interface SfnRunsOptions {
  store: RunStore;
  dags: DagSource;
  executions: Pick<SfnExecutions, 'start' | 'stop' | 'describe'>;
  /** `arn:aws:states:<region>:<account>:stateMachine:` */
  stateMachineArnPrefix: string;
  pools?: RuntimeDeps['pools'];
}

export class SfnRuns implements ExecutionStatusLookup {
  constructor(private readonly options: SfnRunsOptions) {}

  /** The ARN of the run's execution of `generation` (default: its current one). */
  arnOf(run: { dag_id: string; run_id: string; generation?: number }, generation = run.generation ?? 0): string {
    return runExecutionArn(this.options.stateMachineArnPrefix, run, generation);
  }

  readonly startRun: StartRun = async (run) => {
    const { store, dags, executions } = this.options;
    const stored = (await store.getDagRun(run.dag_id, run.run_id)) ?? run;
    let generation = stored.generation ?? 0;
    const current = await executions.describe(this.arnOf(stored, generation));
    if (current && current.status !== 'RUNNING') {
      generation += 1;
      await store.updateDagRun(run.dag_id, run.run_id, { generation });
      await resetOrphanedTasks({ store, dags, ...(this.options.pools ? { pools: this.options.pools } : {}) }, stored);
    }
    const stateMachineArn = await dags.stateMachineFor(run.dag_id, stored.dag_version);
    await executions.start({ stateMachineArn, run: { dag_id: run.dag_id, run_id: run.run_id }, generation });
  };

  async statusOf(run: { dag_id: string; run_id: string; generation?: number }) {
    const described = await this.options.executions.describe(this.arnOf(run));
    // A generation never started (a crash between claiming the run and StartExecution) is unknown: the scheduler starts it.
    if (!described || described.status === 'PENDING_REDRIVE') return described ? 'RUNNING' : undefined;
    return described.status;
  }

  /** Stops the run's current execution (marked success/failed by hand, deleted); an ended or absent one is left alone. */
  async stop(run: DagRunRecord, reason: string): Promise<void> {
    await stopRunExecution(this.options.executions, this.options.stateMachineArnPrefix, run, reason);
  }
}

/** The ARN of a run's execution of `generation` (default: its current one) under its DAG's main machine. */
export function runExecutionArn(stateMachineArnPrefix: string, run: { dag_id: string; run_id: string; generation?: number }, generation = run.generation ?? 0): string {
  return executionArn(stateMachineArnPrefix, run.dag_id, executionName(run, generation));
}

/** Stops a run's current execution (SfnRuns.stop; the deployer's, for a deleted DAG); an ended or absent one is left alone. */
export async function stopRunExecution(executions: Pick<SfnExecutions, 'stop'>, stateMachineArnPrefix: string, run: DagRunRecord, reason: string): Promise<void> {
  await executions.stop(runExecutionArn(stateMachineArnPrefix, run), 'Skydag.RunStopped', reason);
}

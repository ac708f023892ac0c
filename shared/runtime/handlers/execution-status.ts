/**
 * Abnormal ends of a run's execution. In the cloud an EventBridge rule on "Step Functions Execution
 * Status Change" (status TIMED_OUT, ABORTED, FAILED) delivers this event to a Lambda; locally the
 * engine emits the same event when an execution ends. An execution that ended without its finalize
 * state (dagrun_timeout, StopExecution, States.Runtime, DataLimitExceeded, a control Lambda that kept
 * failing) would leave its run `running` forever: this handler runs finalize with the engine error,
 * so the unfinished tasks end (failed, or skipped for a timeout) and the run fails.
 *
 * Idempotent and safe to deliver late: it only acts on the run's current execution (its name carries
 * the run's generation) while the run is still running, so a finished run, an older generation's
 * execution, or a part machine's failure its main machine handles are ignored. The run ids come from
 * the execution's input, exactly as the state machine received them.
 */
import { RUN_FAILED_ERROR } from '../../compiler/compile.js';
import { executionName } from '../execution-names.js';
import type { FinalizeResult, RunRef } from '../protocol.js';
import { DagRunState } from '../states.js';
import type { RuntimeDeps } from './deps.js';
import { finalize } from './finalize.js';

export const EXECUTION_STATUS_DETAIL_TYPE = 'Step Functions Execution Status Change';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** The EventBridge event (the fields this handler reads; `input` is the execution input as JSON text). */
export interface ExecutionStatusEvent {
  'detail-type': typeof EXECUTION_STATUS_DETAIL_TYPE;
  source: 'aws.states';
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: ExecutionStatus;
    input: string | null;
    error?: string | null;
    cause?: string | null;
  };
}

export type ExecutionStatusOutcome = { action: 'ignored'; reason: string } | { action: 'finalized'; run: RunRef; state: FinalizeResult['state'] };

function runOf(input: string | null): RunRef | undefined {
  try {
    const run = (JSON.parse(input ?? 'null') as { run?: Partial<RunRef> } | null)?.run;
    return typeof run?.dag_id === 'string' && typeof run.run_id === 'string' ? { dag_id: run.dag_id, run_id: run.run_id } : undefined;
  } catch {
    return undefined;
  }
}

export interface ExecutionStatusHooks {
  /** Runs ended another way by their host (locally: a removed DAG's run) are left alone. */
  skip?: (run: RunRef) => boolean;
  /** Before finalize: stop the run's tries still running (locally, their processes). */
  beforeFinalize?: (run: RunRef, timedOut: boolean) => void;
}

export async function onExecutionStatusChange(deps: RuntimeDeps, event: ExecutionStatusEvent, hooks: ExecutionStatusHooks = {}): Promise<ExecutionStatusOutcome> {
  const { status, name, error, cause } = event.detail;
  if (status !== 'FAILED' && status !== 'TIMED_OUT' && status !== 'ABORTED') return { action: 'ignored', reason: `status ${status}` };
  // The machine's own end after finalize recorded a failed run.
  if (error === RUN_FAILED_ERROR) return { action: 'ignored', reason: 'the run was finalized' };
  const ref = runOf(event.detail.input);
  if (!ref) return { action: 'ignored', reason: 'not a DAG run execution' };
  if (hooks.skip?.(ref)) return { action: 'ignored', reason: 'the run is being ended by its host' };
  const run = await deps.store.getDagRun(ref.dag_id, ref.run_id);
  if (!run) return { action: 'ignored', reason: 'the run no longer exists' };
  if (run.state !== DagRunState.RUNNING) return { action: 'ignored', reason: `the run is ${run.state}` };
  if (name !== executionName(run, run.generation ?? 0)) return { action: 'ignored', reason: `${name} is not the run's current execution` };
  const timedOut = status === 'TIMED_OUT';
  hooks.beforeFinalize?.(ref, timedOut);
  const engineError = {
    error: error ?? (timedOut ? 'States.Timeout' : status === 'ABORTED' ? 'ExecutionAborted' : 'States.Runtime'),
    cause: cause ?? (timedOut ? 'the execution exceeded its timeout (dagrun_timeout)' : status === 'ABORTED' ? 'the execution was stopped' : 'the execution failed'),
    ...(timedOut ? { timed_out: true } : {}),
  };
  const result = await finalize(deps, { action: 'finalize', run: ref, engine_error: engineError });
  return { action: 'finalized', run: ref, state: result.state };
}

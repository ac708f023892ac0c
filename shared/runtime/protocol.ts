/**
 * The protocol between compiled state machines and the runtime handlers: what each Task state sends
 * (its Parameters/Payload) and what the handler returns. The compiler emits exactly these shapes and
 * the handlers (Lambda in cloud, local functions in local mode) accept exactly these, so both sides
 * import the types from here.
 *
 * State-machine payloads stay small and never carry task data (XCom, logs): task state lives in the
 * metadata store, and a run is identified by `run` alone.
 */
import type { EmrServerlessJobRun, EmrStep } from '../spark/render.js';

/** Execution input of a DAG run's state machine (and of each child part of a split DAG). */
export interface RunRef {
  dag_id: string;
  run_id: string;
}

export interface ExecutionInput {
  run: RunRef;
}

export const ControlAction = {
  PREPARE: 'prepare',
  PREPARE_INDEX: 'prepare_index',
  COMPLETE: 'complete',
  FAIL: 'fail',
  FINALIZE: 'finalize',
  START_CHILD: 'start_child',
  SUBMIT_SPARK: 'submit_spark',
} as const;
export type ControlAction = (typeof ControlAction)[keyof typeof ControlAction];

export const RunnerAction = {
  EXECUTE: 'execute',
} as const;
export type RunnerAction = (typeof RunnerAction)[keyof typeof RunnerAction];

/** prepare: decide whether the task runs now. With a token, the handler may answer later (when the
 * upstream tasks finish) by sending the decision to the token instead of returning it. */
export interface PrepareRequest {
  action: typeof ControlAction.PREPARE;
  run: RunRef;
  task_id: string;
  /** Present on waitForTaskToken states (tasks with upstream tasks). */
  token?: string;
}

/** run: execute the task now with this try number; skip: the task already reached a final state
 * without running (skipped, upstream_failed, removed). */
export interface PrepareResult {
  decision: 'run' | 'skip';
  try_number: number;
  /** A mapped task that runs: its map indexes (the items of its Map state). */
  map_indexes?: number[];
  /** Their count: a Choice picks the inline or the Distributed Map by it (an expansion over an XCom). */
  index_count?: number;
}

/**
 * prepare_index: one map index of a mapped task starts a try (its parent task was decided already, so
 * nothing is waited for): `run` with the try number claimed, or `skip` when the index already ended.
 */
export interface PrepareIndexRequest {
  action: typeof ControlAction.PREPARE_INDEX;
  run: RunRef;
  task_id: string;
  map_index: number;
  /** The task is in a mapped task group: before its first try, the index decides by its trigger rule. */
  group_mapped?: boolean;
}

export interface ExecuteRequest {
  action: typeof RunnerAction.EXECUTE;
  run: RunRef;
  task_id: string;
  try_number: number;
  /** Present for sensors (waitForTaskToken): the runner answers when the poke loop ends. */
  token?: string;
  /** One index of a mapped task (absent: the task is not mapped). */
  map_index?: number;
}

/**
 * What a handed-off wait's one-shot schedule invokes (the sensor-poker Lambda): continue the try's
 * wait with its invocation `invocation` (the runner's was 1). The task token is not in it: it stays
 * sealed in the store (the schedule's input is readable by anyone who can read the schedule group).
 */
export interface ResumeWaitRequest {
  action: typeof WaitAction.RESUME;
  run: RunRef;
  task_id: string;
  try_number: number;
  map_index?: number;
  invocation: number;
}

export const WaitAction = {
  RESUME: 'resume_wait',
} as const;

/** What the task's code produced (XCom values are already stored; only a summary travels). */
export interface ExecuteResult {
  outcome: 'success' | 'skipped';
  /** For branching operators: the task ids to follow (null: the callable returned None, follow nothing). */
  followed?: string[] | null;
  /** For short-circuit: whether downstream continues. */
  proceed?: boolean;
  message?: string;
  /** Extra for the outlets' dataset events, by URI (bounded, see MAX_OUTLET_EXTRAS_BYTES). */
  outlet_extras?: Record<string, Record<string, unknown>>;
  /** Events the task added through its outlet aliases (same bound, together with outlet_extras). */
  outlet_alias_events?: OutletAliasEvent[];
}

/** `outlet_events[DatasetAlias(alias)].add(Dataset(uri), extra=...)` (Airflow 2.10's DatasetAliasEvent). */
export interface OutletAliasEvent {
  alias: string;
  uri: string;
  extra: Record<string, unknown>;
}

/** The most JSON the outlet events' extra of one try may take (they travel in the execution's payload). */
export const MAX_OUTLET_EXTRAS_BYTES = 32 * 1024;

export interface CompleteRequest {
  action: typeof ControlAction.COMPLETE;
  run: RunRef;
  task_id: string;
  try_number: number;
  /** Absent for tasks with nothing to execute (Empty/Dummy) or when a child run finished. */
  result?: ExecuteResult | Record<string, unknown>;
  /** One index of a mapped task; absent on a mapped task's own complete (after its Map: every index ended). */
  map_index?: number;
  /**
   * The chain's next task, entered straight from this complete (no prepare of its own on the happy
   * path): the handler decides it and returns a HandOffResult.
   */
  next_task_id?: string;
}

/** complete's answer for `next_task_id`: run it with this try, or `wait` (it enters its own prepare, which decides it). */
export interface HandOffResult {
  decision: 'run' | 'wait';
  try_number: number;
}

/** FailRequest.try_number when a task's control handlers kept failing (the compiled control_failed state sends it). */
export const CONTROL_FAILED_TRY = -1;

export interface FailRequest {
  action: typeof ControlAction.FAIL;
  run: RunRef;
  task_id: string;
  /** The try that failed; -1 (CONTROL_FAILED_TRY): the task's control handlers kept failing, whatever its try. */
  try_number: number;
  /** The Step Functions error caught on the execute states ({Error, Cause}). */
  error: { Error?: string; Cause?: string };
  /** One index of a mapped task. */
  map_index?: number;
}

export interface FailResult {
  /** true: wait `delay_seconds`, then prepare the next try. */
  retry: boolean;
  delay_seconds: number;
}

export interface FinalizeRequest {
  action: typeof ControlAction.FINALIZE;
  run: RunRef;
  /**
   * Set when the execution itself ended outside any task: unfinished tasks are marked failed with this
   * cause — or skipped when the run exceeded dagrun_timeout (`timed_out`), as Airflow's scheduler does.
   * `dag_removed`: the DAG is gone (its file was deleted or no longer defines it): the tasks that never
   * started become `removed`, stopped tries fail, and the run fails without running DAG callbacks.
   */
  engine_error?: { error: string; cause: string; timed_out?: boolean; dag_removed?: boolean };
}

export interface FinalizeResult {
  state: 'success' | 'failed';
}

export interface StartChildRequest {
  action: typeof ControlAction.START_CHILD;
  run: RunRef;
  task_id: string;
  try_number: number;
}

/** How to run the child DAG(s): the state machine to start, its input, and whether to wait. */
export interface StartChildResult {
  skip: boolean;
  wait: boolean;
  /** One entry per child run (DagOperator: one; CoutureLoopableBatchOperator: one per batch). */
  runs: { state_machine: string; input: ExecutionInput; name: string }[];
}

export interface SubmitSparkRequest {
  action: typeof ControlAction.SUBMIT_SPARK;
  run: RunRef;
  task_id: string;
  try_number: number;
}

/**
 * Where and how the Spark work runs, resolved from the task's config group at submit time
 * (shared/spark/submission.ts). Livy and local work is done by the runner (the `spark_run` state).
 */
export type SubmitSparkResult =
  | { backend: 'emr'; /** EMR AddJobFlowSteps: cluster and step definition. */ emr: { cluster_id: string; step: EmrStep } }
  | { backend: 'emr_serverless'; /** EMR Serverless StartJobRun, every field the state reads present. */ emr_serverless: EmrServerlessJobRun }
  | { backend: 'livy' | 'local' };

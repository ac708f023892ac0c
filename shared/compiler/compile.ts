/**
 * DAG model → Amazon States Language.
 *
 * Shape: one Parallel state with a branch per chain of tasks (see chains.ts); every task is a block
 * (see blocks.ts) whose prepare state waits on a task token until its own trigger rule can be decided,
 * so downstream tasks start as soon as their own upstream tasks are done, for any DAG shape; a chain's
 * task that only the previous one can hold is handed off by that task's complete instead (chains.ts
 * handsOff). After the Parallel, a finalize step computes the run state and the execution ends
 * succeeded or failed to match.
 *
 * When a DAG would exceed Step Functions limits (25,000 history events per execution, 1 MB
 * definition), its chains are packed into child state machines ("parts") that the main machine runs
 * in parallel; coordination still happens through the metadata store, so edges may cross parts.
 */
import type { Dag } from '../model/schema.js';
import { operatorByKind } from '../operators/registry.js';
import { ControlAction } from '../runtime/protocol.js';
import type { AslState, StateMachineDefinition } from './asl.js';
import { CONTROL_RETRY, executeShape, type ExecuteShape } from './blocks.js';
import { bytes, chainBranches, countStates, type PlannedTask } from './branches.js';
import { chainsOf, handsOff } from './chains.js';
import { taskCompute, type TaskCompute } from './compute.js';
import {
  BRANCH_END_EVENTS,
  DISTRIBUTED_MAP_EVENTS,
  literalIndexCount,
  PART_EVENTS_IN_PARENT,
  RUN_OVERHEAD_EVENTS,
  taskCost,
  worstCaseEvents,
  worstCaseIndexEvents,
} from './estimate.js';
import { toEventBridgeSchedule, type EventBridgeSchedule } from './eventbridge.js';
import { RUN_STATES, stateNamer } from './names.js';
import { Placeholder, Resource } from './resources.js';

export const STEP_FUNCTIONS_MAX_EVENTS = 25_000;
/** The Fail state's error when the run failed because of its tasks (not the engine). */
export const RUN_FAILED_ERROR = 'Skydag.DagRunFailed';
export const STEP_FUNCTIONS_MAX_DEFINITION_BYTES = 1_048_576;

export interface CompileOptions {
  /** Split when a machine's worst-case history could exceed this (headroom below 25,000). */
  eventBudget?: number;
  /** Split when a definition would exceed this many bytes (headroom below 1 MB). */
  definitionBudgetBytes?: number;
}

export interface CompiledMachine {
  /** State machine name (deploy) and local registry key. */
  name: string;
  role: 'main' | 'part';
  /** For parts: the placeholder the main machine uses for this part's ARN. */
  placeholder?: string;
  task_ids: string[];
  definition: StateMachineDefinition;
}

export interface CompileReport {
  tasks: number;
  states: number;
  branches: number;
  parts: number;
  definition_bytes: number;
  /** History events of the largest execution when every task runs once. */
  estimated_events_per_run: number;
  /** History events of the largest execution when every retry is used. */
  worst_case_events_per_run: number;
  /** Billed state transitions per task (average, one try each). */
  transitions_per_task: number;
  lambda_invocations_per_task: number;
}

export interface CompiledDag {
  dag_id: string;
  machines: CompiledMachine[];
  report: CompileReport;
  eventbridge_schedule: EventBridgeSchedule | null;
  /** Per task id: where its code runs in AWS and that compute's own time limit. */
  compute: Record<string, TaskCompute>;
  /** Per mapped task id: how its indexes run (`dags compile` shows it). */
  mapped?: Record<string, MapMode>;
}

/**
 * How a mapped task's indexes run: in the run's history (`inline`), as child executions
 * (`distributed`), or chosen at run time by the index count (an expansion over an XCom: inline up to
 * `inline_limit`); `group_id`: it maps with that mapped task group.
 */
export interface MapMode {
  mode: 'inline' | 'distributed' | 'by_count';
  inline_limit?: number;
  group_id?: string;
}

function mapModeOf(p: PlannedTask): MapMode {
  const group = p.task.expand?.group_id !== undefined ? { group_id: p.task.expand.group_id } : {};
  if (p.inlineLimit !== undefined) return { mode: 'by_count', inline_limit: p.inlineLimit, ...group };
  return { mode: p.distributed ? 'distributed' : 'inline', ...group };
}

export function machineName(dagId: string, part?: number): string {
  const safe = dagId.replace(/[^A-Za-z0-9_-]/g, '_');
  const base = `skydag-${safe}`.slice(0, part === undefined ? 80 : 70);
  return part === undefined ? base : `${base}-part-${part}`;
}

export function partPlaceholder(part: number): string {
  return `\${SkydagPart${part}StateMachineArn}`;
}

function plan(dag: Dag): PlannedTask[] {
  return dag.tasks.map((task) => {
    const spec = operatorByKind(task.operator_kind) ?? operatorByKind('python')!;
    const compute = taskCompute(task, spec);
    const shape: ExecuteShape = task.operator_kind === 'unsupported' ? 'invoke' : executeShape(spec, compute);
    return { task, spec, shape, compute };
  });
}

/** Bytes of a run machine's states outside its branches, with room for the Parallel wrapper and comments. */
const MACHINE_OVERHEAD_BYTES = 4096;

/** The run's last states; `afterError`: with the state the Parallel's Catch goes to (machines that have one). */
function finalizeStates(afterError = true): Record<string, AslState> {
  const finalizeTask = (comment: string, payload: Record<string, unknown>): AslState => ({
    Type: 'Task',
    Comment: comment,
    Resource: Resource.LAMBDA_INVOKE,
    Parameters: { FunctionName: Placeholder.CONTROL_FUNCTION, Payload: { action: ControlAction.FINALIZE, 'run.$': '$.run', ...payload } },
    ResultSelector: { 'state.$': '$.Payload.state' },
    ResultPath: '$.final',
    // finalize is idempotent (a finished run is left as it is): any error is retried.
    Retry: CONTROL_RETRY,
    Next: RUN_STATES.OUTCOME,
  });
  return {
    [RUN_STATES.FINALIZE]: finalizeTask('Compute the run state (failed iff a leaf task failed or is upstream_failed) and run callbacks', {}),
    ...(afterError
      ? {
          [RUN_STATES.FINALIZE_AFTER_ERROR]: finalizeTask('A branch failed outside its tasks (a control handler kept failing): unfinished tasks fail with that error, then the run state is computed', {
            engine_error: { 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' },
          }),
        }
      : {}),
    [RUN_STATES.OUTCOME]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.final.state', StringEquals: 'success', Next: RUN_STATES.SUCCEEDED }],
      Default: RUN_STATES.FAILED,
    },
    [RUN_STATES.SUCCEEDED]: { Type: 'Succeed' },
    [RUN_STATES.FAILED]: { Type: 'Fail', Error: RUN_FAILED_ERROR, Cause: 'A leaf task failed or is upstream_failed; see the task instances of this run.' },
  };
}

/** A machine that runs `branches` in one Parallel state and then finalizes the run. */
function runMachine(parallel: AslState | undefined, comment: string): StateMachineDefinition {
  if (!parallel) return { Comment: comment, StartAt: RUN_STATES.FINALIZE, States: finalizeStates(false) };
  return { Comment: comment, StartAt: RUN_STATES.TASKS, States: { [RUN_STATES.TASKS]: parallel, ...finalizeStates() } };
}

function tasksParallel(branches: StateMachineDefinition[], next: string | undefined): AslState {
  return {
    Type: 'Parallel',
    Comment: 'Every task waits for its own upstream tasks (through the metadata store), so branches run with full parallelism',
    Branches: branches,
    ResultPath: null,
    ...(next ? { Next: next, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: RUN_STATES.FINALIZE_AFTER_ERROR }] } : { End: true }),
  };
}

/** Upper bound of a machine's bytes besides its branches (run/part frame, Parallel, finalize, end states). */
const MACHINE_FRAME_BYTES = 8192;

/** A machine's definition with its `Run tasks` Parallel emptied of branches (undefined: it has none). */
function frameOf(definition: StateMachineDefinition): StateMachineDefinition | undefined {
  const parallel = definition.States[RUN_STATES.TASKS];
  if (parallel?.Type !== 'Parallel') return undefined;
  return { ...definition, States: { ...definition.States, [RUN_STATES.TASKS]: { ...parallel, Branches: [] } } };
}

/**
 * Bytes of a machine whose `Run tasks` Parallel holds branches of known sizes (`branchBytes`: each
 * branch's JSON plus its comma): its frame is serialized with no branches, the branches are not
 * serialized again.
 */
function machineBytes(definition: StateMachineDefinition, branchBytes: readonly number[]): number {
  const frame = branchBytes.length > 0 ? frameOf(definition) : undefined;
  return frame ? bytes(frame) + branchBytes.reduce((a, b) => a + b, 0) - 1 : bytes(definition);
}

/** States of a machine whose `Run tasks` Parallel holds branches of known state counts (as machineBytes). */
function machineStates(definition: StateMachineDefinition, branchStates: readonly number[]): number {
  const frame = branchStates.length > 0 ? frameOf(definition) : undefined;
  return frame ? countStates(frame) + branchStates.reduce((a, b) => a + b, 0) : countStates(definition);
}

/**
 * History events a mapped task sized at run time may take inline: its expansions up to
 * ~this / (an index's worst-case events) indexes (e.g. 47 of a Fargate @task without retries) stay in the run's history.
 */
export const XCOM_MAP_INLINE_EVENTS = 1000;

export function compileDag(dag: Dag, options: CompileOptions = {}): CompiledDag {
  const eventBudget = options.eventBudget ?? 20_000;
  // What a machine holds besides its branches (the Parallel wrapper, the finalize states) comes off the budget.
  const sizeBudget = (options.definitionBudgetBytes ?? 900_000) - MACHINE_OVERHEAD_BYTES;
  const planned = plan(dag);
  const byId = new Map(planned.map((p) => [p.task.task_id, p]));
  const name = stateNamer(dag.tasks.map((t) => t.task_id));
  const wholeChains = chainsOf(dag.tasks).map((chain) => chain.map((t) => byId.get(t.task_id)!));
  const handedOff = new Set<string>();
  for (const chain of wholeChains) chain.forEach((p, i) => i > 0 && handsOff(chain[i - 1]!.task, p.task) && handedOff.add(p.task.task_id));
  const segmentEventBudget = eventBudget - RUN_OVERHEAD_EVENTS - BRANCH_END_EVENTS;
  // A mapped task's indexes run inside the run's history (an inline Map) unless, with every retry used,
  // they would not fit one machine's budget: then each index is a child execution (a Distributed Map).
  // Only literal expansions have a count here. One over an upstream's XCom is sized at run time: it is
  // given room for XCOM_MAP_INLINE_EVENTS in the run's history, and its prepare's answer (the index
  // count) picks the inline Map up to what fits there, the Distributed one beyond.
  const indexEvents = new Map<string, number>();
  for (const p of planned) {
    if (!p.task.expand) continue;
    const count = literalIndexCount(p.task.expand);
    if (count === undefined) {
      const perIndex = worstCaseIndexEvents(p.task, p.shape);
      p.inlineLimit = Math.max(1, Math.floor(Math.min(XCOM_MAP_INLINE_EVENTS, segmentEventBudget) / perIndex));
      indexEvents.set(p.task.task_id, p.inlineLimit * perIndex);
      continue;
    }
    if (count === 0) continue;
    const events = count * worstCaseIndexEvents(p.task, p.shape);
    if (events > segmentEventBudget) p.distributed = true;
    indexEvents.set(p.task.task_id, p.distributed ? DISTRIBUTED_MAP_EVENTS : events);
  }
  const taskWorst = (p: PlannedTask) => worstCaseEvents(p.task, p.shape, handedOff.has(p.task.task_id)) + (indexEvents.get(p.task.task_id) ?? 0);
  const budgets = { events: taskWorst, eventBudget: segmentEventBudget, sizeBudget: sizeBudget - MACHINE_FRAME_BYTES };
  const rendered = wholeChains.flatMap((chain) => chainBranches(chain, name, handedOff, budgets));
  const chains = rendered.map((b) => b.tasks);
  const branches = rendered.map((b) => b.definition);
  // A branch costs its JSON plus the comma between branches.
  const chainBytes = rendered.map((b) => b.bytes + 1);

  const costOf = (p: PlannedTask) => taskCost(p.task, p.shape, handedOff.has(p.task.task_id));
  // Once every task ran, each branch ends at its last task's complete (its end state is for other paths).
  const chainEvents = chains.map((chain) => chain.reduce((sum, p) => sum + costOf(p).events, 0));
  // A mapped task's inline indexes count too (taskWorst): they are in the run's history.
  const chainWorst = chains.map((chain) => chain.reduce((sum, p) => sum + taskWorst(p), BRANCH_END_EVENTS));
  const totalWorst = RUN_OVERHEAD_EVENTS + chainWorst.reduce((a, b) => a + b, 0);
  const totalBytes = chainBytes.reduce((a, b) => a + b, 0);
  // What a machine holds besides its branches (the Parallel, finalize, the run and part states).
  const branchBudget = sizeBudget - MACHINE_FRAME_BYTES;

  const comment = `skydag DAG ${dag.dag_id}`;
  const machines: CompiledMachine[] = [];
  /** Per machine: the chains its Parallel runs (none for a split DAG's main machine, which runs parts). */
  const machineChains: number[][] = [];
  let largestEvents: number;
  let largestWorst: number;
  if (totalWorst <= eventBudget && totalBytes <= branchBudget) {
    machines.push({
      name: machineName(dag.dag_id),
      role: 'main',
      task_ids: dag.tasks.map((t) => t.task_id),
      definition: runMachine(branches.length > 0 ? tasksParallel(branches, RUN_STATES.FINALIZE) : undefined, comment),
    });
    machineChains.push(branches.map((_, i) => i));
    largestEvents = RUN_OVERHEAD_EVENTS + chainEvents.reduce((a, b) => a + b, 0);
    largestWorst = totalWorst;
  } else {
    // Pack chains (in topological order of their heads) into parts under both budgets.
    const parts: number[][] = [];
    let current: number[] = [];
    let events = 0;
    let size = 0;
    chains.forEach((_, i) => {
      const fits = events + chainWorst[i]! <= eventBudget - RUN_OVERHEAD_EVENTS && size + chainBytes[i]! <= branchBudget;
      if (!fits && current.length > 0) {
        parts.push(current);
        current = [];
        events = 0;
        size = 0;
      }
      current.push(i);
      events += chainWorst[i]!;
      size += chainBytes[i]!;
    });
    if (current.length > 0) parts.push(current);

    const partMachines = parts.map((indexes, p): CompiledMachine => ({
      name: machineName(dag.dag_id, p + 1),
      role: 'part',
      placeholder: partPlaceholder(p + 1),
      task_ids: indexes.flatMap((i) => chains[i]!.map((c) => c.task.task_id)),
      definition: {
        Comment: `${comment}, part ${p + 1} of ${parts.length}`,
        StartAt: RUN_STATES.TASKS,
        States: { [RUN_STATES.TASKS]: tasksParallel(indexes.map((i) => branches[i]!), undefined) },
      },
    }));
    const partBranches: StateMachineDefinition[] = partMachines.map((m, p) => ({
      StartAt: `Part ${p + 1}`,
      States: {
        [`Part ${p + 1}`]: {
          Type: 'Task',
          Resource: Resource.START_EXECUTION_SYNC,
          Parameters: {
            StateMachineArn: m.placeholder!,
            Input: { 'run.$': '$.run', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
          },
          ResultPath: null,
          End: true,
        },
      },
    }));
    machines.push({
      name: machineName(dag.dag_id),
      role: 'main',
      task_ids: [],
      definition: {
        Comment: `${comment} (split into ${parts.length} parts to stay within Step Functions limits)`,
        StartAt: RUN_STATES.PARTS,
        States: {
          [RUN_STATES.PARTS]: { ...(tasksParallel(partBranches, RUN_STATES.FINALIZE) as object), Comment: 'Each part is a child execution with its own history' } as AslState,
          ...finalizeStates(),
        },
      },
    });
    machines.push(...partMachines);
    machineChains.push([], ...parts);
    largestEvents = Math.max(...parts.map((idx) => RUN_OVERHEAD_EVENTS + idx.reduce((s, i) => s + chainEvents[i]!, 0)), RUN_OVERHEAD_EVENTS + parts.length * PART_EVENTS_IN_PARENT);
    largestWorst = Math.max(...parts.map((idx) => RUN_OVERHEAD_EVENTS + idx.reduce((s, i) => s + chainWorst[i]!, 0)));
  }

  // dagrun_timeout: the execution itself times out; the run is then failed with its unfinished tasks.
  if (dag.dagrun_timeout_seconds) machines[0]!.definition.TimeoutSeconds = Math.max(1, Math.ceil(dag.dagrun_timeout_seconds));

  const costs = planned.map(costOf);
  const avg = (f: (c: ReturnType<typeof taskCost>) => number) =>
    costs.length === 0 ? 0 : Math.round((costs.reduce((s, c) => s + f(c), 0) / costs.length) * 100) / 100;
  return {
    dag_id: dag.dag_id,
    machines,
    report: {
      tasks: dag.tasks.length,
      states: machines.reduce((s, m, i) => s + machineStates(m.definition, machineChains[i]!.map((c) => rendered[c]!.states)), 0),
      branches: branches.length,
      parts: machines.length - 1,
      definition_bytes: machines.reduce((s, m, i) => s + machineBytes(m.definition, machineChains[i]!.map((c) => chainBytes[c]!)), 0),
      estimated_events_per_run: largestEvents,
      worst_case_events_per_run: largestWorst,
      transitions_per_task: avg((c) => c.transitions),
      lambda_invocations_per_task: avg((c) => c.lambdaInvocations),
    },
    // A sub-DAG only runs through its SubDagOperator (Airflow's scheduler skips sub-DAGs).
    eventbridge_schedule: dag.parent_dag_id ? null : toEventBridgeSchedule(dag.schedule, dag.timezone, dag.start_date),
    compute: Object.fromEntries(planned.map((p) => [p.task.task_id, p.compute])),
    mapped: Object.fromEntries(planned.filter((p) => p.task.expand).map((p) => [p.task.task_id, mapModeOf(p)])),
  };
}

/**
 * What a compiled DAG costs per run, from its shape: Step Functions history events (the hard limit
 * is 25,000 per execution), state transitions (what Standard workflows bill) and Lambda invocations.
 * Counts follow the events Step Functions records per state type (Task: entered, scheduled, started,
 * [submitted for callbacks], succeeded, exited; Choice/Wait/Pass: entered, exited).
 */
import type { PyValue, Task, TaskExpand } from '../model/schema.js';
import type { ExecuteShape } from './blocks.js';

const TASK_EVENTS = 5; // TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited
const CALLBACK_TASK_EVENTS = 6; // + TaskSubmitted
const FLOW_EVENTS = 2; // entered + exited (Choice, Wait, Pass)
const MAP_EVENTS = 7; // MapStateEntered, MapStateStarted, MapIterationStarted/Succeeded, MapStateSucceeded, MapStateExited (+1 slack)

export interface TaskCost {
  /** History events when the task runs once and succeeds. */
  events: number;
  /** History events a failed try adds (fail, retry choice, wait, prepare, decide, execute). */
  eventsPerRetry: number;
  /** State transitions (states entered) when the task runs once. */
  transitions: number;
  lambdaInvocations: number;
}

/** Execute-part costs by shape: [events, transitions, lambda invocations]. */
const EXECUTE: Record<ExecuteShape, [number, number, number]> = {
  none: [0, 0, 0],
  invoke: [TASK_EVENTS, 1, 1],
  wait_for_token: [CALLBACK_TASK_EVENTS, 1, 1],
  // ecs:runTask.waitForTaskToken: no Lambda; heartbeats add no history events
  fargate: [CALLBACK_TASK_EVENTS, 1, 0],
  // submit (Lambda) + backend choice + EMR step (.sync, polled by the service)
  spark: [TASK_EVENTS + FLOW_EVENTS + CALLBACK_TASK_EVENTS, 3, 1],
  // start-child (Lambda) + route choice + Map with one child execution
  child_dag: [TASK_EVENTS + FLOW_EVENTS + MAP_EVENTS + CALLBACK_TASK_EVENTS, 4, 1],
};

/** `handedOff`: entered at its decide from the previous task's complete (no prepare on the first try). */
export function taskCost(task: Task, shape: ExecuteShape, handedOff = false): TaskCost {
  const [execEvents, execTransitions, execLambdas] = EXECUTE[shape];
  const prepareAndDecide = CALLBACK_TASK_EVENTS + FLOW_EVENTS;
  const complete = TASK_EVENTS;
  const failPath = TASK_EVENTS + FLOW_EVENTS + FLOW_EVENTS; // fail + retry choice + retry wait
  return {
    events: (handedOff ? FLOW_EVENTS : prepareAndDecide) + execEvents + complete,
    eventsPerRetry: failPath + prepareAndDecide + execEvents,
    transitions: (handedOff ? 1 : 2) + execTransitions + 1,
    lambdaInvocations: (handedOff ? 1 : 2) + execLambdas,
  };
}

/**
 * Events a task may add in the worst case: every retry used (a retry enters the prepare again). A
 * handed-off task that had to wait also went through its decide once more before its prepare.
 */
export function worstCaseEvents(task: Task, shape: ExecuteShape, handedOff = false): number {
  const cost = taskCost(task, shape);
  return cost.events + (handedOff ? FLOW_EVENTS : 0) + cost.eventsPerRetry * task.retries;
}

/** Fixed events of a run: execution start/end, Parallel, finalize, outcome choice, final state. */
export const RUN_OVERHEAD_EVENTS = 2 + 4 + TASK_EVENTS + FLOW_EVENTS + FLOW_EVENTS;
/** A branch ends in a Pass state, unless its last task completed (that Task state ends the branch). */
export const BRANCH_END_EVENTS = FLOW_EVENTS;
/** A part of a split DAG, as seen from the parent: one child execution inside the parent's Parallel. */
export const PART_EVENTS_IN_PARENT = CALLBACK_TASK_EVENTS;

/** A Map iteration's own events in its execution's history: MapIterationStarted and Succeeded/Failed. */
const MAP_ITERATION_EVENTS = 2;
/** A Distributed Map in its parent's history: entered, MapRunStarted, MapRunSucceeded/Failed, exited (+1 slack); its indexes run as child executions. */
export const DISTRIBUTED_MAP_EVENTS = 5;

/** Items a literal mapped value yields (a list's items, a dict's pairs); undefined when it is only known at run time (an XComArg). */
function literalLength(value: PyValue): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === 'object' && !('$type' in value)) return Object.keys(value).length;
  return undefined;
}

/**
 * How many map indexes an expansion makes when its values are written in the DAG file (the cross product
 * of `.expand()`'s literal lists, or `.expand_kwargs()`'s list); undefined when any comes from an upstream task.
 */
export function literalIndexCount(expand: TaskExpand): number | undefined {
  if (expand.kind === 'kwargs_list') return literalLength(expand.value);
  const mapped = expand.value;
  if (mapped === null || typeof mapped !== 'object' || Array.isArray(mapped) || '$type' in mapped) return undefined;
  let count = 1;
  for (const value of Object.values(mapped)) {
    const n = literalLength(value);
    if (n === undefined) return undefined;
    count *= n;
  }
  return count;
}

/** Worst-case events one map index adds to the history that runs it (its block plus its iteration events). */
export function worstCaseIndexEvents(task: Task, shape: ExecuteShape): number {
  return worstCaseEvents(task, shape) + MAP_ITERATION_EVENTS;
}

/**
 * Step Functions history events, counted from the interpreter's event log as Step Functions records
 * them (the 25,000-events-per-execution limit; the compiler's estimate in shared/compiler/estimate.ts
 * predicts the same count). Per state: `<Type>StateEntered` and `<Type>StateExited`; a Task adds per
 * attempt TaskScheduled, TaskStarted, [TaskSubmitted for `.waitForTaskToken` / `.sync`], and its
 * outcome (TaskSucceeded/Failed/TimedOut), a retry being another attempt; Parallel and Map add their
 * Started and Succeeded/Failed events, a Map each iteration's Started and Succeeded/Failed; the
 * execution its start and end. Parallel branches have no events of their own. A Distributed Map
 * (ProcessorConfig Mode DISTRIBUTED) runs each index as a child execution with its own history: its
 * iterations and the states inside them are not the parent's events (the interpreter runs them
 * inline, so they are left out here), only the Map's entered/exited and its map run's events are.
 */
import type { StateMachine } from 'aws-local-stepfunctions';
import type { AslState, StateMachineDefinition } from '../../shared/compiler/asl.js';

/** One entry of the interpreter's event log (the library does not export the type). */
export type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** The limit Step Functions enforces on one execution's history. */
export const MAX_HISTORY_EVENTS = 25_000;

type StateKind = { type: AslState['Type']; attemptEvents: number; distributed?: true; inChildExecution?: true };

/** Every state of a definition by name (names are unique across a state machine, branches included). */
function statesOf(definition: StateMachineDefinition, into = new Map<string, StateKind>(), inChildExecution = false): Map<string, StateKind> {
  for (const [name, state] of Object.entries(definition.States)) {
    const callback = state.Type === 'Task' && /\.(waitForTaskToken|sync(:\d+)?)$/.test(state.Resource);
    const distributed = state.Type === 'Map' && state.ItemProcessor.ProcessorConfig?.Mode === 'DISTRIBUTED';
    into.set(name, { type: state.Type, attemptEvents: state.Type === 'Task' ? (callback ? 4 : 3) : 0, ...(distributed ? { distributed: true } : {}), ...(inChildExecution ? { inChildExecution: true } : {}) });
    if (state.Type === 'Parallel') for (const branch of state.Branches) statesOf(branch, into, inChildExecution);
    if (state.Type === 'Map') statesOf(state.ItemProcessor, into, inChildExecution || distributed);
  }
  return into;
}

/** Counts one execution's history events as its event log goes by. */
export class HistoryEventCounter {
  private readonly states: Map<string, StateKind>;
  count = 0;

  constructor(definition: StateMachineDefinition) {
    this.states = statesOf(definition);
  }

  add(event: EventLog): number {
    this.count += this.eventsOf(event);
    return this.count;
  }

  private eventsOf(event: EventLog): number {
    switch (event.type) {
      case 'ExecutionStarted':
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionAborted':
      case 'ExecutionTimeout':
        return 1;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const map = this.states.get(event.parentState.name);
        return map?.distributed || map?.inChildExecution ? 0 : 1;
      }
      case 'ParallelBranchStarted':
      case 'ParallelBranchSucceeded':
      case 'ParallelBranchFailed':
        return 0;
      default:
        break;
    }
    const kind = this.states.get(event.state.name);
    if (kind?.inChildExecution) return 0;
    const container = kind?.type === 'Parallel' || kind?.type === 'Map';
    switch (event.type) {
      case 'StateEntered':
        return 1 + (kind?.attemptEvents ?? 0) + (container ? 1 : 0);
      case 'StateExited':
        // A Distributed Map's exit also closes its map run (MapRunSucceeded/Failed).
        return 1 + (container ? 1 : 0) + (kind?.distributed ? 1 : 0);
      case 'StateRetried':
        return kind?.attemptEvents ?? 0;
      case 'StateFailed':
        return container ? 1 : 0;
      case 'StateCaught':
        return 0;
    }
  }
}

/**
 * Step Functions' timeouts, made explicit for the local interpreter.
 *
 * A Task state without `TimeoutSeconds` has no limit of its own in AWS (the documented default is
 * 99,999,999 s; the execution's one year is what bounds it), but aws-local-stepfunctions gives it
 * 60 s: every task, sensor and waiting `prepare` state running past a minute failed locally with
 * States.Timeout. The compiled ASL leaves the field out (no limit beyond `execution_timeout`, as
 * deployed), and the local engine hands the interpreter a copy with AWS's default written in.
 *
 * The interpreter arms one `setTimeout` per Task state (and one for the machine's `TimeoutSeconds`),
 * and Node fires a timer longer than 2^31 − 1 ms (~24.8 days) after 1 ms: every value is therefore
 * held at that, the local engine's only limit (a 30-day `execution_timeout` ends after ~24.8 days).
 */
import type { AslState, StateMachineDefinition } from '../../shared/compiler/asl.js';

/** What Step Functions uses when a Task state has no TimeoutSeconds. */
export const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;
/** The longest delay a Node timer keeps (2^31 − 1 ms), in whole seconds. */
export const NODE_MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

const capped = (seconds: number): number => Math.min(seconds, NODE_MAX_TIMER_SECONDS);

function withState(state: AslState): AslState {
  switch (state.Type) {
    case 'Task': {
      // HeartbeatSeconds must stay below TimeoutSeconds; the interpreter does not enforce heartbeats
      // (nothing local heartbeats: local tries wait in place), so a capped timeout drops it.
      const { HeartbeatSeconds, ...rest } = state;
      const timeoutSeconds = capped(state.TimeoutSeconds ?? AWS_DEFAULT_TASK_TIMEOUT_SECONDS);
      return { ...rest, TimeoutSeconds: timeoutSeconds, ...(HeartbeatSeconds !== undefined && HeartbeatSeconds < timeoutSeconds ? { HeartbeatSeconds } : {}) };
    }
    case 'Parallel':
      return { ...state, Branches: state.Branches.map(withStates) };
    case 'Map':
      return { ...state, ItemProcessor: { ...state.ItemProcessor, ...withStates(state.ItemProcessor) } };
    default:
      return state;
  }
}

function withStates<T extends StateMachineDefinition>(definition: T): T {
  return { ...definition, States: Object.fromEntries(Object.entries(definition.States).map(([name, state]) => [name, withState(state)])) };
}

/**
 * A copy of `definition` in which every Task state (in Parallel branches and Map processors too) has
 * the timeout Step Functions would apply, and no timeout exceeds what a Node timer can hold.
 */
export function withAwsTimeouts(definition: StateMachineDefinition): StateMachineDefinition {
  const out = withStates(definition);
  if (out.TimeoutSeconds !== undefined) out.TimeoutSeconds = capped(out.TimeoutSeconds);
  return out;
}

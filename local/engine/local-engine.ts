/**
 * The local workflow engine: runs the very ASL that would be deployed, with aws-local-stepfunctions.
 * Task states are mapped by state name to local handlers chosen from their Resource (the library
 * keys overrides by name and gives handlers only the processed input):
 *
 *   lambda:invoke (control / runner function)   → the same runtime handlers as the Lambdas
 *   lambda:invoke.waitForTaskToken              → a fresh local token; the handler (or the runner's
 *                                                 result) settles it, as SendTaskSuccess would
 *   states:startExecution.sync:2                → a child local execution, awaited
 *   states:startExecution                       → a child local execution, not awaited
 *   elasticmapreduce:addStep.sync,
 *   emr-serverless:startJobRun.sync             → the EMR / EMR Serverless APIs of the AWS environment,
 *                                                 polled until the step / job run ends (emr-integrations.ts)
 *
 * Timeouts are Step Functions': a Task state without TimeoutSeconds has no limit of its own (see
 * aws-timeouts.ts; the interpreter's own default is 60 s).
 */
import { ExecutionAbortedError, StateMachine, type StateMachineDefinition as LibraryDefinition } from 'aws-local-stepfunctions';
import type { AslState, StateMachineDefinition } from '../../shared/compiler/asl.js';
import type { CompiledDag, CompiledMachine } from '../../shared/compiler/compile.js';
import { Placeholder, Resource, RUNNER_CONTAINER } from '../../shared/compiler/resources.js';
import { executeRequestFromEnv } from '../../shared/runtime/handlers/runner-entry.js';
import type { ExecuteRequest } from '../../shared/runtime/protocol.js';
import { EXECUTION_STATUS_DETAIL_TYPE, type ExecutionStatusEvent } from '../../shared/runtime/handlers/execution-status.js';
import { withAwsTimeouts } from './aws-timeouts.js';
import { emrAddStepSync, emrServerlessStartJobRunSync, type EmrIntegrationOptions } from './emr-integrations.js';
import { HistoryEventCounter, MAX_HISTORY_EVENTS } from './history-events.js';
import type { LocalTaskTokens } from './task-tokens.js';
import type { ValidatedDefinitions } from './validated-definitions.js';

export type LocalFunction = (payload: Record<string, unknown>) => Promise<unknown>;

/** Called when an execution ended, with the event Step Functions sends to EventBridge; awaited before start() returns. */
export type ExecutionStatusListener = (event: ExecutionStatusEvent) => Promise<void>;

export interface LocalEngineDeps {
  control: LocalFunction;
  /** The runner (execute); for waitForTaskToken states its result answers the token (unless `runnerAnswersToken`). */
  runner: LocalFunction;
  /**
   * Step Functions' own behaviour: the runner invocation answers its token itself (SendTaskSuccess or
   * Failure, possibly from a later invocation: a sensor's wait handed to the sensor-poker), so what it
   * returns is ignored; only a failed invocation fails the state. Default false: locally the runner's
   * result is the answer.
   */
  runnerAnswersToken?: boolean;
  tokens: LocalTaskTokens;
  /** Definitions validated before (on disk): building those skips asl-validator. Default: validate every build. */
  validated?: ValidatedDefinitions;
  /** History events an execution may record before it fails (default Step Functions' 25,000). */
  maxHistoryEvents?: number;
  /** How EMR steps and EMR Serverless job runs are polled (default every second). */
  emr?: EmrIntegrationOptions;
}

export interface ExecutionResult {
  name: string;
  machine: string;
  /** ABORTED: stopped by abortAll() (the process is shutting down); the run is left to be recovered. */
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output?: unknown;
  error?: string;
  cause?: string;
  /** Step Functions history events the execution recorded (local/engine/history-events.ts). */
  historyEvents?: number;
}

class NotAvailableLocallyError extends Error {
  override readonly name = 'Skydag.NotAvailableLocally';
}

class ChildExecutionFailedError extends Error {
  override readonly name = 'States.TaskFailed';
}

interface RegisteredMachine {
  machine: StateMachine;
  definition: StateMachineDefinition;
  handlers: Record<string, (input: unknown) => Promise<unknown>>;
  /** A definition seen for the first time is validated while its first executions run; rejects when invalid. */
  validation?: Promise<void>;
}

const ARN_PREFIX = 'arn:aws:states:local:000000000000';

/** The "Step Functions Execution Status Change" event of an ended execution, as EventBridge delivers it. */
export function executionStatusEvent(result: ExecutionResult, input: unknown): ExecutionStatusEvent {
  const timedOut = result.status === 'FAILED' && (result.error === 'ExecutionTimeoutError' || result.error === 'States.Timeout');
  return {
    'detail-type': EXECUTION_STATUS_DETAIL_TYPE,
    source: 'aws.states',
    detail: {
      executionArn: `${ARN_PREFIX}:execution:${result.machine}:${result.name}`,
      stateMachineArn: `${ARN_PREFIX}:stateMachine:${result.machine}`,
      name: result.name,
      status: timedOut ? 'TIMED_OUT' : result.status,
      input: JSON.stringify(input ?? null),
      error: result.error ?? null,
      cause: result.cause ?? null,
    },
  };
}

/** Every Task state of a definition, including those inside Parallel branches and Map processors. */
function taskStates(definition: StateMachineDefinition): [string, Extract<AslState, { Type: 'Task' }>][] {
  const found: [string, Extract<AslState, { Type: 'Task' }>][] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task') found.push([name, state]);
    if (state.Type === 'Parallel') for (const branch of state.Branches) found.push(...taskStates(branch));
    if (state.Type === 'Map') found.push(...taskStates(state.ItemProcessor));
  }
  return found;
}

/** `dag_id/run_id` of an execution input `{run: {dag_id, run_id}}`, if it has one. */
function runKeyOf(input: unknown): string | undefined {
  const run = (input as { run?: { dag_id?: unknown; run_id?: unknown } } | null)?.run;
  return typeof run?.dag_id === 'string' && typeof run.run_id === 'string' ? `${run.dag_id}/${run.run_id}` : undefined;
}

/** asl-validator's options (ARNs are placeholders locally). */
export const ASL_VALIDATION = { checkArn: false };

export class LocalEngine {
  /**
   * Registered machines, built on first use. Building validates the definition with asl-validator,
   * which compiles its JSON schemas afresh on every call (~90 ms per machine): building eagerly made
   * registering the 87 DAGs of a DAGs folder cost ~8 s before `skydag dags test` ran a single task.
   * With `deps.validated`, a definition validated once (in any process) is not validated again.
   */
  private readonly machines = new Map<string, { compiled: CompiledMachine; partNames: ReadonlyMap<string, string>; built?: RegisteredMachine }>();
  private readonly detached = new Set<Promise<unknown>>();
  private readonly running = new Set<() => void>();
  /** In-flight executions by the run they execute (`dag_id/run_id` of their input): a run's main machine and its parts. */
  private readonly runExecutions = new Map<string, Set<() => void>>();
  private executionCounter = 0;
  private readonly statusListeners = new Set<ExecutionStatusListener>();
  private readonly recordListeners = new Set<(result: ExecutionResult) => void>();

  constructor(private readonly deps: LocalEngineDeps) {}

  /** Listens to executions' ends (what an EventBridge rule on execution status delivers in the cloud). */
  onExecutionStatusChange(listener: ExecutionStatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Told of every execution's end, parts included, with its history event count (the limit's tests, the cloud-in-a-box emulator). */
  onExecutionRecorded(listener: (result: ExecutionResult) => void): () => void {
    this.recordListeners.add(listener);
    return () => this.recordListeners.delete(listener);
  }

  /** Runs an execution to its end, then tells the status listeners (awaited, their errors logged). */
  async start(machineName: string, input: unknown, executionName?: string): Promise<ExecutionResult> {
    const result = await this.run(machineName, input, executionName);
    const event = executionStatusEvent(result, input);
    for (const listener of this.statusListeners) {
      await listener(event).catch((err: unknown) => console.warn(`skydag: handling the end of execution ${result.name} failed: ${(err as Error).message}`));
    }
    return result;
  }

  /**
   * Registers (or replaces) a DAG's machines: its main machine and any parts. With a `version`, the
   * names are qualified (`skydag-etl@3f2a…`), as each deployed DAG version is its own machine version
   * in the cloud; runs keep executing the version they started with.
   */
  register(compiled: CompiledDag, version?: string): string {
    const qualify = (name: string) => (version ? `${name}@${version}` : name);
    const partNames = new Map(compiled.machines.filter((m) => m.placeholder).map((m) => [m.placeholder!, qualify(m.name)]));
    for (const m of compiled.machines) this.machines.set(qualify(m.name), { compiled: m, partNames });
    return qualify(compiled.machines.find((m) => m.role === 'main')!.name);
  }

  /** The machine ready to run: validated and built the first time it is needed. */
  private machine(machineName: string): RegisteredMachine | undefined {
    const entry = this.machines.get(machineName);
    if (!entry) return undefined;
    entry.built ??= this.build(entry.compiled, entry.partNames);
    return entry.built;
  }

  has(machineName: string): boolean {
    return this.machines.has(machineName);
  }

  /** Runs an execution to its end. Never throws for a failed execution: the result says so. */
  private async run(machineName: string, input: unknown, executionName?: string): Promise<ExecutionResult> {
    const name = executionName ?? `local-${++this.executionCounter}`;
    let registered: RegisteredMachine | undefined;
    try {
      registered = this.machine(machineName);
    } catch (err) {
      // An invalid definition (a compiler bug) fails the execution, as CreateStateMachine would refuse it.
      return { name, machine: machineName, status: 'FAILED', error: 'InvalidDefinition', cause: (err as Error).message };
    }
    if (!registered) return { name, machine: machineName, status: 'FAILED', error: 'StateMachineDoesNotExist', cause: `no state machine '${machineName}' is registered` };
    const startTime = new Date().toISOString();
    const execution = registered.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: registered.handlers as never },
      // The context object as Step Functions provides it. Task tokens are per state in the cloud; the
      // library has one shared context, so waitForTaskToken handlers create their own tokens.
      context: {
        Execution: { Id: `${ARN_PREFIX}:execution:${machineName}:${name}`, Name: name, StartTime: startTime, Input: input },
        StateMachine: { Id: `${ARN_PREFIX}:stateMachine:${machineName}`, Name: machineName },
        Task: { Token: 'local' },
      } as never,
    });
    this.running.add(execution.abort);
    // A definition still being validated: an invalid one stops the execution, which then fails as a
    // definition CreateStateMachine would refuse (as when the constructor validates).
    let invalid: Error | undefined;
    const validated = registered.validation?.catch((error: Error) => {
      invalid = error;
      execution.abort();
    });
    const invalidEnd = (): ExecutionResult => ({ name, machine: machineName, status: 'FAILED', error: 'InvalidDefinition', cause: invalid!.message });
    // Step Functions fails an execution whose history would pass 25,000 events: so does the engine.
    const history = new HistoryEventCounter(registered.definition);
    const maxEvents = this.deps.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
    let overLimit = false;
    const overLimitEnd = (): ExecutionResult => ({ name, machine: machineName, status: 'FAILED', error: 'States.Runtime', cause: `the execution's history reached the limit of ${maxEvents} events` });
    const counted = (async () => {
      for await (const event of execution.eventLogs) {
        if (history.add(event) > maxEvents && !overLimit) {
          overLimit = true;
          execution.abort();
        }
      }
    })();
    const runKey = runKeyOf(input);
    if (runKey) {
      if (!this.runExecutions.has(runKey)) this.runExecutions.set(runKey, new Set());
      this.runExecutions.get(runKey)!.add(execution.abort);
    }
    const ended = async (result: ExecutionResult): Promise<ExecutionResult> => {
      // No execution of a definition ends before its validation has: it succeeded only if the definition is valid.
      await validated;
      const checked = invalid ? invalidEnd() : result;
      // The log closes with the execution's end event; nested branches' events are forwarded by then or dropped.
      await Promise.race([counted, new Promise((resolve) => setImmediate(resolve))]);
      // An execution can finish before the count catches up with it (a Map of Pass states runs without
      // yielding): past the limit it still failed, as Step Functions would have failed it.
      const failedLate = checked.status === 'SUCCEEDED' && history.count > maxEvents;
      const outcome = failedLate ? overLimitEnd() : checked;
      const recorded = { ...outcome, historyEvents: history.count };
      for (const listener of this.recordListeners) listener(recorded);
      return recorded;
    };
    try {
      const output = await execution.result;
      return await ended({ name, machine: machineName, status: 'SUCCEEDED', output });
    } catch (err) {
      if (overLimit) return await ended(overLimitEnd());
      if (err instanceof ExecutionAbortedError) return await ended({ name, machine: machineName, status: 'ABORTED', error: 'ExecutionAborted', cause: 'the engine was stopped' });
      const cause = (err as { cause?: { name?: string; message?: string } }).cause;
      return await ended({ name, machine: machineName, status: 'FAILED', error: cause?.name ?? (err as Error).name, cause: cause?.message ?? (err as Error).message });
    } finally {
      this.running.delete(execution.abort);
      const forRun = runKey ? this.runExecutions.get(runKey) : undefined;
      forRun?.delete(execution.abort);
      if (runKey && forRun?.size === 0) this.runExecutions.delete(runKey);
    }
  }

  /** Stops every execution in flight (shutdown); their results say ABORTED. */
  abortAll(): void {
    for (const abort of [...this.running]) abort();
  }

  /** Stops the executions in flight for one run (its main machine and parts); false when there are none. */
  abortRun(ref: { dag_id: string; run_id: string }): boolean {
    const executions = this.runExecutions.get(`${ref.dag_id}/${ref.run_id}`);
    if (!executions?.size) return false;
    for (const abort of [...executions]) abort();
    return true;
  }

  /** Whether an execution of this run (its main machine or a part) is in flight here. */
  isExecuting(ref: { dag_id: string; run_id: string }): boolean {
    return (this.runExecutions.get(`${ref.dag_id}/${ref.run_id}`)?.size ?? 0) > 0;
  }

  /** Resolves when executions started without waiting (TriggerDagRun without wait) have ended. */
  async drain(): Promise<void> {
    while (this.detached.size > 0) await Promise.allSettled([...this.detached]);
  }

  private build(compiled: CompiledMachine, partNames: ReadonlyMap<string, string>): RegisteredMachine {
    // The interpreter gives Task states without TimeoutSeconds 60 s; Step Functions gives them no limit.
    // The library adds fields (QueryLanguage) to the states it is given: it gets its own copy, so the
    // compiled definition, and the key of the next build of it, stay as compiled.
    const text = JSON.stringify(withAwsTimeouts(compiled.definition));
    const validated = this.deps.validated;
    const key = validated?.keyOf(text, ASL_VALIDATION);
    const known = key !== undefined && validated!.has(key);
    // Without a cache the constructor validates (and throws on an invalid definition); with one, a new
    // definition is validated in the background and remembered once valid.
    const machine = new StateMachine(JSON.parse(text) as LibraryDefinition, { validationOptions: validated ? { noValidate: true } : ASL_VALIDATION });
    const validation = key !== undefined && !known ? validated!.validate(text, ASL_VALIDATION).then(() => validated!.record(key)) : undefined;
    validation?.catch(() => undefined); // each execution of the machine reports it
    const handlers: RegisteredMachine['handlers'] = {};
    for (const [stateName, state] of taskStates(compiled.definition)) handlers[stateName] = this.handlerFor(state, partNames);
    return { machine, definition: compiled.definition, handlers, ...(validation ? { validation } : {}) };
  }

  private functionFor(name: unknown): LocalFunction {
    if (name === Placeholder.CONTROL_FUNCTION) return this.deps.control;
    if (name === Placeholder.RUNNER_FUNCTION) return this.deps.runner;
    throw new NotAvailableLocallyError(`no local function for ${String(name)}`);
  }

  private handlerFor(state: Extract<AslState, { Type: 'Task' }>, partNames: ReadonlyMap<string, string>): (input: unknown) => Promise<unknown> {
    switch (state.Resource) {
      case Resource.LAMBDA_INVOKE:
        return async (input) => {
          const { FunctionName, Payload } = input as { FunctionName: string; Payload: Record<string, unknown> };
          return { StatusCode: 200, Payload: (await this.functionFor(FunctionName)(Payload)) ?? null };
        };
      case Resource.LAMBDA_INVOKE_WAIT_FOR_TOKEN:
        return async (input) => {
          const { FunctionName, Payload } = input as { FunctionName: string; Payload: Record<string, unknown> };
          const { token, result } = this.deps.tokens.create();
          const fn = this.functionFor(FunctionName);
          if (FunctionName === Placeholder.RUNNER_FUNCTION) {
            // In the cloud the runner answers the token itself when its poll loop ends; here it just returns.
            fn({ ...Payload, token }).then(
              (output) => (this.deps.runnerAnswersToken ? undefined : this.deps.tokens.sendSuccess(token, output ?? {})),
              (err: Error) => this.deps.tokens.sendFailure(token, err.name, err.message),
            );
          } else {
            try {
              await fn({ ...Payload, token });
            } catch (err) {
              this.deps.tokens.discard(token);
              throw err;
            }
          }
          return result;
        };
      case Resource.ECS_RUN_TASK_WAIT_FOR_TOKEN:
        // A try longer than Lambda allows runs on Fargate in the cloud; here, the same runner as any
        // other try (a local process), fed from the container overrides the state machine built.
        return async (input) => {
          const { token, result } = this.deps.tokens.create();
          this.deps.runner({ ...executeRequestFromOverrides(input) }).then(
            (output) => this.deps.tokens.sendSuccess(token, output ?? {}),
            (err: Error) => this.deps.tokens.sendFailure(token, err.name, err.message),
          );
          return result;
        };
      case Resource.START_EXECUTION_SYNC:
        return async (input) => {
          const { StateMachineArn, Input, Name } = input as { StateMachineArn: string; Input: unknown; Name?: string };
          const result = await this.start(partNames.get(StateMachineArn) ?? StateMachineArn, Input, Name);
          if (result.status !== 'SUCCEEDED') throw new ChildExecutionFailedError(`child execution ${result.name} of ${result.machine} failed: ${result.error}: ${result.cause}`);
          return { Status: result.status, Output: result.output, Name: result.name };
        };
      case Resource.START_EXECUTION:
        return async (input) => {
          const { StateMachineArn, Input, Name } = input as { StateMachineArn: string; Input: unknown; Name?: string };
          const machine = partNames.get(StateMachineArn) ?? StateMachineArn;
          if (!this.machines.has(machine)) throw new ChildExecutionFailedError(`state machine '${machine}' does not exist`);
          const running = this.start(machine, Input, Name);
          this.detached.add(running);
          void running.finally(() => this.detached.delete(running));
          return { ExecutionArn: `local:${machine}:${Name ?? ''}`, StartDate: new Date().toISOString() };
        };
      case Resource.EMR_ADD_STEP_SYNC:
        return emrAddStepSync(this.deps.emr);
      case Resource.EMR_SERVERLESS_START_JOB_RUN_SYNC:
        return emrServerlessStartJobRunSync(this.deps.emr);
      default:
        return async () => {
          throw new NotAvailableLocallyError(`${state.Resource} is not available in local mode`);
        };
    }
  }
}

/** The execute request an ecs:runTask state's container overrides describe (the token stays with the engine). */
export function executeRequestFromOverrides(input: unknown): ExecuteRequest {
  const overrides = (input as { Overrides?: { ContainerOverrides?: { Name?: string; Environment?: { Name: string; Value: string }[] }[] } }).Overrides;
  const container = overrides?.ContainerOverrides?.find((c) => c.Name === RUNNER_CONTAINER);
  const { token: _token, ...request } = executeRequestFromEnv(Object.fromEntries((container?.Environment ?? []).map((e) => [e.Name, e.Value])));
  return request;
}

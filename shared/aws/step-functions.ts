/**
 * Step Functions adapters: the task-token port of the runtime handlers (SendTaskSuccess/Failure, and
 * heartbeats for long tries), starting/stopping/describing a run's execution, and deploying a DAG
 * version's state machine (create or update, publish a version, point the DAG's alias at it).
 */
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListStateMachineAliasesCommand,
  PublishStateMachineVersionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { TaskTokens } from '../runtime/handlers/deps.js';
import { TaskTokenGoneError, TOKEN_GONE_REASONS, type TokenGoneReason } from '../runtime/handlers/token-answers.js';
import { executionName } from '../runtime/execution-names.js';
import { errorName, withRetries, type RetryOptions } from './retry.js';

/** Step Functions' limits on SendTaskFailure (characters). */
export const MAX_TASK_ERROR_CHARS = 256;
export const MAX_TASK_CAUSE_CHARS = 32_768;
/**
 * The token port's adapter. Nothing waits for a token that timed out, was answered already (a
 * duplicate delivery) or whose execution ended: those answers throw TaskTokenGoneError, as the port
 * says. Every other error propagates after the SDK's own retries; callers answer through
 * deliverAnswer (token-answers.ts), which retries with backoff, so this adapter does not retry again.
 */
export class SfnTaskTokens implements TaskTokens {
  constructor(private readonly client: Pick<SFNClient, 'send'>) {}

  sendSuccess(token: string, output: unknown): Promise<void> {
    return this.answer(() => this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output ?? {}) })));
  }

  sendFailure(token: string, error: string, cause: string): Promise<void> {
    return this.answer(() =>
      this.client.send(new SendTaskFailureCommand({ taskToken: token, error: truncate(error, MAX_TASK_ERROR_CHARS), cause: truncate(cause, MAX_TASK_CAUSE_CHARS) })),
    );
  }

  /** Keeps a waiting state with HeartbeatSeconds alive (long tries on ECS, sensors between pokes). */
  sendHeartbeat(token: string): Promise<void> {
    return this.answer(() => this.client.send(new SendTaskHeartbeatCommand({ taskToken: token })));
  }

  private async answer(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      const name = errorName(error);
      if ((TOKEN_GONE_REASONS as readonly string[]).includes(name)) throw new TaskTokenGoneError(name as TokenGoneReason, error instanceof Error ? error.message : name);
      throw error;
    }
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export interface ExecutionDescription {
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
  startDate?: Date;
  stopDate?: Date;
  error?: string;
  cause?: string;
}

export class SfnExecutions {
  constructor(
    private readonly client: Pick<SFNClient, 'send'>,
    private readonly retry: RetryOptions = {},
  ) {}

  /**
   * Starts the execution of one run's generation (the run's `generation`, 0 for its first execution;
   * names from execution-names.ts). Idempotent: Step Functions answers a repeated
   * StartExecution with the same name and input with the running execution's ARN.
   */
  async start(request: { stateMachineArn: string; run: { dag_id: string; run_id: string }; generation: number }): Promise<string> {
    const input = JSON.stringify({ run: { dag_id: request.run.dag_id, run_id: request.run.run_id } });
    const out = await withRetries(
      () => this.client.send(new StartExecutionCommand({ stateMachineArn: request.stateMachineArn, name: executionName(request.run, request.generation), input })),
      this.retry,
    );
    return out.executionArn!;
  }

  /** Stops an execution (a run marked failed/success, a removed DAG); stopping an ended one is not an error. */
  async stop(executionArn: string, error: string, cause: string): Promise<void> {
    try {
      await withRetries(() => this.client.send(new StopExecutionCommand({ executionArn, error: truncate(error, MAX_TASK_ERROR_CHARS), cause: truncate(cause, MAX_TASK_CAUSE_CHARS) })), this.retry);
    } catch (e) {
      if (errorName(e) !== 'ExecutionDoesNotExist') throw e;
    }
  }

  async describe(executionArn: string): Promise<ExecutionDescription | undefined> {
    try {
      const out = await withRetries(() => this.client.send(new DescribeExecutionCommand({ executionArn })), this.retry);
      return {
        status: out.status as ExecutionDescription['status'],
        ...(out.startDate ? { startDate: out.startDate } : {}),
        ...(out.stopDate ? { stopDate: out.stopDate } : {}),
        ...(out.error !== undefined ? { error: out.error } : {}),
        ...(out.cause !== undefined ? { cause: out.cause } : {}),
      };
    } catch (e) {
      if (errorName(e) === 'ExecutionDoesNotExist') return undefined;
      throw e;
    }
  }
}

export interface MachineDeployment {
  /** The state machine's name (one per DAG and part; `shared/compiler` names them). */
  name: string;
  definition: object;
  roleArn: string;
  /** Written into the published version's description (the DAG version it runs). */
  versionDescription: string;
  /** The alias runs of the DAG start through (e.g. `live`). */
  alias: string;
  /** CloudWatch log group (its ARN ending in `:*`) executions log to, at level ERROR with execution data. */
  logGroupArn?: string;
  /** X-Ray tracing of executions. */
  tracing?: boolean;
}

/** Logging and tracing of a deployment, as CreateStateMachine and UpdateStateMachine take them. */
function observability(deployment: MachineDeployment) {
  return {
    ...(deployment.logGroupArn
      ? { loggingConfiguration: { level: 'ERROR' as const, includeExecutionData: true, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: deployment.logGroupArn } }] } }
      : {}),
    ...(deployment.tracing !== undefined ? { tracingConfiguration: { enabled: deployment.tracing } } : {}),
  };
}

/**
 * Deploys one state machine of a DAG version: creates it the first time, else updates its definition;
 * publishes an immutable version (runs created with this DAG version keep executing it) and points
 * the alias at it. Returns the version ARN.
 */
export async function deployStateMachine(client: Pick<SFNClient, 'send'>, deployment: MachineDeployment, arnPrefix: string): Promise<{ stateMachineArn: string; versionArn: string; aliasArn: string }> {
  const definition = JSON.stringify(deployment.definition);
  const stateMachineArn = `${arnPrefix}${deployment.name}`;
  let versionArn: string;
  try {
    const created = await client.send(new CreateStateMachineCommand({ name: deployment.name, definition, roleArn: deployment.roleArn, type: 'STANDARD', publish: true, versionDescription: deployment.versionDescription, ...observability(deployment) }));
    versionArn = created.stateMachineVersionArn!;
  } catch (error) {
    if (errorName(error) !== 'StateMachineAlreadyExists') throw error;
    await client.send(new UpdateStateMachineCommand({ stateMachineArn, definition, roleArn: deployment.roleArn, ...observability(deployment) }));
    // Publishing the same definition again returns the existing version (Step Functions dedupes by revision).
    const published = await client.send(new PublishStateMachineVersionCommand({ stateMachineArn, description: deployment.versionDescription }));
    versionArn = published.stateMachineVersionArn!;
  }
  const routing = [{ stateMachineVersionArn: versionArn, weight: 100 }];
  const aliases = await client.send(new ListStateMachineAliasesCommand({ stateMachineArn }));
  const existing = aliases.stateMachineAliases?.find((a) => a.stateMachineAliasArn?.endsWith(`:${deployment.alias}`));
  if (existing?.stateMachineAliasArn) {
    await client.send(new UpdateStateMachineAliasCommand({ stateMachineAliasArn: existing.stateMachineAliasArn, routingConfiguration: routing }));
    return { stateMachineArn, versionArn, aliasArn: existing.stateMachineAliasArn };
  }
  const alias = await client.send(new CreateStateMachineAliasCommand({ name: deployment.alias, routingConfiguration: routing }));
  return { stateMachineArn, versionArn, aliasArn: alias.stateMachineAliasArn! };
}

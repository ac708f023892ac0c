/**
 * An in-process Step Functions for the cloud-in-a-box test, spoken to over HTTP by the real SDK
 * clients (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Operation>`). Executions run the compiled
 * ASL in aws-local-stepfunctions (through the local engine's state mapping); their Task states invoke
 * the bundled Lambda handlers through `invoke` (Lambda's Invoke API). Step Functions' rules that
 * matter to skydag are enforced: execution names (1–80 characters of [A-Za-z0-9-_]), one execution
 * per name (StartExecution again with the same name and input answers the same execution, other input
 * is ExecutionAlreadyExists), the 256 KB limit on inputs and task outputs, token errors
 * (TaskTimedOut for tokens nothing awaits), and the EventBridge event of each ended execution.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CompiledDag } from '../../shared/compiler/compile.js';
import type { ExecutionStatusEvent } from '../../shared/runtime/handlers/execution-status.js';
import { TaskTokenGoneError } from '../../shared/runtime/handlers/token-answers.js';
import { LocalEngine, type LocalFunction } from '../../local/engine/local-engine.js';
import { LocalTaskTokens } from '../../local/engine/task-tokens.js';

export const MAX_PAYLOAD_BYTES = 256 * 1024;
const NAME = /^[A-Za-z0-9_-]{1,80}$/;

class SfnError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The runner answers its own token (SendTaskSuccess over HTTP, `runnerAnswersToken`); the engine
 * still answers tokens for failed invocations, which may find the runner's answer there first: not
 * an error here.
 */
class EmulatedTokens extends LocalTaskTokens {
  readonly heartbeats: string[] = [];
  override async sendSuccess(token: string, output: unknown): Promise<void> {
    await super.sendSuccess(token, output).catch(ignoreGone);
  }
  override async sendFailure(token: string, error: string, cause: string): Promise<void> {
    await super.sendFailure(token, error, cause).catch(ignoreGone);
  }
  /** SendTask* from the API: errors are the caller's to see. */
  answer(token: string, outcome: { output: unknown } | { error: string; cause: string }): Promise<void> {
    return 'output' in outcome ? LocalTaskTokens.prototype.sendSuccess.call(this, token, outcome.output) : LocalTaskTokens.prototype.sendFailure.call(this, token, outcome.error, outcome.cause);
  }
}

function ignoreGone(error: unknown): void {
  if (!(error instanceof TaskTokenGoneError)) throw error;
}

interface Execution {
  arn: string;
  machineArn: string;
  name: string;
  input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  run?: { dag_id: string; run_id: string };
}

export interface SfnEmulatorOptions {
  /** Invokes a Lambda function (by the compiled ASL's placeholder value: control or runner). */
  invoke(functionName: 'control' | 'runner', payload: Record<string, unknown>): Promise<unknown>;
  /** Where execution-status events go (the EventBridge rule → the execution-status Lambda). */
  onExecutionEnded(event: ExecutionStatusEvent): Promise<void>;
}

export class SfnEmulator {
  readonly tokens = new EmulatedTokens();
  readonly engine: LocalEngine;
  readonly executions = new Map<string, Execution>();
  /** API calls by operation (what the adapters asked for). */
  readonly calls = new Map<string, number>();
  private server?: Server;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    readonly arnPrefix: string,
    private readonly options: SfnEmulatorOptions,
  ) {
    const fn =
      (name: 'control' | 'runner'): LocalFunction =>
      (payload) =>
        options.invoke(name, payload);
    this.engine = new LocalEngine({ control: fn('control'), runner: fn('runner'), tokens: this.tokens, runnerAnswersToken: true });
    this.engine.onExecutionStatusChange((event) => this.ended(event));
  }

  /**
   * Deploys a DAG's machines under the ARNs the cloud gives them (`<prefix><machine>:<alias>`), as
   * the deployer would; returns the main machine's ARN.
   */
  deploy(compiled: CompiledDag, alias = 'live'): string {
    const named: CompiledDag = { ...compiled, machines: compiled.machines.map((m) => ({ ...m, name: `${this.arnPrefix}${m.name}:${alias}` })) };
    return this.engine.register(named);
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        (body) => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(body)),
        (error: unknown) => {
          const e = error instanceof SfnError ? error : new SfnError('InternalFailure', (error as Error).message);
          res.writeHead(e.type === 'InternalFailure' ? 500 : 400, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: `com.amazonaws.states#${e.type}`, message: e.message }));
        },
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Resolves once no execution is running. */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async close(): Promise<void> {
    this.engine.abortAll();
    await this.drain();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string | undefined>;
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    switch (operation) {
      case 'StartExecution':
        return this.start(body.stateMachineArn ?? '', body.name ?? '', body.input ?? '{}');
      case 'DescribeExecution':
        return this.describe(body.executionArn ?? '');
      case 'StopExecution':
        return this.stop(body.executionArn ?? '', body.error, body.cause);
      case 'SendTaskSuccess':
        if (Buffer.byteLength(body.output ?? '', 'utf8') > MAX_PAYLOAD_BYTES) throw new SfnError('InvalidOutput', 'the output exceeds 256 KB');
        await this.answer(body.taskToken ?? '', { output: JSON.parse(body.output ?? 'null') as unknown });
        return {};
      case 'SendTaskFailure':
        await this.answer(body.taskToken ?? '', { error: body.error ?? '', cause: body.cause ?? '' });
        return {};
      case 'SendTaskHeartbeat':
        this.tokens.heartbeats.push(body.taskToken ?? '');
        return {};
      default:
        throw new SfnError('UnknownOperationException', `operation ${operation} is not emulated`);
    }
  }

  private async answer(token: string, outcome: { output: unknown } | { error: string; cause: string }): Promise<void> {
    try {
      await this.tokens.answer(token, outcome);
    } catch (error) {
      if (error instanceof TaskTokenGoneError) throw new SfnError(error.reason, error.message);
      throw error;
    }
  }

  private executionArn(machineArn: string, name: string): string {
    // Executions are named under the state machine, whatever version or alias started them.
    const machine = machineArn.slice(this.arnPrefix.length).split(':')[0];
    return `${this.arnPrefix.replace(/:stateMachine:$/, ':execution:')}${machine}:${name}`;
  }

  private start(machineArn: string, name: string, input: string): unknown {
    if (!NAME.test(name)) throw new SfnError('InvalidName', `invalid execution name '${name}'`);
    if (Buffer.byteLength(input, 'utf8') > MAX_PAYLOAD_BYTES) throw new SfnError('InvalidExecutionInput', 'the input exceeds 256 KB');
    if (!this.engine.has(machineArn)) throw new SfnError('StateMachineDoesNotExist', `state machine ${machineArn} does not exist`);
    const arn = this.executionArn(machineArn, name);
    const existing = this.executions.get(arn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn: arn, startDate: existing.startDate };
      throw new SfnError('ExecutionAlreadyExists', `execution ${arn} already exists`);
    }
    const parsed = JSON.parse(input) as { run?: { dag_id: string; run_id: string } };
    const execution: Execution = { arn, machineArn, name, input, status: 'RUNNING', startDate: Date.now() / 1000, ...(parsed.run ? { run: parsed.run } : {}) };
    this.executions.set(arn, execution);
    const running = this.engine.start(machineArn, parsed, name).then((result) => {
      execution.stopDate = Date.now() / 1000;
      if (execution.status === 'RUNNING') execution.status = result.status === 'FAILED' && /Timeout/.test(result.error ?? '') ? 'TIMED_OUT' : result.status;
      if (result.output !== undefined) execution.output = JSON.stringify(result.output);
      if (result.error !== undefined) execution.error = result.error;
      if (result.cause !== undefined) execution.cause = result.cause;
    });
    this.inflight.add(running);
    void running.finally(() => this.inflight.delete(running));
    return { executionArn: arn, startDate: execution.startDate };
  }

  private describe(arn: string): unknown {
    const e = this.executions.get(arn);
    if (!e) throw new SfnError('ExecutionDoesNotExist', `execution ${arn} does not exist`);
    return {
      executionArn: e.arn,
      stateMachineArn: e.machineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      input: e.input,
      ...(e.stopDate ? { stopDate: e.stopDate } : {}),
      ...(e.output !== undefined ? { output: e.output } : {}),
      ...(e.error !== undefined ? { error: e.error } : {}),
      ...(e.cause !== undefined ? { cause: e.cause } : {}),
    };
  }

  private stop(arn: string, error?: string, cause?: string): unknown {
    const e = this.executions.get(arn);
    if (!e) throw new SfnError('ExecutionDoesNotExist', `execution ${arn} does not exist`);
    if (e.status === 'RUNNING' && e.run) {
      e.status = 'ABORTED';
      if (error !== undefined) e.error = error;
      if (cause !== undefined) e.cause = cause;
      this.engine.abortRun(e.run);
    }
    return { stopDate: Date.now() / 1000 };
  }

  private async ended(event: ExecutionStatusEvent): Promise<void> {
    const arn = this.executionArn(event.detail.stateMachineArn.replace(/^.*:stateMachine:/, this.arnPrefix), event.detail.name);
    const status = this.executions.get(arn)?.status ?? event.detail.status;
    await this.options.onExecutionEnded({ ...event, detail: { ...event.detail, executionArn: arn, status } });
  }
}

/**
 * An in-process EventBridge Scheduler for the cloud-in-a-box test, spoken to over HTTP by the real SDK
 * client (REST-JSON: `POST|PUT|GET|DELETE /schedules/{Name}`, errors named by `x-amzn-ErrorType`).
 * What skydag relies on is enforced: a name is unique within its group (CreateSchedule again is
 * ConflictException, UpdateSchedule/DeleteSchedule of none is ResourceNotFoundException), names are
 * 1–64 characters of [0-9a-zA-Z-_.], an `at()` one-shot fires its target once with its Input and
 * then deletes itself (ActionAfterCompletion DELETE). Time is compressed: a one-shot fires `fireAfterMs`
 * after its creation, not at its `at()` time (a minute or more ahead), so the test does not wait.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;
const AT = /^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/;

export interface ScheduleRequest {
  operation: 'CreateSchedule' | 'UpdateSchedule' | 'DeleteSchedule' | 'GetSchedule';
  name: string;
  body: Record<string, unknown>;
}

interface Schedule {
  name: string;
  group: string;
  expression: string;
  target: { Arn: string; RoleArn: string; Input?: string };
  afterCompletion?: string;
}

export interface SchedulerEmulatorOptions {
  /** Invokes the target Lambda (by the function name ending its ARN) with the schedule's Input. */
  invoke(functionName: string, payload: unknown): Promise<unknown>;
  fireAfterMs?: number;
}

class SchedulerError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export class SchedulerEmulator {
  readonly schedules = new Map<string, Schedule>();
  /** Every request, in order (what the adapters asked for). */
  readonly requests: ScheduleRequest[] = [];
  /** One-shots fired: the function invoked and its input. */
  readonly fired: { functionName: string; input: unknown; error?: string }[] = [];
  private server?: Server;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly options: SchedulerEmulatorOptions) {}

  async listen(): Promise<string> {
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Waits until every one-shot fired so far has finished its invocation (and those it scheduled theirs). */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async close(): Promise<void> {
    await this.drain();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      const url = new URL(req.url ?? '/', 'http://scheduler');
      const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
      if (!match) throw new SchedulerError(404, 'ResourceNotFoundException', `no route ${req.method} ${url.pathname}`);
      const name = decodeURIComponent(match[1]!);
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const group = String(body.GroupName ?? url.searchParams.get('groupName') ?? 'default');
      const result = this.handle(req.method ?? 'GET', name, group, body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      const e = error instanceof SchedulerError ? error : new SchedulerError(400, 'ValidationException', (error as Error).message);
      res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.type }).end(JSON.stringify({ Message: e.message }));
    }
  }

  private handle(method: string, name: string, group: string, body: Record<string, unknown>): unknown {
    const operations: Record<string, ScheduleRequest['operation']> = { POST: 'CreateSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule', GET: 'GetSchedule' };
    const operation = operations[method];
    if (!operation) throw new SchedulerError(405, 'ValidationException', `method ${method}`);
    this.requests.push({ operation, name, body });
    if (!NAME.test(name)) throw new SchedulerError(400, 'ValidationException', `schedule name '${name}' is not 1-64 characters of [0-9a-zA-Z-_.]`);
    const key = `${group}/${name}`;
    const existing = this.schedules.get(key);
    const arn = `arn:aws:scheduler:us-east-1:123456789012:schedule/${group}/${name}`;
    switch (operation) {
      case 'GetSchedule':
        if (!existing) throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
        return { Arn: arn, Name: name, GroupName: group, ScheduleExpression: existing.expression, Target: existing.target };
      case 'DeleteSchedule':
        if (!existing) throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
        this.schedules.delete(key);
        return {};
      case 'CreateSchedule':
      case 'UpdateSchedule': {
        if (operation === 'CreateSchedule' && existing) throw new SchedulerError(409, 'ConflictException', `Schedule ${name} already exists.`);
        if (operation === 'UpdateSchedule' && !existing) throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
        const expression = String(body.ScheduleExpression ?? '');
        const target = body.Target as Schedule['target'] | undefined;
        if (!target?.Arn || !target.RoleArn) throw new SchedulerError(400, 'ValidationException', 'Target.Arn and Target.RoleArn are required');
        if ((body.FlexibleTimeWindow as { Mode?: string } | undefined)?.Mode === undefined) throw new SchedulerError(400, 'ValidationException', 'FlexibleTimeWindow is required');
        const schedule: Schedule = { name, group, expression, target, ...(typeof body.ActionAfterCompletion === 'string' ? { afterCompletion: body.ActionAfterCompletion } : {}) };
        this.schedules.set(key, schedule);
        if (AT.test(expression) && body.State !== 'DISABLED') this.fireLater(key, schedule);
        return { ScheduleArn: arn };
      }
    }
  }

  private fireLater(key: string, schedule: Schedule): void {
    const fired = new Promise<void>((resolve) => setTimeout(resolve, this.options.fireAfterMs ?? 200)).then(async () => {
      if (this.schedules.get(key) !== schedule) return; // deleted or replaced before it fired
      if (schedule.afterCompletion === 'DELETE') this.schedules.delete(key);
      const functionName = schedule.target.Arn.split(':').pop()!;
      const input = schedule.target.Input === undefined ? {} : (JSON.parse(schedule.target.Input) as unknown);
      try {
        await this.options.invoke(functionName, input);
        this.fired.push({ functionName, input });
      } catch (error) {
        this.fired.push({ functionName, input, error: (error as Error).message });
      }
    });
    this.inflight.add(fired);
    void fired.finally(() => this.inflight.delete(fired));
  }
}

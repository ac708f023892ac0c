/**
 * EventBridge Scheduler adapters: one schedule (or two, when a Unix cron ORs day-of-month and
 * day-of-week: shared/compiler/eventbridge.ts) per DAG that invokes the scheduler pass for it, kept in
 * step with the DAG's schedule and pause state; and `at()` one-shots that invoke a target once at a
 * given instant and delete themselves (token waits between invocations: sensors between pokes, Livy
 * batches between polls — the task token stays sealed in the store, not in the schedule's input).
 */
import { createHash } from 'node:crypto';
import { CreateScheduleCommand, DeleteScheduleCommand, UpdateScheduleCommand, type CreateScheduleCommandInput, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { EventBridgeSchedule } from '../compiler/eventbridge.js';
import { errorName, withRetries, type RetryOptions } from './retry.js';

/** EventBridge Scheduler's limit on schedule names ([0-9a-zA-Z-_.], 1–64). */
export const MAX_SCHEDULE_NAME_CHARS = 64;
/** The most expressions a DAG's schedule translates to. */
const MAX_EXPRESSIONS = 2;

export interface SchedulerTarget {
  /** ARN of what the schedule invokes (the scheduler-pass Lambda, the sensor-poke Lambda, …). */
  arn: string;
  /** Role EventBridge Scheduler assumes to invoke it. */
  roleArn: string;
}

export interface SchedulerOptions {
  /** Schedule group of this deployment (one per stack). */
  groupName: string;
  retry?: RetryOptions;
}

/** A schedule name for `label` (a DAG id, a try): readable where it can be, a hash keeps distinct labels distinct. */
export function scheduleName(kind: string, label: string, index?: number): string {
  const hash = createHash('sha256').update(label).digest('hex').slice(0, 10);
  const suffix = `${index === undefined ? '' : `-${index}`}-${hash}`;
  const head = `${kind}-`;
  const readable = label.replace(/[^0-9A-Za-z_.-]/g, '_').slice(0, MAX_SCHEDULE_NAME_CHARS - head.length - suffix.length);
  return `${head}${readable}${suffix}`;
}

/** `at()` wants a local date-time without zone or fraction: the instant in UTC, to the second. */
export function atExpression(when: Date): string {
  return `at(${when.toISOString().slice(0, 19)})`;
}

export class EventBridgeSchedules {
  private readonly retry: RetryOptions;

  constructor(
    private readonly client: Pick<SchedulerClient, 'send'>,
    private readonly options: SchedulerOptions,
  ) {
    this.retry = options.retry ?? {};
  }

  /**
   * Creates or updates the schedules of a DAG (`schedule` null: the DAG has none, its schedules are
   * deleted). A paused DAG keeps its schedules, disabled.
   */
  async putDagSchedule(dagId: string, schedule: EventBridgeSchedule | null, target: SchedulerTarget, options: { paused: boolean }): Promise<string[]> {
    const expressions = schedule?.expressions ?? [];
    if (expressions.length > MAX_EXPRESSIONS) throw new Error(`DAG '${dagId}': ${expressions.length} schedule expressions (at most ${MAX_EXPRESSIONS})`);
    const names: string[] = [];
    for (const [i, expression] of expressions.entries()) {
      const name = scheduleName('dag', dagId, i);
      names.push(name);
      await this.upsert({
        Name: name,
        GroupName: this.options.groupName,
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: schedule!.timezone,
        // rate() counts from its start; at() names its own instant.
        ...(schedule!.start_date && expression.startsWith('rate(') ? { StartDate: new Date(schedule!.start_date) } : {}),
        State: options.paused ? 'DISABLED' : 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Description: `skydag scheduler pass for DAG ${dagId}`.slice(0, 512),
        Target: { Arn: target.arn, RoleArn: target.roleArn, Input: JSON.stringify({ dag_id: dagId }) },
      });
    }
    // A schedule that now has fewer expressions (or none) leaves no stale one firing.
    for (let i = expressions.length; i < MAX_EXPRESSIONS; i++) await this.deleteIfExists(scheduleName('dag', dagId, i));
    return names;
  }

  /** Deletes every schedule of a DAG (its file was removed). */
  async deleteDagSchedule(dagId: string): Promise<void> {
    for (let i = 0; i < MAX_EXPRESSIONS; i++) await this.deleteIfExists(scheduleName('dag', dagId, i));
  }

  /**
   * Invokes `target` once at `when` with `input` (then the schedule deletes itself). `label` names it
   * (e.g. `dag/run/task/try/invocation`): creating the same label twice is one one-shot (a twin's
   * CreateSchedule answers ConflictException, which is success here), so a label must name one
   * invocation whose input never changes.
   */
  async at(label: string, when: Date, target: SchedulerTarget, input: unknown): Promise<string> {
    const name = scheduleName('at', label);
    try {
      await withRetries(
        () =>
          this.client.send(
            new CreateScheduleCommand({
              Name: name,
              GroupName: this.options.groupName,
              ScheduleExpression: atExpression(when),
              ScheduleExpressionTimezone: 'UTC',
              State: 'ENABLED',
              FlexibleTimeWindow: { Mode: 'OFF' },
              ActionAfterCompletion: 'DELETE',
              Target: { Arn: target.arn, RoleArn: target.roleArn, Input: JSON.stringify(input) },
            }),
          ),
        this.retry,
      );
    } catch (error) {
      if (errorName(error) !== 'ConflictException') throw error;
    }
    return name;
  }

  /** Cancels a one-shot that has not fired (the run ended first). */
  async cancelAt(label: string): Promise<void> {
    await this.deleteIfExists(scheduleName('at', label));
  }

  /** UpdateSchedule replaces a schedule whole; the first time there is none to update. */
  private async upsert(input: CreateScheduleCommandInput): Promise<void> {
    try {
      await withRetries(() => this.client.send(new UpdateScheduleCommand(input)), this.retry);
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
      try {
        await withRetries(() => this.client.send(new CreateScheduleCommand(input)), this.retry);
      } catch (createError) {
        // A twin created it in between: ours is the newer content.
        if (errorName(createError) !== 'ConflictException') throw createError;
        await withRetries(() => this.client.send(new UpdateScheduleCommand(input)), this.retry);
      }
    }
  }

  private async deleteIfExists(name: string): Promise<void> {
    try {
      await withRetries(() => this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.options.groupName })), this.retry);
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }
}

/**
 * The WaitScheduler in the cloud: the next invocation of a handed-off wait is an EventBridge Scheduler
 * `at()` one-shot in this deployment's group (flexible window off, deleted after it fires) whose
 * target is the sensor-poker Lambda and whose input is the ResumeWaitRequest — run, task, try and
 * invocation number, never the task token (the store keeps it sealed). One schedule per invocation,
 * named from all of these: a twin hand-off or a reconciler repair of one that still exists is the same
 * schedule.
 */
import type { WaitScheduler } from '../runtime/handlers/deps.js';
import type { ResumeWaitRequest } from '../runtime/protocol.js';
import type { EventBridgeSchedules, SchedulerTarget } from './scheduler.js';

/** One-shots fire by the minute; one asked for sooner (a repair "now", a short poke interval) is set a minute ahead. */
export const MIN_SCHEDULE_LEAD_MS = 60_000;
/** What an invocation may spend waiting in place: the Lambda's 15 minutes less room for the poke itself and the answer. */
export const DEFAULT_WAIT_BUDGET_MS = 10 * 60_000;

export class ScheduledWaits implements WaitScheduler {
  constructor(
    private readonly schedules: Pick<EventBridgeSchedules, 'at'>,
    private readonly poker: SchedulerTarget,
    private readonly clock: () => Date = () => new Date(),
    readonly budgetMs: number = DEFAULT_WAIT_BUDGET_MS,
  ) {}

  async schedule(request: ResumeWaitRequest, at: Date): Promise<void> {
    const earliest = this.clock().getTime() + MIN_SCHEDULE_LEAD_MS;
    const when = new Date(Math.max(at.getTime(), earliest));
    const label = `${request.run.dag_id}/${request.run.run_id}/${request.task_id}/${request.map_index ?? -1}/${request.try_number}/${request.invocation}`;
    await this.schedules.at(label, when, this.poker, request);
  }
}

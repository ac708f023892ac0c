/**
 * The DAG deployer's AWS adapters (ports in shared/deploy/dag-deployer.ts): state machines published
 * through Step Functions (create or update with logging and tracing, publish a version, move the
 * alias) and a DAG's schedules in EventBridge Scheduler, invoking the scheduler pass.
 */
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { EventBridgeSchedule } from '../compiler/eventbridge.js';
import type { DagSchedules, MachinePublisher } from '../deploy/dag-deployer.js';
import { EventBridgeSchedules, type SchedulerTarget } from './scheduler.js';
import { deployStateMachine } from './step-functions.js';

export interface SfnMachinePublisherOptions {
  /** `arn:aws:states:<region>:<account>:stateMachine:` */
  arnPrefix: string;
  roleArn: string;
  alias: string;
  /** Executions log here at level ERROR (the stack's failed-run alarm reads it); absent: no logging. */
  logGroupArn?: string;
}

export class SfnMachinePublisher implements MachinePublisher {
  constructor(
    private readonly client: Pick<SFNClient, 'send'>,
    private readonly options: SfnMachinePublisherOptions,
  ) {}

  async publish(machine: { name: string; definition: object; versionDescription: string }): Promise<string> {
    const deployed = await deployStateMachine(
      this.client,
      {
        ...machine,
        roleArn: this.options.roleArn,
        alias: this.options.alias,
        tracing: true,
        ...(this.options.logGroupArn ? { logGroupArn: this.options.logGroupArn } : {}),
      },
      this.options.arnPrefix,
    );
    return deployed.versionArn;
  }
}

export class SchedulerDagSchedules implements DagSchedules {
  private readonly schedules: EventBridgeSchedules;

  /** `target`: the scheduler-pass function and the role Scheduler invokes it with. */
  constructor(
    client: Pick<SchedulerClient, 'send'>,
    groupName: string,
    private readonly target: SchedulerTarget,
  ) {
    this.schedules = new EventBridgeSchedules(client, { groupName });
  }

  async put(dagId: string, schedule: EventBridgeSchedule | null): Promise<void> {
    await this.schedules.putDagSchedule(dagId, schedule, this.target, { paused: false });
  }

  async disable(dagId: string, schedule: EventBridgeSchedule | null): Promise<void> {
    await this.schedules.putDagSchedule(dagId, schedule, this.target, { paused: true });
  }
}

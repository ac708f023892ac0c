import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { WaitAction, type ResumeWaitRequest } from '../runtime/protocol.js';
import { ScheduledWaits } from './scheduled-waits.js';
import { EventBridgeSchedules, scheduleName } from './scheduler.js';

const scheduler = mockClient(SchedulerClient);
beforeEach(() => scheduler.reset());

const poker = { arn: 'arn:aws:lambda:eu-west-1:123456789012:function:skydag-sensor-poker', roleArn: 'arn:aws:iam::123456789012:role/skydag-scheduler' };
const now = new Date('2024-05-01T12:00:00.000Z');
const waits = () => new ScheduledWaits(new EventBridgeSchedules(new SchedulerClient({}), { groupName: 'skydag-box', retry: { sleep: async () => undefined } }), poker, () => now);
const request: ResumeWaitRequest = { action: WaitAction.RESUME, run: { dag_id: 'etl', run_id: 'scheduled__2024-05-01T00:00:00+00:00' }, task_id: 'wait_file', try_number: 2, invocation: 3 };

describe('ScheduledWaits (EventBridge Scheduler one-shots invoking the sensor-poker)', () => {
  it('creates one at() schedule in the group for the invocation, flexible window off, deleted after it fires, the request as input and no token', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:s' });
    await waits().schedule(request, new Date('2024-05-01T12:05:30.250Z'));
    const calls = scheduler.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input).toEqual({
      Name: scheduleName('at', 'etl/scheduled__2024-05-01T00:00:00+00:00/wait_file/-1/2/3'),
      GroupName: 'skydag-box',
      ScheduleExpression: 'at(2024-05-01T12:05:30)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: poker.arn, RoleArn: poker.roleArn, Input: JSON.stringify(request) },
    });
    expect(input.Name!.length).toBeLessThanOrEqual(64);
    expect(input.Target!.Input).not.toMatch(/token/i);
  });

  it('a time less than a minute ahead (or past: a repair) is set a minute ahead; invocations and map indexes are distinct schedules', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:s' });
    await waits().schedule(request, new Date('2024-04-30T00:00:00Z'));
    await waits().schedule({ ...request, invocation: 4, map_index: 1 }, new Date('2024-05-01T12:00:10Z'));
    const [past, mapped] = scheduler.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input);
    expect(past!.ScheduleExpression).toBe('at(2024-05-01T12:01:00)');
    expect(mapped!.ScheduleExpression).toBe('at(2024-05-01T12:01:00)');
    expect(mapped!.Name).toBe(scheduleName('at', 'etl/scheduled__2024-05-01T00:00:00+00:00/wait_file/1/2/4'));
    expect(mapped!.Name).not.toBe(past!.Name);
  });
});

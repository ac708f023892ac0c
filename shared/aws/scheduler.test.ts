import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, ResourceNotFoundException, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { toEventBridgeSchedule } from '../compiler/eventbridge.js';
import { atExpression, EventBridgeSchedules, scheduleName } from './scheduler.js';

const scheduler = mockClient(SchedulerClient);
beforeEach(() => scheduler.reset());

const notFound = () => new ResourceNotFoundException({ Message: 'no such schedule', message: 'no such schedule', $metadata: {} });
const target = { arn: 'arn:aws:lambda:eu-west-1:1:function:skydag-scheduler', roleArn: 'arn:aws:iam::1:role/skydag-scheduler' };
const schedules = () => new EventBridgeSchedules(new SchedulerClient({}), { groupName: 'skydag', retry: { sleep: async () => undefined } });

describe('per-DAG schedules', () => {
  it('creates one schedule per expression the first time, in the DAG zone, disabled while paused', async () => {
    scheduler.on(UpdateScheduleCommand).rejects(notFound()).on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:s' }).on(DeleteScheduleCommand).rejects(notFound());
    // Unix cron ORs day-of-month and day-of-week: two EventBridge schedules.
    const schedule = toEventBridgeSchedule({ type: 'cron', cron: '0 6 1 * MON' }, 'Europe/Paris', null)!;
    const names = await schedules().putDagSchedule('sales etl', schedule, target, { paused: true });
    expect(names).toEqual([scheduleName('dag', 'sales etl', 0), scheduleName('dag', 'sales etl', 1)]);
    const created = scheduler.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input);
    expect(created).toEqual(
      schedule.expressions.map((expression, i) => ({
        Name: names[i],
        GroupName: 'skydag',
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: 'Europe/Paris',
        State: 'DISABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Description: 'skydag scheduler pass for DAG sales etl',
        Target: { Arn: target.arn, RoleArn: target.roleArn, Input: '{"dag_id":"sales etl"}' },
      })),
    );
    expect(names.every((n) => /^[0-9A-Za-z_.-]{1,64}$/.test(n))).toBe(true);
  });

  it('a timedelta schedule starts its rate() at the first interval end', async () => {
    scheduler.on(UpdateScheduleCommand).resolves({}).on(DeleteScheduleCommand).resolves({});
    const schedule = toEventBridgeSchedule({ type: 'timedelta', seconds: 7200 }, 'UTC', '2024-01-01T00:00:00.000Z')!;
    await schedules().putDagSchedule('every2h', schedule, target, { paused: false });
    expect(scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input).toMatchObject({ ScheduleExpression: 'rate(2 hours)', StartDate: new Date('2024-01-01T02:00:00.000Z') });
  });

  it('updates in place, removes an expression no longer needed, and deletes all when the DAG has no schedule', async () => {
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn:s' }).on(DeleteScheduleCommand).resolves({});
    const daily = toEventBridgeSchedule({ type: 'cron', cron: '0 0 * * *' }, 'UTC', null)!;
    await schedules().putDagSchedule('etl', daily, target, { paused: false });
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
    expect(scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input).toMatchObject({ Name: scheduleName('dag', 'etl', 0), ScheduleExpression: 'cron(0 0 * * ? *)', State: 'ENABLED' });
    expect(scheduler.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input)).toEqual([{ Name: scheduleName('dag', 'etl', 1), GroupName: 'skydag' }]);
    scheduler.resetHistory();
    await schedules().putDagSchedule('etl', null, target, { paused: false });
    expect(scheduler.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input.Name)).toEqual([scheduleName('dag', 'etl', 0), scheduleName('dag', 'etl', 1)]);
  });
});

describe('at() one-shots', () => {
  it('invoke the target once at the instant with the input and delete themselves (created, never updated)', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:s' });
    const input = { run: { dag_id: 'etl', run_id: 'r' }, task_id: 'wait', try_number: 1, invocation: 4 };
    const name = await schedules().at('etl/r/wait/1', new Date('2024-05-01T12:30:45.678Z'), target, input);
    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input).toEqual({
      Name: name,
      GroupName: 'skydag',
      ScheduleExpression: 'at(2024-05-01T12:30:45)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: target.arn, RoleArn: target.roleArn, Input: JSON.stringify(input) },
    });
    expect(atExpression(new Date('2024-12-31T23:59:59.999Z'))).toBe('at(2024-12-31T23:59:59)');
  });

  it('the same one-shot created twice (a twin delivery, a repair of one that still exists) is one schedule', async () => {
    scheduler.on(CreateScheduleCommand).resolvesOnce({ ScheduleArn: 'arn:s' }).rejects(new ConflictException({ Message: 'exists', message: 'exists', $metadata: {} }));
    const when = new Date('2024-05-01T12:30:00Z');
    const first = await schedules().at('etl/r/wait/1/2', when, target, {});
    await expect(schedules().at('etl/r/wait/1/2', when, target, {})).resolves.toBe(first);
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(2);
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
  });

  it('a cancelled one-shot that already fired is not an error', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(notFound());
    await expect(schedules().cancelAt('etl/r/wait/1')).resolves.toBeUndefined();
    expect(scheduler.commandCalls(DeleteScheduleCommand)[0]!.args[0].input).toEqual({ Name: scheduleName('at', 'etl/r/wait/1'), GroupName: 'skydag' });
  });
});

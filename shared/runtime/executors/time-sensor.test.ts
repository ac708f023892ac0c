import type { PyValue } from '../../model/schema.js';
import { createTimeSensor, targetTimeOfDay } from './time-sensor.js';
import { FakeClock, makeDag, makeRequest, makeTask, sensorSettings } from './test-request.js';
import { TaskFailedError, TaskNotRunnableError } from './types.js';

function request(operator: 'TimeSensor' | 'TimeSensorAsync', targetTime: PyValue, clock: FakeClock, timezone = 'UTC') {
  const task = makeTask({ task_id: 'at_six', operator, operator_kind: 'time_sensor', args: { target_time: targetTime }, sensor: sensorSettings({ poke_interval_seconds: 3600, timeout_seconds: 3 * 86400 }) });
  return makeRequest({ task, dag: makeDag([task], { timezone }), now: clock.now });
}

describe('TimeSensor / TimeSensorAsync', () => {
  it('reads target_time as str(datetime.time)', () => {
    const clock = new FakeClock();
    expect(targetTimeOfDay(request('TimeSensor', '06:30:00', clock))).toEqual({ ms: 23_400_000, aware: false, text: '06:30:00' });
    expect(targetTimeOfDay(request('TimeSensor', '06:30:00.250000+02:00', clock))).toMatchObject({ ms: 23_400_250, aware: true });
    expect(() => targetTimeOfDay(request('TimeSensor', 'six', clock))).toThrow(TaskNotRunnableError);
    expect(() => targetTimeOfDay(request('TimeSensor', 630, clock))).toThrow(TaskNotRunnableError);
  });

  it('TimeSensor waits until the time of day (in the DAG zone) is strictly after target_time', async () => {
    const clock = new FakeClock('2024-03-05T03:00:00Z');
    const req = request('TimeSensor', '06:00:00', clock);
    await expect(createTimeSensor({ sleep: clock.sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(clock.sleeps).toEqual([3600, 3600, 3600, 3600]); // 03:00, 04:00, 05:00, 06:00 (not after), 07:00
    expect(req.log.infos()[0]).toBe('Checking if the time (06:00:00) has come');

    const berlin = new FakeClock('2024-03-05T03:00:00Z'); // 04:00 in Berlin
    await createTimeSensor({ sleep: berlin.sleep })(request('TimeSensor', '06:00:00', berlin, 'Europe/Berlin'));
    expect(berlin.sleeps).toEqual([3600, 3600, 3600]); // 04:00, 05:00, 06:00 (not after), 07:00 local
    const utc = new FakeClock('2024-03-05T03:00:00Z');
    await createTimeSensor({ sleep: utc.sleep })(request('TimeSensor', '06:00:00', utc, 'America/New_York')); // 22:00 the day before there
    expect(utc.sleeps).toEqual([]); // 22:00 is after 06:00: only the time of day counts
  });

  it('TimeSensor compares the time of day only: past midnight it waits for the next day', async () => {
    const clock = new FakeClock('2024-03-05T22:30:00Z');
    const req = request('TimeSensor', '23:00:00', clock);
    req.task.sensor!.poke_interval_seconds = 5 * 3600;
    await expect(createTimeSensor({ sleep: clock.sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(clock.now().toISOString()).toBe('2024-03-06T23:30:00.000Z'); // 22:30, 03:30, 08:30, 13:30, 18:30 no; 23:30 yes
  });

  it('TimeSensorAsync targets today at target_time when it starts, so it also ends after midnight', async () => {
    const clock = new FakeClock('2024-03-05T22:30:00Z');
    const req = request('TimeSensorAsync', '23:00:00', clock);
    req.task.sensor!.poke_interval_seconds = 5 * 3600;
    await expect(createTimeSensor({ sleep: clock.sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(clock.sleeps).toEqual([5 * 3600]); // 22:30 no; 03:30 the next day is after 2024-03-05 23:00
    expect(req.log.infos()[0]).toBe('Checking if the time (2024-03-05T23:00:00Z) has come');
  });

  it('TimeSensor refuses an aware target_time, as Python refuses the comparison', async () => {
    const clock = new FakeClock('2024-03-05T03:00:00Z');
    await expect(createTimeSensor({ sleep: clock.sleep })(request('TimeSensor', '06:00:00+00:00', clock))).rejects.toThrow(TaskFailedError);
  });
});

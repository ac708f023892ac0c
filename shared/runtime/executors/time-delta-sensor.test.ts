import type { PyValue } from '../../model/schema.js';
import { createTimeDeltaSensor, timeDeltaTarget } from './time-delta-sensor.js';
import { FakeClock, makeRequest, makeTask, sensorSettings } from './test-request.js';
import { TaskNotRunnableError } from './types.js';

function request(args: Record<string, PyValue>, clock: FakeClock, pokeInterval = 60) {
  return makeRequest({
    task: makeTask({ task_id: 'wait_a_bit', operator: 'TimeDeltaSensor', operator_kind: 'time_delta_sensor', args, sensor: sensorSettings({ poke_interval_seconds: pokeInterval }) }),
    run: { data_interval_start: '2024-01-01T00:00:00+00:00', data_interval_end: '2024-01-02T00:00:00+00:00' },
    now: clock.now,
  });
}

const delta = (seconds: number): PyValue => ({ $type: 'timedelta', seconds });

describe('TimeDeltaSensor', () => {
  it('targets data_interval_end + delta (a timedelta or seconds)', () => {
    const clock = new FakeClock();
    expect(new Date(timeDeltaTarget(request({ delta: delta(3600) }, clock))).toISOString()).toBe('2024-01-02T01:00:00.000Z');
    expect(new Date(timeDeltaTarget(request({ delta: 90 }, clock))).toISOString()).toBe('2024-01-02T00:01:30.000Z');
  });

  it('waits until now is strictly after the target', async () => {
    const clock = new FakeClock('2024-01-02T00:58:00Z');
    const req = request({ delta: delta(3600) }, clock);
    await expect(createTimeDeltaSensor({ sleep: clock.sleep })(req)).resolves.toEqual({ outcome: 'success' });
    // 00:58 no, 00:59 no, 01:00 no (not strictly after), 01:01 yes
    expect(clock.sleeps).toEqual([60, 60, 60]);
    expect(req.log.infos()[0]).toBe('Checking if the time (2024-01-02 01:00:00+00:00) has come');
  });

  it('succeeds at once when the target has passed', async () => {
    const clock = new FakeClock('2024-01-05T00:00:00Z');
    await expect(createTimeDeltaSensor({ sleep: clock.sleep })(request({ delta: delta(60) }, clock))).resolves.toEqual({ outcome: 'success' });
    expect(clock.sleeps).toEqual([]);
  });

  it('requires delta', async () => {
    const clock = new FakeClock();
    await expect(createTimeDeltaSensor({ sleep: clock.sleep })(request({}, clock))).rejects.toBeInstanceOf(TaskNotRunnableError);
  });
});

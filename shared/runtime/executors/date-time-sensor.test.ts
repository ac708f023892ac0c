import type { PyValue } from '../../model/schema.js';
import { createDateTimeSensor, dateTimeTarget } from './date-time-sensor.js';
import { FakeClock, makeRequest, makeTask, sensorSettings } from './test-request.js';
import { TaskFailedError } from './types.js';

function request(targetTime: PyValue, clock: FakeClock) {
  return makeRequest({
    task: makeTask({ task_id: 'wait_until', operator: 'DateTimeSensor', operator_kind: 'date_time_sensor', args: { target_time: targetTime }, sensor: sensorSettings({ poke_interval_seconds: 60 }) }),
    now: clock.now,
  });
}

describe('DateTimeSensor', () => {
  it('reads target_time as rendered text (UTC without an offset) or a datetime', () => {
    const clock = new FakeClock();
    const at = (v: PyValue) => new Date(dateTimeTarget(request(v, clock)).ms).toISOString();
    expect(at('2024-01-02T01:00:00+02:00')).toBe('2024-01-01T23:00:00.000Z');
    expect(at('2024-01-02T01:00:00')).toBe('2024-01-02T01:00:00.000Z');
    expect(at('2024-01-02 01:00:00')).toBe('2024-01-02T01:00:00.000Z');
    expect(at({ $type: 'datetime', value: '2024-01-02T03:00:00+00:00', timezone: 'UTC' })).toBe('2024-01-02T03:00:00.000Z');
    expect(() => dateTimeTarget(request('next tuesday', clock))).toThrow(TaskFailedError);
  });

  it('waits until now is strictly after the target', async () => {
    const clock = new FakeClock('2024-01-02T00:58:00Z');
    const req = request('2024-01-02T01:00:00+00:00', clock);
    await expect(createDateTimeSensor({ sleep: clock.sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(clock.sleeps).toEqual([60, 60, 60]); // 00:58, 00:59, 01:00 (not after), 01:01
    expect(req.log.infos()[0]).toBe('Checking if the time (2024-01-02T01:00:00+00:00) has come');
  });
});

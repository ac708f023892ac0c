import type { PyValue } from '../../model/schema.js';
import { createDayOfWeekSensor, weekDayNumbers } from './day-of-week-sensor.js';
import { FakeClock, makeRequest, makeTask, sensorSettings } from './test-request.js';
import { TaskNotRunnableError } from './types.js';

function request(args: Record<string, PyValue>, clock: FakeClock, timeout = 7 * 86400) {
  return makeRequest({
    task: makeTask({ task_id: 'weekend', operator: 'DayOfWeekSensor', operator_kind: 'day_of_week_sensor', args, sensor: sensorSettings({ poke_interval_seconds: 3600, timeout_seconds: timeout }) }),
    run: { logical_date: '2024-03-05T00:00:00+00:00' }, // a Tuesday
    now: clock.now,
  });
}

describe('DayOfWeekSensor', () => {
  it('accepts day names in any case and WeekDay members, alone or in a list', () => {
    const clock = new FakeClock();
    expect(weekDayNumbers(request({ week_day: 'monday' }, clock))).toEqual(new Set([1]));
    expect(weekDayNumbers(request({ week_day: ['Saturday', 'SUNDAY'] }, clock))).toEqual(new Set([6, 7]));
    expect(weekDayNumbers(request({ week_day: [1, 'friday'] }, clock))).toEqual(new Set([1, 5])); // WeekDay.MONDAY is 1
    expect(() => weekDayNumbers(request({ week_day: 8 }, clock))).toThrow(TaskNotRunnableError);
    expect(() => weekDayNumbers(request({ week_day: 'Funday' }, clock))).toThrow(new TaskNotRunnableError('Invalid Week Day passed: "Funday"'));
  });

  it("waits for today's weekday (UTC) to be one of week_day", async () => {
    const clock = new FakeClock('2024-03-08T20:00:00Z'); // Friday 20:00
    const req = request({ week_day: ['Saturday', 'Sunday'] }, clock);
    await expect(createDayOfWeekSensor({ sleep: clock.sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(clock.sleeps).toEqual([3600, 3600, 3600, 3600]); // 20:00 … 23:00 Friday, then Saturday 00:00
    expect(req.log.infos()[0]).toBe('Poking until weekday is in SATURDAY, SUNDAY, Today is FRIDAY');
  });

  it("with use_task_logical_date, looks at the run's logical date instead", async () => {
    const clock = new FakeClock('2024-03-09T12:00:00Z'); // a Saturday
    await expect(createDayOfWeekSensor({ sleep: clock.sleep })(request({ week_day: 'Tuesday', use_task_logical_date: true }, clock))).resolves.toEqual({ outcome: 'success' });
    const never = request({ week_day: 'Saturday', use_task_logical_date: true }, clock, 7200);
    await expect(createDayOfWeekSensor({ sleep: clock.sleep })(never)).rejects.toThrow(/Sensor has timed out/);
  });
});

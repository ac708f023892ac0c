/** EventBridge Scheduler expressions for Airflow presets, timedelta (`rate()`) and `@once` (`at()`). */
import type { Schedule } from '../model/schema.js';
import { convertDayOfWeek, cronToEventBridge, rateExpression, toEventBridgeSchedule } from './eventbridge.js';

const PRESETS: [string, string, string[]][] = [
  ['@hourly', '0 * * * *', ['cron(0 * * * ? *)']],
  ['@daily', '0 0 * * *', ['cron(0 0 * * ? *)']],
  ['@midnight', '0 0 * * *', ['cron(0 0 * * ? *)']],
  ['@weekly', '0 0 * * 0', ['cron(0 0 ? * SUN *)']],
  ['@monthly', '0 0 1 * *', ['cron(0 0 1 * ? *)']],
  ['@quarterly', '0 0 1 */3 *', ['cron(0 0 1 1/3 ? *)']],
  ['@yearly', '0 0 1 1 *', ['cron(0 0 1 1 ? *)']],
  ['@annually', '0 0 1 1 *', ['cron(0 0 1 1 ? *)']],
];

describe('presets', () => {
  it.each(PRESETS)('%s (%s) → %j', (preset, cron, expressions) => {
    const schedule: Schedule = { type: 'cron', cron, preset };
    expect(toEventBridgeSchedule(schedule, 'Europe/Berlin', '2024-01-01T00:00:00Z')).toEqual({ expressions, timezone: 'Europe/Berlin' });
  });
});

describe('cron', () => {
  it.each([
    ['45 23 * * SAT', ['cron(45 23 ? * SAT *)']],
    ['0 0 * * MON,WED,FRI', ['cron(0 0 ? * MON,WED,FRI *)']],
    ['0 0 * * MON-FRI', ['cron(0 0 ? * MON-FRI *)']],
    ['0 0 * * 1-5', ['cron(0 0 ? * MON-FRI *)']],
    ['0 0,12 * * *', ['cron(0 0,12 * * ? *)']],
    ['*/15 * * * *', ['cron(0/15 * * * ? *)']],
    ['0 6 * * 7', ['cron(0 6 ? * SUN *)']],
    ['0 0 * * */2', ['cron(0 0 ? * SUN,TUE,THU,SAT *)']],
    ['0 0 1 * MON', ['cron(0 0 1 * ? *)', 'cron(0 0 ? * MON *)']],
  ])('%s → %j', (cron, expressions) => {
    expect(cronToEventBridge(cron)).toEqual(expressions);
  });

  it('day-of-week conversion uses names (EventBridge numbers days 1-7 from Sunday)', () => {
    expect(convertDayOfWeek('0')).toBe('SUN');
    expect(convertDayOfWeek('sat,sun')).toBe('SUN,SAT');
    expect(convertDayOfWeek('FRI-SUN')).toBe('SUN,FRI,SAT');
    expect(convertDayOfWeek('1-3,5')).toBe('MON,TUE,WED,FRI');
  });

  it('rejects what is not a 5-field cron', () => {
    expect(() => cronToEventBridge('0 0 * *')).toThrow('expected 5 cron fields, found 4');
    expect(() => cronToEventBridge('0 0 * * XYZ')).toThrow("invalid day of week 'XYZ'");
  });
});

describe('rate() for timedelta schedules', () => {
  it.each([
    [60, 'rate(1 minute)'],
    [300, 'rate(5 minutes)'],
    [5400, 'rate(90 minutes)'],
    [3600, 'rate(1 hour)'],
    [7200, 'rate(2 hours)'],
    [86400, 'rate(1 day)'],
    [259200, 'rate(3 days)'],
    [129600, 'rate(36 hours)'],
    // finer than a minute: EventBridge cannot, so the launcher is woken every minute and computes intervals
    [90, 'rate(1 minute)'],
    [30, 'rate(1 minute)'],
  ])('%i s → %s', (seconds, expression) => {
    expect(rateExpression(seconds)).toBe(expression);
  });

  it('starts one interval after start_date (the first run fires when its interval ends)', () => {
    expect(toEventBridgeSchedule({ type: 'timedelta', seconds: 259200 }, 'UTC', '2019-01-01T00:00:00.000Z')).toEqual({
      expressions: ['rate(3 days)'],
      timezone: 'UTC',
      start_date: '2019-01-04T00:00:00.000Z',
    });
    expect(toEventBridgeSchedule({ type: 'timedelta', seconds: 3600 }, 'UTC', null)).toEqual({ expressions: ['rate(1 hour)'], timezone: 'UTC' });
  });
});

describe('timetables', () => {
  it("CronTriggerTimetable fires at its ticks, in the timetable's own zone", () => {
    const schedule: Schedule = { type: 'cron', cron: '30 6 * * 1-5', timezone: 'Asia/Tokyo', trigger: { interval_seconds: 3600 } };
    expect(toEventBridgeSchedule(schedule, 'UTC', '2024-01-01T00:00:00Z')).toEqual({ expressions: ['cron(30 6 ? * MON-FRI *)'], timezone: 'Asia/Tokyo' });
  });
});

describe('at() for @once and no schedule for None', () => {
  it('@once fires once at start_date, written as wall-clock time in the DAG zone', () => {
    expect(toEventBridgeSchedule({ type: 'once' }, 'Europe/Berlin', '2024-07-01T10:30:00Z')).toEqual({
      expressions: ['at(2024-07-01T12:30:00)'],
      timezone: 'Europe/Berlin',
      start_date: '2024-07-01T10:30:00Z',
    });
    expect(toEventBridgeSchedule({ type: 'once' }, 'UTC', '2019-01-01T00:00:00Z')!.expressions).toEqual(['at(2019-01-01T00:00:00)']);
    expect(toEventBridgeSchedule({ type: 'once' }, 'America/New_York', '2024-01-01T00:00:00Z')!.expressions).toEqual(['at(2023-12-31T19:00:00)']);
  });

  it('@once without a start_date never runs; None has no schedule', () => {
    expect(toEventBridgeSchedule({ type: 'once' }, 'UTC', null)).toBeNull();
    expect(toEventBridgeSchedule({ type: 'none' }, 'UTC', '2024-01-01T00:00:00Z')).toBeNull();
  });
});

describe('EventsTimetable wake-ups', () => {
  const events = (...at: string[]): Schedule => ({ type: 'events', events: at, restrict_to_events: false });

  it('wakes the scheduler pass daily at each time of day an event is at (at most two), in UTC', () => {
    expect(toEventBridgeSchedule(events('2024-03-01T14:30:00.000Z', '2024-06-12T14:30:00.000Z', '2025-01-05T09:00:00.000Z'), 'Europe/Paris', null)).toEqual({
      expressions: ['cron(30 14 * * ? *)', 'cron(0 9 * * ? *)'],
      timezone: 'UTC',
    });
  });

  it('rounds an event with seconds up to the next minute (a pass a few seconds early would find it not yet due)', () => {
    expect(toEventBridgeSchedule(events('2024-03-01T23:59:30.000Z'), 'UTC', null)!.expressions).toEqual(['cron(0 0 * * ? *)']);
  });

  it('more times of day: hourly at their minutes (at most two), else every minute', () => {
    expect(toEventBridgeSchedule(events('2024-03-01T01:15:00.000Z', '2024-03-02T02:15:00.000Z', '2024-03-03T03:45:00.000Z'), 'UTC', null)!.expressions).toEqual(['cron(15 * * * ? *)', 'cron(45 * * * ? *)']);
    expect(toEventBridgeSchedule(events('2024-03-01T01:15:00.000Z', '2024-03-02T02:20:00.000Z', '2024-03-03T03:45:00.000Z'), 'UTC', null)!.expressions).toEqual(['rate(1 minute)']);
  });
});

describe('relativedelta wake-ups', () => {
  it('a daily wake-up at the start time of day for whole-day calendar steps, else every minute', () => {
    expect(toEventBridgeSchedule({ type: 'relativedelta', years: 0, months: 1, seconds: 0 }, 'Europe/Paris', '2024-01-31T06:00:30Z')).toEqual({ expressions: ['cron(1 6 * * ? *)'], timezone: 'UTC' });
    expect(toEventBridgeSchedule({ type: 'relativedelta', years: 0, months: 1, seconds: 3600 }, 'UTC', '2024-01-31T06:00:00Z')).toEqual({ expressions: ['rate(1 minute)'], timezone: 'UTC', start_date: '2024-01-31T06:00:00Z' });
  });
});

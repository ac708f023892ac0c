import { cronInWords, listInWords, scheduleInWords } from './schedule-words';

const cron = (value: string) => ({ __type: 'CronExpression' as const, value });
const delta = (days: number, seconds: number) => ({ __type: 'TimeDelta' as const, days, seconds, microseconds: 0 });

describe('scheduleInWords', () => {
  it('says cron schedules with times of day in the DAG time zone', () => {
    expect(scheduleInWords(cron('0 6 * * 1-5'), 'Europe/Paris')).toBe('every weekday at 06:00 Europe/Paris');
    expect(scheduleInWords(cron('@daily'), 'UTC')).toBe('every day at 00:00 UTC');
    expect(scheduleInWords(cron('30 2 1,15 * *'), 'UTC')).toBe('on the 1st and 15th of every month at 02:30 UTC');
    expect(scheduleInWords(cron('0 0 * * 0,6'), 'America/New_York')).toBe('every Saturday and Sunday at 00:00 America/New_York');
    expect(scheduleInWords(cron('0 12 * * 7'), 'UTC')).toBe('every Sunday at 12:00 UTC');
    expect(scheduleInWords(cron('0 6,18 * * *'), 'UTC')).toBe('every day at 06:00 and 18:00 UTC');
    expect(scheduleInWords(cron('@weekly'))).toBe('every Sunday at 00:00');
    expect(scheduleInWords(cron('@monthly'))).toBe('on the 1st of every month at 00:00');
    expect(scheduleInWords(cron('@yearly'))).toBe('every year on January 1 at 00:00');
    expect(scheduleInWords(cron('@quarterly'))).toBe('on the 1st of every quarter at 00:00');
    expect(scheduleInWords(cron('0 9 * * MON,WED,FRI'), 'UTC')).toBe('every Monday, Wednesday and Friday at 09:00 UTC');
    expect(scheduleInWords(cron('0 9 * * 2-4'))).toBe('every Tuesday to Thursday at 09:00');
  });

  it('says frequencies without a zone, since they do not depend on it', () => {
    expect(scheduleInWords(cron('*/15 * * * *'), 'UTC')).toBe('every 15 minutes');
    expect(scheduleInWords(cron('@hourly'), 'UTC')).toBe('every hour');
    expect(scheduleInWords(cron('* * * * *'))).toBe('every minute');
    expect(scheduleInWords(cron('0 */6 * * *'))).toBe('every 6 hours');
    expect(scheduleInWords(cron('0 */2 * * 1-5'))).toBe('every 2 hours, every weekday');
  });

  it('says bounded frequencies with their hours, in the zone', () => {
    expect(scheduleInWords(cron('*/15 9-17 * * 1-5'), 'Europe/Berlin')).toBe('every 15 minutes from 09:00 to 17:45, every weekday Europe/Berlin');
    expect(scheduleInWords(cron('15 * * * *'), 'UTC')).toBe('every hour at :15 UTC');
  });

  it('says presets, timedelta schedules and no schedule', () => {
    expect(scheduleInWords(null)).toBe('manual runs only');
    expect(scheduleInWords(cron('@once'))).toBe('once');
    expect(scheduleInWords(delta(1, 0))).toBe('every day');
    expect(scheduleInWords(delta(0, 6 * 3600))).toBe('every 6 hours');
    expect(scheduleInWords(delta(0, 1800))).toBe('every 30 minutes');
    expect(scheduleInWords(delta(1, 7200))).toBe('every 1 day and 2 hours');
  });

  it('shows what it cannot say as the cron expression, never a guess', () => {
    expect(scheduleInWords(cron('0 0 1 * 1'), 'UTC')).toBe('cron 0 0 1 * 1 UTC'); // day of month OR day of week
    expect(scheduleInWords(cron('7,19,23,41,53 * * * *'))).toBe('cron 7,19,23,41,53 * * * *');
    expect(scheduleInWords(cron('not a cron'))).toBe('cron not a cron');
    expect(cronInWords('0 25 * * *')).toBeNull();
  });
});

describe('listInWords', () => {
  it('joins with commas and "and"', () => {
    expect(listInWords([])).toBe('');
    expect(listInWords(['a'])).toBe('a');
    expect(listInWords(['a', 'b'])).toBe('a and b');
    expect(listInWords(['a', 'b', 'c'])).toBe('a, b and c');
  });
});

describe('timetables without a schedule_interval', () => {
  it('names them by their timetable description (EventsTimetable), and a DAG with neither as manual', () => {
    expect(scheduleInWords(null, 'UTC', 'Match days')).toBe('Match days');
    expect(scheduleInWords(null, 'UTC', '3 Events')).toBe('3 Events');
    expect(scheduleInWords(null, 'UTC', null)).toBe('manual runs only');
  });
});

describe('relativedelta schedules', () => {
  const rd = (years: number, months: number, days = 0, hours = 0) => ({ __type: 'RelativeDelta' as const, years, months, days, hours, minutes: 0, seconds: 0, microseconds: 0 });
  it('names the calendar step', () => {
    expect(scheduleInWords(rd(0, 1))).toBe('every month');
    expect(scheduleInWords(rd(0, 3))).toBe('every 3 months');
    expect(scheduleInWords(rd(1, 3, 1, 2))).toBe('every 1 year, 3 months, 1 day and 2 hours');
  });
});

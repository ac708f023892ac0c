/**
 * BranchDayOfWeekOperator and BranchDateTimeOperator end to end (test/fixtures/e2e/branch_datetime.py):
 * the followed branch is decided from the run's logical date (the DAG's time zone for naive time
 * bounds, an upper bound before the lower one on the next day), the other is skipped.
 */
import { runDag, statesAndTries, useE2eRuntime } from './support.js';

const e2e = useE2eRuntime();

describe('BranchDayOfWeekOperator (e2e_branch_weekday)', () => {
  it.each([
    // 2024-01-01 is a Monday, 2024-01-06 a Saturday, 2024-01-03 a Wednesday.
    ['2024-01-01T00:00:00Z', 'monday', 'other_day', 'workday', 'weekend'],
    ['2024-01-06T12:00:00Z', 'other_day', 'monday', 'weekend', 'workday'],
    ['2024-01-03T23:30:00Z', 'other_day', 'monday', 'workday', 'weekend'],
  ])('on %s follows %s (not %s) and %s (not %s)', async (date, day, notDay, kind, notKind) => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_branch_weekday', { logicalDate: new Date(date) });
    expect(statesAndTries(tasks)).toEqual({
      monday_check: ['success', 1],
      [day]: ['success', 1],
      [notDay]: ['skipped', 0],
      weekend_check: ['success', 1],
      [kind]: ['success', 1],
      [notKind]: ['skipped', 0],
    });
    // BaseBranchOperator pushes what it followed.
    expect(tasks.monday_check!.xcom.return_value).toBe(day);
    expect(tasks.weekend_check!.xcom.return_value).toEqual(kind === 'weekend' ? ['weekend'] : 'workday');
    expect(run.state).toBe('success');
  });
});

describe('BranchDateTimeOperator (e2e_branch_datetime, Europe/Paris)', () => {
  it.each([
    // 09:30 UTC is 10:30 in Paris (winter): inside 10:00-11:00 Paris, and not at night.
    ['2024-01-10T09:30:00Z', 'in_hours', 'out_of_hours', 'night_off', 'night_on'],
    // 10:30 UTC is 11:30 in Paris: after the window.
    ['2024-01-11T10:30:00Z', 'out_of_hours', 'in_hours', 'night_off', 'night_on'],
    // 22:30 UTC is 23:30 in Paris: inside 22:00 .. 06:00 (next day).
    ['2024-01-12T22:30:00Z', 'out_of_hours', 'in_hours', 'night_on', 'night_off'],
  ])('at %s follows %s (not %s) and %s (not %s); a window around now follows its true branch', async (date, hours, notHours, nightBranch, notNight) => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_branch_datetime', { logicalDate: new Date(date) });
    expect(statesAndTries(tasks)).toEqual({
      office_hours: ['success', 1],
      [hours]: ['success', 1],
      [notHours]: ['skipped', 0],
      night: ['success', 1],
      [nightBranch]: ['success', 1],
      [notNight]: ['skipped', 0],
      always: ['success', 1],
      yes: ['success', 1],
      no: ['skipped', 0],
    });
    expect(run.state).toBe('success');
  });
});

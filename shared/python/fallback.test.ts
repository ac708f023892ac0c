/**
 * The stand-ins for packages Airflow's image has and a task's Python may lack (`_fallback/`, found
 * after the real packages): run with them first on the path, so they are what is tested.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const SHIM = import.meta.dirname;
const run = (code: string): string =>
  execFileSync('python3', ['-c', code], { env: { ...process.env, PYTHONPATH: [join(SHIM, '_fallback'), SHIM].join(':') }, encoding: 'utf8' }).trim();

describe('fallback packages', () => {
  it('pytz: UTC, timezone() with zone, localize() and normalize(), UnknownTimeZoneError', () => {
    const out = run(`
import datetime, pytz
assert pytz.__version__.endswith("skydag-standin"), pytz.__file__
tz = pytz.timezone("Europe/Berlin")
print(tz.zone, tz.localize(datetime.datetime(2024, 1, 1, 12)).isoformat(), pytz.utc.localize(datetime.datetime(2024, 1, 1)).isoformat())
print(tz.normalize(datetime.datetime(2024, 6, 1, tzinfo=pytz.UTC)).isoformat(), pytz.timezone("utc") is pytz.utc, "Asia/Kolkata" in pytz.all_timezones)
try:
    pytz.timezone("Nowhere/Nothing")
except pytz.UnknownTimeZoneError as err:
    print("unknown", err)
`);
    expect(out.split('\n')).toEqual([
      'Europe/Berlin 2024-01-01T12:00:00+01:00 2024-01-01T00:00:00+00:00',
      '2024-06-01T02:00:00+02:00 True True',
      "unknown 'Nowhere/Nothing'",
    ]);
  });

  it('pendulum: time() and date() as datetime.time and datetime.date', () => {
    expect(run('import pendulum, datetime; t = pendulum.time(15, 30); print(t, isinstance(t, datetime.time), pendulum.date(2024, 2, 29))')).toBe('15:30:00 True 2024-02-29');
  });

  it("pendulum: the Timezone class (pendulum.tz.timezone.Timezone, pendulum.Timezone) as pendulum 3's ZoneInfo; pendulum.tz.timezone() stays the function", () => {
    const out = run(`
import datetime, zoneinfo, pendulum
from pendulum.tz.timezone import Timezone
import pendulum.tz
seoul = Timezone("Asia/Seoul")
print(datetime.datetime(2022, 1, 20, tzinfo=seoul).isoformat(), isinstance(seoul, zoneinfo.ZoneInfo), seoul.name, pendulum.Timezone is Timezone)
print(pendulum.tz.timezone("Europe/Paris"), callable(pendulum.tz.timezone))
`);
    expect(out.split('\n')).toEqual(['2022-01-20T00:00:00+09:00 True Asia/Seoul True', 'Europe/Paris True']);
  });
});

/** `dateutil.relativedelta` schedules: the fields Airflow shows for one. */

/** A relativedelta schedule's relative fields as dateutil normalises them (the seconds split into days … microseconds). */
export function relativedeltaFields(s: { years: number; months: number; seconds: number }): Record<'years' | 'months' | 'days' | 'hours' | 'minutes' | 'seconds' | 'microseconds', number> {
  const sign = s.seconds < 0 ? -1 : 1;
  let us = Math.round(Math.abs(s.seconds) * 1e6);
  const take = (unit: number) => {
    const n = Math.floor(us / unit);
    us -= n * unit;
    return sign * n;
  };
  const days = take(86_400e6);
  const hours = take(3_600e6);
  const minutes = take(60e6);
  const seconds = take(1e6);
  return { years: s.years, months: s.months, days, hours, minutes, seconds, microseconds: sign * us };
}

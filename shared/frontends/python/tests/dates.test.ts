/** Dates, durations and time zones as they reach the DAG model (NOW is 2024-06-15T12:34:56Z). */
import { onlyDag, py, repr, task } from './helpers.js';

function startOf(expr: string, imports = ''): { start: string | null; tz: string } {
  const dag = onlyDag(py`
    import pendulum
    from datetime import datetime, timedelta, timezone
    from airflow import DAG
    from airflow.utils.dates import days_ago
    from airflow.utils import timezone as af_tz
    ${imports}
    dag = DAG("d", start_date=${expr}, schedule=None)
  `);
  return { start: dag.start_date, tz: dag.timezone };
}

describe('start dates', () => {
  it('treats naive datetimes as UTC', () => {
    expect(startOf('datetime(2024, 1, 1)')).toEqual({ start: '2024-01-01T00:00:00+00:00', tz: 'UTC' });
  });

  it('keeps the pendulum zone and the correct instant', () => {
    const { start, tz } = startOf('pendulum.datetime(2024, 1, 1, tz="Europe/Berlin")');
    expect({ start, tz }).toEqual({ start: '2024-01-01T00:00:00+01:00', tz: 'Europe/Berlin' });
    expect(new Date(start!).toISOString()).toBe('2023-12-31T23:00:00.000Z');
  });

  it('applies daylight saving time of the zone', () => {
    expect(startOf('pendulum.datetime(2024, 3, 31, 3, tz="Europe/Berlin")').start).toBe('2024-03-31T03:00:00+02:00');
    expect(startOf('pendulum.datetime(2024, 7, 1, 9, 30)').start).toBe('2024-07-01T09:30:00+00:00');
  });

  it('accepts tzinfo= with pendulum.timezone and datetime.timezone.utc', () => {
    expect(startOf('datetime(2024, 7, 1, tzinfo=pendulum.timezone("America/New_York"))')).toEqual({ start: '2024-07-01T00:00:00-04:00', tz: 'America/New_York' });
    expect(startOf('datetime(2024, 7, 1, 6, tzinfo=timezone.utc)')).toEqual({ start: '2024-07-01T06:00:00+00:00', tz: 'UTC' });
  });

  it('evaluates days_ago against the parse clock (midnight UTC)', () => {
    expect(startOf('days_ago(2)').start).toBe('2024-06-13T00:00:00+00:00');
    expect(startOf('days_ago(1, hour=6, minute=30)').start).toBe('2024-06-14T06:30:00+00:00');
    expect(startOf('days_ago(0)').start).toBe('2024-06-15T00:00:00+00:00');
  });

  it('evaluates now/today/utcnow and pendulum.today(...).add(...)', () => {
    expect(startOf('datetime.now() - timedelta(days=1)').start).toBe('2024-06-14T12:34:56+00:00');
    expect(startOf('datetime.utcnow().replace(hour=0, minute=0, second=0)').start).toBe('2024-06-15T00:00:00+00:00');
    expect(startOf("pendulum.today('UTC').add(days=-1)").start).toBe('2024-06-14T00:00:00+00:00');
    expect(startOf("pendulum.now('Asia/Tokyo').subtract(hours=1)").start).toBe('2024-06-15T20:34:56+09:00');
    expect(startOf('af_tz.datetime(2024, 2, 3)')).toEqual({ start: '2024-02-03T00:00:00+00:00', tz: 'UTC' });
    expect(startOf('af_tz.utcnow() - timedelta(hours=12)').start).toBe('2024-06-15T00:34:56+00:00');
  });

  it('parses ISO strings with pendulum and datetime.fromisoformat', () => {
    expect(startOf('pendulum.parse("2024-05-01T08:00:00+02:00")').start).toBe('2024-05-01T08:00:00+02:00');
    expect(startOf('datetime.fromisoformat("2024-05-01 08:00")').start).toBe('2024-05-01T08:00:00+00:00');
  });

  it('reads datetime.min / max (Airflow 2.10 examples start at datetime.datetime.min), date and time ones too', () => {
    expect(startOf('datetime.min')).toEqual({ start: '0001-01-01T00:00:00+00:00', tz: 'UTC' });
    expect(startOf('datetime.max - timedelta(days=1)').start).toBe('9999-12-30T23:59:59.999+00:00');
    expect(repr('(datetime.date.min, datetime.date.max, datetime.time.min, datetime.time.max)', 'import datetime')).toBe('(datetime.date(1, 1, 1), datetime.date(9999, 12, 31), datetime.time(0, 0), datetime.time(23, 59, 59, 999999))');
  });

  it('reports an invalid date and an unknown zone', () => {
    expect(() => startOf('datetime(2024, 2, 30)')).toThrow(/day is out of range for month/);
    expect(() => startOf('pendulum.datetime(2024, 1, 1, tz="Mars/Olympus")')).toThrow(/unknown time zone 'Mars\/Olympus'/);
  });
});

describe('durations', () => {
  it('normalises timedelta and pendulum.duration to seconds', () => {
    const dag = onlyDag(py`
      import pendulum
      from datetime import datetime, timedelta
      from airflow import DAG
      from airflow.operators.bash import BashOperator
      args = {"retry_delay": timedelta(minutes=5), "sla": timedelta(seconds=10)}
      with DAG("d", start_date=datetime(2024, 1, 1), schedule=timedelta(days=3), default_args=args, dagrun_timeout=pendulum.duration(hours=2)) as dag:
          t = BashOperator(task_id="t", bash_command="x", execution_timeout=timedelta(hours=1) * 2, max_retry_delay=timedelta(days=1) / 4)
    `);
    expect(dag.schedule).toEqual({ type: 'timedelta', seconds: 259200 });
    expect(dag.dagrun_timeout_seconds).toBe(7200);
    const t = task(dag, 't');
    expect([t.retry_delay_seconds, t.sla_seconds, t.execution_timeout_seconds, t.max_retry_delay_seconds]).toEqual([300, 10, 7200, 21600]);
  });

  it('stores datetimes and timedeltas in arguments as tagged values', () => {
    const dag = onlyDag(py`
      import pendulum
      from datetime import timedelta
      from airflow import DAG
      from airflow.operators.python import PythonOperator
      def f(**kw): pass
      with DAG("d", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None) as dag:
          PythonOperator(task_id="p", python_callable=f, op_kwargs={"when": pendulum.datetime(2024, 2, 1, 12, tz="Europe/Paris"), "every": timedelta(minutes=90)})
    `);
    expect(task(dag, 'p').args.op_kwargs).toEqual({
      when: { $type: 'datetime', value: '2024-02-01T12:00:00+01:00', timezone: 'Europe/Paris' },
      every: { $type: 'timedelta', seconds: 5400 },
    });
  });
});

describe('date text', () => {
  it('formats dates in f-strings and strftime like Python', () => {
    expect(repr('f"{days_ago(1):%Y%m%d}_{datetime(2024, 1, 5, 7):%H}"', 'from datetime import datetime\nfrom airflow.utils.dates import days_ago')).toBe("'20240614_07'");
    expect(repr('str(pendulum.datetime(2024, 1, 1, tz="UTC"))', 'import pendulum')).toBe("'2024-01-01T00:00:00+00:00'");
    expect(repr('pendulum.datetime(2024, 1, 1).to_date_string()', 'import pendulum')).toBe("'2024-01-01'");
  });
});

describe('datetime.time', () => {
  const prelude = 'import datetime as dt\nfrom datetime import datetime, time, timezone';
  it('builds times, reads their fields and prints them as Python does', () => {
    expect(repr('time(6, 30)', prelude)).toBe('datetime.time(6, 30)');
    expect(repr('str(dt.time(hour=23, minute=5, second=1, microsecond=250000))', prelude)).toBe("'23:05:01.250000'");
    expect(repr('time(6, tzinfo=timezone.utc).isoformat()', prelude)).toBe("'06:00:00+00:00'");
    expect(repr('(time(6, 30).hour, time(6, 30).minute, time(6, 30).second)', prelude)).toBe('(6, 30, 0)');
    expect(repr('time.fromisoformat("07:15").replace(minute=45)', prelude)).toBe('datetime.time(7, 45)');
    expect(repr('time(6, 30).strftime("%H%M")', prelude)).toBe("'0630'");
    expect(repr('isinstance(time(1), dt.time)', prelude)).toBe('True');
  });

  it('compares times and takes the time of a datetime (.time(), .timetz())', () => {
    expect(repr('time(6) < time(6, 0, 1) and time(7) == time(7, 0)', prelude)).toBe('True');
    expect(repr('datetime(2024, 1, 2, 3, 4, 5).time()', prelude)).toBe('datetime.time(3, 4, 5)');
    expect(repr('datetime(2024, 1, 2, 3, 4, tzinfo=timezone.utc).timetz().tzinfo is not None', prelude)).toBe('True');
    expect(repr('datetime.combine(datetime(2024, 1, 2).date(), time(9, 30))', prelude)).toBe('datetime.datetime(2024, 1, 2, 9, 30)');
  });

  it('refuses out-of-range fields and reaches the model as str(time)', () => {
    expect(() => repr('time(24)', prelude)).toThrow(/hour must be in 0..23/);
    expect(task(onlyDag(py`
      from datetime import time
      from airflow import DAG
      from airflow.operators.python import PythonOperator
      with DAG("d", schedule=None) as dag:
          PythonOperator(task_id="t", python_callable=print, op_kwargs={"at": time(6, 30)})
    `), 't').args.op_kwargs).toEqual({ at: '06:30:00' });
  });
});

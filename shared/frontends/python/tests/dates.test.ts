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

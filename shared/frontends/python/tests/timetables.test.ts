/** Timetable objects (`timetable=` / `schedule=`) as the static reader sees them (Airflow 2.10's airflow.timetables). */
import { parse, parseOk, py } from './helpers.js';

const HEAD = py`
  from datetime import datetime, timedelta
  import pendulum
  from airflow import DAG
  from airflow.datasets import Dataset
  from airflow.operators.empty import EmptyOperator
  from airflow.timetables.datasets import DatasetOrTimeSchedule
  from airflow.timetables.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable
  from airflow.timetables.trigger import CronTriggerTimetable
  from airflow.timetables.events import EventsTimetable
`;

const errors = (source: string) => parse(source).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);

describe('timetables', () => {
  it('reads CronTriggerTimetable as timetable= or schedule=, with its zone and interval', () => {
    const dags = parseOk(`${HEAD}
with DAG("plain", start_date=datetime(2024, 1, 1), timetable=CronTriggerTimetable("0 * * * *", timezone="UTC")):
    EmptyOperator(task_id="a")
with DAG("windowed", start_date=datetime(2024, 1, 1), schedule=CronTriggerTimetable("30 6 * * 1-5", timezone=pendulum.timezone("Europe/Berlin"), interval=timedelta(hours=2))):
    EmptyOperator(task_id="a")
`);
    expect(dags.plain!.schedule).toEqual({ type: 'cron', cron: '0 * * * *', timezone: 'UTC', trigger: { interval_seconds: 0 } });
    expect(dags.windowed!.schedule).toEqual({ type: 'cron', cron: '30 6 * * 1-5', timezone: 'Europe/Berlin', trigger: { interval_seconds: 7200 } });
  });

  it('takes a CronTriggerTimetable as the time part of a DatasetOrTimeSchedule', () => {
    const dag = parseOk(`${HEAD}
with DAG("both", start_date=datetime(2024, 1, 1), schedule=DatasetOrTimeSchedule(timetable=CronTriggerTimetable("0 * * * *", timezone="UTC"), datasets=[Dataset("s3://a")])):
    EmptyOperator(task_id="a")
`).both!;
    expect(dag.schedule).toEqual({ type: 'cron', cron: '0 * * * *', timezone: 'UTC', trigger: { interval_seconds: 0 } });
    expect(dag.dataset_schedule).toEqual({ uri: 's3://a' });
  });

  it('takes an EventsTimetable, or DeltaDataIntervalTimetable over a relativedelta, as the time part of a DatasetOrTimeSchedule', () => {
    const dags = parseOk(`${HEAD}
from dateutil.relativedelta import relativedelta
with DAG("events_or_data", start_date=datetime(2024, 1, 1), schedule=DatasetOrTimeSchedule(timetable=EventsTimetable([datetime(2024, 3, 1, 9)]), datasets=[Dataset("s3://a")])):
    EmptyOperator(task_id="a")
with DAG("monthly_or_data", start_date=datetime(2024, 1, 31), schedule=DatasetOrTimeSchedule(timetable=DeltaDataIntervalTimetable(relativedelta(months=1)), datasets=Dataset("s3://b"))):
    EmptyOperator(task_id="a")
with DAG("monthly", start_date=datetime(2024, 1, 31), timetable=DeltaDataIntervalTimetable(relativedelta(months=1))):
    EmptyOperator(task_id="a")
`);
    expect(dags.events_or_data!.schedule).toEqual({ type: 'events', events: ['2024-03-01T09:00:00.000Z'], restrict_to_events: false });
    expect(dags.events_or_data!.dataset_schedule).toEqual({ uri: 's3://a' });
    expect(dags.monthly_or_data!.schedule).toEqual({ type: 'relativedelta', years: 0, months: 1, seconds: 0 });
    expect(dags.monthly_or_data!.dataset_schedule).toEqual({ uri: 's3://b' });
    expect(dags.monthly!.schedule).toEqual(dags.monthly_or_data!.schedule);
    expect(errors(`${HEAD}
with DAG("d", start_date=datetime(2024, 1, 1), schedule=DatasetOrTimeSchedule(timetable="@daily", datasets=[Dataset("s3://a")])):
    EmptyOperator(task_id="a")
`)).toEqual([expect.stringContaining('DatasetOrTimeSchedule() timetable must be a timetable')]);
  });

  it('reads the data-interval timetables given directly as schedule=', () => {
    const dags = parseOk(`${HEAD}
with DAG("cron", start_date=datetime(2024, 1, 1), schedule=CronDataIntervalTimetable("0 3 * * *", timezone="Asia/Tokyo")):
    EmptyOperator(task_id="a")
with DAG("delta", start_date=datetime(2024, 1, 1), timetable=DeltaDataIntervalTimetable(timedelta(minutes=30))):
    EmptyOperator(task_id="a")
`);
    expect(dags.cron!.schedule).toEqual({ type: 'cron', cron: '0 3 * * *', timezone: 'Asia/Tokyo' });
    expect(dags.delta!.schedule).toEqual({ type: 'timedelta', seconds: 1800 });
  });

  it("refuses what Airflow refuses: no timezone, a bad cron, an unknown zone, a negative interval", () => {
    expect(errors(`${HEAD}
with DAG("d", start_date=datetime(2024, 1, 1), timetable=CronTriggerTimetable("0 * * * *")):
    EmptyOperator(task_id="a")
`)).toEqual([expect.stringContaining("missing 1 required keyword-only argument: 'timezone'")]);
    expect(errors(`${HEAD}
with DAG("d", start_date=datetime(2024, 1, 1), timetable=CronTriggerTimetable("0 * * *", timezone="UTC")):
    EmptyOperator(task_id="a")
`)).toEqual([expect.stringContaining("invalid cron expression '0 * * *'")]);
    expect(errors(`${HEAD}
with DAG("d", start_date=datetime(2024, 1, 1), timetable=CronTriggerTimetable("0 * * * *", timezone="Mars/Olympus")):
    EmptyOperator(task_id="a")
`)).toEqual([expect.stringContaining("unknown timetable time zone 'Mars/Olympus'")]);
    expect(errors(`${HEAD}
with DAG("d", start_date=datetime(2024, 1, 1), timetable=CronTriggerTimetable("0 * * * *", timezone="UTC", interval=timedelta(hours=-1))):
    EmptyOperator(task_id="a")
`)).toEqual([expect.stringContaining('interval must not be negative')]);
  });

  it('reads EventsTimetable: its dates as instants, sorted, once each; restrict_to_events and description kept', () => {
    const dags = parseOk(`${HEAD}
events = [pendulum.datetime(2024, 3, 10, 14, 30, tz="Europe/Paris"), datetime(2024, 3, 1, 9), pendulum.datetime(2024, 3, 1, 9, tz="UTC")]
with DAG("games", start_date=datetime(2024, 1, 1), schedule=EventsTimetable(event_dates=events, description="Match days")):
    EmptyOperator(task_id="a")
with DAG("restricted", start_date=datetime(2024, 1, 1), timetable=EventsTimetable([datetime(2024, 5, 1)], restrict_to_events=True, presorted=True)):
    EmptyOperator(task_id="a")
`);
    expect(dags.games!.schedule).toEqual({ type: 'events', events: ['2024-03-01T09:00:00.000Z', '2024-03-10T13:30:00.000Z'], restrict_to_events: false, description: 'Match days' });
    expect(dags.restricted!.schedule).toEqual({ type: 'events', events: ['2024-05-01T00:00:00.000Z'], restrict_to_events: true });
  });

  it('refuses an EventsTimetable without dates, or with something else than datetimes, as Airflow fails', () => {
    expect(errors(`${HEAD}
with DAG("none", start_date=datetime(2024, 1, 1), schedule=EventsTimetable([])):
    EmptyOperator(task_id="a")
`).join('\n')).toMatch(/IndexError/);
    expect(errors(`${HEAD}
with DAG("strs", start_date=datetime(2024, 1, 1), schedule=EventsTimetable(["2024-01-01"])):
    EmptyOperator(task_id="a")
`).join('\n')).toMatch(/event_dates must be datetimes, not str/);
  });

  it('reads relativedelta schedules: with months or years a calendar schedule, else the same as a timedelta', () => {
    const dags = parseOk(`${HEAD}
from dateutil.relativedelta import relativedelta
with DAG("monthly", start_date=datetime(2024, 1, 31), schedule=relativedelta(months=1)):
    EmptyOperator(task_id="a")
with DAG("quarterly", start_date=datetime(2024, 1, 1), schedule_interval=relativedelta(months=15, days=1, hours=2)):
    EmptyOperator(task_id="a")
with DAG("weekly", start_date=datetime(2024, 1, 1), schedule=relativedelta(weeks=1, hours=12)):
    EmptyOperator(task_id="a")
`);
    expect(dags.monthly!.schedule).toEqual({ type: 'relativedelta', years: 0, months: 1, seconds: 0 });
    expect(dags.quarterly!.schedule).toEqual({ type: 'relativedelta', years: 1, months: 3, seconds: 93600 });
    expect(dags.weekly!.schedule).toEqual({ type: 'timedelta', seconds: 7 * 86400 + 43200 });
  });

  it('refuses a relativedelta that does not move forward, absolute fields, and fractional months', () => {
    const head = `${HEAD}\nfrom dateutil.relativedelta import relativedelta\n`;
    expect(errors(`${head}with DAG("back", start_date=datetime(2024, 1, 1), schedule=relativedelta(months=-1)):\n    EmptyOperator(task_id="a")\n`).join('\n')).toMatch(/schedule interval must be positive, not relativedelta\(months=-1\)/);
    expect(errors(`${head}with DAG("abs", start_date=datetime(2024, 1, 1), schedule=relativedelta(months=1, day=1)):\n    EmptyOperator(task_id="a")\n`).join('\n')).toMatch(/a relativedelta with absolute fields \(day=\) is not supported/);
    expect(errors(`${head}with DAG("frac", start_date=datetime(2024, 1, 1), schedule=relativedelta(months=1.5)):\n    EmptyOperator(task_id="a")\n`).join('\n')).toMatch(/Non-integer years and months/);
  });

  it('adds and subtracts a relativedelta to dates and datetimes as dateutil does (months first, the day clamped, then the rest)', () => {
    // The expected values are python3-dateutil's.
    const dag = parseOk(`${HEAD}
from datetime import date
from dateutil.relativedelta import relativedelta as r
cases = [datetime(2024, 1, 31) + r(months=1), datetime(2025, 3, 31) - r(months=1, days=2), date(2024, 1, 31) + r(months=1), date(2024, 3, 31) - r(years=1, months=1), date(2024, 1, 1) + r(hours=5), r(months=13) + datetime(2023, 12, 31, 10, 30)]
with DAG("d", start_date=datetime(2024, 1, 1) - r(months=1), schedule=None, tags=[str(c) for c in cases]):
    EmptyOperator(task_id="a")
`).d!;
    expect(dag.tags).toEqual(['2024-02-29 00:00:00', '2025-02-26 00:00:00', '2024-02-29', '2023-02-28', '2024-01-01 05:00:00', '2025-01-31 10:30:00']);
    expect(dag.start_date).toBe('2023-12-01T00:00:00+00:00');
  });

  it('applies relativedelta\'s absolute fields to dates as dateutil does (day=, hour=, weekday=MO(-1), month=, leapdays=), and refuses them as a schedule', () => {
    // The expected values are python3-dateutil's.
    const dag = parseOk(`${HEAD}
from datetime import date
from dateutil.relativedelta import relativedelta as r, MO, FR
cases = [datetime(2024, 5, 15, 13, 45) + r(day=1, hour=0, minute=0), date(2024, 5, 15) + r(months=1, day=31), date(2024, 5, 15) + r(weekday=MO(-1)), date(2024, 5, 15) + r(day=31, weekday=FR(-1)), datetime(2024, 5, 15) - r(months=1, day=1), date(2024, 2, 10) + r(years=1, month=3, day=1, leapdays=-1), date(2024, 5, 13) + r(weekday=MO), date(2024, 5, 13) + r(weekday=MO(+2)), date(2024, 5, 15) + r(weekday=6)]
with DAG("d", start_date=datetime(2024, 1, 1), schedule=None, tags=[str(c) for c in cases]):
    EmptyOperator(task_id="a")
`).d!;
    expect(dag.tags).toEqual(['2024-05-01 00:00:00', '2024-06-30', '2024-05-13', '2024-05-31', '2024-04-01 00:00:00', '2025-03-01', '2024-05-13', '2024-05-20', '2024-05-19']);
    expect(errors(`${HEAD}
from dateutil.relativedelta import relativedelta
with DAG("d", start_date=datetime(2024, 1, 1), schedule=relativedelta(months=1, day=1)):
    EmptyOperator(task_id="a")
`)).toEqual([expect.stringContaining('a relativedelta with absolute fields (day=) is not supported here')]);
  });

  describe('custom Timetable subclasses (their code runs in Python: scheduling/custom-timetable.ts)', () => {
    it('an instance of a subclass defined in the file, or of a subclass of one, is the custom schedule named by its class', () => {
      const dags = parseOk(`${HEAD}
from airflow.timetables.base import DagRunInfo, DataInterval, Timetable

class Workday(Timetable):
    def next_dagrun_info(self, *, last_automated_data_interval, restriction):
        while True:
            pass

class LateWorkday(Workday):
    def __init__(self, hour):
        self.hour = hour

with DAG("workday", start_date=datetime(2024, 1, 1), schedule=Workday()):
    EmptyOperator(task_id="a")
with DAG("late", start_date=datetime(2024, 1, 1), timetable=LateWorkday(hour=18)):
    EmptyOperator(task_id="a")
with DAG("either", start_date=datetime(2024, 1, 1), schedule=DatasetOrTimeSchedule(timetable=Workday(), datasets=[Dataset("s3://a")])):
    EmptyOperator(task_id="a")
`);
      expect(dags.workday!.schedule).toEqual({ type: 'custom', timetable: 'Workday' });
      expect(dags.late!.schedule).toEqual({ type: 'custom', timetable: 'LateWorkday' });
      expect([dags.either!.schedule, dags.either!.dataset_schedule]).toEqual([{ type: 'custom', timetable: 'Workday' }, { uri: 's3://a' }]);
    });

    it('a subclass of a plugin module\'s timetable class (the module read as a local module)', () => {
      const r = parse(`${HEAD}
from calendars import Workday

with DAG("from_plugin", start_date=datetime(2024, 1, 1), schedule=Workday()):
    EmptyOperator(task_id="a")
`, undefined, undefined, { calendars: { file: 'plugins/calendars.py', source: 'from airflow.timetables.base import Timetable\n\nclass Workday(Timetable):\n    pass\n' } });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(r.dags[0]!.schedule).toEqual({ type: 'custom', timetable: 'Workday' });
    });

    it('a plain class is no timetable', () => {
      expect(errors(`${HEAD}
class NotATimetable:
    pass

with DAG("plain_class", start_date=datetime(2024, 1, 1), schedule=NotATimetable()):
    EmptyOperator(task_id="a")
`)).toEqual(["DAG 'plain_class': argument 'schedule': a NotATimetable object cannot be used as an argument value"]);
    });
  });
});

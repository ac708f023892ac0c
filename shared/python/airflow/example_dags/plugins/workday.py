"""
``airflow.example_dags.plugins.workday`` as Airflow's timetable example uses it (skydag's own code):
``AfterWorkdayTimetable`` schedules one run per workday, covering that UTC day and starting once it
is over. Workdays are Monday to Friday, less the US federal holidays when pandas is installed (as
Airflow's example does). Manual runs cover the last workday before the day they are triggered.
"""
import datetime as _dt

from airflow.plugins_manager import AirflowPlugin
from airflow.timetables.base import DagRunInfo, DataInterval, Timetable

_DAY = _dt.timedelta(days=1)


def _holidays(day):
    """The US federal holidays of ``day``'s year (empty without pandas)."""
    try:
        from pandas.tseries.holiday import USFederalHolidayCalendar
    except ImportError:
        return set()
    found = USFederalHolidayCalendar().holidays(start=_dt.date(day.year, 1, 1), end=_dt.date(day.year, 12, 31))
    return {stamp.date() for stamp in found}


def _is_workday(day):
    return day.weekday() < 5 and day.date() not in _holidays(day)


def _midnight(value):
    import pendulum

    return pendulum.instance(_dt.datetime.combine(value.date(), _dt.time.min, tzinfo=_dt.timezone.utc))


class AfterWorkdayTimetable(Timetable):
    def _step_to_workday(self, day, step):
        while not _is_workday(day):
            day = day + step * _DAY
        return day

    def infer_manual_data_interval(self, *, run_after):
        start = self._step_to_workday(_midnight(run_after) - _DAY, -1)
        return DataInterval(start=start, end=start + _DAY)

    def next_dagrun_info(self, *, last_automated_data_interval, restriction):
        if last_automated_data_interval is not None:
            start = _midnight(last_automated_data_interval.start) + _DAY
        elif restriction.earliest is None:
            return None
        else:
            earliest = restriction.earliest
            start = _midnight(earliest)
            if start < earliest:  # not at midnight: the next day is the first whole one
                start = start + _DAY
            if not restriction.catchup:
                start = max(start, _midnight(_dt.datetime.now(_dt.timezone.utc)))
        start = self._step_to_workday(start, 1)
        if restriction.latest is not None and start > restriction.latest:
            return None
        return DagRunInfo.interval(start=start, end=start + _DAY)


class WorkdayTimetablePlugin(AirflowPlugin):
    name = "workday_timetable_plugin"
    timetables = [AfterWorkdayTimetable]

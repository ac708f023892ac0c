"""
``airflow.timetables.base`` as Airflow 2.10 defines it: what a custom timetable subclasses and returns.
skydag's scheduler calls a custom timetable's ``next_dagrun_info`` and ``infer_manual_data_interval``
through the runner's ``timetable`` mode (skydag_runner/run.py); the built-in timetables are
scheduled by skydag itself.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence


class DataInterval(NamedTuple):
    """A data interval for a DagRun to operate over (both ends timezone-aware)."""

    start: Any
    end: Any

    @classmethod
    def exact(cls, at):
        return cls(start=at, end=at)


class TimeRestriction(NamedTuple):
    """When a DAG may run: not before ``earliest`` nor after ``latest`` (inclusive); ``catchup`` as the DAG's."""

    earliest: Any
    latest: Any
    catchup: bool


class DagRunInfo(NamedTuple):
    """When a DagRun is created (``run_after``) and the data interval it covers."""

    run_after: Any
    data_interval: DataInterval

    @classmethod
    def exact(cls, at):
        return cls(run_after=at, data_interval=DataInterval.exact(at))

    @classmethod
    def interval(cls, start, end):
        return cls(run_after=end, data_interval=DataInterval(start, end))

    @property
    def logical_date(self):
        return self.data_interval.start


class Timetable:
    """What a timetable class implements (Airflow's Timetable protocol, with its defaults)."""

    description: str = ""
    periodic: bool = True
    can_be_scheduled: bool = True
    run_ordering: Sequence[str] = ("data_interval_end", "execution_date")
    active_runs_limit = None

    @classmethod
    def deserialize(cls, data):
        return cls()

    def serialize(self):
        return {}

    def validate(self):
        return None

    @property
    def summary(self):
        return type(self).__name__

    def infer_manual_data_interval(self, *, run_after):
        raise NotImplementedError()

    def next_dagrun_info(self, *, last_automated_data_interval, restriction):
        raise NotImplementedError()

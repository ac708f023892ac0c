"""
A minimal, stdlib-only stand-in for the ``pendulum`` package, used by skydag's Python runner only when
the real pendulum is not installed (it sits last on sys.path). It covers what DAG files and task code
commonly call: pendulum.datetime / now / today / parse / duration / timezone / from_timestamp.
"""
import datetime as _dt

from airflow.utils.pendulum_like import DateTime, Duration, parse_iso
from airflow.utils.timezone import _zone

UTC = _dt.timezone.utc
__version__ = "0+skydag-standin"


def timezone(name):
    return _zone(name)


def local_timezone():
    return _dt.datetime.now().astimezone().tzinfo


def _resolve_tz(tz):
    if tz is None:
        return None
    if isinstance(tz, str):
        return _zone(tz)
    return tz


def datetime(year, month=1, day=1, hour=0, minute=0, second=0, microsecond=0, tz="UTC", fold=1, **kwargs):
    zone = _resolve_tz(tz)
    return DateTime(year, month, day, hour, minute, second, microsecond, tzinfo=zone)


def local(year, month=1, day=1, hour=0, minute=0, second=0, microsecond=0):
    return datetime(year, month, day, hour, minute, second, microsecond, tz=local_timezone())


def naive(year, month=1, day=1, hour=0, minute=0, second=0, microsecond=0):
    return DateTime(year, month, day, hour, minute, second, microsecond)


def now(tz=None):
    zone = _resolve_tz(tz) or UTC
    return DateTime.from_datetime(_dt.datetime.now(zone))


def today(tz=None):
    return now(tz).start_of("day")


def yesterday(tz=None):
    return today(tz).subtract(days=1)


def tomorrow(tz=None):
    return today(tz).add(days=1)


def from_timestamp(timestamp, tz="UTC"):
    return DateTime.from_datetime(_dt.datetime.fromtimestamp(timestamp, _resolve_tz(tz)))


def parse(text, tz="UTC", strict=True, **kwargs):
    return parse_iso(text, _resolve_tz(tz) or UTC)


def instance(dt, tz="UTC"):
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_resolve_tz(tz))
    return DateTime.from_datetime(dt)


def duration(days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0, weeks=0, years=0, months=0):
    return Duration(days=days, seconds=seconds, microseconds=microseconds, milliseconds=milliseconds,
                    minutes=minutes, hours=hours, weeks=weeks, years=years, months=months)


Date = _dt.date
Time = _dt.time


def date(year, month, day):
    return _dt.date(year, month, day)


def time(hour, minute=0, second=0, microsecond=0):
    return _dt.time(hour, minute, second, microsecond)

from pendulum.tz.timezone import Timezone  # noqa: E402  (pendulum 3: a zoneinfo.ZoneInfo subclass)

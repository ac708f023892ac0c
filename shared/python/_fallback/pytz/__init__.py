"""
A stand-in for pytz where the task's Python lacks it (Airflow's image has it, so DAG files import it):
``UTC``/``utc`` and ``timezone(name)`` over the standard library's zoneinfo, with pytz's ``zone``,
``localize()`` and ``normalize()``. Found after the real package, which wins when installed.
"""
import datetime as _dt
import zoneinfo as _zoneinfo

__version__ = "0+skydag-standin"


class UnknownTimeZoneError(KeyError):
    pass


class _Localizing:
    """pytz's way of attaching a zone: ``tz.localize(naive)``, ``tz.normalize(aware)``."""

    def localize(self, dt, is_dst=False):
        if dt.tzinfo is not None:
            raise ValueError("Not naive datetime (tzinfo is already set)")
        return dt.replace(tzinfo=self)

    def normalize(self, dt, is_dst=False):
        if dt.tzinfo is None:
            raise ValueError("Naive time - no tzinfo set")
        return dt.astimezone(self)


class _UTC(_Localizing, _dt.tzinfo):
    zone = "UTC"

    def utcoffset(self, dt):
        return _dt.timedelta(0)

    def dst(self, dt):
        return _dt.timedelta(0)

    def tzname(self, dt):
        return "UTC"

    def fromutc(self, dt):
        return dt.replace(tzinfo=self)

    def __repr__(self):
        return "<UTC>"

    def __str__(self):
        return "UTC"


class _Zone(_Localizing, _zoneinfo.ZoneInfo):
    @property
    def zone(self):
        return self.key

    def __str__(self):
        return self.key


UTC = utc = _UTC()


def timezone(zone):
    if zone.upper() == "UTC":
        return utc
    try:
        return _Zone(zone)
    except (_zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZoneError(zone)


all_timezones = sorted(_zoneinfo.available_timezones())
common_timezones = all_timezones

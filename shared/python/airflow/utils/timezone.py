"""Timezone helpers (UTC-aware datetimes), pendulum-free."""
import datetime as _dt

utc = _dt.timezone.utc
TIMEZONE = utc


def _zone(name):
    if name is None or name in ("UTC", "utc", "Z", "Etc/UTC", "GMT"):
        return utc
    if isinstance(name, _dt.tzinfo):
        return name
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except ImportError:
        pass
    except Exception:
        raise ValueError("Unknown timezone %r" % (name,))
    # Python 3.8: no zoneinfo; use what is installed.
    try:
        from backports.zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except ImportError:
        pass
    try:
        from dateutil import tz as _dateutil_tz

        zone = _dateutil_tz.gettz(name)
        if zone is not None:
            return zone
    except ImportError:
        pass
    try:
        import pytz

        return pytz.timezone(name)
    except ImportError:
        pass
    raise ValueError("Timezone %r needs zoneinfo (Python 3.9+), backports.zoneinfo, python-dateutil or pytz" % (name,))


def is_localized(value):
    return value.utcoffset() is not None


def is_naive(value):
    return value.utcoffset() is None


def utcnow():
    from airflow.utils.pendulum_like import DateTime

    return DateTime.from_datetime(_dt.datetime.now(utc))


def utc_epoch():
    return _dt.datetime(1970, 1, 1, tzinfo=utc)


def convert_to_utc(value):
    """``value`` in UTC as a pendulum DateTime (a naive one is taken as UTC, skydag's default zone)."""
    if value is None:
        return value
    from airflow.utils.pendulum_like import DateTime

    if not is_localized(value):
        value = value.replace(tzinfo=utc)
    return DateTime.from_datetime(value.astimezone(utc))


def make_aware(value, timezone=None):
    tz = _zone(timezone) if not isinstance(timezone, _dt.tzinfo) else timezone
    if is_localized(value):
        raise ValueError("make_aware expects a naive datetime, got %s" % value)
    return value.replace(tzinfo=tz or utc)


def make_naive(value, timezone=None):
    tz = _zone(timezone) if not isinstance(timezone, _dt.tzinfo) else timezone
    return value.astimezone(tz or utc).replace(tzinfo=None)


def datetime(*args, **kwargs):
    if "tzinfo" not in kwargs:
        kwargs["tzinfo"] = utc
    return _dt.datetime(*args, **kwargs)


def parse(string, timezone=None):
    from airflow.utils.pendulum_like import parse_iso

    return parse_iso(string, _zone(timezone) if timezone else utc)


def coerce_datetime(value, tz=None):
    if value is None:
        return None
    if isinstance(value, _dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=tz or utc)
    from airflow.utils.pendulum_like import DateTime

    return DateTime.from_datetime(value) if isinstance(value, _dt.datetime) else value

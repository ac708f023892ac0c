"""airflow.macros: the helpers templates and task code use (``macros.ds_add`` ...)."""
import json  # noqa: F401
import random  # noqa: F401
import time  # noqa: F401
import uuid  # noqa: F401
from datetime import datetime, timedelta  # noqa: F401

try:  # python-dateutil is optional here (Airflow always ships it)
    import dateutil  # noqa: F401
except ImportError:  # pragma: no cover
    dateutil = None


def ds_add(ds, days):
    """``ds_add('2015-01-01', 5)`` → ``'2015-01-06'``."""
    if not days:
        return str(ds)
    dt = datetime.strptime(str(ds), "%Y-%m-%d") + timedelta(days=days)
    return dt.strftime("%Y-%m-%d")


def ds_format(ds, input_format, output_format):
    """``ds_format('2015-01-01', '%Y-%m-%d', '%m-%d-%y')`` → ``'01-01-15'``."""
    return datetime.strptime(str(ds), input_format).strftime(output_format)


def ds_format_locale(ds, input_format, output_format, locale=None):
    return ds_format(ds, input_format, output_format)


def datetime_diff_for_humans(dt, since=None):
    since = since or datetime.now(dt.tzinfo)
    seconds = int((since - dt).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("year", 31536000), ("month", 2592000), ("week", 604800), ("day", 86400),
                       ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size or unit == "second":
            n = seconds // size
            text = "%d %s%s" % (n, unit, "" if n == 1 else "s")
            return ("in " + text) if future else (text + " ago")

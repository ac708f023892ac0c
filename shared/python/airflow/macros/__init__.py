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


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_NAMED = set("GMLEa")


def _cldr_field(letter, width, dt, english):
    def name(full):
        if not english:
            raise NotImplementedError(
                "ds_format_locale: names (pattern letter %r) in a locale other than English need Babel's "
                "locale data, which skydag's task runtime does not ship; templates ({{ macros.ds_format_locale(...) }}) "
                "have every locale" % letter)
        return full if width == 4 else full[0] if width >= 5 else full[:3]
    if letter == "G":
        return name("Anno Domini") if width == 4 else "A" if width >= 5 else "AD"
    if letter == "y":
        return "%02d" % (dt.year % 100) if width == 2 else str(dt.year).zfill(width)
    if letter in "ML":
        return str(dt.month).zfill(width) if width <= 2 else name(_MONTHS[dt.month - 1])
    if letter == "d":
        return str(dt.day).zfill(width)
    if letter == "D":
        return str(dt.timetuple().tm_yday).zfill(width)
    if letter == "E":
        return name(_WEEKDAYS[dt.weekday()])
    if letter == "a":
        name("AM")
        return "AM" if dt.hour < 12 else "PM"
    if letter == "h":
        return str(dt.hour % 12 or 12).zfill(width)
    if letter == "H":
        return str(dt.hour).zfill(width)
    if letter == "K":
        return str(dt.hour % 12).zfill(width)
    if letter == "k":
        return str(dt.hour or 24).zfill(width)
    if letter == "m":
        return str(dt.minute).zfill(width)
    if letter == "s":
        return str(dt.second).zfill(width)
    if letter == "S":
        return ("%06d" % dt.microsecond).ljust(width, "0")[:width]
    raise ValueError("ds_format_locale: the pattern letter %r is not supported here "
                     "(supported: G y M L d D E a h H K k m s S, and 'quoted text')" % letter)


def ds_format_locale(ds, input_format, output_format, locale=None):
    """Airflow 2.10: ``output_format`` is a Babel (CLDR) pattern, e.g. ``'EEEE dd MMMM yyyy'`` (not strftime).

    Names (months, weekdays, AM/PM, eras) are English here; another locale's names raise a clear error
    (templates render every locale). Airflow's default locale on a worker without LC_TIME is en_US.
    """
    dt = datetime.strptime(str(ds), input_format)
    english = str(locale or "en_US").replace("-", "_").split("_")[0].lower() == "en"
    out, i, pattern = [], 0, str(output_format)
    while i < len(pattern):
        c = pattern[i]
        if c == "'":
            if pattern[i + 1:i + 2] == "'":
                out.append("'")
                i += 2
                continue
            j = i + 1
            while j < len(pattern):
                if pattern[j] == "'" and pattern[j + 1:j + 2] == "'":
                    out.append("'")
                    j += 2
                elif pattern[j] == "'":
                    break
                else:
                    out.append(pattern[j])
                    j += 1
            i = j + 1
        elif c.isalpha() and c.isascii():
            j = i
            while j < len(pattern) and pattern[j] == c:
                j += 1
            out.append(_cldr_field(c, j - i, dt, english))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


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

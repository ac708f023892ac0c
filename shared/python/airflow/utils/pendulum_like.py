"""
A small, stdlib-only stand-in for pendulum's DateTime: the context's ``logical_date``,
``data_interval_start``... are instances, so code written for pendulum (``.add(days=1)``,
``.to_date_string()``, ``.format('YYYY-MM-DD')``, ``.in_timezone('UTC')``) keeps working.
"""
import calendar
import datetime as _dt
import re

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def _tz(name):
    from airflow.utils.timezone import _zone

    return _zone(name)


class Duration(_dt.timedelta):
    """pendulum.duration: a timedelta accepting years/months approximately is not offered; weeks/days/... are."""

    def __new__(cls, days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0, weeks=0, years=0, months=0):
        if years or months:
            raise ValueError("durations in years or months are not supported by skydag's pendulum stand-in")
        return _dt.timedelta.__new__(cls, days=days, seconds=seconds, microseconds=microseconds,
                                     milliseconds=milliseconds, minutes=minutes, hours=hours, weeks=weeks)

    def in_seconds(self):
        return int(self.total_seconds())

    def in_minutes(self):
        return int(self.total_seconds() // 60)

    def in_hours(self):
        return int(self.total_seconds() // 3600)

    def in_days(self):
        return self.days

    def in_words(self):
        return str(self)


def _add_months(value, months):
    month0 = value.month - 1 + months
    year = value.year + month0 // 12
    month = month0 % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


_FORMAT_TOKENS = [
    ("YYYY", "%Y"), ("YY", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("DDDD", "%j"), ("DD", "%d"),
    ("Do", None), ("dddd", "%A"), ("ddd", "%a"), ("HH", "%H"), ("hh", "%I"), ("mm", "%M"), ("ss", "%S"),
    ("SSSSSS", "%f"), ("A", "%p"), ("ZZ", "%z"), ("Z", None), ("zz", "%Z"), ("X", None),
    ("M", "M"), ("D", "D"), ("H", "H"), ("h", "h"), ("m", "m"), ("s", "s"),
]


class DateTime(_dt.datetime):
    """An aware datetime with the pendulum methods task code commonly uses."""

    @classmethod
    def from_datetime(cls, value):
        if isinstance(value, cls):
            return value
        return cls(value.year, value.month, value.day, value.hour, value.minute, value.second,
                   value.microsecond, tzinfo=value.tzinfo, fold=getattr(value, "fold", 0))

    @classmethod
    def combine(cls, date, time, tzinfo=_dt.timezone.utc):
        """pendulum 3: a date and a time in ``tzinfo`` (UTC unless given; None for a naive one)."""
        return cls.from_datetime(_dt.datetime.combine(date, time, tzinfo=tzinfo))

    def _wrap(self, value):
        return DateTime.from_datetime(value) if isinstance(value, _dt.datetime) else value

    def __add__(self, other):
        return self._wrap(_dt.datetime.__add__(self, other))

    __radd__ = __add__

    def __sub__(self, other):
        result = _dt.datetime.__sub__(self, other)
        return self._wrap(result)

    def add(self, years=0, months=0, weeks=0, days=0, hours=0, minutes=0, seconds=0, microseconds=0):
        value = _add_months(self, years * 12 + months) if (years or months) else self
        return self._wrap(value + _dt.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes,
                                                seconds=seconds, microseconds=microseconds))

    def subtract(self, years=0, months=0, weeks=0, days=0, hours=0, minutes=0, seconds=0, microseconds=0):
        return self.add(-years, -months, -weeks, -days, -hours, -minutes, -seconds, -microseconds)

    def in_timezone(self, tz):
        return self._wrap(self.astimezone(_tz(tz)))

    in_tz = in_timezone

    def astimezone(self, tz=None):
        return self._wrap(_dt.datetime.astimezone(self, tz))

    def replace(self, *args, **kwargs):
        return self._wrap(_dt.datetime.replace(self, *args, **kwargs))

    def set(self, **kwargs):
        if "tz" in kwargs:
            kwargs["tzinfo"] = _tz(kwargs.pop("tz"))
        return self.replace(**kwargs)

    def at(self, hour, minute=0, second=0, microsecond=0):
        """pendulum's ``at()``: the same day at that time."""
        return self.set(hour=hour, minute=minute, second=second, microsecond=microsecond)

    def start_of(self, unit):
        if unit == "day":
            return self.replace(hour=0, minute=0, second=0, microsecond=0)
        if unit == "hour":
            return self.replace(minute=0, second=0, microsecond=0)
        if unit == "minute":
            return self.replace(second=0, microsecond=0)
        if unit == "month":
            return self.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if unit == "year":
            return self.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        if unit == "week":
            return self.subtract(days=self.weekday()).start_of("day")
        raise ValueError("start_of(%r) is not supported" % unit)

    def end_of(self, unit):
        if unit == "day":
            return self.replace(hour=23, minute=59, second=59, microsecond=999999)
        if unit == "month":
            last = calendar.monthrange(self.year, self.month)[1]
            return self.replace(day=last).end_of("day")
        if unit == "year":
            return self.replace(month=12, day=31).end_of("day")
        if unit == "hour":
            return self.replace(minute=59, second=59, microsecond=999999)
        raise ValueError("end_of(%r) is not supported" % unit)

    def to_date_string(self):
        return self.strftime("%Y-%m-%d")

    def to_datetime_string(self):
        return self.strftime("%Y-%m-%d %H:%M:%S")

    def to_time_string(self):
        return self.strftime("%H:%M:%S")

    def to_iso8601_string(self):
        s = self.isoformat()
        return s[:-6] + "Z" if s.endswith("+00:00") else s

    def to_rfc3339_string(self):
        return self.isoformat()

    def to_day_datetime_string(self):
        return self.strftime("%a, %b %-d, %Y %-I:%M %p")

    def format(self, fmt, locale=None):
        out = []
        i = 0
        while i < len(fmt):
            if fmt[i] == "[":
                j = fmt.find("]", i)
                if j > 0:
                    out.append(fmt[i + 1:j])
                    i = j + 1
                    continue
            for token, code in _FORMAT_TOKENS:
                if fmt.startswith(token, i):
                    out.append(self._token(token, code))
                    i += len(token)
                    break
            else:
                out.append(fmt[i])
                i += 1
        return "".join(out)

    def _token(self, token, code):
        if token == "Do":
            d = self.day
            suffix = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
            return "%d%s" % (d, suffix)
        if token == "Z":
            z = self.strftime("%z")
            return z[:3] + ":" + z[3:] if z else ""
        if token == "X":
            return str(int(self.timestamp()))
        single = {"M": self.month, "D": self.day, "H": self.hour, "h": (self.hour % 12) or 12,
                  "m": self.minute, "s": self.second}
        if token in single:
            return str(single[token])
        return self.strftime(code)

    def diff(self, other=None, abs=True):
        other = other if other is not None else _dt.datetime.now(self.tzinfo or _dt.timezone.utc)
        seconds = (other - self).total_seconds()
        if abs and seconds < 0:
            seconds = -seconds
        return Duration(seconds=seconds)

    def is_past(self):
        return self < _dt.datetime.now(self.tzinfo or _dt.timezone.utc)

    def is_future(self):
        return not self.is_past()

    @property
    def timezone_name(self):
        return getattr(self.tzinfo, "key", None) or self.tzname()

    @property
    def tz(self):
        return self.tzinfo

    @property
    def timezone(self):
        return self.tzinfo

    @property
    def int_timestamp(self):
        return int(self.timestamp())

    @property
    def float_timestamp(self):
        return self.timestamp()

    @property
    def day_of_week(self):
        return (self.weekday() + 1) % 7

    @property
    def day_of_year(self):
        return self.timetuple().tm_yday

    @property
    def week_of_year(self):
        return self.isocalendar()[1]

    @property
    def days_in_month(self):
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def quarter(self):
        return (self.month - 1) // 3 + 1

    @property
    def offset(self):
        off = self.utcoffset()
        return int(off.total_seconds()) if off is not None else None

    def date_string(self):
        return self.to_date_string()

    def __str__(self):
        return self.isoformat()

    def __repr__(self):
        return "DateTime(%d, %d, %d, %d, %d, %d%s, tzinfo=%r)" % (
            self.year, self.month, self.day, self.hour, self.minute, self.second,
            ", %d" % self.microsecond if self.microsecond else "", self.tzinfo)


def parse_iso(text, default_tz=_dt.timezone.utc):
    """An ISO-8601 datetime (``Z`` or ``+hh:mm`` offsets; up to 9 fractional digits) as a DateTime."""
    if isinstance(text, _dt.datetime):
        value = text
    else:
        m = _ISO.match(str(text).strip())
        if not m:
            raise ValueError("Invalid ISO 8601 datetime: %r" % (text,))
        year, month, day, hour, minute, second, frac, off = m.groups()
        micro = int((frac or "0")[:6].ljust(6, "0"))
        tz = default_tz
        if off:
            if off == "Z":
                tz = _dt.timezone.utc
            else:
                sign = -1 if off[0] == "-" else 1
                digits = off[1:].replace(":", "")
                delta = _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
                tz = _dt.timezone.utc if not delta else _dt.timezone(sign * delta)
        value = _dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                             micro, tzinfo=tz)
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_tz)
    return DateTime.from_datetime(value)

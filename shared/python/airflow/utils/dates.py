"""airflow.utils.dates: days_ago and the 1.10 helpers."""
import datetime as _dt

from airflow.utils import timezone

cron_presets = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
}


def days_ago(n, hour=0, minute=0, second=0, microsecond=0):
    """Midnight (UTC) n days ago."""
    today = timezone.utcnow().replace(hour=hour, minute=minute, second=second, microsecond=microsecond)
    return today - _dt.timedelta(days=n)


def date_range(start_date, end_date=None, num=None, delta=None):
    if not delta:
        return []
    if isinstance(delta, str):
        raise ValueError("cron expressions in date_range are not supported by skydag's shim")
    out = []
    if end_date is not None:
        d = start_date
        while d <= end_date:
            out.append(d)
            d = d + delta
        return out
    d = start_date
    step = delta if (num or 0) >= 0 else -delta
    for _ in range(abs(num or 0)):
        out.append(d)
        d = d + step
    return sorted(out)


def scale_time_units(time_seconds_arr, unit):
    factor = {"minutes": 60, "hours": 3600, "days": 86400}.get(unit, 1)
    return [x / factor for x in time_seconds_arr]


def infer_time_unit(time_seconds_arr):
    if not time_seconds_arr:
        return "hours"
    m = max(time_seconds_arr)
    return "minutes" if m <= 60 * 2 else "hours" if m <= 60 * 60 * 2 else "days"


def parse_execution_date(execution_date_str):
    return timezone.parse(execution_date_str)

"""A small 5-field cron evaluator (stdlib only) for DAG.following_schedule / previous_schedule.

Fields: minute hour day-of-month month day-of-week, with `*`, lists, ranges, steps and names
(JAN..DEC, SUN..SAT; 7 is Sunday). Like croniter, a restricted day-of-month and a restricted
day-of-week are ORed. Times are naive wall-clock times; callers convert time zones.
"""
import datetime as _dt

PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}
_DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}


def _field(text, low, high, names=None):
    values = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part == "*":
            start, end = low, high
        else:
            bounds = part.split("-", 1)
            conv = [names.get(b.upper(), None) if names else None for b in bounds]
            nums = [c if c is not None else int(b) for c, b in zip(conv, bounds)]
            start = nums[0]
            end = nums[1] if len(nums) == 2 else (high if step != 1 else start)
        values.update(range(start, end + 1, step))
    return values


class Cron:
    def __init__(self, expression):
        expression = PRESETS.get(expression.strip(), expression)
        fields = expression.split()
        if len(fields) != 5:
            raise ValueError("expected 5 cron fields in %r" % expression)
        self.minutes = _field(fields[0], 0, 59)
        self.hours = _field(fields[1], 0, 23)
        self.days = _field(fields[2], 1, 31)
        self.months = _field(fields[3], 1, 12, _MONTHS)
        self.weekdays = {d % 7 for d in _field(fields[4], 0, 7, _DAYS)}
        self.dom_restricted = fields[2] != "*"
        self.dow_restricted = fields[4] != "*"

    def _day_matches(self, d):
        dom = d.day in self.days
        dow = (d.isoweekday() % 7) in self.weekdays
        if self.dom_restricted and self.dow_restricted:
            return dom or dow
        return dom and dow

    def _matches(self, t):
        return t.month in self.months and self._day_matches(t) and t.hour in self.hours and t.minute in self.minutes

    def next(self, after):
        """The first tick strictly after `after` (naive)."""
        t = after.replace(second=0, microsecond=0) + _dt.timedelta(minutes=1)
        for _ in range(200000):
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + _dt.timedelta(days=32)).replace(day=1)
            elif not self._day_matches(t):
                t = (t + _dt.timedelta(days=1)).replace(hour=0, minute=0)
            elif t.hour not in self.hours:
                t = (t + _dt.timedelta(hours=1)).replace(minute=0)
            elif t.minute not in self.minutes:
                t = t + _dt.timedelta(minutes=1)
            else:
                return t
        raise ValueError("no cron tick found")

    def previous(self, before):
        """The last tick strictly before `before` (naive)."""
        t = before.replace(second=0, microsecond=0)
        if t == before:
            t -= _dt.timedelta(minutes=1)
        for _ in range(600000):
            if self._matches(t):
                return t
            if t.month not in self.months or not self._day_matches(t):
                t = t.replace(hour=23, minute=59) - _dt.timedelta(days=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=59) - _dt.timedelta(hours=1)
            else:
                t -= _dt.timedelta(minutes=1)
        raise ValueError("no cron tick found")

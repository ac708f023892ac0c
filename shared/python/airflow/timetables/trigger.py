"""``CronTriggerTimetable``: a run at each cron tick (skydag schedules it itself from the DAG file)."""

import datetime


class CronTriggerTimetable:
    def __init__(self, cron, *, timezone, interval=datetime.timedelta()):
        self._expression = cron
        self._timezone = timezone
        self._interval = interval

    @property
    def summary(self):
        return self._expression

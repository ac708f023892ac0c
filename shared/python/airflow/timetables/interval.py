"""The data-interval timetables ``schedule='<cron>'`` and ``schedule=timedelta(...)`` stand for (skydag schedules them itself)."""


class CronDataIntervalTimetable:
    def __init__(self, cron, timezone="UTC"):
        self._expression = cron
        self._timezone = timezone

    @property
    def summary(self):
        return self._expression


class DeltaDataIntervalTimetable:
    def __init__(self, delta):
        self._delta = delta

    @property
    def summary(self):
        return str(self._delta)

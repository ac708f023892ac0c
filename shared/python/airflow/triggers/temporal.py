"""``airflow.triggers.temporal``: wait until a moment, or for a delta from when the trigger is made."""
import asyncio
import datetime

from airflow.triggers.base import BaseTrigger, TaskSuccessEvent, TriggerEvent
from airflow.utils import timezone


class DateTimeTrigger(BaseTrigger):
    """Fires at ``moment`` (aware); its event's payload is the moment (in UTC)."""

    def __init__(self, moment, *, end_from_trigger=False):
        super().__init__()
        if not isinstance(moment, datetime.datetime):
            raise TypeError("Expected datetime.datetime type for moment. Got %s" % type(moment))
        if moment.tzinfo is None:
            raise ValueError("You cannot pass naive datetimes")
        self.moment = timezone.convert_to_utc(moment)
        self.end_from_trigger = end_from_trigger

    def serialize(self):
        return ("airflow.triggers.temporal.DateTimeTrigger", {"moment": self.moment, "end_from_trigger": self.end_from_trigger})

    async def run(self):
        self.log.info("trigger starting")
        while True:
            remaining = (self.moment - timezone.utcnow()).total_seconds()
            if remaining <= 0:
                break
            # Airflow sleeps in steps of an hour, a minute, 10 s then 1 s; the wake-up time is the same.
            await asyncio.sleep(min(remaining, 3600))
        if self.end_from_trigger:
            self.log.info("Sensor time condition reached; marking task successful and exiting")
            yield TaskSuccessEvent()
        else:
            self.log.info("yielding event with payload %r", self.moment)
            yield TriggerEvent(self.moment)


class TimeDeltaTrigger(DateTimeTrigger):
    """Fires ``delta`` after it is made (a DateTimeTrigger at now + delta)."""

    def __init__(self, delta, *, end_from_trigger=False):
        super().__init__(moment=timezone.utcnow() + delta, end_from_trigger=end_from_trigger)


__all__ = ["DateTimeTrigger", "TimeDeltaTrigger"]

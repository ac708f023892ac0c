"""``airflow.triggers.testing``: a trigger that fires at once, and one that fails."""
from airflow.triggers.base import BaseTrigger, TriggerEvent


class SuccessTrigger(BaseTrigger):
    def serialize(self):
        return ("airflow.triggers.testing.SuccessTrigger", {})

    async def run(self):
        yield TriggerEvent(True)


class FailureTrigger(BaseTrigger):
    def serialize(self):
        return ("airflow.triggers.testing.FailureTrigger", {})

    async def run(self):
        if False:  # an async generator that fails before any event
            yield None
        raise ValueError("Deliberate trigger failure")


__all__ = ["SuccessTrigger", "FailureTrigger"]

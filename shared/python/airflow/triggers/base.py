"""
``airflow.triggers.base`` as in Airflow 2.10: a trigger's ``run()`` is an async generator whose first
event resumes the deferred task. Airflow runs triggers in its triggerer process; skydag's runner awaits
the trigger in the deferred task's own process (skydag_runner/deferral.py), then resumes the task.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any


class BaseTrigger:
    """Base class of triggers: subclasses implement ``serialize()`` and ``async run()``."""

    supports_triggerer_queue = True

    def __init__(self, **kwargs):
        self.task_instance = None
        self.trigger_id = None

    def _set_context(self, context):
        """Kept for compatibility with Airflow's logging setup."""

    def serialize(self):
        raise NotImplementedError("Triggers must implement serialize()")

    async def run(self):
        raise NotImplementedError("Triggers must implement run()")
        yield  # an async generator, as Airflow's signature

    async def cleanup(self):
        """Called after the trigger gave its event (or failed), as the triggerer does."""

    @property
    def log(self):
        return logging.getLogger("airflow.triggers.%s" % type(self).__name__)

    def __repr__(self):
        try:
            classpath, kwargs = self.serialize()
        except NotImplementedError:
            return "<%s>" % type(self).__name__
        kwargs_str = ", ".join("%s=%s" % (k, v) for k, v in kwargs.items())
        return "<%s %s>" % (classpath, kwargs_str)


class TriggerEvent:
    """What a trigger yields: its payload is given to the resumed method as ``event``."""

    def __init__(self, payload: Any):
        self.payload = payload

    def __repr__(self):
        return "TriggerEvent<%r>" % (self.payload,)

    def __eq__(self, other):
        return isinstance(other, TriggerEvent) and other.payload == self.payload


class BaseTaskEndEvent(TriggerEvent):
    """An event that ends the task in a state, without resuming it (Airflow 2.10's end_from_trigger)."""

    task_instance_state = None

    def __init__(self, *, xcoms=None, **kwargs):
        super().__init__(payload=str(self.task_instance_state))
        self.xcoms = xcoms


class TaskSuccessEvent(BaseTaskEndEvent):
    task_instance_state = "success"


class TaskFailedEvent(BaseTaskEndEvent):
    task_instance_state = "failed"


class TaskSkippedEvent(BaseTaskEndEvent):
    task_instance_state = "skipped"


@dataclass
class StartTriggerArgs:
    """The trigger an operator with ``start_from_trigger`` starts deferred on, and the method its event resumes."""

    trigger_cls: str
    next_method: str
    trigger_kwargs: "dict[str, Any] | None" = None
    next_kwargs: "dict[str, Any] | None" = None
    timeout: "timedelta | None" = None


__all__ = ["BaseTrigger", "TriggerEvent", "BaseTaskEndEvent", "TaskSuccessEvent", "TaskFailedEvent", "TaskSkippedEvent", "StartTriggerArgs"]

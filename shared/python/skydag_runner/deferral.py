"""
Deferred tasks (``BaseOperator.defer``, Airflow 2.10's deferrable operators): Airflow frees the worker
and its triggerer awaits the trigger; skydag awaits the trigger in the task's own process, then resumes
the task exactly as Airflow does — ``method_name(context, event=<payload>, **kwargs)`` through
``resume_execution`` — as often as the task defers again. A trigger that fails, ends without an event
or outlives the ``timeout`` given to ``defer()`` resumes the task with Airflow's ``__fail__``, so it
fails with TaskDeferralError / TaskDeferralTimeout; an end event (``TaskSuccessEvent`` and friends)
ends the task in its state without resuming it. An operator whose ``start_trigger_args`` are set and
``start_from_trigger`` is true starts deferred on that trigger, its ``execute`` never run (Airflow 2.10).
"""
import asyncio
import functools
import inspect
import logging
import traceback

from airflow.exceptions import AirflowFailException, AirflowSkipException, TaskDeferred
from airflow.triggers.base import BaseTaskEndEvent
from airflow.utils.module_loading import import_string

log = logging.getLogger("skydag.runner")


async def _first_event(trigger, timeout_seconds):
    events = trigger.run()
    try:
        if timeout_seconds is None:
            return await events.__anext__()
        return await asyncio.wait_for(events.__anext__(), max(timeout_seconds, 0))
    except StopAsyncIteration:
        return None
    finally:
        try:
            await events.aclose()
        finally:
            cleanup = trigger.cleanup()
            if inspect.isawaitable(cleanup):
                await cleanup


def _await_trigger(deferred, context):
    """
    ``(method, kwargs, None)``: what the task resumes with (``__fail__`` when the trigger did not fire);
    ``(None, None, event)`` when the trigger's event ends the task instead.
    """
    trigger = deferred.trigger
    trigger.task_instance = context.get("ti")
    timeout = deferred.timeout.total_seconds() if deferred.timeout is not None else None
    try:
        event = asyncio.run(_first_event(trigger, timeout))
    except asyncio.TimeoutError:
        log.error("Trigger %r timed out after %s", trigger, deferred.timeout)
        return "__fail__", {"error": "Trigger timeout"}, None
    except Exception as err:
        lines = traceback.format_exception(type(err), err, err.__traceback__)
        return "__fail__", {"error": "Trigger failure", "traceback": [line.rstrip("\n") for line in lines]}, None
    if event is None:
        return "__fail__", {"error": "Trigger %r exited without sending an event" % (trigger,)}, None
    if isinstance(event, BaseTaskEndEvent):
        return None, None, event
    kwargs = dict(deferred.kwargs or {})
    kwargs["event"] = event.payload
    return deferred.method_name, kwargs, None


def _end(event, context):
    """An end event: its XComs pushed, then the task ends in the event's state."""
    ti = context.get("ti")
    for key, value in (event.xcoms or {}).items():
        ti.xcom_push(key=key, value=value)
    if event.task_instance_state == "failed":
        raise AirflowFailException("the task was failed by its trigger")
    if event.task_instance_state == "skipped":
        raise AirflowSkipException("the task was skipped by its trigger")
    return None


def starts_from_trigger(task):
    """Whether the task starts deferred (Airflow 2.10's ``start_from_trigger`` with ``start_trigger_args``)."""
    return getattr(task, "start_trigger_args", None) is not None and bool(getattr(task, "start_from_trigger", False))


def first_call(task, context):
    """What starts the task's try: ``execute``, or the deferral its ``start_trigger_args`` describe."""
    if not starts_from_trigger(task):
        return lambda: task.execute(context)
    args = task.start_trigger_args

    def deferred():
        trigger = import_string(args.trigger_cls)(**(args.trigger_kwargs or {}))
        raise TaskDeferred(trigger=trigger, method_name=args.next_method, kwargs=args.next_kwargs, timeout=args.timeout)

    return deferred


def run_with_deferrals(task, context, first_call):
    """``first_call()`` (the task's execute), resumed after each deferral until it returns or raises."""
    call = first_call
    while True:
        try:
            return call()
        except TaskDeferred as deferred:
            log.info("Pausing task as DEFERRED. dag_id=%s, task_id=%s: awaiting %r",
                     getattr(getattr(task, "dag", None), "dag_id", None), task.task_id, deferred.trigger)
            method, kwargs, ended = _await_trigger(deferred, context)
            if ended is not None:
                log.info("Trigger ended the task: %s", ended.task_instance_state)
                return _end(ended, context)
            log.info("Resuming after deferral: %s", method)
            call = functools.partial(task.resume_execution, method, kwargs, context)

"""``@task.run_if`` / ``@task.skip_if`` (Airflow 2.10): a condition on the context, checked before execute."""
import functools

from airflow.exceptions import AirflowSkipException

__all__ = ["run_if", "skip_if"]

_DEFAULT_MESSAGE = "Task was skipped due to condition."


def run_if(condition, skip_message=None):
    """The task runs only when ``condition(context)`` is true; otherwise it is skipped."""
    return _conditional("run_if", condition, skip_message, skip_when=False)


def skip_if(condition, skip_message=None):
    """The task is skipped when ``condition(context)`` is true."""
    return _conditional("skip_if", condition, skip_message, skip_when=True)


def _conditional(name, condition, skip_message, skip_when):
    hook = _skip_hook(condition, skip_message or _DEFAULT_MESSAGE, skip_when)

    def decorator(task):
        from airflow.decorators import _TaskDecorator

        if not isinstance(task, _TaskDecorator):
            raise TypeError("%s can only be used with task. decorate with @task before @%s." % (name, name))
        # As Airflow: the decorator's own pre_execute hook (an inner condition) runs first.
        task.kwargs["pre_execute"] = _chain(task.kwargs.get("pre_execute"), hook)
        return task

    return decorator


def _skip_hook(condition, default_message, skip_when):
    @functools.wraps(condition)
    def pre_execute(context):
        outcome = condition(context)
        message = default_message
        # A condition may return (bool, message): the message explains this skip.
        if isinstance(outcome, tuple):
            outcome, custom = outcome
            if custom:
                message = custom
        if bool(outcome) == skip_when:
            raise AirflowSkipException(message)

    return pre_execute


def _chain(*hooks):
    def pre_execute(context):
        for hook in hooks:
            if hook is not None:
                hook(context)

    return pre_execute

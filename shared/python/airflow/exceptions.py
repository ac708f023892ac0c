"""Airflow's exception classes (the ones DAG files and task code raise or catch)."""
import datetime as _dt


class AirflowException(Exception):
    """Base class for Airflow errors; raising it fails the task (retried per policy)."""

    status_code = 500


class AirflowBadRequest(AirflowException):
    status_code = 400


class AirflowNotFoundException(AirflowException):
    status_code = 404


class AirflowConfigException(AirflowException):
    pass


class AirflowSensorTimeout(AirflowException):
    """A sensor ran out of time: fails the task without retrying."""


class AirflowRescheduleException(AirflowException):
    def __init__(self, reschedule_date=None):
        super().__init__()
        self.reschedule_date = reschedule_date


class AirflowSkipException(AirflowException):
    """Ends the task as skipped."""


class AirflowFailException(AirflowException):
    """Fails the task without retrying."""


class AirflowTaskTimeout(AirflowException):
    """execution_timeout expired."""


class AirflowTaskTerminated(AirflowException):
    """The task process was asked to stop (SIGTERM)."""


class AirflowWebServerTimeout(AirflowException):
    pass


class AirflowDagCycleException(AirflowException):
    pass


class AirflowDagDuplicatedIdException(AirflowException):
    pass


class AirflowClusterPolicyViolation(AirflowException):
    pass


class AirflowTimetableInvalid(AirflowException):
    pass


class DagNotFound(AirflowNotFoundException):
    pass


class DagCodeNotFound(AirflowNotFoundException):
    pass


class DagRunNotFound(AirflowNotFoundException):
    pass


class DagRunAlreadyExists(AirflowBadRequest):
    pass


class DagFileExists(AirflowBadRequest):
    pass


class DuplicateTaskIdFound(AirflowException):
    pass


class TaskNotFound(AirflowNotFoundException):
    pass


class TaskInstanceNotFound(AirflowNotFoundException):
    pass


class PoolNotFound(AirflowNotFoundException):
    pass


class NoAvailablePoolSlot(AirflowException):
    pass


class DagConcurrencyLimitReached(AirflowException):
    pass


class TaskConcurrencyLimitReached(AirflowException):
    pass


class UnmappableXComTypePushed(AirflowException):
    pass


class ParamValidationError(AirflowException):
    pass


class SerializationError(AirflowException):
    pass


class RemovedInAirflow3Warning(DeprecationWarning):
    pass


class AirflowProviderDeprecationWarning(DeprecationWarning):
    pass


class TaskDeferred(BaseException):
    """
    Raised by ``BaseOperator.defer``: the task waits for ``trigger``'s first event, then ``method_name``
    is called with ``event=`` (the payload) and ``kwargs``. A BaseException, as in Airflow, so a task's
    ``except Exception`` does not swallow it.
    """

    def __init__(self, *, trigger, method_name, kwargs=None, timeout=None):
        super().__init__()
        self.trigger = trigger
        self.method_name = method_name
        self.kwargs = kwargs
        self.timeout = _dt.timedelta(seconds=timeout) if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else timeout
        if self.timeout is not None and not hasattr(self.timeout, "total_seconds"):
            raise ValueError("Timeout value must be a timedelta")

    def __repr__(self):
        return "<TaskDeferred trigger=%s method=%s>" % (self.trigger, self.method_name)


class TaskDeferralError(AirflowException):
    """The trigger a task was deferred on failed."""


class TaskDeferralTimeout(AirflowException):
    """The trigger did not fire within the ``timeout`` given to ``defer()``."""


class SkydagShimError(AirflowException):
    """Something a DAG file asked for that skydag's airflow shim does not provide at run time."""

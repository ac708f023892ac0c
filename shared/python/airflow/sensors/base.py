"""BaseSensorOperator: skydag's runtime calls ``poke(context)`` once per request and schedules the next."""
import datetime as _dt
import time

from airflow.exceptions import AirflowSensorTimeout, AirflowSkipException
from airflow.models.baseoperator import BaseOperator


class PokeReturnValue:
    """A poke result carrying an XCom value (pushed as return_value once the sensor is done)."""

    def __init__(self, is_done, xcom_value=None):
        self.is_done = is_done
        self.xcom_value = xcom_value

    def __bool__(self):
        return bool(self.is_done)


class BaseSensorOperator(BaseOperator):
    ui_color = "#e6f1f2"
    valid_modes = ["poke", "reschedule"]

    def __init__(self, *, poke_interval=60, timeout=60 * 60 * 24 * 7, soft_fail=False, mode="poke",
                 exponential_backoff=False, max_wait=None, silent_fail=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(poke_interval, _dt.timedelta):
            poke_interval = poke_interval.total_seconds()
        if isinstance(timeout, _dt.timedelta):
            timeout = timeout.total_seconds()
        self.poke_interval = poke_interval
        self.timeout = timeout
        self.soft_fail = soft_fail
        self.mode = mode
        self.exponential_backoff = exponential_backoff
        self.max_wait = max_wait
        self.silent_fail = silent_fail

    def poke(self, context):
        raise NotImplementedError("%s must implement poke(context)" % type(self).__name__)

    def execute(self, context):
        """In-process poke loop (skydag normally pokes one request at a time instead)."""
        started = time.monotonic()
        while True:
            result = self.poke(context)
            if isinstance(result, PokeReturnValue):
                if result.is_done:
                    return result.xcom_value
            elif result:
                return None
            if time.monotonic() - started > self.timeout:
                message = "Sensor has timed out; run duration of %s seconds exceeds the specified timeout of %s." % (
                    time.monotonic() - started, self.timeout)
                if self.soft_fail:
                    raise AirflowSkipException(message)
                raise AirflowSensorTimeout(message)
            time.sleep(self.poke_interval)

    @property
    def reschedule(self):
        return self.mode == "reschedule"


def poke_mode_only(cls):
    return cls

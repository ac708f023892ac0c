"""
SqlSensor (apache-airflow-providers-common-sql 1.x): pokes until the query's first row, through
``selector`` (its first value by default), passes ``success`` (a callable) or is truthy; ``failure``
(a callable) true fails the task; no rows is a False poke, or a failure with ``fail_on_empty``.
"""
from __future__ import annotations

from operator import itemgetter

from airflow.exceptions import AirflowException, AirflowSkipException
from airflow.providers.common.sql.operators.sql import hook_for_connection
from airflow.sensors.base import BaseSensorOperator


class SqlSensor(BaseSensorOperator):
    template_fields = ("sql", "hook_params", "parameters")
    template_ext = (".hql", ".sql")
    ui_color = "#7c7287"

    def __init__(self, *, conn_id, sql, parameters=None, success=None, failure=None, selector=itemgetter(0),
                 fail_on_empty=False, hook_params=None, **kwargs):
        self.conn_id = conn_id
        self.sql = sql
        self.parameters = parameters
        self.success = success
        self.failure = failure
        self.selector = selector
        self.fail_on_empty = fail_on_empty
        self.hook_params = hook_params
        super().__init__(**kwargs)

    def _get_hook(self):
        return hook_for_connection(self.conn_id, self.hook_params)

    def _fail(self, message):
        # As the provider does with soft_fail: the sensor skips instead of failing.
        if self.soft_fail:
            raise AirflowSkipException(message)
        raise AirflowException(message)

    def poke(self, context):
        hook = self._get_hook()
        self.log.info("Poking: %s (with parameters %s)", self.sql, self.parameters)
        records = hook.get_records(self.sql, self.parameters)
        if not records:
            if self.fail_on_empty:
                self._fail("No rows returned, raising as per fail_on_empty flag")
            return False
        condition = self.selector(records[0])
        if self.failure is not None:
            if callable(self.failure):
                if self.failure(condition):
                    self._fail("Failure criteria met. self.failure(%s) returned True" % (condition,))
            else:
                self._fail("self.failure is present, but not callable -> %s" % (self.failure,))
        if self.success is not None:
            if callable(self.success):
                return self.success(condition)
            self._fail("self.success is present, but not callable -> %s" % (self.success,))
        return bool(condition)


__all__ = ["SqlSensor"]

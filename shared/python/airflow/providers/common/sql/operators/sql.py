"""
SQLExecuteQueryOperator (apache-airflow-providers-common-sql 1.x): runs ``sql`` (a string, a list
of statements, or a ``.sql`` template file) on the database of ``conn_id`` through the hook for the
connection's type; with ``do_xcom_push`` the rows of the last statement (or of each, with
``return_last=False``) are the XCom, as lists.
"""
from __future__ import annotations

from airflow.exceptions import AirflowException
from airflow.hooks.base import BaseHook
from airflow.models.baseoperator import BaseOperator
from airflow.providers.common.sql.hooks.sql import fetch_all_handler, return_single_query_results

# The hooks skydag implements, by connection type.
_HOOKS = {
    "sqlite": ("airflow.providers.sqlite.hooks.sqlite", "SqliteHook"),
    "postgres": ("airflow.providers.postgres.hooks.postgres", "PostgresHook"),
    "postgresql": ("airflow.providers.postgres.hooks.postgres", "PostgresHook"),
}


def hook_for_connection(conn_id, hook_params=None):
    import importlib

    conn = BaseHook.get_connection(conn_id)
    target = _HOOKS.get((conn.conn_type or "").lower())
    if target is None:
        raise AirflowException(
            "skydag runs SQL on sqlite and postgres connections; connection %r has type %r "
            "(run the SQL from a PythonOperator with that database's client instead)" % (conn_id, conn.conn_type))
    module, name = target
    cls = getattr(importlib.import_module(module), name)
    return cls(**{cls.conn_name_attr: conn_id}, **(hook_params or {}))


class BaseSQLOperator(BaseOperator):
    template_fields = ("conn_id", "database", "hook_params")

    def __init__(self, *, conn_id=None, database=None, hook_params=None, retry_on_failure=True, **kwargs):
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.database = database
        self.hook_params = hook_params or {}
        self.retry_on_failure = retry_on_failure

    def get_db_hook(self):
        if not self.conn_id:
            raise AirflowException("%s %r: conn_id is required" % (type(self).__name__, self.task_id))
        params = dict(self.hook_params)
        if self.database:
            params.setdefault("schema", self.database)
        return hook_for_connection(self.conn_id, params)


def _listify(value):
    """Rows as lists (XCom stores JSON; Airflow's serializer also turns tuples into lists)."""
    if isinstance(value, (list, tuple)):
        return [_listify(v) for v in value]
    return value


class SQLExecuteQueryOperator(BaseSQLOperator):
    template_fields = ("sql", "parameters") + BaseSQLOperator.template_fields
    template_ext = (".sql", ".json")
    template_fields_renderers = {"sql": "sql", "parameters": "json"}
    ui_color = "#cdaaed"

    def __init__(self, *, sql, autocommit=False, parameters=None, handler=fetch_all_handler, output_processor=None,
                 conn_id=None, database=None, split_statements=None, return_last=True,
                 show_return_value_in_logs=False, **kwargs):
        super().__init__(conn_id=conn_id, database=database, **kwargs)
        self.sql = sql
        self.autocommit = autocommit
        self.parameters = parameters
        self.handler = handler
        self._output_processor = output_processor or (lambda results, descriptions: (descriptions, results))
        self.split_statements = split_statements
        self.return_last = return_last
        self.show_return_value_in_logs = show_return_value_in_logs

    def execute(self, context):
        self.log.info("Executing: %s", self.sql)
        hook = self.get_db_hook()
        split = self.split_statements if self.split_statements is not None else False
        output = hook.run(
            sql=self.sql,
            autocommit=self.autocommit,
            parameters=self.parameters,
            handler=self.handler if self.do_xcom_push else None,
            return_last=self.return_last,
            split_statements=split,
        )
        if not self.do_xcom_push:
            return None
        if return_single_query_results(self.sql, self.return_last, split):
            _, result = self._output_processor([output], [hook.descriptions[-1]] if hook.descriptions else [None])
            result = result[-1]
        else:
            _, result = self._output_processor(output, hook.descriptions)
        if self.show_return_value_in_logs:
            self.log.info("Operator output is: %s", result)
        return _listify(result)

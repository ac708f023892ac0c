"""SqliteOperator (apache-airflow-providers-sqlite, deprecated there for SQLExecuteQueryOperator)."""
from __future__ import annotations

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator


class SqliteOperator(SQLExecuteQueryOperator):
    template_fields = ("sql",)
    template_ext = (".sql",)
    template_fields_renderers = {"sql": "sql"}
    ui_color = "#cdaaed"

    def __init__(self, *, sql, sqlite_conn_id="sqlite_default", parameters=None, **kwargs):
        super().__init__(sql=sql, conn_id=sqlite_conn_id, parameters=parameters, **kwargs)
        self.sqlite_conn_id = sqlite_conn_id

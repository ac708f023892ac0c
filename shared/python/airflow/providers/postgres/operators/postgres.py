"""PostgresOperator (apache-airflow-providers-postgres, deprecated there for SQLExecuteQueryOperator)."""
from __future__ import annotations

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator


class PostgresOperator(SQLExecuteQueryOperator):
    template_fields = ("sql",)
    template_ext = (".sql",)
    template_fields_renderers = {"sql": "postgresql"}
    ui_color = "#ededed"

    def __init__(self, *, postgres_conn_id="postgres_default", database=None, runtime_parameters=None, **kwargs):
        if runtime_parameters:
            sql = kwargs.pop("sql")
            settings = ";".join("SET %s TO %s" % (k, v) for k, v in runtime_parameters.items())
            kwargs["sql"] = settings + ";" + sql if isinstance(sql, str) else [settings] + list(sql)
            kwargs.setdefault("split_statements", True)
        super().__init__(conn_id=postgres_conn_id, database=database, **kwargs)
        self.postgres_conn_id = postgres_conn_id

"""
GenericTransfer (``airflow.operators.generic_transfer``): the rows of ``sql`` on the source connection
inserted into ``destination_table`` on the destination connection (after ``preoperator``, run there),
with the sqlite/postgres hooks skydag implements.
"""
from airflow.models.baseoperator import BaseOperator
from airflow.providers.common.sql.operators.sql import hook_for_connection


class GenericTransfer(BaseOperator):
    template_fields = ("sql", "destination_table", "preoperator")
    template_ext = (".sql", ".hql")
    template_fields_renderers = {"preoperator": "sql"}
    ui_color = "#b0f07c"

    def __init__(self, *, sql, destination_table, source_conn_id, source_hook_params=None, destination_conn_id,
                 destination_hook_params=None, preoperator=None, insert_args=None, **kwargs):
        super().__init__(**kwargs)
        self.sql = sql
        self.destination_table = destination_table
        self.source_conn_id = source_conn_id
        self.source_hook_params = source_hook_params
        self.destination_conn_id = destination_conn_id
        self.destination_hook_params = destination_hook_params
        self.preoperator = preoperator
        self.insert_args = insert_args or {}

    def execute(self, context):
        source_hook = hook_for_connection(self.source_conn_id, self.source_hook_params)
        destination_hook = hook_for_connection(self.destination_conn_id, self.destination_hook_params)
        self.log.info("Extracting data from %s", self.source_conn_id)
        self.log.info("Executing: \n %s", self.sql)
        results = source_hook.get_records(self.sql)
        if self.preoperator:
            self.log.info("Running preoperator")
            self.log.info(self.preoperator)
            destination_hook.run(self.preoperator)
        self.log.info("Inserting rows into %s", self.destination_conn_id)
        destination_hook.insert_rows(table=self.destination_table, rows=results, **self.insert_args)


__all__ = ["GenericTransfer"]

from airflow.models.baseoperator import BaseOperator


class EmptyOperator(BaseOperator):
    """Does nothing."""

    ui_color = "#e8f7e4"

    def execute(self, context):
        pass

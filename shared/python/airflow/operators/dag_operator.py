"""Couture's DagOperator / SkippableDagOperator (master DAGs): run by skydag's runtime.

The Python runner only calls ``python_callable(context, dag_run_obj)`` for them.
"""
from airflow.models.baseoperator import BaseOperator
from airflow.models.dagrun import DagRunOrder  # noqa: F401


class SkippableDagOperator(BaseOperator):
    template_fields = ("run_dag_id", "skip_dag", "dag_run_conf")
    ui_color = "#e5c7f2"
    _skydag_executable = False

    def __init__(self, python_callable=None, skip_dag=False, dag_run_conf=None, *args, **kwargs):
        kwargs["retries"] = 0
        super().__init__(*args, **kwargs)
        self.python_callable = python_callable
        self.skip_dag = skip_dag
        self.dag_run_conf = dag_run_conf

    def execute(self, context):
        from airflow.exceptions import SkydagShimError

        raise SkydagShimError("%s is run by skydag's runtime, not by the Python runner" % type(self).__name__)


class DagOperator(SkippableDagOperator):
    ui_color = "#d575ff"

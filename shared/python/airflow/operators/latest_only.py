from airflow.models.baseoperator import BaseOperator
from airflow.models.skipmixin import BranchMixIn


class LatestOnlyOperator(BaseOperator, BranchMixIn):
    """Run by skydag's runtime (it compares the run with the schedule); not by the Python runner."""

    ui_color = "#e9ffdb"
    _skydag_executable = False

    def execute(self, context):
        from airflow.exceptions import SkydagShimError

        raise SkydagShimError("LatestOnlyOperator is evaluated by skydag's runtime, not by the Python runner")

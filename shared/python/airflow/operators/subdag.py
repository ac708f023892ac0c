"""Airflow's SubDagOperator (1.10 and 2.x): its sub-DAG runs through skydag's runtime, as a child run."""
import enum

from airflow.models.baseoperator import BaseOperator


class SkippedStatePropagationOptions(str, enum.Enum):
    """Which of the sub-DAG's leaves being skipped skips the operator's downstream tasks."""

    ALL_LEAVES = "all_leaves"
    ANY_LEAF = "any_leaf"


class SubDagOperator(BaseOperator):
    ui_color = "#555"
    ui_fgcolor = "#fff"
    _skydag_executable = False

    def __init__(self, *, subdag, session=None, conf=None, propagate_skipped_state=None, **kwargs):
        for sensor_arg in ("poke_interval", "mode", "timeout", "soft_fail", "exponential_backoff"):
            kwargs.pop(sensor_arg, None)
        super().__init__(**kwargs)
        self.subdag = subdag
        self.conf = conf
        self.propagate_skipped_state = propagate_skipped_state

    def execute(self, context):
        from airflow.exceptions import SkydagShimError

        raise SkydagShimError("SubDagOperator is run by skydag's runtime, not by the Python runner")

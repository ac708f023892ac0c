"""BranchDateTimeOperator (Airflow 2.x ``airflow.operators.datetime``): branch on the time being inside a window."""
import datetime as _dt

from airflow.exceptions import AirflowException
from airflow.operators.branch import BaseBranchOperator
from airflow.utils import timezone

__all__ = ["BranchDateTimeOperator", "target_times_as_dates"]


class BranchDateTimeOperator(BaseBranchOperator):
    """
    Follows ``follow_task_ids_if_true`` when now (or the run's logical date with
    ``use_task_logical_date``) is within ``[target_lower, target_upper]``, else
    ``follow_task_ids_if_false``. A ``datetime.time`` bound falls on now's (UTC) date; naive bounds are
    in the DAG's time zone; an upper time before the lower one is on the next day.
    """

    def __init__(self, *, follow_task_ids_if_true, follow_task_ids_if_false, target_lower, target_upper,
                 use_task_logical_date=False, use_task_execution_date=False, **kwargs):
        super().__init__(**kwargs)
        if target_lower is None and target_upper is None:
            raise AirflowException(
                "Both target_upper and target_lower are None. At least one "
                "must be defined to be compared to the current datetime"
            )
        self.target_lower = target_lower
        self.target_upper = target_upper
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.use_task_logical_date = use_task_logical_date or use_task_execution_date

    def choose_branch(self, context):
        now = context["logical_date"] if self.use_task_logical_date else timezone.coerce_datetime(timezone.utcnow())
        lower, upper = target_times_as_dates(now, self.target_lower, self.target_upper)
        lower = timezone.coerce_datetime(lower, self.dag.timezone)
        upper = timezone.coerce_datetime(upper, self.dag.timezone)
        if upper is not None and upper < now:
            return self.follow_task_ids_if_false
        if lower is not None and lower > now:
            return self.follow_task_ids_if_false
        return self.follow_task_ids_if_true


def target_times_as_dates(base_date, lower, upper):
    """``time`` bounds as datetimes on ``base_date``'s date (an upper one before the lower: the next day)."""
    if isinstance(lower, _dt.datetime) and isinstance(upper, _dt.datetime):
        return lower, upper
    if lower is not None and isinstance(lower, _dt.time):
        lower = _dt.datetime.combine(base_date, lower)
    if upper is not None and isinstance(upper, _dt.time):
        upper = _dt.datetime.combine(base_date, upper)
    if lower is None or upper is None:
        return lower, upper
    if upper < lower:
        upper += _dt.timedelta(days=1)
    return lower, upper

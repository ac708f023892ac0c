"""BranchDayOfWeekOperator (Airflow 2.x ``airflow.operators.weekday``): branch on the day of the week."""
from airflow.operators.branch import BaseBranchOperator
from airflow.utils import timezone
from airflow.utils.weekday import WeekDay

__all__ = ["BranchDayOfWeekOperator"]


class BranchDayOfWeekOperator(BaseBranchOperator):
    """
    Follows ``follow_task_ids_if_true`` when the day (the run's logical date with
    ``use_task_logical_date``, else today in the DAG's time zone) is one of ``week_day``, else
    ``follow_task_ids_if_false``.
    """

    def __init__(self, *, follow_task_ids_if_true, follow_task_ids_if_false, week_day, use_task_logical_date=False,
                 use_task_execution_day=False, **kwargs):
        super().__init__(**kwargs)
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.week_day = week_day
        self.use_task_logical_date = use_task_logical_date or use_task_execution_day
        self._week_day_num = WeekDay.validate_week_day(week_day)

    def choose_branch(self, context):
        if self.use_task_logical_date:
            day = context["logical_date"]
        else:
            day = timezone.make_naive(timezone.utcnow(), self.dag.timezone)
        if day.isoweekday() in self._week_day_num:
            return self.follow_task_ids_if_true
        return self.follow_task_ids_if_false

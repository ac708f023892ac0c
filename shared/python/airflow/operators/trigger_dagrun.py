"""TriggerDagRunOperator (Airflow 2, and 1.10's ``python_callable(context, dag_run_obj)`` form)."""
from airflow.models.baseoperator import BaseOperator
from airflow.models.dagrun import DagRunOrder  # noqa: F401


class TriggerDagRunOperator(BaseOperator):
    template_fields = ("trigger_dag_id", "trigger_run_id", "execution_date", "conf")
    ui_color = "#ffefeb"
    _skydag_executable = False

    def __init__(self, trigger_dag_id=None, trigger_run_id=None, conf=None, execution_date=None,
                 logical_date=None, reset_dag_run=False, wait_for_completion=False, poke_interval=60,
                 allowed_states=None, failed_states=None, python_callable=None, skip_when_already_exists=False,
                 deferrable=False, **kwargs):
        super().__init__(**kwargs)
        self.trigger_dag_id = trigger_dag_id
        self.trigger_run_id = trigger_run_id
        self.conf = conf
        self.execution_date = execution_date if execution_date is not None else logical_date
        self.logical_date = self.execution_date
        self.reset_dag_run = reset_dag_run
        self.wait_for_completion = wait_for_completion
        self.poke_interval = poke_interval
        self.allowed_states = allowed_states
        self.failed_states = failed_states
        self.python_callable = python_callable
        self.skip_when_already_exists = skip_when_already_exists

    def execute(self, context):
        from airflow.exceptions import SkydagShimError

        raise SkydagShimError("TriggerDagRunOperator is run by skydag's runtime, not by the Python runner")

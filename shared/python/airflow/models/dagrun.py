"""DagRun: the running task's ``dag_run`` (conf, run_id, external_trigger, dates)."""


class DagRun:
    def __init__(self, dag_id=None, run_id=None, conf=None, external_trigger=False, run_type="manual",
                 execution_date=None, data_interval_start=None, data_interval_end=None, start_date=None,
                 state="running", **kwargs):
        self.dag_id = dag_id
        self.run_id = run_id
        self.conf = conf if conf is not None else {}
        self.external_trigger = external_trigger
        self.run_type = run_type
        self.execution_date = execution_date
        self.logical_date = execution_date
        self.data_interval_start = data_interval_start
        self.data_interval_end = data_interval_end
        self.start_date = start_date
        self.state = state
        self.dag = kwargs.get("dag")

    def get_task_instance(self, task_id, session=None, map_index=-1):
        return None

    def get_task_instances(self, state=None, session=None):
        return []

    def get_state(self):
        return self.state

    @property
    def is_backfill(self):
        return self.run_type == "backfill" or str(self.run_id or "").startswith("backfill")

    def __repr__(self):
        return "<DagRun %s @ %s: %s, state:%s, externally triggered: %s>" % (
            self.dag_id, self.execution_date, self.run_id, self.state, self.external_trigger)


class DagRunOrder:
    """Airflow 1.10's trigger object handed to ``python_callable(context, dag_run_obj)``."""

    def __init__(self, run_id=None, payload=None):
        self.run_id = run_id
        self.payload = payload

"""TaskInstance: the running task's ``ti`` (XCom push/pull go to skydag's orchestrator)."""
from airflow import _skydag

XCOM_RETURN_KEY = "return_value"


class TaskInstance:
    def __init__(self, task=None, execution_date=None, run_id=None, state="running", map_index=-1,
                 dag_id=None, task_id=None, try_number=1, max_tries=0, dag_run=None, **kwargs):
        self.task = task
        self.task_id = task_id or (task.task_id if task is not None else None)
        if dag_id is None and task is not None and task.has_dag():
            dag_id = task.dag_id
        self.dag_id = dag_id
        self.run_id = run_id
        self.execution_date = execution_date
        self.logical_date = execution_date
        self.state = state
        self.map_index = map_index
        self.try_number = try_number
        self.max_tries = max_tries
        self.hostname = kwargs.get("hostname")
        self.start_date = kwargs.get("start_date")
        self.end_date = None
        self.duration = None
        self.pool = getattr(task, "pool", "default_pool")
        self.queue = getattr(task, "queue", "default")
        self.priority_weight = getattr(task, "priority_weight", 1)
        self.operator = type(task).__name__ if task is not None else None
        self.executor_config = getattr(task, "executor_config", {})
        self._dag_run = dag_run

    @property
    def task_display_name(self):
        return getattr(self.task, "task_display_name", None) or self.task_id

    @property
    def prev_attempted_tries(self):
        return self.try_number - 1

    @property
    def next_try_number(self):
        return self.try_number + 1

    @property
    def is_premature(self):
        return False

    def xcom_pull(self, task_ids=None, dag_id=None, key=XCOM_RETURN_KEY, include_prior_dates=False,
                  session=None, map_indexes=None, default=None, run_id=None):
        """Reads XComs of this run: ``task_ids`` a string gives one value, a list gives a list."""
        if task_ids is not None and not isinstance(task_ids, str):
            task_ids = [str(t) for t in task_ids]
        if dag_id == self.dag_id:
            dag_id = None
        value = _skydag.call("xcom_pull", task_ids=task_ids, key=key, dag_id=dag_id)
        if value is None and default is not None:
            return default
        return value

    def xcom_push(self, key, value, execution_date=None, session=None):
        """Stores an XCom for this task instance; the value must be JSON-serializable."""
        if not isinstance(key, str) or not key:
            raise ValueError("XCom key must be a non-empty string, got %r" % (key,))
        stored = _skydag.to_json_value(value, "XCom value for key %r" % key)
        _skydag.call("xcom_push", key=key, value=stored)

    def get_dagrun(self, session=None):
        return self._dag_run

    def get_template_context(self, session=None, ignore_param_exceptions=True):
        return _skydag.current_context

    def get_previous_ti(self, *args, **kwargs):
        return None

    def get_previous_start_date(self, *args, **kwargs):
        ctx = _skydag.current_context or {}
        return ctx.get("prev_start_date_success")

    def are_dependents_done(self, session=None):
        return False

    def set_state(self, state, session=None):
        from airflow.exceptions import SkydagShimError

        raise SkydagShimError("ti.set_state() is not available inside skydag tasks")

    @property
    def key(self):
        return (self.dag_id, self.task_id, self.run_id, self.try_number, self.map_index)

    @property
    def log_url(self):
        return ""

    def __repr__(self):
        return "<TaskInstance: %s.%s %s [%s]>" % (self.dag_id, self.task_id, self.run_id, self.state)

"""DAG and the ``with DAG(...)`` context, as far as building tasks needs them."""
import copy
import datetime as _dt
import os
import sys

from airflow import _skydag
from airflow.exceptions import AirflowException, DuplicateTaskIdFound, TaskNotFound


class DagContext:
    """The stack of DAGs opened with ``with DAG(...)`` (or ``@dag`` bodies)."""

    _stack = []

    @classmethod
    def push_context_managed_dag(cls, dag):
        cls._stack.append(dag)

    @classmethod
    def pop_context_managed_dag(cls):
        return cls._stack.pop() if cls._stack else None

    @classmethod
    def get_current_dag(cls):
        return cls._stack[-1] if cls._stack else None

    # Airflow 3 names
    push = push_context_managed_dag
    pop = pop_context_managed_dag
    get_current = get_current_dag


_NOTSET = object()


class DAG:
    """A DAG: its id, arguments and tasks. Scheduling attributes are kept as given."""

    def __init__(self, dag_id, description=None, schedule=_NOTSET, schedule_interval=_NOTSET, *args, **kwargs):
        if args:
            # Airflow 1.10's positional order after description: schedule_interval, start_date, ...
            names = ["start_date", "end_date", "full_filepath", "template_searchpath"]
            for name, value in zip(names, args):
                kwargs.setdefault(name, value)
        self._dag_id = dag_id
        self.description = description
        if schedule is not _NOTSET:
            self.schedule_interval = schedule
        elif schedule_interval is not _NOTSET:
            self.schedule_interval = schedule_interval
        else:
            self.schedule_interval = _dt.timedelta(days=1)
        self.schedule = self.schedule_interval
        self.default_args = copy.copy(kwargs.pop("default_args", None) or {})
        params = kwargs.pop("params", None)
        merged = dict(self.default_args.get("params") or {})
        merged.update(params or {})
        from airflow.models.param import ParamsDict

        self.params = ParamsDict(merged)
        self.start_date = kwargs.pop("start_date", None) or self.default_args.get("start_date")
        self.end_date = kwargs.pop("end_date", None) or self.default_args.get("end_date")
        self.catchup = kwargs.pop("catchup", True)
        self.tags = list(kwargs.pop("tags", None) or [])
        self.doc_md = kwargs.pop("doc_md", None)
        self.on_success_callback = kwargs.pop("on_success_callback", None)
        self.on_failure_callback = kwargs.pop("on_failure_callback", None)
        self.sla_miss_callback = kwargs.pop("sla_miss_callback", None)
        self.max_active_runs = kwargs.pop("max_active_runs", 16)
        self.max_active_tasks = kwargs.pop("max_active_tasks", None) or kwargs.pop("concurrency", None) or 16
        self.dagrun_timeout = kwargs.pop("dagrun_timeout", None)
        self.template_searchpath = kwargs.pop("template_searchpath", None)
        self.user_defined_macros = kwargs.pop("user_defined_macros", None)
        self.user_defined_filters = kwargs.pop("user_defined_filters", None)
        self.render_template_as_native_obj = kwargs.pop("render_template_as_native_obj", False)
        self.is_paused_upon_creation = kwargs.pop("is_paused_upon_creation", None)
        self.owner_links = kwargs.pop("owner_links", None)
        self.timezone = _timezone_of(self.start_date)
        self._skydag_extra = kwargs
        for key, value in kwargs.items():
            if not hasattr(type(self), key):
                setattr(self, key, value)
        self.task_dict = {}
        self.fileloc = _caller_file()
        from airflow.utils.task_group import TaskGroup

        self._task_group = TaskGroup.create_root(self)
        _skydag.DAGS.append(self)

    # ---- identity
    @property
    def dag_id(self):
        return self._dag_id

    @dag_id.setter
    def dag_id(self, value):
        self._dag_id = value

    @property
    def task_group(self):
        return self._task_group

    @property
    def owner(self):
        return ", ".join(sorted({t.owner for t in self.task_dict.values() if getattr(t, "owner", None)}))

    @property
    def full_filepath(self):
        return self.fileloc

    @property
    def folder(self):
        return os.path.dirname(self.fileloc or "")

    def __repr__(self):
        return "<DAG: %s>" % self.dag_id

    def __hash__(self):
        return hash(self.dag_id)

    # ---- context manager
    def __enter__(self):
        self._skydag_context_managed = True
        DagContext.push_context_managed_dag(self)
        return self

    def __exit__(self, exc_type, exc, tb):
        DagContext.pop_context_managed_dag()

    # ---- tasks
    @property
    def task(self):
        """``@dag.task``: the TaskFlow decorator with ``dag=self`` (Airflow's ``functools.partial(task, dag=self)``)."""
        import functools

        from airflow.decorators import task

        return functools.partial(task, dag=self)

    @property
    def tasks(self):
        return list(self.task_dict.values())

    @tasks.setter
    def tasks(self, value):
        raise AttributeError("DAG.tasks can not be modified. Use dag.add_task() instead.")

    @property
    def task_ids(self):
        return list(self.task_dict.keys())

    @property
    def roots(self):
        return [t for t in self.task_dict.values() if not t.upstream_task_ids]

    @property
    def leaves(self):
        return [t for t in self.task_dict.values() if not t.downstream_task_ids]

    def has_task(self, task_id):
        return task_id in self.task_dict

    def get_task(self, task_id, include_subdags=False):
        if task_id in self.task_dict:
            return self.task_dict[task_id]
        raise TaskNotFound("Task %s not found" % task_id)

    def add_task(self, task):
        task_id = task.task_id
        existing = self.task_dict.get(task_id)
        if existing is task:
            return
        if existing is not None:
            raise DuplicateTaskIdFound("Task id '%s' has already been added to the DAG" % task_id)
        self.task_dict[task_id] = task
        task._dag = self
        if getattr(task, "_task_group", None) is None:
            self._task_group.add(task)

    def add_tasks(self, tasks):
        for task in tasks:
            self.add_task(task)

    def topological_sort(self, include_subdag_tasks=False):
        done, order = set(), []

        def visit(t):
            if t.task_id in done:
                return
            done.add(t.task_id)
            for up in sorted(t.upstream_task_ids):
                if up in self.task_dict:
                    visit(self.task_dict[up])
            order.append(t)

        for t in self.task_dict.values():
            visit(t)
        return order

    # ---- things DAG files call at module level that mean nothing here
    def cli(self):
        raise AirflowException("dag.cli() is not available in skydag; use the skydag CLI")

    def _schedule_step(self, dttm, forward):
        """Airflow 1.10/2.x following_schedule / previous_schedule: the next (previous) schedule tick,
        computed on the DAG's wall clock as Airflow does, returned in dttm's time zone."""
        schedule = self.schedule_interval
        if schedule is None or schedule == "@once":
            return None
        if isinstance(schedule, _dt.timedelta):
            return dttm + schedule if forward else dttm - schedule
        from airflow.utils.cron import Cron

        tz = getattr(self, "timezone", None) or dttm.tzinfo
        local = dttm.astimezone(tz) if (tz is not None and dttm.tzinfo is not None) else dttm
        cron = Cron(str(schedule))
        tick = cron.next(local.replace(tzinfo=None)) if forward else cron.previous(local.replace(tzinfo=None))
        if local.tzinfo is not None:
            tick = tick.replace(tzinfo=local.tzinfo)
            return tick.astimezone(dttm.tzinfo) if dttm.tzinfo is not None else tick
        return tick

    def following_schedule(self, dttm):
        return self._schedule_step(dttm, True)

    def previous_schedule(self, dttm):
        return self._schedule_step(dttm, False)

    def test(self, *args, **kwargs):
        raise AirflowException("dag.test() is not available in skydag; use `skydag dags test`")

    def run(self, *args, **kwargs):
        raise AirflowException("dag.run() is not available in skydag")

    def get_dagrun(self, *args, **kwargs):
        from airflow.models.dagrun import DagRun

        ctx = _skydag.current_context or {}
        run = ctx.get("dag_run")
        return run if isinstance(run, DagRun) else None

    @staticmethod
    def get_doc_md(doc_md):
        return doc_md


def _timezone_of(start_date):
    tz = getattr(start_date, "tzinfo", None)
    if tz is not None:
        return tz
    return _dt.timezone.utc


def _caller_file():
    """The DAG file creating the DAG (the first frame outside the shim)."""
    shim = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame = sys._getframe(1)
    while frame is not None:
        fname = frame.f_code.co_filename
        if not os.path.abspath(fname).startswith(shim + os.sep):
            return fname
        frame = frame.f_back
    return None


class ScheduleInterval:
    """Airflow 1.10 preset names (``airflow.models.dag.ScheduleInterval`` was a type alias)."""


def dag(*args, **kwargs):
    from airflow.decorators import dag as _dag_decorator

    return _dag_decorator(*args, **kwargs)

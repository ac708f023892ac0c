"""TaskGroup: id prefixes (``group.task``), default_args, and linking groups by roots/leaves."""
import copy
import re

from airflow.exceptions import AirflowException, DuplicateTaskIdFound
from airflow.models.taskmixin import DependencyMixin


class TaskGroupContext:
    """The stack of task groups opened with ``with TaskGroup(...)``."""

    _stack = []

    @classmethod
    def push_context_managed_task_group(cls, group):
        cls._stack.append(group)

    @classmethod
    def pop_context_managed_task_group(cls):
        return cls._stack.pop() if cls._stack else None

    @classmethod
    def get_current_task_group(cls, dag):
        if cls._stack:
            return cls._stack[-1]
        if dag is not None:
            return dag.task_group
        return None

    get_current = get_current_task_group


class TaskGroup(DependencyMixin):
    """A group of tasks; children get ``<group_id>.`` prefixed ids unless prefix_group_id=False."""

    def __init__(
        self,
        group_id,
        prefix_group_id=True,
        parent_group=None,
        dag=None,
        default_args=None,
        tooltip="",
        ui_color="CornflowerBlue",
        ui_fgcolor="#000",
        add_suffix_on_collision=False,
        **kwargs
    ):
        from airflow.models.dag import DagContext

        self.prefix_group_id = prefix_group_id
        self.tooltip = tooltip
        self.ui_color = ui_color
        self.ui_fgcolor = ui_fgcolor
        self.children = {}
        self.upstream_group_ids = set()
        self.downstream_group_ids = set()
        self.upstream_task_ids = set()
        self.downstream_task_ids = set()
        self.default_args = copy.deepcopy(default_args or {})
        self.is_mapped = False  # set by a @task_group function's expand() / expand_kwargs()
        if group_id is None:
            if parent_group is not None:
                raise AirflowException("Root TaskGroup cannot have parent_group")
            self._group_id = None
            self._parent_group = None
            self.dag = dag
            self.used_group_ids = set()
            return
        if not isinstance(group_id, str) or not group_id:
            raise AirflowException("group_id must be a non-empty string")
        dag = dag or (parent_group.dag if parent_group is not None else None) or DagContext.get_current_dag()
        parent_group = parent_group or TaskGroupContext.get_current_task_group(dag)
        self.dag = dag
        self._parent_group = parent_group
        self._group_id = group_id
        if parent_group is not None:
            self.default_args = dict(parent_group.default_args, **self.default_args)
            self.used_group_ids = parent_group.used_group_ids
        else:
            self.used_group_ids = set()
        if self.group_id in self.used_group_ids:
            if not add_suffix_on_collision:
                raise DuplicateTaskIdFound("group_id '%s' has already been added to the DAG" % self._group_id)
            base = re.split(r"__\d+$", self._group_id)[0]
            full_base = re.split(r"__\d+$", self.group_id)[0]
            suffixes = sorted(
                int(m.group(1))
                for used in self.used_group_ids
                if used is not None
                for m in [re.match(r"^%s__(\d+)$" % re.escape(full_base), used)]
                if m
            )
            self._group_id = "%s__%d" % (base, (suffixes[-1] + 1) if suffixes else 1)
        self.used_group_ids.add(self.group_id)
        if parent_group is not None:
            parent_group.add(self)

    @classmethod
    def create_root(cls, dag):
        return cls(group_id=None, dag=dag)

    # ---- ids
    @property
    def group_id(self):
        parent = self._parent_group
        if parent is not None and parent.prefix_group_id and parent._group_id:
            return parent.child_id(self._group_id)
        return self._group_id

    @property
    def label(self):
        return self._group_id

    @property
    def is_root(self):
        return self._group_id is None

    @property
    def parent_group(self):
        return self._parent_group

    @property
    def node_id(self):
        return self.group_id

    def child_id(self, label):
        if self.prefix_group_id:
            group_id = self.group_id
            if group_id:
                return "%s.%s" % (group_id, label)
        return label

    def add(self, task):
        key = task.node_id if hasattr(task, "node_id") else task.task_id
        if isinstance(task, TaskGroup):
            if task.children:
                raise AirflowException("Cannot add a non-empty TaskGroup")
        self.children[key] = task
        if not isinstance(task, TaskGroup):
            task._task_group = self
        return task

    # ---- members
    def iter_tasks(self):
        for child in self.children.values():
            if isinstance(child, TaskGroup):
                for t in child.iter_tasks():
                    yield t
            else:
                yield child

    def get_child_by_label(self, label):
        return self.children[self.child_id(label)]

    def get_roots(self):
        tasks = list(self.iter_tasks())
        ids = {t.task_id for t in tasks}
        return [t for t in tasks if not (t.upstream_task_ids & ids)]

    def get_leaves(self):
        tasks = list(self.iter_tasks())
        ids = {t.task_id for t in tasks}
        return [t for t in tasks if not (t.downstream_task_ids & ids)]

    @property
    def roots(self):
        return self.get_roots()

    @property
    def leaves(self):
        return self.get_leaves()

    # ---- context manager
    def __enter__(self):
        TaskGroupContext.push_context_managed_task_group(self)
        return self

    def __exit__(self, exc_type, exc, tb):
        TaskGroupContext.pop_context_managed_task_group()

    def __repr__(self):
        return "<TaskGroup: %s>" % self.group_id

    def __iter__(self):
        return iter(self.children.values())


def task_group_to_dict(group):
    return {"id": group.group_id, "children": [c.node_id if hasattr(c, "node_id") else c.task_id for c in group]}

"""
BaseOperator as skydag's runner needs it: construction with Airflow's default_args rules, task-group
id prefixes, registration in the DAG, dependencies (``>>``, ``<<``, set_upstream, chain...), and the
hooks a custom operator's ``execute(context)`` uses (``self.log``, xcom_push/xcom_pull).
"""
import copy
import datetime as _dt
import functools
import inspect
import logging

from airflow.exceptions import AirflowException, SkydagShimError
from airflow.models.taskmixin import DependencyMixin


def _as_list(x):
    if isinstance(x, (list, tuple, set, frozenset)):
        out = []
        for item in x:
            out.extend(_as_list(item))
        return out
    return [x]


def _leaves(node):
    from airflow.utils.task_group import TaskGroup

    if isinstance(node, TaskGroup):
        return node.get_leaves()
    if isinstance(node, BaseOperator):
        return [node]
    if hasattr(node, "leaves"):
        return list(node.leaves)
    raise TypeError("Relationships can only be set between operators, task groups and XComArgs; got %r" % (node,))


def _roots(node):
    from airflow.utils.task_group import TaskGroup

    if isinstance(node, TaskGroup):
        return node.get_roots()
    if isinstance(node, BaseOperator):
        return [node]
    if hasattr(node, "roots"):
        return list(node.roots)
    raise TypeError("Relationships can only be set between operators, task groups and XComArgs; got %r" % (node,))


def link(upstream, downstream, edge_modifier=None):
    """Adds an edge from every leaf of ``upstream`` to every root of ``downstream``."""
    from airflow.utils.edgemodifier import EdgeModifier

    ups = _as_list(upstream)
    downs = _as_list(downstream)
    for down in downs:
        if isinstance(down, EdgeModifier):
            for up in ups:
                down.add_upstream(up)
    for up in ups:
        if isinstance(up, EdgeModifier):
            for down in downs:
                up.add_downstream(down)
    up_tasks = [t for u in ups if not isinstance(u, EdgeModifier) for t in _leaves(u)]
    down_tasks = [t for d in downs if not isinstance(d, EdgeModifier) for t in _roots(d)]
    dags = [t._dag for t in up_tasks + down_tasks if t._dag is not None]
    dag = dags[0] if dags else None
    for up in up_tasks:
        for down in down_tasks:
            if dag is not None:
                for t in (up, down):
                    if t._dag is None:
                        dag.add_task(t)
            up.downstream_task_ids.add(down.task_id)
            down.upstream_task_ids.add(up.task_id)


# ---------------------------------------------------------------- construction with default_args

_SIGNATURES = {}


def _init_params(cls):
    """Every keyword an ``__init__`` in the class hierarchy names (Airflow fills them from default_args)."""
    names = _SIGNATURES.get(cls)
    if names is None:
        names = []
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None or not callable(init):
                continue
            try:
                params = inspect.signature(init).parameters
            except (TypeError, ValueError):
                continue
            for i, (name, p) in enumerate(params.items()):
                if i == 0 or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                    continue
                if name not in names:
                    names.append(name)
        _SIGNATURES[cls] = names
    return names


def _positional_names(cls, count):
    if not count:
        return set()
    try:
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        return set()
    names = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
    return set(names[:count])


class BaseOperatorMeta(type):
    """Applies default_args (DAG's, task group's, the task's own) and records constructor arguments."""

    def __call__(cls, *args, **kwargs):
        from airflow.models.dag import DagContext
        from airflow.models.param import ParamsDict
        from airflow.utils.task_group import TaskGroupContext

        dag = kwargs.get("dag") or DagContext.get_current_dag()
        group = kwargs.get("task_group") or TaskGroupContext.get_current_task_group(dag)
        default_args = {}
        if dag is not None:
            default_args.update(dag.default_args or {})
        if group is not None:
            default_args.update(group.default_args or {})
        default_args.update(kwargs.get("default_args") or {})
        default_args = dict(default_args)
        params = ParamsDict(dict(dag.params) if dag is not None else {})
        if "params" in default_args:
            params.update(default_args.pop("params") or {})
        if kwargs.get("params"):
            params.update(kwargs["params"])
        if params:
            kwargs["params"] = params
        if default_args:
            taken = _positional_names(cls, len(args))
            for name in _init_params(cls):
                if name not in kwargs and name not in taken and name in default_args:
                    kwargs[name] = default_args[name]
            kwargs["default_args"] = default_args
        obj = super().__call__(*args, **kwargs)
        obj._skydag_init_args = args
        obj._skydag_init_kwargs = kwargs
        obj._skydag_after_init()
        return obj


def _xcom_args_in(value, depth=0):
    from airflow.models.xcom_arg import XComArg

    if depth > 20:
        return
    if isinstance(value, XComArg):
        yield value
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            for x in _xcom_args_in(v, depth + 1):
                yield x
    elif isinstance(value, dict):
        for v in value.values():
            for x in _xcom_args_in(v, depth + 1):
                yield x


class _ClassOrInstanceMethod:
    """A method that does one thing called on an instance and another called on its class."""

    def __init__(self, on_instance, on_class):
        self.on_instance = on_instance
        self.on_class = on_class

    def __get__(self, obj, owner):
        if obj is None:
            return functools.partial(self.on_class, owner)
        return functools.partial(self.on_instance, obj)


class BaseOperator(DependencyMixin, metaclass=BaseOperatorMeta):
    """The base of every operator; subclasses implement ``execute(context)``."""

    template_fields = ()
    template_ext = ()
    template_fields_renderers = {}
    ui_color = "#fff"
    ui_fgcolor = "#000"
    shallow_copy_attrs = ()
    operator_extra_links = ()
    pool = ""
    _skydag_executable = True
    # Airflow 2.10: an operator that starts deferred on the trigger these describe, without running execute.
    start_trigger_args = None
    start_from_trigger = False
    _pre_execute_hook = None
    _post_execute_hook = None
    _task_display_property_value = None

    def __init__(
        self,
        task_id=None,
        owner="airflow",
        email=None,
        email_on_retry=True,
        email_on_failure=True,
        retries=0,
        retry_delay=_dt.timedelta(seconds=300),
        retry_exponential_backoff=False,
        max_retry_delay=None,
        start_date=None,
        end_date=None,
        depends_on_past=False,
        wait_for_downstream=False,
        dag=None,
        params=None,
        default_args=None,
        priority_weight=1,
        weight_rule="downstream",
        queue="default",
        pool=None,
        pool_slots=1,
        sla=None,
        execution_timeout=None,
        on_execute_callback=None,
        on_failure_callback=None,
        on_success_callback=None,
        on_retry_callback=None,
        on_skipped_callback=None,
        trigger_rule="all_success",
        resources=None,
        run_as_user=None,
        task_concurrency=None,
        max_active_tis_per_dag=None,
        executor_config=None,
        do_xcom_push=True,
        inlets=None,
        outlets=None,
        task_group=None,
        doc=None,
        doc_md=None,
        doc_json=None,
        doc_yaml=None,
        doc_rst=None,
        description=None,
        run_dag_id=None,
        pre_execute=None,
        post_execute=None,
        task_display_name=None,
        **kwargs
    ):
        from airflow.models.dag import DagContext
        from airflow.models.param import ParamsDict
        from airflow.utils.task_group import TaskGroupContext

        if task_id is None:
            raise AirflowException("missing keyword argument 'task_id'")
        # Airflow 1.10 accepted (and warned about) unknown arguments; Airflow 2 rejects them. The
        # shim keeps them, so operators from newer or older Airflow versions still construct.
        kwargs.pop("provide_context", None)
        self._skydag_extra_kwargs = kwargs
        self.multiple_outputs = kwargs.pop("multiple_outputs", False)
        self.owner = owner
        self.email = email
        self.email_on_retry = email_on_retry
        self.email_on_failure = email_on_failure
        self.retries = retries
        self.retry_delay = retry_delay if isinstance(retry_delay, _dt.timedelta) else _dt.timedelta(seconds=retry_delay or 0)
        self.retry_exponential_backoff = retry_exponential_backoff
        self.max_retry_delay = max_retry_delay
        self.start_date = start_date
        self.end_date = end_date
        self.depends_on_past = depends_on_past
        self.wait_for_downstream = wait_for_downstream
        self.params = ParamsDict(params or {})
        self.default_args = default_args or {}
        self.priority_weight = priority_weight
        self.weight_rule = weight_rule
        self.queue = queue
        self.pool = pool or "default_pool"
        self.pool_slots = pool_slots
        self.sla = sla
        self.execution_timeout = execution_timeout
        self.on_execute_callback = on_execute_callback
        self.on_failure_callback = on_failure_callback
        self.on_success_callback = on_success_callback
        self.on_retry_callback = on_retry_callback
        self.on_skipped_callback = on_skipped_callback
        self.trigger_rule = str(getattr(trigger_rule, "value", trigger_rule))
        self.resources = resources
        self.run_as_user = run_as_user
        self.max_active_tis_per_dag = max_active_tis_per_dag or task_concurrency
        self.task_concurrency = self.max_active_tis_per_dag
        self.executor_config = executor_config or {}
        self.do_xcom_push = do_xcom_push
        self.inlets = list(inlets or []) if isinstance(inlets, (list, tuple)) else ([inlets] if inlets else [])
        self.outlets = list(outlets or []) if isinstance(outlets, (list, tuple)) else ([outlets] if outlets else [])
        self.doc = doc
        self.doc_md = doc_md
        self.doc_json = doc_json
        self.doc_yaml = doc_yaml
        self.doc_rst = doc_rst
        self.description = description
        self.run_dag_id = run_dag_id
        # Airflow 2.x's (experimental) hooks, as @task.run_if / @task.skip_if set pre_execute.
        self._pre_execute_hook = pre_execute
        self._post_execute_hook = post_execute
        self._task_display_property_value = task_display_name
        self.upstream_task_ids = set()
        self.downstream_task_ids = set()
        self._dag = None
        self._task_group = None
        self._log = None

        dag = dag or DagContext.get_current_dag()
        group = task_group or TaskGroupContext.get_current_task_group(dag)
        self._label = task_id
        self.task_id = group.child_id(task_id) if group is not None else task_id
        if group is not None:
            group.add(self)
        if dag is not None:
            self.dag = dag

    def _skydag_after_init(self):
        """Airflow's set_xcomargs_dependencies: XComArgs in templated fields add upstream edges."""
        fields = list(self.template_fields or ())
        for name in fields:
            value = getattr(self, name, None)
            for arg in _xcom_args_in(value):
                self.set_upstream(arg.operator)

    # ---- DAG membership
    @property
    def dag(self):
        if self._dag is not None:
            return self._dag
        raise AirflowException("Operator %s has not been assigned to a DAG yet" % self)

    @dag.setter
    def dag(self, dag):
        if dag is None or dag is self._dag:
            return
        self._dag = dag
        dag.add_task(self)

    def has_dag(self):
        return self._dag is not None

    @property
    def dag_id(self):
        return self._dag.dag_id if self._dag is not None else "adhoc_" + str(self.owner)

    @property
    def task_group(self):
        return self._task_group

    @property
    def task_display_name(self):
        return self._task_display_property_value or self.task_id

    @property
    def label(self):
        return self._label

    @property
    def node_id(self):
        return self.task_id

    @property
    def task_type(self):
        return type(self).__name__

    @property
    def operator_name(self):
        return getattr(self, "custom_operator_name", None) or type(self).__name__

    @property
    def output(self):
        from airflow.models.xcom_arg import XComArg

        return XComArg(operator=self)

    @property
    def roots(self):
        return [self]

    @property
    def leaves(self):
        return [self]

    @property
    def upstream_list(self):
        return [self._dag.task_dict[t] for t in sorted(self.upstream_task_ids) if self._dag and t in self._dag.task_dict]

    @property
    def downstream_list(self):
        return [self._dag.task_dict[t] for t in sorted(self.downstream_task_ids) if self._dag and t in self._dag.task_dict]

    def get_direct_relative_ids(self, upstream=False):
        return self.upstream_task_ids if upstream else self.downstream_task_ids

    def get_direct_relatives(self, upstream=False):
        return self.upstream_list if upstream else self.downstream_list

    # ---- logging
    @property
    def log(self):
        if self._log is None:
            self._log = logging.getLogger("airflow.task.operators")
        return self._log

    # ---- execution
    def pre_execute(self, context):
        if self._pre_execute_hook is not None:
            self._pre_execute_hook(context)

    def execute(self, context):
        raise NotImplementedError("%s must implement execute(context)" % type(self).__name__)

    def defer(self, *, trigger, method_name, kwargs=None, timeout=None):
        """Waits for ``trigger``'s first event, then ``method_name(context, event=payload, **kwargs)`` runs."""
        from airflow.exceptions import TaskDeferred

        raise TaskDeferred(trigger=trigger, method_name=method_name, kwargs=kwargs, timeout=timeout)

    def resume_execution(self, next_method, next_kwargs, context):
        """Called when a deferred task resumes (Airflow 2.10): ``__fail__`` ends it with the trigger's error."""
        if next_method == "__fail__":
            from airflow.exceptions import TaskDeferralError, TaskDeferralTimeout

            next_kwargs = next_kwargs or {}
            traceback = next_kwargs.get("traceback")
            if traceback is not None:
                self.log.error("Trigger failed:\n%s", "\n".join(traceback))
            error = next_kwargs.get("error", "Unknown")
            if error == "Trigger timeout":
                raise TaskDeferralTimeout(error)
            raise TaskDeferralError(error)
        execute_callable = getattr(self, next_method)
        if next_kwargs:
            execute_callable = functools.partial(execute_callable, **next_kwargs)
        return execute_callable(context)

    def post_execute(self, context, result=None):
        if self._post_execute_hook is not None:
            self._post_execute_hook(context, result)

    def on_kill(self):
        pass

    def prepare_for_execution(self):
        return self

    def render_template_fields(self, context, jinja_env=None):
        """Renders ``template_fields`` in place with skydag's renderer (see airflow.template.templater)."""
        from airflow.template.templater import render_template_fields

        render_template_fields(self, context)

    def render_template(self, content, context, jinja_env=None, seen_oids=None):
        """Renders a string (a template file when it ends in one of ``template_ext``) or a collection of them."""
        from airflow.template.templater import render_template

        return render_template(content, context, self.template_ext)

    def prepare_template(self):
        pass

    def resolve_template_files(self):
        """Template files are read when the fields are rendered."""
        self.prepare_template()

    def xcom_push(self, context, key, value, execution_date=None):
        context["ti"].xcom_push(key=key, value=value, execution_date=execution_date)

    def xcom_pull(self, context, task_ids=None, dag_id=None, key="return_value", include_prior_dates=None):
        return context["ti"].xcom_pull(task_ids=task_ids, dag_id=dag_id, key=key, include_prior_dates=include_prior_dates)

    def clear(self, *args, **kwargs):
        raise SkydagShimError("task.clear() is not available inside a running task")

    # ---- dynamic task mapping (each map index is unmapped by the runner)
    @classmethod
    def partial(cls, **kwargs):
        return _PartialOperator(cls, kwargs)

    # ---- setup and teardown (Airflow 2.10 AbstractOperator)
    is_setup = False
    is_teardown = False
    on_failure_fail_dagrun = False

    def _mark_setup(self):
        self.is_setup = True
        return self

    def _make_setup(cls, *args, **kwargs):
        return cls(*args, **kwargs).as_setup()

    def _make_teardown(cls, *args, setups=None, on_failure_fail_dagrun=None, **kwargs):
        return cls(*args, **kwargs).as_teardown(setups=setups, on_failure_fail_dagrun=on_failure_fail_dagrun)

    def _mark_teardown(self, *, setups=None, on_failure_fail_dagrun=None):
        self.is_teardown = True
        self.trigger_rule = "all_done_setup_success"
        if on_failure_fail_dagrun is not None:
            self.on_failure_fail_dagrun = on_failure_fail_dagrun
        if setups is not None:
            for setup in ([setups] if not isinstance(setups, (list, tuple)) else setups):
                op = getattr(setup, "operator", setup)
                op.as_setup()
                op >> self
        return self

    # `task.as_setup()` marks the task; `BashOperator.as_setup(task_id=..., ...)` makes one marked (Airflow 2.7+).
    as_setup = _ClassOrInstanceMethod(_mark_setup, _make_setup)
    as_teardown = _ClassOrInstanceMethod(_mark_teardown, _make_teardown)

    def __enter__(self):
        # ``with setup >> teardown:``: the static reader wires the block's tasks; the runner needs nothing.
        return self

    def __exit__(self, exc_type, exc, tb):
        return False

    def __repr__(self):
        return "<Task(%s): %s>" % (type(self).__name__, self.task_id)

    def __deepcopy__(self, memo):
        cls = type(self)
        result = cls.__new__(cls)
        memo[id(self)] = result
        for k, v in self.__dict__.items():
            if k in ("_dag", "_task_group", "_log") or k in (self.shallow_copy_attrs or ()):
                setattr(result, k, v)
            else:
                setattr(result, k, copy.deepcopy(v, memo))
        return result

    def __hash__(self):
        return id(self)


class _PartialOperator:
    """``Op.partial(...).expand(...)``: dynamic task mapping. The task is created; running it is not supported."""

    def __init__(self, cls, kwargs):
        self._cls = cls
        self._kwargs = kwargs

    def expand(self, **mapped):
        op = _make_mapped(self._cls, self._kwargs, mapped)
        return op

    def expand_kwargs(self, mapped):
        return _make_mapped(self._cls, self._kwargs, {"__expand_kwargs__": mapped})


def _make_mapped(cls, partial_kwargs, mapped):
    kwargs = dict(partial_kwargs)
    op = MappedOperator(task_id=kwargs.pop("task_id"), operator_class=cls, partial_kwargs=kwargs, mapped_kwargs=mapped, dag=kwargs.pop("dag", None), task_group=kwargs.pop("task_group", None))
    return op


class MappedOperator(BaseOperator):
    """A mapped task (``.expand()``): recorded so the DAG file loads; skydag does not run mapped tasks yet."""

    _skydag_executable = False

    def __init__(self, task_id, operator_class=None, partial_kwargs=None, mapped_kwargs=None, **kwargs):
        super().__init__(task_id=task_id, **kwargs)
        self.operator_class = operator_class
        self.partial_kwargs = partial_kwargs or {}
        self.mapped_kwargs = mapped_kwargs or {}
        for arg in _xcom_args_in(list(self.mapped_kwargs.values()) + list(self.partial_kwargs.values())):
            for operator, _key in arg.iter_references():
                self.set_upstream(operator)

    def execute(self, context):
        raise SkydagShimError("dynamic task mapping (.expand) is not supported by skydag's Python runner")


def chain(*tasks):
    """Airflow's chain(): a >> b >> c, with equal-length lists paired element by element."""
    for index, up in enumerate(tasks[:-1]):
        down = tasks[index + 1]
        if isinstance(up, DependencyMixin) or _is_group(up):
            up.set_downstream(down)
            continue
        if isinstance(down, DependencyMixin) or _is_group(down):
            down.set_upstream(up)
            continue
        if not isinstance(up, (list, tuple)) or not isinstance(down, (list, tuple)):
            raise TypeError("Chain not supported between instances of %s and %s" % (type(up).__name__, type(down).__name__))
        if len(up) != len(down):
            raise AirflowException(
                "Chain not supported for different length Iterable. Got %d and %d." % (len(up), len(down))
            )
        for u, d in zip(up, down):
            u.set_downstream(d)


def _is_group(x):
    from airflow.utils.task_group import TaskGroup

    return isinstance(x, TaskGroup)


def cross_downstream(from_tasks, to_tasks):
    for task in from_tasks:
        task.set_downstream(to_tasks)


def chain_linear(*elements):
    prev = None
    for el in elements:
        if prev is not None:
            link(prev, el)
        prev = el


BaseOperatorLink = type("BaseOperatorLink", (), {"name": "", "get_link": lambda self, *a, **k: ""})


def apply_defaults(func):
    """Airflow 1.10's decorator; default_args are applied by the metaclass already."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper

"""TaskFlow: ``@dag``, ``@task`` (and .branch/.short_circuit/.sensor/.bash/...), ``@task_group``."""
import functools
import inspect
import re
import typing

from airflow.exceptions import AirflowException, SkydagShimError
from airflow.models.baseoperator import BaseOperator, DependencyMixin
from airflow.models.dag import DAG, DagContext
from airflow.models.xcom_arg import XComArg
from airflow.operators.python import PythonOperator, _run_yielding_metadata, determine_kwargs, context_merge
from airflow.models.skipmixin import BranchMixIn
from airflow.sensors.base import BaseSensorOperator, PokeReturnValue
from airflow.utils.task_group import TaskGroup, TaskGroupContext


def get_unique_task_id(task_id, dag=None, task_group=None):
    """Airflow's rule: ``name`` if free, else ``name__N`` with N one more than the highest suffix in use."""
    dag = dag or DagContext.get_current_dag()
    if not dag:
        return task_id
    task_group = task_group or TaskGroupContext.get_current_task_group(dag)
    tg_task_id = task_group.child_id(task_id) if task_group else task_id
    if tg_task_id not in dag.task_ids:
        return task_id

    def suffixes():
        prefix = re.split(r"__\d+$", tg_task_id)[0]
        for existing in dag.task_ids:
            match = re.match(r"^%s__(\d+)$" % re.escape(prefix), existing)
            if match:
                yield int(match.group(1))
        yield 0

    core = re.split(r"__\d+$", task_id)[0]
    return "%s__%d" % (core, max(suffixes()) + 1)


def _check_call_signature(fn, op_args, op_kwargs):
    """Airflow binds the call's arguments when the task is created; context parameters may stay unbound."""
    from airflow.utils.context import KNOWN_CONTEXT_KEYS

    signature = inspect.signature(fn)
    parameters = [
        p.replace(default=None) if p.name in KNOWN_CONTEXT_KEYS and p.default is p.empty else p
        for p in signature.parameters.values()
    ]
    try:
        signature = signature.replace(parameters=parameters)
    except ValueError as err:
        raise ValueError(
            "The function signature broke while assigning defaults to context key parameters: %s" % err
        )
    try:
        signature.bind(*op_args, **op_kwargs)
    except TypeError as err:
        raise TypeError("%s(): %s" % (fn.__name__, err))


def _infer_multiple_outputs(fn):
    try:
        hints = typing.get_type_hints(fn)
        ret = hints.get("return")
    except Exception:
        ret = getattr(fn, "__annotations__", {}).get("return")
    if ret is None or ret is inspect.Signature.empty:
        return False
    if isinstance(ret, str):
        return bool(re.match(r"^(typing\.)?(dict|Dict|Mapping|TypedDict)\b", ret))
    origin = getattr(ret, "__origin__", None)
    try:
        return ret is dict or origin is dict or (isinstance(ret, type) and issubclass(ret, dict))
    except TypeError:
        return False


class DecoratedOperator(BaseOperator):
    """The operator a TaskFlow call creates: the function, its call arguments, and the decorator's options."""

    custom_operator_name = "@task"
    template_fields = ("templates_dict", "op_args", "op_kwargs")

    def __init__(self, *, python_callable, task_id, op_args=None, op_kwargs=None, multiple_outputs=False,
                 kwargs_to_upstream=None, templates_dict=None, show_return_value_in_logs=True, **kwargs):
        task_id = get_unique_task_id(task_id, kwargs.get("dag"), kwargs.get("task_group"))
        op_args = list(op_args or [])
        op_kwargs = dict(op_kwargs or {})
        _check_call_signature(python_callable, op_args, op_kwargs)
        kwargs.pop("multiple_outputs", None)
        BaseOperator.__init__(self, task_id=task_id, **kwargs)
        self.python_callable = python_callable
        self.op_args = op_args
        self.op_kwargs = op_kwargs
        self.multiple_outputs = multiple_outputs
        self.templates_dict = templates_dict
        self.templates_exts = None
        self.show_return_value_in_logs = show_return_value_in_logs
        self.provide_context = None

    def execute(self, context):
        context_merge(context, self.op_kwargs, templates_dict=self.templates_dict)
        self.op_kwargs = determine_kwargs(self.python_callable, self.op_args, context)
        return_value = _run_yielding_metadata(self.python_callable, self.op_args, self.op_kwargs)
        if self.show_return_value_in_logs:
            self.log.info("Done. Returned value was: %s", return_value)
        return self._handle_output(return_value, context)

    def _handle_output(self, return_value, context):
        if not self.multiple_outputs or return_value is None:
            return return_value
        if not isinstance(return_value, dict):
            raise AirflowException(
                "Returned output was type %s expected dictionary for multiple_outputs" % type(return_value)
            )
        for key in return_value:
            if not isinstance(key, str):
                raise AirflowException(
                    "Returned dictionary keys must be strings when using multiple_outputs, found %s (%s) instead"
                    % (key, type(key))
                )
        for key, value in return_value.items():
            context["ti"].xcom_push(key=key, value=value)
        return return_value


class _PythonDecoratedOperator(DecoratedOperator, PythonOperator):
    custom_operator_name = "@task"

    def __init__(self, **kwargs):
        DecoratedOperator.__init__(self, **kwargs)

    def execute(self, context):
        return DecoratedOperator.execute(self, context)


_VENV_OPTIONS = ("requirements", "python_version", "use_dill", "serializer", "system_site_packages",
                 "pip_install_options", "skip_on_exit_code", "index_urls", "venv_cache_path", "expect_airflow",
                 "expect_pendulum", "string_args", "env_vars", "inherit_env", "python")


class _PythonVirtualenvDecoratedOperator(_PythonDecoratedOperator):
    """``@task.virtualenv``: the platform starts the runner with the virtualenv's python."""

    custom_operator_name = "@task.virtualenv"

    def __init__(self, **kwargs):
        for name in _VENV_OPTIONS:
            if name in kwargs:
                setattr(self, name, kwargs.pop(name))
        _PythonDecoratedOperator.__init__(self, **kwargs)


class _PythonExternalDecoratedOperator(_PythonVirtualenvDecoratedOperator):
    """``@task.external_python``: the platform starts the runner with ``python``."""

    custom_operator_name = "@task.external_python"


class _BranchPythonVirtualenvDecoratedOperator(_PythonVirtualenvDecoratedOperator, BranchMixIn):
    """``@task.branch_virtualenv``: ``@task.virtualenv`` whose function returns the task id(s) to follow."""

    custom_operator_name = "@task.branch_virtualenv"
    _skydag_branching = True


class _BranchPythonExternalDecoratedOperator(_PythonExternalDecoratedOperator, BranchMixIn):
    """``@task.branch_external_python``: ``@task.external_python`` whose function returns the task id(s) to follow."""

    custom_operator_name = "@task.branch_external_python"
    _skydag_branching = True


class _BranchPythonDecoratedOperator(_PythonDecoratedOperator, BranchMixIn):
    custom_operator_name = "@task.branch"
    _skydag_branching = True


class _ShortCircuitDecoratedOperator(_PythonDecoratedOperator):
    custom_operator_name = "@task.short_circuit"
    _skydag_short_circuit = True


class DecoratedSensorOperator(BaseSensorOperator):
    custom_operator_name = "@task.sensor"
    template_fields = ("op_args", "op_kwargs")

    def __init__(self, *, python_callable, task_id, op_args=None, op_kwargs=None, multiple_outputs=False, **kwargs):
        task_id = get_unique_task_id(task_id, kwargs.get("dag"), kwargs.get("task_group"))
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        super().__init__(task_id=task_id, **kwargs)
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.multiple_outputs = multiple_outputs

    def poke(self, context):
        context_merge(context, self.op_kwargs)
        kwargs = determine_kwargs(self.python_callable, self.op_args, context)
        return_value = self.python_callable(*self.op_args, **kwargs)
        if isinstance(return_value, PokeReturnValue):
            return return_value
        return PokeReturnValue(bool(return_value))


class _BashDecoratedOperator(_PythonDecoratedOperator):
    """``@task.bash``: the function returns a command, rendered like BashOperator's ``bash_command``."""

    custom_operator_name = "@task.bash"
    template_fields = ("templates_dict", "op_args", "op_kwargs", "bash_command", "env", "cwd")
    template_ext = (".sh", ".bash")

    def __init__(self, *, env=None, append_env=False, output_encoding="utf-8", skip_on_exit_code=99, cwd=None, **kwargs):
        super().__init__(**kwargs)
        self.bash_command = ""
        self.env = env
        self.append_env = append_env
        self.output_encoding = output_encoding
        self.skip_on_exit_code = skip_on_exit_code
        self.cwd = cwd

    def execute(self, context):
        from airflow.operators.bash import BashOperator

        context_merge(context, self.op_kwargs)
        kwargs = determine_kwargs(self.python_callable, self.op_args, context)
        command = self.python_callable(*self.op_args, **kwargs)
        if not isinstance(command, str) or not command.strip():
            raise TypeError("The returned value from the TaskFlow callable must be a non-empty string.")
        # Airflow renders the task's templates again once the command is known.
        self.bash_command = self.render_template(command, context)
        codes = self.skip_on_exit_code
        runner = object.__new__(BashOperator)
        runner.__dict__.update(dict(
            bash_command=self.bash_command, env=self.env, append_env=self.append_env, output_encoding=self.output_encoding,
            skip_on_exit_code=[] if codes is None else [codes] if isinstance(codes, int) else list(codes),
            cwd=self.cwd, _log=None))
        return BashOperator.execute(runner, context)


class _UnsupportedDecoratedOperator(_PythonDecoratedOperator):
    _skydag_executable = False

    def execute(self, context):
        raise SkydagShimError("%s is not supported by skydag's Python runner" % self.custom_operator_name)


def _unsupported(name):
    return type("_Unsupported_" + name, (_UnsupportedDecoratedOperator,), {"custom_operator_name": "@task." + name})


class _TaskDecorator:
    """A decorated function: calling it (inside a DAG) creates a task and returns its XComArg."""

    _airflow_is_task_decorator = True  # XComArg.map() refuses these, as Airflow does

    def __init__(self, function, operator_class, multiple_outputs=None, kwargs=None):
        self.function = function
        self.operator_class = operator_class
        self.kwargs = dict(kwargs or {})
        if multiple_outputs is None:
            multiple_outputs = _infer_multiple_outputs(function)
        self.multiple_outputs = multiple_outputs
        functools.update_wrapper(self, function)

    def __call__(self, *args, **kwargs):
        op_kwargs = dict(self.kwargs)
        task_id = op_kwargs.pop("task_id", None) or self.function.__name__
        op = self.operator_class(
            python_callable=self.function,
            task_id=task_id,
            op_args=args,
            op_kwargs=kwargs,
            multiple_outputs=self.multiple_outputs,
            **op_kwargs
        )
        if op.python_callable.__doc__ and not op.doc_md:
            op.doc_md = op.python_callable.__doc__
        return XComArg(op)

    def override(self, **kwargs):
        multiple_outputs = kwargs.pop("multiple_outputs", self.multiple_outputs)
        return _TaskDecorator(self.function, self.operator_class, multiple_outputs, dict(self.kwargs, **kwargs))

    def partial(self, **kwargs):
        return _MappedTaskDecorator(self, kwargs)

    def expand(self, **kwargs):
        return _MappedTaskDecorator(self, {}).expand(**kwargs)

    def expand_kwargs(self, mapped):
        return _MappedTaskDecorator(self, {}).expand_kwargs(mapped)


class _MappedTaskDecorator:
    def __init__(self, decorator, partial_kwargs):
        self.decorator = decorator
        self.partial_kwargs = partial_kwargs

    def expand(self, **mapped):
        from airflow.models.baseoperator import MappedOperator

        task_id = self.decorator.kwargs.get("task_id") or self.decorator.function.__name__
        op = MappedOperator(task_id=get_unique_task_id(task_id), operator_class=self.decorator.operator_class,
                            partial_kwargs=self.partial_kwargs, mapped_kwargs=mapped)
        # The function itself: a @task defined inside a @dag function is not a global of the DAG
        # file, so the runner takes it from here (as Airflow's MappedOperator keeps it).
        op.python_callable = self.decorator.function
        op._pre_execute_hook = self.decorator.kwargs.get("pre_execute")  # @task.run_if/skip_if, for each index
        return XComArg(op)

    def expand_kwargs(self, mapped):
        return self.expand(__expand_kwargs__=mapped)


def _task_decorator_factory(operator_class):
    def factory(python_callable=None, multiple_outputs=None, **kwargs):
        if python_callable is not None and callable(python_callable) and not kwargs and multiple_outputs is None:
            return _TaskDecorator(python_callable, operator_class)

        def wrap(fn):
            return _TaskDecorator(fn, operator_class, multiple_outputs, kwargs)

        if python_callable is not None:
            return wrap(python_callable)
        return wrap

    return factory


from airflow.decorators.condition import run_if, skip_if  # noqa: E402  (Airflow 2.10's airflow.decorators has them too)


class _TaskNamespace:
    """``task`` and its variants: ``@task``, ``@task()``, ``@task.branch``, ``@task.sensor(...)``..."""

    def __init__(self):
        self.python = _task_decorator_factory(_PythonDecoratedOperator)
        self.branch = _task_decorator_factory(_BranchPythonDecoratedOperator)
        self.short_circuit = _task_decorator_factory(_ShortCircuitDecoratedOperator)
        self.sensor = _task_decorator_factory(DecoratedSensorOperator)
        self.bash = _task_decorator_factory(_BashDecoratedOperator)
        self.virtualenv = _task_decorator_factory(_PythonVirtualenvDecoratedOperator)
        self.external_python = _task_decorator_factory(_PythonExternalDecoratedOperator)
        self.branch_virtualenv = _task_decorator_factory(_BranchPythonVirtualenvDecoratedOperator)
        self.branch_external_python = _task_decorator_factory(_BranchPythonExternalDecoratedOperator)
        for name in ("docker", "kubernetes", "pyspark"):
            setattr(self, name, _task_decorator_factory(_unsupported(name)))
        self.run_if = run_if
        self.skip_if = skip_if

    def __call__(self, python_callable=None, multiple_outputs=None, **kwargs):
        return self.python(python_callable, multiple_outputs, **kwargs)


task = _TaskNamespace()


class DagParam:
    """A ``@dag`` function argument: resolves to ``params[name]`` at run time."""

    def __init__(self, current_dag, name, default=None):
        self._dag = current_dag
        self._name = name
        self._default = default

    def resolve(self, context):
        params = context.get("params") or {}
        return params.get(self._name, self._default)

    def __repr__(self):
        return "DagParam(%r)" % self._name


def dag(dag_id_or_callable=None, *args, **dag_kwargs):
    """``@dag`` / ``@dag(...)``: calling the decorated function builds the DAG."""
    if callable(dag_id_or_callable) and not isinstance(dag_id_or_callable, str):
        return _dag_wrapper(dag_id_or_callable, None, args, dag_kwargs)
    dag_id = dag_id_or_callable if dag_id_or_callable else dag_kwargs.pop("dag_id", None)

    def wrap(fn):
        return _dag_wrapper(fn, dag_id, args, dag_kwargs)

    return wrap


def _dag_wrapper(fn, dag_id, dag_args, dag_kwargs):
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def factory(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        kw = dict(dag_kwargs)
        params = dict(kw.pop("params", None) or {})
        with DAG(dag_id or fn.__name__, *dag_args, params=params, **kw) as dag_obj:
            if fn.__doc__ and not dag_obj.doc_md:
                dag_obj.doc_md = fn.__doc__
            call_kwargs = {}
            for name, value in bound.arguments.items():
                p = signature.parameters[name]
                if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                    continue
                dag_obj.params[name] = value
                call_kwargs[name] = DagParam(dag_obj, name, value)
            fn(**call_kwargs)
        return dag_obj

    factory.function = fn
    return factory


class _TaskGroupDecorator:
    def __init__(self, function, kwargs):
        self.function = function
        self.kwargs = kwargs
        functools.update_wrapper(self, function)

    def __call__(self, *args, **kwargs):
        return self._create(args, kwargs)

    def _create(self, args, kwargs, mapped=False, mapped_kwargs=None):
        tg_kwargs = dict(self.kwargs)
        group_id = tg_kwargs.pop("group_id", None) or self.function.__name__
        with TaskGroup(group_id, add_suffix_on_collision=True, **tg_kwargs) as group:
            group.is_mapped = mapped
            # What the group expands over, as given (an XComArg.map() is resolved from it by the runner).
            group.mapped_kwargs = mapped_kwargs or {}
            if self.function.__doc__ and not group.tooltip:
                group.tooltip = self.function.__doc__
            retval = self.function(*args, **kwargs)
        if isinstance(retval, (DependencyMixin, TaskGroup)):
            return retval
        return group

    def override(self, **kwargs):
        return _TaskGroupDecorator(self.function, dict(self.kwargs, **kwargs))

    def partial(self, **kwargs):
        return _MappedTaskGroupFactory(self, kwargs)

    def expand(self, **kwargs):
        return _MappedTaskGroupFactory(self, {}).expand(**kwargs)

    def expand_kwargs(self, kwargs):
        return _MappedTaskGroupFactory(self, {}).expand_kwargs(kwargs)


class _MappedTaskGroupFactory:
    """
    A mapped task group (Airflow 2.10's ``MappedTaskGroup``): the function runs once, each mapped
    parameter a ``MappedArgument``; skydag gives every map index of the group's tasks its own values.
    """

    def __init__(self, decorator, partial_kwargs):
        self.decorator = decorator
        self.partial_kwargs = dict(partial_kwargs)

    def expand(self, **kwargs):
        from airflow.models.expandinput import MappedArgument

        if not kwargs:
            raise TypeError("no arguments to expand against")
        both = sorted(set(kwargs) & set(self.partial_kwargs))
        if both:
            raise TypeError("argument %r is given to both partial() and expand()" % both[0])
        return self.decorator._create((), dict(self.partial_kwargs, **{k: MappedArgument(k) for k in kwargs}), mapped=True, mapped_kwargs=kwargs)

    def expand_kwargs(self, kwargs):
        from airflow.models.expandinput import MappedArgument

        parameters = inspect.signature(self.decorator.function).parameters.values()
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
            raise TypeError("calling expand_kwargs() on task group function with * or ** is not supported")
        stubs = {p.name: MappedArgument(p.name) for p in parameters if p.name not in self.partial_kwargs}
        return self.decorator._create((), dict(self.partial_kwargs, **stubs), mapped=True, mapped_kwargs={"__expand_kwargs__": kwargs})


def task_group(python_callable=None, **tg_kwargs):
    if callable(python_callable):
        return _TaskGroupDecorator(python_callable, tg_kwargs)
    if isinstance(python_callable, str):
        tg_kwargs["group_id"] = python_callable

    def wrap(fn):
        return _TaskGroupDecorator(fn, tg_kwargs)

    return wrap


def setup(fn):
    """``@setup``: a @task whose tasks are setup tasks."""
    decorated = fn if isinstance(fn, _TaskDecorator) else task(fn)
    return _SetupTeardownDecorator(decorated, "setup", False)


def teardown(fn=None, on_failure_fail_dagrun=False):
    """``@teardown`` / ``@teardown(on_failure_fail_dagrun=...)``: a @task whose tasks are teardown tasks."""
    def wrap(f):
        decorated = f if isinstance(f, _TaskDecorator) else task(f)
        return _SetupTeardownDecorator(decorated, "teardown", on_failure_fail_dagrun)

    return wrap(fn) if fn is not None else wrap


class _SetupTeardownDecorator(_TaskDecorator):
    def __init__(self, decorated, role, on_failure_fail_dagrun):
        super().__init__(decorated.function, decorated.operator_class, decorated.multiple_outputs, decorated.kwargs)
        self._role = role
        self._on_failure_fail_dagrun = on_failure_fail_dagrun

    def __call__(self, *args, **kwargs):
        out = super().__call__(*args, **kwargs)
        if self._role == "setup":
            out.operator.as_setup()
        else:
            out.operator.as_teardown(on_failure_fail_dagrun=self._on_failure_fail_dagrun)
        return out


__all__ = ["dag", "task", "task_group", "setup", "teardown"]

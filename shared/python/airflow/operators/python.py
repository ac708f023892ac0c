"""PythonOperator, BranchPythonOperator, ShortCircuitOperator with Airflow 2 calling conventions."""
import logging
import inspect

from airflow import _skydag
from airflow.exceptions import AirflowException, SkydagShimError
from airflow.models.baseoperator import BaseOperator
from airflow.models.skipmixin import BranchMixIn, SkipMixin


def context_merge(context, *args, **kwargs):
    context.update(*args, **kwargs)


class KeywordParameters:
    """Airflow's rule for which context entries a callable receives (``determine_kwargs``)."""

    def __init__(self, kwargs, wildcard):
        self._kwargs = kwargs
        self._wildcard = wildcard

    @classmethod
    def determine(cls, func, args, kwargs):
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError):
            return cls(dict(kwargs), wildcard=True)
        has_wildcard_kwargs = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
        for name in list(signature.parameters.keys())[: len(args)]:
            if name in kwargs:
                raise ValueError("The key %r in args is a part of kwargs and therefore reserved." % name)
        if has_wildcard_kwargs:
            return cls(kwargs, wildcard=True)
        return cls({key: kwargs[key] for key in signature.parameters if key in kwargs}, wildcard=False)

    def unpacking(self):
        if self._wildcard:
            return dict(self._kwargs)
        return self._kwargs


def determine_kwargs(func, args, kwargs):
    return KeywordParameters.determine(func, args, kwargs).unpacking()


class PythonOperator(BaseOperator):
    """Calls ``python_callable(*op_args, **op_kwargs + matching context)``; the result is the XCom."""

    template_fields = ("templates_dict", "op_args", "op_kwargs")
    template_fields_renderers = {"templates_dict": "json", "op_args": "py", "op_kwargs": "py"}
    ui_color = "#ffefeb"
    shallow_copy_attrs = ("python_callable", "op_kwargs")

    def __init__(self, python_callable=None, op_args=None, op_kwargs=None, provide_context=None,
                 templates_dict=None, templates_exts=None, show_return_value_in_logs=True, **kwargs):
        super().__init__(**kwargs)
        if not callable(python_callable):
            raise AirflowException("`python_callable` param must be callable")
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict
        self.templates_exts = templates_exts
        self.show_return_value_in_logs = show_return_value_in_logs
        self.provide_context = provide_context

    def execute(self, context):
        context_merge(context, self.op_kwargs, templates_dict=self.templates_dict)
        self.op_kwargs = self.determine_kwargs(context)
        return_value = self.execute_callable()
        if self.show_return_value_in_logs:
            self.log.info("Done. Returned value was: %s", return_value)
        else:
            self.log.info("Done. Returned value not shown")
        return return_value

    def determine_kwargs(self, context):
        return KeywordParameters.determine(self.python_callable, self.op_args, context).unpacking()

    def execute_callable(self):
        return _run_yielding_metadata(self.python_callable, self.op_args, self.op_kwargs)


def _run_yielding_metadata(fn, args, kwargs):
    """
    Airflow 2.10's ExecutionCallableRunner: a generator callable is run to its end; each ``Metadata``
    it yields adds its extra to that outlet's event; the task's value is what it returns.
    """
    if not inspect.isgeneratorfunction(fn):
        return fn(*args, **kwargs)
    from airflow.datasets.metadata import Metadata

    outlet_events = (_skydag.current_context or {}).get("outlet_events")
    generator = fn(*args, **kwargs)
    while True:
        try:
            item = next(generator)
        except StopIteration as stop:
            return stop.value
        if isinstance(item, Metadata) and outlet_events is not None:
            outlet_events[item.uri].extra.update(item.extra)
            if item.alias_name:
                outlet_events[item.alias_name].add(item.uri, extra=item.extra)
        else:
            logging.getLogger("airflow.task").warning("Ignoring unknown data of %r received from task", type(item))


class BranchPythonOperator(PythonOperator, BranchMixIn):
    """The callable returns the task id(s) to follow; skydag skips the other direct downstream tasks."""

    _skydag_branching = True

    def execute(self, context):
        branch = super().execute(context)
        self.log.info("Branch callable return %s", branch)
        return self.do_branch(context, branch)


class ShortCircuitOperator(PythonOperator, SkipMixin):
    """A falsy return value skips everything downstream."""

    _skydag_short_circuit = True

    def __init__(self, *, ignore_downstream_trigger_rules=True, **kwargs):
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = ignore_downstream_trigger_rules

    def execute(self, context):
        condition = super().execute(context)
        self.log.info("Condition result is %s", condition)
        if condition:
            self.log.info("Proceeding with downstream tasks...")
        else:
            self.log.info("Skipping downstream tasks")
        return condition


def is_venv_installed():
    """Whether PythonVirtualenvOperator / @task.virtualenv can run: skydag makes their virtualenvs with the machine's python."""
    return True


class _Unsupported(PythonOperator):
    def execute(self, context):
        raise SkydagShimError(
            "%s is not supported by skydag's Python runner (it would need its own Python environment)"
            % type(self).__name__
        )


class PythonVirtualenvOperator(PythonOperator):
    """
    Calls the callable in a virtualenv made from ``requirements``: skydag starts this task's runner
    with that virtualenv's python (made and cached by the platform), so here it is a PythonOperator.
    """

    template_fields = ("requirements", "index_urls", "templates_dict", "op_args", "op_kwargs")

    def __init__(self, *, python_callable=None, requirements=None, python_version=None, use_dill=False,
                 serializer=None, system_site_packages=True, pip_install_options=None, skip_on_exit_code=None,
                 index_urls=None, venv_cache_path=None, expect_airflow=True, string_args=None, env_vars=None,
                 inherit_env=True, **kwargs):
        super().__init__(python_callable=python_callable, **kwargs)
        self.requirements = requirements
        self.python_version = python_version
        self.system_site_packages = system_site_packages
        self.pip_install_options = pip_install_options
        self.index_urls = index_urls
        self.venv_cache_path = venv_cache_path
        self.string_args = string_args or []


class ExternalPythonOperator(PythonOperator):
    """Calls the callable with the interpreter ``python``: skydag starts this task's runner with it."""

    def __init__(self, *, python=None, python_callable=None, use_dill=False, serializer=None, expect_airflow=True,
                 expect_pendulum=False, skip_on_exit_code=None, string_args=None, env_vars=None, inherit_env=True,
                 **kwargs):
        super().__init__(python_callable=python_callable, **kwargs)
        self.python = python
        self.string_args = string_args or []


class BranchPythonVirtualenvOperator(PythonVirtualenvOperator, BranchMixIn):
    """PythonVirtualenvOperator whose callable returns the task id(s) to follow, as BranchPythonOperator's."""

    _skydag_branching = True

    def execute(self, context):
        return self.do_branch(context, super().execute(context))


class BranchExternalPythonOperator(ExternalPythonOperator, BranchMixIn):
    """ExternalPythonOperator whose callable returns the task id(s) to follow."""

    _skydag_branching = True

    def execute(self, context):
        return self.do_branch(context, super().execute(context))


def get_current_context():
    """The running task's context (inside a task only)."""
    if _skydag.current_context is None:
        raise AirflowException(
            "Current context was requested but no context was found! Are you running within an airflow task?"
        )
    return _skydag.current_context

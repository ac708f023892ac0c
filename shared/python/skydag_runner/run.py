"""What the runner does for each request mode (execute, poke, callback, dag_operator_callable, sla_miss_callback, template_calls, timetable)."""
import logging
import os
import signal
import sys
import traceback

from airflow import _skydag
from airflow.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTerminated,
)
from airflow.models.baseoperator import BaseOperator, MappedOperator
from airflow.models.dagrun import DagRunOrder
from airflow.models.slamiss import SlaMiss
from airflow.models.taskinstance import TaskInstance
from airflow.models.skipmixin import BranchMixIn, normalise_branches
from airflow.sensors.base import BaseSensorOperator, PokeReturnValue

from airflow.template.templater import template_field_names, render_template
from airflow.utils.pendulum_like import parse_iso

from skydag_runner import loader, plugins, template_calls, timetables
from skydag_runner.context import airflow_env_vars, build_context
from skydag_runner.deferral import first_call, run_with_deferrals, starts_from_trigger
from skydag_runner.values import Resolver, decode, expand_kwargs_item, resolve_objects

log = logging.getLogger("skydag.runner")

PYTHON_KINDS = ("python", "branch_python", "short_circuit", "python_sensor", "bash_decorated", "python_virtualenv", "external_python",
                "branch_python_virtualenv", "branch_external_python")
# Operators whose template_fields are their own attributes, rendered in the runner (user-defined, and the SQL providers skydag implements in the shim).
OWN_FIELDS_KINDS = ("custom", "sql", "sql_check", "sql_branch", "sql_transfer", "sql_sensor", "aws_s3")


# The argument name a mapped task's expand_kwargs() value goes under (the shim's MappedOperator).
EXPAND_KWARGS = "__expand_kwargs__"


class _XComPuller:
    """What XComArg.resolve needs of a task instance before the task's context exists."""

    def __init__(self, pull):
        self._pull = pull

    def xcom_pull(self, task_ids=None, key="return_value", **_kwargs):
        return self._pull(task_ids, key)


class Outcome(Exception):
    """Ends the request with a prepared result."""

    def __init__(self, result):
        super().__init__(result.get("status"))
        self.result = result


def _type_name(err):
    t = type(err)
    return t.__name__ if t.__module__ in ("builtins", "airflow.exceptions") else "%s.%s" % (t.__module__, t.__name__)


def _failure(err, phase):
    status = "failed"
    retryable = True
    if isinstance(err, (AirflowFailException, AirflowSensorTimeout)):
        retryable = False
    if isinstance(err, loader.NotRunnable):
        status = "not_runnable"
        retryable = False
    message = str(err) or _type_name(err)
    return {"status": status, "retryable": retryable, "error_type": _type_name(err), "message": message, "phase": phase}


def _executes_itself(sensor):
    """
    A sensor class that overrides ``execute`` (e.g. to defer) or starts from its trigger: skydag cannot
    poke it one request at a time.
    """
    return type(sensor).execute is not BaseSensorOperator.execute or starts_from_trigger(sensor)


def _mapped_group_of(task):
    """The mapped task group (``@task_group`` function's expand()) the task is in, at any depth, or None."""
    group = getattr(task, "task_group", None)
    while group is not None:
        if getattr(group, "is_mapped", False):
            return group
        group = getattr(group, "parent_group", None)
    return None


def _in_mapped_group(task):
    """Whether the task is in a mapped task group, at any depth."""
    return _mapped_group_of(task) is not None


class Runner:
    def __init__(self, request, rpc):
        self.req = request
        self.rpc = rpc
        self.dags_folder = request.get("dags_folder") or os.getcwd()
        self.loaded = None
        self.dag = None
        self.task = None
        self.mapped = None  # the DAG file's mapped task, when this request runs one of its indexes
        self.mapped_group = None  # the DAG file's mapped task group, when this request runs one index of a task in it

    # ------------------------------------------------------------------ helpers
    def pull(self, task_id, key):
        return self.rpc.call("xcom_pull", task_ids=task_id, key=key, dag_id=None)

    def find_callable(self, ref):
        return loader.find_callable(ref, self.loaded, self.dags_folder)

    def decode(self, value):
        return decode(value, Resolver(self.pull, self.find_callable, self.mapped_item))

    def mapped_item(self, arg, index):
        """
        Item ``index`` of a mapped argument made by ``XComArg.map()`` functions (``arg`` None: the
        expand_kwargs() value): resolved from the DAG file's own mapped task (or the mapped task group
        the task is in), whose functions only this process has, as Airflow's worker resolves a MapXComArg.
        """
        mapped = self.mapped if self.mapped is not None else self.mapped_group
        source = (getattr(mapped, "mapped_kwargs", None) or {}).get(EXPAND_KWARGS if arg is None else arg) if mapped is not None else None
        if source is None or not hasattr(source, "resolve"):
            raise loader.NotRunnable("task %s: mapped argument %s is not an XComArg in the DAG file" % (
                self.req.get("task_id"), "expand_kwargs()" if arg is None else repr(arg)))
        context = _skydag.current_context or {"ti": _XComPuller(self.pull)}
        return source.resolve(context)[index]

    def merge_expand_kwargs(self, kwargs):
        """An expand_kwargs() item made in this process (``XComArg.map()``): its dict becomes the arguments."""
        if EXPAND_KWARGS not in kwargs:
            return kwargs
        kwargs.update(expand_kwargs_item(kwargs.pop(EXPAND_KWARGS)))
        return kwargs

    def arg(self, name, default=None):
        args = self.req.get("args") or {}
        return self.decode(args[name]) if name in args else default

    # ------------------------------------------------------------------ loading
    def load(self):
        path = self.req["dag_file"]
        try:
            self.loaded = loader.load_dag_file(path)
        except loader.NotRunnable:
            raise
        except BaseException as err:
            if isinstance(err, (KeyboardInterrupt, SystemExit)) and not isinstance(err, SystemExit):
                raise
            sys.stderr.write("Failed to load DAG file %s:\n" % path)
            traceback.print_exc()
            result = _failure(err, "load")
            result["message"] = "DAG file %s failed to load: %s: %s" % (
                os.path.basename(path), _type_name(err), err)
            raise Outcome(result)
        dag_id = self.req.get("dag_id")
        self.dag = loader.find_dag(self.loaded, dag_id) if dag_id else None
        task_id = self.req.get("task_id")
        self.task = loader.find_task(self.dag, task_id) if task_id else None

    def require_task(self):
        if isinstance(self.task, MappedOperator):
            self.mapped = self.task
            self.task = self.unmapped_task(self.task)
        elif self.task is not None and _in_mapped_group(self.task):
            self.mapped_group = _mapped_group_of(self.task)
            self.task = self.group_index_task(self.task)
        if self.task is not None:
            return self.task
        self.task = self.task_from_request()
        return self.task

    def unmapped_task(self, mapped):
        """
        One map index of a mapped task (``.expand()``), as Airflow's ``MappedOperator.unmap``: the
        orchestrator resolved this index's arguments into the request's ``args`` (over the fixed
        ``partial()`` ones), so the operator is built from them.
        """
        kind = self.req.get("operator_kind")
        if self.dag is not None:
            self.dag.task_dict.pop(mapped.task_id, None)  # the index's operator takes its place
        if kind in PYTHON_KINDS:
            # The mapped task's own function (a @task nested in a @dag function, or partial()'s
            # python_callable) before a lookup by name among the DAG file's globals.
            function = getattr(mapped, "python_callable", None) or mapped.partial_kwargs.get("python_callable")
            op = self.python_task_from_request(function if callable(function) else None)
            op._pre_execute_hook = mapped._pre_execute_hook or mapped.partial_kwargs.get("pre_execute")
            return op
        if kind in OWN_FIELDS_KINDS and mapped.operator_class is not None:
            kwargs = dict(mapped.partial_kwargs)
            for name, value in (self.req.get("args") or {}).items():
                if name not in kwargs:
                    kwargs[name] = self.decode(value)
            self.merge_expand_kwargs(kwargs)
            op = mapped.operator_class(task_id=mapped.task_id, dag=self.dag, **kwargs)
            op.map_index = (self.req.get("context") or {}).get("map_index", -1)
            return op
        raise loader.NotRunnable("mapped task %s (%s) is not run by the Python runner" % (mapped.task_id, kind))

    def group_index_task(self, task):
        """
        One map index of a task in a mapped task group: the orchestrator resolved the group's
        ``MappedArgument`` values (and this index's values of the group's other tasks) into the
        request's ``args``. Python tasks take their arguments from there anyway; a custom operator,
        which renders its own attributes, is built again from them.
        """
        if self.req.get("operator_kind") not in OWN_FIELDS_KINDS:
            return task
        if self.dag is not None:
            self.dag.task_dict.pop(task.task_id, None)  # the index's operator takes its place
        kwargs = {k: self.decode(v) for k, v in (self.req.get("args") or {}).items()}
        op = type(task)(task_id=task.task_id, dag=self.dag, **kwargs)
        op.map_index = (self.req.get("context") or {}).get("map_index", -1)
        return op

    def task_from_request(self):
        """The task rebuilt from the request's model (YAML DAGs, or a task the file did not create)."""
        kind = self.req.get("operator_kind")
        task_id = self.req.get("task_id")
        if self.loaded.module is not None and self.dag is None:
            raise loader.NotRunnable(
                "DAG %r is not defined by %s (DAGs found: %s)" % (
                    self.req.get("dag_id"), os.path.basename(self.req["dag_file"]),
                    ", ".join(sorted(d.dag_id for d in loader.registered_dags(self.loaded))) or "none"))
        if self.loaded.module is not None and kind not in PYTHON_KINDS:
            raise loader.NotRunnable(
                "task %r is not defined in DAG %r when %s runs (tasks found: %s)" % (
                    task_id, self.req.get("dag_id"), os.path.basename(self.req["dag_file"]),
                    ", ".join(sorted(self.dag.task_ids)) or "none"))
        if kind in PYTHON_KINDS:
            if self.loaded.module is not None:
                log.warning("Task %s was not created by the DAG file at run time; calling %s from the model",
                            task_id, ((self.req.get("args") or {}).get("python_callable") or {}).get("name"))
            return self.python_task_from_request()
        args = dict(self.req.get("args") or {})
        if kind in OWN_FIELDS_KINDS:
            module = self.req.get("operator_module")
            name = self.req.get("operator")
            if not module or not name:
                raise loader.NotRunnable("custom operator of task %r: its class and module are unknown" % task_id)
            cls = loader.import_class(module, name)
            kwargs = {k: self.decode(v) for k, v in args.items()}
            return cls(task_id=task_id, **kwargs)
        raise loader.NotRunnable("operator kind %r is not run by the Python runner" % kind)

    def python_task_from_request(self, function=None):
        """A PythonOperator-family task calling ``function``, or else the model's python_callable."""
        kind = self.req.get("operator_kind")
        task_id = self.req.get("task_id")
        args = dict(self.req.get("args") or {})
        from airflow.operators.python import (BranchExternalPythonOperator, BranchPythonOperator,
                                              BranchPythonVirtualenvOperator, PythonOperator,
                                              PythonVirtualenvOperator, ShortCircuitOperator)
        from airflow.sensors.python import PythonSensor

        from airflow.decorators import _BashDecoratedOperator

        cls = {"python": PythonOperator, "branch_python": BranchPythonOperator,
               "short_circuit": ShortCircuitOperator, "python_sensor": PythonSensor,
               "bash_decorated": _BashDecoratedOperator,
               # The platform already started this runner with the virtualenv's (or the given) python.
               "python_virtualenv": PythonVirtualenvOperator, "external_python": PythonVirtualenvOperator,
               "branch_python_virtualenv": BranchPythonVirtualenvOperator,
               "branch_external_python": BranchExternalPythonOperator}[kind]
        ref = args.get("python_callable")
        if function is not None:
            fn = function
        elif not isinstance(ref, dict) or ref.get("$type") != "callable":
            raise loader.NotRunnable("task %r has no python_callable" % task_id)
        else:
            fn = self.find_callable(ref)
        from airflow.decorators import _TaskDecorator
        if isinstance(fn, _TaskDecorator):
            fn = fn.function  # the @task function itself (calling the decorator would create a task)
        return cls(task_id=task_id, python_callable=fn, dag=self.dag)

    # ------------------------------------------------------------------ context and arguments
    def context(self, extra=None):
        ctx = build_context(self.req.get("context") or {}, self.dag, self.task, extra)
        _skydag.current_context = ctx
        return ctx

    def apply_arguments(self, task, context):
        """Templated fields before execute/poke: the model's rendered values, or the operator's own."""
        if self.req.get("operator_kind") in OWN_FIELDS_KINDS:
            self.render_own_fields(task, context)
            return
        # skydag's operators (PythonOperator family, TaskFlow): their fields arrive rendered.
        if not (hasattr(task, "python_callable") and hasattr(task, "op_kwargs")):
            return
        args = self.req.get("args") or {}
        if "op_args" in args:
            task.op_args = list(self.decode(args["op_args"]) or [])
        else:
            task.op_args = list(resolve_objects(list(task.op_args or []), context))
        if "op_kwargs" in args:
            task.op_kwargs = self.merge_expand_kwargs(dict(self.decode(args["op_kwargs"]) or {}))
        else:
            task.op_kwargs = dict(resolve_objects(dict(task.op_kwargs or {}), context))
        if hasattr(task, "templates_dict"):
            if "templates_dict" in args:
                task.templates_dict = self.decode(args["templates_dict"])
            elif (self.req.get("context") or {}).get("templates_dict") is not None:
                task.templates_dict = self.req["context"]["templates_dict"]
            else:
                # Only the file knows it (built by code the static reader could not follow).
                task.templates_dict = render_template(task.templates_dict, context, task.template_ext, "templates_dict")
        context["templates_dict"] = getattr(task, "templates_dict", None)
        # Other templated fields of these operators (env and cwd of @task.bash) arrive rendered too.
        for name in ("env", "cwd"):
            if name in args and name in template_field_names(task):
                setattr(task, name, self.decode(args[name]))

    def render_own_fields(self, task, context):
        """
        A custom operator's ``template_fields`` are its attributes, as its constructor left them:
        rendered as Airflow does (``task.render_template_fields``, so an override is honoured) by
        skydag's renderer, then reported as the try's rendered fields.
        """
        task.render_template_fields(context)
        if hasattr(task, "templates_dict"):
            context["templates_dict"] = task.templates_dict
        rendered = {}
        for name in template_field_names(task):
            value = getattr(task, name, None)
            try:
                rendered[name] = _skydag.to_json_value(value, "field %s" % name)
            except TypeError:
                rendered[name] = str(value)  # as Airflow's serialize_template_field shows it
        self.rpc.call("rendered_fields", fields=rendered)

    # ------------------------------------------------------------------ modes
    def execute(self):
        self.load()
        task = self.require_task()
        if getattr(task, "_skydag_executable", True) is False:
            raise loader.NotRunnable("%s (task %s) is not executed by skydag's Python runner" % (
                getattr(task, "_skydag_fabricated", type(task).__name__), task.task_id))
        context = self.context()
        os.environ.update(airflow_env_vars(self.req.get("context") or {}, task))
        self.apply_arguments(task, context)
        given = set(context.keys())
        # Airflow's order: pre_execute (where @task.run_if/skip_if may skip the try), then on_execute_callback.
        task.pre_execute(context)
        self._on_execute_callback(task, context)
        value = run_with_deferrals(task, context, first_call(task, context))
        task.post_execute(context, value)
        result = {"status": "success"}
        if context.get("map_index_template") is not None:
            added = context_added(context, given)
            if added:
                result["context_added"] = added
        if getattr(task, "_skydag_branching", False) or isinstance(task, BranchMixIn):
            result["followed"] = normalise_branches(value)
        if getattr(task, "_skydag_short_circuit", False):
            result["proceed"] = bool(value)
        if value is not None and getattr(task, "do_xcom_push", True):
            result["return_value"] = _skydag.to_json_value(value, "The return value of task %s" % task.task_id)
            result["has_return_value"] = True
        extras = context["outlet_events"].extras() if hasattr(context.get("outlet_events"), "extras") else {}
        if extras:
            result["outlet_extras"] = _skydag.to_json_value(extras, "The outlet events' extra of task %s" % task.task_id)
        alias_events = context["outlet_events"].alias_events() if hasattr(context.get("outlet_events"), "alias_events") else []
        if alias_events:
            result["outlet_alias_events"] = _skydag.to_json_value(alias_events, "The dataset alias events of task %s" % task.task_id)
        return result

    def poke(self):
        self.load()
        task = self.require_task()
        if not hasattr(task, "poke"):
            raise loader.NotRunnable("task %s (%s) is not a sensor" % (task.task_id, type(task).__name__))
        context = self.context()
        os.environ.update(airflow_env_vars(self.req.get("context") or {}, task))
        self.apply_arguments(task, context)
        # Each poke is its own invocation here, as a reschedule-mode sensor's in Airflow: its
        # pre_execute hook (@task.run_if/skip_if) is checked before each.
        task.pre_execute(context)
        if _executes_itself(task):
            # A sensor with its own execute (typically one that defers): run as Airflow runs any sensor.
            value = run_with_deferrals(task, context, first_call(task, context))
            result = {"status": "success", "done": True}
            if value is not None and getattr(task, "do_xcom_push", True):
                result["return_value"] = _skydag.to_json_value(value, "The return value of sensor %s" % task.task_id)
                result["has_return_value"] = True
            return result
        value = task.poke(context)
        if isinstance(value, PokeReturnValue):
            done = bool(value.is_done)
            xcom_value = value.xcom_value if done else None
        else:
            done = bool(value)
            xcom_value = None
        result = {"status": "success", "done": done}
        if done and xcom_value is not None and getattr(task, "do_xcom_push", True):
            result["return_value"] = _skydag.to_json_value(xcom_value, "The XCom value of sensor %s" % task.task_id)
            result["has_return_value"] = True
        return result

    def callback(self):
        self.load()
        spec = self.req.get("callback") or {}
        kind = spec.get("kind")
        ref = spec.get("ref") or spec.get("callable")
        owner = self.task if self.req.get("task_id") else self.dag
        callbacks = getattr(owner, kind, None) if (owner is not None and kind) else None
        if callbacks is not None and not isinstance(callbacks, (list, tuple)):
            callbacks = [callbacks]
        if not callbacks:
            if not ref:
                raise loader.NotRunnable("no %s found for %s" % (kind or "callback", self.req.get("task_id") or self.req.get("dag_id")))
            callbacks = [self.find_callable(ref)]
        extra = {}
        exc = self.req.get("exception")
        if exc is not None:
            extra["exception"] = AirflowException(exc)
        if self.req.get("reason") is not None:
            extra["reason"] = self.req["reason"]
        context = self.context(extra)
        if kind in ("pre_execute", "post_execute"):
            # Hooks of the try, not callbacks: an exception (a skip too) ends the try.
            for cb in callbacks:
                if kind == "post_execute":
                    # BaseOperator.post_execute(context, result): the execution's return value.
                    cb(context, self.decode(self.req.get("result")))
                else:
                    cb(context)
            return {"status": "success"}
        # Every callback of a list in turn, as Airflow's _run_finished_callback: one that raises is
        # logged and the next still runs; the request then fails with the first error.
        first_error = None
        for cb in callbacks:
            try:
                cb(context)
            except Exception as err:
                log.exception("Error when executing %s callback %s", kind, getattr(cb, "__name__", type(cb).__name__))
                first_error = first_error or err
        if first_error is not None:
            raise first_error
        return {"status": "success"}

    def dag_operator_callable(self):
        self.load()
        task = self.task
        fn = getattr(task, "python_callable", None) if task is not None else None
        if fn is None:
            ref = (self.req.get("callable") or (self.req.get("args") or {}).get("python_callable"))
            if not isinstance(ref, dict):
                raise loader.NotRunnable("task %s has no python_callable" % self.req.get("task_id"))
            fn = self.find_callable(ref)
        context = self.context()
        obj = self.req.get("dag_run_obj") or {}
        dro = DagRunOrder(run_id=obj.get("run_id"), payload=obj.get("payload"))
        value = fn(context, dro)
        if value is None:
            log.info("python_callable returned None: the DAG is not triggered")
            return {"status": "success", "trigger": False}
        payload = getattr(value, "payload", None)
        run_id = getattr(value, "run_id", None) or dro.run_id
        return {
            "status": "success",
            "trigger": True,
            "payload": _skydag.to_json_value(payload, "dag_run_obj.payload"),
            "run_id": run_id if isinstance(run_id, str) else None,
        }

    def sla_miss_callback(self):
        """
        The DAG's ``sla_miss_callback(dag, task_list, blocking_task_list, slas, blocking_tis)``, called
        as Airflow's DAG processor does (``manage_slas``): positionally, each callback of a list in turn;
        one that raises is logged with its traceback and the others still run. The misses count as
        notified once one callback returned, so the request fails only when none did.
        """
        self.load()
        dag_id = self.req.get("dag_id")
        if self.dag is None and self.loaded.module is not None:
            raise loader.NotRunnable("DAG %r is not defined by %s" % (dag_id, os.path.basename(self.req["dag_file"])))
        dag = self.dag
        if dag is None:  # a YAML DAG: no DAG object of its own
            from airflow.models.dag import DAG

            dag = DAG(dag_id=dag_id)
        ref = (self.req.get("callback") or {}).get("ref")
        callbacks = getattr(dag, "sla_miss_callback", None)
        if not callbacks:
            if not ref:
                raise loader.NotRunnable("DAG %s has no sla_miss_callback" % dag_id)
            callbacks = self.find_callable(ref)
        if not isinstance(callbacks, (list, tuple)):
            callbacks = [callbacks]
        args = self.req.get("sla_miss") or {}
        slas = [_sla_miss(row) for row in args.get("slas") or []]
        blocking_tis = [_blocking_ti(row, dag) for row in args.get("blocking_tis") or []]
        failure = None
        notified = False
        for callback in callbacks:
            log.info("Calling SLA miss callback %s", callback)
            try:
                callback(dag, args.get("task_list", ""), args.get("blocking_task_list", ""), slas, blocking_tis)
                notified = True
            except Exception as err:
                log.exception("Could not call sla_miss_callback(%s) for DAG %s",
                              getattr(callback, "__name__", repr(callback)), dag_id)
                failure = failure or err
        if notified or failure is None:
            return {"status": "success"}
        return _failure(failure, "sla_miss_callback")

    def template_calls(self):
        """Uses of the DAG's Python-side user_defined_macros / user_defined_filters by a template."""
        self.load()
        if self.dag is None:
            raise loader.NotRunnable("DAG %r is not defined by %s" % (self.req.get("dag_id"), os.path.basename(self.req["dag_file"])))
        results = template_calls.answer(self.dag, self.req.get("template_calls") or [], self.decode, plugins.plugins_folder(self.req))
        return {"status": "success", "template_results": results}

    def timetable(self):
        """The DAG's custom timetable: ``next_dagrun_info`` or ``infer_manual_data_interval`` (timetables.py)."""
        self.load()
        if self.dag is None:
            raise loader.NotRunnable("DAG %r is not defined by %s" % (self.req.get("dag_id"), os.path.basename(self.req["dag_file"])))
        return {"status": "success", "timetable_result": timetables.answer(self.dag, self.req.get("timetable") or {})}

    def _on_execute_callback(self, task, context):
        callbacks = getattr(task, "on_execute_callback", None)
        if not callbacks:
            return
        for cb in callbacks if isinstance(callbacks, (list, tuple)) else [callbacks]:
            try:
                cb(context)
            except Exception:
                log.exception("Failed when executing execute callback")

    # ------------------------------------------------------------------ entry
    def run(self):
        mode = self.req.get("mode", "execute")
        handler = {
            "execute": self.execute,
            "poke": self.poke,
            "callback": self.callback,
            "dag_operator_callable": self.dag_operator_callable,
            "sla_miss_callback": self.sla_miss_callback,
            "template_calls": self.template_calls,
            "timetable": self.timetable,
        }.get(mode)
        if handler is None:
            return {"status": "not_runnable", "retryable": False, "message": "unknown mode %r" % mode}
        self._install_sigterm()
        try:
            return handler()
        except Outcome as done:
            return done.result
        except AirflowSkipException as err:
            log.info("Skipping task: %s", err)
            return {"status": "skipped", "message": str(err)}
        except loader.NotRunnable as err:
            log.error("%s", err)
            return _failure(err, mode)
        except BaseException as err:
            if isinstance(err, KeyboardInterrupt):
                raise
            log.error("Task failed with exception")
            traceback.print_exc()
            result = _failure(err, mode)
            if isinstance(err, SystemExit):
                result["message"] = "the task called sys.exit(%r)" % (err.code,)
            return result
        finally:
            _skydag.current_context = None

    def _install_sigterm(self):
        runner = self

        def on_sigterm(signum, frame):
            log.error("Received SIGTERM. Terminating subprocesses.")
            if isinstance(runner.task, BaseOperator):
                try:
                    runner.task.on_kill()
                except Exception:
                    log.exception("on_kill failed")
            raise AirflowTaskTerminated("Task received SIGTERM signal")

        try:
            signal.signal(signal.SIGTERM, on_sigterm)
        except ValueError:
            pass


__all__ = ["Runner", "BaseSensorOperator"]


def _date(value):
    return parse_iso(value) if value else None


def _sla_miss(row):
    """One of ``slas``: Airflow's SlaMiss row."""
    return SlaMiss(task_id=row.get("task_id"), dag_id=row.get("dag_id"), execution_date=_date(row.get("execution_date")),
                   email_sent=bool(row.get("email_sent")), timestamp=_date(row.get("timestamp")),
                   description=row.get("description"), notification_sent=bool(row.get("notification_sent")))


def _blocking_ti(row, dag):
    """One of ``blocking_tis``: a TaskInstance row with its task (Airflow sets ``ti.task``)."""
    task = getattr(dag, "task_dict", {}).get(row.get("task_id"))
    ti = TaskInstance(task=task, execution_date=_date(row.get("execution_date")), run_id=row.get("run_id"),
                      state=row.get("state"), map_index=row.get("map_index", -1), dag_id=row.get("dag_id"),
                      task_id=row.get("task_id"), try_number=row.get("try_number", 0), max_tries=row.get("max_tries", 0),
                      hostname=row.get("hostname"), start_date=_date(row.get("start_date")))
    ti.end_date = _date(row.get("end_date"))
    ti.duration = row.get("duration")
    ti.operator = row.get("operator") or ti.operator
    ti.pool = row.get("pool") or ti.pool
    ti.pool_slots = row.get("pool_slots", 1)
    ti.queue = row.get("queue") or ti.queue
    ti.priority_weight = row.get("priority_weight", ti.priority_weight)
    return ti


def context_added(context, given):
    """Variables the task added to its context (``get_current_context()["k"] = v``), for its
    map_index_template, rendered by the platform: JSON values only, others as their str()."""
    added = {}
    for key in context.keys():
        if key in given or not isinstance(key, str):
            continue
        try:
            added[key] = _skydag.to_json_value(context[key], "context variable %s" % key)
        except TypeError:
            added[key] = str(context[key])
    return added

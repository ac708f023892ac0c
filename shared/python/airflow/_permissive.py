"""
Permissive imports: any ``airflow.*`` module skydag's shim does not implement (providers, contrib,
plugins, newer or older module paths) imports fine, and any class name imported from it exists.

- Names ending in ``Operator`` become operators (subclasses of BaseOperator), ``Sensor`` sensors,
  ``Hook`` hooks: they construct with any arguments and register as tasks like real ones, so a DAG
  file loads. Executing one raises a clear error (skydag runs those operators elsewhere, or not).
- Other capitalised names become inert objects; lowercase names resolve as sub-modules, which raise
  a clear error when called as functions.
- Known Airflow 1.10 module paths are aliases of the Airflow 2 modules (``airflow.operators.bash_operator``
  is ``airflow.operators.bash``).
"""
import importlib
import importlib.abc
import importlib.util
import re
import sys
import types

from airflow.exceptions import SkydagShimError

ALIASES = {
    "airflow.operators.bash_operator": "airflow.operators.bash",
    "airflow.operators.python_operator": "airflow.operators.python",
    "airflow.operators.dummy_operator": "airflow.operators.dummy",
    "airflow.operators.dagrun_operator": "airflow.operators.trigger_dagrun",
    "airflow.operators.latest_only_operator": "airflow.operators.latest_only",
    "airflow.operators.skippable_dag_operator": "airflow.operators.dag_operator",
    "airflow.operators.subdag_operator": "airflow.operators.subdag",
    "airflow.operators.branch_operator": "airflow.operators.branch",
    "airflow.operators.email_operator": "airflow.operators.email",
    "airflow.sensors.base_sensor_operator": "airflow.sensors.base",
    "airflow.sensors.python_sensor": "airflow.sensors.python",
    "airflow.contrib.sensors.python_sensor": "airflow.sensors.python",
    "airflow.hooks.base_hook": "airflow.hooks.base",
    "airflow.providers.standard.operators.python": "airflow.operators.python",
    "airflow.providers.standard.operators.bash": "airflow.operators.bash",
    "airflow.providers.standard.operators.empty": "airflow.operators.empty",
    "airflow.providers.standard.operators.latest_only": "airflow.operators.latest_only",
    "airflow.providers.standard.operators.trigger_dagrun": "airflow.operators.trigger_dagrun",
    "airflow.providers.standard.operators.branch": "airflow.operators.branch",
    "airflow.providers.standard.operators.datetime": "airflow.operators.datetime",
    "airflow.providers.standard.operators.weekday": "airflow.operators.weekday",
    "airflow.providers.standard.operators.generic_transfer": "airflow.operators.generic_transfer",
    "airflow.providers.standard.sensors.python": "airflow.sensors.python",
    "airflow.providers.standard.sensors.base": "airflow.sensors.base",
    "airflow.providers.standard.triggers.temporal": "airflow.triggers.temporal",
    "airflow.providers.standard.triggers.file": "airflow.triggers.file",
    "airflow.sdk": "airflow._sdk",
    "airflow.sdk.bases.operator": "airflow.models.baseoperator",
    "airflow.sdk.bases.sensor": "airflow.sensors.base",
    "airflow.sdk.bases.hook": "airflow.hooks.base",
    "airflow.sdk.definitions.dag": "airflow.models.dag",
    "airflow.sdk.definitions.taskgroup": "airflow.utils.task_group",
    "airflow.sdk.definitions.param": "airflow.models.param",
    "airflow.sdk.definitions.edges": "airflow.utils.edgemodifier",
    "airflow.utils.dag_parsing_context": "airflow.utils.context",
    "airflow.operators.sql": "airflow.providers.common.sql.operators.sql",
    "airflow.operators.sqlite_operator": "airflow.providers.sqlite.operators.sqlite",
    "airflow.operators.postgres_operator": "airflow.providers.postgres.operators.postgres",
    "airflow.sensors.sql": "airflow.providers.common.sql.sensors.sql",
    "airflow.providers.common.sql.operators.generic_transfer": "airflow.operators.generic_transfer",
    "airflow.sensors.sql_sensor": "airflow.providers.common.sql.sensors.sql",
}

_STANDARD_DEEPER = re.compile(r"^airflow\.providers\.standard\.[a-z_]+\.(operators|sensors|triggers|hooks)\.")

# Classes reachable as ``from airflow.operators import X`` (Airflow 1.10 plugin-style imports).
PLUGIN_NAMES = {
    "BashOperator": "airflow.operators.bash",
    "PythonOperator": "airflow.operators.python",
    "BranchPythonOperator": "airflow.operators.python",
    "ShortCircuitOperator": "airflow.operators.python",
    "PythonVirtualenvOperator": "airflow.operators.python",
    "DummyOperator": "airflow.operators.dummy",
    "EmptyOperator": "airflow.operators.empty",
    "LatestOnlyOperator": "airflow.operators.latest_only",
    "TriggerDagRunOperator": "airflow.operators.trigger_dagrun",
    "DagRunOrder": "airflow.operators.trigger_dagrun",
    "DagOperator": "airflow.operators.dag_operator",
    "SubDagOperator": "airflow.operators.subdag",
    "SkippableDagOperator": "airflow.operators.dag_operator",
    "BaseBranchOperator": "airflow.operators.branch",
    "EmailOperator": "airflow.operators.email",
    "BaseSensorOperator": "airflow.sensors.base",
    "PythonSensor": "airflow.sensors.python",
}

_FABRICATED = {}


# Provider namespaces two levels deep (airflow.providers.cncf.kubernetes → apache-airflow-providers-cncf-kubernetes).
_TWO_LEVEL_PROVIDERS = ("apache", "atlassian", "cncf", "common", "dbt", "microsoft")

# What skydag offers instead, per provider package.
_PROVIDER_ALTERNATIVES = {
    "amazon": "skydag runs S3Hook, AwsBaseHook(client_type=...), the S3 operators and S3KeySensor; "
              "call other AWS services with AwsBaseHook(client_type='<service>').get_conn() (boto3) in a @task",
    "google": "call the Google Cloud client libraries from a @task or PythonOperator",
    "cncf-kubernetes": "start the pod from a BashOperator (kubectl) or a @task with the kubernetes client",
    "postgres": "PostgresHook and SQLExecuteQueryOperator run on postgres connections (psycopg2 in the task Python)",
    "sqlite": "SqliteHook and SQLExecuteQueryOperator run on sqlite connections",
    "http": "HttpHook, SimpleHttpOperator and HttpSensor run on http connections",
}


def provider_package(module_name):
    """The pip package of an ``airflow.providers.*`` module, or None."""
    parts = module_name.split(".")
    if len(parts) < 3 or parts[:2] != ["airflow", "providers"]:
        return None
    name = parts[2:4] if parts[2] in _TWO_LEVEL_PROVIDERS and len(parts) > 3 else parts[2:3]
    return "apache-airflow-providers-" + "-".join(name).replace("_", "-")


def _not_available(what):
    package = provider_package(what)
    if package is not None:
        short = package[len("apache-airflow-providers-"):]
        instead = _PROVIDER_ALTERNATIVES.get(short, "call the service's client library from a @task or PythonOperator, or use a BashOperator")
        return SkydagShimError(
            "%s comes from the %s provider package, which skydag does not run (DAG files import it fine): %s"
            % (what, package, instead)
        )
    return SkydagShimError(
        "%s is not available in skydag's airflow shim (DAG files import it fine, but it cannot run "
        "inside skydag's Python task runner)" % what
    )


_NO_OP_OPERATORS = ("ExternalTaskMarker",)


def _marker_init(base):
    """ExternalTaskMarker(task_id, external_dag_id, external_task_id, execution_date=..., recursion_depth=..., **kwargs)."""

    def __init__(self, *, external_dag_id=None, external_task_id=None, execution_date="{{ logical_date.isoformat() }}",
                 recursion_depth=10, **kwargs):
        base.__init__(self, **kwargs)
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        self.execution_date = execution_date
        self.recursion_depth = recursion_depth

    return __init__


def _make_class(module_name, name):
    key = (module_name, name)
    cls = _FABRICATED.get(key)
    if cls is not None:
        return cls
    what = "%s.%s" % (module_name, name)
    if name.endswith(("Sensor", "SensorAsync")):
        from airflow.sensors.base import BaseSensorOperator

        def poke(self, context):
            raise _not_available(what)

        cls = type(name, (BaseSensorOperator,), {"poke": poke, "__init__": _positional_init(BaseSensorOperator)})
    elif name in _NO_OP_OPERATORS:
        # Airflow's ExternalTaskMarker is an EmptyOperator (it only marks a dependency for clearing).
        from airflow.operators.empty import EmptyOperator

        cls = type(name, (EmptyOperator,), {"__init__": _marker_init(EmptyOperator)})
    elif name.endswith(("Operator", "OperatorAsync")) or name in ("GenericTransfer",):
        from airflow.models.baseoperator import BaseOperator

        def execute(self, context):
            raise _not_available(what)

        cls = type(name, (BaseOperator,), {"execute": execute, "_skydag_executable": False,
                                           "__init__": _positional_init(BaseOperator)})
    elif name.endswith("Hook"):
        from airflow.hooks.base import BaseHook

        cls = type(name, (_Inert, BaseHook), {})
    elif name.endswith("Notifier"):
        # A provider's notifier: constructs (a DAG file passes it as a callback); sending fails with a
        # clear error, which BaseNotifier logs — the task's state is not changed, as in Airflow.
        from airflow.notifications.basenotifier import BaseNotifier

        def notifier_init(self, *args, **kwargs):
            BaseNotifier.__init__(self)
            self._skydag_args, self._skydag_kwargs = args, kwargs

        def notify(self, context):
            raise _not_available(what)

        cls = type(name, (BaseNotifier,), {"__init__": notifier_init, "notify": notify})
    else:
        cls = type(name, (_Inert,), {})
    cls.__module__ = module_name
    cls.__qualname__ = name
    cls._skydag_fabricated = what
    _FABRICATED[key] = cls
    return cls


def _positional_init(base):
    """Stand-in operators accept positional arguments too (kept, not interpreted)."""

    def __init__(self, *args, **kwargs):
        self._skydag_positional = args
        base.__init__(self, **kwargs)

    return __init__


class _Inert:
    """Stands for a class skydag does not implement: constructs with anything; methods raise when called."""

    def __init__(self, *args, **kwargs):
        self._skydag_args = args
        self._skydag_kwargs = kwargs

    def __getattr__(self, name):
        if name.startswith("__") or name.startswith("_skydag"):
            raise AttributeError(name)
        what = "%s.%s" % (getattr(type(self), "_skydag_fabricated", type(self).__name__), name)

        def unavailable(*args, **kwargs):
            raise _not_available(what + "()")

        return unavailable

    def __repr__(self):
        return "<%s (skydag shim stand-in)>" % type(self).__name__


class PermissiveModule(types.ModuleType):
    """A module (package) skydag does not implement; every attribute exists."""

    def __getattr__(self, name):
        return fabricate(self.__name__, name)

    def __call__(self, *args, **kwargs):
        raise _not_available(self.__name__ + "()")


_NOTIFIER_FUNCTION = re.compile(r"^send_(\w+)_notification$")


def _notifier_alias(module_name, name):
    """A provider's ``send_<x>_notification`` is its ``<X>Notifier`` class (Airflow's providers alias them)."""
    match = _NOTIFIER_FUNCTION.match(name)
    if match is None or ".notifications" not in module_name:
        return None
    return _make_class(module_name, "".join(part.capitalize() for part in match.group(1).split("_")) + "Notifier")


def fabricate(module_name, name):
    if name.startswith("__"):
        raise AttributeError(name)
    if name[:1].isupper():
        return _make_class(module_name, name)
    notifier = _notifier_alias(module_name, name)
    if notifier is not None:
        return notifier
    return importlib.import_module("%s.%s" % (module_name, name))


def package_getattr(package, name):
    """``__getattr__`` of a real shim package: plugin-style classes, sub-modules, stand-ins."""
    if name.startswith("__"):
        raise AttributeError(name)
    if package == "airflow.operators" or package == "airflow.sensors":
        target = PLUGIN_NAMES.get(name)
        if target is not None:
            return getattr(importlib.import_module(target), name)
    if not name[:1].isupper():
        try:
            return importlib.import_module("%s.%s" % (package, name))
        except ImportError:
            raise AttributeError("module %r has no attribute %r" % (package, name))
    return _make_class(package, name)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class _PermissiveLoader(importlib.abc.Loader):
    def create_module(self, spec):
        module = PermissiveModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


class ShimFinder(importlib.abc.MetaPathFinder):
    """Last on sys.meta_path: answers only for ``airflow.*`` modules no other finder found."""

    def find_spec(self, fullname, path, target=None):
        if not fullname.startswith("airflow."):
            return None
        # Airflow's main line had the standard provider one level deeper for a while (``.core.operators``,
        # ``.time.operators``: example DAGs of that time).
        alias = ALIASES.get(_STANDARD_DEEPER.sub(r"airflow.providers.standard.\1.", fullname, count=1))
        if alias is not None:
            return importlib.util.spec_from_loader(fullname, _AliasLoader(alias))
        return importlib.util.spec_from_loader(fullname, _PermissiveLoader(), is_package=True)


def install():
    for finder in sys.meta_path:
        if isinstance(finder, ShimFinder) or type(finder).__name__ == "ShimFinder":
            return
    sys.meta_path.append(ShimFinder())

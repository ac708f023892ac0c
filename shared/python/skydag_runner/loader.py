"""Loading a DAG file the way Airflow's DagBag does, and finding DAGs, tasks and callables in it."""
import hashlib
import importlib
import importlib.util
import os
import sys

from airflow import _skydag
from airflow.models.dag import DAG


class NotRunnable(Exception):
    """The request cannot be served as written (task or callable not found...)."""


class LoadedFile:
    def __init__(self, path, module):
        self.path = path
        self.module = module

    @property
    def namespace(self):
        return vars(self.module) if self.module is not None else {}


def module_name_for(path):
    """Airflow's module name for a DAG file: ``unusual_prefix_<sha1 of path>_<stem>``."""
    digest = hashlib.sha1(path.encode("utf-8")).hexdigest()
    stem = os.path.splitext(os.path.basename(path))[0]
    return "unusual_prefix_%s_%s" % (digest, stem)


def load_python_file(path):
    """Executes a Python file as a module (not ``__main__``), registered in sys.modules."""
    name = module_name_for(path)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise NotRunnable("cannot load %s as a Python module" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def load_dag_file(path):
    if not path.endswith(".py"):
        return LoadedFile(path, None)
    return LoadedFile(path, load_python_file(path))


def registered_dags(loaded):
    """DAGs Airflow would register: those in the module's globals, and those used as context managers."""
    found = []
    for value in loaded.namespace.values():
        if isinstance(value, DAG) and value not in found:
            found.append(value)
    for dag in _skydag.DAGS:
        if getattr(dag, "_skydag_context_managed", False) and dag not in found:
            found.append(dag)
    return found


def find_dag(loaded, dag_id):
    for dag in registered_dags(loaded):
        if dag.dag_id == dag_id:
            return dag
    for dag in reversed(_skydag.DAGS):
        if dag.dag_id == dag_id:
            return dag
    return None


def find_task(dag, task_id):
    if dag is None:
        return None
    return dag.task_dict.get(task_id)


def _lookup_dotted(namespace, dotted):
    parts = dotted.split(".")
    if parts[0] not in namespace:
        return None
    value = namespace[parts[0]]
    for part in parts[1:]:
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def find_callable(ref, loaded, dags_folder):
    """A ``{$type: 'callable'}`` reference as a Python object: DAG file globals, its module, or its file."""
    name = ref.get("name") or ""
    module_name = ref.get("module")
    if loaded is not None and loaded.module is not None:
        value = _lookup_dotted(loaded.namespace, name)
        if value is not None:
            return value
    if module_name:
        try:
            module = importlib.import_module(module_name)
        except ImportError as err:
            raise NotRunnable("cannot import %s (for callable %s): %s" % (module_name, name, err))
        value = _lookup_dotted(vars(module), name)
        if value is not None:
            return value
    ref_file = ref.get("file")
    if ref_file:
        path = ref_file if os.path.isabs(ref_file) else os.path.join(dags_folder, ref_file)
        path = os.path.normpath(path)
        if path.endswith(".py") and os.path.isfile(path) and (loaded is None or path != loaded.path):
            module = load_python_file(path)
            value = _lookup_dotted(vars(module), name)
            if value is not None:
                return value
    where = "module %s" % module_name if module_name else "the DAG file"
    raise NotRunnable("callable %r not found in %s" % (name, where))


def import_class(module_name, class_name):
    module = importlib.import_module(module_name)
    value = getattr(module, class_name, None)
    if value is None:
        raise NotRunnable("class %s not found in module %s" % (class_name, module_name))
    return value

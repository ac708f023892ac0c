"""airflow.utils.module_loading: importing by dotted path, as Airflow's own."""
from importlib import import_module


def import_string(dotted_path):
    """The attribute or class a dotted path names (``"airflow.triggers.temporal.TimeDeltaTrigger"``)."""
    try:
        module_path, class_name = dotted_path.rsplit(".", 1)
    except ValueError:
        raise ImportError("%s doesn't look like a module path" % dotted_path)
    module = import_module(module_path)
    try:
        return getattr(module, class_name)
    except AttributeError:
        raise ImportError('Module "%s" does not define a "%s" attribute/class' % (module_path, class_name))


def qualname(o):
    """The dotted path of an object or class."""
    cls = o if isinstance(o, type) else type(o)
    return "%s.%s" % (cls.__module__, cls.__qualname__)


__all__ = ["import_string", "qualname"]

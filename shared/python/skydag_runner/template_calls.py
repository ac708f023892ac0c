"""
Uses of a DAG's ``user_defined_macros`` / ``user_defined_filters`` that only this process can
evaluate (functions, objects, modules of the DAG file), sent by skydag's renderer, which renders the
template itself: call the value found at a path, or read it (``str``, ``repr`` and, when it is plain
data, the data). Each call gets its own result; an exception is that call's result, raised again in
the template as Airflow's renderer would raise it.
"""
from airflow import _skydag
from skydag_runner import plugins

# Jinja's sandbox (Airflow renders in SandboxedEnvironment) hides these; so does this.
_UNSAFE_PREFIX = "_"


def _step(value, step):
    """One step as Jinja takes it: ``.name`` tries the attribute, then the item; ``[key]`` the reverse."""
    if "attr" in step:
        name = step["attr"]
        if name.startswith(_UNSAFE_PREFIX):
            raise AttributeError("access to attribute %r of %r object is unsafe" % (name, type(value).__name__))
        try:
            return getattr(value, name)
        except AttributeError:
            try:
                return value[name]
            except (TypeError, LookupError):
                raise AttributeError("%r object has no attribute %r" % (type(value).__name__, name)) from None
    key = step["item"]
    try:
        return value[key]
    except (TypeError, LookupError):
        if isinstance(key, str) and not key.startswith(_UNSAFE_PREFIX) and hasattr(value, key):
            return getattr(value, key)
        raise


def encode(value):
    """A result as the model's JSON: datetimes and timedeltas tagged, tuples and sets as lists."""
    return _skydag.to_json_value(value, "the result", tagged=True)


def _base(dag, call, plugins_folder):
    kind = call.get("kind")
    name = call.get("name")
    if kind == "plugin_macros":
        return plugins.macros_module(name, plugins_folder)
    namespace = getattr(dag, "user_defined_filters" if kind == "filter" else "user_defined_macros", None) or {}
    if name not in namespace:
        raise KeyError("DAG %s has no user-defined %s %r" % (dag.dag_id, "filter" if kind == "filter" else "macro", name))
    return namespace[name]


def _evaluate(dag, call, decode, plugins_folder):
    value = _base(dag, call, plugins_folder)
    for step in call.get("path") or []:
        value = _step(value, step)
    if call.get("op") == "value":
        result = {"str": str(value), "repr": repr(value)}
        try:
            result["data"] = encode(value)
        except TypeError:
            pass  # an object: its str and repr are what a template can show
        return result
    args = [decode(a) for a in call.get("args") or []]
    kwargs = {k: decode(v) for k, v in (call.get("kwargs") or {}).items()}
    return encode(value(*args, **kwargs))


def answer(dag, calls, decode, plugins_folder=None):
    """One result per call: ``{"ok": True, "value": ...}`` or the exception it raised."""
    results = []
    for call in calls:
        try:
            results.append({"ok": True, "value": _evaluate(dag, call, decode, plugins_folder)})
        except Exception as err:  # the template shows it as Airflow's renderer would
            results.append({"ok": False, "error_type": type(err).__name__, "message": str(err)})
    return results

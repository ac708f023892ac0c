"""
State shared between skydag's airflow shim and the task runner (not part of Airflow's API).

- ``DAGS``: every DAG object created while the DAG file ran, in creation order.
- ``rpc``: the channel to the orchestrator (XComs, Variables, Connections); set by the runner.
- ``current_context``: the Airflow context of the running task (``get_current_context()``).
"""
import json
import math
import datetime as _dt

DAGS = []
rpc = None
current_context = None


class RpcUnavailable(RuntimeError):
    pass


def call(op, **params):
    """Calls the orchestrator; raises a clear error when the shim is used outside a task run."""
    if rpc is None:
        raise RpcUnavailable(
            "%s is only available while skydag runs a task (no orchestrator channel in this process)" % op
        )
    return rpc.call(op, **params)


def to_json_value(value, what="value", tagged=False):
    """
    A JSON-compatible copy of ``value`` (tuples and sets become lists, datetimes ISO strings);
    anything else raises a TypeError naming the type. ``tagged``: datetimes and timedeltas as the
    model's tagged values instead (what the orchestrator decodes back into such objects).
    """
    return _convert(value, what, 0, tagged)


def _tagged(value):
    """A datetime or timedelta as the model's tagged value (None for other values)."""
    if isinstance(value, _dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=_dt.timezone.utc)
        zone = getattr(aware.tzinfo, "name", None) or getattr(aware.tzinfo, "key", None)
        return {"$type": "datetime", "value": aware.isoformat(), "timezone": zone if isinstance(zone, str) else "UTC"}
    if isinstance(value, _dt.timedelta):
        return {"$type": "timedelta", "seconds": value.total_seconds()}
    return None


def _convert(value, what, depth, tagged=False):
    if depth > 100:
        raise TypeError("%s is nested too deeply to be stored as JSON" % what)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise TypeError("%s contains %r, which JSON cannot store" % (what, value))
        return value
    if tagged:
        tag = _tagged(value)
        if tag is not None:
            return tag
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_convert(v, what, depth + 1, tagged) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(k, str):
                key = k
            elif k is None or isinstance(k, (bool, int, float)):
                key = json.dumps(k)
            else:
                raise TypeError(
                    "%s has a dict key of type %s; only str, int, float, bool and None keys can be stored as JSON"
                    % (what, type(k).__name__)
                )
            out[key] = _convert(v, what, depth + 1, tagged)
        return out
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if hasattr(value, "__fspath__"):
        return str(value)
    raise TypeError(
        "%s of type %s is not JSON serializable; XComs must be JSON values (str, int, float, bool, None, list, dict)"
        % (what, _type_name(value))
    )


def _type_name(value):
    t = type(value)
    mod = getattr(t, "__module__", "builtins")
    return t.__qualname__ if mod == "builtins" else "%s.%s" % (mod, t.__qualname__)

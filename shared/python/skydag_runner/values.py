"""Decoding the model's tagged values (datetime, timedelta, callable, xcom_arg) into Python objects."""
import datetime as _dt

from airflow.utils.pendulum_like import parse_iso
from airflow.utils.timezone import _zone


class Resolver:
    """Resolves references met while decoding: XComArgs (pulled once each) and callables."""

    def __init__(self, pull, find_callable, mapped_item=None):
        self._pull = pull
        self._find_callable = find_callable
        self._mapped_item = mapped_item
        self._pulled = {}

    def mapped_item(self, arg, index):
        if self._mapped_item is None:
            raise ValueError("a mapped item (XComArg.map()) outside a mapped task")
        return self._mapped_item(arg, index)

    def xcom(self, task_id, key):
        cache_key = (task_id, key)
        if cache_key not in self._pulled:
            self._pulled[cache_key] = self._pull(task_id, key)
        return self._pulled[cache_key]

    def callable(self, ref):
        return self._find_callable(ref)


def decode(value, resolver, depth=0):
    if depth > 200:
        raise ValueError("argument nested too deeply")
    if isinstance(value, list):
        return [decode(v, resolver, depth + 1) for v in value]
    if isinstance(value, dict):
        tag = value.get("$type")
        if tag == "datetime":
            dt = parse_iso(value["value"])
            tz = value.get("timezone")
            if tz:
                try:
                    dt = dt.astimezone(_zone(tz))
                except ValueError:
                    pass
            return dt
        if tag == "timedelta":
            return _dt.timedelta(seconds=value["seconds"])
        if tag == "xcom_arg":
            return resolver.xcom(value["task_id"], value.get("key") or "return_value")
        if tag == "callable":
            return resolver.callable(value)
        if tag == "mapped_item":
            item = resolver.mapped_item(value.get("arg"), value["index"])
            if "key" not in value:
                return item
            # Airflow's MappedArgument.resolve: a key the index's dict lacks is a KeyError.
            return expand_kwargs_item(item)[value["key"]]
        if tag == "literal":
            from airflow.template.templater import LiteralValue

            return LiteralValue(decode(value["value"], resolver, depth + 1))
        return {k: decode(v, resolver, depth + 1) for k, v in value.items()}
    return value


def expand_kwargs_item(item):
    """An expand_kwargs() item made by ``XComArg.map()``: it must be a dict of arguments."""
    if not isinstance(item, dict):
        raise TypeError("expand_kwargs() item is not a dict: %s" % type(item).__name__)
    return item


def resolve_objects(value, context, depth=0):
    """XComArg and DagParam objects inside an operator attribute, replaced by their run-time values."""
    from airflow.decorators import DagParam
    from airflow.models.xcom_arg import XComArg

    if depth > 50:
        return value
    if isinstance(value, XComArg):
        return value.resolve(context)
    if isinstance(value, DagParam):
        return value.resolve(context)
    if isinstance(value, list):
        return [resolve_objects(v, context, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve_objects(v, context, depth + 1) for v in value)
    if isinstance(value, dict) and type(value) is dict:
        return {k: resolve_objects(v, context, depth + 1) for k, v in value.items()}
    return value

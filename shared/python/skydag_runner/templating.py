"""
A small renderer for the Jinja expressions skydag could not render ahead of time: templated fields
of custom operators whose values only exist in Python (an ``__init__`` default such as
``start_date="{{ds}}"``). It evaluates ``{{ expression }}`` parts as Python expressions over the
context, with attribute access on dicts (``params.x``), Jinja's lowercase literals, and the common
filters (default, string, int, float, upper, lower, trim, tojson, length, join, replace). ``{% %}``
blocks are not supported and raise a clear error.
"""
import json
import re

_EXPR = re.compile(r"\{\{(.*?)\}\}", re.S)
_FILTER_SPLIT = re.compile(r"\|(?![|])")


class TemplateError(Exception):
    pass


class _AttrDict(dict):
    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return _wrap(self[key])
        except KeyError:
            raise AttributeError(key)


def _wrap(value):
    if isinstance(value, dict) and not isinstance(value, _AttrDict):
        out = _AttrDict(value)
        return out
    return value


def _filter(name, args, value):
    if name in ("default", "d"):
        return value if value not in (None, "") else (args[0] if args else "")
    if name == "string":
        return str(value)
    if name == "int":
        return int(float(value)) if value not in (None, "") else 0
    if name == "float":
        return float(value)
    if name == "upper":
        return str(value).upper()
    if name == "lower":
        return str(value).lower()
    if name == "trim":
        return str(value).strip()
    if name == "tojson":
        return json.dumps(value)
    if name == "length":
        return len(value)
    if name == "join":
        return (args[0] if args else "").join(str(v) for v in value)
    if name == "replace":
        return str(value).replace(args[0], args[1])
    raise TemplateError("filter %r is not supported by skydag's Python-side renderer" % name)


def _eval(expr, namespace):
    parts = _FILTER_SPLIT.split(expr)
    code = parts[0].strip()
    code = re.sub(r"\btrue\b", "True", code)
    code = re.sub(r"\bfalse\b", "False", code)
    code = re.sub(r"\bnone\b", "None", code)
    try:
        value = eval(code, {"__builtins__": {}}, namespace)  # noqa: S307 - DAG author's own template
    except Exception as err:
        raise TemplateError("cannot render {{ %s }}: %s: %s" % (expr.strip(), type(err).__name__, err))
    for f in parts[1:]:
        f = f.strip()
        m = re.match(r"^(\w+)\s*(?:\((.*)\))?$", f, re.S)
        if not m:
            raise TemplateError("cannot read filter %r" % f)
        args = eval("[%s]" % (m.group(2) or ""), {"__builtins__": {}}, namespace) if m.group(2) else []
        value = _filter(m.group(1), args, value)
    return value


def render_string(text, context):
    if "{%" in text:
        raise TemplateError("Jinja statements ({% ... %}) in %r cannot be rendered inside the Python runner" % text)
    namespace = {k: _wrap(v) for k, v in context.items()}
    namespace.update({"range": range, "len": len, "str": str, "int": int, "float": float})
    return _EXPR.sub(lambda m: str(_eval(m.group(1), namespace)), text)


def render_value(value, context, depth=0):
    if depth > 50:
        return value
    if isinstance(value, str):
        return render_string(value, context) if "{{" in value or "{%" in value else value
    if isinstance(value, list):
        return [render_value(v, context, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(render_value(v, context, depth + 1) for v in value)
    if isinstance(value, dict):
        return {k: render_value(v, context, depth + 1) for k, v in value.items()}
    return value

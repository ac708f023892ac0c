"""XComArg: a task's output (``task.output``, a TaskFlow call's result) used as another task's input."""
import itertools
from collections.abc import Sequence

from airflow.models.baseoperator import DependencyMixin

XCOM_RETURN_KEY = "return_value"


class XComArg(DependencyMixin):
    def __init__(self, operator, key=XCOM_RETURN_KEY):
        self.operator = operator
        self.key = key

    def as_setup(self):
        self.operator.as_setup()
        return self

    def as_teardown(self, *, setups=None, on_failure_fail_dagrun=None):
        self.operator.as_teardown(setups=setups, on_failure_fail_dagrun=on_failure_fail_dagrun)
        return self

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return False

    @property
    def roots(self):
        return [self.operator]

    @property
    def leaves(self):
        return [self.operator]

    def __getitem__(self, key):
        return XComArg(self.operator, key)

    def __iter__(self):
        raise TypeError("'XComArg' object is not iterable")

    def __eq__(self, other):
        return isinstance(other, XComArg) and self.operator is other.operator and self.key == other.key

    def __hash__(self):
        return hash((id(self.operator), self.key))

    def __str__(self):
        xcom_pull_kwargs = ["task_ids='%s'" % self.operator.task_id, "dag_id='%s'" % self.operator.dag_id]
        if self.key is not None:
            xcom_pull_kwargs.append("key='%s'" % self.key)
        return "{{ task_instance.xcom_pull(%s) }}" % ", ".join(xcom_pull_kwargs)

    def __repr__(self):
        return "XComArg(%r%s)" % (self.operator, "" if self.key == XCOM_RETURN_KEY else ", %r" % self.key)

    def resolve(self, context, session=None):
        """The pushed value, pulled from this run."""
        ti = context["ti"]
        return ti.xcom_pull(task_ids=self.operator.task_id, key=self.key)

    def iter_references(self):
        yield self.operator, self.key

    def map(self, f):
        if self.key != XCOM_RETURN_KEY:
            raise ValueError("cannot map against non-return XCom")
        return MapXComArg(self, [f])

    def zip(self, *others, **kwargs):
        if self.key != XCOM_RETURN_KEY:
            raise ValueError("cannot map against non-return XCom")
        return ZipXComArg([self] + list(others), **kwargs)

    def concat(self, *others):
        if self.key != XCOM_RETURN_KEY:
            raise ValueError("cannot concatenate non-return XCom")
        return ConcatXComArg([self] + list(others))


class _NotSet:
    def __repr__(self):
        return "NOTSET"


NOTSET = _NotSet()


class _TransformedXComArg(XComArg):
    """Shared by MapXComArg, ZipXComArg and ConcatXComArg: dependencies through every referenced task."""

    def __init__(self, first):
        XComArg.__init__(self, first.operator, first.key)

    @property
    def roots(self):
        return [op for op, _ in self.iter_references()]

    @property
    def leaves(self):
        return [op for op, _ in self.iter_references()]

    def __getitem__(self, key):
        raise TypeError("%s does not support [] lookup" % type(self).__name__)

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)

    def __str__(self):
        return repr(self)

    def map(self, f):
        return MapXComArg(self, [f])

    def zip(self, *others, **kwargs):
        return ZipXComArg([self] + list(others), **kwargs)

    def concat(self, *others):
        return ConcatXComArg([self] + list(others))


def _callable_name(f):
    return getattr(f, "__name__", "<function>")


class _MapResult(Sequence):
    """The mapped items, each made when it is read (a task reads only its own map index)."""

    def __init__(self, value, callables):
        self.value = value
        self.callables = callables

    def __getitem__(self, index):
        value = self.value[index]
        for f in self.callables:
            value = f(value)
        return value

    def __len__(self):
        return len(self.value)


class MapXComArg(_TransformedXComArg):
    """``xcom_arg.map(f)`` (Airflow 2.4+): each item passed through the functions, in the task's process."""

    def __init__(self, arg, callables):
        for c in callables:
            if getattr(c, "_airflow_is_task_decorator", False):
                raise ValueError("map() argument must be a plain function, not a @task operator")
            if not callable(c):
                raise TypeError("map() argument must be callable, not %s" % type(c).__name__)
        _TransformedXComArg.__init__(self, arg)
        self.arg = arg
        self.callables = list(callables)

    def __repr__(self):
        return "%r%s" % (self.arg, "".join(".map(%s)" % _callable_name(f) for f in self.callables))

    def iter_references(self):
        return self.arg.iter_references()

    def map(self, f):
        return MapXComArg(self.arg, self.callables + [f])  # flattened, as Airflow does

    def resolve(self, context, session=None):
        value = self.arg.resolve(context)
        if not isinstance(value, (Sequence, dict)) or isinstance(value, str):
            raise ValueError("XCom map expects sequence or dict, not %s" % type(value).__name__)
        return _MapResult(value, self.callables)


class _ZipResult(Sequence):
    def __init__(self, values, fillvalue=NOTSET):
        self.values = values
        self.fillvalue = fillvalue

    def __getitem__(self, index):
        if index >= len(self):
            raise IndexError(index)
        return tuple(self._get_or_fill(value, index) for value in self.values)

    def _get_or_fill(self, container, index):
        try:
            return container[index]
        except (IndexError, KeyError):
            return self.fillvalue

    def __len__(self):
        lengths = [len(v) for v in self.values]
        return min(lengths) if self.fillvalue is NOTSET else max(lengths)


class ZipXComArg(_TransformedXComArg):
    """``a.zip(b, ..., fillvalue=...)`` (Airflow 2.5+): like zip(), or itertools.zip_longest() with a fill value."""

    def __init__(self, args, fillvalue=NOTSET):
        if not args:
            raise ValueError("At least one input is required")
        for arg in args:
            if not isinstance(arg, XComArg):
                raise TypeError("zip() arguments must be XComArgs, not %s" % type(arg).__name__)
        _TransformedXComArg.__init__(self, args[0])
        self.args = list(args)
        self.fillvalue = fillvalue

    def __repr__(self):
        rest = ", ".join(repr(a) for a in self.args[1:])
        fill = "" if self.fillvalue is NOTSET else ", fillvalue=%r" % (self.fillvalue,)
        return "%r.zip(%s%s)" % (self.args[0], rest, fill)

    def iter_references(self):
        for arg in self.args:
            for ref in arg.iter_references():
                yield ref

    def resolve(self, context, session=None):
        values = [arg.resolve(context) for arg in self.args]
        for value in values:
            if not isinstance(value, (Sequence, dict)) or isinstance(value, str):
                raise ValueError("XCom zip expects sequence or dict, not %s" % type(value).__name__)
        return _ZipResult(values, self.fillvalue)


class _ConcatResult(Sequence):
    def __init__(self, values):
        self.values = values

    def __getitem__(self, index):
        i = index if index >= 0 else len(self) + index
        for value in self.values:
            if i < 0:
                break
            if i >= len(value):
                i -= len(value)
            elif isinstance(value, Sequence):
                return value[i]
            else:
                return next(itertools.islice(iter(value), i, None))  # a dict: its i-th key
        raise IndexError("list index out of range")

    def __len__(self):
        return sum(len(v) for v in self.values)


class ConcatXComArg(_TransformedXComArg):
    """``a.concat(b, ...)`` (Airflow 2.10): the items of each in turn, like itertools.chain() with index access."""

    def __init__(self, args):
        if not args:
            raise ValueError("At least one input is required")
        for arg in args:
            if not isinstance(arg, XComArg):
                raise TypeError("concat() arguments must be XComArgs, not %s" % type(arg).__name__)
        _TransformedXComArg.__init__(self, args[0])
        self.args = list(args)

    def __repr__(self):
        return "%r.concat(%s)" % (self.args[0], ", ".join(repr(a) for a in self.args[1:]))

    def iter_references(self):
        for arg in self.args:
            for ref in arg.iter_references():
                yield ref

    def concat(self, *others):
        return ConcatXComArg(self.args + list(others))  # flattened, as Airflow does

    def resolve(self, context, session=None):
        values = [arg.resolve(context) for arg in self.args]
        for value in values:
            if not isinstance(value, (Sequence, dict)) or isinstance(value, str):
                raise ValueError("XCom concat expects sequence or dict, not %s" % type(value).__name__)
        return _ConcatResult(values)


PlainXComArg = XComArg

"""XComArg: a task's output (``task.output``, a TaskFlow call's result) used as another task's input."""
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

    def map(self, f):
        from airflow.exceptions import SkydagShimError

        raise SkydagShimError("XComArg.map() (dynamic task mapping) is not supported by skydag")

    def zip(self, *others, **kwargs):
        from airflow.exceptions import SkydagShimError

        raise SkydagShimError("XComArg.zip() (dynamic task mapping) is not supported by skydag")


PlainXComArg = XComArg

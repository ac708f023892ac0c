"""``literal()`` (Airflow 2.8+): a templated field's value used as it is, without Jinja or template files."""
from airflow.template.templater import LiteralValue

__all__ = ["literal"]


def literal(value):
    return LiteralValue(value)

"""airflow.operators: real modules for the core operators; plugin-style ``from airflow.operators import X`` works too."""
from airflow import _permissive


def __getattr__(name):
    return _permissive.package_getattr(__name__, name)

"""airflow.hooks: BaseHook (connections through skydag); other hooks import as stand-ins."""
from airflow import _permissive


def __getattr__(name):
    return _permissive.package_getattr(__name__, name)

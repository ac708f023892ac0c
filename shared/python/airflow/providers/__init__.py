"""
Provider packages skydag implements over its own connections (common.sql, sqlite, postgres). Any
other ``airflow.providers.*`` module imports through the permissive finder (``airflow._permissive``):
its classes construct so DAG files load, and fail with a clear error when they run.
"""
from airflow._permissive import package_getattr as _package_getattr


def __getattr__(name):
    return _package_getattr(__name__, name)

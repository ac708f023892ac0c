from airflow import _permissive


def __getattr__(name):
    return _permissive.package_getattr(__name__, name)

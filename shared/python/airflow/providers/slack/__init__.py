from airflow._permissive import package_getattr as _package_getattr


def __getattr__(name):
    return _package_getattr(__name__, name)

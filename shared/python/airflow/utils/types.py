from airflow.utils.state import DagRunType  # noqa: F401

NOTSET = object()
ArgNotSet = type(NOTSET)

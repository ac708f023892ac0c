"""
skydag's airflow shim: enough of Apache Airflow's Python API for DAG files to load and for task
code to run inside skydag's Python task runner, without Airflow installed.

It is put first on sys.path by the runner. Modules it does not implement (providers, contrib,
plugins) still import: see ``airflow._permissive``.
"""
__version__ = "2.10.0+skydag"
version = __version__

from airflow import _permissive  # noqa: E402

_permissive.install()

from airflow.exceptions import AirflowException  # noqa: E402,F401
from airflow.models.dag import DAG  # noqa: E402,F401
from airflow.models.xcom_arg import XComArg  # noqa: E402,F401

PY36 = PY37 = PY38 = True
__all__ = ["DAG", "AirflowException", "XComArg", "__version__"]


# Airflow 2.4+'s lazy top-level names besides DAG and XComArg (``from airflow import Dataset``).
_LAZY = {"Dataset": "airflow.datasets"}


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)

    try:
        return importlib.import_module("airflow." + name)
    except ImportError:
        raise AttributeError("module 'airflow' has no attribute %r" % name)

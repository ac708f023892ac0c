"""airflow.models: the classes DAG files import from here."""
from airflow.models.baseoperator import BaseOperator, BaseOperatorLink, chain, cross_downstream  # noqa: F401
from airflow.models.connection import Connection  # noqa: F401
from airflow.models.dag import DAG  # noqa: F401
from airflow.models.dagrun import DagRun  # noqa: F401
from airflow.models.param import Param, ParamsDict  # noqa: F401
from airflow.models.slamiss import SlaMiss  # noqa: F401
from airflow.models.taskinstance import TaskInstance  # noqa: F401
from airflow.models.variable import Variable  # noqa: F401
from airflow.models.xcom import XCom, BaseXCom, XCOM_RETURN_KEY  # noqa: F401
from airflow.models.xcom_arg import XComArg  # noqa: F401
from airflow import _permissive


def __getattr__(name):
    return _permissive.package_getattr(__name__, name)

"""``airflow.sdk`` (Airflow 3's authoring interface) mapped onto the shim."""
from airflow.decorators import dag, task, task_group, setup, teardown  # noqa: F401
from airflow.hooks.base import BaseHook  # noqa: F401
from airflow.models.baseoperator import BaseOperator, chain, chain_linear, cross_downstream  # noqa: F401
from airflow.models.connection import Connection  # noqa: F401
from airflow.models.dag import DAG  # noqa: F401
from airflow.models.param import Param, ParamsDict  # noqa: F401
from airflow.models.variable import Variable  # noqa: F401
from airflow.models.xcom_arg import XComArg  # noqa: F401
from airflow.operators.python import get_current_context  # noqa: F401
from airflow.sensors.base import BaseSensorOperator, PokeReturnValue  # noqa: F401
from airflow.utils.edgemodifier import EdgeModifier, Label  # noqa: F401
from airflow.utils.task_group import TaskGroup  # noqa: F401
from airflow.utils.trigger_rule import TriggerRule  # noqa: F401
from airflow.utils.context import Context  # noqa: F401
from airflow import _permissive


def __getattr__(name):
    return _permissive.fabricate(__name__, name)

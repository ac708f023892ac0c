"""The Airflow task context, built from the orchestrator's serializable context."""
import datetime as _dt
import json

import airflow.macros
from airflow.configuration import conf as airflow_conf
from airflow.datasets import Dataset, DatasetAlias, InletEventsAccessors, OutletEventAccessors
from airflow.models.connection import Connection
from airflow.models.dataset import DatasetEvent
from airflow.models.dagrun import DagRun
from airflow.models.param import ParamsDict
from airflow.models.taskinstance import TaskInstance
from airflow.models.variable import Variable
from airflow.utils.context import Context
from airflow.utils.pendulum_like import parse_iso

_NOTSET = object()


class VariableAccessor:
    """``var.value.key`` / ``var.json.key`` / ``var.value.get('key', default)``."""

    def __init__(self, deserialize_json):
        self._json = deserialize_json

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        return Variable.get(key, deserialize_json=self._json)

    def __getitem__(self, key):
        return Variable.get(key, deserialize_json=self._json)

    def get(self, key, default_var=_NOTSET):
        if default_var is _NOTSET:
            return Variable.get(key, deserialize_json=self._json)
        return Variable.get(key, default_var=default_var, deserialize_json=self._json)

    def __repr__(self):
        return "<VariableAccessor json=%s>" % self._json


class ConnectionAccessor:
    """``conn.my_conn_id`` / ``conn.get('my_conn_id')``."""

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        return Connection.get_connection_from_secrets(key)

    def get(self, key, default_conn=None):
        try:
            return Connection.get_connection_from_secrets(key)
        except Exception:
            return default_conn


def _date(value):
    return parse_iso(value) if value else None


def _ds(value):
    return value.strftime("%Y-%m-%d") if value is not None else None


def _nodash(value):
    return value.replace("-", "") if value else None


def build_context(ctx, dag=None, task=None, extra=None):
    """Airflow's ``get_template_context()`` from a SerializableContext (plus optional extra keys)."""
    extra = extra or {}
    logical = _date(ctx.get("logical_date")) or parse_iso(_dt.datetime.now(_dt.timezone.utc).isoformat())
    start = _date(ctx.get("data_interval_start")) or logical
    end = _date(ctx.get("data_interval_end")) or logical
    external = bool(ctx.get("external_trigger"))
    if ctx.get("prev_execution_date"):
        prev_execution_date = _date(ctx["prev_execution_date"])
    elif external or end <= start:
        prev_execution_date = logical
    else:
        prev_execution_date = logical - (end - start)
    if ctx.get("next_execution_date"):
        next_execution_date = _date(ctx["next_execution_date"])
    elif external:
        next_execution_date = logical
    else:
        next_execution_date = end
    ds = ctx.get("ds") or _ds(logical)
    next_ds = _ds(next_execution_date)
    prev_ds = _ds(prev_execution_date)
    tomorrow = (logical + _dt.timedelta(days=1)).strftime("%Y-%m-%d")
    yesterday = (logical - _dt.timedelta(days=1)).strftime("%Y-%m-%d")
    dag_run = DagRun(
        dag_id=ctx.get("dag_id"),
        run_id=ctx.get("run_id"),
        conf=ctx.get("conf") if ctx.get("conf") is not None else {},
        external_trigger=external,
        run_type=ctx.get("run_type") or "manual",
        execution_date=logical,
        data_interval_start=start,
        data_interval_end=end,
        dag=dag,
    )
    ti = TaskInstance(
        task=task,
        execution_date=logical,
        run_id=ctx.get("run_id"),
        dag_id=ctx.get("dag_id"),
        task_id=ctx.get("task_id") or (task.task_id if task is not None else None),
        try_number=ctx.get("try_number") or 1,
        max_tries=getattr(task, "retries", 0) or 0,
        map_index=ctx.get("map_index", -1),
        dag_run=dag_run,
        state=ctx.get("ti_state") or "running",
    )
    params = ParamsDict(ctx.get("params") or {})
    if task is not None:
        task.params = params
    context = Context(
        conf=airflow_conf,
        conn=ConnectionAccessor(),
        dag=dag,
        dag_run=dag_run,
        data_interval_start=start,
        data_interval_end=end,
        ds=ds,
        ds_nodash=ctx.get("ds_nodash") or _nodash(ds),
        execution_date=logical,
        expanded_ti_count=None,
        inlets=list(getattr(task, "inlets", []) or []),
        inlet_events=InletEventsAccessors(
            {uri: [DatasetEvent(**event) for event in events] for uri, events in (ctx.get("inlet_events") or {}).items()},
            [i for i in (getattr(task, "inlets", []) or []) if isinstance(i, (Dataset, DatasetAlias))],
            {name: [DatasetEvent(**event) for event in events] for name, events in (ctx.get("inlet_alias_events") or {}).items()},
        ),
        logical_date=logical,
        macros=airflow.macros,
        map_index_template=ctx.get("map_index_template"),
        next_ds=next_ds,
        next_ds_nodash=_nodash(next_ds),
        next_execution_date=next_execution_date,
        outlets=list(getattr(task, "outlets", []) or []),
        outlet_events=OutletEventAccessors(),
        params=params,
        prev_data_interval_start_success=_date(ctx.get("prev_data_interval_start_success")),
        prev_data_interval_end_success=_date(ctx.get("prev_data_interval_end_success")),
        prev_ds=prev_ds,
        prev_ds_nodash=_nodash(prev_ds),
        prev_execution_date=prev_execution_date,
        prev_execution_date_success=_date(ctx.get("prev_execution_date_success")),
        prev_start_date_success=_date(ctx.get("prev_start_date_success")),
        prev_end_date_success=_date(ctx.get("prev_end_date_success")),
        run_id=ctx.get("run_id"),
        task=task,
        task_instance=ti,
        ti=ti,
        task_instance_key_str=ctx.get("task_instance_key_str")
        or "%s__%s__%s" % (ctx.get("dag_id"), ctx.get("task_id"), _nodash(ds)),
        test_mode=bool(ctx.get("test_mode")),
        templates_dict=ctx.get("templates_dict"),
        tomorrow_ds=tomorrow,
        tomorrow_ds_nodash=_nodash(tomorrow),
        triggering_dataset_events={
            uri: [DatasetEvent(**event) for event in events]
            for uri, events in (ctx.get("triggering_dataset_events") or {}).items()
        },
        ts=ctx.get("ts") or logical.isoformat(),
        ts_nodash=ctx.get("ts_nodash") or logical.strftime("%Y%m%dT%H%M%S"),
        ts_nodash_with_tz=ctx.get("ts_nodash_with_tz") or logical.isoformat().replace("-", "").replace(":", ""),
        var={"value": VariableAccessor(False), "json": VariableAccessor(True)},
        yesterday_ds=yesterday,
        yesterday_ds_nodash=_nodash(yesterday),
    )
    context.update(extra)
    return context


def airflow_env_vars(ctx, task=None):
    """Airflow's AIRFLOW_CTX_* environment variables for the task process."""
    env = {
        "AIRFLOW_CTX_DAG_ID": ctx.get("dag_id") or "",
        "AIRFLOW_CTX_TASK_ID": ctx.get("task_id") or "",
        "AIRFLOW_CTX_EXECUTION_DATE": ctx.get("logical_date") or "",
        "AIRFLOW_CTX_TRY_NUMBER": str(ctx.get("try_number") or 1),
        "AIRFLOW_CTX_DAG_RUN_ID": ctx.get("run_id") or "",
    }
    owner = getattr(task, "owner", None)
    if owner:
        env["AIRFLOW_CTX_DAG_OWNER"] = str(owner)
    return env


def dumps(value):
    return json.dumps(value)

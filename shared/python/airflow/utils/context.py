"""The task context: a dict (Airflow's Context) and the names it holds."""

KNOWN_CONTEXT_KEYS = {
    "conf", "conn", "dag", "dag_run", "data_interval_end", "data_interval_start", "ds", "ds_nodash",
    "execution_date", "expanded_ti_count", "exception", "inlets", "inlet_events", "logical_date", "macros",
    "map_index_template", "next_ds", "next_ds_nodash", "next_execution_date", "outlets", "outlet_events",
    "params", "prev_data_interval_start_success", "prev_data_interval_end_success", "prev_ds",
    "prev_ds_nodash", "prev_execution_date", "prev_execution_date_success", "prev_start_date_success",
    "prev_end_date_success", "reason", "run_id", "task", "task_instance", "task_instance_key_str",
    "test_mode", "templates_dict", "ti", "tomorrow_ds", "tomorrow_ds_nodash", "triggering_dataset_events",
    "ts", "ts_nodash", "ts_nodash_with_tz", "try_number", "var", "yesterday_ds", "yesterday_ds_nodash",
}


class Context(dict):
    """The dict passed to ``execute(context)`` and callbacks."""


def get_current_context():
    from airflow.operators.python import get_current_context as _get

    return _get()


def context_merge(context, *args, **kwargs):
    context.update(*args, **kwargs)


def get_parsing_context():
    class _ParsingContext:
        dag_id = None
        task_id = None

    return _ParsingContext()

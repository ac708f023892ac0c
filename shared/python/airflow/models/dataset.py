"""What a dataset-triggered run's ``triggering_dataset_events`` holds: Airflow's DatasetEvent rows, as plain objects."""
from airflow.utils.pendulum_like import parse_iso


class DatasetModel:
    def __init__(self, uri, extra=None):
        self.uri = uri
        self.extra = extra or {}


class DatasetAliasModel:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "DatasetAliasModel(name=%r)" % self.name


class _SourceDagRun:
    def __init__(self, dag_id, run_id):
        self.dag_id = dag_id
        self.run_id = run_id


class DatasetEvent:
    def __init__(self, id=None, uri=None, extra=None, source_dag_id=None, source_task_id=None, source_run_id=None,
                 source_map_index=-1, timestamp=None, source_aliases=None, **_ignored):
        self.id = id
        self.dataset = DatasetModel(uri)
        self.uri = uri
        self.extra = extra or {}
        self.source_dag_id = source_dag_id
        self.source_task_id = source_task_id
        self.source_run_id = source_run_id
        self.source_map_index = source_map_index
        # The aliases the event was added through (Airflow 2.10's relationship to DatasetAliasModel).
        self.source_aliases = [DatasetAliasModel(name) for name in (source_aliases or [])]
        self.timestamp = parse_iso(timestamp) if isinstance(timestamp, str) else timestamp
        self.source_dag_run = _SourceDagRun(source_dag_id, source_run_id) if source_run_id else None

    def __repr__(self):
        return "DatasetEvent(id=%r, uri=%r, source_dag_id=%r, source_task_id=%r, source_run_id=%r)" % (
            self.id, self.uri, self.source_dag_id, self.source_task_id, self.source_run_id)

"""Airflow 2.10's ``airflow.datasets.metadata.Metadata``: extra for an outlet's event, yielded by a task."""
from airflow.datasets import Dataset, DatasetAlias

__all__ = ["Metadata"]


class Metadata:
    """``yield Metadata(dataset, {"k": "v"})`` from a task adds the extra to that outlet's event."""

    def __init__(self, target, extra, alias=None):
        if isinstance(target, str):
            target = Dataset(target)
        if not isinstance(target, Dataset):
            raise TypeError("Metadata target must be a Dataset or a URI, not %s" % type(target).__name__)
        self.uri = target.uri
        self.extra = dict(extra)
        self.alias_name = alias.name if isinstance(alias, DatasetAlias) else alias

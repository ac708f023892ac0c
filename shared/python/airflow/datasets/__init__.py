"""
Airflow 2.10's ``airflow.datasets``: datasets and the conditions over them a DAG is scheduled on.

skydag reads these statically when it parses the DAG file (the platform records the events and
creates the dataset-triggered runs); here they only have to build as in Airflow when the task
runner imports the file, and to evaluate like Airflow's for code that calls them.
"""
from urllib.parse import urlsplit

__all__ = ["BaseDataset", "Dataset", "DatasetAll", "DatasetAny", "DatasetAlias"]


def _sanitize_uri(uri):
    if not uri or uri.isspace():
        raise ValueError("Dataset URI cannot be empty")
    if len(uri) > 3000:
        raise ValueError("Dataset URI is longer than 3000 characters")
    if not uri.isascii():
        raise ValueError("Dataset URI must only consist of ASCII characters")
    if urlsplit(uri).scheme.lower() == "airflow":
        raise ValueError("Dataset scheme 'airflow' is reserved")
    return uri


class BaseDataset:
    def __and__(self, other):
        if not isinstance(other, BaseDataset):
            return NotImplemented
        return DatasetAll(self, other)

    def __or__(self, other):
        if not isinstance(other, BaseDataset):
            return NotImplemented
        return DatasetAny(self, other)

    def iter_datasets(self):
        raise NotImplementedError

    def evaluate(self, statuses):
        raise NotImplementedError


class Dataset(BaseDataset):
    def __init__(self, uri, extra=None):
        self.uri = _sanitize_uri(uri)
        self.extra = dict(extra or {})

    def __eq__(self, other):
        return isinstance(other, Dataset) and self.uri == other.uri

    def __hash__(self):
        return hash(self.uri)

    def __repr__(self):
        return "Dataset(uri=%r, extra=%r)" % (self.uri, self.extra)

    def iter_datasets(self):
        yield self.uri, self

    def evaluate(self, statuses):
        return statuses.get(self.uri, False)


class DatasetAlias(BaseDataset):
    """Airflow 2.10: a name a task adds dataset events through; DAGs scheduled on it run on those datasets."""

    def __init__(self, name):
        if not isinstance(name, str) or not name or name.isspace():
            raise ValueError("DatasetAlias name cannot be empty")
        self.name = name

    def __eq__(self, other):
        return isinstance(other, DatasetAlias) and self.name == other.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return "DatasetAlias(name=%r)" % self.name

    def iter_datasets(self):
        return iter(())

    def evaluate(self, statuses):
        return False


class InletEventsAccessors(dict):
    """
    ``context["inlet_events"]`` (Airflow 2.10): a dataset's events, oldest first, by Dataset, URI or
    the position of the task's inlet; a dataset without events (or not read for this try) gives [].
    """

    def __init__(self, events, inlets=(), alias_events=None):
        super().__init__(events)
        self._inlets = list(inlets)
        self._alias_events = dict(alias_events or {})

    def __getitem__(self, key):
        if isinstance(key, int):
            key = self._inlets[key]
        if isinstance(key, DatasetAlias):
            # The events added through the alias (Airflow joins DatasetEvent.source_aliases).
            return self._alias_events.get(key.name, [])
        if isinstance(key, Dataset):
            key = key.uri
        return dict.get(self, key, [])


class OutletEventAccessor:
    """
    One outlet's event while the task runs: ``outlet_events[dataset].extra`` goes into the event;
    ``outlet_events[alias].add(dataset, extra=None)`` adds an event to that dataset through the alias.
    """

    def __init__(self, key):
        self.key = key
        self.extra = {}
        self.dataset_alias_events = []

    def add(self, dataset, extra=None):
        if isinstance(dataset, Dataset):
            uri = dataset.uri
        elif isinstance(dataset, str):
            uri = _sanitize_uri(dataset)
        else:
            return
        if isinstance(self.key, DatasetAlias):
            alias = self.key.name
        elif isinstance(self.key, str):
            alias = self.key
        else:
            return  # Airflow ignores add() on a Dataset's accessor
        self.dataset_alias_events.append({"source_alias_name": alias, "dest_dataset_uri": uri, "extra": dict(extra or {})})


class OutletEventAccessors:
    """``context["outlet_events"]`` (Airflow 2.10): an accessor per outlet, by Dataset or URI."""

    def __init__(self):
        self._events = {}

    @staticmethod
    def _key(key):
        # Airflow's extract_event_key: a Dataset by URI, an alias by name, a string as it is.
        if isinstance(key, Dataset):
            return key.uri
        if isinstance(key, DatasetAlias):
            return key.name
        if isinstance(key, str):
            return key
        raise KeyError(key)

    def __getitem__(self, key):
        k = self._key(key)
        if k not in self._events:
            self._events[k] = OutletEventAccessor(key)
        return self._events[k]

    def __contains__(self, key):
        return self._key(key) in self._events

    def __iter__(self):
        return iter(self._events)

    def __len__(self):
        return len(self._events)

    def extras(self):
        """The extra of each dataset URI's event (what the platform records), non-empty ones only."""
        return {k: dict(v.extra) for k, v in self._events.items() if not isinstance(v.key, DatasetAlias) and v.extra}

    def alias_events(self):
        """The events added through aliases (``add()``), in the order the task added them."""
        return [event for accessor in self._events.values() for event in accessor.dataset_alias_events]


class _DatasetBooleanCondition(BaseDataset):
    agg_func = all

    def __init__(self, *objects):
        if not all(isinstance(o, BaseDataset) for o in objects):
            raise TypeError("expect dataset expressions in condition")
        self.objects = objects

    def iter_datasets(self):
        seen = set()
        for o in self.objects:
            for uri, dataset in o.iter_datasets():
                if uri not in seen:
                    seen.add(uri)
                    yield uri, dataset

    def evaluate(self, statuses):
        return self.agg_func(o.evaluate(statuses) for o in self.objects)


class DatasetAny(_DatasetBooleanCondition):
    agg_func = any

    def __or__(self, other):
        if not isinstance(other, BaseDataset):
            return NotImplemented
        return DatasetAny(*self.objects, other)

    def __repr__(self):
        return "DatasetAny(%s)" % ", ".join(map(repr, self.objects))


class DatasetAll(_DatasetBooleanCondition):
    agg_func = all

    def __and__(self, other):
        if not isinstance(other, BaseDataset):
            return NotImplemented
        return DatasetAll(*self.objects, other)

    def __repr__(self):
        return "DatasetAll(%s)" % ", ".join(map(repr, self.objects))

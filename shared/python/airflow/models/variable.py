"""Variable: Airflow Variables, read and written through skydag's orchestrator."""
import json

from airflow import _skydag

_NOTSET = object()


class Variable:
    __NO_DEFAULT_SENTINEL = _NOTSET

    def __init__(self, key=None, val=None, description=None):
        self.key = key
        self.val = val
        self.description = description

    @classmethod
    def get(cls, key, default_var=_NOTSET, deserialize_json=False):
        value = _skydag.call("variable_get", key=key)
        if value is None:
            if default_var is not _NOTSET:
                return default_var
            raise KeyError("Variable %s does not exist" % key)
        if deserialize_json:
            return json.loads(value)
        return value

    @classmethod
    def set(cls, key, value, description=None, serialize_json=False, session=None):
        if serialize_json:
            stored = json.dumps(value, indent=2)
        else:
            stored = str(value)
        _skydag.call("variable_set", key=key, value=stored)

    @classmethod
    def setdefault(cls, key, default, description=None, deserialize_json=False):
        obj = cls.get(key, default_var=None, deserialize_json=deserialize_json)
        if obj is None:
            if default is not None:
                cls.set(key, default, serialize_json=deserialize_json)
                return default
            raise ValueError("Default Value must be set")
        return obj

    @classmethod
    def update(cls, key, value, serialize_json=False, session=None):
        cls.get(key)
        cls.set(key, value, serialize_json=serialize_json)

    @classmethod
    def delete(cls, key, session=None):
        from airflow.exceptions import SkydagShimError

        raise SkydagShimError("Variable.delete() is not available inside skydag tasks")

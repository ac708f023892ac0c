"""1.10 home of chain/cross_downstream, plus small helpers."""
from airflow.models.baseoperator import chain, cross_downstream  # noqa: F401


def merge_dicts(dict1, dict2):
    merged = dict(dict1)
    for k, v in dict2.items():
        if isinstance(merged.get(k), dict) and isinstance(v, dict):
            merged[k] = merge_dicts(merged[k], v)
        else:
            merged[k] = v
    return merged


def validate_key(k, max_length=250):
    import re

    if not isinstance(k, str):
        raise TypeError("The key has to be a string")
    if len(k) > max_length:
        raise ValueError("The key has to be less than %d characters" % max_length)
    if not re.match(r"^[\w.-]+$", k):
        raise ValueError("The key %r has to be made of alphanumeric characters, dashes, dots and underscores exclusively" % k)

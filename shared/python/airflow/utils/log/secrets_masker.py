"""
airflow.utils.log.secrets_masker: register values to be masked in this task's logs.

skydag masks in the orchestrator, which writes the task log: ``mask_secret`` registers the value
with the running try's masker (over the runner's channel), so it is replaced by ``***`` in the log,
the rendered fields, XComs and the failure message from then on. ``redact`` returns a value as the
orchestrator would show it. Outside a task run (the file being imported for inspection) there is no
log to mask, and both do nothing.
"""
from airflow import _skydag

DEFAULT_SENSITIVE_FIELDS = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "authorization",
        "passphrase",
        "passwd",
        "password",
        "private_key",
        "secret",
        "token",
        "keyfile_dict",
        "service_account",
    }
)


def mask_secret(secret, name=None):
    """Masks ``secret`` (a str, or a dict/list walked by key) from now on; with ``name``, only when the name is sensitive."""
    if not secret or _skydag.rpc is None:
        return
    _skydag.call("mask_secret", secret=_skydag.to_json_value(secret, "the secret"), name=name)


def redact(value, name=None, max_depth=None):
    """``value`` with every registered secret (and everything under a sensitive key, or ``name``) replaced by ``***``."""
    if _skydag.rpc is None:
        return value
    return _skydag.call("redact", value=_skydag.to_json_value(value, "the value"), name=name)


def should_hide_value_for_key(name):
    """Whether values under ``name`` are hidden (its name contains a sensitive word)."""
    if not isinstance(name, str):
        return False
    if _skydag.rpc is None:
        lowered = name.strip().lower()
        return any(field in lowered for field in DEFAULT_SENSITIVE_FIELDS)
    return _skydag.call("redact", value="x", name=name) == "***"

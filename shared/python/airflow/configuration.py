"""airflow.configuration.conf: a read-only configuration with Airflow's defaults for common keys."""
import os

_DEFAULTS = {
    ("core", "dags_folder"): os.environ.get("SKYDAG_DAGS_FOLDER", os.getcwd()),
    ("core", "default_timezone"): "utc",
    ("core", "executor"): "SkydagExecutor",
    ("core", "load_examples"): "False",
    ("core", "enable_xcom_pickling"): "False",
    ("core", "default_task_retries"): "0",
    ("core", "max_active_runs_per_dag"): "16",
    ("core", "dags_are_paused_at_creation"): "True",
    ("core", "dag_run_conf_overrides_params"): "True",
    ("core", "max_active_tasks_per_dag"): "16",
    ("core", "parallelism"): "32",
    ("webserver", "base_url"): "http://localhost:8080",
    ("scheduler", "catchup_by_default"): "True",
    ("kubernetes_executor", "namespace"): "default",
}

# Sections Airflow 2 renamed: the old name reads the new one (as shared/model/airflow-config.ts).
_RENAMED_SECTIONS = {"kubernetes": "kubernetes_executor"}
_NOTSET = object()


def _section(section):
    lower = section.lower()
    return _RENAMED_SECTIONS.get(lower, lower)


class AirflowConfigParser:
    def _env(self, section, key):
        # The new name's variable, then the old name's (Airflow reads both for a renamed section).
        canonical = _section(section)
        names = [canonical] + sorted(old for old, new in _RENAMED_SECTIONS.items() if new == canonical)
        for name in (n.upper() for n in names):
            value = os.environ.get("AIRFLOW__%s__%s" % (name, key.upper()))
            if value is not None:
                return value
        return None

    def _lookup(self, section, key):
        value = self._env(section, key)
        if value is not None:
            return value
        return _DEFAULTS.get((_section(section), key.lower()))

    def get(self, section, key, fallback=_NOTSET, **kwargs):
        value = self._lookup(section, key)
        if value is not None:
            return value
        if fallback is not _NOTSET:
            return fallback
        from airflow.exceptions import AirflowConfigException

        raise AirflowConfigException("section/key [%s/%s] not found in config" % (section, key))

    def getboolean(self, section, key, fallback=_NOTSET, **kwargs):
        value = self._lookup(section, key)
        if value is None:
            return self.get(section, key, fallback=fallback)
        word = str(value).split("#")[0].strip().lower()
        if word in ("t", "true", "1", "y", "yes", "on"):
            return True
        if word in ("f", "false", "0", "n", "no", "off"):
            return False
        from airflow.exceptions import AirflowConfigException

        raise AirflowConfigException(
            'Failed to convert value to bool. Please check "%s" key in "%s" section. Current value: "%s".' % (key, section, value)
        )

    def getint(self, section, key, fallback=_NOTSET, **kwargs):
        value = self._lookup(section, key)
        return int(value) if value is not None else self.get(section, key, fallback=fallback)

    def getfloat(self, section, key, fallback=_NOTSET, **kwargs):
        value = self._lookup(section, key)
        return float(value) if value is not None else self.get(section, key, fallback=fallback)

    def has_option(self, section, option):
        return self._lookup(section, option) is not None

    def getsection(self, section):
        return {k: v for (s, k), v in _DEFAULTS.items() if s == _section(section)}

    def as_dict(self, *args, **kwargs):
        out = {}
        for (s, k), v in _DEFAULTS.items():
            out.setdefault(s, {})[k] = v
        return out


conf = AirflowConfigParser()


def get(*args, **kwargs):
    return conf.get(*args, **kwargs)


def getboolean(*args, **kwargs):
    return conf.getboolean(*args, **kwargs)

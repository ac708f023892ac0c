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
    ("webserver", "base_url"): "http://localhost:8080",
    ("scheduler", "catchup_by_default"): "True",
}


class AirflowConfigParser:
    def _env(self, section, key):
        return os.environ.get("AIRFLOW__%s__%s" % (section.upper(), key.upper()))

    def get(self, section, key, fallback=None, **kwargs):
        value = self._env(section, key)
        if value is not None:
            return value
        value = _DEFAULTS.get((section.lower(), key.lower()))
        if value is not None:
            return value
        return fallback

    def getboolean(self, section, key, fallback=False, **kwargs):
        value = self.get(section, key, fallback=None)
        if value is None:
            return fallback
        return str(value).strip().lower() in ("t", "true", "1", "yes", "on")

    def getint(self, section, key, fallback=None, **kwargs):
        value = self.get(section, key, fallback=None)
        return int(value) if value is not None else fallback

    def getfloat(self, section, key, fallback=None, **kwargs):
        value = self.get(section, key, fallback=None)
        return float(value) if value is not None else fallback

    def has_option(self, section, key):
        return self.get(section, key) is not None

    def getsection(self, section):
        return {k: v for (s, k), v in _DEFAULTS.items() if s == section}

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

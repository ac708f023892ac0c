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
    ("logging", "logging_level"): "INFO",
    ("logging", "fab_logging_level"): "WARNING",
    ("logging", "remote_logging"): "False",
    ("webserver", "base_url"): "http://localhost:8080",
    ("scheduler", "catchup_by_default"): "True",
    ("kubernetes_executor", "namespace"): "default",
}

# Sections Airflow 2 renamed: the old name reads the new one (as shared/model/airflow-config.ts).
_RENAMED_SECTIONS = {"kubernetes": "kubernetes_executor"}
# Options Airflow 2 moved (its deprecated_options, old -> new; as shared/model/airflow-config.ts).
_MOVED_OPTIONS = dict(
    [
        (("core", key), ("logging", key))
        for key in (
            "base_log_folder", "remote_logging", "remote_log_conn_id", "remote_base_log_folder", "encrypt_s3_logs",
            "logging_level", "fab_logging_level", "logging_config_class", "colored_console_log", "colored_log_format",
            "colored_formatter_class", "log_format", "simple_log_format", "task_log_prefix_template", "log_filename_template",
            "log_processor_filename_template", "dag_processor_manager_log_location", "task_log_reader",
            "interleave_timestamp_parser",
        )
    ]
    + [
        (("core", "dag_concurrency"), ("core", "max_active_tasks_per_dag")),
        (("core", "non_pooled_task_slot_count"), ("core", "default_pool_task_slot_count")),
        (("scheduler", "max_threads"), ("scheduler", "parsing_processes")),
        (("scheduler", "processor_poll_interval"), ("scheduler", "scheduler_idle_sleep_time")),
        (("celery", "default_queue"), ("operators", "default_queue")),
        (("celery", "worker_log_server_port"), ("logging", "worker_log_server_port")),
    ]
)
_NOTSET = object()


def _section(section):
    lower = section.lower()
    return _RENAMED_SECTIONS.get(lower, lower)


def _option(section, key):
    place = (_section(section), key.lower())
    return _MOVED_OPTIONS.get(place, place)


class AirflowConfigParser:
    def _env(self, section, key):
        # The current place's variable, then the section's old names', then the option's old place's.
        canonical, option = _option(section, key)
        places = [(name, option) for name in [canonical] + sorted(old for old, new in _RENAMED_SECTIONS.items() if new == canonical)]
        places += [old for old, new in _MOVED_OPTIONS.items() if new == (canonical, option)]
        for name, k in places:
            value = os.environ.get("AIRFLOW__%s__%s" % (name.upper(), k.upper()))
            if value is not None:
                return value
        return None

    def _lookup(self, section, key):
        value = self._env(section, key)
        if value is not None:
            return value
        return _DEFAULTS.get(_option(section, key))

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

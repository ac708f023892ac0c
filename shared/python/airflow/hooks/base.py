"""BaseHook: ``get_connection`` asks skydag's orchestrator."""
import logging

from airflow.models.connection import Connection


class BaseHook:
    conn_name_attr = None
    default_conn_name = None
    conn_type = None
    hook_name = None

    def __init__(self, *args, **kwargs):
        self._log = logging.getLogger("airflow.task.hooks")

    @property
    def log(self):
        if getattr(self, "_log", None) is None:
            self._log = logging.getLogger("airflow.task.hooks")
        return self._log

    @classmethod
    def get_connection(cls, conn_id):
        conn = Connection.get_connection_from_secrets(conn_id)
        logging.getLogger("airflow.hooks.base").info("Using connection ID '%s' for task execution.", conn.conn_id)
        return conn

    @classmethod
    def get_connections(cls, conn_id):
        return [cls.get_connection(conn_id)]

    @classmethod
    def get_hook(cls, conn_id):
        return cls.get_connection(conn_id).get_hook()

    def get_conn(self):
        raise NotImplementedError()

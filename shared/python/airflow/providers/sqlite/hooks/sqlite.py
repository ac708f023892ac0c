"""SqliteHook (apache-airflow-providers-sqlite): the connection's host is the database file."""
from __future__ import annotations

import sqlite3

from airflow.providers.common.sql.hooks.sql import DbApiHook


class SqliteHook(DbApiHook):
    conn_name_attr = "sqlite_conn_id"
    default_conn_name = "sqlite_default"
    conn_type = "sqlite"
    hook_name = "Sqlite"
    placeholder = "?"

    def get_conn(self):
        conn = self.get_connection(getattr(self, self.conn_name_attr))
        path = conn.host or conn.schema
        if not path:
            raise ValueError("Connection %r names no SQLite database file (set its host to the file's path)" % conn.conn_id)
        return sqlite3.connect(path)

    def get_uri(self):
        conn = self.get_connection(getattr(self, self.conn_name_attr))
        return "sqlite:///%s" % (conn.host or "")

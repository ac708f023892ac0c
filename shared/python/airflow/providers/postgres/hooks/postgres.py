"""PostgresHook (apache-airflow-providers-postgres) over psycopg2, when it is installed in the task's Python."""
from __future__ import annotations

from airflow.exceptions import AirflowException
from airflow.providers.common.sql.hooks.sql import DbApiHook


class PostgresHook(DbApiHook):
    conn_name_attr = "postgres_conn_id"
    default_conn_name = "postgres_default"
    conn_type = "postgres"
    hook_name = "Postgres"
    supports_autocommit = True

    def __init__(self, *args, options=None, **kwargs):
        # Airflow 2 also takes the database as `schema` (older) or `database`.
        database = kwargs.pop("database", None)
        super().__init__(*args, **kwargs)
        self.database = database or self.schema
        self.options = options
        self.conn = None

    def get_conn(self):
        try:
            import psycopg2
        except ImportError:
            raise AirflowException(
                "PostgresHook needs psycopg2 (pip install psycopg2-binary) in the task's Python") from None
        conn = self.get_connection(getattr(self, self.conn_name_attr))
        extra = conn.extra_dejson
        args = {
            "host": conn.host,
            "user": conn.login,
            "password": conn.password,
            "dbname": self.database or conn.schema,
            "port": conn.port,
        }
        for name in ("sslmode", "sslcert", "sslkey", "sslrootcert", "sslcrl", "application_name", "keepalives_idle", "options"):
            if name in extra:
                args[name] = extra[name]
        if self.options:
            args["options"] = self.options
        self.conn = psycopg2.connect(**{k: v for k, v in args.items() if v is not None})
        return self.conn

    def get_uri(self):
        conn = self.get_connection(getattr(self, self.conn_name_attr))
        conn.conn_type = "postgresql"
        if self.database:
            conn.schema = self.database
        return conn.get_uri()

    def copy_expert(self, sql, filename):
        with open(filename, "r+") as f, self.get_conn() as conn, conn.cursor() as cur:
            cur.copy_expert(sql, f)
            f.truncate(f.tell())
            conn.commit()

    def get_autocommit(self, conn):
        return bool(getattr(conn, "autocommit", False))

"""
DbApiHook and its result handlers (apache-airflow-providers-common-sql 1.x, the parts DAG code
calls): ``run`` (one statement or several, each its own cursor execution, with ``parameters``,
``autocommit``, a result ``handler`` and ``return_last``), ``get_records``, ``get_first``,
``get_pandas_df`` (when pandas is installed) and ``insert_rows``. Subclasses give ``get_conn``.
"""
from __future__ import annotations

from contextlib import closing

from airflow.hooks.base import BaseHook


def return_single_query_results(sql, return_last, split_statements):
    return isinstance(sql, str) and (return_last or not split_statements)


def fetch_all_handler(cursor):
    """Every row of the last statement, or None when it returns no rows."""
    if cursor.description is not None:
        return cursor.fetchall()
    return None


def fetch_one_handler(cursor):
    if cursor.description is not None:
        return cursor.fetchone()
    return None


def split_sql_string(sql):
    """Statements separated by ';' outside quotes and comments; empty ones dropped."""
    statements, current, quote, i = [], [], None, 0
    while i < len(sql):
        ch = sql[i]
        if quote:
            current.append(ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            current.append(ch)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = len(sql) if end < 0 else end
            current.append(sql[i:end])
            i = end
            continue
        elif ch == ";":
            statements.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip() and not all(
        line.strip().startswith("--") or not line.strip() for line in s.strip().splitlines())]


class DbApiHook(BaseHook):
    conn_name_attr = "conn_id"
    default_conn_name = "default_conn_id"
    supports_autocommit = False
    placeholder = "%s"

    def __init__(self, *args, schema=None, log_sql=True, **kwargs):
        super().__init__()
        if not self.conn_name_attr:
            raise ValueError("conn_name_attr is not defined")
        if len(args) == 1:
            setattr(self, self.conn_name_attr, args[0])
        elif self.conn_name_attr not in kwargs:
            setattr(self, self.conn_name_attr, self.default_conn_name)
        else:
            setattr(self, self.conn_name_attr, kwargs[self.conn_name_attr])
        self.__schema = schema
        self.log_sql = log_sql
        self.descriptions = []
        self._placeholder = self.placeholder

    @property
    def schema(self):
        return self.__schema

    def get_connection_id(self):
        return getattr(self, self.conn_name_attr)

    def get_records(self, sql, parameters=None):
        return self.run(sql=sql, parameters=parameters, handler=fetch_all_handler)

    def get_first(self, sql, parameters=None):
        return self.run(sql=sql, parameters=parameters, handler=fetch_one_handler)

    def get_pandas_df(self, sql, parameters=None, **kwargs):
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("get_pandas_df needs pandas installed in the task's Python") from None
        with closing(self.get_conn()) as conn:
            return pd.io.sql.read_sql(sql, con=conn, params=parameters, **kwargs)

    def set_autocommit(self, conn, autocommit):
        if not self.supports_autocommit and autocommit:
            self.log.warning("%s connection doesn't support autocommit but autocommit activated.", self.get_connection_id())
        conn.autocommit = autocommit

    def get_autocommit(self, conn):
        return getattr(conn, "autocommit", False) and self.supports_autocommit

    def run(self, sql, autocommit=False, parameters=None, handler=None, split_statements=False, return_last=True):
        if isinstance(sql, str):
            statements = split_sql_string(sql) if split_statements else [sql]
        else:
            statements = list(sql)
        if not statements:
            raise ValueError("List of SQL statements is empty")
        single = return_single_query_results(sql, return_last, split_statements)
        results = []
        self.descriptions = []
        with closing(self.get_conn()) as conn:
            if self.supports_autocommit:
                self.set_autocommit(conn, autocommit)
            with closing(conn.cursor()) as cur:
                for statement in statements:
                    if self.log_sql:
                        self.log.info("Running statement: %s, parameters: %s", statement, parameters)
                    if parameters:
                        cur.execute(statement, parameters)
                    else:
                        cur.execute(statement)
                    if getattr(cur, "rowcount", -1) >= 0:
                        self.log.info("Rows affected: %s", cur.rowcount)
                    if handler is not None:
                        results.append(handler(cur))
                        self.descriptions.append(cur.description)
            # Without autocommit the changes are committed once, at the end.
            if not self.get_autocommit(conn):
                conn.commit()
        if handler is None:
            return None
        return results[-1] if single else results

    def insert_rows(self, table, rows, target_fields=None, commit_every=1000, replace=False, **kwargs):
        fields = "(%s)" % ", ".join(target_fields) if target_fields else ""
        nb = 0
        with closing(self.get_conn()) as conn:
            with closing(conn.cursor()) as cur:
                for nb, row in enumerate(rows, 1):
                    marks = ", ".join([self._placeholder] * len(row))
                    verb = "REPLACE INTO" if replace else "INSERT INTO"
                    cur.execute("%s %s %s VALUES (%s)" % (verb, table, fields, marks), tuple(row))
                    if commit_every and nb % commit_every == 0:
                        conn.commit()
            conn.commit()
        self.log.info("Done loading. Loaded a total of %s rows into %s", nb, table)

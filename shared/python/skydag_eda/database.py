"""Profiles a database table or query for skydag's EDA from inside a task (the generated DAG's callable).

The connection is looked up through the task's Connection service (as any hook does) and handed to the
profiler (profile.py, run with the Python that has pandas) in one environment variable of its process:
the password is in no DAG file, command line, template or log.
"""
import json
import os
import subprocess
import sys

PROFILER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "profile.py")
CONNECTION_ENV = "SKYDAG_EDA_CONNECTION"


def profile_database(conn_id, table, query, level, source, python, output):
    from airflow.exceptions import AirflowException
    from airflow.hooks.base import BaseHook

    conn = BaseHook.get_connection(conn_id)
    described = {
        "conn_type": conn.conn_type,
        "host": conn.host,
        "port": conn.port,
        "login": conn.login,
        "password": conn.password,
        "schema": conn.schema,
        "extra": conn.extra_dejson,
    }
    command = [python, PROFILER, "--connection-env", CONNECTION_ENV, "--level", level, "--source", source, "--output", output]
    command += ["--query", query] if query else ["--table", table]
    env = dict(os.environ)
    env[CONNECTION_ENV] = json.dumps(described)
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.stdout:
        print(result.stdout, end="")
    if result.stderr:
        print(result.stderr, end="", file=sys.stderr)
    if result.returncode != 0:
        raise AirflowException("the EDA profiler failed (exit %d): %s" % (result.returncode, (result.stderr.strip().splitlines() or ["no message"])[-1]))

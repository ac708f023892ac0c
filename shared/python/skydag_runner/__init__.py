"""
skydag's Python task runner: executes one Python task (or poke, callback, DagOperator callable) of a
DAG file with the airflow shim, talking to the orchestrator over file descriptor 3.

Run as ``python3 -m skydag_runner`` with the request as JSON on stdin (see ``protocol.md``).
"""
PROTOCOL_VERSION = 1

"""Fails to load on purpose: the DAG list shows its import error with file:line:col."""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("broken_file", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    BashOperator(task_id="no_command")

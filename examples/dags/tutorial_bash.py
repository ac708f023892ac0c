"""
A first DAG: templated bash commands, retries and a fan-out/fan-in.

Runs every day at 06:00 UTC; each run processes the previous day's interval ({{ ds }}).
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator

default_args = {
    "owner": "data-eng",
    "retries": 2,
    "retry_delay": timedelta(seconds=10),
}

with DAG(
    dag_id="tutorial_bash",
    description="Templated bash tasks with a fan-out and a join",
    schedule="0 6 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=default_args,
    tags=["example", "bash"],
) as dag:
    dag.doc_md = __doc__

    print_date = BashOperator(task_id="print_date", bash_command="date -u +%Y-%m-%dT%H:%M:%SZ")

    interval = BashOperator(
        task_id="print_interval",
        bash_command='echo "processing {{ ds }} ({{ data_interval_start }} to {{ data_interval_end }})"',
    )

    partitions = [
        BashOperator(
            task_id=f"count_{region}",
            bash_command=f"echo {region}-{{{{ ds_nodash }}}} | wc -c",
        )
        for region in ("emea", "apac", "amer")
    ]

    done = EmptyOperator(task_id="done")

    print_date >> interval >> partitions >> done

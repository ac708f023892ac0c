"""Fails on its first try (printing markup and ANSI colours to its log), succeeds once cleared."""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

MARKER = "{{ params.marker }}"

with DAG(
    "flaky",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["console"],
    params={"marker": "/tmp/skydag-flaky-marker"},
) as dag:
    first = BashOperator(task_id="prepare", bash_command="echo ready")
    flaky = BashOperator(
        task_id="sometimes_fails",
        bash_command=(
            "if [ -f '{{ params.marker }}' ]; then echo 'second time lucky'; else "
            "touch '{{ params.marker }}'; echo '<script>window.__pwned = true</script>'; "
            "printf '\\033[31mERROR\\033[0m something broke\\n'; exit 1; fi"
        ),
    )
    after = BashOperator(task_id="after", bash_command="echo after")
    first >> flaky >> after

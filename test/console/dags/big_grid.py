"""500 tasks in 10 groups: the console's grid render benchmark (its runs are seeded by the test)."""
from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup

with DAG("big_grid", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["benchmark"]) as dag:
    previous = None
    for g in range(10):
        with TaskGroup(f"group_{g:02d}") as group:
            tasks = [EmptyOperator(task_id=f"task_{i:02d}") for i in range(50)]
            for a, b in zip(tasks, tasks[1:]):
                a >> b
        if previous is not None:
            previous >> group
        previous = group

"""
TaskFlow ETL: extract -> transform -> load with values passed as XComs, a task group for the
per-table loads, and a summary that pulls what the loads returned.
"""
import json

import pendulum

from airflow.decorators import dag, task
from airflow.utils.task_group import TaskGroup


@dag(
    dag_id="taskflow_etl",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 1, "retry_delay": pendulum.duration(seconds=5)},
    tags=["example", "taskflow"],
)
def taskflow_etl(batch_size: int = 3):
    @task()
    def extract():
        orders = '{"1001": 301.27, "1002": 433.21, "1003": 502.22}'
        return json.loads(orders)

    @task(multiple_outputs=True)
    def transform(order_data: dict):
        total = sum(order_data.values())
        return {"total_order_value": round(total, 2), "order_count": len(order_data)}

    @task()
    def load(table: str, value):
        print(f"loading {value} into {table}")
        return f"{table}:{value}"

    @task()
    def summarize(results: list):
        print("loaded: " + ", ".join(results))
        return len(results)

    summary = transform(extract())
    with TaskGroup("load", tooltip="one load per target table"):
        loaded = [
            load.override(task_id="load_total")("order_totals", summary["total_order_value"]),
            load.override(task_id="load_count")("order_counts", summary["order_count"]),
        ]
    summarize(loaded)


taskflow_etl()

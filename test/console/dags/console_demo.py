"""A DAG the console's end-to-end test triggers with conf and watches in the graph view."""
from datetime import datetime

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.utils.edgemodifier import Label
from airflow.utils.task_group import TaskGroup

with DAG(
    "console_demo",
    description="Demo pipeline <script>window.__pwned = true</script> with a description that must show as text",
    schedule="0 6 * * 1-5",
    start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Paris"),
    catchup=False,
    tags=["demo", "console"],
    default_args={"owner": "data-team", "retries": 0},
    params={"greeting": "hello"},
) as dag:
    start = BashOperator(task_id="start", bash_command="echo 'greeting: {{ dag_run.conf.get(\"greeting\", params.greeting) }}'")
    with TaskGroup("transform") as transform:
        clean = BashOperator(task_id="clean", bash_command="echo cleaning")
        enrich = BashOperator(task_id="enrich", bash_command="echo enriching")
        clean >> enrich
    publish = EmptyOperator(task_id="publish")
    start >> Label("raw data") >> transform >> publish

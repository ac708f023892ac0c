"""
``airflow.example_dags.subdags.subdag`` as Airflow 2.10 ships it for its SubDagOperator example:
``subdag(parent_dag_name, child_dag_name, args)`` returns the DAG ``<parent>.<child>`` (the given
default_args, start 2021-01-01 UTC, no catchup, daily) with five empty tasks
``<child>-task-1`` .. ``<child>-task-5``. skydag's reader evaluates this file too
(shared/frontends/python/shim-modules.ts holds the same text), so the sub-DAG is known statically.
"""
import pendulum

from airflow.models.dag import DAG
from airflow.operators.empty import EmptyOperator

TASKS_PER_SECTION = 5


def subdag(parent_dag_name, child_dag_name, args):
    section = DAG(
        dag_id=parent_dag_name + "." + child_dag_name,
        default_args=args,
        start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
        catchup=False,
        schedule="@daily",
    )
    for number in range(1, TASKS_PER_SECTION + 1):
        EmptyOperator(task_id="%s-task-%d" % (child_dag_name, number), default_args=args, dag=section)
    return section

# A Couture "master DAG" (DAG of DAGs): each DagOperator runs another DAG and fails if that run
# fails. `conditionally_trigger` decides whether the child runs and what it receives as conf.
from datetime import datetime

from airflow import DAG
from airflow.operators.dag_operator import DagOperator, SkippableDagOperator
from airflow.operators.dummy_operator import DummyOperator


def conditionally_trigger(context, dag_run_obj):
    """Decides whether to trigger the child DAG, and with which payload."""
    if context['params']['condition_param']:
        dag_run_obj.payload = {'message': context['params']['message']}
        return dag_run_obj


args = {
    'owner': 'couture',
    'start_date': datetime(2024, 1, 1),
    'depends_on_past': False,
}

dag = DAG('MasterDag', default_args=args, schedule_interval=None, catchup=False)

start = DummyOperator(task_id='Start', dag=dag)

schema_generation = DagOperator(
    task_id='SchemaGeneration',
    run_dag_id='ExampleSchemaGeneration',
    python_callable=conditionally_trigger,
    params={'condition_param': True, 'message': 'Hii there!!'},
    dag=dag,
)

embeddings = SkippableDagOperator(
    task_id='VideoEmbeddings',
    run_dag_id='video_embedding_dag',
    skip_dag=True,
    dag=dag,
    description='Skipped by default: set skip_dag=False once the Spark config group is ready',
)

start >> schema_generation >> embeddings

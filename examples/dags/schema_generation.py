# Child DAG run by the master DAG (master_dag.py). Manual-only: it runs when the master triggers it
# and reads its parameters from dag_run.conf.
from datetime import datetime

from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.operators.python_operator import PythonOperator


def generate_schema(**context):
    conf = context['dag_run'].conf or {}
    message = conf.get('message', 'no message')
    print('generating schema: %s' % message)
    return {'columns': ['video_id', 'tag', 'score'], 'message': message}


args = {
    'owner': 'couture',
    'start_date': datetime(2024, 1, 1),
    'depends_on_past': False,
}

dag = DAG('ExampleSchemaGeneration', default_args=args, schedule_interval=None)

infer = PythonOperator(task_id='InferSchema', python_callable=generate_schema, provide_context=True, dag=dag)
publish = BashOperator(
    task_id='PublishSchema',
    bash_command="echo 'schema: {{ ti.xcom_pull(task_ids=\"InferSchema\") }}'",
    dag=dag,
)

infer >> publish

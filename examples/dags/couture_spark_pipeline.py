# A Couture-style Spark pipeline, written exactly as Couture Workflow Orchestrator users write them
# (Airflow 1.10 plugin imports). The code artifacts are uploaded with `skydag artifacts upload` and
# the Spark/Hadoop settings come from the default config group.
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators import CoutureSparkOperator, CouturePySparkOperator
from airflow.operators.bash_operator import BashOperator

appName = 'VideoEmbedding'
input_dir = '/usr/local/couture/input/'
processed_dir = '/usr/local/couture/processed/'

default_args = {
    'owner': 'couture',
    'depends_on_past': False,
    'start_date': datetime(2024, 1, 1),
    'retries': 1,
    'retry_delay': timedelta(minutes=5),
}

dag = DAG('video_embedding_dag', default_args=default_args, catchup=False,
          schedule_interval='0 3 * * *')

LoadData = CoutureSparkOperator(
    task_id='LoadData',
    method_id='LoadData',
    app_name=appName,
    class_path='ai.couture.obelisk.video.MainClass',
    code_artifact='video-pipeline_2.11-1.4.0.jar',
    input_base_dir_path=input_dir,
    output_base_dir_path=processed_dir,
    input_filenames_dict={'tags_file': 'video_tags.csv'},
    output_filenames_dict={'tags_file': 'video_tags_{{ ds_nodash }}.parquet'},
    method_args_dict={'task_strategy': 'parallel', 'run_date': '{{ ds }}'},
    dag=dag,
    description='Load raw video tags into the processed zone',
)

GenerateEmbeddings = CouturePySparkOperator(
    task_id='GenerateEmbeddings',
    method_id='GenerateEmbeddings',
    app_name=appName,
    code_artifact='embeddings.py',
    input_base_dir_path=processed_dir,
    output_base_dir_path=processed_dir,
    input_filenames_dict={'tags_file': 'video_tags_{{ ds_nodash }}.parquet'},
    output_filenames_dict={'embeddings': 'embeddings_{{ ds_nodash }}'},
    method_args_dict={'dimensions': 128},
    dag=dag,
    description='Compute tag embeddings',
)

ComputeSimilarity = CoutureSparkOperator(
    task_id='ComputeSimilarity',
    method_id='ComputeSimilarity',
    app_name=appName,
    class_path='ai.couture.obelisk.similarity.MainClass',
    code_artifact='video-pipeline_2.11-1.4.0.jar',
    input_base_dir_path=processed_dir,
    output_base_dir_path=processed_dir,
    input_filenames_dict={'embeddings': 'embeddings_{{ ds_nodash }}'},
    output_filenames_dict={'similar_videos': 'similar_{{ ds_nodash }}'},
    dag=dag,
    description='Nearest neighbours per video',
)

Notify = BashOperator(
    task_id='Notify',
    bash_command='echo "video embeddings for {{ ds }} are ready"',
    dag=dag,
)

LoadData >> GenerateEmbeddings >> ComputeSimilarity >> Notify

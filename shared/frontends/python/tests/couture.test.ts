/** The Couture manual's example DAGs and operators (shared/seeds/001_c40da0b31b9bdcf2.txt). */
import { readFileSync } from 'node:fs';
import { diags, edges, onlyDag, parse, py, task, taskList } from './helpers.js';

/** The manual's DAG files as kept verbatim in the acceptance fixtures. */
function manualDag(name: string): string {
  return readFileSync(new URL(`../../../../test/fixtures/dags/manual/${name}`, import.meta.url), 'utf8');
}

describe('Couture manual examples', () => {
  it("the 'PySpark' DAG", () => {
    const dag = onlyDag(manualDag('pyspark.py'));
    expect([dag.dag_id, dag.schedule, dag.catchup, dag.start_date, dag.owner]).toEqual(['PySpark', { type: 'none' }, false, '2018-10-08T00:00:00+00:00', 'couture']);
    expect(taskList(dag)).toEqual(['Get_Ratings_Data: CouturePySparkOperator/couture_pyspark', 'Get_Ratings_History: CouturePySparkOperator/couture_pyspark']);
    expect(edges(dag)).toEqual([['Get_Ratings_Data', 'Get_Ratings_History']]);
    const t = task(dag, 'Get_Ratings_Data');
    expect(t.args).toEqual({ method_id: 'Get_Ratings_Data', app_name: 'FunWithPySpark', code_artifact: 'Ratings.py' });
    expect([t.description, t.retries, t.retry_delay_seconds, t.operator_module]).toEqual(['Dump ratings data in hdfs', 1, 300, 'airflow.operators']);
  });

  it('the DagOperator master DAG with conditionally_trigger', () => {
    const dag = onlyDag(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.dag_operator import DagOperator, SkippableDagOperator

      args = {'owner': 'couture', 'start_date': datetime(2019, 4, 15), 'depends_on_past': False}
      dag = DAG('DAGOperatorEx', default_args=args, schedule_interval=None)

      def conditionally_trigger(context, dag_run_obj):
          """This function decides whether or not to Trigger the remote DAG"""
          if context['params']['condition_param']:
              dag_run_obj.payload = {'message': context['params']['message']}
              return dag_run_obj

      schema_generation = DagOperator(
          task_id='SchemaGeneration',
          run_dag_id="ExampleSchemaGeneration",
          python_callable=conditionally_trigger,
          params={'condition_param': True, 'message': 'Hii there!!'},
          dag=dag,
      )
      CheckFeatures = DagOperator(task_id='JupyterDAG2', dag=dag, run_dag_id='JupyterDAG')
      maybe = SkippableDagOperator(task_id='maybe', dag=dag, run_dag_id='Other', skip_dag=True)
      schema_generation >> CheckFeatures >> maybe
    `);
    expect(taskList(dag)).toEqual(['SchemaGeneration: DagOperator/dag_operator', 'JupyterDAG2: DagOperator/dag_operator', 'maybe: SkippableDagOperator/skippable_dag_operator']);
    expect(edges(dag)).toEqual([['JupyterDAG2', 'maybe'], ['SchemaGeneration', 'JupyterDAG2']]);
    const sg = task(dag, 'SchemaGeneration');
    expect(sg.args).toEqual({ run_dag_id: 'ExampleSchemaGeneration', python_callable: { $type: 'callable', name: 'conditionally_trigger', file: 'dags/test_dag.py', line: 8 } });
    expect(sg.params).toEqual({ condition_param: true, message: 'Hii there!!' });
    expect(task(dag, 'maybe').args).toEqual({ run_dag_id: 'Other', skip_dag: true });
  });

  it("the 'batch_audio_operator' loopable DAG and its operator_audio child", () => {
    const dags = parse(py`
      import os
      from datetime import datetime

      from airflow.operators.dag_operator import DagOperator
      from airflow.operators.dagrun_operator import TriggerDagRunOperator

      from airflow import DAG
      from airflow.operators import CoutureTensorflowOperator, \\
          CoutureLoopableBatchOperator

      default_args = {
          'owner': 'couture',
          'depends_on_past': False,
          'start_date': datetime(2019, 4, 15),
          'retries': 0,
      }

      schedule = None
      dag = DAG('batch_audio_operator', default_args=default_args, catchup=False,
                schedule_interval=schedule)

      metadata_file = 'https://link/to/file/link.csv'

      video_embedding_batch_task = CoutureLoopableBatchOperator(
          dag=dag,
          run_dag_id='operator_audio',
          task_id='audio_batch_processing',
          batch_size=2,
          batch_offset=0,
          metadata_file=metadata_file
      )

      code_artifact = 'audio.py'
      processed_dir = '/usr/local/couture/processed/'
      child = DAG('operator_audio', default_args=default_args, schedule_interval=None)
      convert_video_to_audio = CoutureTensorflowOperator(
          dag=child,
          task_id='convert_video_to_audio',
          method_id='convert_video_to_audio_brick',
          code_artifact=code_artifact,
          input_base_dir_path=processed_dir,
          output_base_dir_path=processed_dir,
          input_filenames_dict={'input_file_pattern': 'video_id/video/video_name'},
          output_filenames_dict={'output_file_pattern': 'video_id/audio/basename.wav'},
          method_args_dict={
              'processing_method': 'parallel',
              'num_cpu_cores': 6,
              'argument_filter': {'metadata_df': '{{dag_run.conf["metadata_df"]}}'},
              'input_file_extensions': ['.mp4'],
              'audio_sample_rate': 16000
          },
          description="Sample"
      )
    `);
    expect(dags.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const [batch, child] = dags.dags;
    expect([batch!.dag_id, child!.dag_id]).toEqual(['batch_audio_operator', 'operator_audio']);
    expect(task(batch!, 'audio_batch_processing').operator_kind).toBe('couture_loopable_batch');
    expect(task(batch!, 'audio_batch_processing').args).toEqual({ run_dag_id: 'operator_audio', batch_size: 2, batch_offset: 0, metadata_file: 'https://link/to/file/link.csv' });
    const convert = task(child!, 'convert_video_to_audio');
    expect(convert.operator).toBe('CoutureTensorflowOperator');
    expect(convert.args.method_args_dict).toEqual({
      processing_method: 'parallel',
      num_cpu_cores: 6,
      argument_filter: { metadata_df: '{{dag_run.conf["metadata_df"]}}' },
      input_file_extensions: ['.mp4'],
      audio_sample_rate: 16000,
    });
  });

  it("the 'JupyterDAG'", () => {
    const dag = onlyDag(manualDag('jupyter_dag.py'));
    expect(dag.schedule).toEqual({ type: 'timedelta', seconds: 864000 });
    const t = task(dag, 'jupyter_task');
    expect([t.operator, t.operator_kind, t.email, t.email_on_failure]).toEqual(['CoutureJupyterOperator', 'couture_jupyter', ['airflow@example.com'], false]);
    expect(t.args).toEqual({ input_notebook: 'testFile2.ipynb', output_notebook: 'plotTestFile2.ipynb', parameters: { a: 10 } });
  });

  it('the CoutureExample DAG with every Couture operator and all CoutureSparkOperator arguments', () => {
    const dag = onlyDag(py`
      from datetime import datetime, timedelta
      from airflow import DAG
      from airflow.operators import CoutureSparkOperator, CouturePySparkOperator, CoutureDaskYarnOperator, CoutureJupyterOperator, CoutureTensorflowOperator
      from airflow.operators import SparkOperator, PySparkOperator, TensorflowOperator
      from airflow.operators.dag_operator import SkippableDagOperator, DagOperator
      from airflow.operators.dagrun_operator import TriggerDagRunOperator

      appName = 'CoutureExample'
      default_args = {'owner': 'couture', 'depends_on_past': False, 'start_date': datetime(2019, 4, 15), 'retries': 0}
      schedule = None
      dag = DAG('CoutureExample', default_args=default_args, catchup=False, schedule_interval=schedule)

      LoadData = CoutureSparkOperator(
          task_id='LoadData',
          method_id = 'LoadData',
          app_name=appName,
          class_path='org.apache.spark.examples.SparkPi',
          code_artifact='spark-examples_2.11-2.3.1.jar',
          application_arguments=[],
          input_base_dir_path="/usr/local/couture/input/",
          output_base_dir_path="/usr/local/couture/processed/",
          output_filenames_dict={'tags_file': "video_tags.csv"},
          input_filenames_dict={'tags_file': "video_tags.csv"},
          method_args_dict={'task_strategy': "parallel"},
          exclude_spark_args=['jars'],
          config_group='default',
          dag=dag,
          description='This task was inserted from the code bricks'
      )
      DataCleaning = CoutureDaskYarnOperator(task_id='DataCleaning', method_id='DataCleaning', app_name=appName, code_artifact='clean.py', dag=dag)
      StatsGeneration = PySparkOperator(task_id='StatsGeneration', method_id='StatsGeneration', app_name=appName, code_artifact='pi.py', application_arguments=[], dag=dag)
      FeatureValidation = TensorflowOperator(task_id='FeatureValidation', code_artifact='pi.py', application_arguments="", dag=dag, description='Feature Validation')
      Spark = SparkOperator(task_id='Spark', method_id='run_task', app_name=appName, class_path='a.B', code_artifact='x.jar', application_arguments=['--n', '10'], dag=dag)
      Notebook = CoutureJupyterOperator(task_id='Notebook', input_notebook='nb.ipynb', output_notebook='nb.ipynb', parameters={}, kernel='python3', dag=dag)
      Trigger = TriggerDagRunOperator(task_id='Trigger', trigger_dag_id='other', dag=dag)
      LoadData >> DataCleaning >> [StatsGeneration, FeatureValidation] >> Spark >> Notebook >> Trigger
    `);
    expect(taskList(dag)).toEqual([
      'LoadData: CoutureSparkOperator/couture_spark',
      'DataCleaning: CoutureDaskYarnOperator/couture_dask_yarn',
      'StatsGeneration: PySparkOperator/pyspark',
      'FeatureValidation: TensorflowOperator/tensorflow',
      'Spark: SparkOperator/spark',
      'Notebook: CoutureJupyterOperator/couture_jupyter',
      'Trigger: TriggerDagRunOperator/trigger_dagrun',
    ]);
    expect(edges(dag)).toEqual([
      ['DataCleaning', 'FeatureValidation'], ['DataCleaning', 'StatsGeneration'], ['FeatureValidation', 'Spark'], ['LoadData', 'DataCleaning'],
      ['Notebook', 'Trigger'], ['Spark', 'Notebook'], ['StatsGeneration', 'Spark'],
    ]);
    expect(task(dag, 'LoadData').args).toEqual({
      method_id: 'LoadData',
      app_name: 'CoutureExample',
      class_path: 'org.apache.spark.examples.SparkPi',
      code_artifact: 'spark-examples_2.11-2.3.1.jar',
      application_arguments: [],
      input_base_dir_path: '/usr/local/couture/input/',
      output_base_dir_path: '/usr/local/couture/processed/',
      output_filenames_dict: { tags_file: 'video_tags.csv' },
      input_filenames_dict: { tags_file: 'video_tags.csv' },
      method_args_dict: { task_strategy: 'parallel' },
      exclude_spark_args: ['jars'],
      config_group: 'default',
    });
    expect(task(dag, 'LoadData').templated_fields).toContain('method_args_dict');
  });

  it('suggests the right name for a mistyped Couture operator, at the import and at each use', () => {
    expect(diags(py`
      from datetime import datetime
      from airflow import DAG
      from airflow.operators import CoutureSparkOperatr
      dag = DAG('typo', start_date=datetime(2024, 1, 1), schedule_interval=None)
      a = CoutureSparkOperatr(task_id='a', code_artifact='a.jar', dag=dag)
      b = CoutureSparkOperatr(task_id='b', code_artifact='b.jar', dag=dag)
      a >> b
    `)).toEqual([
      "3:31 SKYDAG-V008 unknown operator 'CoutureSparkOperatr' (did you mean 'CoutureSparkOperator'?)",
      "5:5 SKYDAG-V008 unknown operator 'CoutureSparkOperatr' (did you mean 'CoutureSparkOperator'?)",
      "6:5 SKYDAG-V008 unknown operator 'CoutureSparkOperatr' (did you mean 'CoutureSparkOperator'?)",
    ]);
  });
});

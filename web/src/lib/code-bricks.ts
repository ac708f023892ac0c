/**
 * Code bricks (Couture's snippets): ready-made tasks for the DAG editor — the common Airflow operators
 * and the Couture Spark family — each with the imports it needs and a few parameters asked before it
 * is inserted. Placeholders are `${name}` (never `{{ }}`, which DAG files use for Jinja templates).
 * Also the starter files a new DAG begins from.
 */

export interface BrickParam {
  name: string;
  label: string;
  default: string;
}

export interface CodeBrick {
  id: string;
  title: string;
  section: string;
  description: string;
  imports: string[];
  params: BrickParam[];
  code: string;
}

const taskId = (d: string): BrickParam => ({ name: 'task_id', label: 'Task id', default: d });
const COUTURE_IO = `    input_base_dir_path='\${input_dir}',
    output_base_dir_path='\${output_dir}',
    input_filenames_dict={'input_file': 'input.csv'},
    output_filenames_dict={'output_file': 'output.csv'},
    method_args_dict={'task_strategy': 'parallel'},`;
const IO_PARAMS: BrickParam[] = [
  { name: 'input_dir', label: 'Input base directory', default: '/data/input/' },
  { name: 'output_dir', label: 'Output base directory', default: '/data/processed/' },
];

export const CODE_BRICKS: readonly CodeBrick[] = [
  {
    id: 'bash',
    title: 'Run a shell command',
    section: 'Airflow',
    description: 'BashOperator: runs a command in bash; templates such as {{ ds }} are rendered first.',
    imports: ['from airflow.operators.bash import BashOperator'],
    params: [taskId('run_command'), { name: 'command', label: 'Command', default: 'echo "processing {{ ds }}"' }],
    code: `\${task_id} = BashOperator(
    task_id='\${task_id}',
    bash_command='\${command}',
)
`,
  },
  {
    id: 'python',
    title: 'Run a Python function',
    section: 'Airflow',
    description: 'PythonOperator: calls a function of this file; what it returns becomes an XCom.',
    imports: ['from airflow.operators.python import PythonOperator'],
    params: [taskId('transform'), { name: 'function', label: 'Function name', default: 'transform_data' }],
    code: `def \${function}(**context):
    print('logical date:', context['ds'])
    return 'done'


\${task_id} = PythonOperator(
    task_id='\${task_id}',
    python_callable=\${function},
)
`,
  },
  {
    id: 'empty',
    title: 'Join point (no-op)',
    section: 'Airflow',
    description: 'EmptyOperator: does nothing; useful to join or fan out branches.',
    imports: ['from airflow.operators.empty import EmptyOperator'],
    params: [taskId('join')],
    code: `\${task_id} = EmptyOperator(task_id='\${task_id}')
`,
  },
  {
    id: 'task_group',
    title: 'Task group',
    section: 'Airflow',
    description: 'TaskGroup: groups tasks under one collapsible box in the grid and graph.',
    imports: ['from airflow.operators.bash import BashOperator', 'from airflow.utils.task_group import TaskGroup'],
    params: [{ name: 'group_id', label: 'Group id', default: 'transform_group' }],
    code: `with TaskGroup('\${group_id}') as \${group_id}:
    first = BashOperator(task_id='first', bash_command='echo first')
    second = BashOperator(task_id='second', bash_command='echo second')
    first >> second
`,
  },
  {
    id: 'file_sensor',
    title: 'Wait for a file',
    section: 'Airflow',
    description: 'FileSensor: waits until a file exists, checking every poke_interval seconds.',
    imports: ['from airflow.sensors.filesystem import FileSensor'],
    params: [taskId('wait_for_file'), { name: 'path', label: 'File path', default: '/data/incoming/{{ ds }}.csv' }],
    code: `\${task_id} = FileSensor(
    task_id='\${task_id}',
    filepath='\${path}',
    poke_interval=60,
    timeout=3600,
)
`,
  },
  {
    id: 'trigger_dag',
    title: 'Trigger another DAG',
    section: 'Airflow',
    description: 'TriggerDagRunOperator: starts a run of another DAG with a conf.',
    imports: ['from airflow.operators.trigger_dagrun import TriggerDagRunOperator'],
    params: [taskId('trigger_downstream'), { name: 'dag', label: 'DAG to trigger', default: 'downstream_dag' }],
    code: `\${task_id} = TriggerDagRunOperator(
    task_id='\${task_id}',
    trigger_dag_id='\${dag}',
    conf={'source': '{{ dag.dag_id }}'},
)
`,
  },
  {
    id: 'couture_spark',
    title: 'Spark job (CoutureSparkOperator)',
    section: 'Couture Spark',
    description: 'Submits a Spark application from a code artifact; the optional parameters reach main() as one JSON argument.',
    imports: ['from airflow.operators import CoutureSparkOperator'],
    params: [
      taskId('LoadData'),
      { name: 'class_path', label: 'Main class', default: 'org.apache.spark.examples.SparkPi' },
      { name: 'artifact', label: 'Code artifact', default: 'spark-examples_2.11-2.3.1.jar' },
      ...IO_PARAMS,
    ],
    code: `\${task_id} = CoutureSparkOperator(
    task_id='\${task_id}',
    method_id='\${task_id}',
    app_name='\${task_id}',
    class_path='\${class_path}',
    code_artifact='\${artifact}',
${COUTURE_IO}
    description='',
)
`,
  },
  {
    id: 'couture_pyspark',
    title: 'PySpark job (CouturePySparkOperator)',
    section: 'Couture Spark',
    description: 'Submits a PySpark script from a code artifact; the optional parameters reach it as one JSON argument.',
    imports: ['from airflow.operators import CouturePySparkOperator'],
    params: [taskId('StatsGeneration'), { name: 'artifact', label: 'Code artifact', default: 'stats.py' }, ...IO_PARAMS],
    code: `\${task_id} = CouturePySparkOperator(
    task_id='\${task_id}',
    method_id='\${task_id}',
    app_name='\${task_id}',
    code_artifact='\${artifact}',
${COUTURE_IO}
    description='',
)
`,
  },
  {
    id: 'spark',
    title: 'Spark job (SparkOperator)',
    section: 'Couture Spark',
    description: 'Submits a Spark application with positional application arguments.',
    imports: ['from airflow.operators import SparkOperator'],
    params: [taskId('RunSparkPi'), { name: 'class_path', label: 'Main class', default: 'org.apache.spark.examples.SparkPi' }, { name: 'artifact', label: 'Code artifact', default: 'spark-examples_2.11-2.3.1.jar' }],
    code: `\${task_id} = SparkOperator(
    task_id='\${task_id}',
    method_id='run_task',
    app_name='\${task_id}',
    class_path='\${class_path}',
    code_artifact='\${artifact}',
    application_arguments=[],
)
`,
  },
  {
    id: 'pyspark',
    title: 'PySpark job (PySparkOperator)',
    section: 'Couture Spark',
    description: 'Submits a PySpark script with positional application arguments.',
    imports: ['from airflow.operators import PySparkOperator'],
    params: [taskId('RunPySpark'), { name: 'artifact', label: 'Code artifact', default: 'pi.py' }],
    code: `\${task_id} = PySparkOperator(
    task_id='\${task_id}',
    method_id='\${task_id}',
    app_name='\${task_id}',
    code_artifact='\${artifact}',
    application_arguments=[],
)
`,
  },
  {
    id: 'dask_yarn',
    title: 'Dask on YARN (CoutureDaskYarnOperator)',
    section: 'Couture Spark',
    description: 'Runs a Dask program on YARN from a code artifact.',
    imports: ['from airflow.operators import CoutureDaskYarnOperator'],
    params: [taskId('DataCleaning'), { name: 'artifact', label: 'Code artifact', default: 'cleaning.py' }],
    code: `\${task_id} = CoutureDaskYarnOperator(
    task_id='\${task_id}',
    method_id='\${task_id}',
    app_name='\${task_id}',
    code_artifact='\${artifact}',
    description='',
)
`,
  },
  {
    id: 'tensorflow',
    title: 'TensorFlow job (CoutureTensorflowOperator)',
    section: 'Couture Spark',
    description: 'Runs a TensorFlow brick from a code artifact.',
    imports: ['from airflow.operators import CoutureTensorflowOperator'],
    params: [taskId('train_model'), { name: 'artifact', label: 'Code artifact', default: 'train.py' }, ...IO_PARAMS],
    code: `\${task_id} = CoutureTensorflowOperator(
    task_id='\${task_id}',
    method_id='\${task_id}',
    code_artifact='\${artifact}',
${COUTURE_IO}
    description='',
)
`,
  },
  {
    id: 'jupyter',
    title: 'Notebook (CoutureJupyterOperator)',
    section: 'Couture Spark',
    description: 'Runs a parameterised notebook; parameters are injected after the cell tagged "parameters".',
    imports: ['from airflow.operators import CoutureJupyterOperator'],
    params: [taskId('notebook'), { name: 'notebook', label: 'Notebook', default: 'report.ipynb' }],
    code: `\${task_id} = CoutureJupyterOperator(
    task_id='\${task_id}',
    input_notebook='\${notebook}',
    output_notebook='output_\${notebook}',
    parameters={'run_date': '{{ ds }}'},
)
`,
  },
  {
    id: 'dag_operator',
    title: 'Run a DAG (DagOperator, master DAG)',
    section: 'Couture Spark',
    description: 'Runs another DAG and fails if its run fails: a master DAG of DAGs ("zoom into DAG" in the graph).',
    imports: ['from airflow.operators.dag_operator import DagOperator'],
    params: [taskId('run_child'), { name: 'dag', label: 'DAG to run', default: 'child_dag' }],
    code: `\${task_id} = DagOperator(
    task_id='\${task_id}',
    run_dag_id='\${dag}',
)
`,
  },
  {
    id: 'loopable_batch',
    title: 'Run a DAG per batch of rows (CoutureLoopableBatchOperator)',
    section: 'Couture Spark',
    description: 'Runs a target DAG once per batch of rows of a CSV file.',
    imports: ['from airflow.operators import CoutureLoopableBatchOperator'],
    params: [taskId('batch_processing'), { name: 'dag', label: 'DAG to run', default: 'process_batch' }, { name: 'file', label: 'CSV file', default: '/data/metadata.csv' }],
    code: `\${task_id} = CoutureLoopableBatchOperator(
    task_id='\${task_id}',
    run_dag_id='\${dag}',
    metadata_file='\${file}',
    batch_size=10,
    batch_offset=0,
)
`,
  },
];

/** The brick's code with its parameters filled in (unknown placeholders are left as written). */
export function renderBrick(brick: CodeBrick, values: Record<string, string>): string {
  return brick.code.replace(/\$\{(\w+)\}/g, (whole, name: string) => values[name] ?? brick.params.find((p) => p.name === name)?.default ?? whole);
}

/** The source with each import line added after the file's last top-level import, unless already there. */
export function addImports(source: string, imports: readonly string[]): string {
  const lines = source.split('\n');
  const missing = imports.filter((line) => !lines.some((l) => l.trim() === line));
  if (missing.length === 0) return source;
  let last = -1;
  lines.forEach((l, i) => {
    if (/^(from\s+\S+\s+import\s|import\s)/.test(l)) last = i;
  });
  lines.splice(last + 1, 0, ...missing);
  return lines.join('\n');
}

export function pythonStarter(dagId: string): string {
  return `"""${dagId}: describe what this pipeline does."""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

default_args = {
    'owner': 'data-team',
    'retries': 1,
    'retry_delay': timedelta(minutes=5),
}

with DAG(
    '${dagId}',
    default_args=default_args,
    description='',
    schedule='0 6 * * *',
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=[],
) as dag:
    extract = BashOperator(task_id='extract', bash_command='echo "extract {{ ds }}"')
    load = BashOperator(task_id='load', bash_command='echo "load {{ ds }}"')
    extract >> load
`;
}

export function yamlStarter(dagId: string): string {
  return `${dagId}:
  default_args:
    owner: data-team
    start_date: 2024-01-01
    retries: 1
  schedule_interval: "0 6 * * *"
  catchup: false
  description: ""
  tasks:
    extract:
      operator: airflow.operators.bash.BashOperator
      bash_command: echo extract
    load:
      operator: airflow.operators.bash.BashOperator
      bash_command: echo load
      dependencies: [extract]
`;
}

/** A DAG id from a file name: `daily_sales.py` → `daily_sales`. */
export const dagIdFromFilename = (filename: string) => filename.replace(/\.(py|ya?ml)$/i, '').replace(/[^A-Za-z0-9_.-]/g, '_');

/**
 * Inserts a brick on its own lines where the cursor is — before the cursor's line when it has code,
 * on it when it is blank — indented like the code around it (inside `with DAG(...)`, the brick is
 * inside too), then adds the imports it needs. Returns the new source and where the brick ends.
 */
export function placeBrick(source: string, offset: number, code: string, imports: readonly string[]): { source: string; cursor: number } {
  const lines = source.split('\n');
  let index = source.slice(0, Math.max(0, Math.min(offset, source.length))).split('\n').length - 1;
  const blank = (lines[index] ?? '').trim() === '';
  let indent = '';
  for (let i = blank ? index - 1 : index; i >= 0; i--) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    indent = /^\s*/.exec(line)![0];
    if (i < index && line.trimEnd().endsWith(':')) indent += '    ';
    break;
  }
  const body = code
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => (l.trim() === '' ? '' : indent + l));
  lines.splice(index, blank ? 1 : 0, ...body, ...(blank ? [] : ['']));
  const before = lines.slice(0, index + body.length).join('\n').length;
  const placed = lines.join('\n');
  const withImports = addImports(placed, imports);
  index = withImports.length - placed.length; // imports are added above the brick
  return { source: withImports, cursor: before + index };
}

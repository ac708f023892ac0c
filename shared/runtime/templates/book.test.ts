/**
 * The templates of *Data Pipelines with Apache Airflow* (airflow-book-digest.md §1.D and §2), rendered
 * as Airflow renders them for the runs the book describes.
 */
import type { PyValue } from '../../model/schema.js';
import type { DagRunInput } from './context.js';
import { renderTemplateString, renderTemplatedFields } from './render.js';
import { SCHEDULED_DAILY_RUN, context, makeDag, makePythonTask, makeTask } from './test-fixtures.js';

const HOURLY = { type: 'cron', cron: '0 * * * *', preset: '@hourly' } as const;

function scheduled(start: string, end: string): DagRunInput {
  return {
    run_id: `scheduled__${start}`,
    run_type: 'scheduled',
    logical_date: start,
    data_interval_start: start,
    data_interval_end: end,
    conf: {},
    external_trigger: false,
  };
}

const XCOMS: Record<string, unknown> = {
  'train_model/model_id': '5e1c0c14-5fa6-4c4c-9a5c-0a1f1c7a0d11',
  'download_taxi_data/return_value': ['raw/taxi/01-03-2019-10-15-00.csv', 'raw/taxi/01-03-2019-10-30-00.csv'],
};
const xcomPull = (req: { task_id: string | null; key: string | null }): unknown => XCOMS[`${req.task_id}/${req.key}`];
const noFiles = (): undefined => undefined;

describe('TPL-01: Jinja expressions in operator arguments', () => {
  const daily = context({ xcomPull });
  const hourly = context({ dag: makeDag({ dag_id: 'stocksense', schedule: HOURLY }), run: scheduled('2019-07-19T05:00:00+00:00', '2019-07-19T06:00:00+00:00') });

  it.each([
    ['{{ execution_date.year }}', daily, '2019'],
    ["{{ '{:02}'.format(execution_date.hour) }}", hourly, '05'],
    ["{{ execution_date.strftime('%Y-%m-%d') }}", daily, '2019-01-03'],
    ["{{ task_instance.xcom_pull(task_ids='train_model', key='model_id') }}", daily, '5e1c0c14-5fa6-4c4c-9a5c-0a1f1c7a0d11'],
    ["{{ ti.xcom_pull(task_ids='download_taxi_data') }}", daily, "['raw/taxi/01-03-2019-10-15-00.csv', 'raw/taxi/01-03-2019-10-30-00.csv']"],
    ['{{ macros.datetime.now() }}', daily, '2019-01-04 00:00:07.250000'],
  ])('%s', (template, ctx, expected) => {
    expect(renderTemplateString(template, ctx)).toBe(expected);
  });
});

describe('chapter 3: user events', () => {
  const ctx = context();

  it('item 9 (06_templated_query): strftime on execution_date and next_execution_date', () => {
    const task = makeTask({
      task_id: 'fetch_events',
      args: {
        bash_command:
          "mkdir -p /data && curl -o /data/events.json http://localhost:5000/events?start_date={{execution_date.strftime('%Y-%m-%d')}}&end_date={{next_execution_date.strftime('%Y-%m-%d')}}",
      },
    });
    expect(renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: noFiles }).bash_command).toBe(
      'mkdir -p /data && curl -o /data/events.json http://localhost:5000/events?start_date=2019-01-03&end_date=2019-01-04',
    );
  });

  it('item 10 (07_templated_query_ds): ds and next_ds', () => {
    expect(renderTemplateString('http://localhost:5000/events?start_date={{ds}}&end_date={{next_ds}}', ctx)).toBe(
      'http://localhost:5000/events?start_date=2019-01-03&end_date=2019-01-04',
    );
  });

  it('item 11 (08_templated_path): partitioned paths in bash_command and templates_dict', () => {
    const fetch = makeTask({
      task_id: 'fetch_events',
      args: { bash_command: 'mkdir -p /data/events && curl -o /data/events/{{ds}}.json http://localhost:5000/events?start_date={{ds}}&end_date={{next_ds}}' },
    });
    const stats = makePythonTask('calculate_stats', { templates_dict: { input_path: '/data/events/{{ds}}.json', output_path: '/data/stats/{{ds}}.csv' } });
    expect(renderTemplatedFields(fetch, fetch.args, ctx, { loadTemplateFile: noFiles }).bash_command).toBe(
      'mkdir -p /data/events && curl -o /data/events/2019-01-03.json http://localhost:5000/events?start_date=2019-01-03&end_date=2019-01-04',
    );
    expect(renderTemplatedFields(stats, stats.args, context({ task: stats }), { loadTemplateFile: noFiles }).templates_dict).toEqual({
      input_path: '/data/events/2019-01-03.json',
      output_path: '/data/stats/2019-01-03.csv',
    });
  });
});

describe('chapter 4: StockSense', () => {
  const dag = makeDag({ dag_id: 'listing_4_20', schedule: HOURLY, template_searchpath: ['/tmp'] });
  const run = scheduled('2019-07-19T00:00:00+00:00', '2019-07-19T01:00:00+00:00');

  it("item 15: zero-padded URL parts with '{:02}'.format(...)", () => {
    const task = makeTask({
      task_id: 'get_data',
      args: {
        bash_command:
          'curl -o /tmp/wikipageviews.gz https://dumps.wikimedia.org/other/pageviews/{{ execution_date.year }}/{{ execution_date.year }}-{{ \'{:02}\'.format(execution_date.month) }}/pageviews-{{ execution_date.year }}{{ \'{:02}\'.format(execution_date.month) }}{{ \'{:02}\'.format(execution_date.day) }}-{{ \'{:02}\'.format(execution_date.hour) }}0000.gz',
      },
    });
    const out = renderTemplatedFields(task, task.args, context({ dag, task, run }), { loadTemplateFile: noFiles });
    expect(out.bash_command).toBe('curl -o /tmp/wikipageviews.gz https://dumps.wikimedia.org/other/pageviews/2019/2019-07/pageviews-20190719-000000.gz');
  });

  it('item 17 (listing 4.13): templated op_kwargs arrive as strings', () => {
    const task = makePythonTask('get_data', {
      op_kwargs: {
        year: '{{ execution_date.year }}',
        month: '{{ execution_date.month }}',
        day: '{{ execution_date.day }}',
        hour: '{{ execution_date.hour }}',
        output_path: '/tmp/wikipageviews.gz',
      },
    });
    const out = renderTemplatedFields(task, task.args, context({ dag, task, run }), { loadTemplateFile: noFiles });
    expect(out.op_kwargs).toEqual({ year: '2019', month: '7', day: '19', hour: '0', output_path: '/tmp/wikipageviews.gz' });
  });

  it('item 18: PostgresOperator renders a .sql file found through template_searchpath', () => {
    const task = makeTask({ task_id: 'write_to_postgres', operator: 'PostgresOperator', args: { sql: 'postgres_query.sql', postgres_conn_id: 'my_postgres' }, templated_fields: ['sql'], template_ext: ['.sql'] });
    const files: Record<string, string> = {
      '/tmp/postgres_query.sql': "INSERT INTO pageview_counts VALUES ('Google', 333, '{{ execution_date }}');\n",
    };
    // The caller searches the DAG folder, then template_searchpath.
    const load = (p: string): string | undefined => files[p] ?? dag.template_searchpath.map((dir) => files[`${dir}/${p}`]).find((c) => c !== undefined);
    const out = renderTemplatedFields(task, task.args, context({ dag, task, run }), { loadTemplateFile: load });
    expect(out).toEqual({ sql: "INSERT INTO pageview_counts VALUES ('Google', 333, '2019-07-19 00:00:00+00:00');", postgres_conn_id: 'my_postgres' });
  });

  it('listing 4.4: a manual run has next_ds == ds', () => {
    const manual = context({
      run: {
        run_id: 'manual__2019-01-01T00:00:00+00:00',
        run_type: 'manual',
        logical_date: '2019-01-01T00:00:00+00:00',
        data_interval_start: '2018-12-31T00:00:00+00:00',
        data_interval_end: '2019-01-01T00:00:00+00:00',
        external_trigger: true,
      },
    });
    expect(renderTemplateString('{{ ds }} {{ next_ds }} {{ run_id }} {{ task_instance_key_str }}', manual)).toBe(
      '2019-01-01 2019-01-01 manual__2019-01-01T00:00:00+00:00 example__print_date__20190101',
    );
  });
});

describe('chapter 5: XComs in templates', () => {
  it('item 28 (10_xcoms_template): templates_dict pulls an XCom', () => {
    const task = makePythonTask('deploy_model', { templates_dict: { model_id: "{{task_instance.xcom_pull(task_ids='train_model', key='model_id')}}" } });
    const out = renderTemplatedFields(task, task.args, context({ task, xcomPull }), { loadTemplateFile: noFiles });
    expect(out.templates_dict).toEqual({ model_id: '5e1c0c14-5fa6-4c4c-9a5c-0a1f1c7a0d11' });
  });
});

describe('chapter 7: external systems', () => {
  it("item 46: SageMaker job names from strftime('%Y-%m-%d-%H-%M-%S') in a nested config", () => {
    const task = makeTask({
      task_id: 'sagemaker_train_model',
      operator: 'SageMakerTrainingOperator',
      args: {
        config: {
          TrainingJobName: "mnistclassifier-{{ execution_date.strftime('%Y-%m-%d-%H-%M-%S') }}",
          AlgorithmSpecification: { TrainingImage: '438346466558.dkr.ecr.eu-west-1.amazonaws.com/kmeans:1', TrainingInputMode: 'File' },
          HyperParameters: { k: '10', feature_dim: '784' },
          ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.c4.xlarge', VolumeSizeInGB: 10 },
        },
        wait_for_completion: true,
      },
      templated_fields: ['config'],
      template_ext: [],
    });
    const run = scheduled('2019-01-03T12:30:45+00:00', '2019-01-04T12:30:45+00:00');
    const out = renderTemplatedFields(task, task.args, context({ task, run }), { loadTemplateFile: noFiles });
    expect((out.config as Record<string, PyValue>).TrainingJobName).toBe('mnistclassifier-2019-01-03-12-30-45');
    expect((out.config as Record<string, PyValue>).ResourceConfig).toEqual({ InstanceCount: 1, InstanceType: 'ml.c4.xlarge', VolumeSizeInGB: 10 });
  });

  it("item 47 (insideairbnb, @monthly): BETWEEN '{{ prev_ds }}' AND '{{ ds }}'", () => {
    const dag = makeDag({ dag_id: 'chapter7_insideairbnb', schedule: { type: 'cron', cron: '0 0 1 * *', preset: '@monthly' } });
    const ctx = context({ dag, run: scheduled('2019-05-01T00:00:00+00:00', '2019-06-01T00:00:00+00:00') });
    expect(renderTemplateString("SELECT * FROM listings WHERE download_date BETWEEN '{{ prev_ds }}' AND '{{ ds }}'", ctx)).toBe(
      "SELECT * FROM listings WHERE download_date BETWEEN '2019-04-01' AND '2019-05-01'",
    );
    expect(renderTemplateString('listing-{{ ds }}.csv', ctx)).toBe('listing-2019-05-01.csv');
  });
});

describe('chapters 8–10: MovieLens', () => {
  const ctx = context();

  it('item 48: templates_dict with ds/next_ds', () => {
    const task = makePythonTask('fetch_ratings', {
      templates_dict: { start_date: '{{ds}}', end_date: '{{next_ds}}', output_path: '/data/python/ratings/{{ds}}.json' },
      op_kwargs: { batch_size: 1000 },
    });
    const out = renderTemplatedFields(task, task.args, context({ task }), { loadTemplateFile: noFiles });
    expect(out.templates_dict).toEqual({ start_date: '2019-01-03', end_date: '2019-01-04', output_path: '/data/python/ratings/2019-01-03.json' });
    expect(out.op_kwargs).toEqual({ batch_size: 1000 });
  });

  it('item 55: macros.datetime.now() in an insert query', () => {
    expect(renderTemplateString("INSERT INTO movielens VALUES ({0}, '{{ macros.datetime.now() }}')", ctx)).toBe(
      "INSERT INTO movielens VALUES ({0}, '2019-01-04 00:00:07.250000')",
    );
  });

  it('item 56: DockerOperator command lists', () => {
    const task = makeTask({
      task_id: 'fetch_ratings',
      operator: 'DockerOperator',
      args: { image: 'manning-airflow/movielens-fetch', command: ['fetch-ratings', '--start_date', '{{ds}}', '--end_date', '{{next_ds}}', '--output_path', '/data/ratings/{{ds}}.json'] },
      templated_fields: ['command', 'environment'],
      template_ext: [],
    });
    expect(renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: noFiles }).command).toEqual([
      'fetch-ratings',
      '--start_date',
      '2019-01-03',
      '--end_date',
      '2019-01-04',
      '--output_path',
      '/data/ratings/2019-01-03.json',
    ]);
  });
});

describe('chapters 11, 14, 16–18: literals and formatting pitfalls', () => {
  it('item 58: an f-string placeholder {ds_nodash} is not Jinja and stays literal', () => {
    expect(renderTemplateString('echo "fetch" > /data/raw/sales/{ds_nodash}.json', context())).toBe('echo "fetch" > /data/raw/sales/{ds_nodash}.json');
  });

  it('item 71 (nyc_dag, */15): ts_nodash in object keys', () => {
    const dag = makeDag({ dag_id: 'nyc_dag', schedule: { type: 'cron', cron: '*/15 * * * *' }, catchup: false });
    const ctx = context({ dag, run: scheduled('2019-01-03T10:15:00+00:00', '2019-01-03T10:30:00+00:00') });
    expect(renderTemplateString('processed/citibike/{{ ts_nodash }}.parquet', ctx)).toBe('processed/citibike/20190103T101500.parquet');
    expect(renderTemplateString('{{ prev_execution_date }} → {{ next_execution_date }}', ctx)).toBe('2019-01-03 10:00:00+00:00 → 2019-01-03 10:30:00+00:00');
  });

  it('item 74: the GCS path month is not zero-padded (the book\'s bug is reproduced)', () => {
    const dag = makeDag({ dag_id: 'gcp_movie_ranking', schedule: { type: 'cron', cron: '0 0 1 * *', preset: '@monthly' } });
    const ctx = context({ dag, run: scheduled('2019-02-01T00:00:00+00:00', '2019-03-01T00:00:00+00:00') });
    expect(renderTemplateString('ratings/{{ execution_date.year }}/{{ execution_date.month }}.csv', ctx)).toBe('ratings/2019/2.csv');
    expect(renderTemplateString('airflow-pipelines:airflow.ratings${{ ds_nodash }}', ctx)).toBe('airflow-pipelines:airflow.ratings$20190201');
  });

  it('Table 4.1 keys for a scheduled run render like the book (pendulum 2 prints T)', () => {
    const ctx = context({ pendulumVersion: 2, run: SCHEDULED_DAILY_RUN });
    expect(renderTemplateString('{{ ts }}|{{ ts_nodash_with_tz }}|{{ execution_date }}|{{ yesterday_ds_nodash }}|{{ tomorrow_ds_nodash }}', ctx)).toBe(
      '2019-01-03T00:00:00+00:00|20190103T000000+0000|2019-01-03T00:00:00+00:00|20190102|20190104',
    );
  });
});

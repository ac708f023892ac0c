import { TEMPLATE_CONTEXT_KEYS, buildTemplateContext, withTemplatesDict, type DagRunInput, type TemplateContext } from './context.js';
import { renderTemplateString } from './render.js';
import { NOW, SCHEDULED_DAILY_RUN, context, makeDag, makePythonTask, makeTask } from './test-fixtures.js';
import type { ConnectionInfo, XComPullRequest } from './objects.js';

const r = (template: string, ctx: TemplateContext): string => renderTemplateString(template, ctx);

/** Renders `{{ key }}` for each key and compares with the string Airflow prints. */
function expectKeys(ctx: TemplateContext, expected: Record<string, string>): void {
  const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, r(`{{ ${k} }}`, ctx)]));
  expect(actual).toEqual(expected);
}

describe('buildTemplateContext: (a) scheduled daily run for 2019-01-03', () => {
  const ctx = context();

  it('provides every Airflow 2 context key', () => {
    expect(Object.keys(ctx).sort()).toEqual([...TEMPLATE_CONTEXT_KEYS].sort());
  });

  it('renders each key as Airflow prints it', () => {
    expectKeys(ctx, {
      ds: '2019-01-03',
      ds_nodash: '20190103',
      ts: '2019-01-03T00:00:00+00:00',
      ts_nodash: '20190103T000000',
      ts_nodash_with_tz: '20190103T000000+0000',
      execution_date: '2019-01-03 00:00:00+00:00',
      logical_date: '2019-01-03 00:00:00+00:00',
      data_interval_start: '2019-01-03 00:00:00+00:00',
      data_interval_end: '2019-01-04 00:00:00+00:00',
      next_ds: '2019-01-04',
      next_ds_nodash: '20190104',
      next_execution_date: '2019-01-04 00:00:00+00:00',
      prev_ds: '2019-01-02',
      prev_ds_nodash: '20190102',
      prev_execution_date: '2019-01-02 00:00:00+00:00',
      yesterday_ds: '2019-01-02',
      yesterday_ds_nodash: '20190102',
      tomorrow_ds: '2019-01-04',
      tomorrow_ds_nodash: '20190104',
      run_id: 'scheduled__2019-01-03T00:00:00+00:00',
      task_instance_key_str: 'example__print_date__20190103',
      prev_execution_date_success: 'None',
      prev_start_date_success: 'None',
      prev_end_date_success: 'None',
      prev_data_interval_start_success: 'None',
      prev_data_interval_end_success: 'None',
      params: '{}',
      test_mode: 'False',
      inlets: '[]',
      outlets: '[]',
      templates_dict: 'None',
      expanded_ti_count: 'None',
      map_index_template: 'None',
      triggering_dataset_events: '{}',
      dag: '<DAG: example>',
      task: '<Task(BashOperator): print_date>',
      dag_run:
        '<DagRun example @ 2019-01-03 00:00:00+00:00: scheduled__2019-01-03T00:00:00+00:00, state:running, queued_at: None. externally triggered: False>',
      ti: '<TaskInstance: example.print_date scheduled__2019-01-03T00:00:00+00:00 [running]>',
      task_instance: '<TaskInstance: example.print_date scheduled__2019-01-03T00:00:00+00:00 [running]>',
      var: "{'json': <VariableAccessor (dynamic access)>, 'value': <VariableAccessor (dynamic access)>}",
      conn: '<ConnectionAccessor (dynamic access)>',
    });
  });

  it('exposes the datetimes as pendulum DateTimes in UTC', () => {
    expect(r('{{ [execution_date] }}', ctx)).toBe("[DateTime(2019, 1, 3, 0, 0, 0, tzinfo=Timezone('UTC'))]");
    expect(r('{{ execution_date.year }}-{{ execution_date.month }}-{{ execution_date.day }} {{ execution_date.hour }}', ctx)).toBe('2019-1-3 0');
    expect(r('{{ execution_date.tzinfo }}|{{ execution_date.timezone_name }}|{{ execution_date.isoformat() }}', ctx)).toBe('UTC|UTC|2019-01-03T00:00:00+00:00');
    expect(r('{{ execution_date.add(days=1) }}|{{ execution_date.subtract(months=1) }}|{{ execution_date.format("YYYY-MM-DD") }}', ctx)).toBe(
      '2019-01-04 00:00:00+00:00|2018-12-03 00:00:00+00:00|2019-01-03',
    );
    expect(r('{{ next_execution_date - execution_date }}|{{ (next_execution_date - execution_date).in_hours() }}', ctx)).toBe('1 day, 0:00:00|24');
    expect(r('{{ execution_date < next_execution_date }}|{{ execution_date == logical_date }}|{{ data_interval_end == next_execution_date }}', ctx)).toBe('True|True|True');
  });

  it('describes the DAG, the task, the run and the task instance', () => {
    expect(r('{{ dag.dag_id }}|{{ dag.owner }}|{{ dag.timezone }}|{{ dag.schedule_interval }}|{{ dag.catchup }}|{{ dag.start_date }}', ctx)).toBe(
      'example|airflow|UTC|@daily|True|2019-01-01 00:00:00+00:00',
    );
    expect(r('{{ task.task_id }}|{{ task.owner }}|{{ task.retries }}|{{ task.retry_delay }}|{{ task.task_type }}|{{ task.template_fields }}', ctx)).toBe(
      "print_date|airflow|0|0:05:00|BashOperator|('bash_command', 'env', 'cwd')",
    );
    expect(r('{{ dag_run.run_id }}|{{ dag_run.run_type }}|{{ dag_run.external_trigger }}|{{ dag_run.conf }}|{{ dag_run.logical_date }}', ctx)).toBe(
      'scheduled__2019-01-03T00:00:00+00:00|scheduled|False|{}|2019-01-03 00:00:00+00:00',
    );
    expect(r('{{ ti.task_id }}|{{ ti.dag_id }}|{{ ti.run_id }}|{{ ti.try_number }}|{{ ti.map_index }}|{{ task_instance.execution_date }}', ctx)).toBe(
      'print_date|example|scheduled__2019-01-03T00:00:00+00:00|1|-1|2019-01-03 00:00:00+00:00',
    );
  });

  it('imitates pendulum 2 (Airflow ≤ 2.7, as in the book) when asked', () => {
    const p2 = context({ pendulumVersion: 2 });
    expect(r('{{ execution_date }}|{{ next_execution_date }}|{{ ts }}', p2)).toBe('2019-01-03T00:00:00+00:00|2019-01-04T00:00:00+00:00|2019-01-03T00:00:00+00:00');
  });
});

describe('buildTemplateContext: (b) manual run', () => {
  const run: DagRunInput = {
    run_id: 'manual__2019-01-03T00:00:00+00:00',
    run_type: 'manual',
    logical_date: '2019-01-03T00:00:00+00:00',
    data_interval_start: '2019-01-02T00:00:00+00:00',
    data_interval_end: '2019-01-03T00:00:00+00:00',
    conf: { source: 'ui' },
    external_trigger: true,
  };
  const ctx = context({ run });

  it('sets next and previous execution dates to the logical date (next_ds == ds == prev_ds)', () => {
    expectKeys(ctx, {
      ds: '2019-01-03',
      next_ds: '2019-01-03',
      next_ds_nodash: '20190103',
      prev_ds: '2019-01-03',
      prev_ds_nodash: '20190103',
      next_execution_date: '2019-01-03 00:00:00+00:00',
      prev_execution_date: '2019-01-03 00:00:00+00:00',
      yesterday_ds: '2019-01-02',
      tomorrow_ds: '2019-01-04',
      data_interval_start: '2019-01-02 00:00:00+00:00',
      data_interval_end: '2019-01-03 00:00:00+00:00',
      run_id: 'manual__2019-01-03T00:00:00+00:00',
      task_instance_key_str: 'example__print_date__20190103',
      params: "{'source': 'ui'}",
    });
    expect(r('{{ dag_run.external_trigger }}|{{ dag_run.run_type }}|{{ dag_run.conf.source }}', ctx)).toBe('True|manual|ui');
  });

  it('keeps microseconds of a trigger-time logical date', () => {
    const t = context({ run: { ...run, run_id: 'manual__2019-01-03T12:34:56.789012+00:00', logical_date: '2019-01-03T12:34:56.789012+00:00' } });
    expectKeys(t, {
      ts: '2019-01-03T12:34:56.789012+00:00',
      ts_nodash: '20190103T123456',
      ts_nodash_with_tz: '20190103T123456.789012+0000',
      execution_date: '2019-01-03 12:34:56.789012+00:00',
      next_ds: '2019-01-03',
    });
  });
});

describe('buildTemplateContext: (c) hourly run of a DAG in Europe/Amsterdam', () => {
  const dag = makeDag({ dag_id: 'stocksense', timezone: 'Europe/Amsterdam', schedule: { type: 'cron', cron: '0 * * * *', preset: '@hourly' } });
  const task = makeTask({ task_id: 'get_data' });
  const run: DagRunInput = {
    run_id: 'scheduled__2019-07-13T14:00:00+00:00',
    run_type: 'scheduled',
    logical_date: '2019-07-13T14:00:00+00:00',
    data_interval_start: '2019-07-13T14:00:00+00:00',
    data_interval_end: '2019-07-13T15:00:00+00:00',
    external_trigger: false,
  };
  const ctx = context({ dag, task, run });

  it('renders the keys in UTC, like Airflow', () => {
    expectKeys(ctx, {
      ds: '2019-07-13',
      ds_nodash: '20190713',
      ts: '2019-07-13T14:00:00+00:00',
      ts_nodash: '20190713T140000',
      ts_nodash_with_tz: '20190713T140000+0000',
      execution_date: '2019-07-13 14:00:00+00:00',
      next_ds: '2019-07-13',
      next_execution_date: '2019-07-13 15:00:00+00:00',
      prev_ds: '2019-07-13',
      prev_execution_date: '2019-07-13 13:00:00+00:00',
      yesterday_ds: '2019-07-12',
      tomorrow_ds: '2019-07-14',
      task_instance_key_str: 'stocksense__get_data__20190713',
    });
  });

  it('converts to the DAG time zone on request', () => {
    expect(r('{{ dag.timezone }}|{{ execution_date.in_timezone(dag.timezone) }}|{{ execution_date.in_tz("Europe/Amsterdam").hour }}', ctx)).toBe(
      'Europe/Amsterdam|2019-07-13 16:00:00+02:00|16',
    );
    // DAG start dates are kept in UTC, as Airflow converts them.
    expect(r('{{ dag.start_date }}', context({ dag: { ...dag, start_date: '2019-01-01T00:00:00+01:00' }, task, run }))).toBe('2018-12-31 23:00:00+00:00');
    expect(r("{{ '{:02}'.format(execution_date.hour) }}|{{ execution_date.in_timezone(dag.timezone).strftime('%H %Z %z') }}", ctx)).toBe('14|16 CEST +0200');
  });

  it('gives ds in UTC for a run at local midnight (the previous UTC day)', () => {
    const daily = makeDag({ dag_id: 'local_daily', timezone: 'Europe/Amsterdam' });
    const local = context({
      dag: daily,
      task,
      run: {
        run_id: 'scheduled__2019-01-02T23:00:00+00:00',
        run_type: 'scheduled',
        logical_date: '2019-01-02T23:00:00+00:00',
        data_interval_start: '2019-01-02T23:00:00+00:00',
        data_interval_end: '2019-01-03T23:00:00+00:00',
        external_trigger: false,
      },
    });
    expectKeys(local, {
      ds: '2019-01-02',
      ts: '2019-01-02T23:00:00+00:00',
      next_ds: '2019-01-03',
      next_execution_date: '2019-01-03 23:00:00+00:00',
      prev_ds: '2019-01-01',
      prev_execution_date: '2019-01-01 23:00:00+00:00',
    });
  });
});

describe('buildTemplateContext: previous/next by schedule', () => {
  const run = (start: string, end: string): DagRunInput => ({
    ...SCHEDULED_DAILY_RUN,
    run_id: `scheduled__${start}T00:00:00+00:00`,
    logical_date: `${start}T00:00:00+00:00`,
    data_interval_start: `${start}T00:00:00+00:00`,
    data_interval_end: `${end}T00:00:00+00:00`,
  });
  const cases: [string, ReturnType<typeof makeDag>['schedule'], DagRunInput, string, string][] = [
    // Friday 2019-01-04: the interval runs to Monday; the previous fire time is Wednesday.
    ['MON,WED,FRI cron', { type: 'cron', cron: '0 0 * * MON,WED,FRI' }, run('2019-01-04', '2019-01-07'), '2019-01-07', '2019-01-02'],
    ['@monthly', { type: 'cron', cron: '0 0 1 * *', preset: '@monthly' }, run('2019-01-01', '2019-02-01'), '2019-02-01', '2018-12-01'],
    ['timedelta(days=3)', { type: 'timedelta', seconds: 3 * 86_400 }, run('2019-01-04', '2019-01-07'), '2019-01-07', '2019-01-01'],
    ['@once', { type: 'once' }, run('2019-01-03', '2019-01-03'), 'None', 'None'],
    ['no schedule', { type: 'none' }, run('2019-01-03', '2019-01-03'), 'None', 'None'],
  ];
  it.each(cases)('%s', (_name, schedule, dagRun, next, prev) => {
    const ctx = context({ dag: makeDag({ dag_id: 'example', schedule }), run: dagRun });
    expect(`${r('{{ next_ds }}', ctx)}|${r('{{ prev_ds }}', ctx)}`).toBe(`${next}|${prev}`);
  });

  it('has no previous/next for dataset-triggered runs', () => {
    const ctx = context({ run: { ...SCHEDULED_DAILY_RUN, run_type: 'dataset_triggered' } });
    expect(r('{{ next_ds }}|{{ prev_ds }}|{{ prev_execution_date }}', ctx)).toBe('None|None|None');
  });
});

describe('buildTemplateContext: params', () => {
  const dag = makeDag({ dag_id: 'example', params: { a: 1, b: 1 } });
  const task = makeTask({ task_id: 't', params: { b: 2, c: 2 } });

  it('layers DAG params, task params and dag_run.conf (core.dag_run_conf_overrides_params)', () => {
    const ctx = context({ dag, task, run: { ...SCHEDULED_DAILY_RUN, conf: { c: 3, d: 'x' } } });
    expect(r('{{ params }}', ctx)).toBe("{'a': 1, 'b': 2, 'c': 3, 'd': 'x'}");
    expect(r('{{ params.c }}|{{ params["a"] }}', ctx)).toBe('3|1');
  });

  it('ignores dag_run.conf when the setting is off', () => {
    const ctx = context({ dag, task, run: { ...SCHEDULED_DAILY_RUN, conf: { c: 3 } }, airflowConfig: { core: { dag_run_conf_overrides_params: 'False' } } });
    expect(r('{{ params }}', ctx)).toBe("{'a': 1, 'b': 2, 'c': 2}");
    expect(r("{{ conf.getboolean('core', 'dag_run_conf_overrides_params') }}", ctx)).toBe('False');
  });

  it('turns tagged datetimes and timedeltas in params into Python objects', () => {
    const withDates = makeDag({
      dag_id: 'example',
      params: { since: { $type: 'datetime', value: '2020-01-01T00:00:00+00:00', timezone: 'UTC' }, every: { $type: 'timedelta', seconds: 3600 } },
    });
    const ctx = context({ dag: withDates });
    expect(r("{{ params.since.strftime('%d/%m/%Y') }}|{{ params.every }}|{{ params.since + params.every }}", ctx)).toBe('01/01/2020|1:00:00|2020-01-01 01:00:00+00:00');
  });
});

describe('buildTemplateContext: previous successful run', () => {
  it('fills the prev_*_success keys', () => {
    const ctx = context({
      previousSuccess: {
        logical_date: '2019-01-02T00:00:00+00:00',
        data_interval_start: '2019-01-02T00:00:00+00:00',
        data_interval_end: '2019-01-03T00:00:00+00:00',
        start_date: '2019-01-03T00:00:03+00:00',
        end_date: '2019-01-03T00:10:00.5+00:00',
      },
    });
    expectKeys(ctx, {
      prev_execution_date_success: '2019-01-02 00:00:00+00:00',
      prev_data_interval_start_success: '2019-01-02 00:00:00+00:00',
      prev_data_interval_end_success: '2019-01-03 00:00:00+00:00',
      prev_start_date_success: '2019-01-03 00:00:03+00:00',
      prev_end_date_success: '2019-01-03 00:10:00.500000+00:00',
    });
  });
});

describe('buildTemplateContext: task instance and XCom', () => {
  const pulls: XComPullRequest[] = [];
  const store: Record<string, unknown> = {
    'train_model/model_id': 'a1b2',
    'train_model/return_value': { id: 'a1b2', score: 0.5 },
    'download_taxi_data/return_value': ['raw/taxi/01.csv', 'raw/taxi/02.csv'],
  };
  const ctx = context({
    tryNumber: 2,
    xcomPull: (req) => {
      pulls.push(req);
      return store[`${req.task_id}/${req.key}`];
    },
  });

  it('pulls XComs with keyword arguments', () => {
    expect(r("{{ ti.xcom_pull(task_ids='train_model', key='model_id') }}", ctx)).toBe('a1b2');
    expect(pulls.at(-1)).toEqual({ dag_id: 'example', run_id: 'scheduled__2019-01-03T00:00:00+00:00', task_id: 'train_model', key: 'model_id', map_index: null, include_prior_dates: false });
    expect(r("{{ task_instance.xcom_pull(task_ids='train_model') }}|{{ ti.xcom_pull('train_model')['score'] }}", ctx)).toBe("{'id': 'a1b2', 'score': 0.5}|0.5");
    expect(r("{{ ti.xcom_pull(task_ids='download_taxi_data') }}", ctx)).toBe("['raw/taxi/01.csv', 'raw/taxi/02.csv']");
    expect(r("{{ ti.xcom_pull(task_ids=['train_model', 'nothing', 'download_taxi_data'], key='return_value') | length }}", ctx)).toBe('2');
    expect(r("{{ ti.xcom_pull(task_ids='nothing') }}|{{ ti.xcom_pull(task_ids='nothing', default='d') }}", ctx)).toBe('None|d');
    r("{{ ti.xcom_pull(task_ids='x', dag_id='other', key=None, include_prior_dates=True) }}", ctx);
    expect(pulls.at(-1)).toMatchObject({ dag_id: 'other', task_id: 'x', key: null, include_prior_dates: true });
  });

  it('reports the try number', () => {
    expect(r('{{ ti.try_number }}', ctx)).toBe('2');
  });

  it('records ti.xcom_push(key, value) (rendering None) and pulls it back in the same render', () => {
    const pushes: { key: string; value: unknown }[] = [];
    const pushing = context({ xcomPush: (p) => pushes.push(p), xcomPull: () => undefined });
    const template = "{{ ti.xcom_push(key='when', value=ds) }}|{{ ti.xcom_push('pair', (1, macros.timedelta(minutes=1))) }}|{{ ti.xcom_pull(task_ids=ti.task_id, key='when') }}";
    expect(r(template, pushing)).toBe('None|None|2019-01-03');
    expect(pushes).toEqual([{ key: 'when', value: '2019-01-03' }, { key: 'pair', value: [1, { $type: 'timedelta', seconds: 60 }] }]);
    expect(() => r("{{ ti.xcom_push(key='k', value=1, execution_date=execution_date) }}", pushing)).toThrow(/NotImplementedError/);
    expect(() => r('{{ ti.xcom_push(key=1, value=1) }}', pushing)).toThrow(/TypeError: key must be a str/);
  });
});

describe('buildTemplateContext: var, conn and conf', () => {
  const variables: Record<string, string> = { env: 'prod', settings: '{"bucket": "datalake", "retries": 3, "tags": ["a"]}' };
  const connections: Record<string, ConnectionInfo> = {
    my_postgres: { conn_type: 'postgres', host: 'db.internal', login: 'airflow', password: 's3cret', schema: 'pageviews', port: 5432, extra: '{"sslmode": "require"}' },
  };
  const ctx = context({ variables: (k) => variables[k], connections: (id) => connections[id] });

  it('reads Variables as text and as JSON', () => {
    expect(r('{{ var.value.env }}|{{ var.json.settings.bucket }}|{{ var.json.settings["retries"] + 1 }}|{{ var.json.settings.tags }}', ctx)).toBe("prod|datalake|4|['a']");
    expect(r("{{ var.value.get('missing', 'fallback') }}|{{ var.value.get('env') }}|{{ var.json.get('missing', {'a': 1}).a }}", ctx)).toBe('fallback|prod|1');
  });

  it('raises KeyError for a missing Variable, like Variable.get', () => {
    expect(() => r('{{ var.value.missing }}', ctx)).toThrow("KeyError: 'Variable missing does not exist'");
  });

  it('reads Connections', () => {
    expect(r('{{ conn.my_postgres.host }}:{{ conn.my_postgres.port }}/{{ conn.my_postgres.schema }}', ctx)).toBe('db.internal:5432/pageviews');
    expect(r('{{ conn.my_postgres.login }}|{{ conn.my_postgres.password }}|{{ conn.my_postgres.extra_dejson.sslmode }}|{{ conn.my_postgres }}', ctx)).toBe(
      'airflow|s3cret|require|my_postgres',
    );
    expect(r('{{ conn.my_postgres.get_uri() }}', ctx)).toBe('postgres://airflow:s3cret@db.internal:5432/pageviews?sslmode=require');
    expect(r("{{ conn.get('nope') }}|{{ conn.get('nope', 'd') }}", ctx)).toBe('None|d');
    expect(() => r('{{ conn.nope.host }}', ctx)).toThrow("AirflowNotFoundException: The conn_id `nope` isn't defined");
  });

  it('reads Airflow configuration', () => {
    expect(r("{{ conf.get('core', 'dag_run_conf_overrides_params') }}|{{ conf.get('webserver', 'base_url') }}|{{ conf.get('x', 'y', fallback='fb') }}", ctx)).toBe(
      'True|http://localhost:8080|fb',
    );
    expect(() => r("{{ conf.get('x', 'y') }}", ctx)).toThrow('AirflowConfigException: section/key [x/y] not found in config');
    // Airflow 2 renamed [kubernetes] to [kubernetes_executor]; the old name still reads it (as at parse time).
    expect(r("{{ conf.get('kubernetes', 'namespace') }}|{{ conf.get('KUBERNETES_EXECUTOR', 'namespace') }}|{{ conf.has_option('kubernetes', 'namespace') }}", ctx)).toBe('default|default|True');
  });
});

describe('buildTemplateContext: macros', () => {
  const ctx = context();

  it('provides ds_add, ds_format, datetime, timedelta, time, uuid and random', () => {
    expect(r('{{ macros.ds_add(ds, 7) }}|{{ macros.ds_add(ds, -3) }}|{{ macros.ds_add(ds, 0) }}', ctx)).toBe('2019-01-10|2018-12-31|2019-01-03');
    expect(r("{{ macros.ds_format(ds, '%Y-%m-%d', '%m-%d-%y') }}|{{ macros.ds_format('1/5/2015', '%m/%d/%Y', '%Y-%m-%d') }}", ctx)).toBe('01-03-19|2015-01-05');
    expect(r('{{ macros.datetime.now() }}|{{ macros.datetime.utcnow().year }}|{{ macros.datetime(2020, 1, 2, 3, 4) }}', ctx)).toBe(
      '2019-01-04 00:00:07.250000|2019|2020-01-02 03:04:00',
    );
    expect(r("{{ macros.datetime.strptime('2019-01-03', '%Y-%m-%d') + macros.timedelta(days=1, hours=2) }}", ctx)).toBe('2019-01-04 02:00:00');
    expect(r('{{ macros.time.time() }}|{{ macros.random() < 1 }}', ctx)).toBe('1546560007.25|True');
    expect(r('{{ macros.uuid.uuid4() }}', ctx)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('provides json.dumps (its options) and json.loads, as Python prints them', () => {
    expect(r(`{{ macros.json.dumps({'b': [1, 2.5, None, True], 'a': 'é<'}) }}`, ctx)).toBe('{"b": [1, 2.5, null, true], "a": "\\u00e9<"}');
    expect(r(`{{ macros.json.dumps({'b': 1, 'a': {'x': [1]}}, sort_keys=True, indent=2) }}`, ctx)).toBe('{\n  "a": {\n    "x": [\n      1\n    ]\n  },\n  "b": 1\n}');
    expect(r(`{{ macros.json.dumps([1, 'x'], separators=(',', ':')) }}|{{ macros.json.dumps('é', ensure_ascii=False) }}`, ctx)).toBe('[1,"x"]|"é"');
    expect(r(`{{ macros.json.loads('{"a": [1, "x", null]}')['a'][1] }}`, ctx)).toBe('x');
    expect(() => r(`{{ macros.json.dumps(macros) }}`, ctx)).toThrow(/is not JSON serializable/);
    expect(() => r(`{{ macros.json.loads('{nope') }}`, ctx)).toThrow(/JSONDecodeError/);
  });

  it('provides dateutil.relativedelta as dateutil 2.9 computes it (expected values from dateutil itself)', () => {
    const rd = 'macros.dateutil.relativedelta';
    expect(r(`{{ (data_interval_start - ${rd}.relativedelta(months=1)).strftime('%Y-%m') }}`, ctx)).toBe('2018-12');
    expect(r(`{{ (logical_date + ${rd}.relativedelta(months=+1, day=31)).strftime('%Y-%m-%d') }}`, ctx)).toBe('2019-02-28');
    expect(r(`{{ (logical_date + ${rd}.relativedelta(weekday=${rd}.FR(-1))).strftime('%A %Y-%m-%d') }}`, ctx)).toBe('Friday 2018-12-28');
    expect(r(`{{ (logical_date + ${rd}.relativedelta(day=1, months=-1, hours=6)).strftime('%Y-%m-%d %H:%M') }}`, ctx)).toBe('2018-12-01 06:00');
    expect(r(`{{ (logical_date - ${rd}.relativedelta(years=1, weekday=0)).strftime('%Y-%m-%d') }}`, ctx)).toBe('2018-01-08');
    expect(r(`{{ ${rd}.relativedelta(years=1, months=14, hours=30, day=3, weekday=${rd}.MO(2)) }}`, ctx)).toBe('relativedelta(years=+2, months=+2, days=+1, hours=+6, day=3, weekday=MO(+2))');
    expect(r(`{{ macros.datetime(2024, 1, 31).date() + ${rd}.relativedelta(months=1) }}|{{ macros.datetime(2024, 1, 31).date() + ${rd}.relativedelta(hours=5) }}`, ctx)).toBe('2024-02-29|2024-01-31 05:00:00');
    expect(r(`{{ ${rd}.relativedelta(months=1) + ${rd}.relativedelta(days=2, month=3) }}|{{ -${rd}.relativedelta(months=2, day=5) }}|{{ ${rd}.relativedelta(seconds=-3700) }}`, ctx)).toBe(
      'relativedelta(months=+1, days=+2, month=3)|relativedelta(months=-2, day=5)|relativedelta(hours=-1, minutes=-1, seconds=-40)',
    );
    expect(() => r(`{{ ${rd}.relativedelta(months=1.5) }}`, ctx)).toThrow('Non-integer years and months are ambiguous and not currently supported.');
    expect(() => r(`{{ ${rd}.relativedelta(months=1) - macros.timedelta(days=1) }}`, ctx)).toThrow(/unsupported operand type\(s\) for -/);
  });

  // Airflow 2.10's docstring examples (Babel patterns, not strftime), and localized names from ICU.
  it('provides ds_format_locale with Babel (CLDR) patterns and localized names', () => {
    expect(r("{{ macros.ds_format_locale('2015-01-01', '%Y-%m-%d', 'MM-dd-yy') }}|{{ macros.ds_format_locale('1/5/2015', '%m/%d/%Y', 'yyyy-MM-dd') }}", ctx)).toBe('01-01-15|2015-01-05');
    expect(r("{{ macros.ds_format_locale('12/07/2024', '%d/%m/%Y', 'EEEE dd MMMM yyyy', 'en_US') }}", ctx)).toBe('Friday 12 July 2024');
    expect(r("{{ macros.ds_format_locale(ds, '%Y-%m-%d', 'EEEE d MMMM y', locale='fr_FR') }}|{{ macros.ds_format_locale(ds, '%Y-%m-%d', 'EEE d MMM', 'de_DE') }}", ctx)).toBe('jeudi 3 janvier 2019|Do. 3 Jan.');
    expect(r("{{ macros.ds_format_locale('2019-01-03 14:05:09', '%Y-%m-%d %H:%M:%S', \"h:mm a 'o''clock' D\") }}", ctx)).toBe("2:05 PM o'clock 3");
    expect(() => r("{{ macros.ds_format_locale(ds, '%Y-%m-%d', 'yyyy QQ') }}", ctx)).toThrow(/pattern letter 'Q' is not supported/);
    expect(() => r("{{ macros.ds_format_locale(ds, '%Y-%m-%d', 'yyyy', 'xx_NOPE') }}", ctx)).toThrow(/unknown locale 'xx_NOPE'/);
  });
});

describe('withTemplatesDict', () => {
  it('exposes a rendered templates_dict to later templates', () => {
    const task = makePythonTask('calculate_stats', {});
    const ctx = withTemplatesDict(context({ task }), { input_path: '/data/events/2019-01-03.json' });
    expect(r('{{ templates_dict.input_path }}|{{ templates_dict["input_path"] }}', ctx)).toBe('/data/events/2019-01-03.json|/data/events/2019-01-03.json');
  });
});

describe('buildTemplateContext: input validation', () => {
  it('rejects a malformed instant', () => {
    const task = makeTask({ task_id: 't' });
    expect(() =>
      buildTemplateContext({ dag: makeDag({ dag_id: 'd' }), task, run: { ...SCHEDULED_DAILY_RUN, logical_date: 'yesterday' }, tryNumber: 1, now: NOW }),
    ).toThrow('run.logical_date is not an ISO-8601 instant');
  });
});

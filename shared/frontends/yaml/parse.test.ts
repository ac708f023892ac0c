import { DiagnosticCode } from '../../model/diagnostics.js';
import { FILE, edges, located, onlyDag, parse, parseOk, task, yaml } from './test-helpers.js';

const DICT_FORM = yaml`
  etl:
    default_args:
      owner: data
      start_date: 2024-01-01
    schedule: "@daily"
    tasks:
      extract:
        operator: airflow.operators.bash.BashOperator
        bash_command: echo extract
      transform:
        operator: airflow.operators.python.PythonOperator
        python_callable: etl_lib.transform
        op_kwargs: {table: orders}
        dependencies: [extract]
      load:
        operator: airflow.operators.bash_operator.BashOperator
        bash_command: echo load
        dependencies: [transform, extract]
`;

const LIST_FORM = yaml`
  etl:
    default_args:
      owner: data
      start_date: 2024-01-01
    schedule: "@daily"
    tasks:
      - task_id: extract
        operator: airflow.operators.bash.BashOperator
        bash_command: echo extract
      - task_id: transform
        operator: airflow.operators.python.PythonOperator
        python_callable: etl_lib.transform
        op_kwargs: {table: orders}
        dependencies: [extract]
      - task_id: load
        operator: airflow.operators.bash_operator.BashOperator
        bash_command: echo load
        dependencies: [transform, extract]
`;

describe('task forms', () => {
  it('reads the dict form: tasks in file order, operators resolved, sources at the task keys', () => {
    const dag = onlyDag(DICT_FORM, { noWarnings: true });
    expect(dag.dag_id).toBe('etl');
    expect(dag.source).toEqual({ file: FILE, line: 1, col: 1 });
    expect(dag.tasks.map((t) => [t.task_id, t.operator, t.operator_kind, t.operator_module])).toEqual([
      ['extract', 'BashOperator', 'bash', 'airflow.operators.bash'],
      ['transform', 'PythonOperator', 'python', 'airflow.operators.python'],
      ['load', 'BashOperator', 'bash', 'airflow.operators.bash_operator'],
    ]);
    expect(task(dag, 'extract').source).toEqual({ file: FILE, line: 7, col: 5 });
    expect(task(dag, 'load').source).toEqual({ file: FILE, line: 15, col: 5 });
    expect(task(dag, 'extract').args).toEqual({ bash_command: 'echo extract' });
    expect(task(dag, 'transform').args).toEqual({
      python_callable: { $type: 'callable', name: 'transform', module: 'etl_lib', file: FILE, line: 12 },
      op_kwargs: { table: 'orders' },
    });
    expect(edges(dag)).toEqual([
      ['extract', 'load'],
      ['extract', 'transform'],
      ['transform', 'load'],
    ]);
  });

  it('reads the list form into the same DAG, with sources at the task_id keys', () => {
    const fromDict = onlyDag(DICT_FORM);
    const fromList = onlyDag(LIST_FORM);
    expect(edges(fromList)).toEqual(edges(fromDict));
    const strip = (d: typeof fromDict) => d.tasks.map(({ source: _s, args, ...rest }) => ({ ...rest, args: JSON.stringify(args).replace(/"line":\d+/g, '') }));
    expect(strip(fromList)).toEqual(strip(fromDict));
    expect(task(fromList, 'extract').source).toEqual({ file: FILE, line: 7, col: 7 });
    expect(task(fromList, 'load').source).toEqual({ file: FILE, line: 15, col: 7 });
  });

  it('produces DAGs in file order, the default block applying to each', () => {
    const dags = parseOk(yaml`
      zeta:
        tasks:
          a: {operator: airflow.operators.empty.EmptyOperator}
      default:
        default_args: {start_date: 2024-03-01, owner: shared}
        schedule: "0 6 * * *"
        catchup: false
      alpha:
        schedule: null
        tasks:
          b: {operator: airflow.operators.dummy_operator.DummyOperator}
    `);
    expect(dags.map((d) => d.dag_id)).toEqual(['zeta', 'alpha']);
    expect(dags.map((d) => [d.schedule, d.catchup, d.start_date, d.owner])).toEqual([
      [{ type: 'cron', cron: '0 6 * * *' }, false, '2024-03-01T00:00:00+00:00', 'shared'],
      [{ type: 'none' }, false, '2024-03-01T00:00:00+00:00', 'shared'],
    ]);
    expect(dags[1]!.tasks[0]!.operator_kind).toBe('empty');
  });
});

describe('default block merging', () => {
  const SOURCE = yaml`
    default:
      default_args:
        owner: platform
        retries: 1
        retry_delay_sec: 300
        start_date: 2024-01-01
        email: [ops@example.com]
      schedule_interval: "0 1 * * *"
      max_active_runs: 3
      tags: [shared]
      params: {env: prod, region: eu}
    custom:
      default_args:
        owner: custom
        retries: 4
      schedule: "@hourly"
      params: {region: us}
      tasks:
        plain:
          operator: airflow.operators.bash.BashOperator
          bash_command: echo 1
        explicit:
          operator: airflow.operators.bash.BashOperator
          bash_command: echo 2
          retries: 0
          owner: someone
          retry_delay_sec: 10
    inherits:
      tasks:
        only:
          operator: airflow.operators.bash.BashOperator
          bash_command: echo 3
  `;

  it('lets the DAG override the default block key by key, recursively', () => {
    const [custom, inherits] = parseOk(SOURCE, { noWarnings: true });
    expect(custom!.default_args).toEqual({
      owner: 'custom',
      retries: 4,
      retry_delay: { $type: 'timedelta', seconds: 300 },
      start_date: { $type: 'datetime', value: '2024-01-01T00:00:00+00:00', timezone: 'UTC' },
      email: ['ops@example.com'],
    });
    // the DAG's own `schedule` wins over the default block's `schedule_interval`
    expect(custom!.schedule).toEqual({ type: 'cron', cron: '0 * * * *', preset: '@hourly' });
    expect(custom!.max_active_runs).toBe(3);
    expect(custom!.params).toEqual({ region: 'us', env: 'prod' });
    expect(custom!.tags).toEqual(['shared', 'dagfactory']);
    expect(inherits!.schedule).toEqual({ type: 'cron', cron: '0 1 * * *' });
    expect(inherits!.default_args.owner).toBe('platform');
    expect(task(inherits!, 'only').owner).toBe('platform');
  });

  it('applies default_args to tasks, explicit task arguments winning', () => {
    const [custom] = parseOk(SOURCE);
    const plain = task(custom!, 'plain');
    expect([plain.owner, plain.retries, plain.retry_delay_seconds, plain.email]).toEqual(['custom', 4, 300, ['ops@example.com']]);
    expect(plain.params).toEqual({ region: 'us', env: 'prod' });
    const explicit = task(custom!, 'explicit');
    expect([explicit.owner, explicit.retries, explicit.retry_delay_seconds]).toEqual(['someone', 0, 10]);
    expect(custom!.owner).toBe('custom, someone');
  });
});

describe('DAG arguments', () => {
  it('converts dag-factory DAG keys', () => {
    const dag = onlyDag(yaml`
      reporting:
        description: Nightly reports
        doc_md: "# Reports"
        default_args: {start_date: 2024-02-01}
        schedule_interval: "30 2 * * 1-5"
        catchup: no
        max_active_runs: 1
        concurrency: 4
        dagrun_timeout_sec: 600
        is_paused_upon_creation: true
        render_template_as_native_obj: true
        template_searchpath: /opt/sql
        end_date: 2024-12-31
        tags: [finance, daily]
        params: {threshold: 0.5, nested: {a: [1, 2]}}
        tasks:
          t: {operator: airflow.operators.empty.EmptyOperator}
    `, { noWarnings: true });
    expect(dag).toMatchObject({
      description: 'Nightly reports',
      doc_md: '# Reports',
      schedule: { type: 'cron', cron: '30 2 * * 1-5' },
      catchup: false,
      max_active_runs: 1,
      max_active_tasks: 4,
      dagrun_timeout_seconds: 600,
      is_paused_upon_creation: true,
      render_template_as_native_obj: true,
      template_searchpath: ['/opt/sql'],
      start_date: '2024-02-01T00:00:00+00:00',
      end_date: '2024-12-31T00:00:00+00:00',
      tags: ['finance', 'daily', 'dagfactory'],
      params: { threshold: 0.5, nested: { a: [1, 2] } },
    });
  });

  it.each([
    ['"None"', { type: 'none' }],
    ['None', { type: 'none' }],
    ['null', { type: 'none' }],
    ['"@once"', { type: 'once' }],
    ['"@weekly"', { type: 'cron', cron: '0 0 * * 0', preset: '@weekly' }],
    ['"*/15 * * * *"', { type: 'cron', cron: '*/15 * * * *' }],
    ['{__type__: datetime.timedelta, hours: 6}', { type: 'timedelta', seconds: 21600 }],
    ['{__type__: airflow.timetables.trigger.CronTriggerTimetable, cron: "0 3 * * *", timezone: UTC}', { type: 'cron', cron: '0 3 * * *' }],
    ['{__type__: dateutil.relativedelta.relativedelta, months: 1}', { type: 'relativedelta', years: 0, months: 1, seconds: 0 }],
    ['{__type__: dateutil.relativedelta.relativedelta, months: 14, days: 2}', { type: 'relativedelta', years: 1, months: 2, seconds: 172800 }],
    ['{__type__: dateutil.relativedelta.relativedelta, weeks: 2}', { type: 'timedelta', seconds: 1209600 }],
  ])('reads schedule %s', (text, expected) => {
    const dag = onlyDag(`d:\n  default_args: {start_date: 2024-01-01}\n  schedule: ${text}\n  tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}\n`, { noWarnings: true });
    expect(dag.schedule).toEqual(expected);
  });

  it('reads an EventsTimetable (both forms; dates as timestamps or typed maps, naive ones in UTC), as the Python front-end does', () => {
    const dag = onlyDag(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule:
          __type__: airflow.timetables.events.EventsTimetable
          event_dates:
            - 2024-04-01 09:00:00
            - {__type__: datetime.datetime, year: 2024, month: 3, day: 1, hour: 14, minute: 30}
            - 2024-03-01T14:30:00+01:00
          restrict_to_events: true
          description: Quarter closes
        tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}
    `, { noWarnings: true });
    expect(dag.schedule).toEqual({ type: 'events', events: ['2024-03-01T13:30:00.000Z', '2024-03-01T14:30:00.000Z', '2024-04-01T09:00:00.000Z'], restrict_to_events: true, description: 'Quarter closes' });
    const old = onlyDag(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        timetable:
          callable: airflow.timetables.events.EventsTimetable
          params: {event_dates: [2024-05-01 00:00:00]}
        tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}
    `, { noWarnings: true });
    expect(old.schedule).toEqual({ type: 'events', events: ['2024-05-01T00:00:00.000Z'], restrict_to_events: false });
  });

  it.each([
    ['event_dates: []', /needs event_dates: a list of datetimes/],
    ['event_dates: ["2024-03-01"]', /must be datetimes, not the string '2024-03-01'/],
    ['event_dates: [null]', /must be datetimes, not null/],
    ['event_dates: [2024-03-01 00:00:00], restrict_to_events: "yes"', /restrict_to_events must be true or false/],
  ])('refuses an EventsTimetable with %s, clearly', (args, message) => {
    const result = parse(`d:\n  default_args: {start_date: 2024-01-01}\n  schedule: {__type__: airflow.timetables.events.EventsTimetable, ${args}}\n  tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}\n`);
    expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).join('\n')).toMatch(message);
  });

  it('reads the old timetable form and max_active_tasks', () => {
    const dag = onlyDag(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        max_active_tasks: 2
        timetable:
          callable: airflow.timetables.interval.DeltaDataIntervalTimetable
          params: {delta: {__type__: datetime.timedelta, minutes: 30}}
        tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}
    `, { noWarnings: true });
    expect([dag.schedule, dag.max_active_tasks]).toEqual([{ type: 'timedelta', seconds: 1800 }, 2]);
  });

  it('warns, like Airflow 2, when no schedule is given', () => {
    const result = parse(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}
    `);
    expect(located(result.diagnostics)).toEqual([`${DiagnosticCode.DEFAULT_SCHEDULE}@1:1`]);
    expect(result.dags[0]!.schedule).toEqual({ type: 'timedelta', seconds: 86400 });
  });

  it('reads YAML 1.1 scalars as PyYAML does, with anchors and merge keys', () => {
    const dags = parseOk(yaml`
      first:
        default_args: &base
          owner: shared
          retries: 2
          start_date: 2024-01-01
        schedule: null
        catchup: off
        tasks: &tasks
          t:
            operator: airflow.operators.bash.BashOperator
            bash_command: echo y
            env: {FLAG: y, ON: on, MODE: "0755", PERM: 0755}
      second:
        default_args:
          <<: *base
          retries: 5
        schedule: null
        tasks: *tasks
    `);
    expect(dags.map((d) => d.dag_id)).toEqual(['first', 'second']);
    const [first, second] = dags;
    expect(first!.catchup).toBe(false);
    expect(first!.default_args).toMatchObject({ owner: 'shared', retries: 2 });
    expect(task(first!, 't').args.env).toEqual({ FLAG: 'y', ON: true, MODE: '0755', PERM: 493 });
    expect(second!.default_args).toMatchObject({ owner: 'shared', retries: 5, start_date: { value: '2024-01-01T00:00:00+00:00' } });
    expect(second!.tasks.map((t) => [t.task_id, t.retries])).toEqual([['t', 5]]);
  });

  it('treats every top-level key but default as a DAG, as dag-factory does', () => {
    const result = parse(yaml`
      shared_settings:
        owner: nobody
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}
    `);
    expect(result.dags.map((d) => [d.dag_id, d.tasks.length])).toEqual([['shared_settings', 0], ['d', 1]]);
    expect(located(result.diagnostics)).toEqual([`${DiagnosticCode.BAD_DAG_ARGUMENT}@2:3`, `${DiagnosticCode.DEFAULT_SCHEDULE}@1:1`, `${DiagnosticCode.BAD_DATE}@1:1`]);
  });
});

describe('dag-factory conversions', () => {
  it('turns *_sec / *_secs keys into durations, in default_args and on tasks', () => {
    const dag = onlyDag(yaml`
      d:
        default_args:
          start_date: 2024-01-01
          retry_delay_sec: 120
          sla_secs: 900
          execution_timeout: 3600
        schedule: null
        tasks:
          defaults:
            operator: airflow.operators.bash.BashOperator
            bash_command: "true"
          own:
            operator: airflow.operators.bash.BashOperator
            bash_command: "true"
            retry_delay_sec: 60
            execution_timeout_secs: 600
            sla_secs: 30
            trigger_rule: none_failed_or_skipped
          wait:
            operator: airflow.sensors.external_task_sensor.ExternalTaskSensor
            external_dag_id: upstream
            execution_delta_secs: 3600
            poke_interval: 30
            timeout: 1200
            mode: reschedule
          wait_text:
            operator: airflow.sensors.external_task.ExternalTaskSensor
            external_dag_id: upstream
            execution_delta: 2 hours
    `, { noWarnings: true });
    const d = task(dag, 'defaults');
    expect([d.retry_delay_seconds, d.sla_seconds, d.execution_timeout_seconds]).toEqual([120, 900, 3600]);
    const own = task(dag, 'own');
    expect([own.retry_delay_seconds, own.sla_seconds, own.execution_timeout_seconds, own.trigger_rule]).toEqual([60, 30, 600, 'none_failed_min_one_success']);
    const wait = task(dag, 'wait');
    expect(wait.args).toEqual({ external_dag_id: 'upstream', execution_delta: { $type: 'timedelta', seconds: 3600 } });
    expect(wait.sensor).toEqual({ poke_interval_seconds: 30, timeout_seconds: 1200, mode: 'reschedule', soft_fail: false, exponential_backoff: false });
    expect(task(dag, 'wait_text').args.execution_delta).toEqual({ $type: 'timedelta', seconds: 7200 });
    expect(dag.default_args).toEqual({
      start_date: { $type: 'datetime', value: '2024-01-01T00:00:00+00:00', timezone: 'UTC' },
      retry_delay: { $type: 'timedelta', seconds: 120 },
      sla: { $type: 'timedelta', seconds: 900 },
      execution_timeout: { $type: 'timedelta', seconds: 3600 },
    });
  });

  it.each([
    ['2024-01-01', 'UTC', '2024-01-01T00:00:00+00:00'],
    ['2024-01-01 06:30:00', 'UTC', '2024-01-01T06:30:00+00:00'],
    ['"2024-03-05T10:00:00"', 'UTC', '2024-03-05T10:00:00+00:00'],
    ["'2024-03-05'", 'Europe/Paris', '2024-03-05T00:00:00+01:00'],
    ['2024-07-01', 'America/New_York', '2024-07-01T00:00:00-04:00'],
    // like dag-factory, a written offset is replaced by the timezone (the wall clock is kept)
    ['2024-07-01T08:00:00+02:00', 'UTC', '2024-07-01T08:00:00+00:00'],
    ['2 days', 'UTC', '2024-06-13T00:00:00+00:00'],
    ['"1 day"', 'Asia/Tokyo', '2024-06-14T00:00:00+09:00'],
    ['3 hours', 'UTC', '2024-06-14T21:00:00+00:00'],
    ['{__type__: datetime.datetime, year: 2024, month: 2, day: 29, hour: 5}', 'UTC', '2024-02-29T05:00:00+00:00'],
    ['{__type__: datetime.datetime, __args__: [2024, 5, 1]}', 'Europe/Paris', '2024-05-01T00:00:00+02:00'],
  ])('reads start_date %s in %s', (text, zone, expected) => {
    const dag = onlyDag(`d:\n  default_args: {start_date: ${text}, timezone: ${zone}}\n  schedule: null\n  tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}\n`, { noWarnings: true });
    expect([dag.start_date, dag.timezone]).toEqual([expected, zone]);
    expect(dag.default_args.start_date).toEqual({ $type: 'datetime', value: expected, timezone: zone });
  });

  it('reads DAG-level dates in the DAG-level timezone', () => {
    const dag = onlyDag(yaml`
      d:
        timezone: Europe/Berlin
        start_date: 2024-01-10
        end_date: "2024-02-01 12:00"
        schedule: "@daily"
        tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}
    `, { noWarnings: true });
    expect([dag.start_date, dag.end_date, dag.timezone]).toEqual(['2024-01-10T00:00:00+01:00', '2024-02-01T12:00:00+01:00', 'Europe/Berlin']);
  });

  it('builds callables from file + name, dotted paths and !!python/name, relative files against the DAG file', () => {
    const dag = onlyDag(yaml`
      d:
        default_args:
          start_date: 2024-01-01
          on_failure_callback: alerts.page_oncall
          on_retry_callback_name: note_retry
          on_retry_callback_file: /opt/airflow/include/callbacks.py
        on_success_callback_name: dag_done
        on_success_callback_file: ../shared/callbacks.py
        sla_miss_callback: alerts.sla_missed
        schedule: null
        tasks:
          by_file:
            operator: airflow.operators.python.PythonOperator
            python_callable_name: print_hello
            python_callable_file: helpers/hello.py
          absolute:
            operator: airflow.operators.python_operator.PythonOperator
            python_callable_name: run
            python_callable_file: /usr/local/airflow/dags/jobs.py
          dotted:
            operator: airflow.operators.python.BranchPythonOperator
            python_callable: my_pkg.routing.choose
            on_success_callback: alerts.notify
          tagged:
            operator: airflow.operators.python.ShortCircuitOperator
            python_callable: !!python/name:my_pkg.checks.is_weekday
            on_skipped_callback: alerts.skipped
    `, { noWarnings: true });
    expect(task(dag, 'by_file').args.python_callable).toEqual({ $type: 'callable', name: 'print_hello', file: 'team/helpers/hello.py', line: 1 });
    expect(task(dag, 'absolute').args.python_callable).toEqual({ $type: 'callable', name: 'run', file: '/usr/local/airflow/dags/jobs.py', line: 1 });
    expect(task(dag, 'dotted').args.python_callable).toEqual({ $type: 'callable', name: 'choose', module: 'my_pkg.routing', file: FILE, line: 22 });
    expect(task(dag, 'tagged').args.python_callable).toEqual({ $type: 'callable', name: 'is_weekday', module: 'my_pkg.checks', file: FILE, line: 26 });
    expect(task(dag, 'dotted').callbacks).toEqual({
      on_success_callback: { $type: 'callable', name: 'notify', module: 'alerts', file: FILE, line: 23 },
      on_failure_callback: { $type: 'callable', name: 'page_oncall', module: 'alerts', file: FILE, line: 4 },
      on_retry_callback: { $type: 'callable', name: 'note_retry', file: '/opt/airflow/include/callbacks.py', line: 1 },
    });
    expect(task(dag, 'tagged').callbacks.on_skipped_callback).toEqual({ $type: 'callable', name: 'skipped', module: 'alerts', file: FILE, line: 27 });
    expect(dag.callbacks).toEqual({
      on_success_callback: { $type: 'callable', name: 'dag_done', file: 'shared/callbacks.py', line: 1 },
      sla_miss_callback: { $type: 'callable', name: 'sla_missed', module: 'alerts', file: FILE, line: 9 },
    });
  });

  it('converts __type__ objects, !join and timestamps inside arguments', () => {
    const dag = onlyDag(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        tasks:
          t:
            operator: airflow.operators.bash.BashOperator
            bash_command: !join ["echo ", 1, " ", true]
            execution_timeout: {__type__: datetime.timedelta, minutes: 5, seconds: 30}
            params:
              day: 2024-05-01
              at: 2024-05-01 10:00:00+02:00
              ids: {__type__: builtins.list, items: [1, 2]}
    `, { noWarnings: true });
    const t = task(dag, 't');
    expect(t.args.bash_command).toBe('echo 1 True');
    expect(t.execution_timeout_seconds).toBe(330);
    expect(t.params).toEqual({
      day: { $type: 'datetime', value: '2024-05-01T00:00:00+00:00', timezone: 'UTC' },
      at: { $type: 'datetime', value: '2024-05-01T08:00:00+00:00', timezone: 'UTC' },
      ids: [1, 2],
    });
  });

  it('turns TaskFlow decorator tasks into Python tasks, "+task" arguments into XCom references', () => {
    const dag = onlyDag(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        tasks:
          - task_id: numbers
            decorator: airflow.decorators.task
            python_callable: sample.build_numbers
          - task_id: total
            decorator: airflow.sdk.task
            python_callable_name: add_all
            python_callable_file: sample.py
            numbers: +numbers
            factor: 2
            retries: 1
    `, { noWarnings: true });
    const total = task(dag, 'total');
    expect([total.operator, total.operator_kind, total.retries]).toEqual(['@task', 'python', 1]);
    expect(total.args).toEqual({
      python_callable: { $type: 'callable', name: 'add_all', file: 'team/sample.py', line: 1 },
      op_kwargs: { numbers: { $type: 'xcom_arg', task_id: 'numbers', key: 'return_value' }, factor: 2 },
    });
    expect(edges(dag)).toEqual([['numbers', 'total']]);
  });
});

describe('operator resolution', () => {
  it('matches the registry by class name, accepts providers and custom operators', () => {
    const result = parse(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        tasks:
          a: {operator: airflow.operators.dummy.DummyOperator}
          b: {operator: airflow.providers.standard.operators.empty.EmptyOperator}
          c: {operator: airflow.providers.amazon.aws.sensors.s3.S3KeySensor, bucket_key: "s3://b/k"}
          d: {operator: airflow.providers.snowflake.operators.snowflake.SnowflakeOperator, sql: "select 1"}
          e: {operator: airflow.operators.docker_operator.DockerOperator, image: alpine}
          f: {operator: customized.operators.breakfast.MakeBreadOperator, bread_type: sourdough}
          g: {operator: plugins.sensors.QueueSensor, queue_name: jobs, poke_interval: 5}
          h: {operator: airflow.operators.CoutureSparkOperator, code_artifact: app.jar}
    `);
    expect(located(result.diagnostics)).toEqual([`${DiagnosticCode.NOT_EXECUTABLE}@8:19`, `${DiagnosticCode.NOT_EXECUTABLE}@9:19`]);
    const dag = result.dags[0]!;
    expect(dag.tasks.map((t) => [t.task_id, t.operator, t.operator_kind])).toEqual([
      ['a', 'DummyOperator', 'empty'],
      ['b', 'EmptyOperator', 'empty'],
      ['c', 'S3KeySensor', 's3_key_sensor'],
      ['d', 'SnowflakeOperator', 'unsupported'],
      ['e', 'DockerOperator', 'unsupported'],
      ['f', 'MakeBreadOperator', 'custom'],
      ['g', 'QueueSensor', 'custom'],
      ['h', 'CoutureSparkOperator', 'couture_spark'],
    ]);
    expect(task(dag, 'd').args).toEqual({ sql: 'select 1' });
    expect(task(dag, 'f').args).toEqual({ bread_type: 'sourdough' });
    expect(task(dag, 'g').sensor?.poke_interval_seconds).toBe(5);
    expect(task(dag, 'f').sensor).toBeNull();
  });
});

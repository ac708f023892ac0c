import { DiagnosticCode } from '../../model/diagnostics.js';
import { edges, errors, located, parse, task, yaml } from './test-helpers.js';

const C = DiagnosticCode;

describe('YAML problems', () => {
  it('reports syntax errors with their position and builds nothing', () => {
    const result = parse(yaml`
      d:
        tasks:
          a: {operator: airflow.operators.empty.EmptyOperator
          b: [1, 2
    `);
    expect(result.dags).toEqual([]);
    expect(errors(result).length).toBeGreaterThan(0);
    expect(errors(result).every((d) => d.code === C.SYNTAX)).toBe(true);
    expect(errors(result)[0]).toMatchObject({ file: 'team/etl.yaml', line: 4, severity: 'error' });
  });

  it('reports a tab-indented line as a syntax error at that line', () => {
    const result = parse('d:\n  schedule: null\n\ttasks: {}\n');
    expect(result.dags).toEqual([]);
    expect(errors(result)[0]).toMatchObject({ code: C.SYNTAX, line: 3, col: 1 });
  });

  it('reports duplicate keys but keeps reading (the last value wins, as in PyYAML)', () => {
    const result = parse(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        tasks:
          a: {operator: airflow.operators.empty.EmptyOperator}
          a: {operator: airflow.operators.bash.BashOperator, bash_command: "true"}
          b: {operator: airflow.operators.empty.EmptyOperator, dependencies: [nope]}
    `);
    expect(located(result.diagnostics)).toEqual([`${C.SYNTAX}@6:5`, `${C.UNKNOWN_UPSTREAM}@7:73`]);
    expect(result.dags[0]!.tasks.map((t) => [t.task_id, t.operator])).toEqual([
      ['a', 'BashOperator'],
      ['b', 'EmptyOperator'],
    ]);
  });

  it('requires a mapping at the top, for each DAG, for tasks and for task groups', () => {
    // A list or a mapping without DAG configurations is no dag-factory file (e.g. a config file other DAG files
    // read): a warning, not an import error.
    expect(parse('- a\n- b\n').diagnostics.map((d) => [d.code, d.severity, `${d.line}:${d.col}`])).toEqual([[C.NO_DAG, 'warning', '1:1']]);
    expect(parse('owner: data-team\ntables:\n  - {name: orders}\n').diagnostics.map((d) => [d.code, d.severity])).toEqual([[C.NO_DAG, 'warning']]);
    const result = parse(yaml`
      default: 3
      broken: [1, 2]
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        task_groups: 5
        tasks: oops
    `);
    expect(located(result.diagnostics)).toEqual([`${C.YAML}@1:10`, `${C.YAML}@2:9`, `${C.YAML}@6:16`, `${C.YAML}@7:10`]);
    expect(result.dags.map((d) => d.dag_id)).toEqual(['d']);
  });

  it('returns nothing for an empty file', () => {
    expect(parse('')).toEqual({ dags: [], diagnostics: [] });
    expect(parse('# only a comment\n')).toEqual({ dags: [], diagnostics: [] });
  });
});

describe('task problems', () => {
  it('reports unknown dependencies at the list item, with a suggestion', () => {
    const result = parse(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        task_groups:
          loaders: {dependencies: [extrct]}
        tasks:
          extract: {operator: airflow.operators.empty.EmptyOperator}
          load:
            operator: airflow.operators.empty.EmptyOperator
            dependencies:
              - extract
              - loaders
              - transfrom
          transform: {operator: airflow.operators.empty.EmptyOperator}
    `);
    expect(located(result.diagnostics)).toEqual([`${C.UNKNOWN_UPSTREAM}@13:11`, `${C.UNKNOWN_UPSTREAM}@5:30`]);
    expect(result.diagnostics[0]).toMatchObject({ dag_id: 'd', task_id: 'load', message: "unknown dependency 'transfrom' (did you mean 'transform'?)" });
    expect(result.diagnostics[1]!.message).toBe("unknown dependency 'extrct' (did you mean 'extract'?)");
    expect(edges(result.dags[0]!)).toEqual([['extract', 'load']]);
  });

  it('reports duplicate task ids in the list form, and duplicate full ids', () => {
    const result = parse(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        task_groups: [{group_name: g}]
        tasks:
          - task_id: a
            operator: airflow.operators.empty.EmptyOperator
          - task_id: a
            operator: airflow.operators.bash.BashOperator
          - task_id: g.t
            operator: airflow.operators.empty.EmptyOperator
          - task_id: t
            task_group_name: g
            operator: airflow.operators.empty.EmptyOperator
    `);
    expect(located(result.diagnostics)).toEqual([`${C.DUPLICATE_TASK_ID}@8:16`, `${C.DUPLICATE_TASK_ID}@12:7`]);
    expect(result.diagnostics[1]).toMatchObject({ task_id: 'g.t', message: "duplicate task id 'g.t'" });
    expect(result.dags[0]!.tasks.map((t) => [t.task_id, t.operator])).toEqual([
      ['a', 'EmptyOperator'],
      ['g.t', 'EmptyOperator'],
    ]);
  });

  it('reports missing operators, unknown operators and bad import paths', () => {
    const result = parse(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        tasks:
          no_operator:
            bash_command: echo
          empty_task:
          typo: {operator: airflow.operators.bash.BashOperatr, bash_command: echo}
          bare: {operator: PythonOperator}
          core_unknown: {operator: airflow.sensors.magic.MagicSensor}
          next: {operator: airflow.operators.empty.EmptyOperator, dependencies: [typo, bare]}
    `);
    expect(located(result.diagnostics)).toEqual([
      `${C.MISSING_ARGUMENT}@5:5`,
      `${C.MISSING_ARGUMENT}@7:5`,
      `${C.UNKNOWN_OPERATOR}@8:22`,
      `${C.UNKNOWN_OPERATOR}@9:22`,
      `${C.UNKNOWN_OPERATOR}@10:30`,
    ]);
    expect(result.diagnostics[2]!.message).toBe("unknown operator BashOperatr in airflow.operators.bash (did you mean 'BashOperator'?)");
    expect(result.diagnostics[3]).toMatchObject({
      message: "operator 'PythonOperator' is not an import path (module.ClassName)",
      hint: 'write the full import path, e.g. airflow.operators.python_operator.PythonOperator',
    });
    // only the well-formed task is built; dependencies on the broken ones add no noise
    expect(result.dags[0]!.tasks.map((t) => t.task_id)).toEqual(['next']);
  });

  it('locates argument problems at the argument: unknown names at the key, bad values at the value', () => {
    const result = parse(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        tasks:
          a:
            operator: airflow.operators.bash.BashOperator
            bash_comand: echo
          b:
            operator: airflow.operators.bash.BashOperator
            bash_command: echo
            env: [1, 2]
            trigger_rule: one_sucess
            retries: many
    `);
    expect(located(result.diagnostics)).toEqual([
      `${C.UNKNOWN_ARGUMENT}@7:7`,
      `${C.MISSING_ARGUMENT}@5:5`,
      `${C.ARGUMENT_TYPE}@11:12`,
      `${C.ARGUMENT_TYPE}@13:16`,
      `${C.UNKNOWN_TRIGGER_RULE}@12:21`,
    ]);
    expect(result.diagnostics[0]!.message).toContain("unknown argument 'bash_comand' (did you mean 'bash_command'?)");
    expect(result.diagnostics[4]!.message).toContain("(did you mean 'one_success'?)");
  });

  it('reports callable pairs given by half, and dotted paths that are not paths', () => {
    const result = parse(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        tasks:
          a:
            operator: airflow.operators.python.PythonOperator
            python_callable_name: run
          b:
            operator: airflow.operators.python.PythonOperator
            python_callable: run
          c:
            operator: airflow.operators.python.PythonOperator
    `);
    expect(located(result.diagnostics)).toEqual([
      `${C.MISSING_ARGUMENT}@7:7`,
      `${C.MISSING_ARGUMENT}@5:5`,
      `${C.ARGUMENT_TYPE}@10:24`,
      `${C.MISSING_ARGUMENT}@8:5`,
      `${C.MISSING_ARGUMENT}@11:5`,
    ]);
    expect(result.diagnostics[0]!.message).toBe('python_callable_name needs python_callable_file as well');
  });

  it('rejects features skydag cannot express', () => {
    const result = parse(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        tasks:
          check:
            operator: airflow.providers.http.sensors.http.HttpSensor
            endpoint: health
            response_check_lambda: "lambda r: r.ok"
    `);
    expect(located(result.diagnostics)).toEqual([`${C.UNSUPPORTED}@8:7`]);
  });

  it('reports unknown task groups, unknown parents, circular nesting and unknown group arguments', () => {
    const result = parse(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: null
        task_groups:
          a: {parent_group_name: b}
          b: {parent_group_name: a}
          cleanup: {parent_group_name: zzz, colour: red}
        tasks:
          t: {operator: airflow.operators.empty.EmptyOperator, task_group_name: clean_up}
    `);
    expect(located(result.diagnostics)).toEqual([`${C.YAML}@6:28`, `${C.YAML}@7:34`, `${C.UNKNOWN_ARGUMENT}@7:39`, `${C.YAML}@9:75`]);
    expect(result.diagnostics[3]!.message).toBe("task 't': unknown task group 'clean_up' (did you mean 'cleanup'?)");
    expect(task(result.dags[0]!, 't').task_group_id).toBeNull();
  });
});

describe('dag-factory features skydag does not carry over', () => {
  it('rejects tags PyYAML cannot construct and a dependencies value that is not a list', () => {
    const result = parse(yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: !cron "0 1 * * *"
        tasks:
          a: {operator: airflow.operators.empty.EmptyOperator}
          b: {operator: airflow.operators.empty.EmptyOperator, dependencies: a}
    `);
    expect(located(errors(result))).toEqual([`${C.YAML}@3:13`, `${C.YAML}@6:72`]);
  });

  it('warns where it keeps going without something dag-factory would use', () => {
    const result = parse(yaml`
      d:
        dag_id: another_name
        doc_md_file_path: /opt/docs/d.md
        default_args: {start_date: 2024-01-01}
        schedule: null
        tasks:
          a:
            operator: airflow.operators.bash.BashOperator
            bash_command: echo
            on_failure_callback: {callback: alerts.notify, channel: "#ops"}
            variables_as_arguments: [{variable: cmd, attribute: bash_command}]
    `);
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.line, d.col])).toEqual([
      [C.BAD_DAG_ARGUMENT, 'warning', 2, 3],
      [C.UNSUPPORTED, 'warning', 3, 3],
      [C.UNSUPPORTED, 'warning', 10, 28],
      [C.UNSUPPORTED, 'warning', 11, 7],
    ]);
    expect(result.dags[0]!.dag_id).toBe('d');
    expect(result.dags[0]!.tasks[0]!.callbacks.on_failure_callback).toMatchObject({ name: 'notify', module: 'alerts' });
  });
});

describe('DAG problems', () => {
  it('reports invalid dates at the value, once', () => {
    const result = parse(yaml`
      a:
        default_args:
          start_date: 2024-13-45
        schedule: "@daily"
        tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}
      b:
        default_args:
          start_date: "next tuesday"
          timezone: Mars/Olympus
        schedule: "@daily"
        end_date: 2024-02-30 10:00:00
        tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}
      c:
        schedule: "@daily"
        tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}
    `);
    expect(located(result.diagnostics)).toEqual([
      `${C.BAD_DATE}@3:17`,
      `${C.BAD_DATE}@9:15`,
      `${C.BAD_DATE}@8:17`,
      `${C.BAD_DATE}@11:13`,
      `${C.BAD_DATE}@13:1`,
    ]);
    expect(result.diagnostics[2]!.message).toBe("default_args.start_date: 'next tuesday' is neither a date nor a relative time");
    expect(result.diagnostics[4]!.message).toBe("DAG 'c' is scheduled but has no start_date");
  });

  it('reports a problem of the default block once, not once per DAG', () => {
    const result = parse(yaml`
      default:
        default_args: {start_date: someday, retry_delay_sec: soon}
        schedule: null
      a:
        tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}
      b:
        tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}
    `);
    expect(located(result.diagnostics)).toEqual([`${C.BAD_DATE}@2:30`, `${C.ARGUMENT_TYPE}@2:56`]);
    expect(result.dags.map((d) => d.dag_id)).toEqual(['a', 'b']);
  });

  it('reports bad schedules at the value', () => {
    const result = parse(yaml`
      default:
        default_args: {start_date: 2024-01-01}
      a:
        schedule: "0 25 * * *"
      b:
        schedule_interval: "@fortnightly"
      c:
        schedule_interval: ["s3://bucket/dataset"]
      d:
        schedule: "@daily"
        schedule_interval: "@hourly"
    `);
    expect(located(result.diagnostics)).toEqual([`${C.BAD_SCHEDULE}@4:13`, `${C.BAD_SCHEDULE}@6:22`, `${C.BAD_SCHEDULE}@8:22`, `${C.BAD_SCHEDULE}@11:3`]);
    expect(result.dags.map((d) => d.schedule)).toEqual([{ type: 'none' }, { type: 'none' }, { type: 'none' }, { type: 'cron', cron: '0 0 * * *', preset: '@daily' }]);
  });

  it('reports invalid DAG ids and argument values, and warns about ignored keys', () => {
    const result = parse(yaml`
      "bad id!":
        default_args: {start_date: 2024-01-01}
        schedule: null
        max_active_runs: 0
        catchup: "nope"
        tags: [ok, 3]
        schedual: "@daily"
        tasks: {}
    `);
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.line, d.col])).toEqual([
      [C.BAD_DAG_ARGUMENT, 'error', 1, 1],
      [C.BAD_DAG_ARGUMENT, 'error', 4, 20],
      [C.BAD_DAG_ARGUMENT, 'error', 5, 12],
      [C.BAD_DAG_ARGUMENT, 'error', 6, 14],
      [C.BAD_DAG_ARGUMENT, 'warning', 7, 3],
    ]);
    expect(result.diagnostics[4]!.message).toBe("DAG 'bad id!': unknown DAG argument 'schedual' is ignored (did you mean 'schedule'?)");
  });

  it('reports every problem of a file in one pass, across DAGs', () => {
    const result = parse(yaml`
      one:
        default_args: {start_date: yesterday}
        schedule: "@daily"
        tasks:
          a: {operator: airflow.operators.bash.BashOperator}
          b: {operator: airflow.operators.empty.EmptyOperator, dependencies: [c]}
      two:
        default_args: {start_date: 2024-01-01}
        schedule: "@daily"
        tasks:
          - {task_id: x, operator: airflow.operators.nothing.Nothing}
          - {task_id: x, operator: airflow.operators.empty.EmptyOperator}
    `);
    expect(located(result.diagnostics)).toEqual([
      `${C.BAD_DATE}@2:30`,
      `${C.MISSING_ARGUMENT}@5:5`,
      `${C.UNKNOWN_UPSTREAM}@6:73`,
      `${C.DUPLICATE_TASK_ID}@12:17`,
      `${C.UNKNOWN_OPERATOR}@11:30`,
    ]);
    expect(result.dags.map((d) => d.dag_id)).toEqual(['one', 'two']);
  });
});

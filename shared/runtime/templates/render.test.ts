import type { PyValue } from '../../model/schema.js';
import { buildTemplateContext } from './context.js';
import { TemplateError, TemplateErrorCode } from './errors.js';
import { renderTemplate, renderTemplateString, renderTemplatedFields, renderTemplatedFieldsAsync } from './render.js';
import { NOW, SCHEDULED_DAILY_RUN, context, makeDag, makePythonTask, makeTask } from './test-fixtures.js';

const ctx = context({
  run: { ...SCHEDULED_DAILY_RUN, conf: { metadata_df: 'df_2019_01', n: 3, nested: { a: [1, 2] } } },
  xcomPull: (req) => (({ 'train_model/return_value': 'model-42' }) as Record<string, unknown>)[`${req.task_id}/${req.key}`],
});
const r = (template: string, options: Parameters<typeof renderTemplateString>[2] = {}): string => renderTemplateString(template, ctx, options);

function renderError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('expected a TemplateError');
}

describe('renderTemplateString: Python output', () => {
  it.each([
    ['{{ True }}|{{ False }}|{{ None }}', 'True|False|None'],
    ["{{ ['a', 'b'] }}|{{ {'k': 1} }}|{{ (1, 'x') }}|{{ (1,) }}|{{ [] }}", "['a', 'b']|{'k': 1}|(1, 'x')|(1,)|[]"],
    ['{{ 1.0 }}|{{ 4 / 2 }}|{{ 7 / 2 }}|{{ 0.1 + 0.2 }}|{{ 1e-05 }}|{{ 1e16 }}', '1.0|2.0|3.5|0.30000000000000004|1e-05|1e+16'],
    ["{{ [\"it's\"] }}|{{ ['say \"hi\"'] }}|{{ ['a\\nb'] }}", '["it\'s"]|[\'say "hi"\']|[\'a\\nb\']'],
    ['{{ 7 // 2 }}|{{ -7 // 2 }}|{{ -7 % 3 }}|{{ 2 ** 10 }}|{{ True + True }}', '3|-4|2|1024|2'],
    ["{{ 'a' ~ 1 ~ None ~ True }}|{{ 'ab' * 2 }}|{{ [1] + [2] }}", 'a1NoneTrue|abab|[1, 2]'],
    ["{{ dag_run.conf }}", "{'metadata_df': 'df_2019_01', 'n': 3, 'nested': {'a': [1, 2]}}"],
  ])('%s', (template, expected) => {
    expect(r(template)).toBe(expected);
  });

  it('keeps text around expressions, and drops a single trailing newline like Jinja', () => {
    expect(r('echo "{{ ds }}" > /tmp/out\n')).toBe('echo "{{ ds }}" > /tmp/out'.replace('{{ ds }}', '2019-01-03'));
    expect(r('line1\n\nline2\n\n')).toBe('line1\n\nline2\n');
    expect(r('a  {{- " b " -}}  c')).toBe('a b c');
    expect(r('{% raw %}{{ not rendered }}{% endraw %}')).toBe('{{ not rendered }}');
  });

  it('makes every \\r\\n and \\r a \\n, in text, raw blocks and string literals, as Jinja\'s lexer does (jinja2 3.1)', () => {
    expect(r('a\r\nb\rc\r\n')).toBe('a\nb\nc');
    expect(r('{{ ds }}\r\n{% raw %}x\r\ny{% endraw %}|{{ "s\r\nt" }}')).toBe('2019-01-03\nx\ny|s\nt');
  });
});

describe('renderTemplateString: slicing, filters and methods', () => {
  it.each([
    ['{{ ds[:4] }}|{{ ds[5:7] }}|{{ ds[-2:] }}|{{ ds_nodash[::-1] }}', '2019|01|03|30109102'],
    ["{{ ds | upper }}|{{ ds | replace('-', '/') }}|{{ missing | default('d') }}|{{ '' | default('e', true) }}", '2019-01-03|2019/01/03|d|e'],
    ["{{ dag_run.conf | tojson }}|{{ {'b': 1, 'a': '<&>'} | tojson }}", '{"metadata_df": "df_2019_01", "n": 3, "nested": {"a": [1, 2]}}|{"a": "\\u003c\\u0026\\u003e", "b": 1}'],
    ["{{ '%s-%02d' | format('run', 7) }}|{{ '%(a)s' | format(a=1) }}|{{ '%s/%s' % (ds, ts_nodash) }}", 'run-07|1|2019-01-03/20190103T000000'],
    ['{{ [1, 2, 3] | sum }}|{{ [1.5, 2] | sum }}|{{ dag_run.conf.nested.a | sum(start=10) }}', '6|3.5|13'],
    ["{{ '42' | int + 1 }}|{{ '3.7' | int }}|{{ 'x' | int(-1) }}|{{ 7 | string }}|{{ True | string }}", '43|3|-1|7|True'],
    ["{{ ['a', 'b'] | join(',') }}|{{ ds | length }}|{{ [3, 1, 2] | sort | list }}|{{ [1, 2, 2] | unique | list }}", 'a,b|10|[1, 2, 3]|[1, 2]'],
    ["{{ 2.5 | round }}|{{ 2.675 | round(2) }}|{{ 3 | round }}|{{ -3 | abs }}", '2.0|2.67|3|3'],
    ["{{ execution_date | ds_nodash }}|{{ data_interval_end | ds }}|{{ data_interval_end | ts_nodash_with_tz }}", '20190103|2019-01-04|20190104T000000+0000'],
    ["{{ ' a b '.strip() }}|{{ 'a,b'.split(',') }}|{{ 'x-y'.replace('-', '_') }}|{{ 'abc'.upper() }}|{{ '  s '.split() }}", "a b|['a', 'b']|x_y|ABC|['s']"],
    ["{{ '{:02}'.format(execution_date.hour) }}|{{ '{:02}'.format(7) }}|{{ '{}-{}'.format('a', 1) }}|{{ '{:.2f}'.format(2.675) }}|{{ '{:%Y/%m}'.format(execution_date) }}", '00|07|a-1|2.67|2019/01'],
    ["{{ dag_run.conf['metadata_df'] }}|{{ dag_run.conf.get('metadata_df') }}|{{ dag_run.conf.get('x', 'd') }}|{{ dag_run.conf.get('x') }}", 'df_2019_01|df_2019_01|d|None'],
    ["{% for k, v in dag_run.conf.items() if k != 'nested' %}{{ k }}={{ v }};{% endfor %}", 'metadata_df=df_2019_01;n=3;'],
    ["{% set ns = namespace(n=0) %}{% for x in [1, 2, 3] %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}|{% set l = [1] %}{% do l.append(2) %}{{ l }}", '6|[1, 2]'],
    ["{{ 'x' if dag_run.conf.n > 2 else 'y' }}|{{ 'a' in ['a'] }}|{{ dag_run.conf is mapping }}|{{ none is none }}|{{ missing is defined }}", 'x|True|True|True|False'],
  ])('%s', (template, expected) => {
    expect(r(template)).toBe(expected);
  });

  it('passes keyword arguments to host functions as plain values', () => {
    expect(r("{{ macros.ds_add(ds=ds, days=7) }}|{{ macros.timedelta(hours=1, minutes=30) }}|{{ ti.xcom_pull(task_ids='train_model') }}")).toBe('2019-01-10|1:30:00|model-42');
  });
});

describe('renderTemplateString: undefined values', () => {
  it('renders undefined variables and attributes as empty strings by default (jinja2.Undefined)', () => {
    expect(r('[{{ missing }}]|[{{ dag_run.conf.missing }}]|[{{ dag_run.conf["missing"] }}]|[{{ missing | upper }}]')).toBe('[]|[]|[]|[]');
    expect(r('{% for x in missing %}x{% endfor %}{% if missing %}y{% else %}n{% endif %}')).toBe('n');
  });

  it('still fails on attributes of an undefined value, like Jinja', () => {
    const err = renderError(() => r('{{ missing.attr }}'));
    expect(err.kind).toBe('undefined');
    expect(err.detail).toBe("UndefinedError: 'missing' is undefined");
  });

  it("raises for undefined values in strict mode (Airflow 2's StrictUndefined default)", () => {
    const err = renderError(() => r('echo {{ ds_nodahs }}', { undefined: 'strict', taskId: 't', field: 'bash_command' }));
    expect(err.code).toBe(TemplateErrorCode.UNDEFINED);
    expect(err.detail).toBe("UndefinedError: 'ds_nodahs' is undefined");
    expect(renderError(() => r('{{ dag_run.conf.missing }}', { undefined: 'strict' })).detail).toBe("UndefinedError: 'dict object' has no attribute 'missing'");
    expect(r("{{ missing | default('d') }}|{{ missing is defined }}|{{ dag_run.conf.get('missing') }}", { undefined: 'strict' })).toBe('d|False|None');
  });
});

describe('renderTemplateString: errors', () => {
  it('reports syntax errors', () => {
    const err = renderError(() => r('{{ ds }'));
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.kind).toBe('syntax');
    expect(err.code).toBe('SKYDAG-T001');
    expect(err.template).toBe('{{ ds }');
    expect(err.pyType).toBe('TemplateSyntaxError');
  });

  it('rejects unknown filters and tests when compiling', () => {
    expect(renderError(() => r('{{ ds | nope }}')).detail).toBe("TemplateAssertionError: No filter named 'nope'.");
    expect(renderError(() => r('{% if False %}{{ ds | nope }}{% endif %}')).kind).toBe('syntax');
    expect(renderError(() => r('{{ ds is nope }}')).detail).toBe("TemplateAssertionError: No test named 'nope'.");
  });

  it('reports failing calls with the Python exception', () => {
    expect(renderError(() => r("{{ macros.ds_add('bad', 1) }}")).detail).toBe("ValueError: time data 'bad' does not match format '%Y-%m-%d'");
    expect(renderError(() => r("{{ 'a' + 1 }}")).detail).toBe('TypeError: can only concatenate str (not "int") to str');
    expect(renderError(() => r('{{ 1 / 0 }}')).detail).toBe('ZeroDivisionError: division by zero');
    expect(renderError(() => r('{{ macros.datetime(2019, 2, 30) }}')).detail).toBe('ValueError: day is out of range for month');
    expect(renderError(() => r('{{ ti.xcom_push(key="k", value=1) }}')).kind).toBe('runtime');
  });

  it('names the task, the field and the template in the message', () => {
    const err = renderError(() => r('{{ 1 / 0 }}', { taskId: 'get_data', field: 'op_kwargs.year' }));
    expect(err.message).toBe(
      "[SKYDAG-T003] Exception rendering Jinja template for task 'get_data', field 'op_kwargs.year'. Template: \"{{ 1 / 0 }}\". ZeroDivisionError: division by zero",
    );
    expect(err.taskId).toBe('get_data');
    expect(err.field).toBe('op_kwargs.year');
  });
});

describe('renderTemplatedFields', () => {
  const noFiles = (p: string): string => {
    throw new Error(`unexpected file ${p}`);
  };

  it('renders only the templated fields, recursing into lists and dicts (values, not keys)', () => {
    const task = makeTask({
      task_id: 'fetch',
      operator: 'DockerOperator',
      args: {
        command: ['fetch-ratings', '--start_date', '{{ds}}', '--end_date', '{{next_ds}}', '--output_path', '/data/ratings/{{ds}}.json'],
        environment: { '{{ ds }}': '{{ ds }}', retries: 3, enabled: true, ratio: 0.5, nothing: null },
        image: 'manning-airflow/movielens-fetch:{{ ds }}',
      },
      templated_fields: ['command', 'environment'],
      template_ext: [],
    });
    const out = renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: noFiles });
    expect(out).toEqual({
      command: ['fetch-ratings', '--start_date', '2019-01-03', '--end_date', '2019-01-04', '--output_path', '/data/ratings/2019-01-03.json'],
      environment: { '{{ ds }}': '2019-01-03', retries: 3, enabled: true, ratio: 0.5, nothing: null },
      image: 'manning-airflow/movielens-fetch:{{ ds }}',
    });
    expect(task.args.command).toContain('{{ds}}');
  });

  it("renders a Couture method_args_dict with dag_run.conf inside a nested dict", () => {
    const task = makeTask({
      task_id: 'eda',
      operator: 'CoutureSparkOperator',
      operator_kind: 'couture_spark',
      args: {
        method_id: 'GetTableInformation',
        method_args_dict: { input: { metadata: '{{dag_run.conf["metadata_df"]}}', columns: ['{{ dag_run.conf.n }}', 'static'] }, limit: 10 },
      },
      templated_fields: ['application_arguments', 'method_args_dict'],
      template_ext: [],
    });
    const out = renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: noFiles });
    expect(out.method_args_dict).toEqual({ input: { metadata: 'df_2019_01', columns: ['3', 'static'] }, limit: 10 });
    expect(out.method_id).toBe('GetTableInformation');
  });

  it('loads and renders a template file named by a template_ext field', () => {
    const files: Record<string, string> = { 'scripts/fetch.sh': 'curl -o /data/{{ ds }}.json "$URL?start={{ ds }}"\n' };
    const task = makeTask({ task_id: 'fetch', args: { bash_command: 'scripts/fetch.sh' } });
    const loaded: string[] = [];
    const out = renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: (p) => (loaded.push(p), files[p]) });
    expect(out.bash_command).toBe('curl -o /data/2019-01-03.json "$URL?start=2019-01-03"');
    expect(loaded).toEqual(['scripts/fetch.sh']);
  });

  it('uses literal() values as they are: no Jinja, no template file, native values kept, the rest rendered', () => {
    const task = makeTask({
      task_id: 'run',
      operator: 'PostgresOperator',
      args: {
        sql: [{ $type: 'literal', value: 'create.sql' }, { $type: 'literal', value: 'SELECT {{ ds }}' }, 'INSERT {{ ds }}'],
        parameters: { $type: 'literal', value: { when: '{{ ds }}', n: [1, 2] } },
      },
      templated_fields: ['sql', 'parameters'],
      template_ext: ['.sql'],
    });
    const out = renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: noFiles });
    expect(out.sql).toEqual(['create.sql', 'SELECT {{ ds }}', 'INSERT 2019-01-03']);
    expect(out.parameters).toEqual({ when: '{{ ds }}', n: [1, 2] });
  });

  it('treats a trailing space as "not a file" (the usual Airflow workaround)', () => {
    const task = makeTask({ task_id: 'run', args: { bash_command: 'bash /opt/run.sh {{ ds }} ' } });
    expect(renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: noFiles }).bash_command).toBe('bash /opt/run.sh 2019-01-03 ');
  });

  it('loads template files inside lists too (PostgresOperator sql=[...])', () => {
    const task = makeTask({ task_id: 'load', operator: 'PostgresOperator', args: { sql: ['create.sql', 'INSERT {{ ds }}'] }, templated_fields: ['sql'], template_ext: ['.sql'] });
    const out = renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: () => "DELETE FROM t WHERE d = '{{ ds }}';" });
    expect(out.sql).toEqual(["DELETE FROM t WHERE d = '2019-01-03';", 'INSERT 2019-01-03']);
  });

  it('reports a missing template file', () => {
    const task = makeTask({ task_id: 'fetch', args: { bash_command: 'missing.sh' } });
    const err = renderError(() => renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: () => undefined }));
    expect(err.kind).toBe('not_found');
    expect(err.code).toBe('SKYDAG-T004');
    expect(err.detail).toBe('TemplateNotFound: missing.sh');
    expect(err.field).toBe('bash_command');
  });

  it('names the task, field path and template of a failing field', () => {
    const task = makePythonTask('get_data', { op_kwargs: { year: '{{ execution_date.year }}', month: '{{ execution_date.month + }}' } });
    const err = renderError(() => renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: noFiles }));
    expect(err.taskId).toBe('get_data');
    expect(err.field).toBe('op_kwargs.month');
    expect(err.template).toBe('{{ execution_date.month + }}');
    expect(err.kind).toBe('syntax');
  });

  it('leaves non-string, empty and tagged values alone and resolves XComArgs', () => {
    const task = makePythonTask('deploy', {
      op_args: [{ $type: 'xcom_arg', task_id: 'train_model', key: 'return_value' }, 5, { $type: 'timedelta', seconds: 60 }],
      op_kwargs: {},
      templates_dict: { when: { $type: 'datetime', value: '2019-01-01T00:00:00+00:00', timezone: 'UTC' } },
    });
    const out = renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: noFiles });
    expect(out.op_args).toEqual(['model-42', 5, { $type: 'timedelta', seconds: 60 }]);
    expect(out.op_kwargs).toEqual({});
    expect(out.templates_dict).toEqual(task.args.templates_dict);
    expect(out.python_callable).toEqual(task.args.python_callable);
  });

  it('raises XComNotFound for a missing XComArg with a custom key', () => {
    const task = makePythonTask('deploy', { op_args: [{ $type: 'xcom_arg', task_id: 'train_model', key: 'model_id' }] });
    expect(renderError(() => renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: noFiles })).detail).toBe(
      'XComNotFound: XComArg result from train_model at example with key="model_id" is not found!',
    );
  });

  it('loads template files through an asynchronous loader', async () => {
    const task = makeTask({ task_id: 'fetch', args: { bash_command: 'fetch.sh', env: { DAY: '{{ ds }}' } } });
    const out = await renderTemplatedFieldsAsync(task, task.args, ctx, { loadTemplateFile: async (p) => (p === 'fetch.sh' ? 'echo {{ ds_nodash }}' : undefined) });
    expect(out).toEqual({ bash_command: 'echo 20190103', env: { DAY: '2019-01-03' } });
    await expect(renderTemplatedFieldsAsync(task, task.args, ctx, { loadTemplateFile: async () => Promise.reject(new Error('S3 says no')) })).rejects.toThrow(
      'TemplateNotFound: fetch.sh (S3 says no)',
    );
  });
});

describe('native rendering (render_template_as_native_obj)', () => {
  const nativeDag = makeDag({ dag_id: 'native', render_template_as_native_obj: true });
  const task = makePythonTask('sum', {
    op_args: ['{{ [1, 2, 3] }}', '{{ dag_run.conf }}', '{{ ds_nodash }}', '{{ ds }}', '{{ data_interval_start }}', '[{{ 1 }}, {{ 2 }}]', 'plain text'],
    op_kwargs: { n: '{{ dag_run.conf.n * 2 }}', flag: '{{ True }}', none: '{{ None }}', tuple: '{{ (1, 2) }}' },
  });
  const nctx = buildTemplateContext({ dag: nativeDag, task, run: { ...SCHEDULED_DAILY_RUN, conf: { n: 3, k: 'v' } }, tryNumber: 1, now: NOW });

  it("returns native values like Jinja's NativeEnvironment", () => {
    const out = renderTemplatedFields(task, task.args, nctx, { loadTemplateFile: () => undefined });
    expect(out.op_args).toEqual([
      [1, 2, 3],
      { n: 3, k: 'v' },
      20190103,
      '2019-01-03',
      { $type: 'datetime', value: '2019-01-03T00:00:00+00:00', timezone: 'UTC' },
      [1, 2],
      'plain text',
    ]);
    expect(out.op_kwargs).toEqual({ n: 6, flag: true, none: null, tuple: [1, 2] });
  });

  it('can be switched on or off per call', () => {
    expect(renderTemplate('{{ [1, 2] }}', ctx, { native: true })).toEqual([1, 2]);
    expect(renderTemplate('{{ [1, 2] }}', nctx, { native: false })).toBe('[1, 2]');
    expect(renderTemplate("{{ {'a': 1} }}", nctx)).toEqual({ a: 1 });
  });
});

describe('performance', () => {
  it('renders 2,000 templates in well under a second', () => {
    const started = Date.now();
    for (let i = 0; i < 2000; i++) r("{{ ds }} {{ '{:02}'.format(execution_date.hour) }} {{ params | tojson }}");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('typechecks rendered args as model values', () => {
    const out: Record<string, PyValue> = renderTemplatedFields(makeTask({ task_id: 't', args: { bash_command: 'echo {{ ds }}' } }), { bash_command: 'echo {{ ds }}' }, ctx, {
      loadTemplateFile: () => undefined,
    });
    expect(out.bash_command).toBe('echo 2019-01-03');
  });
});

describe('{% extends %}, {% block %} and {% import %} (expected outputs rendered by Jinja 3.1)', () => {
  const files: Record<string, string> = {
    'base.sql': "-- {{ title | default('base') }}\n{% block select %}SELECT *{% endblock %} FROM {% block table %}t{% endblock %}{% block where %}{% endblock %};\n",
    'mid.sql': "{% extends 'base.sql' %}{% block table %}{{ super() }}_{{ ds_nodash }}{% endblock %}",
    'nested.sql': '[{% block outer %}o({% block inner %}i{% endblock %}){% endblock %}]',
    'ws.sql': 'A\n{%- block b -%}\n  base  \n{%- endblock -%}\nZ',
    'self.sql': "{% extends 'self.sql' %}",
    'macros.sql': "{% set prefix = 'p' %}{% macro col(name) %}{{ prefix }}.{{ name }}{% endmacro %}{% macro cols(names) %}{% for n in names %}{{ col(n) }}{% if not loop.last %}, {% endif %}{% endfor %}{% endmacro %}{% macro uses_ds() %}[{{ ds }}]{% endmacro %}",
    'wrap.sql': '{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}',
    'query.sql': "{% extends 'base.sql' %}{% from 'macros.sql' import cols %}{% block select %}SELECT {{ cols(['a']) }}{% endblock %}",
    'self_import.sql': "{% import 'self_import.sql' as again %}",
    'leaf.sql': '{% macro one() %}1{% endmacro %}',
  };
  const load = (p: string) => files[p];
  const r = (template: string) => renderTemplateString(template, ctx, { loadTemplate: load });

  it("renders the parent with the child's blocks, super(), nested blocks, several levels and the child's sets", () => {
    expect(r("{% extends 'base.sql' %}{% set title = 'child' %}ignored{% block where %} WHERE day = '{{ ds }}'{% endblock %}")).toBe("-- child\nSELECT * FROM t WHERE day = '2019-01-03';");
    expect(r("{% extends 'mid.sql' %}{% block select %}SELECT a{% endblock %}")).toBe('-- base\nSELECT a FROM t_20190103;');
    expect(r("{% extends 'nested.sql' %}{% block inner %}I{% endblock %}")).toBe('[o(I)]');
    expect(r("{% extends 'nested.sql' %}{% block outer %}O+{{ super() }}{% endblock %}{% block inner %}I{% endblock %}")).toBe('[O+o(I)]');
    expect(r("{% extends 'ws.sql' %}{% block b %}[{{ super() }}]{% endblock %}")).toBe('A[base]Z');
    expect(r('{% block x %}in place{% endblock %}!')).toBe('in place!');
  });

  it('binds an imported template\'s macros and variables under its alias or the names asked for, without the context unless asked', () => {
    expect(r("{% import 'macros.sql' as m %}SELECT {{ m.cols(['a', 'b']) }} {{ m.prefix }}")).toBe('SELECT p.a, p.b p');
    expect(r("{% from 'macros.sql' import col, cols as cs, nope %}{{ col('x') }}|{{ cs(['y']) }}|{{ nope }}|")).toBe('p.x|p.y||');
    expect(r("{% import 'macros.sql' as m %}{{ m.uses_ds() }}")).toBe('[]');
    expect(r("{% import 'macros.sql' as m with context %}{{ m.uses_ds() }}")).toBe('[2019-01-03]');
    expect(r("{% from 'wrap.sql' import wrap %}{% call wrap('b') %}{{ ds }}{% endcall %}")).toBe('<b>2019-01-03</b>');
    expect(r("{% from 'macros.sql' import nope %}{{ nope }}")).toBe('');
    expect(renderError(() => renderTemplateString("{% from 'macros.sql' import nope %}{{ nope }}", ctx, { loadTemplate: load, undefined: 'strict' })).detail).toContain("the template 'macros.sql' does not export the requested name 'nope'");
  });

  it('names a missing or computed parent or import, and runaway recursion', () => {
    expect(renderError(() => r("{% extends 'missing.sql' %}")).detail).toBe('TemplateNotFound: missing.sql');
    expect(renderError(() => r("{% import 'missing.sql' as m %}")).detail).toBe('TemplateNotFound: missing.sql');
    expect(renderError(() => r('{% extends ds %}')).detail).toMatch(/^TemplateNotFound: \{% extends ds %\}: skydag extends templates named by a string literal/);
    expect(renderError(() => r("{% extends 'self.sql' %}")).detail).toBe('RecursionError: {% extends %} nested more than 20 deep');
    const nested = (n: number) => `{% extends 'base.sql' %}${'{% block x %}'.repeat(n)}${'{% endblock %}'.repeat(n)}`;
    expect(r(nested(50))).toBe('-- base\nSELECT * FROM t;');
    expect(renderError(() => r(nested(150))).detail).toBe('RecursionError: {% block %} nested more than 100 deep');
    expect(renderError(() => r("{% import 'macros.sql' %}")).detail).toMatch(/^TemplateSyntaxError: \{% import 'macros.sql' %\}: expected/);
    expect(renderError(() => r("{% import 'self_import.sql' as m %}")).detail).toBe('RecursionError: {% import %} nested more than 20 deep');
    const fan = Array.from({ length: 201 }, (_, i) => `{% import 'leaf.sql' as l${i} %}`).join('');
    expect(r(`${fan.slice(0, fan.indexOf('{', 1))}{{ l0.one() }}`)).toBe('1');
    expect(renderError(() => r(fan)).detail).toBe('RecursionError: {% import %} of more than 200 templates in one render');
  });

  it('reads the parents and imported templates before rendering', async () => {
    const task = makeTask({ task_id: 'q', operator: 'SQLExecuteQueryOperator', args: { sql: 'query.sql' }, templated_fields: ['sql'], template_ext: ['.sql'] });
    const read: string[] = [];
    const out = await renderTemplatedFieldsAsync(task, task.args, ctx, { loadTemplateFile: async (p) => (read.push(p), files[p]) });
    expect(out.sql).toBe('-- base\nSELECT p.a FROM t;');
    expect(read.sort()).toEqual(['base.sql', 'macros.sql', 'query.sql']);
  });
});

describe('{% include %}', () => {
  const files: Record<string, string> = {
    'header.sql': '-- run {{ ds }}\n',
    'where.sql': "WHERE day = '{{ ds }}'{% include 'limit.sql' %}\n",
    'limit.sql': ' LIMIT {{ params.n | default(10) }}',
    'query.sql': "SELECT *{% include 'header.sql' ignore missing %} FROM t {% include 'where.sql' %}\n",
    'self.sql': "x{% include 'self.sql' %}",
    'raw.sql': "{% raw %}{% include 'nothing.sql' %}{% endraw %}",
  };
  const load = (p: string) => files[p];
  const incl = (template: string) => renderTemplateString(template, ctx, { loadTemplate: load });

  it('inlines the included template, rendered with the current context, nested, with one trailing newline dropped', () => {
    expect(incl("{% include 'header.sql' %}|")).toBe('-- run 2019-01-03|');
    expect(incl("{% for n in [1, 2] %}{% include 'limit.sql' with context %};{% endfor %}")).toBe(' LIMIT 3; LIMIT 3;'); // params.n: the run's conf overrides params
    expect(incl("{% include ['missing.sql', \"header.sql\"] %}")).toBe('-- run 2019-01-03');
    expect(incl("a {%- include 'nothing.sql' ignore missing -%} b")).toBe('ab');
    expect(incl("{% include 'raw.sql' %}")).toBe("{% include 'nothing.sql' %}");
  });

  it('names a missing template, a computed name and runaway recursion', () => {
    expect(renderError(() => incl("{% include 'nothing.sql' %}")).detail).toBe('TemplateNotFound: nothing.sql');
    expect(renderError(() => incl("{% include 'nothing.sql' %}")).code).toBe(TemplateErrorCode.TEMPLATE_NOT_FOUND);
    expect(renderError(() => incl('{% include ds ~ ".sql" %}')).detail).toMatch(/^TemplateNotFound: \{% include ds ~ ".sql" %\}: skydag includes templates named by a string literal/);
    expect(renderError(() => incl("{% include 'self.sql' %}")).detail).toBe('RecursionError: {% include %} nested more than 20 deep');
    expect(renderError(() => renderTemplateString("{% include 'header.sql' %}", ctx)).detail).toBe('TemplateNotFound: header.sql');
  });

  it('reads included templates before rendering, for template files and plain fields alike', async () => {
    const task = makeTask({ task_id: 'q', operator: 'SQLExecuteQueryOperator', args: { sql: 'query.sql' }, templated_fields: ['sql'], template_ext: ['.sql'] });
    const read: string[] = [];
    const out = await renderTemplatedFieldsAsync(task, task.args, ctx, { loadTemplateFile: async (p) => (read.push(p), files[p]) });
    expect(out.sql).toBe("SELECT *-- run 2019-01-03 FROM t WHERE day = '2019-01-03' LIMIT 3");
    expect(read.sort()).toEqual(['header.sql', 'limit.sql', 'query.sql', 'where.sql']);
    const bash = makeTask({ task_id: 'b', args: { bash_command: "echo {% include 'limit.sql' %}" } });
    expect((await renderTemplatedFieldsAsync(bash, bash.args, ctx, { loadTemplateFile: async (p) => files[p] })).bash_command).toBe('echo  LIMIT 3');
  });
});

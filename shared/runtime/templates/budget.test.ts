/**
 * The rendering budget is charged inside the interpreter, where the work happens: every template that
 * would build or loop without end stops with SKYDAG-T005 naming the budget and its variable.
 */
import { Budget, DEFAULT_TEMPLATE_LIMITS, TemplateBudgetError, TemplateLimitsError, templateLimitsFromEnv, withBudget, type TemplateLimits } from './budget.js';
import { TemplateError, TemplateErrorCode } from './errors.js';
import { renderTemplateString, renderTemplatedFields } from './render.js';
import { context, makeTask } from './test-fixtures.js';

const ctx = context({ variables: (key) => (key === 'big' ? 'v'.repeat(100_000) : undefined) });
const LIMITS: TemplateLimits = { maxSteps: 100_000, maxOutputChars: 1_000_000, timeoutMs: 60_000 };

function failure(template: string, limits: TemplateLimits = LIMITS): TemplateError {
  try {
    renderTemplateString(template, ctx, { limits });
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error(`expected ${template} to fail`);
}

/** The budget a template went over (from its SKYDAG-T005 error). */
function exceeded(template: string, limits: TemplateLimits = LIMITS): TemplateBudgetError {
  const err = failure(template, limits);
  expect(err.code).toBe(TemplateErrorCode.BUDGET_EXCEEDED);
  expect(err.cause).toBeInstanceOf(TemplateBudgetError);
  return err.cause as TemplateBudgetError;
}

describe('limits', () => {
  it('have documented defaults, each overridable by its environment variable', () => {
    expect(templateLimitsFromEnv({})).toEqual(DEFAULT_TEMPLATE_LIMITS);
    expect(templateLimitsFromEnv({ SKYDAG_TEMPLATE_MAX_STEPS: '5000', SKYDAG_TEMPLATE_MAX_OUTPUT_CHARS: '1000', SKYDAG_TEMPLATE_TIMEOUT_MS: ' 250 ' })).toEqual({
      maxSteps: 5000,
      maxOutputChars: 1000,
      timeoutMs: 250,
    });
  });

  it.each(['0', '-1', '1.5', 'lots', '1e999'])('refuses %j, naming the variable', (value) => {
    expect(() => templateLimitsFromEnv({ SKYDAG_TEMPLATE_TIMEOUT_MS: value })).toThrow(new TemplateLimitsError(`SKYDAG_TEMPLATE_TIMEOUT_MS must be a positive integer, got "${value}"`));
  });
});

describe('the step budget', () => {
  it('stops nested loops, naming the limit and how to raise it', () => {
    const err = failure('{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}');
    expect(err.code).toBe('SKYDAG-T005');
    expect(err.message).toContain('template budget exceeded: the template needs more than 100,000 steps');
    expect(err.message).toContain('raise SKYDAG_TEMPLATE_MAX_STEPS');
  });

  it('charges every loop iteration, even of a body that only outputs text', () => {
    expect(exceeded('{% for i in range(60000) %}{% for j in range(2) %}x{% endfor %}{% endfor %}').dimension).toBe('steps');
  });

  it('charges range() for its items before building them', () => {
    expect(exceeded('{{ range(100000) | length }}', { ...LIMITS, maxSteps: 50_000 }).reason).toBe('range() of 100000 items needs 100,000 steps');
    // Jinja's sandbox still refuses huge ranges outright.
    expect(failure('{{ range(10 ** 9) }}').detail).toContain('OverflowError: Range too big');
  });

  it('charges list multiplication before building the list', () => {
    expect(exceeded('{{ ([0] * 10 ** 8) | length }}').reason).toBe('a list of 1 items * 100000000 needs 100,000,000 steps');
  });

  it('stops recursive macros that fan out', () => {
    expect(exceeded('{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}').dimension).toBe('steps');
  });

  it('charges containers each time a repr walks them, so shared references cannot multiply the work', () => {
    expect(exceeded('{% set a = [1] * 300 %}{% set b = [a] * 300 %}{% set c = [b] * 300 %}{{ c }}').dimension).toBe('steps');
  });

  it('charges filters that walk or sort lists', () => {
    expect(exceeded('{% for i in range(200) %}{{ range(1000) | sort | first }}{% endfor %}').dimension).toBe('steps');
    expect(exceeded('{{ range(5000) | unique | list | length }}').dimension).toBe('steps');
  });
});

describe('the text budget', () => {
  it.each([
    ['string multiplication', '{{ ("x" * 10 ** 9) | length }}', 'a string of 1 characters * 1000000000 would build 1,000,000,000 characters'],
    ['center', '{{ "a" | center(10 ** 9) }}', 'center(1000000000) would build 1,000,000,000 characters'],
    ['ljust', '{{ "a".ljust(10 ** 9) }}', 'ljust(1000000000) would build 1,000,000,000 characters'],
    ['zfill', '{{ "1".zfill(10 ** 9) }}', 'zfill(1000000000) would build 1,000,000,000 characters'],
    ['indent', '{{ "a\nb" | indent(10 ** 9) }}', 'indent(1000000000) would build 1,000,000,000 characters'],
    ['a format width', '{{ "{:>1000000000}".format(1) }}', 'the format width 1000000000 would build 1,000,000,000 characters'],
    ['a %-format width', '{{ "%1000000000s" % 1 }}', 'the format %1000000000s would build 1,000,000,000 characters'],
    ['a %-format precision', '{{ "%.1000000000f" % 1.5 }}', '1000000000 decimals would build 1,000,000,000 characters'],
    ['the format filter', '{{ "%1000000000d" | format(1) }}', 'the format %1000000000d would build 1,000,000,000 characters'],
    ['exponentiation', '{{ 10 ** (10 ** 10) }}', '10 ** 10000000000 would build 10,000,000,000 characters'],
    ['joining a huge list', '{{ (["x" * 1000] * 2000) | join(",") }}', 'joining 2000 items would build 2,001,999 characters'],
    ['str.join', '{{ ",".join(["x" * 1000] * 2000) }}', 'joining 2000 items would build 2,001,999 characters'],
    ['replace', '{{ ("ab" * 1000).replace("a", "x" * 1000) }}', 'replacing 1000 occurrences would build 1,001,000 characters'],
  ])('refuses %s before building the string', (_what, template, reason) => {
    const cause = exceeded(template);
    expect(cause.dimension).toBe('text');
    expect(cause.reason).toBe(reason);
    expect(cause.message).toContain('raise SKYDAG_TEMPLATE_MAX_OUTPUT_CHARS');
  });

  it('counts literal text output by loops', () => {
    expect(exceeded(`{% for i in range(1000) %}${'x'.repeat(2000)}{% endfor %}`).dimension).toBe('text');
  });

  it('counts output that repeats existing text, such as a large Variable', () => {
    expect(exceeded('{% for i in range(20) %}{{ var.value.big }}{% endfor %}').dimension).toBe('text');
  });

  it('counts strings that grow by doubling', () => {
    expect(exceeded('{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}').dimension).toBe('text');
  });

  it('keeps exponentiation whose result is small: 10**10**10 is (10**10)**10 in Jinja', () => {
    expect(renderTemplateString('{{ 2 ** 64 }}|{{ (10 ** 10 ** 10) > 0 }}', ctx, { limits: LIMITS })).toBe('18446744073709551616|True');
  });
});

describe('string operations', () => {
  it('split on whitespace from the right in linear time, however long the inner runs', () => {
    const withS = { ...ctx, s: `a${' '.repeat(300_000)}b  ` };
    expect(renderTemplateString('{{ s.rsplit() }}|{{ s.rsplit(None, 1)[0] | length }}|{{ "  a b  c ".rsplit(None, 1) }}', withS)).toBe("['a', 'b']|1|['  a b', 'c']");
  });
});

describe('the time budget', () => {
  it('stops a render that runs past its time limit', () => {
    const cause = exceeded('{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}', { maxSteps: Number.MAX_SAFE_INTEGER, maxOutputChars: Number.MAX_SAFE_INTEGER, timeoutMs: 50 });
    expect(cause.dimension).toBe('time');
    expect(cause.message).toContain('the template needs more than 50 ms; simplify the template or raise SKYDAG_TEMPLATE_TIMEOUT_MS');
  });
});

describe('nesting', () => {
  it('fails a macro that calls itself without end with RecursionError', () => {
    const err = failure('{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}');
    expect(err.code).toBe(TemplateErrorCode.RUNTIME);
    expect(err.detail).toMatch(/^RecursionError: maximum recursion depth exceeded/);
  });

  it('still allows a macro to recurse a hundred levels', () => {
    expect(renderTemplateString('{% macro m(n) %}{% if n < 100 %}{{ m(n + 1) }}{% else %}{{ n }}{% endif %}{% endmacro %}{{ m(0) }}', ctx)).toBe('100');
  });

  it('fails deeply nested syntax with a clear error', () => {
    expect(failure(`{{ ${'('.repeat(20_000)}1${')'.repeat(20_000)} }}`).code).toBe(TemplateErrorCode.SYNTAX);
    expect(failure(`${'{% if 1 %}'.repeat(5_000)}x${'{% endif %}'.repeat(5_000)}`).code).toBe(TemplateErrorCode.SYNTAX);
  });
});

describe('a task', () => {
  it('shares one budget between all its templated fields', () => {
    const loop = '{% for i in range(600) %}{{ i }}{% endfor %}';
    const task = makeTask({ task_id: 'fields', args: { bash_command: loop, env: { A: loop, B: loop } } });
    const one = new Budget(LIMITS);
    withBudget(one, () => renderTemplateString(loop, ctx));
    // Each field fits alone; the three together do not.
    const limits = { ...LIMITS, maxSteps: 2 * one.steps };
    expect(renderTemplateString(loop, ctx, { limits })).toHaveLength(1690);
    let err: unknown;
    try {
      renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: () => undefined, limits });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).code).toBe(TemplateErrorCode.BUDGET_EXCEEDED);
    expect((err as TemplateError).field).toBe('env.B');
  });

  it('renders ordinary templates well within the default budget', () => {
    const task = makeTask({ task_id: 'ordinary', args: { bash_command: 'echo "{{ ds }} {{ run_id }}" > /tmp/{{ ti.task_id }}_{{ ts_nodash }}.out', env: { DAY: '{{ macros.ds_add(ds, -1) }}' } } });
    expect(renderTemplatedFields(task, task.args, ctx, { loadTemplateFile: () => undefined })).toEqual({
      bash_command: 'echo "2019-01-03 scheduled__2019-01-03T00:00:00+00:00" > /tmp/print_date_20190103T000000.out',
      env: { DAY: '2019-01-02' },
    });
  });
});

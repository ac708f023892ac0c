/**
 * The evaluator's work and size budget: constructs that multiply work stop with SKYDAG-P006 at the
 * line that went over, quickly and without building the value, and the file registers nothing.
 */
import { DiagnosticCode } from '../../../model/diagnostics.js';
import { Abort, EVALUATION_LIMITS, EvaluationBudget, chargeString, withBudget } from '../budget.js';
import { diags, onlyDag, parse, py } from './helpers.js';

const HEAD = py`
  from datetime import datetime
  from airflow import DAG
  from airflow.operators.bash import BashOperator
`;
const P006 = DiagnosticCode.PARSE_LIMIT;

/** Errors of HEAD + body as `line:col code message`. */
function errorsOf(body: string): string[] {
  return diags(HEAD + body);
}

describe('value size limits (the statement fails, the file goes on)', () => {
  it.each([
    ['string repetition', 'x = "a" * 10**8', '4:5', 'a string of 100,000,000 characters is over the limit of 10,000,000'],
    ['list repetition', 'x = [0] * 10**9', '4:5', 'a collection of 1,000,000,000 items is over the limit of 1,000,000'],
    ['%-formatting width', 'x = "%0100000000d" % 1', '4:5', 'a string of 100,000,000 characters is over the limit of 10,000,000'],
    ['str.format width', 'x = "{:>100000000}".format(1)', '4:5', 'a string of 100,000,000 characters is over the limit of 10,000,000'],
    ['f-string width', 'x = f"{1:>100000000}"', '4:5', 'a string of 100,000,000 characters is over the limit of 10,000,000'],
    ['str.ljust width', 'x = "a".ljust(10**9)', '4:5', 'a string of 1,000,000,000 characters is over the limit of 10,000,000'],
    ['join of repeated strings', 'x = ",".join(["a" * 1000] * 1000000)', '4:5', 'a string of 1,000,999,999 characters is over the limit of 10,000,000'],
    ['big exponentiation', 'x = 10**10**10', '4:5', 'integer result too large for static evaluation'],
    ['huge range', 'for i in range(10**12):\n    pass', '4:10', 'range of 1,000,000,000,000 items is over the limit of 1,000,000'],
    ['itertools.product', 'import itertools\nx = list(itertools.product(range(100), repeat=5))', '5:10', 'a collection of 10,000,000,000 items is over the limit of 1,000,000'],
  ])('%s', (_what, body, at, message) => {
    expect(errorsOf(body + '\n')).toEqual([`${at} ${P006} ${message}`]);
  });

  it('stops a value doubled in a loop when it passes its limit', () => {
    expect(errorsOf('s = "ab"\nfor i in range(40):\n    s = s + s\n')).toEqual([`6:9 ${P006} a string of 16,777,216 characters is over the limit of 10,000,000`]);
    expect(errorsOf('s = [1]\nfor i in range(40):\n    s = s + s\n')).toEqual([`6:9 ${P006} a collection of 1,048,576 items is over the limit of 1,000,000`]);
    expect(errorsOf('s = [1]\nfor i in range(40):\n    s += s\n')).toEqual([`6:5 ${P006} a collection of 1,048,576 items is over the limit of 1,000,000`]);
  });

  it('lets the rest of the file be read, but registers nothing', () => {
    const r = parse(HEAD + py`
      big = "a" * 10**8
      with DAG("d", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="t", bash_command=undefined_name)
    `);
    expect(r.diagnostics.map((d) => `${d.line}:${d.code}`)).toEqual([`4:${P006}`, `6:${DiagnosticCode.UNDEFINED_NAME}`]);
    expect(r.diagnostics[0]!.hint).toContain('docs/security.md');
  });
});

describe('file-wide budgets (the evaluation stops)', () => {
  const STEPS = `evaluation stopped after 1,000,000 steps (statements, loop iterations and calls): an unbounded computation?`;

  const LATER = '\nwith DAG("later", schedule=None) as dag:\n    BashOperator(task_id="t", bash_command=later_error)\n';

  it.each([
    ['nested comprehensions', 'x = [[i * j for i in range(10000)] for j in range(10000)]', `4:6 ${P006} ${STEPS}`],
    ['nested loops', 'n = 0\nfor i in range(100000):\n    for j in range(100000):\n        n += 1', `7:9 ${P006} ${STEPS}`],
    ['itertools.permutations', 'import itertools\nx = list(itertools.permutations(range(20)))', `5:10 ${P006} ${STEPS}`],
    ['more than the total size budget', 'xs = ["a" * 1000000 for i in range(1000)]', `4:7 ${P006} evaluation stopped: the file built more than 128 MB of strings and collections`],
  ])('%s: nothing after it is evaluated', (_what, body, expected) => {
    expect(errorsOf(body + LATER)).toEqual([expected]);
  });

  it('stops deep recursion in user functions at the call', () => {
    expect(errorsOf('def f(n):\n    return f(n + 1)\nf(0)\n')).toEqual([`5:12 ${P006} maximum recursion depth exceeded calling f() (more than 150 nested calls)`]);
  });

  it('does not count a normal DAG file anywhere near its limits', () => {
    const dag = onlyDag(HEAD + py`
      with DAG("fanout", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          for i in range(2000):
              BashOperator(task_id=f"t{i}", bash_command="echo " + str(i) * 3)
    `);
    expect(dag.tasks).toHaveLength(2000);
  });

  it('stays spent: a budget stopped once stops every later step and charge', () => {
    const budget = new EvaluationBudget({ ...EVALUATION_LIMITS, maxSteps: 2 });
    budget.step();
    budget.step();
    expect(() => budget.step(7)).toThrow(Abort);
    expect(() => withBudget(budget, () => chargeString(1))).toThrow(Abort);
    expect(() => budget.step()).toThrow('evaluation stopped after 2 steps');
  });

  it('charges nothing outside an evaluation, but still refuses an oversized value', () => {
    expect(() => chargeString(EVALUATION_LIMITS.maxStringLength)).not.toThrow();
    expect(() => chargeString(EVALUATION_LIMITS.maxStringLength + 1)).toThrow('over the limit');
  });
});

describe('bracket nesting', () => {
  it('refuses more than 200 nested brackets before parsing, at the bracket', () => {
    for (const [open, close] of [['(', ')'], ['[', ']'], ['{', '}']] as const) {
      const r = parse(`from airflow import DAG\nx = ${open.repeat(10_000)}${close.repeat(10_000)}\n`);
      expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`)).toEqual([`2:205 ${P006} too many nested brackets (more than 200)`]);
    }
  });

  it('ignores brackets in strings and comments, and accepts deep but legal nesting', () => {
    const r = parse(`from airflow import DAG\nx = ${'('.repeat(150)}1${')'.repeat(150)}\ny = "${'('.repeat(1000)}"  # ${'['.repeat(500)}\nz = """\n${'{'.repeat(300)}\n"""\n`);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

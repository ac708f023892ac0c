/**
 * Hostile DAG files found when the local platform was probed (issue 7, item 2): each one small,
 * each one asking for unbounded work or memory at parse time, and the import error it must become
 * instead (code and line).
 */
import { DiagnosticCode } from '../../shared/model/diagnostics.js';

export interface HostileDagFile {
  name: string;
  source: string;
  code: DiagnosticCode;
  line: number;
  /** Part of the message: the limit it names. */
  says: string;
}

const HEAD = 'from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n';
/** A DAG after the bomb: what Airflow would register if the import survived. */
const DAG_AFTER = 'with DAG("after_the_bomb", start_date=datetime(2024, 1, 1), schedule=None) as dag:\n    BashOperator(task_id="t", bash_command="echo")\n';

const py = (name: string, bomb: string, code: DiagnosticCode, says: string, lineInBomb = 1): HostileDagFile => ({
  name,
  source: `${HEAD}${bomb}\n${DAG_AFTER}`,
  code,
  line: 3 + lineInBomb,
  says,
});

/** Nine levels of nine aliases: 9^9 strings from about 1.3 KB, under a DAG's params. */
function billionLaughs(): string {
  const names = 'abcdefghi'.split('');
  const lines = [`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let k = 1; k < names.length; k++) lines.push(`${names[k]}: &${names[k]} [${Array(9).fill(`*${names[k - 1]}`).join(', ')}]`);
  return [
    ...lines,
    'lol_dag:',
    '  default_args:',
    '    owner: laughs',
    '    start_date: 2024-01-01',
    '  schedule: "@daily"',
    '  description: "a billion laughs: every alias repeats the previous level nine times"',
    '  params:',
    '    lol: *i',
    '  tasks:',
    '    t1:',
    '      operator: airflow.operators.bash.BashOperator',
    '      bash_command: echo lol',
    '',
  ].join('\n');
}

const STEPS = 'evaluation stopped after 1,000,000 steps';

export const HOSTILE_DAG_FILES: readonly HostileDagFile[] = [
  { name: 'billion_laughs.yaml', source: billionLaughs(), code: DiagnosticCode.PARSE_LIMIT, line: 7, says: 'more than 1,000,000 nodes' },
  { name: 'deep_flow.yaml', source: `deep:\n  params:\n    x: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, code: DiagnosticCode.PARSE_LIMIT, line: 3, says: 'nested too deeply' },
  py('string_bomb.py', 'x = "a" * 10**8', DiagnosticCode.PARSE_LIMIT, 'over the limit of 10,000,000'),
  py('list_bomb.py', 'x = [0] * 10**9', DiagnosticCode.PARSE_LIMIT, 'over the limit of 1,000,000'),
  py('nested_comprehension.py', 'x = [[i * j for i in range(10**5)] for j in range(10**5)]', DiagnosticCode.PARSE_LIMIT, STEPS),
  py('huge_range.py', 'for i in range(10**12):\n    pass', DiagnosticCode.PARSE_LIMIT, 'over the limit of 1,000,000'),
  py('nested_loops.py', 'n = 0\nfor i in range(10**6):\n    for j in range(10**6):\n        n += 1', DiagnosticCode.PARSE_LIMIT, STEPS, 4),
  py('while_true.py', 'while True:\n    pass', DiagnosticCode.UNSUPPORTED, 'while loops are not supported'),
  py('recursion.py', 'def f(n):\n    return f(n + 1)\nf(0)', DiagnosticCode.PARSE_LIMIT, 'more than 150 nested calls', 2),
  py('power_tower.py', 'x = 10**10**10', DiagnosticCode.PARSE_LIMIT, 'too large'),
  py('format_width.py', 'x = "%0100000000d" % 1', DiagnosticCode.PARSE_LIMIT, 'over the limit of 10,000,000'),
  py('deep_nesting.py', `x = ${'('.repeat(10_000)}1${')'.repeat(10_000)}`, DiagnosticCode.PARSE_LIMIT, 'too many nested brackets'),
];

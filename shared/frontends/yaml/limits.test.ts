/**
 * Alias expansion is bounded: a "billion laughs" document (aliases of aliases), a `!join` of joins
 * and a default block copied into many DAGs are refused with SKYDAG-P006 before anything walks their
 * expansion; ordinary anchors and merge keys still work.
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import { YAML_LIMITS, expandedSize, loadYaml } from './nodes.js';
import { errors, onlyDag, parse, task, yaml } from './test-helpers.js';

/** Nine levels of nine aliases each: 9^9 ≈ 387 million strings from a few hundred bytes. */
function laughs(where: (top: string) => string): string {
  const levels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
  const lines = [`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let k = 1; k < levels.length; k++) lines.push(`${levels[k]}: &${levels[k]} [${Array(9).fill(`*${levels[k - 1]}`).join(',')}]`);
  return `${lines.join('\n')}\n${where('*i')}`;
}

describe('YAML alias budget', () => {
  it('refuses a billion-laughs document at the alias that passes the limit, and builds nothing', () => {
    const source = laughs((top) => yaml`
      lol_dag:
        default_args: {start_date: 2024-01-01}
        params: {lol: ${top}}
        tasks:
          t: {operator: airflow.operators.bash.BashOperator, bash_command: echo}
    `);
    expect(source.length).toBeLessThan(1400);
    const result = parse(source);
    expect(result.dags).toEqual([]);
    expect(errors(result).map((d) => `${d.code}@${d.line}:${d.col} ${d.message}`)).toEqual([
      `${DiagnosticCode.PARSE_LIMIT}@7:8 alias '*f' makes the document expand to more than 1,000,000 nodes (aliases repeating aliases, as in a "billion laughs" file)`,
    ]);
  });

  it('refuses a !join of joins before building the string', () => {
    const levels = Array.from({ length: 9 }, (_, k) => `  x${k}: &j${k} !join [${k === 0 ? '"lollollollollollollollollollol"' : Array(10).fill(`*j${k - 1}`).join(', ')}]`);
    const result = parse(`default:\n${levels.join('\n')}\nd:\n  default_args: {start_date: 2024-01-01}\n  tasks:\n    t: {operator: airflow.operators.bash.BashOperator, bash_command: *j8}\n`);
    expect(result.dags).toEqual([]);
    expect(errors(result).map((d) => `${d.code}@${d.line}: ${d.message}`)).toEqual([
      `${DiagnosticCode.PARSE_LIMIT}@8: !join would build a string of 30,000,000 characters, over the limit of 10,000,000`,
    ]);
  });

  it('counts the default block once per DAG', () => {
    const bigDefault = `default:\n  params: &p {${Array.from({ length: 1000 }, (_, i) => `k${i}: ${i}`).join(', ')}}\n  tags: [${Array(400).fill('*p').join(', ')}]\n`;
    const dags = Array.from({ length: 3 }, (_, i) => `d${i}: {default_args: {start_date: 2024-01-01}, tasks: {t: {operator: airflow.operators.empty.EmptyOperator}}}`).join('\n');
    const result = parse(`${bigDefault}${dags}\n`);
    expect(result.dags).toEqual([]);
    expect(errors(result)).toEqual([
      expect.objectContaining({ code: DiagnosticCode.PARSE_LIMIT, line: 1, message: expect.stringContaining('copied into each of the 3 DAGs makes the file expand to more than 1,000,000 nodes') }),
    ]);
  });

  it('reports a parser that runs out of stack once, however deep the caller already is', () => {
    // The YAML parser may record its stack exhaustion once per unwound level; how many depends on
    // the stack left to it (a worker thread, a deep caller), so probe a range of caller depths.
    const source = `d:\n  params:\n    x: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
    const problemsAt = (depth: number): string[] => (depth > 0 ? problemsAt(depth - 1) : loadYaml(source).problems.map((p) => p.message));
    for (let depth = 0; depth < 1_000; depth += 67) expect(problemsAt(depth)).toEqual(['the document is nested too deeply (more than 200 levels of collections)']);
  }, 120_000);

  it('refuses collections nested more than 200 deep, in flow or block style', () => {
    const flow = parse(`d:\n  params:\n    x: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`);
    expect(flow.dags).toEqual([]);
    expect(errors(flow).map((d) => `${d.code}@${d.line} ${d.message}`)).toEqual([`${DiagnosticCode.PARSE_LIMIT}@3 the document is nested too deeply (more than 200 levels of collections)`]);
    const block = parse(`d:\n  params:\n${Array.from({ length: 300 }, (_, i) => `${' '.repeat(4 + i)}k${i}:`).join('\n')} 1\n`);
    expect(block.dags).toEqual([]);
    expect(errors(block).map((d) => `${d.code}@${d.line} ${d.message}`)).toEqual([`${DiagnosticCode.PARSE_LIMIT}@201 the document is nested too deeply (more than 200 levels of collections)`]);
  });

  it('measures shared subtrees at every place they appear', () => {
    const { root } = loadYaml('a: &a [1, 2, 3]\nb: [*a, *a]\n');
    // map(1) + a(1 + 4) + b(1 + seq(1 + 3 + 1 + 3))... counted per entry key too
    expect(expandedSize(root!)).toBe(1 + (1 + 4) + (1 + 1 + 4 + 4));
    expect(YAML_LIMITS.maxExpandedNodes).toBe(1_000_000);
  });

  it('resolves each alias to the closest anchor of its name before it, in one pass', () => {
    const { root, problems } = loadYaml('a: &x 1\nb: *x\nc: &x 2\nd: *x\ne: *nope\n');
    expect(root!.kind === 'map' && root!.entries.map((e) => [e.key, e.value.kind === 'scalar' ? e.value.value : e.value.kind])).toEqual([
      ['a', 1], ['b', 1], ['c', 2], ['d', 2], ['e', null],
    ]);
    expect(problems.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringContaining('nope')]));
    // Many aliases: the yaml package's Alias.resolve rescans the whole document for each one.
    const many = loadYaml(`a: &a 1\nb: [${Array(50_000).fill('*a').join(', ')}]\n`);
    expect(many.problems).toEqual([]);
    expect(many.root!.kind === 'map' && many.root!.entries[1]!.value.kind === 'seq' && many.root!.entries[1]!.value.items.length).toBe(50_000);
  });

  it('keeps ordinary anchors, aliases and merge keys working', () => {
    const dag = onlyDag(yaml`
      d:
        default_args: &defaults {owner: team, retries: 2, start_date: 2024-01-01}
        tasks:
          a: &bash {operator: airflow.operators.bash.BashOperator, bash_command: echo a}
          b:
            <<: *bash
            bash_command: echo b
            dependencies: [a]
    `);
    expect(task(dag, 'b')).toMatchObject({ operator: 'BashOperator', upstream_task_ids: ['a'], retries: 2 });
  });
});

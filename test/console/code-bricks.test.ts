/**
 * Every code brick of the console's DAG editor, inserted into a new DAG file the way the editor
 * inserts it, gives a file the DAG front-end reads without errors (the same check the editor's live
 * validation and the upload run).
 */
import { loadDagFile } from '../../shared/frontends/index.js';
import { CODE_BRICKS, addImports, placeBrick, pythonStarter, renderBrick, yamlStarter } from '../../web/src/lib/code-bricks.js';

const now = new Date('2024-06-01T00:00:00Z');
const errorsOf = (source: string, file = 'bricks.py') => loadDagFile(source, { file, now }).diagnostics.filter((d) => d.severity === 'error');

describe('code bricks', () => {
  it('starters load as DAGs', () => {
    expect(loadDagFile(pythonStarter('new_dag'), { file: 'new_dag.py', now }).dags.map((d) => d.dag_id)).toEqual(['new_dag']);
    expect(loadDagFile(yamlStarter('new_yaml'), { file: 'new_yaml.yaml', now }).dags.map((d) => d.dag_id)).toEqual(['new_yaml']);
  });

  it.each(CODE_BRICKS.map((b) => [b.id, b] as const))('%s inserted inside `with DAG(...)` gives a valid DAG with the new task', (_id, brick) => {
    const starter = pythonStarter('bricks');
    const offset = starter.indexOf('    extract >> load');
    const { source } = placeBrick(starter, offset, renderBrick(brick, {}), brick.imports);
    expect(errorsOf(source)).toEqual([]);
    const dag = loadDagFile(source, { file: 'bricks.py', now }).dags[0]!;
    expect(dag.tasks.length).toBeGreaterThan(2);
  });

  it('fills parameters, indents to the surrounding block and adds each import once', () => {
    const brick = CODE_BRICKS.find((b) => b.id === 'bash')!;
    const code = renderBrick(brick, { task_id: 'hello', command: 'echo hi' });
    expect(code).toContain("task_id='hello'");
    const starter = 'from airflow import DAG\nwith DAG("d") as dag:\n    a = 1\n\n';
    const { source, cursor } = placeBrick(starter, starter.indexOf('\n\n') + 1, code, brick.imports);
    expect(source).toBe('from airflow import DAG\nfrom airflow.operators.bash import BashOperator\nwith DAG("d") as dag:\n    a = 1\n    hello = BashOperator(\n        task_id=\'hello\',\n        bash_command=\'echo hi\',\n    )\n');
    expect(source.slice(0, cursor).endsWith('    )')).toBe(true);
    expect(addImports(source, brick.imports)).toBe(source);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateDag } from '../../validation/validate.js';
import { edges, parse, task } from './test-helpers.js';

const DAGS_FOLDER = path.join(__dirname, '../../../examples/dags');

describe('examples/dags/yaml_example.yaml', () => {
  const result = parse(readFileSync(path.join(DAGS_FOLDER, 'yaml_example.yaml'), 'utf8'), 'yaml_example.yaml');

  it('parses and validates without any diagnostic', () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.dags.map((d) => d.dag_id)).toEqual(['yaml_example_etl']);
    expect(validateDag(result.dags[0]!)).toEqual([]);
  });

  it('is a daily, non-catching-up DAG starting in 2024', () => {
    const dag = result.dags[0]!;
    expect(dag).toMatchObject({
      schedule: { type: 'cron', cron: '0 0 * * *', preset: '@daily' },
      catchup: false,
      start_date: '2024-01-01T00:00:00+00:00',
      max_active_runs: 1,
      dagrun_timeout_seconds: 7200,
      owner: 'data-platform',
    });
    expect(dag.task_groups.map((g) => g.group_id)).toEqual(['extract', 'transform']);
  });

  it('only uses operators skydag executes', () => {
    const kinds = new Set(result.dags[0]!.tasks.map((t) => t.operator_kind));
    expect([...kinds].sort()).toEqual(['bash', 'empty', 'file_sensor', 'python', 'time_delta_sensor']);
  });

  it('has the intended graph, with the none_failed join at the end', () => {
    const dag = result.dags[0]!;
    expect(edges(dag)).toEqual([
      ['archive_raw', 'end'],
      ['extract.customers', 'transform.clean_customers'],
      ['extract.customers', 'transform.clean_orders'],
      ['extract.orders', 'transform.clean_customers'],
      ['extract.orders', 'transform.clean_orders'],
      ['load', 'archive_raw'],
      ['load', 'quality_check'],
      ['quality_check', 'end'],
      ['settle_window', 'extract.customers'],
      ['start', 'settle_window'],
      ['start', 'wait_for_orders'],
      ['transform.clean_customers', 'transform.join'],
      ['transform.clean_orders', 'transform.join'],
      ['transform.join', 'load'],
      ['wait_for_orders', 'extract.orders'],
    ]);
    expect(task(dag, 'end').trigger_rule).toBe('none_failed');
    expect(task(dag, 'settle_window').args.delta).toEqual({ $type: 'timedelta', seconds: 900 });
    expect(task(dag, 'wait_for_orders').sensor).toMatchObject({ mode: 'reschedule', poke_interval_seconds: 30, timeout_seconds: 3600 });
  });

  it('points its Python tasks at functions defined in the sibling callables file', () => {
    const source = readFileSync(path.join(DAGS_FOLDER, 'yaml_callables.py'), 'utf8');
    for (const t of result.dags[0]!.tasks.filter((x) => x.operator_kind === 'python')) {
      const ref = t.args.python_callable as { name: string; file: string };
      expect(ref.file).toBe('yaml_callables.py');
      expect(existsSync(path.join(DAGS_FOLDER, ref.file))).toBe(true);
      expect(source).toMatch(new RegExp(`^def ${ref.name}\\(`, 'm'));
    }
  });
});

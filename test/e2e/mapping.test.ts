/**
 * Dynamic task mapping end to end (test/fixtures/e2e/mapping.py): mapped tasks compile to a Map state
 * whose indexes run as task instances of their own (map_index ≥ 0, each with its tries, log and XCom),
 * and a downstream task receives the mapped output as a list in map_index order.
 */
import type { TaskInstanceRecord } from '../../shared/model/records.js';
import { runDag, statesAndTries, useE2eRuntime } from './support.js';

const e2e = useE2eRuntime();

async function indexes(run: { dag_id: string; run_id: string }, taskId: string): Promise<[number, string | null, number][]> {
  const tis: TaskInstanceRecord[] = await e2e.runtime.store.listMappedTaskInstances(run.dag_id, run.run_id, taskId);
  return tis.map((ti) => [ti.map_index, ti.state, ti.try_number]);
}

async function indexXComs(run: { dag_id: string; run_id: string }, taskId: string): Promise<unknown[]> {
  const xs = (await e2e.runtime.store.listXComs(run.dag_id, run.run_id, taskId)).filter((x) => x.key === 'return_value');
  return xs.sort((a, b) => a.map_index - b.map_index).map((x) => [x.map_index, x.value]);
}

describe('dynamic task mapping', () => {
  it('maps add_one over [1, 2, 3] and reduces the mapped output downstream', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_mapping_minimal');
    expect(run.state).toBe('success');
    expect(statesAndTries(tasks)).toEqual({ add_one: ['success', 1], sum_it: ['success', 1] });
    expect(await indexes(run, 'add_one')).toEqual([[0, 'success', 1], [1, 'success', 1], [2, 'success', 1]]);
    expect(await indexXComs(run, 'add_one')).toEqual([[0, 2], [1, 3], [2, 4]]);
    expect(tasks.sum_it!.xcom.return_value).toBe(9);
    // Each index has its own log, under map_index=<n>/ (Airflow's layout).
    const log = (await e2e.runtime.logs.read(run.dag_id, run.run_id, 'add_one', 1, 1)) ?? '';
    expect(log).toContain('map_index=1');
    expect((await e2e.runtime.logs.read(run.dag_id, run.run_id, 'sum_it', 1)) ?? '').toContain('values [2, 3, 4]');
  });

  it('maps over upstream XComs, dicts, cross products, expand_kwargs and a classic operator', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_mapping_inputs', { logicalDate: new Date('2024-03-05T00:00:00Z') });
    expect(run.state).toBe('success');
    expect(tasks.collect!.xcom.return_value).toEqual({
      scaled: [10, 20],
      pairs: ['1x', '1y', '2x', '2y'],
      entries: ['k1=v1', 'k2=v2'],
      greetings: ['hello ann', 'hi bob'],
    });
    expect(await indexXComs(run, 'echo')).toEqual([[0, 'a-2024-03-05'], [1, 'b']]);
    const echo = await e2e.runtime.store.getMappedTaskInstance(run.dag_id, run.run_id, 'echo', 0);
    expect(echo?.rendered_fields).toMatchObject({ bash_command: 'echo a-2024-03-05' });
  });

  it('skips a task mapped over an empty list, and its all_success downstream task', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_mapping_empty');
    expect(run.state).toBe('success');
    expect(statesAndTries(tasks)).toMatchObject({ nothing: ['success', 1], use: ['skipped', 1], after: ['skipped', 0] });
    expect(await indexes(run, 'use')).toEqual([]);
  });

  it('retries and fails one index while the others succeed; the downstream task sees the failure', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_mapping_failure');
    expect(run.state).toBe('failed');
    expect(await indexes(run, 'check')).toEqual([[0, 'success', 1], [1, 'failed', 2], [2, 'success', 1]]);
    expect(statesAndTries(tasks)).toMatchObject({ check: ['failed', 1], total: ['upstream_failed', 0], report: ['success', 1] });
    expect((await e2e.runtime.logs.read(run.dag_id, run.run_id, 'check', 2, 1)) ?? '').toContain('two is bad');
  });

  it('maps over XComArg.map() (functions run in the task) and XComArg.zip() (shortest, or longest with a fill value)', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_mapping_transforms');
    // One .map() item raised AirflowSkipException: that index is skipped, the others ran.
    expect(await indexes(run, 'upper')).toEqual([[0, 'success', 1], [1, 'skipped', 1], [2, 'success', 1]]);
    expect(await indexXComs(run, 'upper')).toEqual([[0, 'A.CSV!'], [2, 'C.CSV!']]);
    expect(await indexXComs(run, 'copy')).toEqual([[0, 'a.csv->out/a.csv'], [1, 'skip.txt->out/skip.txt'], [2, 'c.csv->out/c.csv']]);
    expect(await indexXComs(run, 'echo')).toEqual([[0, 'size 10#0'], [1, 'size 20#1']]);
    expect(await indexXComs(run, 'zipped')).toEqual([[0, ['a.csv', 10]], [1, ['skip.txt', 20]]]);
    expect(await indexXComs(run, 'filled')).toEqual([[0, ['a.csv', 10]], [1, ['skip.txt', 20]], [2, ['c.csv', 0]]]);
    expect(tasks.collect!.xcom.return_value).toEqual({
      upper: ['A.CSV!', 'C.CSV!'],
      copies: ['a.csv->out/a.csv', 'skip.txt->out/skip.txt', 'c.csv->out/c.csv'],
      echoed: ['size 10#0', 'size 20#1'],
      zipped: [['a.csv', 10], ['skip.txt', 20]],
      filled: [['a.csv', 10], ['skip.txt', 20], ['c.csv', 0]],
    });
    expect(run.state).toBe('success');
  });

  it('maps over XComArg.concat(): inputs one after the other (a dict gives its keys), with .map() before or after', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_mapping_concat');
    expect(await indexXComs(run, 'joined')).toEqual([[0, 'a.csv'], [1, 'b.csv'], [2, 10], [3, 20], [4, 'k1'], [5, 'k2']]);
    expect(await indexes(run, 'mixed')).toEqual([[0, 'success', 1], [1, 'success', 1], [2, 'success', 1], [3, 'success', 1]]);
    expect(tasks.collect!.xcom.return_value).toEqual({
      joined: ['a.csv', 'b.csv', 10, 20, 'k1', 'k2'],
      mixed: [20, 40, 10, 20],
      tagged: ['<a.csv>', '<b.csv>', '<10>', '<20>'],
    });
    expect(run.state).toBe('success');
  });

  it('renders map_index_template after each try as rendered_map_index, from variables the task added to its context, after a failure too', async () => {
    const { run } = await runDag(e2e.runtime, 'e2e_mapping_named');
    const named = async (taskId: string) => (await e2e.runtime.store.listMappedTaskInstances(run.dag_id, run.run_id, taskId)).map((ti) => [ti.map_index, ti.state, ti.rendered_map_index]);
    expect(await named('process')).toEqual([[0, 'success', 'item-a'], [1, 'success', 'item-b']]);
    const ds = run.logical_date.slice(0, 10);
    expect(await named('say')).toEqual([[0, 'success', `0 on ${ds}`], [1, 'failed', `1 on ${ds}`]]);
    expect(run.state).toBe('failed');
  });
});

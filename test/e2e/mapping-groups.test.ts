/**
 * Mapped task groups end to end (test/fixtures/e2e/mapping_groups.py), as Airflow 2.10 runs them:
 * every task of a `@task_group` function expanded with `.partial()/.expand()/.expand_kwargs()` has the
 * group's map indexes; index i of a task reads index i of the group's other tasks (their XComArgs
 * and, for its trigger rule, their states); a task outside the group gets every index's value.
 */
import { runDag, statesAndTries, useE2eRuntime } from './support.js';

const e2e = useE2eRuntime();

type Run = { dag_id: string; run_id: string };

async function indexStates(run: Run, taskId: string): Promise<[number, string | null][]> {
  return (await e2e.runtime.store.listMappedTaskInstances(run.dag_id, run.run_id, taskId)).map((ti) => [ti.map_index, ti.state]);
}

async function indexXComs(run: Run, taskId: string): Promise<[number, unknown][]> {
  const xs = (await e2e.runtime.store.listXComs(run.dag_id, run.run_id, taskId)).filter((x) => x.key === 'return_value' && x.map_index >= 0);
  return xs.sort((a, b) => a.map_index - b.map_index).map((x) => [x.map_index, x.value]);
}

describe('mapped task groups', () => {
  it('maps every task of the group over an upstream XCom; index i reads index i; trigger rules per index', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_mapped_group');
    expect(run.state).toBe('failed');
    // add_one(2) raised: that index failed, so scale's index 1 is upstream_failed; the others ran.
    expect(await indexStates(run, 'process.add_one')).toEqual([[0, 'success'], [1, 'failed'], [2, 'success']]);
    expect(await indexXComs(run, 'process.add_one')).toEqual([[0, 2], [2, 4]]);
    expect(await indexStates(run, 'process.scale')).toEqual([[0, 'success'], [1, 'upstream_failed'], [2, 'success']]);
    // partial(factor=10) is fixed for every index; add_one's output is the same index's.
    expect(await indexXComs(run, 'process.scale')).toEqual([[0, 20], [2, 40]]);
    // all_done runs every index, the failed one's input is None (Airflow's XComArg of a task that pushed nothing).
    expect(await indexXComs(run, 'process.report')).toEqual([[0, 'index 0 got 20'], [1, 'index 1 got None'], [2, 'index 2 got 40']]);
    // one_failed runs only where add_one failed.
    expect(await indexStates(run, 'process.alarm')).toEqual([[0, 'skipped'], [1, 'success'], [2, 'skipped']]);
    expect(await indexXComs(run, 'process.alarm')).toEqual([[1, 'alarm for 2']]);
    // A custom operator's templated field given the MappedArgument gets the index's value.
    expect(await indexXComs(run, 'process.greet')).toEqual([[0, 'hello 1 #0'], [1, 'hello 2 #1'], [2, 'hello 3 #2']]);
    const greet = await e2e.runtime.store.getMappedTaskInstance(run.dag_id, run.run_id, 'process.greet', 2);
    expect(greet?.rendered_fields).toMatchObject({ name: 3 });
    expect(statesAndTries(tasks)).toMatchObject({
      make_list: ['success', 1],
      'process.add_one': ['failed', 1],
      'process.scale': ['upstream_failed', 1],
      'process.report': ['success', 1],
      total: ['upstream_failed', 0],
    });
    // Each index has its own log.
    expect((await e2e.runtime.logs.read(run.dag_id, run.run_id, 'process.add_one', 1, 1)) ?? '').toContain('two is bad');
  });

  it('expand_kwargs() gives each index a dict of the parameters (defaults are not used), to classic and TaskFlow tasks', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_mapped_group_kwargs');
    expect(run.state).toBe('success');
    expect(await indexXComs(run, 'per_file.echo')).toEqual([[0, 'a.csv'], [1, 'b.csv']]);
    expect(await indexXComs(run, 'per_file.describe')).toEqual([[0, 'echo a.csv:rb'], [1, 'echo b.csv:w']]);
    const echo = await e2e.runtime.store.getMappedTaskInstance(run.dag_id, run.run_id, 'per_file.echo', 1);
    expect(echo?.rendered_fields).toMatchObject({ bash_command: 'echo b.csv' });
    expect(statesAndTries(tasks)).toMatchObject({ collect: ['success', 1] });
  });

  it('a group mapped over an empty list skips its tasks', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_mapped_group_empty');
    expect(run.state).toBe('success');
    expect(statesAndTries(tasks)).toMatchObject({ nothing: ['success', 1], 'grp.use': ['skipped', 1], after: ['success', 1] });
    expect(await indexStates(run, 'grp.use')).toEqual([]);
  });

  it('maps the group over an XComArg transformed by .map(): every task reads the function\'s item', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_mapped_group_map_fn');
    expect(statesAndTries(tasks)).toMatchObject({ numbers: ['success', 1], 'each.double': ['success', 1], 'each.label': ['success', 1] });
    expect(run.state).toBe('success');
    expect(await indexXComs(run, 'each.double')).toEqual([[0, 22], [1, 24], [2, 26]]);
    expect(await indexXComs(run, 'each.label')).toEqual([[0, '0:22 from 11'], [1, '1:24 from 12'], [2, '2:26 from 13']]);
  });

  it("maps the group with expand_kwargs() over dicts made by .map(): each task reads its index's keys, a missing one fails that index", async () => {
    const { run } = await runDag(e2e.runtime, 'e2e_mapped_group_kwargs_map_fn');
    expect(await indexXComs(run, 'pair.add')).toEqual([[0, 11], [1, 22]]);
    expect(await indexXComs(run, 'pair.scale')).toEqual([[0, 22], [1, 44]]);
    expect(await indexStates(run, 'pair.add')).toEqual([[0, 'success'], [1, 'success'], [2, 'failed']]);
    expect(await indexStates(run, 'pair.scale')).toEqual([[0, 'success'], [1, 'success'], [2, 'upstream_failed']]);
    expect(await e2e.runtime.logs.read(run.dag_id, run.run_id, 'pair.add', 1, 2)).toMatch(/KeyError: 'y'/);
    expect(run.state).toBe('failed');
  });
});

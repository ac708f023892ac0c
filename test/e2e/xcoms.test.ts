/**
 * XCom passing end to end (test/fixtures/e2e/xcoms.py): TaskFlow with multiple_outputs and
 * dict/list values, TaskFlow consuming a classic operator's `.output`, a task returning None, and
 * classic ti.xcom_push / ti.xcom_pull (by key, a list of task ids, missing keys, do_xcom_push=False).
 */
import { runDag, scan, statesAndTries, tryLog, useE2eRuntime } from './support.js';

const DATE = new Date('2024-03-05T00:00:00Z');

const e2e = useE2eRuntime();

describe('TaskFlow (e2e_taskflow)', () => {
  it('wires the edges from the calls', () => {
    const dag = scan().dags.get('e2e_taskflow')!.dag;
    const upstream = Object.fromEntries(dag.tasks.map((t) => [t.task_id, [...t.upstream_task_ids].sort()]));
    expect(upstream).toEqual({ extract: [], transform: ['extract'], load: ['emit', 'extract', 'transform'], nothing: ['load'], emit: [] });
  });

  it('passes values between tasks, pushing every key of multiple_outputs plus return_value', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_taskflow', { logicalDate: DATE });
    expect(run.state).toBe('success');
    expect(statesAndTries(tasks)).toEqual({ extract: ['success', 1], transform: ['success', 1], load: ['success', 1], nothing: ['success', 1], emit: ['success', 1] });
    const meta = { source: 'e2e', n: 3 };
    expect(tasks.extract!.xcom).toEqual({ rows: [1, 2, 3], meta, return_value: { rows: [1, 2, 3], meta } });
    expect(tasks.transform!.xcom).toEqual({ return_value: [10, 20, 30, 3] });
    expect(tasks.emit!.xcom).toEqual({ return_value: 'label-from-bash' });
    expect(tasks.load!.xcom).toEqual({ return_value: { total: 63, source: 'e2e', label: 'label-from-bash' } });
    expect(tasks.nothing!.xcom).toEqual({}); // None is not pushed
    expect(await tryLog(e2e.runtime, run, 'nothing', 1)).toContain('got {');
  });
});

describe('classic xcom_push / xcom_pull (e2e_xcom_classic)', () => {
  it('pushes by key, pulls single values, lists of task ids and missing values as None', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_xcom_classic', { logicalDate: DATE });
    expect(run.state).toBe('success');
    expect(statesAndTries(tasks)).toEqual({ push: ['success', 1], bash_push: ['success', 1], silent: ['success', 1], push_keyed: ['success', 1], pull: ['success', 1], pull_template: ['success', 1] });
    const cfg = { a: [1, 2], b: null, c: 1.5, d: true };
    expect(tasks.push!.xcom).toEqual({ model_id: 'm-42', cfg, return_value: 'pushed' });
    expect(tasks.bash_push!.xcom).toEqual({ return_value: '{"k": 1}' }); // the last line, as a string
    expect(tasks.silent!.xcom).toEqual({}); // do_xcom_push=False
    expect(tasks.pull!.xcom).toEqual({
      return_value: { any_key: [1, 2, 3], model_id: 'm-42', cfg, ret: 'pushed', many: ['pushed', '{"k": 1}'], missing: null, silent: null },
    });
    expect(tasks.pull_template!.xcom).toEqual({ return_value: '[1, 2, 3]' }); // key=None in a template too
  });
});

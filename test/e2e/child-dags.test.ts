/**
 * DAGs running DAGs end to end (test/fixtures/e2e/child_dags.py): Couture's DagOperator and
 * SkippableDagOperator, and TriggerDagRunOperator with and without wait_for_completion. The child
 * runs are real runs of e2e_child's own state machine, linked to the parent task.
 */
import type { DagRunRecord } from '../../shared/model/records.js';
import { pythonIsoFormat } from '../../shared/runtime/intervals.js';
import { runDag, statesAndTries, summarizeRun, tryLog, useE2eRuntime } from './support.js';

const DATE = new Date('2024-03-05T00:00:00Z');
const PARENT_RUN = 'manual__2024-03-05T00:00:00+00:00';

const e2e = useE2eRuntime();

async function childRuns(): Promise<Map<string, DagRunRecord>> {
  return new Map((await e2e.runtime.store.listDagRuns('e2e_child', {})).map((r) => [r.run_id, r]));
}

describe('master DAG (e2e_master)', () => {
  let parentRunId: string;
  let tasks: Awaited<ReturnType<typeof runDag>>['tasks'];
  let children: Map<string, DagRunRecord>;

  beforeAll(async () => {
    const result = await runDag(e2e.runtime, 'e2e_master', { logicalDate: DATE, conf: { b: 'parent', c: 'parent', e: 'parent' } });
    await e2e.runtime.engine.drain(); // the run triggered without waiting
    parentRunId = result.run.run_id;
    tasks = result.tasks;
    children = await childRuns();
    expect(result.run.state).toBe('success');
  }, 30_000);

  it('ends every task successfully, once', () => {
    expect(statesAndTries(tasks)).toEqual({
      run_child: ['success', 1],
      skip_true: ['success', 1],
      skip_templated: ['success', 1],
      no_trigger: ['success', 1],
      trig_wait: ['success', 1],
      trig_nowait: ['success', 1],
      done: ['success', 1],
    });
    expect(tasks.done!.xcom).toEqual({ return_value: 'all children handled' });
  });

  it('DagOperator runs the child at the parent logical date with conf payload < parent conf < dag_run_conf', async () => {
    const runId = `backfill_rundag_2024-03-05T00:00:00+00:00__e2e_master.run_child`;
    const child = children.get(runId)!;
    expect(child).toMatchObject({
      state: 'success',
      logical_date: DATE.toISOString(),
      run_type: 'manual',
      conf: { a: 'payload', b: 'parent', c: 'task', d: 'task-2024-03-05', e: 'parent', origin: 'master-params' },
      parent: { dag_id: 'e2e_master', run_id: PARENT_RUN, task_id: 'run_child' },
    });
    const childTasks = await summarizeRun(e2e.runtime, child);
    expect(childTasks).toEqual({
      show: { state: 'success', try: 1, xcom: { return_value: child.conf } },
      maybe_fail: { state: 'success', try: 1, xcom: { return_value: 'fine' } },
    });
    const ti = await e2e.runtime.store.getTaskInstance('e2e_master', parentRunId, 'run_child');
    expect(ti?.child_runs).toEqual([{ dag_id: 'e2e_child', run_id: runId }]);
    expect(tasks.run_child!.xcom).toEqual({});
  });

  it('SkippableDagOperator(skip_dag=True) and a callable returning None start no child run', async () => {
    expect(await tryLog(e2e.runtime, { dag_id: 'e2e_master', run_id: parentRunId }, 'skip_true', 1)).toContain('skip_dag is set');
    expect(await tryLog(e2e.runtime, { dag_id: 'e2e_master', run_id: parentRunId }, 'no_trigger', 1)).toContain('python_callable returned None');
    for (const id of ['skip_true', 'no_trigger']) {
      expect((await e2e.runtime.store.getTaskInstance('e2e_master', parentRunId, id))?.child_runs ?? []).toEqual([]);
      expect([...children.values()].filter((r) => r.parent?.task_id === id)).toEqual([]);
    }
  });

  it('a templated skip_dag rendering "False" runs the child', () => {
    const child = children.get('backfill_rundag_2024-03-05T00:00:00+00:00__e2e_master.skip_templated');
    expect(child).toMatchObject({ state: 'success', conf: { b: 'parent', c: 'parent', e: 'parent' }, parent: { task_id: 'skip_templated' } });
  });

  it('TriggerDagRunOperator with wait_for_completion runs the child with its run id and templated conf, and pushes the run id', () => {
    const child = children.get('trig_wait_20240305')!;
    expect(child).toMatchObject({ state: 'success', conf: { msg: 'hello 2024-03-05' }, parent: { dag_id: 'e2e_master', run_id: PARENT_RUN, task_id: 'trig_wait' } });
    expect(tasks.trig_wait!.xcom).toEqual({ trigger_run_id: 'trig_wait_20240305', trigger_execution_date_iso: pythonIsoFormat(child.logical_date) });
  });

  it('TriggerDagRunOperator without waiting starts a manual__<now> run that completes on its own', () => {
    const triggered = [...children.values()].filter((r) => r.parent?.task_id === 'trig_nowait');
    expect(triggered).toHaveLength(1);
    const [child] = triggered;
    expect(child).toMatchObject({ state: 'success', run_type: 'manual', conf: { msg: 'fire and forget' } });
    expect(child!.run_id).toBe(`manual__${pythonIsoFormat(child!.logical_date)}`); // the trigger time (Python's isoformat)
    expect(tasks.trig_nowait!.xcom).toEqual({ trigger_run_id: child!.run_id, trigger_execution_date_iso: child!.run_id.slice('manual__'.length) });
  });
});

describe('failing children (e2e_master_failures)', () => {
  it('a failed child run fails the DagOperator task and the waiting TriggerDagRunOperator', async () => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_master_failures', { logicalDate: DATE });
    expect(statesAndTries(tasks)).toEqual({ run_failing_child: ['failed', 1], trig_wait_fail: ['failed', 1], after_child: ['upstream_failed', 0] });
    expect(run.state).toBe('failed');
    const children = await childRuns();
    const dagOperatorChild = children.get('backfill_rundag_2024-03-05T00:00:00+00:00__e2e_master_failures.run_failing_child')!;
    expect(dagOperatorChild).toMatchObject({ state: 'failed', conf: { fail: true }, parent: { dag_id: 'e2e_master_failures', task_id: 'run_failing_child' } });
    expect(await summarizeRun(e2e.runtime, dagOperatorChild)).toEqual({
      show: { state: 'success', try: 1, xcom: { return_value: { fail: true } } },
      maybe_fail: { state: 'failed', try: 1, xcom: {} },
    });
    expect(children.get('trig_fail_20240305')).toMatchObject({ state: 'failed', parent: { task_id: 'trig_wait_fail' } });
    expect(tasks.trig_wait_fail!.xcom).toMatchObject({ trigger_run_id: 'trig_fail_20240305' });
  }, 30_000);
});

describe('parallel triggers of one DAG (e2e_trigger_fanout)', () => {
  it('gives each trigger its own child run (no DagRunAlreadyExists within one millisecond)', async () => {
    const before = new Set((await childRuns()).keys());
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_trigger_fanout', { logicalDate: DATE });
    await e2e.runtime.engine.drain();
    expect(statesAndTries(tasks)).toEqual({ trigger_1: ['success', 1], trigger_2: ['success', 1], trigger_3: ['success', 1], trigger_4: ['success', 1] });
    expect(run.state).toBe('success');
    const created = [...(await childRuns()).values()].filter((r) => !before.has(r.run_id));
    expect(created.map((r) => (r.conf as { i: number }).i).sort()).toEqual([1, 2, 3, 4]);
    expect(new Set(created.map((r) => r.run_id)).size).toBe(4);
    expect(created.every((r) => r.state === 'success')).toBe(true);
    for (const id of ['trigger_1', 'trigger_2', 'trigger_3', 'trigger_4']) {
      const child = created.find((r) => r.parent?.task_id === id)!;
      expect(tasks[id]!.xcom).toEqual({ trigger_run_id: child.run_id, trigger_execution_date_iso: child.run_id.slice('manual__'.length) });
    }
  }, 30_000);
});

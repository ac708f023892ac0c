/**
 * A try that made several child runs and failed part-way (a CoutureLoopableBatchOperator whose batch
 * failed: the Map over its runs starts no later one) closes the runs it never started, as the fail
 * handler runs it in the cloud: failed with a note, their tasks skipped; started runs are left alone.
 */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { handlerHarness } from '../test-support/handler-harness.js';
import { fail } from './fail.js';
import { launchDagRun } from './launch.js';
import { prepare } from './prepare.js';

const batches = makeTask('per_batch', { operator: 'CoutureLoopableBatchOperator', operator_kind: 'couture_loopable_batch', args: { run_dag_id: 'child' } });
const child = makeDag('child', [makeTask('check', { operator: 'PythonOperator', operator_kind: 'python' }), makeTask('after', { operator: 'PythonOperator', operator_kind: 'python' })], [['check', 'after']]);

it('fail closes the child runs of its try that never started, once, and leaves the others as they are', async () => {
  const h = await handlerHarness(makeDag('loop_parent', [batches]));
  h.runtime.register(child);
  await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'per_batch', token: 't' });
  const parent = { dag_id: h.ref.dag_id, run_id: h.ref.run_id, task_id: 'per_batch', try_number: 1 };
  const launch = (n: number) => launchDagRun(h.deps.store, child, { runType: 'manual', runId: `rundag__batch${n}`, logicalDate: new Date(Date.UTC(2024, 0, 2, 0, 0, n)), conf: { batch_index: n }, dagVersion: null, parent, now: new Date() });
  const [done, failed, never] = [await launch(0), await launch(1), await launch(2)];
  await h.deps.store.updateTaskInstance('child', done.run_id, 'check', { state: 'success' });
  await h.deps.store.updateTaskInstance('child', done.run_id, 'after', { state: 'success' });
  await h.deps.store.updateDagRun('child', done.run_id, { state: 'success' });
  await h.deps.store.updateTaskInstance('child', failed.run_id, 'check', { state: 'failed' });
  await h.deps.store.updateTaskInstance('child', failed.run_id, 'after', { state: 'upstream_failed' });
  await h.deps.store.updateDagRun('child', failed.run_id, { state: 'failed' });
  await h.deps.store.updateTaskInstance(h.ref.dag_id, h.ref.run_id, 'per_batch', { state: 'running', child_runs: [done, failed, never].map((r) => ({ dag_id: r.dag_id, run_id: r.run_id })) });

  const request = { action: 'fail' as const, run: h.ref, task_id: 'per_batch', try_number: 1, error: { Error: 'States.TaskFailed', Cause: 'batch 1 failed' } };
  await fail(h.deps, request);
  await fail(h.deps, request); // redelivered: nothing changes twice

  const run = async (id: string) => h.deps.store.getDagRun('child', id);
  const states = async (id: string) => (await h.deps.store.listTaskInstances('child', id)).map((t) => [t.task_id, t.state]).sort();
  expect((await run(done.run_id))?.state).toBe('success');
  expect((await run(failed.run_id))?.state).toBe('failed');
  expect((await run(failed.run_id))?.note).toBeNull();
  const closed = await run(never.run_id);
  expect(closed).toMatchObject({ state: 'failed', note: `Not run: task per_batch (try 1) of loop_parent / ${h.ref.run_id} failed before this run started` });
  expect(closed?.end_date).not.toBeNull();
  expect(await states(never.run_id)).toEqual([['after', 'skipped'], ['check', 'skipped']]);
  expect(await states(failed.run_id)).toEqual([['after', 'upstream_failed'], ['check', 'failed']]);
});

it('a child run that started meanwhile (a task of it has a state) is not closed', async () => {
  const h = await handlerHarness(makeDag('loop_parent2', [batches]));
  h.runtime.register(child);
  await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'per_batch', token: 't' });
  const started = await launchDagRun(h.deps.store, child, { runType: 'manual', runId: 'rundag__started', logicalDate: new Date('2024-01-02T00:00:00Z'), conf: {}, dagVersion: null, parent: { dag_id: h.ref.dag_id, run_id: h.ref.run_id, task_id: 'per_batch', try_number: 1 }, now: new Date() });
  await h.deps.store.updateTaskInstance('child', started.run_id, 'check', { state: 'queued' });
  await h.deps.store.updateTaskInstance(h.ref.dag_id, h.ref.run_id, 'per_batch', { state: 'running', child_runs: [{ dag_id: 'child', run_id: started.run_id }] });
  await fail(h.deps, { action: 'fail', run: h.ref, task_id: 'per_batch', try_number: 1, error: { Error: 'States.Timeout', Cause: '' } });
  expect((await h.deps.store.getDagRun('child', started.run_id))?.state).toBe('running');
});

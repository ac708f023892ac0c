/**
 * CoutureLoopableBatchOperator end to end (test/fixtures/e2e/loopable_batches.py): the task runs the
 * target DAG once per batch of the CSV's (filtered) rows, one after the other (a Map over child
 * executions), each child getting its rows as conf.metadata_df; a failed batch fails the task.
 */
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { e2eRuntime, runDag, statesAndTries, TempDirs } from './support.js';

const temp = new TempDirs();
let runtime: LocalRuntime;

beforeAll(() => {
  runtime = e2eRuntime(temp);
});
afterAll(() => {
  runtime.close();
  temp.cleanup();
});

async function batchRuns(parent: string) {
  const runs = (await runtime.store.listDagRuns('e2e_batch_child', {})).filter((r) => r.parent?.dag_id === parent);
  return Promise.all(
    runs
      .sort((a, b) => Number(a.conf.batch_index) - Number(b.conf.batch_index))
      .map(async (r) => {
        const check = await runtime.store.getTaskInstance(r.dag_id, r.run_id, 'check');
        return {
          batch: r.conf.batch_index,
          rows: (r.conf.metadata_df as { name: string }[]).map((row) => row.name),
          state: r.state,
          check: check?.state,
          started: check?.start_date ?? '',
          ended: check?.end_date ?? '',
        };
      }),
  );
}

it('runs the target DAG once per batch of the filtered rows, in order, with the rows as conf.metadata_df', async () => {
  const { run, tasks } = await runDag(runtime, 'e2e_loopable');
  expect(run.state).toBe('success');
  expect(statesAndTries(tasks)).toEqual({ per_batch: ['success', 1] });
  const batches = await batchRuns('e2e_loopable');
  expect(batches.map(({ batch, rows, state, check }) => ({ batch, rows, state, check }))).toEqual([
    { batch: 0, rows: ['a1', 'v1'], state: 'success', check: 'success' },
    { batch: 1, rows: ['a2', 'a3'], state: 'success', check: 'success' },
    { batch: 2, rows: ['a5'], state: 'success', check: 'success' },
  ]);
  // One batch at a time: each child's task starts after the previous child's task ended.
  for (let i = 1; i < batches.length; i++) expect(Date.parse(batches[i]!.started)).toBeGreaterThanOrEqual(Date.parse(batches[i - 1]!.ended));
});

it('fails the task when a batch fails', async () => {
  const { run, tasks } = await runDag(runtime, 'e2e_loopable_fails');
  expect(run.state).toBe('failed');
  expect(statesAndTries(tasks)).toEqual({ per_batch: ['failed', 1] });
  const batches = await batchRuns('e2e_loopable_fails');
  // As the original operator's loop: no batch starts after one failed. Its run (made with the others
  // when the task started) ends failed, its tasks skipped, with a note that says why.
  expect(batches.map(({ batch, rows, state, check }) => ({ batch, rows, state, check }))).toEqual([
    { batch: 0, rows: ['a1', 'a2'], state: 'success', check: 'success' },
    { batch: 1, rows: ['a3', 'a4'], state: 'failed', check: 'failed' },
    { batch: 2, rows: ['a5'], state: 'failed', check: 'skipped' },
  ]);
  const notRun = (await runtime.store.listDagRuns('e2e_batch_child', {})).find((r) => r.parent?.dag_id === 'e2e_loopable_fails' && r.conf.batch_index === 2)!;
  expect(notRun.note).toMatch(/^Not run: task per_batch \(try 1\) of e2e_loopable_fails .* failed before this run started/);
  expect(notRun.end_date).not.toBeNull();
  const check = await runtime.store.getTaskInstance(notRun.dag_id, notRun.run_id, 'check');
  expect(check?.start_date ?? null).toBeNull(); // it never ran
});

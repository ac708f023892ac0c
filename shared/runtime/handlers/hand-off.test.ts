/**
 * complete with `next_task_id`: the chain's next task is decided by its upstream task's complete and
 * its try returned (no prepare, no token), or `wait` sends it through its prepare, which decides it
 * as any task — whatever held it (a skip, a full pool, a decision taken before, a redelivery).
 */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { failingStore, handlerHarness, type HandlerHarness } from '../test-support/handler-harness.js';
import { complete } from './complete.js';
import { fail } from './fail.js';
import { prepare } from './prepare.js';

const py = (id: string, extra: Parameters<typeof makeTask>[1] = {}) => makeTask(id, { operator: 'PythonOperator', operator_kind: 'python', ...extra });

async function runFirst(h: HandlerHarness, taskId: string): Promise<void> {
  await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: taskId, token: `t-${taskId}` });
  expect(h.tokens.answersTo(`t-${taskId}`)).toEqual([{ decision: 'run', try_number: 1 }]);
  await h.deps.store.updateTaskInstance(h.ref.dag_id, h.ref.run_id, taskId, { state: 'running' });
}

const ti = (h: HandlerHarness, taskId: string) => h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, taskId);

describe('complete handing off to the next task of its chain', () => {
  it('starts the next task and returns its try', async () => {
    const h = await handlerHarness(makeDag('hand_off', [py('a'), py('b')], [['a', 'b']]));
    await runFirst(h, 'a');
    const answer = await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1, next_task_id: 'b' });
    expect(answer).toEqual({ decision: 'run', try_number: 1 });
    expect(await ti(h, 'a')).toMatchObject({ state: 'success' });
    expect(await ti(h, 'b')).toMatchObject({ state: 'queued', decision: 'run', try_number: 1, token: null });
  });

  it('answers wait when the next task must not run now; its prepare then skips it', async () => {
    const h = await handlerHarness(makeDag('hand_off_skip', [py('a'), py('b')], [['a', 'b']]));
    await runFirst(h, 'a');
    // a's code asked to be skipped (AirflowSkipException): b (all_success) is skipped, not run.
    const answer = await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1, result: { outcome: 'skipped' }, next_task_id: 'b' });
    expect(answer).toEqual({ decision: 'wait', try_number: 0 });
    expect((await ti(h, 'b'))?.decision).toBeNull();
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'b', token: 't-b' });
    expect(h.tokens.answersTo('t-b')).toEqual([{ decision: 'skip', try_number: 0 }]);
    expect(await ti(h, 'b')).toMatchObject({ state: 'skipped' });
  });

  it('answers wait when a slot holds the next task; its prepare waits for the slot and runs it once freed', async () => {
    const h = await handlerHarness(makeDag('hand_off_pool', [py('a'), py('b'), py('other')], [['a', 'b']]), { pools: { default_pool: 1 } });
    await runFirst(h, 'a'); // holds default_pool's only slot
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'other', token: 't-other' });
    expect(h.tokens.answersTo('t-other')).toEqual([]); // waits for the slot
    // a's complete frees the slot, which goes to the task waiting for it: b must wait its turn
    expect(await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1, next_task_id: 'b' })).toEqual({ decision: 'wait', try_number: 0 });
    expect(h.tokens.answersTo('t-other')).toEqual([{ decision: 'run', try_number: 1 }]);
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'b', token: 't-b' });
    expect(h.tokens.answersTo('t-b')).toEqual([]);
    await h.deps.store.updateTaskInstance(h.ref.dag_id, h.ref.run_id, 'other', { state: 'running' });
    await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'other', try_number: 1 });
    expect(h.tokens.answersTo('t-b')).toEqual([{ decision: 'run', try_number: 1 }]);
  });

  it('takes a slot of max_active_tasks for the next task, or answers wait when the slot goes to a task waiting for it', async () => {
    const h = await handlerHarness(makeDag('hand_off_limited', [py('a'), py('b'), py('c'), py('other')], [['a', 'b'], ['b', 'c']], { max_active_tasks: 1 }));
    await runFirst(h, 'a');
    expect(await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1, next_task_id: 'b' })).toEqual({ decision: 'run', try_number: 1 });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'other', token: 't-other' });
    expect(h.tokens.answersTo('t-other')).toEqual([]); // b holds the only slot
    await h.deps.store.updateTaskInstance(h.ref.dag_id, h.ref.run_id, 'b', { state: 'running' });
    expect(await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'b', try_number: 1, next_task_id: 'c' })).toEqual({ decision: 'wait', try_number: 0 });
    expect(h.tokens.answersTo('t-other')).toEqual([{ decision: 'run', try_number: 1 }]);
  });

  it('a redelivered complete whose first delivery started the next task answers wait; the prepare answers the same try', async () => {
    const h = await handlerHarness(makeDag('hand_off_twice', [py('a'), py('b')], [['a', 'b']]));
    await runFirst(h, 'a');
    // The first delivery records a's success and starts b; its answer is lost (the invocation timed out).
    expect(await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1, next_task_id: 'b' })).toEqual({ decision: 'run', try_number: 1 });
    const again = await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1, next_task_id: 'b' });
    expect(again).toEqual({ decision: 'wait', try_number: 1 });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'b', token: 't-b' });
    expect(h.tokens.answersTo('t-b')).toEqual([{ decision: 'run', try_number: 1 }]);
    expect(await ti(h, 'b')).toMatchObject({ state: 'queued', try_number: 1 });
  });

  it('a first delivery that died after recording success is finished by the redelivery, which starts the next task', async () => {
    const h = await handlerHarness(makeDag('hand_off_dying', [py('a'), py('b')], [['a', 'b']]));
    await runFirst(h, 'a');
    const dying = { ...h.deps, store: failingStore(h.deps.store, (method, args) => method === 'updateTaskInstance' && args[2] === 'b') };
    await expect(complete(dying, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1, next_task_id: 'b' })).rejects.toThrow(/injected crash/);
    expect(await ti(h, 'a')).toMatchObject({ state: 'success' });
    expect(await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1, next_task_id: 'b' })).toEqual({ decision: 'run', try_number: 1 });
  });

  it('leaves a failed upstream task to the fail path: the next task, entered at its prepare, is upstream_failed', async () => {
    const h = await handlerHarness(makeDag('hand_off_failed', [py('a'), py('b')], [['a', 'b']]));
    await runFirst(h, 'a');
    await fail(h.deps, { action: 'fail', run: h.ref, task_id: 'a', try_number: 1, error: { Error: 'Skydag.TaskFailed', Cause: 'boom' } });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'b', token: 't-b' });
    expect(h.tokens.answersTo('t-b')).toEqual([{ decision: 'skip', try_number: 0 }]);
    expect(await ti(h, 'b')).toMatchObject({ state: 'upstream_failed' });
  });
});

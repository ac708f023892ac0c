/**
 * A freed slot wakes only as many waiting tasks as there are free slots: waking every waiter made each
 * of them try the full scope and lose (a conditional write refused per waiter, per release).
 */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { handlerHarness } from '../test-support/handler-harness.js';
import { complete } from './complete.js';
import { prepare } from './prepare.js';

const py = (id: string) => makeTask(id, { operator: 'PythonOperator', operator_kind: 'python' });

it('a released max_active_tasks slot wakes one waiter, which takes it; the others are not tried', async () => {
  const waiters = Array.from({ length: 10 }, (_, i) => `w${i}`);
  const h = await handlerHarness(makeDag('wake_one', [py('a'), ...waiters.map(py)], [], { max_active_tasks: 1 }));
  await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 't-a' });
  await h.deps.store.updateTaskInstance(h.ref.dag_id, h.ref.run_id, 'a', { state: 'running' });
  for (const id of waiters) await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: id, token: `t-${id}` });
  expect(waiters.flatMap((id) => h.tokens.answersTo(`t-${id}`))).toEqual([]); // all wait for the slot

  const acquire = jest.spyOn(h.deps.store, 'acquireSlot');
  await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1 });
  const outcomes = await Promise.all(acquire.mock.results.map((r) => r.value as Promise<boolean>));
  expect(outcomes).toEqual([true]);
  expect(waiters.filter((id) => h.tokens.answersTo(`t-${id}`).length > 0)).toEqual(['w0']);
});

/**
 * Handlers delivered twice, late, or after dying half-way: they converge to the same state, answer
 * every decided token, and run side effects (alerts, callbacks, slot release) once per try.
 */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import type { CallableRef } from '../../model/schema.js';
import { failingStore, handlerHarness, type HandlerHarness } from '../test-support/handler-harness.js';
import { complete } from './complete.js';
import { fail } from './fail.js';
import { finalize } from './finalize.js';
import { prepare } from './prepare.js';
import { reconcile, START_GRACE_MS } from './reconcile.js';
import { startChild } from './child-runs.js';
import { DagRunExistsError, slotHolder } from '../../stores/metadata.js';
import type { DagRunRecord, TaskInstanceRecord } from '../../model/records.js';
import { TaskTokenGoneError } from './token-answers.js';
import type { RuntimeDeps } from './deps.js';

const callback = (name: string): CallableRef => ({ $type: 'callable', name, file: 'test.py', line: 1 });
const py = (id: string, extra: Parameters<typeof makeTask>[1] = {}) => makeTask(id, { operator: 'PythonOperator', operator_kind: 'python', ...extra });

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((done) => setTimeout(done, 5));
}

/** The deps of a process that dies at its `n`-th write marking an owed side effect taken (the writes after the claim). */
function dyingAtMark(deps: RuntimeDeps, n = 1): RuntimeDeps {
  let marks = 0;
  const isMark = (args: unknown[]) => args.some((a) => typeof a === 'object' && a !== null && 'effects_due' in a && !('state' in a));
  return { ...deps, store: failingStore(deps.store, (method, args) => method.startsWith('update') && isMark(args) && ++marks === n) };
}

async function startRunning(h: HandlerHarness, taskId: string): Promise<void> {
  await h.deps.store.updateTaskInstance(h.ref.dag_id, h.ref.run_id, taskId, { state: 'running' });
}

describe('complete delivered again', () => {
  it('decides the downstream tasks when the first delivery died after recording success', async () => {
    const h = await handlerHarness(makeDag('redeliver_complete', [py('a'), py('b'), py('c')], [['a', 'b'], ['a', 'c']]));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'b', token: 'tb' });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'c', token: 'tc' });
    expect(h.tokens.answersTo('ta')).toEqual([{ decision: 'run', try_number: 1 }]);
    await startRunning(h, 'a');
    // The first delivery records a's success, then dies before deciding b and c.
    const dying = { ...h.deps, store: failingStore(h.deps.store, (method, args) => method === 'updateTaskInstance' && args[2] !== 'a') };
    await expect(complete(dying, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1 })).rejects.toThrow(/injected crash/);
    expect((await h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'a'))?.state).toBe('success');

    await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1 });
    expect(h.tokens.answersTo('tb')).toEqual([{ decision: 'run', try_number: 1 }]);
    expect(h.tokens.answersTo('tc')).toEqual([{ decision: 'run', try_number: 1 }]);
  });

  it('runs on_success_callback once when delivered twice', async () => {
    const h = await handlerHarness(makeDag('twice_complete', [py('a', { callbacks: { on_success_callback: callback('done') } }), py('b')], [['a', 'b']]));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'b', token: 'tb' });
    await startRunning(h, 'a');
    await Promise.all([complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1 }), complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1 })]);
    await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1 });
    expect(h.callbacks).toEqual(['a.on_success_callback']);
    expect(h.tokens.answersTo('tb')).toEqual([{ decision: 'run', try_number: 1 }]);
  });
});

describe('start_child delivered again', () => {
  const trigger = makeTask('trigger', { operator: 'TriggerDagRunOperator', operator_kind: 'trigger_dagrun', args: { trigger_dag_id: 'redeliver_child' } });
  const childDag = makeDag('redeliver_child', [py('hello')]);
  const request = (h: HandlerHarness) => ({ action: 'start_child' as const, run: h.ref, task_id: 'trigger', try_number: 1 });
  const childRuns = async (h: HandlerHarness) => (await h.deps.store.listDagRuns('redeliver_child')).map((r) => r.run_id);

  async function triggerHarness(name: string): Promise<HandlerHarness> {
    const h = await handlerHarness(makeDag(name, [trigger]));
    h.runtime.register(childDag);
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'trigger', token: 't' });
    return h;
  }

  it('two deliveries at once start one child run, and both answer with it', async () => {
    const h = await triggerHarness('twice_trigger');
    const [a, b] = await Promise.all([startChild(h.deps, request(h)), startChild(h.deps, request(h))]);
    expect(await childRuns(h)).toHaveLength(1);
    expect(a.runs).toEqual(b.runs);
    expect(a.runs.map((r) => r.input.run.run_id)).toEqual(await childRuns(h));
  });

  it('a twin that finds the run id held by a creation not yet written waits for it instead of starting a second run', async () => {
    const h = await triggerHarness('racing_trigger');
    // As DynamoDB's createDagRun does: the run id (its logical-date claim) is held before the run
    // record is written; a second creation of the same id meanwhile is refused as existing.
    const inner = h.deps.store;
    let creating: string | undefined;
    let release!: () => void;
    const written = new Promise<void>((done) => (release = done));
    const store = new Proxy(inner, {
      get(target, property, receiver) {
        if (property !== 'createDagRun') return Reflect.get(target, property, receiver) as unknown;
        return async (run: DagRunRecord, tis: TaskInstanceRecord[]) => {
          if (creating === run.run_id) throw new DagRunExistsError(run.dag_id, run.run_id);
          creating = run.run_id;
          await written;
          return inner.createDagRun(run, tis);
        };
      },
    });
    const deps = { ...h.deps, store, sleep: (ms: number) => new Promise<void>((done) => setTimeout(done, ms)) };
    const first = startChild(deps, request(h));
    await until(() => creating !== undefined);
    const second = startChild(deps, request(h));
    setTimeout(release, 120);
    const [a, b] = await Promise.all([first, second]);
    expect(await childRuns(h)).toHaveLength(1);
    expect(b.runs).toEqual(a.runs);
  });

  it('a delivery repeated later (its answer was lost) finds the run it started instead of starting another', async () => {
    const h = await triggerHarness('late_trigger');
    const first = await startChild(h.deps, request(h));
    await new Promise((done) => setTimeout(done, 5));
    const again = await startChild(h.deps, request(h));
    expect(again.runs).toEqual(first.runs);
    expect(await childRuns(h)).toEqual([first.runs[0]!.input.run.run_id]);
  });

  it('a delivery that died after creating the run is completed by the next one, with the same run', async () => {
    const h = await triggerHarness('dying_trigger');
    const dying = { ...h.deps, store: failingStore(h.deps.store, (method, args) => method === 'updateTaskInstance' && 'child_runs' in (args[3] as object)) };
    await expect(startChild(dying, request(h))).rejects.toThrow(/injected crash/);
    const created = await childRuns(h);
    expect(created).toHaveLength(1);
    const result = await startChild(h.deps, request(h));
    expect(result.runs.map((r) => r.input.run.run_id)).toEqual(created);
    expect(await childRuns(h)).toEqual(created);
    expect((await h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'trigger'))?.child_runs).toEqual([{ dag_id: 'redeliver_child', run_id: created[0] }]);
  });

  it('a delivery for a try that is over is refused, not run', async () => {
    const h = await triggerHarness('stale_trigger');
    await startChild(h.deps, request(h));
    await h.deps.store.updateTaskInstance(h.ref.dag_id, h.ref.run_id, 'trigger', { state: 'success' });
    await expect(startChild(h.deps, request(h))).rejects.toThrow(/arrived after that try/);
    expect(await childRuns(h)).toHaveLength(1);
  });
});

describe('token answers', () => {
  it('retries a throttled answer until it goes through', async () => {
    const h = await handlerHarness(makeDag('throttled', [py('a')]));
    h.tokens.failNext(3);
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    expect(h.tokens.answersTo('ta')).toEqual([{ decision: 'run', try_number: 1 }]);
    const ti = await h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'a');
    expect(ti).toMatchObject({ state: 'queued', decision: 'run', token: null });
  });

  it('fails the handler when every attempt fails, and its redelivery answers the decided task', async () => {
    const h = await handlerHarness(makeDag('unanswered', [py('a'), py('b')], [['a', 'b']]));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'b', token: 'tb' });
    await startRunning(h, 'a');
    h.tokens.failNext(100);
    await expect(complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1 })).rejects.toThrow(/Rate exceeded/);
    // b is decided (queued to run) but its token is still recorded: not answered yet.
    expect(await h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'b')).toMatchObject({ state: 'queued', decision: 'run', token: 'tb' });
    h.tokens.healed();
    await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1 });
    expect(h.tokens.answersTo('tb')).toEqual([{ decision: 'run', try_number: 1 }]);
    expect((await h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'b'))?.token).toBeNull();
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'] as const)('accepts %s as final (nothing waits any more)', async (reason) => {
    const h = await handlerHarness(makeDag(`gone_${reason}`, [py('a')]));
    h.tokens.failNext(1, () => new TaskTokenGoneError(reason, 'gone'));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    expect(h.tokens.answers).toEqual([]);
    expect(await h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'a')).toMatchObject({ decision: 'run', token: null });
  });
});

describe('fail delivered again', () => {
  it('alerts, runs on_retry_callback and frees the pool slot once', async () => {
    const tasks = [py('a', { retries: 1, retry_delay_seconds: 0, pool: 'p', email: ['ops@example.com'], callbacks: { on_retry_callback: callback('again') } }), py('c', { pool: 'p' })];
    const h = await handlerHarness(makeDag('twice_fail', tasks), { pools: { p: 2 } });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'c', token: 'tc' });
    await startRunning(h, 'a');
    const failure = { action: 'fail' as const, run: h.ref, task_id: 'a', try_number: 1, error: { Error: 'TaskFailedError', Cause: 'boom' } };
    const results = await Promise.all([fail(h.deps, failure), fail(h.deps, failure)]);
    results.push(await fail(h.deps, failure));
    expect(results.map((r) => r.retry)).toEqual([true, true, true]);
    expect(h.mails).toHaveLength(1);
    expect(h.callbacks).toEqual(['a.on_retry_callback']);
    // c still holds one of the pool's two slots: one is free, not two.
    expect(await h.deps.store.acquireSlot('pool:p', 2, 'x')).toBe(true);
    expect(await h.deps.store.acquireSlot('pool:p', 2, 'y')).toBe(false);
  });

  it('fails for good once: one alert, one on_failure_callback, downstream upstream_failed', async () => {
    const h = await handlerHarness(makeDag('twice_fail_final', [py('a', { email: ['ops@example.com'], callbacks: { on_failure_callback: callback('oops') } }), py('b')], [['a', 'b']]));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'b', token: 'tb' });
    await startRunning(h, 'a');
    const failure = { action: 'fail' as const, run: h.ref, task_id: 'a', try_number: 1, error: { Error: 'TaskFailedError', Cause: 'boom' } };
    await fail(h.deps, failure);
    await fail(h.deps, failure);
    expect(h.mails).toHaveLength(1);
    expect(h.callbacks).toEqual(['a.on_failure_callback']);
    expect(h.tokens.answersTo('tb')).toEqual([{ decision: 'skip', try_number: 0 }]);
    expect((await h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'b'))?.state).toBe('upstream_failed');
  });

  it.each([
    ['retries', 1, 'on_retry_callback', 'up_for_retry'],
    ['fails for good', 0, 'on_failure_callback', 'failed'],
  ] as const)('a delivery that died after its claiming write (%s) leaves the alert and callback owed; the next one sends them once', async (_, retries, callbackName, state) => {
    const h = await handlerHarness(makeDag(`dying_fail_${retries}`, [py('a', { retries, retry_delay_seconds: 0, email: ['ops@example.com'], callbacks: { [callbackName]: callback('cb') } }), py('b')], [['a', 'b']]));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'b', token: 'tb' });
    await startRunning(h, 'a');
    const failure = { action: 'fail' as const, run: h.ref, task_id: 'a', try_number: 1, error: { Error: 'TaskFailedError', Cause: 'boom' } };
    // The claim (the try's new state, its effects owed) is written; the process dies before sending them.
    await expect(fail(dyingAtMark(h.deps), failure)).rejects.toThrow(/injected crash/);
    expect((await h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'a'))?.state).toBe(state);
    expect(h.mails).toHaveLength(0);
    await fail(h.deps, failure);
    await fail(h.deps, failure);
    expect(h.mails).toHaveLength(1);
    expect(h.callbacks).toEqual([`a.${callbackName}`]);
    expect((await h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'a'))?.effects_due ?? null).toBeNull();
    expect(await h.runtime.logs.read(h.ref.dag_id, h.ref.run_id, 'a', 1)).toContain('Task failed with TaskFailedError: boom');
  });

  it('a delivery that died between two owed steps resumes at the step not sent: the alert is not sent again', async () => {
    const h = await handlerHarness(makeDag('dying_between_steps', [py('a', { email: ['ops@example.com'], callbacks: { on_failure_callback: callback('cb') } })]));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    await startRunning(h, 'a');
    const failure = { action: 'fail' as const, run: h.ref, task_id: 'a', try_number: 1, error: { Error: 'TaskFailedError', Cause: 'boom' } };
    // The alert was taken and went out; the process dies as it takes the callback.
    await expect(fail(dyingAtMark(h.deps, 2), failure)).rejects.toThrow(/injected crash/);
    expect(h.mails).toHaveLength(1);
    expect(JSON.parse((await h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'a'))!.effects_due!)).toMatchObject({ done: ['report'] });
    await fail(h.deps, failure);
    expect(h.mails).toHaveLength(1);
    expect(h.callbacks).toEqual(['a.on_failure_callback']);
  });
});

describe('complete that died after its claim', () => {
  it("records the outlets' dataset events and runs on_success_callback once, when delivered again", async () => {
    const outlets = [{ uri: 's3://bucket/out' }];
    const h = await handlerHarness(makeDag('dying_complete', [py('a', { outlets, callbacks: { on_success_callback: callback('done') } }), py('b')], [['a', 'b']]));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'b', token: 'tb' });
    await startRunning(h, 'a');
    const request = { action: 'complete' as const, run: h.ref, task_id: 'a', try_number: 1 };
    // Dies before anything the success owes: its dataset event is not recorded yet.
    await expect(complete(dyingAtMark(h.deps), request)).rejects.toThrow(/injected crash/);
    expect((await h.deps.store.listDatasetEvents()).items).toEqual([]);
    await complete(h.deps, request);
    await complete(h.deps, request);
    expect(h.tokens.answersTo('tb')).toEqual([{ decision: 'run', try_number: 1 }]);
    expect((await h.deps.store.listDatasetEvents()).items.map((e) => [e.uri, e.source_task_id])).toEqual([['s3://bucket/out', 'a']]);
    expect(h.callbacks).toEqual(['a.on_success_callback']);
  });
});

describe('finalize delivered again', () => {
  const failingDag = (name: string) => makeDag(name, [py('a')], [], { callbacks: { on_failure_callback: callback('alarm') } });
  const finalizeRequest = (h: HandlerHarness) => ({ action: 'finalize' as const, run: h.ref });
  async function failedTask(h: HandlerHarness): Promise<void> {
    await h.deps.store.updateTaskInstance(h.ref.dag_id, h.ref.run_id, 'a', { state: 'failed', try_number: 1, end_date: '2024-01-02T00:01:00.000Z' });
  }

  it('two deliveries at once record the end once and run the DAG on_failure_callback once', async () => {
    const h = await handlerHarness(failingDag('twice_finalize'));
    await failedTask(h);
    const results = await Promise.all([finalize(h.deps, finalizeRequest(h)), finalize(h.deps, finalizeRequest(h))]);
    await finalize(h.deps, finalizeRequest(h));
    expect(results).toEqual([{ state: 'failed' }, { state: 'failed' }]);
    expect(h.callbacks).toEqual(['a.dag.on_failure_callback']);
    expect((await h.deps.store.getDagRun(h.ref.dag_id, h.ref.run_id))?.effects_due ?? null).toBeNull();
  });

  it('a delivery that died between recording the end and its callback leaves it owed; the next one runs it once', async () => {
    const h = await handlerHarness(failingDag('dying_finalize'));
    await failedTask(h);
    await expect(finalize(dyingAtMark(h.deps), finalizeRequest(h))).rejects.toThrow(/injected crash/);
    expect(await h.deps.store.getDagRun(h.ref.dag_id, h.ref.run_id)).toMatchObject({ state: 'failed' });
    expect(JSON.parse((await h.deps.store.getDagRun(h.ref.dag_id, h.ref.run_id))!.effects_due!)).toMatchObject({ steps: ['callback'], callback: 'on_failure_callback' });
    expect(h.callbacks).toEqual([]);
    await finalize(h.deps, finalizeRequest(h));
    await finalize(h.deps, finalizeRequest(h));
    expect(h.callbacks).toEqual(['a.dag.on_failure_callback']);
  });

  it('a run ended by hand owes no callback to a late finalize', async () => {
    const h = await handlerHarness(failingDag('marked_finalize'));
    await h.deps.store.updateDagRun(h.ref.dag_id, h.ref.run_id, { state: 'failed' });
    expect(await finalize(h.deps, finalizeRequest(h))).toEqual({ state: 'failed' });
    expect(h.callbacks).toEqual([]);
  });
});

describe('slots held by tries', () => {
  it('a complete that died before giving back its pool slot gives it back when delivered again', async () => {
    const h = await handlerHarness(makeDag('slot_leak', [py('a', { pool: 'p' }), py('b', { pool: 'p' })], [['a', 'b']]), { pools: { p: 1 } });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'b', token: 'tb' });
    expect(await h.deps.store.listSlotHolders('pool:p')).toEqual([{ holder: 'slot_leak/manual__2024-01-02T00%3A00%3A00%2B00%3A00/a/1', slots: 1 }]);
    await startRunning(h, 'a');
    const dying = { ...h.deps, store: failingStore(h.deps.store, (method) => method === 'releaseSlot') };
    await expect(complete(dying, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1 })).rejects.toThrow(/injected crash/);
    await complete(h.deps, { action: 'complete', run: h.ref, task_id: 'a', try_number: 1 });
    expect(h.tokens.answersTo('tb')).toEqual([{ decision: 'run', try_number: 1 }]);
    expect((await h.deps.store.listSlotHolders('pool:p')).map((s) => s.holder)).toEqual(['slot_leak/manual__2024-01-02T00%3A00%3A00%2B00%3A00/b/1']);
  });

  it('finalize gives back the slots its run still holds', async () => {
    const h = await handlerHarness(makeDag('slot_final', [py('a', { pool: 'p' })]), { pools: { p: 1 } });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    expect(await h.deps.store.listSlotHolders('pool:p')).toHaveLength(1);
    await finalize(h.deps, { action: 'finalize', run: h.ref, engine_error: { error: 'States.Runtime', cause: 'the execution died' } });
    expect(await h.deps.store.listSlotHolders('pool:p')).toEqual([]);
    expect((await h.deps.store.getDagRun(h.ref.dag_id, h.ref.run_id))?.state).toBe('failed');
  });
});

describe('a control handler that kept failing (control_failed: fail with try -1)', () => {
  it('fails the task once, whatever its state, and decides its downstream tasks', async () => {
    const h = await handlerHarness(makeDag('control_failed', [py('a', { email: ['ops@example.com'] }), py('b')], [['a', 'b']]));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'b', token: 'tb' });
    const request = { action: 'fail' as const, run: h.ref, task_id: 'a', try_number: -1, error: { Error: 'Lambda.Unknown', Cause: 'prepare kept failing' } };
    expect(await fail(h.deps, request)).toEqual({ retry: false, delay_seconds: 0 });
    expect(await fail(h.deps, request)).toEqual({ retry: false, delay_seconds: 0 });
    expect(h.mails).toHaveLength(1);
    const tis = await h.deps.store.listTaskInstances(h.ref.dag_id, h.ref.run_id);
    expect(Object.fromEntries(tis.map((t) => [t.task_id, t.state]))).toEqual({ a: 'failed', b: 'upstream_failed' });
    expect(h.tokens.answersTo('tb')).toEqual([{ decision: 'skip', try_number: 0 }]);
    expect(await h.runtime.logs.read(h.ref.dag_id, h.ref.run_id, 'a', 1)).toContain("the task's control handler failed: prepare kept failing");
  });
});

describe('the reconciler', () => {
  const running = { statusOf: async () => 'RUNNING' as const };

  it('answers a decided token whose answer was lost, decides tasks a dead handler left waiting, frees slots of ended tries', async () => {
    const h = await handlerHarness(makeDag('reconcile', [py('a', { pool: 'p' }), py('b'), py('c')], [['a', 'b']]), { pools: { p: 2 } });
    h.tokens.failNext(100);
    await expect(prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' })).rejects.toThrow(/Rate exceeded/);
    h.tokens.healed();
    // c's prepare recorded its token, then died before deciding.
    const dying = { ...h.deps, store: failingStore(h.deps.store, (method, args) => method === 'getTaskInstance' && args[2] === 'c') };
    await expect(prepare(dying, { action: 'prepare', run: h.ref, task_id: 'c', token: 'tc' })).rejects.toThrow(/injected crash/);
    // A slot held by a try that ended without giving it back.
    await h.deps.store.acquireSlot('pool:p', 2, slotHolder({ ...h.ref, task_id: 'b' }, 1));
    await h.deps.store.updateTaskInstance(h.ref.dag_id, h.ref.run_id, 'b', { try_number: 1, state: 'failed' });
    const report = await reconcile(h.deps, { dagIds: [h.ref.dag_id], executions: running });
    expect(report).toMatchObject({ runs: 1, finalized: [], releasedSlots: 1, errors: [] });
    expect(h.tokens.answersTo('ta')).toEqual([{ decision: 'run', try_number: 1 }]);
    expect(h.tokens.answersTo('tc')).toEqual([{ decision: 'run', try_number: 1 }]);
    expect((await h.deps.store.listSlotHolders('pool:p')).map((s) => s.holder)).toEqual([slotHolder({ ...h.ref, task_id: 'a' }, 1)]);
    // Again: nothing more to do, nothing answered twice.
    await reconcile(h.deps, { dagIds: [h.ref.dag_id], executions: running });
    expect(h.tokens.answers).toHaveLength(2);
  });

  it("sends what a running run's tasks still owe when their sender died", async () => {
    const h = await handlerHarness(makeDag('reconcile_owed', [py('a', { retries: 1, email: ['ops@example.com'], callbacks: { on_retry_callback: callback('cb') } }), py('b')]));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    await startRunning(h, 'a');
    const failure = { action: 'fail' as const, run: h.ref, task_id: 'a', try_number: 1, error: { Error: 'TaskFailedError', Cause: 'boom' } };
    await expect(fail(dyingAtMark(h.deps), failure)).rejects.toThrow(/injected crash/);
    expect(h.mails).toHaveLength(0);
    const report = await reconcile(h.deps, { dagIds: [h.ref.dag_id], executions: running });
    expect(report).toMatchObject({ settledEffects: [`${h.ref.dag_id}/${h.ref.run_id}/a`], errors: [] });
    expect(h.mails).toHaveLength(1);
    expect(h.callbacks).toEqual(['a.on_retry_callback']);
    await reconcile(h.deps, { dagIds: [h.ref.dag_id], executions: running });
    expect(h.mails).toHaveLength(1);
  });

  it('the next try sends what the failed try still owes before it starts', async () => {
    const h = await handlerHarness(makeDag('retry_owed', [py('a', { retries: 1, retry_delay_seconds: 0, callbacks: { on_retry_callback: callback('cb') } })]));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    await startRunning(h, 'a');
    const failure = { action: 'fail' as const, run: h.ref, task_id: 'a', try_number: 1, error: { Error: 'TaskFailedError', Cause: 'boom' } };
    await expect(fail(dyingAtMark(h.deps), failure)).rejects.toThrow(/injected crash/);
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta2' });
    expect(h.tokens.answersTo('ta2')).toEqual([{ decision: 'run', try_number: 2 }]);
    expect(h.callbacks).toEqual(['a.on_retry_callback']);
    expect((await h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'a'))?.effects_due ?? null).toBeNull();
  });

  it('an ended run whose finalize died before its DAG callback is found by the reconciler, which runs it once', async () => {
    const dag = makeDag('reconcile_ended_owing', [py('a', { email: ['ops@example.com'], callbacks: { on_failure_callback: callback('cb') } })], [], { callbacks: { on_failure_callback: callback('alarm') } });
    const h = await handlerHarness(dag);
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    await startRunning(h, 'a');
    const failure = { action: 'fail' as const, run: h.ref, task_id: 'a', try_number: 1, error: { Error: 'TaskFailedError', Cause: 'boom' } };
    await expect(fail(dyingAtMark(h.deps), failure)).rejects.toThrow(/injected crash/);
    // finalize sends what a's end still owes, records the end, and dies taking the DAG callback.
    await expect(finalize(dyingAtMark(h.deps, 3), { action: 'finalize', run: h.ref })).rejects.toThrow(/injected crash/);
    expect(h.mails).toHaveLength(1);
    expect(h.callbacks).toEqual(['a.on_failure_callback']);
    expect((await h.deps.store.getDagRun(h.ref.dag_id, h.ref.run_id))?.state).toBe('failed');
    expect((await h.deps.store.listActiveDagRuns({ owingEffects: true })).map((r) => r.run_id)).toEqual([h.ref.run_id]);
    expect((await h.deps.store.listActiveDagRuns()).map((r) => r.run_id)).toEqual([]);
    const report = await reconcile(h.deps, { dagIds: [h.ref.dag_id], executions: running });
    expect(report).toMatchObject({ runs: 0, settledEffects: [`${h.ref.dag_id}/${h.ref.run_id}`], errors: [] });
    expect(h.callbacks).toEqual(['a.on_failure_callback', 'a.dag.on_failure_callback']);
    expect(await h.deps.store.listActiveDagRuns({ owingEffects: true })).toEqual([]);
    await reconcile(h.deps, { dagIds: [h.ref.dag_id], executions: running });
    expect(h.callbacks).toHaveLength(2);
  });

  it("asks a store that keeps totals for its daily repair, reporting what it mended and a failure as an error of the pass", async () => {
    const h = await handlerHarness(makeDag('reconcile_counts', [py('a')]));
    const asked: Date[] = [];
    let answer: () => Promise<string[]> = async () => ['DATASET_EVENTS: 4 -> 5'];
    const store = Object.assign(Object.create(h.deps.store) as typeof h.deps.store, { repairKeptCounts: async (now: Date) => (asked.push(now), answer()) });
    expect(await reconcile({ ...h.deps, store }, { dagIds: [], executions: running })).toMatchObject({ repairedCounts: ['DATASET_EVENTS: 4 -> 5'], errors: [] });
    answer = async () => Promise.reject(new Error('throttled'));
    expect(await reconcile({ ...h.deps, store }, { dagIds: [], executions: running })).toMatchObject({ repairedCounts: [], errors: ['repairing kept counts: throttled'] });
    expect(asked).toHaveLength(2);
  });

  it('starts a running run that has no execution well after it was started, and only then', async () => {
    const h = await handlerHarness(makeDag('reconcile_unstarted', [py('a')]));
    const started: string[] = [];
    const options = { dagIds: [h.ref.dag_id], executions: { statusOf: async () => undefined }, startRun: async (run: DagRunRecord) => void started.push(run.run_id) };
    const startedAt = Date.parse((await h.deps.store.getDagRun(h.ref.dag_id, h.ref.run_id))!.start_date!);
    // Just moved to running: its starter is about to call StartExecution.
    expect((await reconcile({ ...h.deps, clock: () => new Date(startedAt + 1000) }, options)).started).toEqual([]);
    const report = await reconcile({ ...h.deps, clock: () => new Date(startedAt + START_GRACE_MS + 1000) }, options);
    expect(report.started).toEqual([`${h.ref.dag_id}/${h.ref.run_id}`]);
    expect(started).toEqual([h.ref.run_id]);
    // An execution that exists (running) is never started again.
    const running = { ...options, executions: { statusOf: async () => 'RUNNING' as const } };
    expect((await reconcile({ ...h.deps, clock: () => new Date(startedAt + START_GRACE_MS + 1000) }, running)).started).toEqual([]);
  });

  it('finalizes a run still running after its execution ended', async () => {
    const h = await handlerHarness(makeDag('reconcile_ended', [py('a')]));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    const report = await reconcile(h.deps, { dagIds: [h.ref.dag_id], executions: { statusOf: async () => 'FAILED' } });
    expect(report.finalized).toEqual([`${h.ref.dag_id}/${h.ref.run_id}`]);
    expect((await h.deps.store.getDagRun(h.ref.dag_id, h.ref.run_id))?.state).toBe('failed');
    expect((await h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'a'))?.state).toBe('failed');
  });
});

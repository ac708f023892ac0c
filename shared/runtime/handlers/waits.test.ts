/**
 * Token waits handed between invocations (cloud sensors): a reschedule-mode sensor pokes once per
 * invocation, is up_for_reschedule with its slots given back in between, keeps its timeout from the
 * first poke, and answers its token once however often the one-shot is delivered.
 */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import type { SensorSettings } from '../../model/schema.js';
import { runSensor } from '../executors/sensors.js';
import { handlerHarness, type HandlerHarness } from '../test-support/handler-harness.js';
import type { ResumeWaitRequest } from '../protocol.js';
import { prepare } from './prepare.js';
import { reconcile } from './reconcile.js';
import { resumeWaitingTry, runTry } from './runner-entry.js';

const T0 = new Date('2024-01-02T06:00:00.000Z');

interface Box {
  h: HandlerHarness;
  scheduled: { request: ResumeWaitRequest; at: Date }[];
  pokes: Date[];
  advance(seconds: number): void;
  ti(): ReturnType<HandlerHarness['deps']['store']['getTaskInstance']>;
}

async function sensorBox(name: string, settings: Partial<SensorSettings>, doneAtPoke = Infinity): Promise<Box> {
  const sensor: SensorSettings = { poke_interval_seconds: 60, timeout_seconds: 600, mode: 'reschedule', soft_fail: false, exponential_backoff: false, ...settings };
  const h = await handlerHarness(makeDag(name, [makeTask('wait', { operator: 'PythonSensor', operator_kind: 'python_sensor', sensor })]), { pools: { default_pool: 1 } });
  let now = T0;
  const scheduled: Box['scheduled'] = [];
  const pokes: Date[] = [];
  h.deps.clock = () => now;
  h.deps.executorFor = () => (request) => runSensor(request, async () => pokes.push(request.now()) >= doneAtPoke, { sleep: async () => undefined });
  h.deps.waits = { budgetMs: 10 * 60_000, schedule: async (request, at) => void scheduled.push({ request, at }) };
  await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'wait', token: 'prep' });
  return {
    h,
    scheduled,
    pokes,
    advance: (seconds) => void (now = new Date(now.getTime() + seconds * 1000)),
    ti: () => h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'wait'),
  };
}

const execute = (box: Box) => runTry(box.h.deps, { action: 'execute', run: box.h.ref, task_id: 'wait', try_number: 1, token: 'sensor-token' });

describe('reschedule-mode sensors hand their token between invocations', () => {
  it('pokes once per invocation, up_for_reschedule with the pool slot free in between, and succeeds once under twin deliveries', async () => {
    const box = await sensorBox('waits_success', {}, 3);
    const { h } = box;
    expect(await h.deps.store.listSlotHolders('pool:default_pool')).toHaveLength(1);
    await execute(box);
    expect(h.tokens.answersTo('sensor-token')).toEqual([]);
    expect(box.scheduled).toEqual([{ request: { action: 'resume_wait', run: h.ref, task_id: 'wait', try_number: 1, invocation: 2 }, at: new Date(T0.getTime() + 60_000) }]);
    const waiting = (await box.ti())!;
    expect(waiting).toMatchObject({ state: 'up_for_reschedule', wait_invocation: 1, wait: { released_slots: true, progress: { first_poke_at: T0.toISOString(), pokes: 1 } } });
    // The token is kept sealed in the store, never as it is.
    expect(JSON.stringify(waiting.wait)).not.toContain('sensor-token');
    expect(await h.deps.store.listSlotHolders('pool:default_pool')).toEqual([]);

    box.advance(60);
    const second = box.scheduled[0]!.request;
    const outcomes = await Promise.all([resumeWaitingTry(h.deps, second), resumeWaitingTry(h.deps, second)]);
    expect(outcomes.sort()).toEqual(['duplicate', 'resumed']);
    expect(box.pokes).toHaveLength(2);
    expect(box.scheduled.map((s) => s.request.invocation)).toEqual([2, 3]);
    expect((await box.ti())!.state).toBe('up_for_reschedule');

    box.advance(60);
    expect(await resumeWaitingTry(h.deps, box.scheduled[1]!.request)).toBe('resumed');
    expect(box.pokes).toHaveLength(3);
    expect(h.tokens.answersTo('sensor-token')).toEqual([{ outcome: 'success' }]);
    const done = (await box.ti())!;
    expect(done).toMatchObject({ state: 'running', wait: null, start_date: T0.toISOString() });
    // A late delivery of an invocation already done changes nothing.
    expect(await resumeWaitingTry(h.deps, box.scheduled[1]!.request)).toBe('duplicate');
    expect(box.pokes).toHaveLength(3);
    expect(h.tokens.answers).toHaveLength(2); // prepare's decision and the sensor's success
  });

  it('times out counting from the first poke across reschedules: failed without retry, or skipped with soft_fail', async () => {
    for (const soft_fail of [false, true]) {
      const box = await sensorBox(`waits_timeout_${soft_fail}`, { timeout_seconds: 100, soft_fail });
      await execute(box);
      for (let i = 0; i < 2; i++) {
        box.advance(60);
        await resumeWaitingTry(box.h.deps, box.scheduled.at(-1)!.request);
      }
      // Pokes at 0 s, 60 s (60 ≤ 100: again) and 120 s (> 100: timed out).
      expect(box.pokes.map((p) => (p.getTime() - T0.getTime()) / 1000)).toEqual([0, 60, 120]);
      expect(box.scheduled).toHaveLength(2);
      expect(box.h.tokens.answersTo('sensor-token')).toEqual([soft_fail ? expect.objectContaining({ outcome: 'skipped' }) : { error: 'Skydag.TaskNotRunnable' }]);
    }
  });

  it('waits for its pool slot before poking again when another try took it meanwhile', async () => {
    const box = await sensorBox('waits_pool', {}, 2);
    await execute(box);
    await box.h.deps.store.acquireSlot('pool:default_pool', 1, 'other/run/task/1');
    box.advance(60);
    expect(await resumeWaitingTry(box.h.deps, box.scheduled[0]!.request)).toBe('waiting_for_slots');
    expect(box.pokes).toHaveLength(1);
    expect((await box.ti())!.state).toBe('up_for_reschedule');
    await box.h.deps.store.releaseSlot('pool:default_pool', 'other/run/task/1');
    box.advance(60);
    expect(await resumeWaitingTry(box.h.deps, box.scheduled[1]!.request)).toBe('resumed');
    expect(box.h.tokens.answersTo('sensor-token')).toEqual([{ outcome: 'success' }]);
  });

  it('poke mode waits in place within the budget and hands off only past it, keeping its slot', async () => {
    const box = await sensorBox('waits_poke', { mode: 'poke', poke_interval_seconds: 900 }, 2);
    await execute(box);
    expect(box.scheduled.map((s) => s.at)).toEqual([new Date(T0.getTime() + 900_000)]);
    expect((await box.ti())!.state).toBe('running');
    expect(await box.h.deps.store.listSlotHolders('pool:default_pool')).toHaveLength(1);
  });

  it('the reconciler schedules a wait again once it is overdue past the grace period (its one-shot was lost)', async () => {
    const box = await sensorBox('waits_lost', {});
    await execute(box);
    box.advance(120);
    const early = await reconcile(box.h.deps, { dagIds: ['waits_lost'], executions: { statusOf: async () => 'RUNNING' } });
    expect(early.repairedWaits).toEqual([]);
    box.advance(10 * 60);
    const late = await reconcile(box.h.deps, { dagIds: ['waits_lost'], executions: { statusOf: async () => 'RUNNING' } });
    expect(late.repairedWaits).toEqual([`${box.h.ref.dag_id}/${box.h.ref.run_id}/wait`]);
    expect(box.scheduled.map((s) => s.request.invocation)).toEqual([2, 2]);
  });
});

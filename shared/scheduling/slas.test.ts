/** SLA misses in the scheduling pass (Airflow 2.10's manage_slas): recorded once at the deadline, mailed, scheduled runs only. */
import { makeDag, makeTask } from '../../test/helpers/model.js';
import type { Dag } from '../model/schema.js';
import type { SlaMissCallbackCall } from './slas.js';
import { schedulePass } from './scheduler.js';
import { finish, modelsOf, recordingStarter, storeWith } from './test-support.js';

function slaDag() {
  return makeDag(
    'sla_dag',
    [makeTask('extract', { sla_seconds: 3600, email: ['ops@example.com'] }), makeTask('load', { sla_seconds: 7200 }), makeTask('free')],
    [['extract', 'load']],
    { schedule: { type: 'cron', cron: '0 0 * * *', preset: '@daily' }, start_date: '2024-01-01T00:00:00.000Z', catchup: false },
  );
}

const RUN_1 = 'scheduled__2024-01-01T00:00:00+00:00';

it('records a miss per task whose deadline (data interval end + sla) passed unfinished, once, and mails the tasks\' addresses', async () => {
  const dag = slaDag();
  const store = await storeWith([dag]);
  const sent: { to: string[]; subject: string; html: string }[] = [];
  const mail = { from: 'skydag@example.com', async send(m: { to: string[]; subject: string; html: string }) { sent.push(m); } };
  const pass = (now: string) => schedulePass({ store, now: new Date(now), startRun: recordingStarter().startRun, dagModel: modelsOf(dag), mail: mail as never });

  // The run of 2024-01-01 is due at 2024-01-02T00:00 (its data interval end).
  expect((await pass('2024-01-02T00:30:00Z')).slaMisses).toEqual([]);
  await store.updateTaskInstance('sla_dag', RUN_1, 'extract', { state: 'running' });
  const first = await pass('2024-01-02T01:00:00Z');
  expect(first.slaMisses.map((m) => [m.task_id, m.execution_date, m.deadline])).toEqual([['extract', '2024-01-01T00:00:00.000Z', '2024-01-02T01:00:00.000Z']]);
  expect(first.errors).toEqual([]);
  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({ to: ['ops@example.com'], subject: '[airflow] SLA miss on DAG=sla_dag' });
  // Airflow's lines (`task_id on execution_date.isoformat()`); blocking: the run's instances with a state other than success.
  expect(sent[0]!.html).toContain('<pre><code>extract on 2024-01-01T00:00:00+00:00\n<code></pre>');
  expect(sent[0]!.html).toMatch(/Blocking tasks:\n<pre><code>extract on 2024-01-01T00:00:00\+00:00<code><\/pre>/);
  // Again: nothing new. load succeeds in time: no miss for it.
  expect((await pass('2024-01-02T01:30:00Z')).slaMisses).toEqual([]);
  await store.updateTaskInstance('sla_dag', RUN_1, 'load', { state: 'success' });
  expect((await pass('2024-01-02T03:00:00Z')).slaMisses).toEqual([]);
  expect(sent).toHaveLength(1);
  const stored = (await store.listSlaMisses()).items;
  expect(stored.map((m) => [m.task_id, m.email_sent, m.notification_sent])).toEqual([['extract', true, true]]);
});

it('checks only scheduled runs and keeps the run going', async () => {
  const dag = slaDag();
  const store = await storeWith([dag]);
  const pass = (now: string) => schedulePass({ store, now: new Date(now), startRun: recordingStarter().startRun, dagModel: modelsOf(dag) });
  await pass('2024-01-02T00:00:01Z');
  const [run] = await store.listDagRuns('sla_dag');
  await store.updateDagRun('sla_dag', run!.run_id, { run_type: 'manual' });
  expect((await pass('2024-01-03T00:00:00Z')).slaMisses.map((m) => m.run_id)).toEqual([]);
  await store.updateDagRun('sla_dag', run!.run_id, { run_type: 'scheduled' });
  const misses = (await pass('2024-01-03T00:00:00Z')).slaMisses;
  expect(misses.map((m) => m.task_id).sort()).toEqual(['extract', 'load']);
  expect((await store.getDagRun('sla_dag', run!.run_id))!.state).toBe('running');
  await finish(store, 'sla_dag', run!.run_id);
});

describe('sla_miss_callback', () => {
  const callbackRef = { $type: 'callable' as const, name: 'on_sla_miss', file: 'sla_dag.py', line: 1 };
  function callbackDag(): Dag {
    const dag = slaDag();
    dag.callbacks = { sla_miss_callback: callbackRef };
    return dag;
  }
  const summary = (call: SlaMissCallbackCall) => ({
    dag: call.dag.dag_id,
    version: call.dagVersion,
    taskList: call.taskList,
    blockingTaskList: call.blockingTaskList,
    slas: call.slas.map((m) => [m.task_id, m.execution_date, m.notification_sent]),
    blockingTis: call.blockingTis.map((ti) => [ti.task_id, ti.state]),
  });

  it('is called once per DAG and pass with every miss not notified yet and the blocking task instances, then the misses are notified', async () => {
    const dag = callbackDag();
    const store = await storeWith([dag]);
    const calls: SlaMissCallbackCall[] = [];
    const pass = (now: string) => schedulePass({ store, now: new Date(now), startRun: recordingStarter().startRun, dagModel: modelsOf(dag), slaMissCallback: async (call) => void calls.push(call) });

    await pass('2024-01-02T00:00:01Z');
    await store.updateTaskInstance('sla_dag', RUN_1, 'extract', { state: 'running' });
    await store.updateTaskInstance('sla_dag', RUN_1, 'free', { state: 'failed' });
    // 03:00: both extract (1 h) and load (2 h) missed in one pass: one call listing both.
    const first = await pass('2024-01-02T03:00:00Z');
    expect(first.slaMisses).toHaveLength(2);
    expect(first.errors).toEqual([]);
    expect(calls.map(summary)).toEqual([
      {
        dag: 'sla_dag',
        version: 'v1',
        taskList: 'extract on 2024-01-01T00:00:00+00:00\nload on 2024-01-01T00:00:00+00:00',
        // Airflow's `state != 'success'`: free failed blocks; load has no state yet and is left out.
        blockingTaskList: 'extract on 2024-01-01T00:00:00+00:00\nfree on 2024-01-01T00:00:00+00:00',
        slas: [
          ['extract', '2024-01-01T00:00:00.000Z', false],
          ['load', '2024-01-01T00:00:00.000Z', false],
        ],
        blockingTis: [
          ['extract', 'running'],
          ['free', 'failed'],
        ],
      },
    ]);
    const stored = (await store.listSlaMisses({ dagId: 'sla_dag' })).items;
    expect(stored.map((m) => [m.task_id, m.notification_sent, m.email_sent]).sort()).toEqual([
      ['extract', true, false],
      ['load', true, false],
    ]);
    // The next passes record nothing new: no second call.
    await pass('2024-01-02T04:00:00Z');
    await pass('2024-01-03T00:30:00Z');
    expect(calls).toHaveLength(1);
    // The next day's run misses: a new call with only that miss (the earlier ones were notified).
    await store.updateTaskInstance('sla_dag', 'scheduled__2024-01-02T00:00:00+00:00', 'load', { state: 'success' });
    await pass('2024-01-03T01:00:00Z');
    expect(calls.map(summary)[1]).toMatchObject({ taskList: 'extract on 2024-01-02T00:00:00+00:00', slas: [['extract', '2024-01-02T00:00:00.000Z', false]] });
  });

  it('a raising callback is reported, not fatal: the misses are recorded, the email still goes, and what was not notified goes with the next miss', async () => {
    const dag = callbackDag();
    dag.tasks = dag.tasks.map((t) => ({ ...t, email: [] }));
    const other = makeDag('other', [makeTask('t')], [], { schedule: { type: 'cron', cron: '0 0 * * *', preset: '@daily' }, start_date: '2024-01-01T00:00:00.000Z', catchup: false });
    const store = await storeWith([dag, other]);
    const starter = recordingStarter();
    let calls = 0;
    const pass = (now: string) =>
      schedulePass({
        store,
        now: new Date(now),
        startRun: starter.startRun,
        dagModel: modelsOf(dag, other),
        slaMissCallback: async () => {
          calls++;
          throw new Error('ValueError: webhook down');
        },
      });
    await pass('2024-01-02T00:00:01Z');
    const result = await pass('2024-01-02T01:00:00Z');
    expect(result.slaMisses.map((m) => m.task_id)).toEqual(['extract']);
    expect(result.errors).toEqual([{ dag_id: 'sla_dag', message: 'sla_miss_callback failed: ValueError: webhook down' }]);
    // The rest of the pass went on: the other DAG's run was created and started.
    expect(starter.started).toContain('scheduled__2024-01-01T00:00:00+00:00');
    expect((await store.listDagRuns('other')).map((r) => r.state)).toEqual(['running']);
    expect((await store.listSlaMisses()).items.map((m) => [m.task_id, m.notification_sent])).toEqual([['extract', false]]);
    // No new miss: not called again; the next miss (load) brings the unnotified one along.
    await pass('2024-01-02T01:30:00Z');
    expect(calls).toBe(1);
    const next = await pass('2024-01-02T02:00:00Z');
    expect(next.slaMisses.map((m) => m.task_id)).toEqual(['load']);
    expect(calls).toBe(2);
  });

  it('the email goes even when the callback fails, and a miss mailed counts as notified', async () => {
    const dag = callbackDag();
    const store = await storeWith([dag]);
    const sent: string[] = [];
    const mail = { from: 'skydag@example.com', async send(m: { subject: string }) { sent.push(m.subject); } };
    const pass = (now: string) =>
      schedulePass({ store, now: new Date(now), startRun: recordingStarter().startRun, dagModel: modelsOf(dag), mail: mail as never, slaMissCallback: async () => Promise.reject(new Error('boom')) });
    await pass('2024-01-02T00:00:01Z');
    await pass('2024-01-02T01:00:00Z');
    expect(sent).toEqual(['[airflow] SLA miss on DAG=sla_dag']);
    expect((await store.listSlaMisses()).items.map((m) => [m.task_id, m.email_sent, m.notification_sent])).toEqual([['extract', true, true]]);
  });

  it('a DAG without the callback is not called for, and behaves as before', async () => {
    const dag = slaDag();
    const store = await storeWith([dag]);
    let calls = 0;
    const pass = (now: string) => schedulePass({ store, now: new Date(now), startRun: recordingStarter().startRun, dagModel: modelsOf(dag), slaMissCallback: async () => void calls++ });
    await pass('2024-01-02T00:00:01Z');
    const result = await pass('2024-01-02T03:00:00Z');
    expect(result.slaMisses.map((m) => m.task_id).sort()).toEqual(['extract', 'load']);
    expect(result.errors).toEqual([]);
    expect(calls).toBe(0);
    // Nothing notified them (no callback, no mail transport): they stay unnotified, as in Airflow.
    expect((await store.listSlaMisses()).items.map((m) => m.notification_sent)).toEqual([false, false]);
  });
});

/** SLA misses in the scheduling pass (Airflow 2.10's manage_slas): recorded once at the deadline, mailed, scheduled runs only. */
import { makeDag, makeTask } from '../../test/helpers/model.js';
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

it('records a miss per task whose deadline (data interval end + sla) passed unfinished, once, and mails the tasks\' addresses', async () => {
  const dag = slaDag();
  const store = await storeWith([dag]);
  const sent: { to: string[]; subject: string; html: string }[] = [];
  const mail = { from: 'skydag@example.com', async send(m: { to: string[]; subject: string; html: string }) { sent.push(m); } };
  const pass = (now: string) => schedulePass({ store, now: new Date(now), startRun: recordingStarter().startRun, dagModel: modelsOf(dag), mail: mail as never });

  // The run of 2024-01-01 is due at 2024-01-02T00:00 (its data interval end).
  expect((await pass('2024-01-02T00:30:00Z')).slaMisses).toEqual([]);
  const first = await pass('2024-01-02T01:00:00Z');
  expect(first.slaMisses.map((m) => [m.task_id, m.execution_date, m.deadline])).toEqual([['extract', '2024-01-01T00:00:00.000Z', '2024-01-02T01:00:00.000Z']]);
  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({ to: ['ops@example.com'], subject: '[airflow] SLA miss on DAG=sla_dag' });
  expect(sent[0]!.html).toContain('extract on 2024-01-01T00:00:00.000Z');
  expect(sent[0]!.html).toMatch(/Blocking tasks:[\s\S]*load on 2024-01-01/);
  // Again: nothing new. load succeeds in time: no miss for it.
  expect((await pass('2024-01-02T01:30:00Z')).slaMisses).toEqual([]);
  await store.updateTaskInstance('sla_dag', 'scheduled__2024-01-01T00:00:00+00:00', 'load', { state: 'success' });
  expect((await pass('2024-01-02T03:00:00Z')).slaMisses).toEqual([]);
  const stored = (await store.listSlaMisses()).items;
  expect(stored.map((m) => [m.task_id, m.email_sent])).toEqual([['extract', true]]);
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

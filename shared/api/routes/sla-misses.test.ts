/** GET /slaMisses: the recorded misses, newest first, per readable DAG. */
import { call, createHarness, etlModel, putDag, signInWithRole } from '../test-support.js';

const miss = (dagId: string, date: string) => ({
  dag_id: dagId, task_id: 'load', execution_date: date, run_id: `scheduled__${date}`, timestamp: '2024-06-02T01:00:00.000Z',
  deadline: '2024-06-02T01:00:00.000Z', email_sent: true, notification_sent: false, description: null,
});

it('lists SLA misses newest first, filtered by DAG and by what the caller may read', async () => {
  const h = await createHarness({ seed: false });
  await putDag(h.store, etlModel({ dag_id: 'mine' }));
  await putDag(h.store, etlModel({ dag_id: 'theirs' }));
  await h.store.createSlaMiss(miss('mine', '2024-06-01T00:00:00.000Z'));
  await h.store.createSlaMiss(miss('mine', '2024-06-02T00:00:00.000Z'));
  await h.store.createSlaMiss(miss('theirs', '2024-06-03T00:00:00.000Z'));
  const all = await call(h, 'GET', '/api/v1/slaMisses', { token: h.tokens.Viewer });
  expect(all.status).toBe(200);
  expect(all.json.sla_misses.map((m: { dag_id: string; execution_date: string }) => `${m.dag_id}@${m.execution_date}`)).toEqual([
    'theirs@2024-06-03T00:00:00+00:00',
    'mine@2024-06-02T00:00:00+00:00',
    'mine@2024-06-01T00:00:00+00:00',
  ]);
  expect(all.json.sla_misses[0]).toMatchObject({ task_id: 'load', dag_run_id: 'scheduled__2024-06-03T00:00:00.000Z', email_sent: true, deadline: '2024-06-02T01:00:00+00:00' });
  expect((await call(h, 'GET', '/api/v1/slaMisses?dag_id=mine&limit=1', { token: h.tokens.Viewer })).json.total_entries).toBe(2);
  const token = await signInWithRole(h, 'mine_readers', [['can_read', 'DAG:mine'], ['can_read', 'SLA Misses']]);
  expect((await call(h, 'GET', '/api/v1/slaMisses', { token })).json.total_entries).toBe(2);
  expect((await call(h, 'GET', '/api/v1/slaMisses', { token: h.tokens.Public })).status).toBeGreaterThanOrEqual(401);
});

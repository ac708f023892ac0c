/** POST /connections/test: disabled unless the platform gives a tester (Airflow's default); never stores, never audits the password. */
import { call, createHarness } from '../test-support.js';
import { TEST_CONNECTION_DISABLED } from './connections.js';

const body = { connection_id: 'probe', conn_type: 'postgres', host: 'db.internal', port: 5432, password: 'hunter2-secret' };

describe('POST /api/v1/connections/test', () => {
  it("is 403 with Airflow's message when testing is not enabled", async () => {
    const h = await createHarness();
    const res = await call(h, 'POST', '/api/v1/connections/test', { token: h.tokens.Op, body });
    expect(res.status).toBe(403);
    expect(res.json.detail).toBe(TEST_CONNECTION_DISABLED);
  });

  it('answers {status, message} from the tester, stores nothing, and audits without the password', async () => {
    const seen: unknown[] = [];
    const h = await createHarness({ config: { connectionTester: { test: async (c) => (seen.push(c), { status: false, message: 'Connection to db.internal:5432 failed: ECONNREFUSED' }) } } });
    const res = await call(h, 'POST', '/api/v1/connections/test', { token: h.tokens.Op, body });
    expect(res.json).toEqual({ status: false, message: 'Connection to db.internal:5432 failed: ECONNREFUSED' });
    expect(seen).toEqual([{ conn_type: 'postgres', host: 'db.internal', port: 5432, login: null, schema: null }]);
    expect(await h.store.getConnection('probe')).toBeUndefined();
    const audit = (await h.store.listAuditLog()).items.find((a) => a.event === 'connection.test')!;
    expect(audit.extra).not.toContain('hunter2');
    expect((await call(h, 'POST', '/api/v1/connections/test', { token: h.tokens.User, body })).status).toBe(403);
  });
});

/** Import errors under per-DAG permissions (Airflow 2.10): shown for files defining a readable DAG, redacted unless every DAG of the file is readable. */
import { importErrorId } from '../serialize.js';
import { PASSWORD, call, createHarness, etlModel, putDag } from '../test-support.js';
import { REDACTED_STACK_TRACE } from './import-errors.js';

it('a caller reading only some DAGs of a file sees its error redacted, and no error of a file it cannot read', async () => {
  const h = await createHarness({ seed: false });
  await putDag(h.store, etlModel({ dag_id: 'mine' }), { fileloc: 'shared.py' });
  await putDag(h.store, etlModel({ dag_id: 'theirs' }), { fileloc: 'shared.py' });
  await putDag(h.store, etlModel({ dag_id: 'own_file' }), { fileloc: 'own.py' });
  await putDag(h.store, etlModel({ dag_id: 'hidden' }), { fileloc: 'hidden.py' });
  const diagnostics = [{ file: 'x', line: 1, col: 1, message: 'secret detail', code: 'SKYDAG-P003', severity: 'error' as const }];
  for (const filename of ['shared.py', 'own.py', 'hidden.py', 'new.py']) await h.store.putImportError({ filename, timestamp: '2024-06-01T10:00:00.000Z', diagnostics });
  const role = { name: 'team', actions: ['mine', 'own_file'].map((d) => ({ action: { name: 'can_read' }, resource: { name: `DAG:${d}` } })).concat([{ action: { name: 'can_read' }, resource: { name: 'ImportError' } }]) };
  expect((await call(h, 'POST', '/api/v1/roles', { token: h.tokens.Admin, body: role })).status).toBe(200);
  await call(h, 'POST', '/api/v1/users', { token: h.tokens.Admin, body: { username: 'tm', email: 'tm@example.com', password: PASSWORD, roles: [{ name: 'team' }] } });
  const token = (await call(h, 'POST', '/api/v1/auth/login', { body: { username: 'tm', password: PASSWORD } })).json.access_token as string;

  const list = await call(h, 'GET', '/api/v1/importErrors', { token });
  expect(list.json.total_entries).toBe(2);
  expect(list.json.import_errors.map((e: { filename: string; stack_trace: string }) => [e.filename, e.stack_trace === REDACTED_STACK_TRACE])).toEqual([
    ['own.py', false],
    ['shared.py', true],
  ]);
  expect(JSON.stringify(list.json.import_errors[1])).not.toContain('secret detail');
  expect((await call(h, 'GET', `/api/v1/importErrors/${importErrorId('hidden.py')}`, { token })).status).toBe(404);
  expect((await call(h, 'GET', `/api/v1/importErrors/${importErrorId('new.py')}`, { token })).status).toBe(404);
  expect((await call(h, 'GET', `/api/v1/importErrors/${importErrorId('shared.py')}`, { token })).json.stack_trace).toBe(REDACTED_STACK_TRACE);
  expect((await call(h, 'GET', '/api/v1/importErrors', { token: h.tokens.Viewer })).json.total_entries).toBe(4);
});

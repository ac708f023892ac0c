/** The variable routes read again the DAG files whose model a variable shapes (they read it while they were read). */
import { etlModel, call, createHarness, putDag } from '../test-support.js';

describe('a variable a DAG file reads while it is read', () => {
  it('has its files read again when its value is written or it is deleted, not for a description', async () => {
    const h = await createHarness({ seed: false });
    await putDag(h.store, etlModel({ dag_id: 'reads_env', parse_variables: ['env', 'region'] }), { fileloc: 'team/reads_env.py', parse_variables: ['env', 'region'] });
    await putDag(h.store, etlModel({ dag_id: 'also_env', parse_variables: ['env'] }), { fileloc: 'team/reads_env.py', parse_variables: ['env'] });
    await putDag(h.store, etlModel({ dag_id: 'reads_region' }), { fileloc: 'region.py', parse_variables: ['region'] });
    await putDag(h.store, etlModel({ dag_id: 'gone' }), { fileloc: 'gone.py', parse_variables: ['env'], is_active: false });
    const op = h.tokens.Op;
    expect((await call(h, 'POST', '/api/v1/variables', { token: op, body: { key: 'env', value: 'prod' } })).status).toBe(200);
    // The DAG record of the file's current version says what it read; one file defining two DAGs is read once.
    expect(h.dagFiles.rereads).toEqual(['team/reads_env.py']);
    expect((await call(h, 'PATCH', '/api/v1/variables/env?update_mask=description', { token: op, body: { key: 'env', description: 'where' } })).status).toBe(200);
    expect(h.dagFiles.rereads).toHaveLength(1);
    expect((await call(h, 'PATCH', '/api/v1/variables/region', { token: op, body: { key: 'region', value: 'eu' } })).status).toBe(404);
    expect((await call(h, 'POST', '/api/v1/variables', { token: op, body: { key: 'region', value: 'eu' } })).status).toBe(200);
    expect(h.dagFiles.rereads.slice(1)).toEqual(['team/reads_env.py', 'region.py']);
    expect((await call(h, 'DELETE', '/api/v1/variables/env', { token: op })).status).toBe(204);
    expect(h.dagFiles.rereads.slice(3)).toEqual(['team/reads_env.py']);
    // A variable no file reads reads nothing again; a Viewer cannot write one at all.
    expect((await call(h, 'POST', '/api/v1/variables', { token: op, body: { key: 'other', value: '1' } })).status).toBe(200);
    expect((await call(h, 'POST', '/api/v1/variables', { token: h.tokens.Viewer, body: { key: 'env', value: 'x' } })).status).toBe(403);
    expect(h.dagFiles.rereads).toHaveLength(4);
  });
});

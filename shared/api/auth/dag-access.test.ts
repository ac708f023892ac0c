/** Per-DAG permissions: global grants, API grants on DAG:<id>, DAG files' access_control (authoritative), hidden vs denied. */
import { MemoryMetadataStore } from '../../../local/stores/memory-metadata.js';
import type { DagRecord, RoleRecord } from '../../model/records.js';
import { makeDag } from '../../../test/helpers/model.js';
import { dagRecord } from '../test-support.js';
import type { ApiError } from '../problem.js';
import { DagAccess } from './dag-access.js';
import { grantsOf } from './permissions.js';
import type { Principal } from './users.js';

const role = (name: string, pairs: [string, string][]): RoleRecord => ({
  name,
  permissions: pairs.map(([action, resource]) => ({ action, resource })),
  created_on: '2024-01-01T00:00:00.000Z',
  changed_on: '2024-01-01T00:00:00.000Z',
});

function principal(roles: string[], custom: RoleRecord[] = []): Principal {
  const grants = grantsOf(roles, custom);
  return { username: 'u', roles, permissions: grants.permissions, dagGrants: grants.dags, via: 'bearer' };
}

async function storeWith(...records: DagRecord[]): Promise<MemoryMetadataStore> {
  const store = new MemoryMetadataStore();
  for (const r of records) await store.putDag(r);
  return store;
}

const dag = (id: string, overrides: Partial<DagRecord> = {}) => dagRecord(makeDag(id, []), overrides);
const status = (promise: Promise<unknown>) => promise.then(
  () => 'ok',
  (e: { status?: number }) => e.status,
);

describe('DagAccess', () => {
  const analysts = role('analysts', [['can_read', 'DAG:a'], ['can_edit', 'DAG:a'], ['can_read', 'DAG Runs']]);

  it('built-in roles act on every DAG by their global permissions, without reading the store', async () => {
    const store = new MemoryMetadataStore();
    const spy = jest.spyOn(store, 'getDag');
    const viewer = new DagAccess(store, principal(['Viewer']));
    expect(await viewer.can('anything', 'can_read')).toBe(true);
    expect(await viewer.can('anything', 'can_edit')).toBe(false);
    const user = new DagAccess(store, principal(['User']));
    expect(await user.can('anything', 'can_edit')).toBe(true);
    expect(await user.can('anything', 'can_delete')).toBe(true);
    expect(spy).toHaveBeenCalledTimes(1); // only Viewer's can_edit needed the record
  });

  it('a custom role holds what its DAG:<id> permissions grant, and its global permissions', async () => {
    const store = await storeWith(dag('a'), dag('b'));
    const access = new DagAccess(store, principal(['analysts'], [analysts]));
    expect(access.principal!.permissions.has('read:dag_runs')).toBe(true);
    expect(access.principal!.permissions.has('read:dags')).toBe(false);
    expect(await access.can('a', 'can_edit')).toBe(true);
    expect(await access.can('a', 'can_delete')).toBe(false);
    expect(await access.can('b', 'can_read')).toBe(false);
    expect((await access.dags()).map((d) => d.dag_id)).toEqual(['a']);
    expect(await access.filter([{ d: 'a' }, { d: 'b' }, { d: null }], (x) => x.d)).toEqual([{ d: 'a' }, { d: null }]);
  });

  it('hidden is 404 exactly as absent; visible without the action is 403; no DAG action anywhere is 403', async () => {
    const store = await storeWith(dag('a'), dag('b'));
    const access = new DagAccess(store, principal(['analysts', 'readers'], [analysts, role('readers', [['can_read', 'DAG:c']])]));
    expect(await status(access.require('a', 'can_edit'))).toBe('ok');
    expect(await status(access.require('a', 'can_delete'))).toBe(403);
    expect(await status(access.require('b', 'can_read'))).toBe(404);
    expect(await status(access.require('never', 'can_read'))).toBe(404);
    const refusal = async (dagId: string) => {
      const error = (await access.require(dagId, 'can_edit').catch((e: unknown) => e)) as ApiError;
      return { status: error.status, title: error.title, detail: error.detail.replace(`'${dagId}'`, "'x'") };
    };
    expect(await refusal('b')).toEqual(await refusal('never'));
    // c does not exist yet: the grant makes it readable (the handler then says it is not found).
    expect(await status(access.require('c', 'can_read'))).toBe('ok');
    const nobody = new DagAccess(store, principal(['Public']));
    expect(await status(nobody.require('a', 'can_read'))).toBe(403);
    expect(await nobody.any('can_read')).toBe(false);
  });

  it("a DAG file's access_control is the whole list of per-DAG grants on its DAG: API grants on it stop counting", async () => {
    const store = await storeWith(dag('a', { access_control: { auditors: ['can_read'] } }), dag('b', { access_control: { analysts: ['can_read'], Viewer: ['can_edit'] } }));
    const analyst = new DagAccess(store, principal(['analysts'], [analysts]));
    expect(await analyst.can('a', 'can_read')).toBe(false); // granted through the API, but a's file names only auditors
    expect(await analyst.can('b', 'can_read')).toBe(true);
    expect(await analyst.can('b', 'can_edit')).toBe(false);
    expect(await status(analyst.require('a', 'can_read'))).toBe(404);
    // A file may name built-in roles too: Viewer edits b.
    const viewer = new DagAccess(store, principal(['Viewer']));
    expect(await viewer.can('b', 'can_edit')).toBe(true);
    expect(await viewer.can('a', 'can_edit')).toBe(false);
    // An empty access_control leaves only the global roles.
    await store.updateDag('b', { access_control: {} });
    expect(await new DagAccess(store, principal(['analysts'], [analysts])).can('b', 'can_read')).toBe(false);
  });

  it('role names that look like object members grant nothing they are not given', async () => {
    const store = await storeWith(dag('a', { access_control: { analysts: ['can_read'] } }));
    const access = new DagAccess(store, principal(['constructor', '__proto__', 'toString']));
    expect(await access.can('a', 'can_read')).toBe(false);
    expect(await access.any('can_read')).toBe(false);
  });

  it('summarises the actions held on every DAG and on single DAGs (for /auth/me)', async () => {
    const store = await storeWith(dag('a'), dag('b', { access_control: { analysts: ['can_read'] } }), dag('__proto__', { access_control: { analysts: ['can_delete'] } }));
    expect(await new DagAccess(store, principal(['analysts'], [analysts])).summary()).toEqual({
      all_dags: [],
      dags: Object.fromEntries([
        ['__proto__', ['can_delete']],
        ['a', ['can_read', 'can_edit']],
        ['b', ['can_read']],
      ]),
    });
    expect(await new DagAccess(store, principal(['Viewer', 'analysts'], [analysts])).summary()).toEqual({
      all_dags: ['can_read'],
      dags: Object.fromEntries([
        ['__proto__', ['can_read', 'can_delete']],
        ['a', ['can_read', 'can_edit']],
      ]),
    });
    expect(await new DagAccess(store, principal(['Admin'])).summary()).toEqual({ all_dags: ['can_read', 'can_edit', 'can_delete'], dags: {} });
  });
});

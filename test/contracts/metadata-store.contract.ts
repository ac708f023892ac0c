/**
 * The metadata-store contract: one suite, run unchanged against every adapter (the in-memory
 * reference, the DynamoDB adapter on dynalite and on DynamoDB Local). A behaviour belongs here when
 * the runtime or the API depends on it; adapter-only behaviour (table creation, missing blob store)
 * is tested beside the adapter.
 */
import type { DagRunRecord, TaskInstanceRecord } from '../../shared/model/records.js';
import type { BlobStore } from '../../shared/stores/blob.js';
import { ConditionFailedError, DagRunExistsError, LogicalDateTakenError, NotFoundError, parseSlotHolder, slotHolder, type MetadataStore } from '../../shared/stores/metadata.js';
import {
  auditRecord,
  connectionRecord,
  dagRecord,
  importErrorRecord,
  poolRecord,
  repositoryVersionRecord,
  roleRecord,
  runRecord,
  tiRecord,
  userRecord,
  variableRecord,
  versionRecord,
  xcomRecord,
} from './records.js';

export interface MetadataStoreHarness {
  store: MetadataStore;
  /** The blob store the adapter offloads large values to (none for the in-memory store). */
  blobs?: BlobStore;
  /** A second adapter over the same data, as another process opens it (none for the in-memory store). */
  twin?: MetadataStore;
}

export interface MetadataStoreFactory {
  /** Once before the suite (start a server). */
  setup?(): Promise<void>;
  /** A new, empty store for one test. */
  create(): Promise<MetadataStoreHarness>;
  /** After each test. */
  dispose?(harness: MetadataStoreHarness): Promise<void>;
  /** Once after the suite. */
  teardown?(): Promise<void>;
}

/** Over DynamoDB's 400 KB item limit, as JSON. */
const BIG = 'x'.repeat(420 * 1024);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

export function describeMetadataStoreContract(name: string, factory: MetadataStoreFactory): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let h: MetadataStoreHarness;
    let store: MetadataStore;

    beforeAll(async () => {
      await factory.setup?.();
    });
    afterAll(async () => {
      await factory.teardown?.();
    });
    beforeEach(async () => {
      h = await factory.create();
      store = h.store;
    });
    afterEach(async () => {
      await factory.dispose?.(h);
    });

    /** Blob keys the adapter holds (empty for adapters without a blob store). */
    const blobKeys = async () => (h.blobs ? (await h.blobs.list('')).blobs.map((b) => b.key) : []);

    async function seedRun(dagId = 'd', runId = 'r1', taskIds = ['a', 'b', 'c'], logicalDate = '2024-01-01T00:00:00.000Z') {
      const run = runRecord(dagId, runId, logicalDate);
      const tis = taskIds.map((t) => tiRecord(dagId, runId, t));
      await store.createDagRun(run, tis);
      return { run, tis };
    }

    describe('DAG runs', () => {
      test('a created run reads back as written, JSON-ish conf and parent included', async () => {
        const run = runRecord('d', 'manual__1', '2024-01-01T00:00:00.000Z', {
          conf: { '': 'empty key', nested: { list: [1, 'two', null, { deep: true }], big: 2 ** 60 + 2 ** 10, f: 0.1 + 0.2 } },
          parent: { dag_id: 'master', run_id: 'm1', task_id: 'child' },
        });
        await store.createDagRun(run, []);
        expect(await store.getDagRun('d', 'manual__1')).toEqual(run);
        expect(await store.getDagRun('d', 'other')).toBeUndefined();
        expect(await store.getDagRun('other', 'manual__1')).toBeUndefined();
      });

      test('a sealed conf is kept beside the masked one', async () => {
        const run = runRecord('d', 'manual__s', '2024-01-01T00:00:00.000Z', { conf: { api_key: '***', n: 1 }, sealed_conf: 'enc:v1:iv:tag:body' });
        await store.createDagRun(run, []);
        expect(await store.getDagRun('d', 'manual__s')).toEqual(run);
        expect((await store.listDagRuns('d'))[0]).toEqual(run);
      });

      test('creating a run id that exists fails with DagRunExistsError and keeps the first run and its task instances', async () => {
        const { run } = await seedRun('d', 'r1', ['a']);
        await store.updateTaskInstance('d', 'r1', 'a', { state: 'running' });
        const error = await rejection(store.createDagRun(runRecord('d', 'r1', '2030-01-01T00:00:00.000Z'), [tiRecord('d', 'r1', 'z')]));
        expect(error).toBeInstanceOf(DagRunExistsError);
        expect(error).toMatchObject({ dagId: 'd', runId: 'r1' });
        expect(await store.getDagRun('d', 'r1')).toEqual(run);
        expect((await store.listTaskInstances('d', 'r1')).map((t) => [t.task_id, t.state])).toEqual([['a', 'running']]);
      });

      test('concurrent creations of one run id: exactly one wins', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) => store.createDagRun(runRecord('d', 'scheduled__x', '2024-01-01T00:00:00.000Z', { note: `launcher ${i}` }), [tiRecord('d', 'scheduled__x', 'a')])),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DagRunExistsError);
      });

      test('one run per logical date: another run id at the same instant (any offset) fails with LogicalDateTakenError and writes nothing', async () => {
        await seedRun('d', 'first', ['a'], '2024-01-01T00:00:00.000Z');
        const error = await rejection(store.createDagRun(runRecord('d', 'second', '2024-01-01T02:00:00+02:00'), [tiRecord('d', 'second', 'a')]));
        expect(error).toBeInstanceOf(LogicalDateTakenError);
        expect(error).toBeInstanceOf(DagRunExistsError);
        expect(error).toMatchObject({ dagId: 'd', runId: 'second', existingRunId: 'first' });
        expect(await store.getDagRun('d', 'second')).toBeUndefined();
        expect(await store.listTaskInstances('d', 'second')).toEqual([]);
        expect((await store.listDagRuns('d')).map((r) => r.run_id)).toEqual(['first']);
        // A millisecond later is another date; the same date in another DAG is free.
        await expect(store.createDagRun(runRecord('d', 'third', '2024-01-01T00:00:00.001Z'), [])).resolves.toBeUndefined();
        await expect(store.createDagRun(runRecord('other', 'second', '2024-01-01T00:00:00.000Z'), [])).resolves.toBeUndefined();
      });

      test('concurrent creations of different run ids at one logical date: exactly one wins', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) => store.createDagRun(runRecord('d', `manual_${i}`, '2024-03-01T00:00:00.000Z'), [tiRecord('d', `manual_${i}`, 'a')])),
        );
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [`manual_${i}`] : []));
        expect(won).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ name: 'LogicalDateTakenError', existingRunId: won[0] });
        expect((await store.listDagRuns('d')).map((r) => r.run_id)).toEqual(won);
        for (let i = 0; i < 12; i++) if (`manual_${i}` !== won[0]) expect(await store.listTaskInstances('d', `manual_${i}`)).toEqual([]);
      });

      test('a creation refused for its run id does not keep its logical date', async () => {
        await seedRun('d', 'r1', ['a'], '2024-01-01T00:00:00.000Z');
        await expect(store.createDagRun(runRecord('d', 'r1', '2024-05-05T00:00:00.000Z'), [])).rejects.toBeInstanceOf(DagRunExistsError);
        await expect(store.createDagRun(runRecord('d', 'r2', '2024-05-05T00:00:00.000Z'), [])).resolves.toBeUndefined();
      });

      test('deleting a run frees its logical date', async () => {
        await seedRun('d', 'r1', ['a'], '2024-01-01T00:00:00.000Z');
        await store.deleteDagRun('d', 'r1');
        await expect(store.createDagRun(runRecord('d', 'r2', '2024-01-01T00:00:00.000Z'), [])).resolves.toBeUndefined();
        await expect(store.createDagRun(runRecord('d', 'r1', '2024-01-01T00:00:00.000Z'), [])).rejects.toBeInstanceOf(LogicalDateTakenError);
      });

      test('changing a run\'s logical date moves its claim; a date another run holds is refused and changes nothing', async () => {
        await seedRun('d', 'r1', ['a'], '2024-01-01T00:00:00.000Z');
        await seedRun('d', 'r2', ['a'], '2024-01-02T00:00:00.000Z');
        const error = await rejection(store.updateDagRun('d', 'r1', { logical_date: '2024-01-02T00:00:00.000Z', note: 'moved' }));
        expect(error).toMatchObject({ name: 'LogicalDateTakenError', existingRunId: 'r2' });
        expect(await store.getDagRun('d', 'r1')).toMatchObject({ logical_date: '2024-01-01T00:00:00.000Z', note: null });
        await store.updateDagRun('d', 'r1', { logical_date: '2024-01-03T00:00:00.000Z' });
        await expect(store.createDagRun(runRecord('d', 'r3', '2024-01-01T00:00:00.000Z'), [])).resolves.toBeUndefined();
        await expect(store.createDagRun(runRecord('d', 'r4', '2024-01-03T00:00:00.000Z'), [])).rejects.toBeInstanceOf(LogicalDateTakenError);
        // The same instant written another way is no move.
        await expect(store.updateDagRun('d', 'r1', { logical_date: '2024-01-03T01:00:00+01:00' })).resolves.toMatchObject({ logical_date: '2024-01-03T01:00:00+01:00' });
      });

      test("children a parent task starts at its own date (Couture's backfill_rundag_ runs) share that date and take no other run's", async () => {
        const date = '2024-01-01T00:00:00.000Z';
        const parent = { dag_id: 'master', run_id: 'manual__p', task_id: 'run_child' };
        await seedRun('d', 'manual__first', ['a'], date);
        for (const runId of ['backfill_rundag_x__master.run_child', 'backfill_rundag_x__master.other', 'backfill_rundag_x__master.run_child__try2']) {
          await expect(store.createDagRun(runRecord('d', runId, date, { parent }), [tiRecord('d', runId, 'a')])).resolves.toBeUndefined();
        }
        await store.deleteDagRun('d', 'backfill_rundag_x__master.other');
        // The date stays with the run that claimed it; without a parent the prefix claims like any run id.
        await expect(store.createDagRun(runRecord('d', 'manual__second', date), [])).rejects.toMatchObject({ name: 'LogicalDateTakenError', existingRunId: 'manual__first' });
        await expect(store.createDagRun(runRecord('d', 'backfill_rundag_api', '2024-02-02T00:00:00.000Z'), [])).resolves.toBeUndefined();
        await expect(store.createDagRun(runRecord('d', 'manual__third', '2024-02-02T00:00:00.000Z'), [])).rejects.toMatchObject({ existingRunId: 'backfill_rundag_api' });
        expect((await store.listDagRuns('d')).map((r) => r.run_id).sort()).toEqual(['backfill_rundag_api', 'backfill_rundag_x__master.run_child', 'backfill_rundag_x__master.run_child__try2', 'manual__first']);
      });

      test('the same run id under another DAG is another run', async () => {
        await seedRun('d1', 'r');
        await expect(store.createDagRun(runRecord('d2', 'r', '2024-01-01T00:00:00.000Z'), [])).resolves.toBeUndefined();
        expect((await store.getDagRun('d2', 'r'))?.dag_id).toBe('d2');
      });

      test('updateDagRun merges changes, returns the new record, and removes fields set to undefined', async () => {
        const { run } = await seedRun();
        const updated = await store.updateDagRun('d', 'r1', { state: 'running', start_date: '2024-01-01T01:00:00.000Z', conf: { a: [1] }, note: undefined });
        const expected: Partial<DagRunRecord> = { ...run, state: 'running', start_date: '2024-01-01T01:00:00.000Z', conf: { a: [1] } };
        delete expected.note;
        expect(updated).toEqual(expected);
        expect(await store.getDagRun('d', 'r1')).toEqual(expected);
        expect(await store.updateDagRun('d', 'r1', {})).toEqual(expected);
      });

      test('a conditional updateDagRun writes only while its state and owed effects hold; otherwise ConditionFailedError with the current run', async () => {
        await seedRun();
        await store.updateDagRun('d', 'r1', { state: 'running' });
        const OWED = '{"steps":["callback"],"callback":"on_failure_callback"}';
        const ended = await store.updateDagRun('d', 'r1', { state: 'failed', effects_due: OWED }, { stateIn: ['running', 'queued'] });
        expect(ended).toMatchObject({ state: 'failed', effects_due: OWED });
        // A twin's end: refused, nothing changes, and the error carries the end that stands.
        const error = await rejection(store.updateDagRun('d', 'r1', { state: 'success', effects_due: '{}' }, { stateIn: ['running', 'queued'] }));
        expect(error).toBeInstanceOf(ConditionFailedError);
        expect((error as ConditionFailedError).current).toMatchObject({ state: 'failed', effects_due: OWED });
        // While it owes them, the ended run stays listed as owing (not as active).
        expect((await store.listActiveDagRuns({ dagId: 'd' })).map((r) => r.run_id)).toEqual([]);
        expect((await store.listActiveDagRuns()).map((r) => r.run_id)).toEqual([]);
        expect((await store.listActiveDagRuns({ owingEffects: true })).map((r) => [r.run_id, r.state])).toEqual([['r1', 'failed']]);
        expect((await store.listActiveDagRuns({ owingEffects: true, dagId: 'd' })).map((r) => r.run_id)).toEqual(['r1']);
        expect(await store.listActiveDagRuns({ owingEffects: true, dagId: 'other' })).toEqual([]);
        // A lease taken on them keeps it listed.
        const leased = '{"steps":["callback"],"callback":"on_failure_callback","lease_until":"2030-01-01T00:00:00.000Z"}';
        await store.updateDagRun('d', 'r1', { effects_due: leased }, { effectsDueIs: OWED, stateIn: ['failed', 'success'] });
        expect((await store.listActiveDagRuns({ owingEffects: true })).map((r) => r.run_id)).toEqual(['r1']);
        await store.updateDagRun('d', 'r1', { effects_due: OWED }, { effectsDueIs: leased });
        // The owed effects are claimed once.
        await expect(store.updateDagRun('d', 'r1', { effects_due: null }, { effectsDueIs: OWED })).resolves.toMatchObject({ state: 'failed' });
        await expect(store.updateDagRun('d', 'r1', { effects_due: null }, { effectsDueIs: OWED })).rejects.toBeInstanceOf(ConditionFailedError);
        expect((await store.getDagRun('d', 'r1'))?.effects_due ?? null).toBeNull();
        // Sent: the ended run left the index in the same write.
        expect(await store.listActiveDagRuns({ owingEffects: true })).toEqual([]);
        expect((await store.listActiveDagRuns({ dagId: 'd' })).map((r) => r.run_id)).toEqual([]);
        await expect(store.updateDagRun('d', 'missing', { state: 'failed' }, { stateIn: ['running'] })).rejects.toBeInstanceOf(NotFoundError);
      });

      test('updateDagRun of a missing run fails with NotFoundError and creates nothing', async () => {
        await expect(store.updateDagRun('d', 'missing', { state: 'failed' })).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.getDagRun('d', 'missing')).toBeUndefined();
        expect(await store.listDagRuns('d')).toEqual([]);
      });

      test('deleteDagRun removes the run, its task instances and XComs (and their blobs); other runs stay', async () => {
        await seedRun('d', 'r1');
        await seedRun('d', 'r2', ['a', 'b', 'c'], '2024-01-02T00:00:00.000Z');
        await store.setXCom(xcomRecord('d', 'r1', 'a', 'return_value', 1));
        await store.setXCom(xcomRecord('d', 'r1', 'b', 'big', BIG));
        await store.setXCom(xcomRecord('d', 'r2', 'a', 'return_value', 2));
        await store.deleteDagRun('d', 'r1');
        expect(await store.getDagRun('d', 'r1')).toBeUndefined();
        expect(await store.listTaskInstances('d', 'r1')).toEqual([]);
        expect(await store.listXComs('d', 'r1')).toEqual([]);
        expect(await blobKeys()).toEqual([]);
        expect(await store.getDagRun('d', 'r2')).toBeDefined();
        expect(await store.listTaskInstances('d', 'r2')).toHaveLength(3);
        expect((await store.listXComs('d', 'r2')).map((x) => x.value)).toEqual([2]);
        await expect(store.deleteDagRun('d', 'missing')).resolves.toBeUndefined();
      });
    });

    describe('listing runs', () => {
      // Logical dates: r05 newest; one written with an offset. A DAG has one run per logical date, so no ties.
      async function seedRuns() {
        const dates: [string, string, string][] = [
          ['r01', '2024-01-01T00:00:00.000Z', 'success'],
          ['r02a', '2024-01-01T12:00:00.000Z', 'success'],
          ['r02b', '2024-01-02T00:00:00.000Z', 'failed'],
          ['r03', '2024-01-03T02:00:00+02:00', 'running'], // = 2024-01-03T00:00:00Z
          ['r04', '2024-01-04T00:00:00.000Z', 'queued'],
          ['r05', '2024-01-05T00:00:00.000Z', 'running'],
        ];
        for (const [id, date, state] of dates) await store.createDagRun(runRecord('d', id, date, { state: state as DagRunRecord['state'] }), []);
        await store.createDagRun(runRecord('other', 'r99', '2024-02-01T00:00:00.000Z'), []);
      }

      test('in creation order (queued, else started, else logical date; ties newest logical date first), either way, paged; changes seen', async () => {
        const other = h.twin ?? store;
        const q = (iso: string | null, start: string | null = null) => ({ queued_at: iso, start_date: start });
        await store.createDagRun(runRecord('c', 'r1', '2024-01-05T00:00:00.000Z', q('2024-02-01T00:00:00.000Z')), []);
        await store.createDagRun(runRecord('c', 'r2', '2024-01-01T00:00:00.000Z', q('2024-02-03T00:00:00.000Z')), []);
        await other.createDagRun(runRecord('c', 'r3', '2024-01-03T00:00:00.000Z', q(null, '2024-02-02T00:00:00.000Z')), []);
        await store.createDagRun(runRecord('c', 'r4', '2024-01-04T00:00:00.000Z', q('2024-02-01T00:00:00.000Z')), []);
        await store.createDagRun(runRecord('other', 'r0', '2024-01-04T00:00:00.000Z'), []);
        const ids = async (on: MetadataStore, offset: number, limit: number, descending = false) => {
          const p = await on.listDagRunsByCreation('c', { offset, limit, descending });
          return [p.items.map((r) => r.run_id), p.total];
        };
        // r1 and r4 were queued at the same instant: the newer logical date (r1) first, either way.
        expect(await ids(store, 0, 10)).toEqual([['r1', 'r4', 'r3', 'r2'], 4]);
        expect(await ids(store, 0, 10, true)).toEqual([['r2', 'r3', 'r1', 'r4'], 4]);
        expect(await ids(store, 1, 2)).toEqual([['r4', 'r3'], 4]);
        expect(await ids(store, 4, 2)).toEqual([[], 4]);
        expect((await store.listDagRunsByCreation('c', { offset: 0, limit: 1 })).items[0]).toEqual(runRecord('c', 'r1', '2024-01-05T00:00:00.000Z', q('2024-02-01T00:00:00.000Z')));
        // Cleared (queued again), finished, deleted: through another process too.
        await other.updateDagRun('c', 'r1', { queued_at: '2024-03-01T00:00:00.000Z' });
        await other.updateDagRun('c', 'r4', { state: 'success' });
        expect(await ids(store, 0, 10)).toEqual([['r4', 'r3', 'r2', 'r1'], 4]);
        expect((await store.listDagRunsByCreation('c', { offset: 0, limit: 1 })).items[0]!.state).toBe('success');
        await other.deleteDagRun('c', 'r3');
        expect(await ids(store, 0, 10)).toEqual([['r4', 'r2', 'r1'], 3]);
        expect(await store.listDagRunsByCreation('none', { offset: 0, limit: 5 })).toEqual({ items: [], total: 0 });
      });

      test('newest logical date first, only the asked DAG', async () => {
        await seedRuns();
        expect((await store.listDagRuns('d')).map((r) => r.run_id)).toEqual(['r05', 'r04', 'r03', 'r02b', 'r02a', 'r01']);
        expect(await store.listDagRuns('nobody')).toEqual([]);
      });

      test('every limit/offset page is the matching slice of the full listing', async () => {
        await seedRuns();
        const all = (await store.listDagRuns('d')).map((r) => r.run_id);
        for (let limit = 0; limit <= 7; limit++) {
          for (let offset = 0; offset <= 7; offset++) {
            const ids = (await store.listDagRuns('d', { limit, offset })).map((r) => r.run_id);
            expect({ limit, offset, ids }).toEqual({ limit, offset, ids: all.slice(offset, offset + limit) });
          }
        }
        expect((await store.listDagRuns('d', { offset: 4 })).map((r) => r.run_id)).toEqual(['r02a', 'r01']);
      });

      test('states and logicalDateBefore filter (strictly before, any offset), with paging', async () => {
        await seedRuns();
        const ids = async (o: Parameters<MetadataStore['listDagRuns']>[1]) => (await store.listDagRuns('d', o)).map((r) => r.run_id);
        expect(await ids({ states: ['running'] })).toEqual(['r05', 'r03']);
        expect(await ids({ states: ['running', 'success'], limit: 2, offset: 1 })).toEqual(['r03', 'r02a']);
        expect(await ids({ states: [] })).toEqual([]);
        expect(await ids({ logicalDateBefore: '2024-01-03T00:00:00.000Z' })).toEqual(['r02b', 'r02a', 'r01']);
        expect(await ids({ logicalDateBefore: '2024-01-03T01:00:00+01:00' })).toEqual(['r02b', 'r02a', 'r01']);
        expect(await ids({ logicalDateBefore: '2024-01-03T00:00:00.001Z' })).toEqual(['r03', 'r02b', 'r02a', 'r01']);
        expect(await ids({ logicalDateBefore: '2024-01-05T00:00:00.000Z', states: ['success', 'failed'], limit: 1 })).toEqual(['r02b']);
        expect(await ids({ logicalDateBefore: '2024-01-01T00:00:00.000Z' })).toEqual([]);
      });

      test('a run whose logical date changes moves in the listing', async () => {
        await seedRuns();
        await store.updateDagRun('d', 'r01', { logical_date: '2025-01-01T00:00:00.000Z' });
        expect((await store.listDagRuns('d', { limit: 2 })).map((r) => r.run_id)).toEqual(['r01', 'r05']);
        expect((await store.listDagRuns('d', { logicalDateBefore: '2024-06-01T00:00:00.000Z' })).map((r) => r.run_id)).not.toContain('r01');
      });
    });

    describe('active runs (the sparse index)', () => {
      const ids = (runs: DagRunRecord[]) => runs.map((r) => `${r.dag_id}/${r.run_id}`);

      test('queued and running runs of every DAG, newest first; a finished run leaves, a cleared one comes back', async () => {
        await store.createDagRun(runRecord('d', 'q', '2024-01-01T00:00:00.000Z', { state: 'queued' }), []);
        await store.createDagRun(runRecord('d', 'r', '2024-01-02T00:00:00.000Z', { state: 'running' }), []);
        await store.createDagRun(runRecord('d', 's', '2024-01-03T00:00:00.000Z', { state: 'success' }), []);
        await store.createDagRun(runRecord('dd', 'r', '2024-01-02T00:00:00.000Z', { state: 'running' }), []);
        await store.createDagRun(runRecord('d#x', 'r', '2024-01-04T00:00:00.000Z', { state: 'running' }), []);
        expect(ids(await store.listActiveDagRuns())).toEqual(['d#x/r', 'd/r', 'dd/r', 'd/q']);
        expect(ids(await store.listActiveDagRuns({ dagId: 'd' }))).toEqual(['d/r', 'd/q']);
        expect(ids(await store.listActiveDagRuns({ states: ['queued'] }))).toEqual(['d/q']);
        expect(await store.listActiveDagRuns({ states: [] })).toEqual([]);

        await store.updateDagRun('d', 'r', { state: 'failed' });
        await store.updateDagRun('d', 'q', { note: 'a change that is not a state' });
        expect(ids(await store.listActiveDagRuns({ dagId: 'd' }))).toEqual(['d/q']);
        await store.updateDagRun('d', 's', { state: 'queued' }); // cleared
        expect(ids(await store.listActiveDagRuns({ dagId: 'd' }))).toEqual(['d/s', 'd/q']);
        expect((await store.listActiveDagRuns({ dagId: 'd' }))[0]).toEqual(await store.getDagRun('d', 's'));
      });

      test('listDagRuns with only active states answers from it, with the same order and paging', async () => {
        for (let i = 1; i <= 5; i++) {
          await store.createDagRun(runRecord('d', `r${i}`, `2024-01-0${i}T00:00:00.000Z`, { state: i % 2 ? 'running' : 'queued' }), []);
        }
        await store.createDagRun(runRecord('d', 'done', '2024-01-09T00:00:00.000Z', { state: 'success' }), []);
        const list = async (o: Parameters<MetadataStore['listDagRuns']>[1]) => (await store.listDagRuns('d', o)).map((r) => r.run_id);
        expect(await list({ states: ['queued', 'running'] })).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
        expect(await list({ states: ['running'], limit: 2, offset: 1 })).toEqual(['r3', 'r1']);
        await store.updateDagRun('d', 'r5', { state: 'success' });
        expect(await list({ states: ['running'] })).toEqual(['r3', 'r1']);
      });

      test('a moved logical date moves the run in the index; a deleted run leaves it', async () => {
        await store.createDagRun(runRecord('d', 'a', '2024-01-01T00:00:00.000Z', { state: 'running' }), []);
        await store.createDagRun(runRecord('d', 'b', '2024-01-02T00:00:00.000Z', { state: 'running' }), []);
        await store.updateDagRun('d', 'a', { logical_date: '2024-02-01T00:00:00.000Z' });
        expect((await store.listActiveDagRuns({ dagId: 'd' })).map((r) => [r.run_id, r.logical_date])).toEqual([
          ['a', '2024-02-01T00:00:00.000Z'],
          ['b', '2024-01-02T00:00:00.000Z'],
        ]);
        await store.deleteDagRun('d', 'a');
        expect((await store.listActiveDagRuns()).map((r) => r.run_id)).toEqual(['b']);
      });
    });

    describe('task instances across runs (the index by DAG)', () => {
      const rows = (page: Awaited<ReturnType<MetadataStore['listDagTaskInstances']>>) => page.items.map((x) => `${x.ti.run_id}/${x.ti.task_id}@${x.logical_date.slice(0, 10)}`);

      test('oldest logical date first, a run in creation order; state and date filters; pages with the total', async () => {
        const seed = async (dagId: string, runId: string, date: string, taskIds: string[]) =>
          store.createDagRun(runRecord(dagId, runId, date), taskIds.map((t) => tiRecord(dagId, runId, t)));
        await seed('d', 'late', '2024-01-03T00:00:00.000Z', ['z', 'a']);
        await seed('d', 'early', '2024-01-01T00:00:00+02:00', ['z', 'a']);
        await seed('d', 'mid', '2024-01-02T00:00:00.000Z', ['z', 'a']);
        await seed('d#x', 'early', '2024-01-01T00:00:00.000Z', ['other']);
        await seed('dd', 'early', '2024-01-01T00:00:00.000Z', ['other']);
        await store.updateTaskInstance('d', 'mid', 'a', { state: 'running' });
        await store.updateTaskInstance('d', 'late', 'z', { state: 'failed' });

        const all = await store.listDagTaskInstances('d');
        expect(rows(all)).toEqual(['early/z@2024-01-01', 'early/a@2024-01-01', 'mid/z@2024-01-02', 'mid/a@2024-01-02', 'late/z@2024-01-03', 'late/a@2024-01-03']);
        expect(all.total).toBe(6);
        expect(all.items[3]).toEqual({ ti: await store.getTaskInstance('d', 'mid', 'a'), logical_date: '2024-01-02T00:00:00.000Z' });
        expect(all.items[0]!.logical_date).toBe('2024-01-01T00:00:00+02:00');

        const paged = await store.listDagTaskInstances('d', { limit: 2, offset: 3 });
        expect(rows(paged)).toEqual(['mid/a@2024-01-02', 'late/z@2024-01-03']);
        expect(paged.total).toBe(6);
        expect(rows(await store.listDagTaskInstances('d', { limit: 2, offset: 6 }))).toEqual([]);

        const states = await store.listDagTaskInstances('d', { states: ['running', 'failed'] });
        expect([rows(states), states.total]).toEqual([['mid/a@2024-01-02', 'late/z@2024-01-03'], 2]);
        expect(rows(await store.listDagTaskInstances('d', { states: [null], limit: 1, offset: 1 }))).toEqual(['early/a@2024-01-01']);
        expect(await store.listDagTaskInstances('d', { states: [] })).toEqual({ items: [], total: 0 });

        // Bounds are inclusive instants, whatever offset the run was written with.
        const dated = await store.listDagTaskInstances('d', { logicalDateGte: '2023-12-31T22:00:00.000Z', logicalDateLte: '2024-01-02T00:00:00.000Z' });
        expect([rows(dated).length, dated.total]).toEqual([4, 4]);
        expect(rows(await store.listDagTaskInstances('d', { logicalDateGte: '2024-01-02T00:00:00.001Z' }))).toEqual(['late/z@2024-01-03', 'late/a@2024-01-03']);
        expect(rows(await store.listDagTaskInstances('d#x'))).toEqual(['early/other@2024-01-01']);
        expect(await store.listDagTaskInstances('nope')).toEqual({ items: [], total: 0 });
      });

      test('follows a moved logical date and a deleted run; mapped instances are not listed', async () => {
        await store.createDagRun(runRecord('d', 'a', '2024-01-01T00:00:00.000Z'), [tiRecord('d', 'a', 't')]);
        await store.createDagRun(runRecord('d', 'b', '2024-01-02T00:00:00.000Z'), [tiRecord('d', 'b', 't')]);
        await store.createMappedTaskInstances('d', 'b', [tiRecord('d', 'b', 't', { map_index: 0 })]);
        await store.updateDagRun('d', 'a', { logical_date: '2024-02-01T00:00:00.000Z' });
        expect(rows(await store.listDagTaskInstances('d'))).toEqual(['b/t@2024-01-02', 'a/t@2024-02-01']);
        await store.deleteDagRun('d', 'b');
        expect(rows(await store.listDagTaskInstances('d'))).toEqual(['a/t@2024-02-01']);
      });

      test('several DAGs as one listing: merged by logical date, ties in the order the DAGs were given; pages, states, dates', async () => {
        await store.createDagRun(runRecord('p', 'p1', '2024-01-01T00:00:00.000Z'), [tiRecord('p', 'p1', 'x'), tiRecord('p', 'p1', 'y', { state: 'failed' })]);
        await store.createDagRun(runRecord('p', 'p2', '2024-01-03T00:00:00.000Z'), [tiRecord('p', 'p2', 'x')]);
        await store.createDagRun(runRecord('q', 'q1', '2024-01-01T00:00:00.000Z'), [tiRecord('q', 'q1', 'z')]);
        await store.createDagRun(runRecord('q', 'q2', '2024-01-02T00:00:00.000Z'), [tiRecord('q', 'q2', 'z', { state: 'failed' })]);
        const listed = async (ids: string[], o: Parameters<MetadataStore['listTaskInstancesOfDags']>[1] = {}) => {
          const p = await store.listTaskInstancesOfDags(ids, o);
          return [rows(p), p.total];
        };
        const pq = ['p1/x@2024-01-01', 'p1/y@2024-01-01', 'q1/z@2024-01-01', 'q2/z@2024-01-02', 'p2/x@2024-01-03'];
        expect(await listed(['p', 'q'])).toEqual([pq, 5]);
        expect(await listed(['q', 'p'])).toEqual([['q1/z@2024-01-01', 'p1/x@2024-01-01', 'p1/y@2024-01-01', 'q2/z@2024-01-02', 'p2/x@2024-01-03'], 5]);
        for (const [offset, limit] of [[0, 2], [1, 3], [4, 10], [5, 1], [0, 0]] as const) expect(await listed(['p', 'q'], { offset, limit })).toEqual([pq.slice(offset, offset + limit), 5]);
        expect(await listed(['p', 'q', 'none'], { states: ['failed'], limit: 1, offset: 1 })).toEqual([['q2/z@2024-01-02'], 2]);
        expect(await listed(['p', 'q'], { logicalDateGte: '2024-01-02T00:00:00.000Z', limit: 5 })).toEqual([['q2/z@2024-01-02', 'p2/x@2024-01-03'], 2]);
        expect(await listed([], { limit: 5 })).toEqual([[], 0]);
      });

      test("every page is the slice of the whole listing: runs of different task sets, repeated and escaped task ids, each run's creation order", async () => {
        const parent = { dag_id: 'm', run_id: 'r3', task_id: 't' };
        const seed = async (runId: string, date: string, taskIds: string[], child = false) =>
          store.createDagRun(runRecord('m', runId, date, child ? { parent } : {}), taskIds.map((t, i) => tiRecord('m', runId, t, { try_number: i })));
        await seed('r2', '2024-01-02T00:00:00.000Z', ['b', 'a#1', 'c%23', 'a']);
        await seed('r1', '2024-01-01T00:00:00.000Z', ['z', 'y']);
        // A repeated task id keeps its first place; the last record wins.
        await seed('r3', '2024-01-03T00:00:00.000Z', ['q', 'p', 'q', 'o']);
        // Children sharing their parent's logical date: ordered with it by run id.
        await seed('backfill_rundag_r3', '2024-01-03T00:00:00.000Z', ['z', 'y'], true);
        await seed('backfill_rundag_0', '2024-01-03T00:00:00.000Z', [], true);
        await seed('backfill_rundag_S', '2024-01-03T00:00:00.000Z', ['k'], true);
        await seed('r#5', '2024-01-04T00:00:00.000Z', ['b', 'a#1', 'c%23', 'a']);
        const whole = await store.listDagTaskInstances('m');
        expect(rows(whole)).toEqual([
          'r1/z@2024-01-01', 'r1/y@2024-01-01',
          'r2/b@2024-01-02', 'r2/a#1@2024-01-02', 'r2/c%23@2024-01-02', 'r2/a@2024-01-02',
          'backfill_rundag_r3/z@2024-01-03', 'backfill_rundag_r3/y@2024-01-03',
          'backfill_rundag_S/k@2024-01-03',
          'r3/q@2024-01-03', 'r3/p@2024-01-03', 'r3/o@2024-01-03',
          'r#5/b@2024-01-04', 'r#5/a#1@2024-01-04', 'r#5/c%23@2024-01-04', 'r#5/a@2024-01-04',
        ]);
        expect(whole.total).toBe(16);
        expect(whole.items[9]!.ti.try_number).toBe(2);
        for (let offset = 0; offset <= 17; offset++) {
          for (const limit of [1, 4, 100]) {
            const paged = await store.listDagTaskInstances('m', { offset, limit });
            expect([paged.items, paged.total]).toEqual([whole.items.slice(offset, offset + limit), 16]);
          }
        }
        const other = h.twin ?? store;
        expect(await other.listDagTaskInstances('m', { offset: 5, limit: 5 })).toEqual({ items: whole.items.slice(5, 10), total: 16 });
      });

      test('pages see every change before them: a new run, a moved or deleted one, a state, through this process or another', async () => {
        const other = h.twin ?? store;
        const paged = async (on: MetadataStore, offset = 0) => {
          const p = await on.listDagTaskInstances('d', { limit: 2, offset });
          return [rows(p), p.total];
        };
        await store.createDagRun(runRecord('d', 'a', '2024-01-01T00:00:00.000Z'), [tiRecord('d', 'a', 'x'), tiRecord('d', 'a', 'y')]);
        expect(await paged(store)).toEqual([['a/x@2024-01-01', 'a/y@2024-01-01'], 2]);
        await other.createDagRun(runRecord('d', 'b', '2023-12-01T00:00:00.000Z'), [tiRecord('d', 'b', 'x')]);
        expect(await paged(store)).toEqual([['b/x@2023-12-01', 'a/x@2024-01-01'], 3]);
        expect(await paged(store, 2)).toEqual([['a/y@2024-01-01'], 3]);
        await other.updateTaskInstance('d', 'a', 'x', { state: 'failed' });
        expect((await store.listDagTaskInstances('d', { limit: 1, offset: 1 })).items[0]!.ti.state).toBe('failed');
        await other.updateDagRun('d', 'b', { logical_date: '2024-03-01T00:00:00.000Z' });
        expect(await paged(store, 1)).toEqual([['a/y@2024-01-01', 'b/x@2024-03-01'], 3]);
        await other.deleteDagRun('d', 'a');
        expect(await paged(store)).toEqual([['b/x@2024-03-01'], 1]);
        expect(await paged(other)).toEqual([['b/x@2024-03-01'], 1]);
      });
    });

    describe('task instances', () => {
      test('created with the run; listed in creation order; read one by one', async () => {
        const { tis } = await seedRun('d', 'r1', ['zeta', 'alpha', 'mid']);
        expect(await store.listTaskInstances('d', 'r1')).toEqual(tis);
        expect(await store.getTaskInstance('d', 'r1', 'alpha')).toEqual(tis[1]);
        expect(await store.getTaskInstance('d', 'r1', 'nope')).toBeUndefined();
        expect(await store.getTaskInstance('d', 'nope', 'alpha')).toBeUndefined();
        expect(await store.listTaskInstances('d', 'nope')).toEqual([]);
      });

      test('a run and one of its task instances read together', async () => {
        const { tis } = await seedRun('d', 'r1', ['a', 'b']);
        expect(await store.getDagRunAndTaskInstance('d', 'r1', 'b')).toEqual({ run: await store.getDagRun('d', 'r1'), ti: tis[1] });
        expect(await store.getDagRunAndTaskInstance('d', 'r1', 'nope')).toEqual({ run: await store.getDagRun('d', 'r1'), ti: undefined });
        expect(await store.getDagRunAndTaskInstance('d', 'nope', 'a')).toEqual({ run: undefined, ti: undefined });
      });

      test('listed by state, in creation order (null = no state)', async () => {
        await seedRun('d', 'r1', ['a', 'b', 'c', 'e']);
        await store.updateTaskInstance('d', 'r1', 'c', { state: 'scheduled' });
        await store.updateTaskInstance('d', 'r1', 'a', { state: 'scheduled' });
        await store.updateTaskInstance('d', 'r1', 'b', { state: 'running' });
        expect((await store.listTaskInstances('d', 'r1', { states: ['scheduled'] })).map((t) => t.task_id)).toEqual(['a', 'c']);
        expect((await store.listTaskInstances('d', 'r1', { states: [null, 'running'] })).map((t) => t.task_id)).toEqual(['b', 'e']);
        expect(await store.listTaskInstances('d', 'r1', { states: [] })).toEqual([]);
      });

      test('several read at once, in the order asked (undefined where there is none), more than one batch too', async () => {
        const ids = Array.from({ length: 130 }, (_, i) => `t${i}`);
        await seedRun('d', 'r1', ids);
        await store.updateTaskInstance('d', 'r1', 't120', { state: 'success' });
        const asked = ['t120', 'nope', 't0', ...ids.slice(1, 110)];
        const got = await store.getTaskInstances('d', 'r1', asked);
        expect(got.map((t) => t?.task_id)).toEqual(asked.map((id) => (id === 'nope' ? undefined : id)));
        expect(got[0]).toEqual(await store.getTaskInstance('d', 'r1', 't120'));
        expect(got[0]!.state).toBe('success');
        expect(await store.getTaskInstances('d', 'other', ['t0'])).toEqual([undefined]);
        expect(await store.getTaskInstances('d', 'r1', [])).toEqual([]);
      });

      test('only the states of several, in the order asked (undefined where there is none, null for no state), more than one batch too', async () => {
        const ids = Array.from({ length: 130 }, (_, i) => `t${i}`);
        await seedRun('d', 'r1', ids);
        await store.updateTaskInstance('d', 'r1', 't120', { state: 'success' });
        await store.updateTaskInstance('d', 'r1', 't3', { state: 'upstream_failed' });
        const asked = ['t120', 'nope', 't0', 't3', ...ids.slice(4, 110), 't120'];
        const states = await store.getTaskInstanceStates('d', 'r1', asked);
        expect(states).toEqual(asked.map((id) => (id === 'nope' ? undefined : id === 't120' ? 'success' : id === 't3' ? 'upstream_failed' : null)));
        expect(await store.getTaskInstanceStates('d', 'other', ['t0'])).toEqual([undefined]);
        expect(await store.getTaskInstanceStates('d', 'r1', [])).toEqual([]);
      });

      test('the waiting ones (scheduled) of every run of a DAG, from their index: oldest run first, creation order, at most limit', async () => {
        await seedRun('d', 'later', ['a', 'b', 'c'], '2024-01-02T00:00:00.000Z');
        await seedRun('d', 'first', ['a', 'b', 'c'], '2024-01-01T00:00:00.000Z');
        await seedRun('other', 'first', ['a'], '2024-01-01T00:00:00.000Z');
        for (const [run, task] of [['later', 'c'], ['later', 'a'], ['first', 'b']] as const) await store.updateTaskInstance('d', run, task, { state: 'scheduled', token: `tok-${run}-${task}` });
        await store.updateTaskInstance('other', 'first', 'a', { state: 'scheduled' });
        const waiting = async (limit?: number) => (await store.listWaitingTaskInstances('d', limit)).map((t) => `${t.run_id}.${t.task_id}`);
        expect(await waiting()).toEqual(['first.b', 'later.a', 'later.c']);
        expect(await waiting(2)).toEqual(['first.b', 'later.a']);
        expect(await waiting(0)).toEqual([]);
        // The records as stored (no index attributes).
        expect(await store.listWaitingTaskInstances('d', 1)).toEqual([await store.getTaskInstance('d', 'first', 'b')]);
        // Leaving `scheduled` leaves the index; entering it again re-enters; a deleted run's are gone.
        await store.updateTaskInstance('d', 'later', 'a', { state: 'queued' });
        await store.updateTaskInstance('d', 'later', 'b', { state: 'scheduled' });
        expect(await waiting()).toEqual(['first.b', 'later.b', 'later.c']);
        await store.updateTaskInstance('d', 'later', 'c', { token: 'changed' }); // no state change: stays
        await store.deleteDagRun('d', 'first');
        expect(await waiting()).toEqual(['later.b', 'later.c']);
        expect(await store.listWaitingTaskInstances('nope')).toEqual([]);
      });

      test('task ids with separators and prefixes of each other stay apart', async () => {
        const ids = ['a', 'a#b', 'a%23b', 'ab', 'grp.task', 'ünï-cødé'];
        await seedRun('d#x', 'r#1', ids);
        expect((await store.listTaskInstances('d#x', 'r#1')).map((t) => t.task_id)).toEqual(ids);
        await store.updateTaskInstance('d#x', 'r#1', 'a', { state: 'success' });
        expect((await store.listTaskInstances('d#x', 'r#1')).filter((t) => t.state === 'success').map((t) => t.task_id)).toEqual(['a']);
        expect(await store.listTaskInstances('d', 'x#r#1')).toEqual([]);
      });

      test('an update without condition merges changes and returns the new record', async () => {
        const { tis } = await seedRun();
        const changes: Partial<TaskInstanceRecord> = { state: 'running', try_number: 1, hostname: 'h1', rendered_fields: { bash_command: 'echo {"a": 1}', env: { X: '' } }, note: undefined };
        const expected: Partial<TaskInstanceRecord> = { ...tis[0], state: 'running', try_number: 1, hostname: 'h1', rendered_fields: { bash_command: 'echo {"a": 1}', env: { X: '' } } };
        delete expected.note;
        expect(await store.updateTaskInstance('d', 'r1', 'a', changes)).toEqual(expected);
        expect(await store.getTaskInstance('d', 'r1', 'a')).toEqual(expected);
        expect(await store.updateTaskInstance('d', 'r1', 'a', {}, { stateIn: ['running'] })).toEqual(expected);
      });

      test('stateIn: null matches "no state"; a failed condition carries the current record', async () => {
        const { tis } = await seedRun();
        const queued = await store.updateTaskInstance('d', 'r1', 'a', { state: 'queued' }, { stateIn: [null, 'scheduled'] });
        expect(queued.state).toBe('queued');
        const error = await rejection(store.updateTaskInstance('d', 'r1', 'a', { state: 'running' }, { stateIn: [null, 'scheduled'] }));
        expect(error).toBeInstanceOf(ConditionFailedError);
        expect((error as ConditionFailedError).current).toEqual({ ...tis[0], state: 'queued' });
        expect((await store.getTaskInstance('d', 'r1', 'a'))?.state).toBe('queued');
        await expect(store.updateTaskInstance('d', 'r1', 'b', { state: 'queued' }, { stateIn: ['scheduled'] })).rejects.toBeInstanceOf(ConditionFailedError);
        await expect(store.updateTaskInstance('d', 'r1', 'b', { state: 'queued' }, { stateIn: [] })).rejects.toBeInstanceOf(ConditionFailedError);
      });

      test('decisionAbsent and tryNumber; all conditions must hold', async () => {
        await seedRun();
        await store.updateTaskInstance('d', 'r1', 'a', { state: 'scheduled', try_number: 1, token: 't1' });
        await expect(store.updateTaskInstance('d', 'r1', 'a', { decision: 'run' }, { decisionAbsent: true, tryNumber: 2 })).rejects.toBeInstanceOf(ConditionFailedError);
        await expect(store.updateTaskInstance('d', 'r1', 'a', { decision: 'run' }, { decisionAbsent: true, tryNumber: 1, stateIn: ['queued'] })).rejects.toBeInstanceOf(ConditionFailedError);
        const decided = await store.updateTaskInstance('d', 'r1', 'a', { decision: 'run' }, { decisionAbsent: true, tryNumber: 1, stateIn: ['scheduled'] });
        expect(decided).toMatchObject({ decision: 'run', token: 't1', try_number: 1 });
        const error = await rejection(store.updateTaskInstance('d', 'r1', 'a', { decision: 'skip' }, { decisionAbsent: true }));
        expect(error).toBeInstanceOf(ConditionFailedError);
        expect((error as ConditionFailedError).current).toMatchObject({ decision: 'run' });
        await store.updateTaskInstance('d', 'r1', 'a', { decision: null, token: 't2' });
        await expect(store.updateTaskInstance('d', 'r1', 'a', { decision: 'skip' }, { decisionAbsent: true })).resolves.toMatchObject({ decision: 'skip' });
      });

      test('effectsDueIs: owed side effects of a try are claimed once', async () => {
        await seedRun();
        await store.updateTaskInstance('d', 'r1', 'a', { state: 'running', try_number: 1 });
        const owed = '{"try_number":1,"retry":false}';
        await store.updateTaskInstance('d', 'r1', 'a', { state: 'failed', effects_due: owed }, { stateIn: ['running'], tryNumber: 1 });
        await expect(store.updateTaskInstance('d', 'r1', 'a', { effects_due: null }, { effectsDueIs: 'other', tryNumber: 1 })).rejects.toBeInstanceOf(ConditionFailedError);
        await expect(store.updateTaskInstance('d', 'r1', 'a', { effects_due: null }, { effectsDueIs: owed, tryNumber: 1 })).resolves.toMatchObject({ state: 'failed' });
        const error = await rejection(store.updateTaskInstance('d', 'r1', 'a', { effects_due: null }, { effectsDueIs: owed, tryNumber: 1 }));
        expect(error).toBeInstanceOf(ConditionFailedError);
        expect((error as ConditionFailedError).current).toMatchObject({ state: 'failed' });
      });

      test('tokenIs: a token is forgotten only while it is still the recorded one', async () => {
        await seedRun();
        await store.updateTaskInstance('d', 'r1', 'a', { decision: 'run', token: 't1' });
        await store.updateTaskInstance('d', 'r1', 'a', { token: 't2' });
        await expect(store.updateTaskInstance('d', 'r1', 'a', { token: null }, { tokenIs: 't1' })).rejects.toBeInstanceOf(ConditionFailedError);
        expect((await store.getTaskInstance('d', 'r1', 'a'))?.token).toBe('t2');
        await expect(store.updateTaskInstance('d', 'r1', 'a', { token: null }, { tokenIs: 't2' })).resolves.toMatchObject({ token: null, decision: 'run' });
        await expect(store.updateTaskInstance('d', 'r1', 'a', { token: null }, { tokenIs: 't2' })).rejects.toBeInstanceOf(ConditionFailedError);
      });

      test('mapped task instances: created idempotently, kept apart from the task record, listed by map_index, updated with conditions', async () => {
        const { tis } = await seedRun('d', 'r1', ['a', 'fan']);
        const fan = tis[1]!;
        const indexes = [2, 0, 1, 10].map((i) => ({ ...fan, map_index: i }));
        await store.createMappedTaskInstances('d', 'r1', indexes);
        expect((await store.listMappedTaskInstances('d', 'r1', 'fan')).map((t) => t.map_index)).toEqual([0, 1, 2, 10]);
        expect(await store.listTaskInstances('d', 'r1')).toEqual(tis); // the task's own records only
        expect(await store.listMappedTaskInstances('d', 'r1', 'a')).toEqual([]);
        const queued = await store.updateMappedTaskInstance('d', 'r1', 'fan', 1, { state: 'queued', try_number: 1 }, { stateIn: [null], tryNumber: 0 });
        expect(queued).toMatchObject({ task_id: 'fan', map_index: 1, state: 'queued', try_number: 1 });
        await expect(store.updateMappedTaskInstance('d', 'r1', 'fan', 1, { state: 'running' }, { stateIn: [null] })).rejects.toBeInstanceOf(ConditionFailedError);
        await expect(store.updateMappedTaskInstance('d', 'r1', 'fan', 7, { state: 'running' })).rejects.toBeInstanceOf(NotFoundError);
        // Created again (a redelivered expansion): what exists is kept as it is.
        await store.createMappedTaskInstances('d', 'r1', [{ ...fan, map_index: 1 }, { ...fan, map_index: 3 }]);
        expect((await store.getMappedTaskInstance('d', 'r1', 'fan', 1))?.state).toBe('queued');
        expect((await store.listMappedTaskInstances('d', 'r1', 'fan')).map((t) => t.map_index)).toEqual([0, 1, 2, 3, 10]);
        expect((await store.getTaskInstance('d', 'r1', 'fan'))?.map_index).toBe(-1);
        await store.deleteDagRun('d', 'r1');
        expect(await store.listMappedTaskInstances('d', 'r1', 'fan')).toEqual([]);
      });

      test('deleteXComs of one map index leaves the other indexes', async () => {
        await seedRun('d', 'r1', ['fan']);
        const x = { dag_id: 'd', run_id: 'r1', task_id: 'fan', key: 'return_value', timestamp: '2024-01-01T00:00:00.000Z' };
        for (const i of [0, 1, 10]) await store.setXCom({ ...x, map_index: i, value: i });
        await store.deleteXComs('d', 'r1', 'fan', 1);
        expect((await store.listXComs('d', 'r1', 'fan')).map((r) => r.map_index).sort((a, b) => a - b)).toEqual([0, 10]);
      });

      test('updating a missing task instance fails with NotFoundError, with or without a condition', async () => {
        await seedRun();
        await expect(store.updateTaskInstance('d', 'r1', 'nope', { state: 'running' })).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.updateTaskInstance('d', 'nope', 'a', { state: 'running' }, { stateIn: [null] })).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.getTaskInstance('d', 'r1', 'nope')).toBeUndefined();
      });

      test('racing claims (stateIn): exactly one wins, the others see the winner', async () => {
        await seedRun();
        await store.updateTaskInstance('d', 'r1', 'a', { state: 'scheduled' });
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) => store.updateTaskInstance('d', 'r1', 'a', { state: 'queued', hostname: `worker-${i}` }, { stateIn: ['scheduled'] })),
        );
        const winners = results.filter((r): r is PromiseFulfilledResult<TaskInstanceRecord> => r.status === 'fulfilled');
        expect(winners).toHaveLength(1);
        const winner = winners[0]!.value.hostname;
        for (const r of results) {
          if (r.status === 'fulfilled') continue;
          expect(r.reason).toBeInstanceOf(ConditionFailedError);
          expect((r.reason as ConditionFailedError).current).toMatchObject({ state: 'queued', hostname: winner });
        }
        expect((await store.getTaskInstance('d', 'r1', 'a'))?.hostname).toBe(winner);
      });

      test('racing decisions (decisionAbsent + tryNumber): exactly one wins', async () => {
        await seedRun();
        await store.updateTaskInstance('d', 'r1', 'b', { try_number: 3, token: 'tok' });
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => store.updateTaskInstance('d', 'r1', 'b', { decision: i % 2 ? 'run' : 'skip', note: `caller ${i}` }, { decisionAbsent: true, tryNumber: 3 })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ConditionFailedError)).toHaveLength(9);
      });
    });

    describe('slots', () => {
      test('taken per holder up to the limit; a release frees what its holder held; releasing twice is a no-op', async () => {
        expect(await store.acquireSlot('pool:p', 2, 'h1')).toBe(true);
        expect(await store.acquireSlot('pool:p', 2, 'h2')).toBe(true);
        expect(await store.acquireSlot('pool:p', 2, 'h3')).toBe(false);
        expect(await store.acquireSlot('pool:p', 3, 'h3')).toBe(true); // the limit is the caller's, per call
        await store.releaseSlot('pool:p', 'h1');
        await store.releaseSlot('pool:p', 'h1');
        expect(await store.acquireSlot('pool:p', 3, 'h4')).toBe(true);
        expect(await store.acquireSlot('pool:p', 3, 'h5')).toBe(false);
        await store.releaseSlot('dag:fresh', 'nobody');
        expect(await store.acquireSlot('dag:fresh', 1, 'a')).toBe(true);
        expect(await store.acquireSlot('dag:fresh', 1, 'b')).toBe(false);
        expect(await store.acquireSlot('dag:zero', 0, 'a')).toBe(false);
        expect(await store.acquireSlot('dag#x', 1, 'a')).toBe(true); // scopes are independent
        expect(await store.acquireSlot('pool:inf', Infinity, 'a')).toBe(true);
      });

      test('taking again for a holder that holds is a no-op that says true', async () => {
        expect(await store.acquireSlot('pool:again', 1, 'run/t/1')).toBe(true);
        expect(await store.acquireSlot('pool:again', 1, 'run/t/1')).toBe(true);
        expect(await store.listSlotHolders('pool:again')).toEqual([{ holder: 'run/t/1', slots: 1 }]);
        await store.releaseSlot('pool:again', 'run/t/1');
        expect(await store.listSlotHolders('pool:again')).toEqual([]);
        expect(await store.acquireSlot('pool:again', 1, 'run/t/2')).toBe(true);
      });

      test('a holder takes several slots at once, all or none, and gives them all back', async () => {
        expect(await store.acquireSlot('pool:big', 3, 'a', 2)).toBe(true);
        expect(await store.acquireSlot('pool:big', 3, 'b', 2)).toBe(false);
        expect(await store.acquireSlot('pool:big', 3, 'c', 1)).toBe(true);
        expect(await store.acquireSlot('pool:big', 3, 'd', 5)).toBe(false);
        expect((await store.listSlotHolders('pool:big')).sort((x, y) => x.holder.localeCompare(y.holder))).toEqual([
          { holder: 'a', slots: 2 },
          { holder: 'c', slots: 1 },
        ]);
        await store.releaseSlot('pool:big', 'a');
        expect(await store.acquireSlot('pool:big', 3, 'b', 2)).toBe(true);
      });

      test('holder ids of any characters (run ids with : + / and dots)', async () => {
        const holder = slotHolder({ dag_id: 'd.x', run_id: 'manual__2024-01-01T00:00:00+00:00/#1', task_id: 'g.t' }, 3);
        expect(parseSlotHolder(holder)).toEqual({ dag_id: 'd.x', run_id: 'manual__2024-01-01T00:00:00+00:00/#1', task_id: 'g.t', try_number: 3 });
        expect(await store.acquireSlot('dag:d.x', 1, holder)).toBe(true);
        expect(await store.listSlotHolders('dag:d.x')).toEqual([{ holder, slots: 1 }]);
        await store.releaseSlot('dag:d.x', holder);
        expect(await store.listSlotHolders('dag:d.x')).toEqual([]);
      });

      test('20 concurrent acquirers never exceed the limit; the same holder twice counts once', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.acquireSlot('pool:race', 5, `h${i % 10}`)));
        const holders = await store.listSlotHolders('pool:race');
        expect(holders).toHaveLength(5);
        expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(5);
        expect(await store.acquireSlot('pool:race', 5, 'other')).toBe(false);
      });

      test('concurrent releases of one holder free its slots once', async () => {
        await store.acquireSlot('pool:rel', 2, 'a');
        await store.acquireSlot('pool:rel', 2, 'b');
        await Promise.all(Array.from({ length: 5 }, () => store.releaseSlot('pool:rel', 'a')));
        expect(await store.acquireSlot('pool:rel', 2, 'c')).toBe(true);
        expect(await store.acquireSlot('pool:rel', 2, 'd')).toBe(false);
      });

      test('20 concurrent workers holding and releasing slots never hold more than the limit', async () => {
        let held = 0;
        let maxHeld = 0;
        let done = 0;
        const worker = async (id: number) => {
          for (let round = 0; round < 3; ) {
            const holder = `w${id}/${round}`;
            if (await store.acquireSlot('dag:busy', 3, holder)) {
              held++;
              maxHeld = Math.max(maxHeld, held);
              await new Promise((resolve) => setTimeout(resolve, 2));
              held--;
              await store.releaseSlot('dag:busy', holder);
              round++;
            } else {
              await new Promise((resolve) => setTimeout(resolve, 1));
            }
          }
          done++;
        };
        await Promise.all(Array.from({ length: 20 }, (_, i) => worker(i)));
        expect(done).toBe(20);
        expect(maxHeld).toBeLessThanOrEqual(3);
        expect(maxHeld).toBeGreaterThan(0);
        expect(await store.listSlotHolders('dag:busy')).toEqual([]);
        const after = await Promise.all(Array.from({ length: 5 }, (_, i) => store.acquireSlot('dag:busy', 3, `after${i}`)));
        expect(after.filter(Boolean)).toHaveLength(3);
      });

      test('a burst of 50 runs taking and giving back slots leaves the counts exact: the whole limit can be taken at once after', async () => {
        const holders = Array.from({ length: 50 }, (_, i) => slotHolder({ dag_id: 'burst', run_id: `run_${i}`, task_id: 't' }, 1));
        const taken = await Promise.all(holders.map((h) => store.acquireSlot('pool:burst', 16, h)));
        expect(taken.filter(Boolean)).toHaveLength(16);
        const holding = await store.listSlotHolders('pool:burst');
        expect(holding.reduce((n, h) => n + h.slots, 0)).toBe(16);
        expect(await store.acquireSlot('pool:burst', 16, 'late')).toBe(false);
        await Promise.all(holders.map((h) => store.releaseSlot('pool:burst', h)));
        expect(await store.listSlotHolders('pool:burst')).toEqual([]);
        expect(await store.acquireSlot('pool:burst', 16, 'all', 16)).toBe(true);
        expect(await store.acquireSlot('pool:burst', 16, 'one-more')).toBe(false);
        expect(await store.listSlotHolders('pool:burst')).toEqual([{ holder: 'all', slots: 16 }]);
      });
    });

    describe('XComs', () => {
      test('set, get and overwrite; values of every JSON kind', async () => {
        const values: unknown[] = ['text', 42, 0.5, true, null, [1, [2, {}]], { '': 1, nested: { a: [null, 'x'] } }, ''];
        for (const [i, value] of values.entries()) await store.setXCom(xcomRecord('d', 'r1', 'a', `k${i}`, value));
        for (const [i, value] of values.entries()) expect(await store.getXCom('d', 'r1', 'a', `k${i}`)).toEqual(xcomRecord('d', 'r1', 'a', `k${i}`, value));
        await store.setXCom(xcomRecord('d', 'r1', 'a', 'k0', { replaced: true }, { timestamp: '2024-01-02T00:00:00.000Z' }));
        expect(await store.getXCom('d', 'r1', 'a', 'k0')).toEqual(xcomRecord('d', 'r1', 'a', 'k0', { replaced: true }, { timestamp: '2024-01-02T00:00:00.000Z' }));
        expect(await store.listXComs('d', 'r1', 'a')).toHaveLength(values.length);
        expect(await store.getXCom('d', 'r1', 'a', 'missing')).toBeUndefined();
        expect(await store.getXCom('d', 'r2', 'a', 'k0')).toBeUndefined();
      });

      test('getXCom reads the unmapped value (map index -1) unless given a map index; listings include mapped ones', async () => {
        await store.setXCom(xcomRecord('d', 'r1', 'm', 'return_value', 'mapped-0', { map_index: 0 }));
        expect(await store.getXCom('d', 'r1', 'm', 'return_value')).toBeUndefined();
        await store.setXCom(xcomRecord('d', 'r1', 'm', 'return_value', 'unmapped'));
        expect((await store.getXCom('d', 'r1', 'm', 'return_value'))?.value).toBe('unmapped');
        expect((await store.getXCom('d', 'r1', 'm', 'return_value', 0))?.value).toBe('mapped-0');
        expect(await store.getXCom('d', 'r1', 'm', 'return_value', 1)).toBeUndefined();
        expect((await store.listXComs('d', 'r1', 'm')).map((x) => [x.map_index, x.value])).toEqual([
          [0, 'mapped-0'],
          [-1, 'unmapped'],
        ]);
      });

      test('listed by run or by task, in first-write order (an overwrite keeps its place)', async () => {
        await store.setXCom(xcomRecord('d', 'r1', 'b', 'k', 1));
        await store.setXCom(xcomRecord('d', 'r1', 'a', 'k', 2));
        await store.setXCom(xcomRecord('d', 'r1', 'ab', 'k', 3));
        await store.setXCom(xcomRecord('d', 'r1', 'a#b', 'k', 4));
        await store.setXCom(xcomRecord('d', 'r1', 'b', 'k', 5));
        await store.setXCom(xcomRecord('d', 'r2', 'a', 'k', 6));
        expect((await store.listXComs('d', 'r1')).map((x) => [x.task_id, x.value])).toEqual([
          ['b', 5],
          ['a', 2],
          ['ab', 3],
          ['a#b', 4],
        ]);
        expect((await store.listXComs('d', 'r1', 'a')).map((x) => x.value)).toEqual([2]);
        expect(await store.listXComs('d', 'r1', 'none')).toEqual([]);
      });

      test("deleteXComs removes one task's XComs only", async () => {
        for (const task of ['a', 'ab', 'a#b', 'b']) await store.setXCom(xcomRecord('d', 'r1', task, 'k', task));
        await store.setXCom(xcomRecord('d', 'r1', 'a', 'k', 'mapped', { map_index: 3 }));
        await store.setXCom(xcomRecord('d', 'r2', 'a', 'k', 'other run'));
        await store.deleteXComs('d', 'r1', 'a');
        expect((await store.listXComs('d', 'r1')).map((x) => x.task_id)).toEqual(['ab', 'a#b', 'b']);
        expect(await store.listXComs('d', 'r2', 'a')).toHaveLength(1);
        await store.setXCom(xcomRecord('d', 'r1', 'a', 'k', 'again'));
        expect((await store.listXComs('d', 'r1')).map((x) => x.task_id)).toEqual(['ab', 'a#b', 'b', 'a']);
        await expect(store.deleteXComs('d', 'r1', 'none')).resolves.toBeUndefined();
      });

      test('a value over 400 KB round-trips (offloaded to the blob store, cleaned up on overwrite and delete)', async () => {
        const big = { rows: [BIG, { n: 1 }] };
        await store.setXCom(xcomRecord('d', 'r1', 'a', 'return_value', big));
        expect(await store.getXCom('d', 'r1', 'a', 'return_value')).toEqual(xcomRecord('d', 'r1', 'a', 'return_value', big));
        expect((await store.listXComs('d', 'r1')).map((x) => x.value)).toEqual([big]);
        if (h.blobs) expect(await blobKeys()).toHaveLength(1);
        await store.setXCom(xcomRecord('d', 'r1', 'a', 'return_value', { second: BIG }));
        expect((await store.getXCom('d', 'r1', 'a', 'return_value'))?.value).toEqual({ second: BIG });
        if (h.blobs) expect(await blobKeys()).toHaveLength(1);
        await store.setXCom(xcomRecord('d', 'r1', 'a', 'return_value', 'small now'));
        expect((await store.getXCom('d', 'r1', 'a', 'return_value'))?.value).toBe('small now');
        expect(await blobKeys()).toEqual([]);
        await store.setXCom(xcomRecord('d', 'r1', 'a', 'again', BIG));
        await store.deleteXComs('d', 'r1', 'a');
        expect(await store.listXComs('d', 'r1')).toEqual([]);
        expect(await blobKeys()).toEqual([]);
      });

      test('a sealed value round-trips beside the masked one, even when both are large; an overwrite without one drops it', async () => {
        const sealed = xcomRecord('d', 'r1', 'a', 'return_value', '***', { sealed_value: 'enc:v1:iv:tag:body' });
        await store.setXCom(sealed);
        expect(await store.getXCom('d', 'r1', 'a', 'return_value')).toEqual(sealed);
        // Each half fits an item alone, both together do not: the sealed part is offloaded.
        const half = 'y'.repeat(250 * 1024);
        const large = xcomRecord('d', 'r1', 'a', 'return_value', { masked: half }, { sealed_value: `enc:v1:${half}` });
        await store.setXCom(large);
        expect(await store.getXCom('d', 'r1', 'a', 'return_value')).toEqual(large);
        expect((await store.listXComs('d', 'r1', 'a'))[0]).toEqual(large);
        if (h.blobs) expect(await blobKeys()).toHaveLength(1);
        await store.setXCom(xcomRecord('d', 'r1', 'a', 'return_value', 'plain'));
        expect(await store.getXCom('d', 'r1', 'a', 'return_value')).toEqual(xcomRecord('d', 'r1', 'a', 'return_value', 'plain'));
        expect(await blobKeys()).toEqual([]);
        await store.setXCom(large);
        await store.deleteXComs('d', 'r1', 'a');
        expect(await blobKeys()).toEqual([]);
      });

      test("listings are in first-write order across tasks; an overwrite keeps its place; a delete of a task's (or one map index's) leaves the others", async () => {
        const keys = [['a', 'k1'], ['b', 'k1'], ['a', 'k2'], ['b', 'k0']] as const;
        for (const [task, k] of keys) await store.setXCom(xcomRecord('d', 'r1', task, k, `${task}.${k}`));
        await store.setXCom(xcomRecord('d', 'r1', 'a', 'k1', 'again'));
        await store.setXCom(xcomRecord('d', 'r2', 'a', 'k1', 'other run'));
        expect((await store.listXComs('d', 'r1')).map((x) => x.value)).toEqual(['again', 'b.k1', 'a.k2', 'b.k0']);
        expect((await store.listXComs('d', 'r1', 'b')).map((x) => x.value)).toEqual(['b.k1', 'b.k0']);
        await store.setXCom(xcomRecord('d', 'r1', 'm', 'return_value', 0, { map_index: 0 }));
        await store.setXCom(xcomRecord('d', 'r1', 'm', 'return_value', 1, { map_index: 1 }));
        await store.deleteXComs('d', 'r1', 'm', 0);
        expect((await store.listXComs('d', 'r1', 'm')).map((x) => x.map_index)).toEqual([1]);
        await store.deleteXComs('d', 'r1', 'a');
        expect((await store.listXComs('d', 'r1')).map((x) => x.value)).toEqual(['b.k1', 'b.k0', 1]);
        await store.setXCom(xcomRecord('d', 'r1', 'a', 'k1', 'new'));
        expect((await store.listXComs('d', 'r1')).map((x) => x.value)).toEqual(['b.k1', 'b.k0', 1, 'new']);
        expect((await store.listXComs('d', 'r2')).map((x) => x.value)).toEqual(['other run']);
      });

      test('addXComs writes many at once (a run copied whole), listed in the given order, large and sealed values too', async () => {
        const half = 'y'.repeat(250 * 1024);
        const records = [
          ...Array.from({ length: 60 }, (_, i) => xcomRecord('d', 'r1', `t${59 - i}`, 'return_value', i)),
          xcomRecord('d', 'r1', 'm', 'return_value', 'mapped-1', { map_index: 1 }),
          xcomRecord('d', 'r1', 'm', 'return_value', 'mapped-0', { map_index: 0 }),
          xcomRecord('d', 'r1', 'big', 'return_value', BIG),
          xcomRecord('d', 'r1', 'secret', 'return_value', { masked: half }, { sealed_value: `enc:v1:${half}` }),
        ];
        await store.addXComs(records);
        expect(await store.listXComs('d', 'r1')).toEqual(records);
        expect(await store.listXComs('d', 'r1', 'm')).toEqual(records.slice(60, 62));
        expect(await store.getXCom('d', 'r1', 'big', 'return_value')).toEqual(records[62]);
        expect(await store.getXCom('d', 'r1', 'm', 'return_value', 0)).toEqual(records[61]);
        if (h.blobs) expect(await blobKeys()).toHaveLength(2);
        await store.addXComs([]);
        await store.deleteDagRun('d', 'r1');
        expect(await store.listXComs('d', 'r1')).toEqual([]);
        expect(await blobKeys()).toEqual([]);
      });
    });

    describe('DAGs', () => {
      test('put, get, update (NotFoundError when missing), overwrite', async () => {
        const dag = dagRecord('etl', { tags: ['a', 'b'], schedule: { type: 'timedelta', seconds: 3600 }, description: 'd' });
        await store.putDag(dag);
        expect(await store.getDag('etl')).toEqual(dag);
        expect(await store.getDag('nope')).toBeUndefined();
        const updated = await store.updateDag('etl', { is_paused: true, next_dagrun: '2024-01-02T00:00:00.000Z', description: undefined });
        const expected: Partial<typeof dag> = { ...dag, is_paused: true, next_dagrun: '2024-01-02T00:00:00.000Z' };
        delete expected.description;
        expect(updated).toEqual(expected);
        expect(await store.getDag('etl')).toEqual(expected);
        await expect(store.updateDag('nope', { is_paused: true })).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.getDag('nope')).toBeUndefined();
        await store.putDag(dagRecord('etl'));
        expect(await store.getDag('etl')).toEqual(dagRecord('etl'));
      });

      test('deleteDag removes the record (false when absent) and leaves the versions', async () => {
        await store.putDag(dagRecord('gone'));
        await store.putDag(dagRecord('kept'));
        await store.putDagVersion(versionRecord('gone', 'v1', '2024-01-01T00:00:00.000Z'));
        expect(await store.deleteDag('gone')).toBe(true);
        expect(await store.getDag('gone')).toBeUndefined();
        expect((await store.listDags({ includeInactive: true })).items.map((d) => d.dag_id)).toEqual(['kept']);
        expect(await store.deleteDag('gone')).toBe(false);
        expect((await store.listDagVersions('gone')).length).toBe(1);
      });

      test("a DAG's access_control round-trips whatever its role names hold, and is absent when not set", async () => {
        const dag = dagRecord('guarded', { access_control: { analysts: ['can_read', 'can_edit'], 'ops team': [], 'a#b.c': ['can_delete'] } });
        await store.putDag(dag);
        expect(await store.getDag('guarded')).toEqual(dag);
        expect((await store.listDags()).items).toEqual([dag]);
        expect(await store.updateDag('guarded', { access_control: {} })).toEqual({ ...dag, access_control: {} });
        await store.putDag(dagRecord('guarded'));
        expect(await store.getDag('guarded')).toEqual(dagRecord('guarded'));
        expect('access_control' in (await store.getDag('guarded'))!).toBe(false);
      });

      test('listDags: active only by default, paused, any of the tags, id substring; sorted by id; paging counts every match', async () => {
        await store.putDag(dagRecord('beta', { tags: ['x'] }));
        await store.putDag(dagRecord('Alpha', { tags: ['x', 'y'], is_paused: true }));
        await store.putDag(dagRecord('alpha_2', { tags: ['y'] }));
        await store.putDag(dagRecord('gamma', { is_active: false, tags: ['x'] }));
        await store.putDag(dagRecord('delta-etl'));
        const ids = async (o?: Parameters<MetadataStore['listDags']>[0]) => {
          const p = await store.listDags(o);
          return [p.items.map((d) => d.dag_id), p.total];
        };
        const all = ['Alpha', 'alpha_2', 'beta', 'delta-etl'].sort((a, b) => a.localeCompare(b));
        expect(await ids()).toEqual([all, 4]);
        expect(await ids({ includeInactive: true })).toEqual([[...all, 'gamma'].sort((a, b) => a.localeCompare(b)), 5]);
        expect(await ids({ paused: true })).toEqual([['Alpha'], 1]);
        expect(await ids({ paused: false, includeInactive: true })).toEqual([['alpha_2', 'beta', 'delta-etl', 'gamma'].sort((a, b) => a.localeCompare(b)), 4]);
        expect(await ids({ tags: ['x'] })).toEqual([['Alpha', 'beta'].sort((a, b) => a.localeCompare(b)), 2]);
        expect(await ids({ tags: ['y', 'nope'] })).toEqual([['Alpha', 'alpha_2'].sort((a, b) => a.localeCompare(b)), 2]);
        expect(await ids({ tags: [] })).toEqual([all, 4]);
        expect(await ids({ dagIdPattern: 'lph' })).toEqual([['Alpha', 'alpha_2'].sort((a, b) => a.localeCompare(b)), 2]);
        expect(await ids({ dagIdPattern: 'ALPHA' })).toEqual([[], 0]);
        expect(await ids({ limit: 2, offset: 1 })).toEqual([all.slice(1, 3), 4]);
        expect(await ids({ limit: 0 })).toEqual([[], 4]);
        expect(await ids({ offset: 10 })).toEqual([[], 4]);
        expect(await ids({ tags: ['x'], includeInactive: true, limit: 1, offset: 1 })).toEqual([[['Alpha', 'beta', 'gamma'].sort((a, b) => a.localeCompare(b))[1]], 3]);
      });

      test('a listing sees every write before it: its own and (adapters kept in memory) another process\'s put, update and delete', async () => {
        const listed = async (on: MetadataStore) => (await on.listDags({ includeInactive: true })).items.map((d) => [d.dag_id, d.is_paused]);
        const other = h.twin ?? store;
        expect(await listed(store)).toEqual([]);
        await other.putDag(dagRecord('a'));
        expect(await listed(store)).toEqual([['a', false]]);
        await other.updateDag('a', { is_paused: true });
        await store.putDag(dagRecord('b'));
        expect(await listed(store)).toEqual([['a', true], ['b', false]]);
        expect(await listed(other)).toEqual([['a', true], ['b', false]]);
        expect(await other.deleteDag('a')).toBe(true);
        expect(await listed(store)).toEqual([['b', false]]);
        // What a listing returns is the caller's to keep or change: the next listing is unaffected.
        const [b] = (await store.listDags()).items;
        try {
          (b as { is_paused: boolean }).is_paused = true;
        } catch {
          // a frozen record refuses the change: the same outcome for the store
        }
        expect(await listed(store)).toEqual([['b', false]]);
      });

      test('versions: idempotent put keeps the first, get by version, listed newest first without the model', async () => {
        const v1 = versionRecord('etl', 'h1', '2024-01-01T00:00:00.000Z');
        const v2 = versionRecord('etl', 'h2', '2024-02-01T00:00:00.000Z');
        await store.putDagVersion(v1);
        await store.putDagVersion(v2);
        await store.putDagVersion({ ...versionRecord('etl', 'h1', '2030-01-01T00:00:00.000Z', 99), fileloc: 'moved.py' });
        await store.putDagVersion(versionRecord('other', 'h1', '2025-01-01T00:00:00.000Z'));
        expect(await store.getDagVersion('etl', 'h1')).toEqual(v1);
        expect(await store.getDagVersion('etl', 'h3')).toBeUndefined();
        expect(await store.getDagVersion('nope', 'h1')).toBeUndefined();
        const { model: _m2, ...header2 } = v2;
        const { model: _m1, ...header1 } = v1;
        expect(await store.listDagVersions('etl')).toEqual([header2, header1]);
        expect(await store.listDagVersions('nope')).toEqual([]);
      });

      test('a version recorded without its state machine (an import) takes the deployment once; nothing else changes', async () => {
        const imported = { ...versionRecord('etl', 'h1', '2024-01-01T00:00:00.000Z'), source: 'dag = 1\n' };
        await store.putDagVersion(imported);
        const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:skydag-etl:3';
        await store.putDagVersion({ ...imported, created_at: '2030-01-01T00:00:00.000Z', fileloc: 'moved.py', state_machine_version_arn: arn });
        expect(await store.getDagVersion('etl', 'h1')).toEqual({ ...imported, state_machine_version_arn: arn });
        const { model: _m, source: _s, ...header } = imported;
        expect(await store.listDagVersions('etl')).toEqual([{ ...header, state_machine_version_arn: arn }]);
        // A deployed version keeps its machine version.
        await store.putDagVersion({ ...imported, state_machine_version_arn: `${arn}0` });
        expect((await store.getDagVersion('etl', 'h1'))!.state_machine_version_arn).toBe(arn);
        expect((await store.listDagVersions('etl'))[0]!.state_machine_version_arn).toBe(arn);
      });

      test("a version's source round-trips, small or large, and is never listed", async () => {
        const small = { ...versionRecord('src', 'h1', '2024-01-01T00:00:00.000Z'), source: 'from airflow import DAG\n# ünïcode\n' };
        await store.putDagVersion(small);
        expect(await store.getDagVersion('src', 'h1')).toEqual(small);
        // Model and source each fit alone but not together: the item still stays under DynamoDB's limit.
        const both = { ...versionRecord('src', 'h2', '2024-02-01T00:00:00.000Z', 250 * 1024), source: `# big\n${'x = 1\n'.repeat(40 * 1024)}` };
        await store.putDagVersion(both);
        expect(await store.getDagVersion('src', 'h2')).toEqual(both);
        const huge = { ...versionRecord('src', 'h3', '2024-03-01T00:00:00.000Z'), source: 'y = 2\n'.repeat(100 * 1024) };
        await store.putDagVersion(huge);
        expect(await store.getDagVersion('src', 'h3')).toEqual(huge);
        for (const header of await store.listDagVersions('src')) expect(header).not.toHaveProperty('source');
        const without = versionRecord('src', 'h4', '2024-04-01T00:00:00.000Z');
        await store.putDagVersion(without);
        expect(await store.getDagVersion('src', 'h4')).toEqual(without);
      });

      test('a DAG model over 400 KB round-trips', async () => {
        const big = versionRecord('huge', 'h1', '2024-01-01T00:00:00.000Z', 450 * 1024);
        await store.putDagVersion(big);
        await store.putDagVersion(big);
        expect(await store.getDagVersion('huge', 'h1')).toEqual(big);
        expect((await store.listDagVersions('huge')).map((v) => v.version)).toEqual(['h1']);
        if (h.blobs) expect(await blobKeys()).toHaveLength(1);
      });

      test('import errors: put (replacing), delete, listed by file name with paging', async () => {
        await store.putImportError(importErrorRecord('b.py'));
        await store.putImportError(importErrorRecord('a.py'));
        await store.putImportError(importErrorRecord('sub/c.py'));
        await store.putImportError(importErrorRecord('a.py', 'second'));
        const page = await store.listImportErrors();
        expect(page.total).toBe(3);
        expect(page.items.map((e) => e.filename)).toEqual(['a.py', 'b.py', 'sub/c.py']);
        expect(page.items[0]).toEqual(importErrorRecord('a.py', 'second'));
        expect(await store.listImportErrors({ limit: 1, offset: 1 })).toEqual({ items: [importErrorRecord('b.py')], total: 3 });
        await store.deleteImportError('b.py');
        await store.deleteImportError('never.py');
        expect((await store.listImportErrors()).items.map((e) => e.filename)).toEqual(['a.py', 'sub/c.py']);
      });
    });

    describe('configuration', () => {
      test('variables: put, get, overwrite, delete (true only when it existed), list sorted with paging', async () => {
        for (const key of ['b', 'A', 'a_1', '', 'ключ']) await store.putVariable(variableRecord(key, `value of ${key}`));
        await store.putVariable({ ...variableRecord('b', 'new'), encrypted: true, description: 'desc' });
        expect(await store.getVariable('b')).toEqual({ key: 'b', value: 'new', encrypted: true, description: 'desc' });
        expect(await store.getVariable('')).toEqual(variableRecord('', 'value of '));
        expect(await store.getVariable('missing')).toBeUndefined();
        const sorted = ['b', 'A', 'a_1', '', 'ключ'].sort((x, y) => x.localeCompare(y));
        expect((await store.listVariables()).items.map((v) => v.key)).toEqual(sorted);
        expect(await store.listVariables({ limit: 2, offset: 2 })).toMatchObject({ total: 5, items: sorted.slice(2, 4).map((key) => ({ key })) });
        expect(await store.deleteVariable('A')).toBe(true);
        expect(await store.deleteVariable('A')).toBe(false);
        expect((await store.listVariables()).total).toBe(4);
      });

      test('connections: CRUD and listing', async () => {
        await store.putConnection(connectionRecord('pg'));
        await store.putConnection(connectionRecord('aws', { conn_type: 'aws', host: null, port: null, password: null, extra: null }));
        expect(await store.getConnection('pg')).toEqual(connectionRecord('pg'));
        expect(await store.getConnection('aws')).toEqual(connectionRecord('aws', { conn_type: 'aws', host: null, port: null, password: null, extra: null }));
        expect(await store.listConnections()).toMatchObject({ total: 2, items: [{ conn_id: 'aws' }, { conn_id: 'pg' }] });
        expect(await store.listConnections({ limit: 1 })).toMatchObject({ total: 2, items: [{ conn_id: 'aws' }] });
        expect(await store.deleteConnection('pg')).toBe(true);
        expect(await store.deleteConnection('pg')).toBe(false);
        expect(await store.getConnection('pg')).toBeUndefined();
      });

      test('pools: CRUD and listing', async () => {
        await store.putPool(poolRecord('default_pool', 128));
        await store.putPool(poolRecord('spark', 2));
        await store.putPool({ ...poolRecord('spark', 3), description: 'cluster' });
        expect(await store.getPool('spark')).toEqual({ name: 'spark', slots: 3, description: 'cluster' });
        expect(await store.listPools({ offset: 1 })).toEqual({ total: 2, items: [{ name: 'spark', slots: 3, description: 'cluster' }] });
        expect(await store.deletePool('default_pool')).toBe(true);
        expect(await store.deletePool('default_pool')).toBe(false);
        expect(await store.getPool('default_pool')).toBeUndefined();
      });

      test('models and datasets: versions per kind and name, createOnly, listing order, delete', async () => {
        await store.putRepositoryVersion(repositoryVersionRecord('churn', 2), { createOnly: true });
        await store.putRepositoryVersion(repositoryVersionRecord('churn', 10), { createOnly: true });
        await store.putRepositoryVersion(repositoryVersionRecord('churn', 1), { createOnly: true });
        // A name that extends another name's prefix is not one of its versions.
        await store.putRepositoryVersion(repositoryVersionRecord('churn#x', 1, { flavor: 'other' }));
        await store.putRepositoryVersion(repositoryVersionRecord('ads', 1, { flavor: 'pytorch' }));
        await store.putRepositoryVersion(repositoryVersionRecord('churn', 1, { kind: 'dataset', flavor: null, serving_prefix: null }));
        const taken = await rejection(store.putRepositoryVersion(repositoryVersionRecord('churn', 2, { description: 'other' }), { createOnly: true }));
        expect(taken).toBeInstanceOf(ConditionFailedError);
        expect(await store.getRepositoryVersion('model', 'churn', 2)).toEqual(repositoryVersionRecord('churn', 2));
        expect((await store.listRepositoryVersions('model', 'churn')).map((r) => r.version)).toEqual([1, 2, 10]);
        expect((await store.listRepositoryVersions('model')).map((r) => `${r.name}:${r.version}`)).toEqual(['ads:1', 'churn:1', 'churn:2', 'churn:10', 'churn#x:1']);
        expect(await store.listRepositoryVersions('dataset')).toEqual([repositoryVersionRecord('churn', 1, { kind: 'dataset', flavor: null, serving_prefix: null })]);
        await store.putRepositoryVersion(repositoryVersionRecord('churn', 2, { description: 'described' }));
        expect((await store.getRepositoryVersion('model', 'churn', 2))?.description).toBe('described');
        expect(await store.deleteRepositoryVersion('model', 'churn', 2)).toBe(true);
        expect(await store.deleteRepositoryVersion('model', 'churn', 2)).toBe(false);
        expect(await store.getRepositoryVersion('model', 'churn', 2)).toBeUndefined();
        expect(await store.getRepositoryVersion('dataset', 'churn', 1)).toBeDefined();
      });

      test('users: createOnly refuses an existing user (ConditionFailedError), a plain put replaces', async () => {
        await store.putUser(userRecord('admin', { roles: ['Admin'] }), { createOnly: true });
        const error = await rejection(store.putUser(userRecord('admin', { email: 'x@y' }), { createOnly: true }));
        expect(error).toBeInstanceOf(ConditionFailedError);
        expect(await store.getUser('admin')).toEqual(userRecord('admin', { roles: ['Admin'] }));
        await store.putUser(userRecord('admin', { last_login: '2024-05-01T00:00:00.000Z', roles: ['Admin', 'Op'] }));
        expect(await store.getUser('admin')).toEqual(userRecord('admin', { last_login: '2024-05-01T00:00:00.000Z', roles: ['Admin', 'Op'] }));
        await store.putUser(userRecord('viewer'));
        expect(await store.listUsers()).toMatchObject({ total: 2, items: [{ username: 'admin' }, { username: 'viewer' }] });
        expect(await store.deleteUser('viewer')).toBe(true);
        expect(await store.deleteUser('viewer')).toBe(false);
        expect(await store.getUser('viewer')).toBeUndefined();
        expect(await store.getUser('nobody')).toBeUndefined();
      });

      test('roles: createOnly refuses an existing role, ifChangedOn replaces only the version read, delete, list sorted', async () => {
        const analysts = roleRecord('analysts');
        await store.putRole(analysts, { createOnly: true });
        expect(await rejection(store.putRole(roleRecord('analysts', { permissions: [] }), { createOnly: true }))).toBeInstanceOf(ConditionFailedError);
        expect(await store.getRole('analysts')).toEqual(analysts);
        // An edit based on the version read wins once; a second edit based on the same version loses.
        const edited = roleRecord('analysts', { permissions: [{ action: 'can_read', resource: 'DAG:a#b' }], changed_on: '2024-01-02T00:00:00.000Z' });
        await store.putRole(edited, { ifChangedOn: analysts.changed_on });
        expect(await rejection(store.putRole(roleRecord('analysts', { changed_on: '2024-01-03T00:00:00.000Z' }), { ifChangedOn: analysts.changed_on }))).toBeInstanceOf(ConditionFailedError);
        expect(await store.getRole('analysts')).toEqual(edited);
        expect(await rejection(store.putRole(roleRecord('ghost'), { ifChangedOn: analysts.changed_on }))).toBeInstanceOf(NotFoundError);
        expect(await store.getRole('ghost')).toBeUndefined();
        await store.putRole(roleRecord('auditors team', { permissions: [] }));
        await store.putRole(roleRecord('Ops.2'));
        expect((await store.listRoles()).items.map((r) => r.name)).toEqual(['analysts', 'auditors team', 'Ops.2'].sort((a, b) => a.localeCompare(b)));
        expect(await store.listRoles({ limit: 1, offset: 1 })).toMatchObject({ total: 3, items: [{ name: ['analysts', 'auditors team', 'Ops.2'].sort((a, b) => a.localeCompare(b))[1] }] });
        expect(await store.getRole('auditors team')).toEqual(roleRecord('auditors team', { permissions: [] }));
        expect(await store.deleteRole('analysts')).toBe(true);
        expect(await store.deleteRole('analysts')).toBe(false);
        expect(await store.getRole('analysts')).toBeUndefined();
      });

      test('sign-in failures: counted per subject, atomically, restarted after the window, cleared', async () => {
        const t0 = new Date('2024-05-01T00:00:00.000Z');
        const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
        const window = 60_000;
        expect(await store.getSignInFailures('user:alice', t0)).toBeUndefined();
        expect(await store.recordSignInFailure('user:alice', t0, window)).toEqual({ subject: 'user:alice', failures: 1, last_failure_at: t0.toISOString(), expires_at: t0.getTime() / 1000 + 60 });
        // Concurrent failures all count.
        await Promise.all(Array.from({ length: 8 }, () => store.recordSignInFailure('user:alice', at(10), window)));
        expect(await store.getSignInFailures('user:alice', at(10))).toEqual({ subject: 'user:alice', failures: 9, last_failure_at: at(10).toISOString(), expires_at: t0.getTime() / 1000 + 70 });
        // Other subjects are counted apart; `#` in a subject cannot reach another's item.
        expect((await store.recordSignInFailure('addr:10.0.0.1', at(10), window)).failures).toBe(1);
        expect((await store.recordSignInFailure('user:alice#x', at(10), window)).failures).toBe(1);
        // A count lapses `window` after its last failure: reads ignore it, the next failure starts at 1.
        expect(await store.getSignInFailures('user:alice', at(69))).toMatchObject({ failures: 9 });
        expect(await store.getSignInFailures('user:alice', at(70))).toBeUndefined();
        expect(await store.recordSignInFailure('user:alice', at(71), window)).toMatchObject({ failures: 1, last_failure_at: at(71).toISOString() });
        await store.clearSignInFailures('user:alice');
        expect(await store.getSignInFailures('user:alice', at(71))).toBeUndefined();
        await store.clearSignInFailures('user:nobody');
        expect(await store.getSignInFailures('addr:10.0.0.1', at(20))).toMatchObject({ failures: 1 });
      });
    });

    describe('audit log', () => {
      async function seedAudit() {
        const entries = [
          auditRecord('e1', '2024-01-01T00:00:00.000Z', { event: 'login', owner: 'alice' }),
          auditRecord('e2', '2024-01-02T00:00:00.000Z', { event: 'trigger', owner: 'alice', dag_id: 'etl', run_id: 'r1' }),
          auditRecord('e3', '2024-01-03T00:00:00.000Z', { event: 'trigger', owner: 'bob', dag_id: 'etl' }),
          auditRecord('e4', '2024-01-03T00:00:00.000Z', { event: 'pause', owner: 'bob', dag_id: 'other' }),
          auditRecord('e5', '2024-01-04T00:00:00.000Z', { event: 'clear', owner: 'alice', dag_id: 'etl', task_id: 't' }),
        ];
        // Appended out of order: the listing sorts.
        for (const i of [2, 0, 4, 1, 3]) await store.appendAuditLog(entries[i]!);
        return entries;
      }

      test('newest first (ties by id descending); every page is a slice of the whole with the total', async () => {
        const entries = await seedAudit();
        const all = await store.listAuditLog();
        expect(all.total).toBe(5);
        expect(all.items.map((e) => e.event_log_id)).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
        expect(all.items[0]).toEqual(entries[4]);
        for (let limit = 0; limit <= 6; limit++) {
          for (let offset = 0; offset <= 6; offset++) {
            const p = await store.listAuditLog({ limit, offset });
            expect({ limit, offset, ids: p.items.map((e) => e.event_log_id), total: p.total }).toEqual({
              limit,
              offset,
              ids: all.items.slice(offset, offset + limit).map((e) => e.event_log_id),
              total: 5,
            });
          }
        }
      });

      test('a redelivered entry is listed and counted once; pages of many entries (spread over partitions) are slices of the whole', async () => {
        const entries = Array.from({ length: 45 }, (_, i) => auditRecord(`m${String(i).padStart(2, '0')}`, new Date(Date.UTC(2024, 0, 1, 0, i % 30)).toISOString(), { event: 'x' }));
        for (const entry of entries) await store.appendAuditLog(entry);
        await store.appendAuditLog(entries[7]!);
        const all = await store.listAuditLog();
        expect(all.total).toBe(45);
        expect(all.items.map((e) => e.event_log_id)).toEqual([...entries].sort((a, b) => b.when.localeCompare(a.when) || b.event_log_id.localeCompare(a.event_log_id)).map((e) => e.event_log_id));
        for (const [offset, limit] of [[0, 10], [10, 10], [7, 13], [40, 10], [44, 1], [45, 5], [0, 45]] as const) {
          const p = await store.listAuditLog({ offset, limit });
          expect({ offset, limit, ids: p.items.map((e) => e.event_log_id), total: p.total }).toEqual({ offset, limit, ids: all.items.slice(offset, offset + limit).map((e) => e.event_log_id), total: 45 });
        }
      });

      test('pages listed again after appends (at the head, a little late, long late, redelivered, through another process) are slices of the whole', async () => {
        const other = h.twin ?? store;
        const at = (second: number) => new Date(Date.UTC(2024, 5, 1, 0, 0, second)).toISOString();
        // Ties in `when`, with ids whose order is not their byte order ('B' after 'a').
        for (let i = 0; i < 40; i++) await store.appendAuditLog(auditRecord(i % 3 ? `h${String(i).padStart(2, '0')}` : i % 2 ? `B${i}` : `a${i}`, at(100 + Math.floor(i / 2) * 10)));
        const expectPages = async (on: MetadataStore) => {
          const whole = await on.listAuditLog();
          for (const [offset, limit] of [[0, 3], [3, 3], [5, 10], [17, 7], [30, 20], [0, 60], [48, 5]] as const) {
            const p = await on.listAuditLog({ offset, limit });
            expect({ offset, limit, ids: p.items.map((e) => e.event_log_id), total: p.total }).toEqual({ offset, limit, ids: whole.items.slice(offset, offset + limit).map((e) => e.event_log_id), total: whole.total });
          }
          return whole.items.map((e) => e.event_log_id);
        };
        expect((await expectPages(store)).length).toBe(40);
        // New entries at the head, one of them through another process.
        await store.appendAuditLog(auditRecord('n1', at(400)));
        await other.appendAuditLog(auditRecord('n2', at(401)));
        expect((await expectPages(store)).slice(0, 2)).toEqual(['n2', 'n1']);
        // A slow writer: a little before the newest entry, and long before it (below what pages were listed).
        await other.appendAuditLog(auditRecord('late1', at(395)));
        expect((await expectPages(store)).slice(0, 3)).toEqual(['n2', 'n1', 'late1']);
        await other.appendAuditLog(auditRecord('late2', at(101)));
        await store.appendAuditLog(auditRecord('late3', at(250)));
        const ids = await expectPages(store);
        expect([ids.length, ids.indexOf('late3'), ids.at(-3)]).toEqual([45, 11, 'late2']);
        // A redelivery changes nothing; another process pages the same.
        await other.appendAuditLog(auditRecord('n1', at(400)));
        expect(await expectPages(store)).toEqual(ids);
        expect(await expectPages(other)).toEqual(ids);
      });

      test('filters by DAG, event and owner, combined, with paging totals', async () => {
        await seedAudit();
        const ids = async (o: Parameters<MetadataStore['listAuditLog']>[0]) => {
          const p = await store.listAuditLog(o);
          return [p.items.map((e) => e.event_log_id), p.total];
        };
        expect(await ids({ dagId: 'etl' })).toEqual([['e5', 'e3', 'e2'], 3]);
        expect(await ids({ dagId: 'etl', limit: 1, offset: 1 })).toEqual([['e3'], 3]);
        expect(await ids({ event: 'trigger' })).toEqual([['e3', 'e2'], 2]);
        expect(await ids({ owner: 'alice', limit: 2 })).toEqual([['e5', 'e2'], 3]);
        expect(await ids({ dagId: 'etl', event: 'trigger', owner: 'bob' })).toEqual([['e3'], 1]);
        expect(await ids({ dagId: 'nope' })).toEqual([[], 0]);
        expect(await ids({ owner: 'alice', offset: 5, limit: 2 })).toEqual([[], 3]);
      });
    });
      describe('dataset events', () => {
      const event = (id: number, uri: string, source: string | null, extra: Record<string, unknown> = {}) => ({
        id,
        uri,
        extra,
        source_dag_id: source,
        source_task_id: source ? 'write' : null,
        source_run_id: source ? 'manual__1' : null,
        source_map_index: -1,
        timestamp: new Date(Math.floor(id / 1000)).toISOString(),
      });
      const base = Date.parse('2024-01-01T00:00:00Z') * 1000;

      test('lists oldest first, by URI, after an instant and by source, with paging totals; a repeated id is kept once', async () => {
        await store.appendDatasetEvent(event(base + 2_000_000, 's3://b/x', 'etl', { rows: 3, 'odd key': { '': 1 } }));
        await store.appendDatasetEvent(event(base + 1_000_000, 's3://b/x', null));
        await store.appendDatasetEvent(event(base + 1_000_001, 's3://b/y#1', 'other'));
        await store.appendDatasetEvent(event(base + 3_000_000, 's3://b/x', 'etl'));
        await store.appendDatasetEvent({ ...event(base + 3_000_000, 's3://b/x', 'etl'), extra: { again: true } });
        const ids = async (o: Parameters<MetadataStore['listDatasetEvents']>[0]) => {
          const p = await store.listDatasetEvents(o);
          return [p.items.map((e) => e.id - base), p.total];
        };
        expect(await ids({})).toEqual([[1_000_000, 1_000_001, 2_000_000, 3_000_000], 4]);
        expect(await ids({ uri: 's3://b/x' })).toEqual([[1_000_000, 2_000_000, 3_000_000], 3]);
        expect(await ids({ uri: 's3://b/y#1' })).toEqual([[1_000_001], 1]);
        expect(await ids({ uri: 's3://b/x', after: new Date((base + 1_000_000) / 1000).toISOString() })).toEqual([[2_000_000, 3_000_000], 2]);
        expect(await ids({ after: new Date((base + 999_999) / 1000).toISOString(), limit: 1, offset: 1 })).toEqual([[1_000_001], 4]);
        expect(await ids({ sourceDagId: 'etl', sourceTaskId: 'write', sourceRunId: 'manual__1', sourceMapIndex: -1 })).toEqual([[2_000_000, 3_000_000], 2]);
        expect(await ids({ sourceDagId: 'nope' })).toEqual([[], 0]);
        const [first] = (await store.listDatasetEvents({ uri: 's3://b/x', sourceDagId: 'etl', limit: 1 })).items;
        expect(first).toEqual(event(base + 2_000_000, 's3://b/x', 'etl', { rows: 3, 'odd key': { '': 1 } }));
        expect((await store.listDatasetEvents({ uri: 's3://b/x', after: new Date((base + 2_999_000) / 1000).toISOString() })).items[0]!.extra).toEqual({});
      });

      test('paged listings (all, by URI) count every event once, a redelivered one too; the newest events of a URI, newest first, before an id', async () => {
        for (let i = 0; i < 12; i++) await store.appendDatasetEvent(event(base + i * 1000, i % 3 ? 's3://b/x' : 's3://b/y', 'etl'));
        await store.appendDatasetEvent(event(base + 4000, 's3://b/x', 'etl'));
        const ids = async (o: Parameters<MetadataStore['listDatasetEvents']>[0]) => {
          const p = await store.listDatasetEvents(o);
          return [p.items.map((e) => (e.id - base) / 1000), p.total];
        };
        expect(await ids({ limit: 3 })).toEqual([[0, 1, 2], 12]);
        expect(await ids({ limit: 3, offset: 10 })).toEqual([[10, 11], 12]);
        expect(await ids({ uri: 's3://b/x', limit: 2, offset: 1 })).toEqual([[2, 4], 8]);
        expect(await ids({ uri: 's3://b/y', limit: 10 })).toEqual([[0, 3, 6, 9], 4]);
        expect(await ids({ uri: 's3://b/none', limit: 10 })).toEqual([[], 0]);
        const latest = async (uri: string, limit: number, before?: number) => (await store.latestDatasetEvents(uri, limit, before === undefined ? undefined : base + before * 1000)).map((e) => (e.id - base) / 1000);
        expect(await latest('s3://b/x', 3)).toEqual([11, 10, 8]);
        expect(await latest('s3://b/x', 2, 8)).toEqual([7, 5]);
        expect(await latest('s3://b/y', 10, 3)).toEqual([0]);
        expect(await latest('s3://b/y', 0)).toEqual([]);
        expect(await latest('s3://b/none', 5)).toEqual([]);
        expect((await store.latestDatasetEvents('s3://b/x', 1))[0]).toEqual(event(base + 11_000, 's3://b/x', 'etl'));
        const newest = (n: number, source: string | null) => ({ id: base + n * 1000, timestamp: event(base + n * 1000, '', null).timestamp, source_dag_id: source });
        expect(await store.listDatasetUpdates()).toEqual([
          { uri: 's3://b/x', newest: newest(11, 'etl') },
          { uri: 's3://b/y', newest: newest(9, 'etl') },
        ]);
        // A new URI (through the twin: another process), an older event written late, a redelivery: the newest only moves forward.
        await (h.twin ?? store).appendDatasetEvent(event(base + 20_000, 's3://a/new', null));
        await store.appendDatasetEvent(event(base + 15_000, 's3://a/new', 'etl'));
        await store.appendDatasetEvent(event(base + 20_000, 's3://a/new', null));
        await store.appendDatasetEvent(event(base + 30_000, 's3://b/y', null));
        expect(await store.listDatasetUpdates()).toEqual([
          { uri: 's3://a/new', newest: newest(20, null) },
          { uri: 's3://b/x', newest: newest(11, 'etl') },
          { uri: 's3://b/y', newest: newest(30, null) },
        ]);
      });

      test('every page at any depth is the slice of the whole listing (all, by URI, through an alias, after an instant, by source), with its total', async () => {
        // Several events in one millisecond (ids differ in the tie-breaker), written out of order.
        const ids = Array.from({ length: 40 }, (_, i) => base + Math.floor(i / 3) * 1000 + (i % 3) * 7);
        for (const i of [...ids.keys()].sort((a, b) => ((a * 17) % 40) - ((b * 17) % 40))) {
          await store.appendDatasetEvent({ ...event(ids[i]!, i % 4 ? 's3://b/x' : 's3://b/y', i % 5 ? 'etl' : null), ...(i % 2 ? { source_aliases: ['al'] } : {}) });
        }
        const listings: Parameters<MetadataStore['listDatasetEvents']>[0][] = [
          {},
          { uri: 's3://b/x' },
          { alias: 'al' },
          { uri: 's3://b/y', alias: 'al' },
          { after: new Date(Math.floor(ids[10]! / 1000)).toISOString() },
          { uri: 's3://b/x', after: new Date(Math.floor(ids[20]! / 1000)).toISOString() },
          { sourceDagId: 'etl' },
        ];
        for (const listing of listings) {
          const whole = await store.listDatasetEvents(listing);
          expect(whole.items.map((e) => e.id)).toEqual([...whole.items.map((e) => e.id)].sort((a, b) => a - b));
          expect(whole.total).toBe(whole.items.length);
          for (const offset of [0, 1, 2, 3, 9, 10, 11, 19, 29, 30, 31, 39, 40, 41]) {
            for (const limit of [1, 3, 10]) {
              const page = await store.listDatasetEvents({ ...listing, offset, limit });
              expect([page.items, page.total]).toEqual([whole.items.slice(offset, offset + limit), whole.total]);
            }
          }
        }
        expect((await store.listDatasetEvents({})).total).toBe(40);
      });

      test('pages listed again after appends (at the end, a little late, long late, redelivered, through another process) are slices of the whole', async () => {
        const other = h.twin ?? store;
        const now = Date.now() * 1000;
        const at = (id: number) => event(id, id % 2 ? 's3://b/x' : 's3://b/y', 'etl');
        const expectPages = async (on: MetadataStore, pages: readonly (readonly [number, number])[]) => {
          const whole = await on.listDatasetEvents();
          for (const [offset, limit] of pages) {
            const p = await on.listDatasetEvents({ offset, limit });
            expect({ offset, limit, ids: p.items.map((e) => e.id), total: p.total }).toEqual({ offset, limit, ids: whole.items.slice(offset, offset + limit).map((e) => e.id), total: whole.total });
          }
          return whole.items.map((e) => e.id);
        };
        const shallow = [[0, 3], [2, 4], [5, 5]] as const;
        const deep = [...shallow, [9, 7], [20, 20], [0, 50], [33, 3]] as const;
        // Events made ten minutes ago (late when put), listed shallow: what is kept ends long before now.
        for (let i = 0; i < 30; i++) await store.appendDatasetEvent(at(now - 600_000_000 + i * 1000 + 7));
        await expectPages(store, shallow);
        await other.appendDatasetEvent(at(now + 1000));
        await expectPages(store, shallow);
        // Made long before its put, among the oldest: the late-events counter says so.
        await other.appendDatasetEvent(at(now - 600_000_000 + 2500));
        expect((await expectPages(store, deep)).slice(2, 5)).toEqual([now - 600_000_000 + 2007, now - 600_000_000 + 2500, now - 600_000_000 + 3007]);
        // Every event kept: new ones at the end, and a little late (before the newest), from either process.
        await store.appendDatasetEvent(at(now + 5000));
        await other.appendDatasetEvent(at(now + 3000));
        await other.appendDatasetEvent(at(now + 2000));
        const ids = await expectPages(store, deep);
        expect(ids.slice(-4)).toEqual([now + 1000, now + 2000, now + 3000, now + 5000]);
        // A redelivery changes nothing.
        await other.appendDatasetEvent(at(now + 3000));
        expect(await expectPages(store, deep)).toEqual(ids);
        expect(await expectPages(other, deep)).toEqual(ids);
      });

      test('lists the events added through a dataset alias (alone, with a URI, after an instant); a repeated id is kept once', async () => {
        const through = (id: number, uri: string, aliases: string[]) => ({ ...event(id, uri, 'etl'), source_aliases: aliases });
        await store.appendDatasetEvent(through(base + 1_000_000, 's3://b/x', ['a']));
        await store.appendDatasetEvent(event(base + 1_500_000, 's3://b/x', 'etl'));
        await store.appendDatasetEvent(through(base + 2_000_000, 's3://b/y', ['a', 'b #2']));
        await store.appendDatasetEvent(through(base + 2_000_000, 's3://b/y', ['a', 'b #2']));
        await store.appendDatasetEvent(through(base + 3_000_000, 's3://b/x', ['b #2']));
        const ids = async (o: Parameters<MetadataStore['listDatasetEvents']>[0]) => {
          const p = await store.listDatasetEvents(o);
          return [p.items.map((e) => e.id - base), p.total];
        };
        expect(await ids({ alias: 'a' })).toEqual([[1_000_000, 2_000_000], 2]);
        expect(await ids({ alias: 'b #2' })).toEqual([[2_000_000, 3_000_000], 2]);
        expect(await ids({ alias: 'b #2', uri: 's3://b/x' })).toEqual([[3_000_000], 1]);
        expect(await ids({ alias: 'a', after: new Date((base + 1_000_000) / 1000).toISOString() })).toEqual([[2_000_000], 1]);
        expect(await ids({ alias: 'none' })).toEqual([[], 0]);
        expect(await ids({})).toEqual([[1_000_000, 1_500_000, 2_000_000, 3_000_000], 4]);
        expect((await store.listDatasetEvents({ alias: 'a', limit: 1 })).items[0]).toEqual(through(base + 1_000_000, 's3://b/x', ['a']));
      });
    });

    describe('SLA misses', () => {
      const miss = (dagId: string, taskId: string, date: string) => ({
        dag_id: dagId,
        task_id: taskId,
        execution_date: date,
        run_id: `scheduled__${date}`,
        timestamp: '2024-01-05T00:00:00.000Z',
        deadline: '2024-01-04T00:00:00.000Z',
        email_sent: false,
        notification_sent: false,
        description: null,
      });

      test('records one miss per DAG, task and execution date; updates it; lists newest first, per DAG', async () => {
        expect(await store.createSlaMiss(miss('etl', 'load', '2024-01-02T00:00:00.000Z'))).toBe(true);
        expect(await store.createSlaMiss(miss('etl', 'load', '2024-01-02T00:00:00+00:00'))).toBe(false);
        expect(await store.createSlaMiss(miss('etl', 'load', '2024-01-03T00:00:00.000Z'))).toBe(true);
        expect(await store.createSlaMiss(miss('etl#2', 'load', '2024-01-01T00:00:00.000Z'))).toBe(true);
        const updated = await store.updateSlaMiss('etl', 'load', '2024-01-02T00:00:00.000Z', { notification_sent: true, email_sent: true });
        expect(updated).toEqual({ ...miss('etl', 'load', '2024-01-02T00:00:00.000Z'), notification_sent: true, email_sent: true });
        await expect(store.updateSlaMiss('etl', 'nope', '2024-01-02T00:00:00.000Z', { email_sent: true })).rejects.toBeInstanceOf(NotFoundError);
        const list = async (o: Parameters<MetadataStore['listSlaMisses']>[0]) => {
          const p = await store.listSlaMisses(o);
          return [p.items.map((m) => `${m.dag_id}:${m.execution_date.slice(0, 10)}:${m.email_sent}`), p.total];
        };
        expect(await list({})).toEqual([['etl:2024-01-03:false', 'etl:2024-01-02:true', 'etl#2:2024-01-01:false'], 3]);
        expect(await list({ dagId: 'etl' })).toEqual([['etl:2024-01-03:false', 'etl:2024-01-02:true'], 2]);
        expect(await list({ limit: 1, offset: 2 })).toEqual([['etl#2:2024-01-01:false'], 3]);
      });
    });
  });
}

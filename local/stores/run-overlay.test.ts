import { DagRunExistsError, LogicalDateTakenError, type MetadataStore } from '../../shared/stores/metadata.js';
import { runRecord, tiRecord, variableRecord, xcomRecord } from '../../test/contracts/records.js';
import { MemoryMetadataStore } from './memory-metadata.js';
import { runOverlayStore, type RunOverlayStore } from './run-overlay.js';

/** The kept store, with a count of the calls made to it by method. */
function countingKept(): { kept: MetadataStore; calls: Map<string, number> } {
  const kept = new MemoryMetadataStore();
  const calls = new Map<string, number>();
  const counted = new Proxy(kept, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(name), (calls.get(String(name)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { kept: counted, calls };
}

const DAY1 = '2024-01-01T00:00:00.000Z';
const DAY2 = '2024-01-02T00:00:00.000Z';
const DAY3 = '2024-01-03T00:00:00.000Z';

describe('runOverlayStore (the store dags test runs on)', () => {
  let kept: MetadataStore;
  let calls: Map<string, number>;
  let store: RunOverlayStore;

  beforeEach(async () => {
    ({ kept, calls } = countingKept());
    // History the platform kept: a successful run on day 1 with an XCom.
    await kept.createDagRun(runRecord('d', 'old', DAY1, { state: 'success' }), [tiRecord('d', 'old', 'a', { state: 'success', try_number: 1 })]);
    await kept.setXCom(xcomRecord('d', 'old', 'a', 'return_value', 'from the kept run'));
    calls.clear();
    store = runOverlayStore(kept);
  });

  test("a run created through it lives in memory until persist(), then the kept store holds it whole", async () => {
    await store.createDagRun(runRecord('d', 'new', DAY2, { state: 'running' }), [tiRecord('d', 'new', 'a'), tiRecord('d', 'new', 'm')]);
    await store.updateTaskInstance('d', 'new', 'a', { state: 'success', try_number: 1 }, { stateIn: [null] });
    await store.createMappedTaskInstances('d', 'new', [tiRecord('d', 'new', 'm', { map_index: 0, state: 'success' }), tiRecord('d', 'new', 'm', { map_index: 1, state: 'failed' })]);
    await store.setXCom(xcomRecord('d', 'new', 'a', 'return_value', 42));
    await store.setXCom(xcomRecord('d', 'new', 'm', 'return_value', 'm0', { map_index: 0 }));
    await store.updateDagRun('d', 'new', { state: 'failed' });
    const writes = ['createDagRun', 'updateTaskInstance', 'createMappedTaskInstances', 'setXCom', 'updateDagRun', 'addXComs'];
    expect(writes.filter((m) => calls.has(m))).toEqual([]);
    expect(await kept.getDagRun('d', 'new')).toBeUndefined();
    expect((await store.getTaskInstance('d', 'new', 'a'))?.state).toBe('success');

    const outcome = await store.persist();
    expect(outcome).toEqual({ kept: ['d/new'], refused: [] });
    expect(await kept.getDagRun('d', 'new')).toEqual(await store.getDagRun('d', 'new'));
    expect((await kept.getDagRun('d', 'new'))?.state).toBe('failed');
    expect(await kept.listTaskInstances('d', 'new')).toEqual(await store.listTaskInstances('d', 'new'));
    expect((await kept.listMappedTaskInstances('d', 'new', 'm')).map((ti) => [ti.map_index, ti.state])).toEqual([
      [0, 'success'],
      [1, 'failed'],
    ]);
    expect((await kept.listXComs('d', 'new')).map((x) => [x.task_id, x.map_index, x.value])).toEqual([
      ['a', -1, 42],
      ['m', 0, 'm0'],
    ]);
  });

  test('the kept runs read through: task instances and XComs of a kept run, and its history merged with the own runs in order', async () => {
    expect((await store.getTaskInstance('d', 'old', 'a'))?.state).toBe('success');
    expect((await store.getXCom('d', 'old', 'a', 'return_value'))?.value).toBe('from the kept run');
    await store.createDagRun(runRecord('d', 'new3', DAY3, { state: 'running' }), []);
    await store.createDagRun(runRecord('d', 'new2', DAY2, { state: 'success' }), []);
    expect((await store.listDagRuns('d')).map((r) => r.run_id)).toEqual(['new3', 'new2', 'old']);
    expect((await store.listDagRuns('d', { offset: 1, limit: 1 })).map((r) => r.run_id)).toEqual(['new2']);
    expect((await store.listDagRuns('d', { states: ['success'], logicalDateBefore: DAY3, limit: 1 })).map((r) => r.run_id)).toEqual(['new2']);
    expect((await store.listDagRuns('d', { states: ['success'], logicalDateBefore: DAY2, limit: 1 })).map((r) => r.run_id)).toEqual(['old']);
    const byCreation = await store.listDagRunsByCreation('d', { offset: 0, limit: 10 });
    expect(byCreation.total).toBe(3);
    expect(byCreation.items.map((r) => r.run_id).sort()).toEqual(['new2', 'new3', 'old']);
    const tis = await store.listDagTaskInstances('d');
    expect(tis.items.map((row) => row.ti.run_id)).toEqual(['old']);
    // Only its own runs are active to it: the platform runs the kept store's.
    await kept.createDagRun(runRecord('d', 'platform', '2024-01-05T00:00:00.000Z', { state: 'running' }), []);
    expect((await store.listActiveDagRuns({ dagId: 'd' })).map((r) => r.run_id)).toEqual(['new3']);
  });

  test("the DAG's kept history is read once per question while its runs are in memory; a change of a kept run reads it again", async () => {
    await store.createDagRun(runRecord('d', 'new', DAY2, { state: 'running' }), []);
    calls.clear();
    for (let i = 0; i < 5; i++) await store.listDagRuns('d', { states: ['success'], logicalDateBefore: DAY2, limit: 1 });
    expect(calls.get('listDagRuns')).toBe(1);
    // A returned record is the caller's own copy.
    (await store.listDagRuns('d', { states: ['success'], logicalDateBefore: DAY2, limit: 1 }))[0]!.state = 'failed';
    expect((await store.listDagRuns('d', { states: ['success'], logicalDateBefore: DAY2, limit: 1 }))[0]?.state).toBe('success');
    await store.deleteDagRun('d', 'old');
    expect(await store.listDagRuns('d', { states: ['success'], logicalDateBefore: DAY2, limit: 1 })).toEqual([]);
    expect(await kept.getDagRun('d', 'old')).toBeUndefined();
    // Other DAGs' runs are read live (an ExternalTaskSensor waits for one to appear).
    await store.listDagRuns('other');
    await kept.createDagRun(runRecord('other', 'o', DAY2), []);
    expect((await store.listDagRuns('other')).map((r) => r.run_id)).toEqual(['o']);
  });

  test('a run id or logical date the kept store holds is refused, as the kept store would refuse it', async () => {
    await expect(store.createDagRun(runRecord('d', 'old', DAY3), [])).rejects.toBeInstanceOf(DagRunExistsError);
    const taken = await store.createDagRun(runRecord('d', 'other', DAY1), []).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(LogicalDateTakenError);
    expect((taken as LogicalDateTakenError).existingRunId).toBe('old');
    // A child run of Couture's DagOperator shares its parent's date.
    await store.createDagRun(runRecord('d', 'backfill_rundag_child', DAY1, { parent: { dag_id: 'p', run_id: 'r', task_id: 't' } }), []);
    expect((await store.persist()).kept).toEqual(['d/backfill_rundag_child']);
  });

  test('persist reports a run the kept store refuses (another process took its date meanwhile) and keeps the others', async () => {
    await store.createDagRun(runRecord('d', 'mine', DAY2, { state: 'success' }), []);
    await store.createDagRun(runRecord('e', 'triggered', DAY2, { state: 'success' }), []);
    await kept.createDagRun(runRecord('d', 'platform', DAY2), []);
    const { kept: written, refused } = await store.persist();
    expect(written).toEqual(['e/triggered']);
    expect(refused.map((r) => [r.run, r.error.name])).toEqual([['d/mine', 'LogicalDateTakenError']]);
    expect((await kept.getDagRun('d', 'platform'))?.run_id).toBe('platform');
    expect(await kept.getDagRun('d', 'mine')).toBeUndefined();
  });

  test("slots and slot waiters are the command's own; DAG records, variables and the rest are the kept store's", async () => {
    await kept.acquireSlot('pool:p', 1, 'platform-try');
    expect(await store.acquireSlot('pool:p', 1, 'test-try')).toBe(true);
    expect(await store.listSlotHolders('pool:p')).toEqual([{ holder: 'test-try', slots: 1 }]);
    expect(await kept.listSlotHolders('pool:p')).toEqual([{ holder: 'platform-try', slots: 1 }]);
    // Callers that ask whether the store keeps a kind of record (`'listRepositoryVersions' in store`) are told it does.
    expect('listRepositoryVersions' in store && 'getVariable' in store && 'persist' in store).toBe(true);
    await store.putVariable(variableRecord('k', 'v'));
    expect((await kept.getVariable('k'))?.value).toBe('v');
    expect((await store.getVariable('k'))?.value).toBe('v');
  });
});

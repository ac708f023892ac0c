/** The reconciler finishes the active-runs index upgrade once per container, and repairs runs even while it cannot. */
import type { DagRunRecord } from '../shared/model/records.js';
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import type { ListActiveRunsOptions } from '../shared/stores/metadata.js';
import { createReconcilerHandler, type ReconcilerContext } from './reconciler.js';

function reconcilerWith(backfillActiveRuns: ReconcilerContext['backfillActiveRuns'], running: Partial<DagRunRecord>[] = []) {
  const listActiveDagRuns = jest.fn(async (options?: ListActiveRunsOptions) => (options?.owingEffects ? [] : running));
  const startRun = jest.fn(async () => undefined);
  const context = {
    store: { listDags: async () => ({ items: running.map((r) => ({ dag_id: r.dag_id })), total: running.length }) },
    deps: { store: { listActiveDagRuns }, clock: () => new Date('2024-01-02T01:00:00Z') } as unknown as RuntimeDeps,
    runs: { statusOf: async () => undefined, startRun },
    backfillActiveRuns,
  } as unknown as ReconcilerContext;
  const handler = createReconcilerHandler(async () => context);
  // One pass lists the running runs once (and the ended runs owing side effects once).
  const passes = () => listActiveDagRuns.mock.calls.filter(([options]) => !options?.owingEffects).length;
  return { invoke: () => handler({}, {} as never), passes, startRun };
}

test('the backfill runs on the first invocation only once it completed (or found its marker)', async () => {
  const backfill = jest.fn(async () => 3 as const);
  const { invoke, passes } = reconcilerWith(backfill);
  const logs = jest.spyOn(console, 'log').mockImplementation(() => {});
  await invoke();
  await invoke();
  expect(logs).toHaveBeenCalledWith(JSON.stringify({ reconciler: { activeRunsIndexBackfilled: 3 } }));
  logs.mockRestore();
  expect(backfill).toHaveBeenCalledTimes(1);
  expect(passes()).toBe(2);
});

test('a backfill that failed, or found the index still building, is tried again next invocation while repairs go on', async () => {
  const backfill = jest
    .fn<Promise<number | 'done' | 'index-not-ready'>, []>()
    .mockRejectedValueOnce(new Error('throttled'))
    .mockResolvedValueOnce('index-not-ready')
    .mockResolvedValueOnce('done');
  const { invoke, passes } = reconcilerWith(backfill);
  const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
  for (let i = 0; i < 4; i++) await invoke();
  errors.mockRestore();
  expect(backfill).toHaveBeenCalledTimes(3);
  expect(passes()).toBe(4);
});

test("a running run whose execution never started (its starter died before StartExecution) is started with the runs' startRun", async () => {
  const run = { dag_id: 'd', run_id: 'r', state: 'running', run_type: 'manual', start_date: '2024-01-02T00:00:00Z' } as const;
  const { invoke, startRun } = reconcilerWith(undefined, [run]);
  const report = await invoke();
  expect(startRun).toHaveBeenCalledWith(run);
  expect(report.started).toEqual(['d/r']);
});

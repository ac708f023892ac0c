/** The reconciler finishes the active-runs index upgrade once per container, and repairs runs even while it cannot. */
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import { createReconcilerHandler, type ReconcilerContext } from './reconciler.js';

function reconcilerWith(backfillActiveRuns: ReconcilerContext['backfillActiveRuns']) {
  const listActiveDagRuns = jest.fn(async () => []);
  const context = {
    store: { listDags: async () => ({ items: [], total: 0 }) },
    deps: { store: { listActiveDagRuns } } as unknown as RuntimeDeps,
    runs: { statusOf: async () => undefined },
    backfillActiveRuns,
  } as unknown as ReconcilerContext;
  const handler = createReconcilerHandler(async () => context);
  return { invoke: () => handler({}, {} as never), listActiveDagRuns };
}

test('the backfill runs on the first invocation only once it completed (or found its marker)', async () => {
  const backfill = jest.fn(async () => 3 as const);
  const { invoke, listActiveDagRuns } = reconcilerWith(backfill);
  const logs = jest.spyOn(console, 'log').mockImplementation(() => {});
  await invoke();
  await invoke();
  expect(logs).toHaveBeenCalledWith(JSON.stringify({ reconciler: { activeRunsIndexBackfilled: 3 } }));
  logs.mockRestore();
  expect(backfill).toHaveBeenCalledTimes(1);
  expect(listActiveDagRuns).toHaveBeenCalledTimes(2);
});

test('a backfill that failed, or found the index still building, is tried again next invocation while repairs go on', async () => {
  const backfill = jest
    .fn<Promise<number | 'done' | 'index-not-ready'>, []>()
    .mockRejectedValueOnce(new Error('throttled'))
    .mockResolvedValueOnce('index-not-ready')
    .mockResolvedValueOnce('done');
  const { invoke, listActiveDagRuns } = reconcilerWith(backfill);
  const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
  for (let i = 0; i < 4; i++) await invoke();
  errors.mockRestore();
  expect(backfill).toHaveBeenCalledTimes(3);
  expect(listActiveDagRuns).toHaveBeenCalledTimes(4);
});

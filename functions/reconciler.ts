/**
 * The reconciler Lambda (an EventBridge rate schedule, every minute): repairs what a handler that died
 * or an answer that was lost left behind (shared/runtime/handlers/reconcile.ts) — runs whose
 * execution ended while they were still running are finalized, decided tokens answered again,
 * undecided waiting tasks decided, slots of ended tries given back, running runs whose execution never
 * started are started, side effects whose sender died are sent. Overlapping invocations are safe.
 * Each container first finishes the upgrade to the active-runs index (gsi2) once: the runs written
 * before the deploy that added it are indexed, guarded by a marker item (backfillActiveRunsIndexOnce).
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { DagRunRecord } from '../shared/model/records.js';
import type { ExecutionStatusLookup, RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import { reconcile, type ReconcileReport } from '../shared/runtime/handlers/reconcile.js';
import { backfillActiveRunsIndexOnce } from '../shared/stores/dynamodb/index.js';
import type { DagStore } from '../shared/stores/metadata.js';
import { cloud, useCloudEnvironment } from './cloud-root.js';

export interface ReconcilerContext {
  store: Pick<DagStore, 'listDags'>;
  deps: RuntimeDeps;
  /** Execution lookups, and starting a running run whose execution never started. */
  runs: ExecutionStatusLookup & { startRun?: (run: DagRunRecord) => Promise<void> };
  /** Indexes runs that predate the active-runs index, unless its marker says it was done. */
  backfillActiveRuns?: () => Promise<number | 'done' | 'index-not-ready'>;
}

export function createReconcilerHandler(getContext: () => Promise<ReconcilerContext>) {
  // Per container: once the backfill is done (or its marker found), later invocations skip even the marker read.
  let backfilled = false;
  return middy<unknown, ReconcileReport, Error, Context>(async () => {
    const { store, deps, runs, backfillActiveRuns } = await getContext();
    if (!backfilled && backfillActiveRuns) {
      // A failed or early (index still building) backfill is retried next minute; repairs go on meanwhile.
      try {
        const result = await backfillActiveRuns();
        backfilled = result !== 'index-not-ready';
        if (typeof result === 'number') console.log(JSON.stringify({ reconciler: { activeRunsIndexBackfilled: result } }));
      } catch (error) {
        console.error(JSON.stringify({ reconciler: { activeRunsIndexBackfill: error instanceof Error ? error.message : String(error) } }));
      }
    }
    const dagIds = (await store.listDags({ includeInactive: true })).items.map((d) => d.dag_id);
    const report = await reconcile(deps, { dagIds, executions: runs, ...(runs.startRun ? { startRun: runs.startRun } : {}) });
    if (report.errors.length > 0) console.error(JSON.stringify({ reconciler: report }));
    else if (report.repairedCounts.length > 0) console.log(JSON.stringify({ reconciler: { repairedCounts: report.repairedCounts } }));
    return report;
  });
}

export const handler = createReconcilerHandler(async () => {
  const context = await cloud.get();
  const send = context.clients.dynamodb.send.bind(context.clients.dynamodb) as typeof context.clients.dynamodb.send;
  return { ...context, backfillActiveRuns: () => backfillActiveRunsIndexOnce(send, context.env.tableName, () => context.deps.clock().toISOString()) };
});

useCloudEnvironment('reconciler');

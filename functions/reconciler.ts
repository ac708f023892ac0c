/**
 * The reconciler Lambda (an EventBridge rate schedule, every minute): repairs what a handler that died
 * or an answer that was lost left behind (shared/runtime/handlers/reconcile.ts) — runs whose
 * execution ended while they were still running are finalized, decided tokens answered again,
 * undecided waiting tasks decided, slots of ended tries given back. Overlapping invocations are safe.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ExecutionStatusLookup, RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import { reconcile, type ReconcileReport } from '../shared/runtime/handlers/reconcile.js';
import type { DagStore } from '../shared/stores/metadata.js';
import { cloud, useCloudEnvironment } from './cloud-root.js';

export interface ReconcilerContext {
  store: Pick<DagStore, 'listDags'>;
  deps: RuntimeDeps;
  runs: ExecutionStatusLookup;
}

export function createReconcilerHandler(getContext: () => Promise<ReconcilerContext>) {
  return middy<unknown, ReconcileReport, Error, Context>(async () => {
    const { store, deps, runs } = await getContext();
    const dagIds = (await store.listDags({ includeInactive: true })).items.map((d) => d.dag_id);
    const report = await reconcile(deps, { dagIds, executions: runs });
    if (report.errors.length > 0) console.error(JSON.stringify({ reconciler: report }));
    return report;
  });
}

export const handler = createReconcilerHandler(() => cloud.get());

useCloudEnvironment('reconciler');

/**
 * Seeds the console e2e's state folder before `skydag dev` opens it: the DAGs folder synced into the
 * embedded store, and finished runs of the 500-task `big_grid` DAG (the grid benchmark; running
 * 12,500 task instances for real would take minutes and measure the engine, not the grid).
 */
import { syncDagsFolder } from '../../local/platform/dag-sync.js';
import { startEmbeddedDynamoDB } from '../../local/stores/embedded-dynamodb.js';
import type { DagRunRecord, TaskInstanceRecord } from '../../shared/model/records.js';
import { newTaskInstances } from '../../shared/runtime/handlers/launch.js';

/** A deterministic mix of states: mostly success, a failure with its downstream upstream_failed in some runs. */
function stateFor(run: number, index: number): TaskInstanceRecord['state'] {
  if (run % 7 === 3 && index >= 120 && index < 125) return index === 120 ? 'failed' : 'upstream_failed';
  if (index % 97 === 5) return 'skipped';
  return 'success';
}

export async function seedBigGrid(home: string, dagsFolder: string, runs: number): Promise<void> {
  const db = await startEmbeddedDynamoDB({ home });
  try {
    await syncDagsFolder(db.store, dagsFolder, { now: new Date(), pausedAtCreation: true });
    const dag = (await db.store.getDag('big_grid'))!;
    const model = (await db.store.getDagVersion('big_grid', dag.current_version))!.model;
    const day = 86_400_000;
    const first = Date.parse('2024-01-01T00:00:00Z');
    for (let r = 0; r < runs; r++) {
      const logical = new Date(first + r * day).toISOString();
      const start = first + r * day + 3_600_000;
      const runId = `seeded__${logical}`;
      const tis = newTaskInstances(model, runId).map((ti, i) => {
        const state = stateFor(r, i);
        const ran = state === 'success' || state === 'failed';
        const tStart = start + i * 1_000;
        const duration = ran ? 0.5 + ((i * 7 + r * 3) % 20) / 10 : null;
        return {
          ...ti,
          state,
          try_number: ran ? 1 : 0,
          start_date: ran ? new Date(tStart).toISOString() : null,
          end_date: ran ? new Date(tStart + duration! * 1000).toISOString() : null,
          duration,
        };
      });
      const failed = tis.some((t) => t.state === 'failed');
      const run: DagRunRecord = {
        dag_id: 'big_grid',
        run_id: runId,
        logical_date: logical,
        data_interval_start: logical,
        data_interval_end: logical,
        run_type: 'manual',
        state: failed ? 'failed' : 'success',
        external_trigger: true,
        conf: {},
        queued_at: new Date(start).toISOString(),
        start_date: new Date(start).toISOString(),
        end_date: new Date(start + (500 + (r % 5) * 60) * 1000).toISOString(),
        dag_version: dag.current_version,
        parent: null,
        note: null,
      };
      await db.store.createDagRun(run, tis);
    }
  } finally {
    await db.close();
  }
}

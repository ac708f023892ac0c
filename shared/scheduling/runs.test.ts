/** createRunOnce: one run per logical date, whoever (scheduler, backfill, API) gets there first. */
import type { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { launchDagRun } from '../runtime/handlers/launch.js';
import { DagRunType } from '../runtime/states.js';
import { createRunOnce } from './runs.js';
import { VERSION, scheduledDag, storeWith } from './test-support.js';

const logicalDate = new Date('2024-01-01T00:00:00Z');
const info = { logicalDate, dataInterval: { start: logicalDate, end: new Date('2024-01-02T00:00:00Z') }, runAfter: new Date('2024-01-02T00:00:00Z') };

describe('createRunOnce', () => {
  it('reports the run that took the logical date between its check and its write, and creates no second run', async () => {
    const dag = scheduledDag('daily');
    const store = await storeWith([dag]);
    const manual = await launchDagRun(store, dag, { runType: DagRunType.MANUAL, logicalDate, now: logicalDate });
    // A stale read (the runs index is eventually consistent in AWS): the check sees no run at the date.
    const stale: MemoryMetadataStore = Object.assign(Object.create(store) as MemoryMetadataStore, { listDagRuns: async () => [] });
    const outcome = await createRunOnce(stale, dag, { runType: DagRunType.SCHEDULED, info, dagVersion: VERSION, now: logicalDate });
    expect(outcome).toEqual({ created: false, existing: manual });
    expect((await store.listDagRuns('daily')).map((r) => r.run_id)).toEqual([manual.run_id]);
  });

  it('concurrent scheduler and backfill launches of one interval create one run', async () => {
    const dag = scheduledDag('daily');
    const store = await storeWith([dag]);
    const outcomes = await Promise.all(
      [DagRunType.SCHEDULED, DagRunType.BACKFILL, DagRunType.SCHEDULED, DagRunType.BACKFILL].map((runType) =>
        createRunOnce(store, dag, { runType, info, dagVersion: VERSION, now: logicalDate }),
      ),
    );
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    const [only] = await store.listDagRuns('daily');
    for (const o of outcomes) expect(o.created ? o.run : o.existing).toEqual(only);
  });
});

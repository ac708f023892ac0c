/**
 * What a task costs must not grow with the size of its DAG: counted in store reads (never in time).
 * Each run goes through the compiled state machine, the handlers and the in-memory store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRuntime } from '../../../local/engine/local-runtime.js';
import { MemoryMetadataStore } from '../../../local/stores/memory-metadata.js';
import type { TaskInstanceRecord } from '../../model/records.js';
import type { Dag } from '../../model/schema.js';
import type { RunStore } from '../../stores/metadata.js';
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { indexedDag } from './run-context.js';

interface Counts {
  /** Task instance records handed out by getTaskInstance and listTaskInstances. */
  tiRecordsRead: number;
  statesWritten: (string | null)[];
}

/** The store, counting what the handlers read and write through it. */
function countingStore(store: RunStore, counts: Counts): RunStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result = (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
        if (prop === 'getTaskInstance' && result) counts.tiRecordsRead += 1;
        if (prop === 'listTaskInstances') counts.tiRecordsRead += (result as TaskInstanceRecord[]).length;
        if (prop === 'updateTaskInstance' && 'state' in (args[3] as object)) counts.statesWritten.push((args[3] as { state: string | null }).state);
        return result;
      };
    },
  });
}

/** `width` independent no-op tasks capped at 4 running at once, so most of them wait for a slot. */
function wideDag(width: number): Dag {
  const tasks = Array.from({ length: width }, (_, i) => makeTask(`t${i}`, { email_on_failure: false, email_on_retry: false }));
  return makeDag(`wide_${width}`, tasks, [], { max_active_tasks: 4 });
}

async function runCounted(dag: Dag): Promise<Counts & { state: string }> {
  const home = mkdtempSync(join(tmpdir(), 'skydag-scale-'));
  const counts: Counts = { tiRecordsRead: 0, statesWritten: [] };
  const runtime = new LocalRuntime({
    dagsFolder: home,
    logsDir: join(home, 'logs'),
    store: countingStore(new MemoryMetadataStore(), counts),
    render: async (request) => request.task.args,
    executorFor: () => async () => ({ outcome: 'success' }),
  });
  try {
    runtime.register(dag);
    const outcome = await runtime.runDag(dag.dag_id, { logicalDate: new Date('2024-01-02T00:00:00Z') });
    return { ...counts, state: outcome.run.state };
  } finally {
    runtime.close();
    rmSync(home, { recursive: true, force: true });
  }
}

describe('per-task cost at scale', () => {
  it('reads about as many task instance records per task in a DAG of 240 tasks as in one of 30, with tasks waiting for slots', async () => {
    const small = await runCounted(wideDag(30));
    const large = await runCounted(wideDag(240));
    expect([small.state, large.state]).toEqual(['success', 'success']);
    // Waking slot waiters used to read every task instance of the run after each task: O(n) per task.
    const perTask = (c: Counts, n: number) => c.tiRecordsRead / n;
    expect(perTask(large, 240)).toBeLessThan(perTask(small, 30) * 1.5);
  }, 60_000);

  it('marks a task that waits for a concurrency slot scheduled, as Airflow does', async () => {
    const run = await runCounted(wideDag(12));
    expect(run.state).toBe('success');
    expect(run.statesWritten).toContain('scheduled');
  }, 60_000);

  it('indexes a DAG model once, whatever the number of control calls', () => {
    const dag = wideDag(3);
    expect(indexedDag(dag)).toBe(indexedDag(dag));
    expect(indexedDag(dag).index.tasks.size).toBe(3);
  });
});

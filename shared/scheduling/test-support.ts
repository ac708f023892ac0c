/** Test helpers for the scheduler: DagRecords for models, a store with DAGs registered, a recording run starter. */
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { makeDag, makeTask } from '../../test/helpers/model.js';
import type { DagRecord, DagRunRecord } from '../model/records.js';
import type { Dag } from '../model/schema.js';
import type { SchedulerPorts } from './scheduler.js';

export const VERSION = 'v1';

export function scheduledDag(dagId: string, overrides: Partial<Dag> = {}): Dag {
  return makeDag(dagId, [makeTask('extract'), makeTask('load')], [['extract', 'load']], {
    schedule: { type: 'cron', cron: '0 0 * * *', preset: '@daily' },
    start_date: '2024-01-01T00:00:00.000Z',
    ...overrides,
  });
}

export function dagRecordFor(dag: Dag, overrides: Partial<DagRecord> = {}): DagRecord {
  return {
    dag_id: dag.dag_id,
    fileloc: `${dag.dag_id}.py`,
    is_paused: false,
    is_active: true,
    current_version: VERSION,
    description: dag.description,
    schedule: dag.schedule,
    schedule_description: null,
    timezone: dag.timezone,
    tags: dag.tags,
    owners: [dag.owner],
    max_active_runs: dag.max_active_runs,
    max_active_tasks: dag.max_active_tasks,
    catchup: dag.catchup,
    start_date: dag.start_date,
    end_date: dag.end_date,
    last_parsed_time: '2024-01-01T00:00:00.000Z',
    next_dagrun: null,
    next_dagrun_data_interval_start: null,
    next_dagrun_data_interval_end: null,
    ...overrides,
  };
}

/** A run starter that records what it started (once per run: idempotent, like StartExecution by name). */
export function recordingStarter(): { startRun: SchedulerPorts['startRun']; started: string[]; calls: string[] } {
  const started: string[] = [];
  const calls: string[] = [];
  return {
    started,
    calls,
    async startRun(run: DagRunRecord) {
      calls.push(run.run_id);
      if (!started.includes(run.run_id)) started.push(run.run_id);
    },
  };
}

export async function storeWith<S extends MemoryMetadataStore = MemoryMetadataStore>(dags: readonly Dag[], records: Partial<DagRecord>[] = [], store: S = new MemoryMetadataStore() as S): Promise<S> {
  for (const [i, dag] of dags.entries()) await store.putDag(dagRecordFor(dag, records[i] ?? {}));
  return store;
}

export const modelsOf =
  (...dags: Dag[]): SchedulerPorts['dagModel'] =>
  async (dagId) =>
    dags.find((d) => d.dag_id === dagId);

/** Marks a run finished, as the runtime's finalize does. */
export async function finish(store: MemoryMetadataStore, dagId: string, runId: string, state: 'success' | 'failed' = 'success'): Promise<void> {
  await store.updateDagRun(dagId, runId, { state, end_date: '2030-01-01T00:00:00.000Z' });
}

/** run_id → state, oldest logical date first. */
export async function runStates(store: MemoryMetadataStore, dagId: string): Promise<[string, string][]> {
  const runs = await store.listDagRuns(dagId);
  return runs.reverse().map((r) => [r.run_id, r.state]);
}

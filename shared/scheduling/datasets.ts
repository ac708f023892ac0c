/**
 * Data-aware scheduling (Airflow 2.10's datasets): the events a producing task's success records,
 * and the dataset-triggered runs a scheduling pass creates for consumer DAGs.
 *
 * Airflow queues a `DatasetDagRunQueue` row per consumer when an event is recorded and creates the
 * consumer's run once the queued datasets satisfy its condition (`dags_needing_dagruns`). skydag
 * derives the same from the events themselves, so recording an event needs to know nothing about
 * consumers: a consumer is due when the events recorded since its last dataset-triggered run (or
 * since its first version, for a new DAG) satisfy its condition. The run takes every such event of
 * the condition's datasets as its `triggering_dataset_events`; its logical date is the newest
 * event's time, which is also where the next run's events start.
 */
import { conditionMet, conditionUris } from '../model/datasets.js';
import type { DagRecord, DagRunRecord, DatasetEventRecord, TaskInstanceRecord } from '../model/records.js';
import type { Dag, Task } from '../model/schema.js';
import { defaultRunId, newTaskInstances } from '../runtime/handlers/launch.js';
import { DagRunState, DagRunType } from '../runtime/states.js';
import { DagRunExistsError, type DagStore, type RunStore } from '../stores/metadata.js';

const PAGE = 100;

/** A new event id: its timestamp's ms × 1000 plus a random tie-breaker (ids order events by time; see the store's keys). */
export function datasetEventId(at: Date): number {
  return at.getTime() * 1000 + Math.floor(Math.random() * 1000);
}

/** The event a dataset update records (a task's success, or the API without a source). */
export function datasetEvent(uri: string, at: Date, extra: Record<string, unknown>, source?: Pick<TaskInstanceRecord, 'dag_id' | 'run_id' | 'task_id' | 'map_index'>): DatasetEventRecord {
  return {
    id: datasetEventId(at),
    uri,
    extra,
    source_dag_id: source?.dag_id ?? null,
    source_task_id: source?.task_id ?? null,
    source_run_id: source?.run_id ?? null,
    source_map_index: source?.map_index ?? -1,
    timestamp: at.toISOString(),
  };
}

/**
 * Airflow's `register_dataset_change` for each of a succeeded task instance's outlets, with the extra
 * its code gave that outlet's event (`outlet_events[ds].extra`, `yield Metadata(ds, {...})`).
 */
export async function recordOutletEvents(
  store: Pick<RunStore, 'appendDatasetEvent'>,
  task: Pick<Task, 'outlets'>,
  ti: TaskInstanceRecord,
  at: Date,
  extras: Readonly<Record<string, Record<string, unknown>>> = {},
): Promise<DatasetEventRecord[]> {
  const events = (task.outlets ?? []).map((outlet) => datasetEvent(outlet.uri, at, extras[outlet.uri] ?? {}, ti));
  for (const event of events) await store.appendDatasetEvent(event);
  return events;
}

/** Every event of `uri` after `after` (oldest first). */
async function eventsAfter(store: RunStore, uri: string, after: string | undefined): Promise<DatasetEventRecord[]> {
  const out: DatasetEventRecord[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listDatasetEvents({ uri, ...(after ? { after } : {}), limit: PAGE, offset });
    out.push(...page.items);
    if (page.items.length < PAGE) return out;
  }
}

/** The newest dataset-triggered run of a DAG, if any. */
export async function latestDatasetTriggeredRun(store: RunStore, dagId: string): Promise<DagRunRecord | undefined> {
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listDagRuns(dagId, { limit: PAGE, offset });
    const found = page.find((r) => r.run_type === DagRunType.DATASET_TRIGGERED);
    if (found || page.length < PAGE) return found;
  }
}

/** Where a consumer's pending events start: its last dataset-triggered run's logical date, else its first version's creation. */
async function pendingSince(store: RunStore & Pick<DagStore, 'listDagVersions'>, dagId: string): Promise<string | undefined> {
  const last = await latestDatasetTriggeredRun(store, dagId);
  if (last) return last.logical_date;
  const versions = await store.listDagVersions(dagId);
  const first = versions.map((v) => v.created_at).sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  // Airflow queues events only for DAGs that consume the dataset when it is updated.
  return first === undefined ? undefined : new Date(Date.parse(first) - 1).toISOString();
}

/**
 * Airflow's `DatasetTriggeredTimetable.data_interval_for_events`: from the earliest to the latest data
 * interval of the runs that produced the events (an event without one counts as its own instant).
 */
async function dataIntervalOfEvents(store: RunStore, events: readonly DatasetEventRecord[]): Promise<{ start: Date; end: Date }> {
  let start = Infinity;
  let end = -Infinity;
  for (const event of events) {
    const source = event.source_dag_id && event.source_run_id ? await store.getDagRun(event.source_dag_id, event.source_run_id) : undefined;
    start = Math.min(start, Date.parse(source?.data_interval_start ?? event.timestamp));
    end = Math.max(end, Date.parse(source?.data_interval_end ?? event.timestamp));
  }
  return { start: new Date(start), end: new Date(end) };
}

/**
 * Creates the consumer's dataset-triggered run (queued) when the events since its last one satisfy
 * its condition. Returns the run created, if any. Idempotent: the run id is the newest event's time,
 * and a second pass finds the events consumed by the run it made.
 */
export async function createDatasetTriggeredRun(
  ports: { store: RunStore & Pick<DagStore, 'listDagVersions'>; now: Date },
  record: Pick<DagRecord, 'current_version'>,
  dag: Dag,
): Promise<DagRunRecord | undefined> {
  const condition = dag.dataset_schedule;
  if (!condition) return undefined;
  const { store } = ports;
  const since = await pendingSince(store, dag.dag_id);
  const events: DatasetEventRecord[] = [];
  const updated = new Set<string>();
  for (const uri of conditionUris(condition)) {
    const found = await eventsAfter(store, uri, since);
    if (found.length > 0) updated.add(uri);
    events.push(...found);
  }
  if (!conditionMet(condition, updated)) return undefined;
  events.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || a.id - b.id);
  const logicalDate = new Date(Date.parse(events[events.length - 1]!.timestamp));
  const interval = await dataIntervalOfEvents(store, events);
  const run: DagRunRecord = {
    dag_id: dag.dag_id,
    run_id: defaultRunId(DagRunType.DATASET_TRIGGERED, logicalDate),
    logical_date: logicalDate.toISOString(),
    data_interval_start: interval.start.toISOString(),
    data_interval_end: interval.end.toISOString(),
    run_type: DagRunType.DATASET_TRIGGERED,
    state: DagRunState.QUEUED,
    external_trigger: false,
    conf: {},
    queued_at: ports.now.toISOString(),
    start_date: null,
    end_date: null,
    dag_version: record.current_version,
    parent: null,
    note: null,
    triggering_dataset_events: events,
  };
  try {
    await store.createDagRun(run, newTaskInstances(dag, run.run_id));
    return run;
  } catch (err) {
    // Another pass created it (or a run holds that instant): the events stay consumed by that run.
    if (err instanceof DagRunExistsError) return undefined;
    throw err;
  }
}

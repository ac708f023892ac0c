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
import { conditionAliases, conditionMet, conditionUris, resolveAliases } from '../model/datasets.js';
import type { DagRecord, DagRunRecord, DatasetEventRecord, TaskInstanceRecord } from '../model/records.js';
import type { Dag, DatasetCondition, Task } from '../model/schema.js';
import { defaultRunId, newTaskInstances } from '../runtime/handlers/launch.js';
import type { OutletAliasEvent } from '../runtime/protocol.js';
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
  aliasEvents: readonly OutletAliasEvent[] = [],
): Promise<DatasetEventRecord[]> {
  const events = (task.outlets ?? []).map((outlet) => datasetEvent(outlet.uri, at, extras[outlet.uri] ?? {}, ti));
  events.push(...aliasDatasetEvents(aliasEvents, at, ti));
  for (const event of events) await store.appendDatasetEvent(event);
  return events;
}

/**
 * Airflow 2.10's `_register_dataset_changes` for events added through aliases: one event per
 * (dataset, extra), whichever aliases added it, carrying those aliases' names (`source_aliases`).
 */
function aliasDatasetEvents(aliasEvents: readonly OutletAliasEvent[], at: Date, ti: TaskInstanceRecord): DatasetEventRecord[] {
  const byKey = new Map<string, { uri: string; extra: Record<string, unknown>; aliases: Set<string> }>();
  for (const { alias, uri, extra } of aliasEvents) {
    const key = JSON.stringify([uri, sortedKeys(extra)]);
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { uri, extra, aliases: new Set() }));
    entry.aliases.add(alias);
  }
  return [...byKey.values()].map(({ uri, extra, aliases }) => ({ ...datasetEvent(uri, at, extra, ti), source_aliases: [...aliases].sort() }));
}

/** A JSON value with object keys sorted, so equal extras compare equal whatever their key order. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys((v as Record<string, unknown>)[k])]));
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

/** The datasets events were ever added to through `alias`, each with its first such event's time (oldest first). */
export async function aliasDatasets(store: RunStore, alias: string): Promise<Map<string, string>> {
  const first = new Map<string, string>();
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listDatasetEvents({ alias, limit: PAGE, offset });
    for (const event of page.items) if (!first.has(event.uri)) first.set(event.uri, event.timestamp);
    if (page.items.length < PAGE) return first;
  }
}

/**
 * A consumer's condition with its aliases resolved to their datasets (see resolveAliases), and for
 * each such dataset the instant from which its events count: Airflow schedules the consumer on it
 * from the first event through the alias on (that event included), not before.
 */
export async function resolvedCondition(store: RunStore, condition: DatasetCondition): Promise<{ condition: DatasetCondition; countsFrom: Map<string, string> }> {
  const countsFrom = new Map<string, string>();
  const aliases = conditionAliases(condition);
  if (aliases.length === 0) return { condition, countsFrom };
  const direct = new Set(conditionUris(condition));
  const resolved = new Map<string, string[]>();
  for (const alias of aliases) {
    const first = await aliasDatasets(store, alias);
    resolved.set(alias, [...first.keys()]);
    for (const [uri, at] of first) {
      if (direct.has(uri)) continue;
      const from = new Date(Date.parse(at) - 1).toISOString();
      const known = countsFrom.get(uri);
      if (known === undefined || from < known) countsFrom.set(uri, from);
    }
  }
  return { condition: resolveAliases(condition, resolved), countsFrom };
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
  if (!dag.dataset_schedule) return undefined;
  const { store } = ports;
  const { condition, countsFrom } = await resolvedCondition(store, dag.dataset_schedule);
  const since = await pendingSince(store, dag.dag_id);
  const events: DatasetEventRecord[] = [];
  const updated = new Set<string>();
  for (const uri of conditionUris(condition)) {
    const from = countsFrom.get(uri);
    const found = await eventsAfter(store, uri, from !== undefined && (since === undefined || from > since) ? from : since);
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

/**
 * Airflow 2's datasets API (data-aware scheduling): the datasets DAGs reference, their events, and
 * posting an event (Airflow 2.9+). A dataset exists while a DAG names it (`outlets` or its dataset
 * schedule), as Airflow registers datasets when it parses DAG files.
 *
 * `GET /api/v1/datasets` serves the models-and-datasets repository (Couture's "Datasets"), so the
 * list of Airflow datasets is `GET /api/v1/airflowDatasets`; one dataset (`/datasets/{uri}`) and the
 * events (`/datasets/events`) are at Airflow's paths.
 *
 * Everything is listed per readable DAG: a dataset only DAGs the caller cannot read name does not
 * exist for it, consuming DAGs and producing tasks are those it can read, and an event produced by a
 * DAG it cannot read is not listed.
 */
import type { DagRecord, DagRunRecord, DatasetEventRecord } from '../../model/records.js';
import { conditionUris, datasetUriProblem } from '../../model/datasets.js';
import { datasetEvent } from '../../scheduling/datasets.js';
import { DagRunType } from '../../runtime/states.js';
import type { DagAccess } from '../auth/dag-access.js';
import type { DatasetUpdate } from '../../stores/metadata.js';
import type { ApiDeps } from '../deps.js';
import { ORDER_BY_QUERY, PAGE_QUERY, pageOf, paginate, sortItems, timeOf, type PageQuery } from '../listing.js';
import { badRequest, notFound } from '../problem.js';
import { collectionSchema } from '../response-schemas.js';
import { defineRoute } from '../route.js';
import { isoOut } from '../serialize.js';
import type { JsonSchema } from '../validation.js';
import { modelOf } from './common.js';

interface DatasetView {
  uri: string;
  extra: Record<string, unknown>;
  consuming_dags: { dag_id: string }[];
  producing_tasks: { dag_id: string; task_id: string }[];
  /** The URI's newest event as the store keeps it (null: none, or not kept). */
  newest: DatasetUpdate['newest'];
}

/** Whose events a caller sees: every one (it reads every DAG), or those of the DAGs it can read and of no DAG. */
type EventSources = 'every' | ReadonlySet<string>;

const sees = (sources: EventSources, sourceDagId: string | null): boolean => sources === 'every' || sourceDagId === null || sources.has(sourceDagId);

async function eventSourcesOf(access: DagAccess): Promise<EventSources> {
  return access.holdsGlobally('can_read') ? 'every' : new Set((await access.dags('can_read')).map((d: DagRecord) => d.dag_id));
}

/** What one DAG version names: the URIs its dataset schedule consumes and its tasks' outlets. */
interface DatasetRefs {
  consumes: string[];
  produces: { task_id: string; uri: string; extra: Record<string, unknown> | undefined }[];
}

/**
 * Dataset references by DAG version, per store. A version is immutable (its id is its content's
 * hash), so listing datasets reads each DAG's model once per process, not on every request: reading
 * 1,000 models per listing was the datasets listings' cost. Bounded; the oldest entry goes first.
 */
const REFS_CACHE = new WeakMap<object, Map<string, DatasetRefs>>();
const REFS_CACHE_SIZE = 20_000;
/** Model reads in flight while filling the cache (the first listing of a large deployment). */
const MODEL_READS = 16;

async function datasetRefsOf(deps: ApiDeps, dags: readonly DagRecord[]): Promise<(DatasetRefs | undefined)[]> {
  let cache = REFS_CACHE.get(deps.store);
  if (!cache) REFS_CACHE.set(deps.store, (cache = new Map()));
  const keyOf = (dag: DagRecord) => `${dag.dag_id}\u0000${dag.current_version}`;
  const missing = dags.filter((dag) => !cache.has(keyOf(dag)));
  let next = 0;
  const read = async () => {
    while (next < missing.length) {
      const dag = missing[next++]!;
      const model = await modelOf(deps, dag.dag_id, dag.current_version);
      if (!model) continue; // not cached: a version being registered exists a moment later
      if (cache.size >= REFS_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(keyOf(dag), {
        consumes: model.dataset_schedule ? conditionUris(model.dataset_schedule) : [],
        produces: model.tasks.flatMap((task) => (task.outlets ?? []).map((outlet) => ({ task_id: task.task_id, uri: outlet.uri, extra: outlet.extra }))),
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(MODEL_READS, missing.length) }, read));
  return dags.map((dag) => cache.get(keyOf(dag)));
}

/**
 * The datasets the readable active DAGs name, by URI (consumers and producers in DAG order), and
 * those only events made (a URI resolved through a DatasetAlias, which Airflow registers when the
 * event is recorded): for a caller who cannot read every DAG, those whose events it may see.
 */
async function datasetsOf(deps: ApiDeps, access: DagAccess): Promise<Map<string, DatasetView>> {
  const out = new Map<string, DatasetView>();
  const entry = (uri: string) => {
    let view = out.get(uri);
    if (!view) out.set(uri, (view = { uri, extra: {}, consuming_dags: [], producing_tasks: [], newest: null }));
    return view;
  };
  const dags = (await access.dags('can_read')).filter((d) => d.is_active).sort((a, b) => a.dag_id.localeCompare(b.dag_id));
  const refs = await datasetRefsOf(deps, dags);
  for (const [i, dag] of dags.entries()) {
    const named = refs[i];
    if (!named) continue;
    for (const uri of named.consumes) entry(uri).consuming_dags.push({ dag_id: dag.dag_id });
    for (const outlet of named.produces) {
      const view = entry(outlet.uri);
      view.producing_tasks.push({ dag_id: dag.dag_id, task_id: outlet.task_id });
      if (outlet.extra) view.extra = { ...view.extra, ...outlet.extra };
    }
  }
  const updates = await deps.store.listDatasetUpdates();
  const sources = await eventSourcesOf(access);
  const unnamed = updates.filter((u) => !out.has(u.uri));
  const seen = await Promise.all(unnamed.map(async (u) => (await lastUpdated(deps, sources, u)) !== null));
  unnamed.forEach((u, i) => {
    if (seen[i]) entry(u.uri);
  });
  for (const u of updates) {
    const view = out.get(u.uri);
    if (view) view.newest = u.newest;
  }
  return out;
}

/** The events of `uri` (or every URI) the caller may see. */
async function visibleEvents(deps: ApiDeps, sources: EventSources, options: Parameters<ApiDeps['store']['listDatasetEvents']>[0]): Promise<DatasetEventRecord[]> {
  const events = (await deps.store.listDatasetEvents(options)).items;
  return events.filter((e) => sees(sources, e.source_dag_id));
}

/**
 * When a dataset was last updated as the caller sees it: its newest visible event, or none (null).
 * The newest event the store keeps answers without a query when the caller sees it (always, for a
 * caller who reads every DAG); otherwise the URI's events are read newest first below it.
 */
async function lastUpdated(deps: ApiDeps, sources: EventSources, dataset: Pick<DatasetView, 'uri' | 'newest'>): Promise<string | null> {
  const { uri, newest } = dataset;
  if (newest && sees(sources, newest.source_dag_id)) return isoOut(newest.timestamp);
  let beforeId = newest?.id;
  // Newest first, in growing batches: most often the first event is visible.
  for (let batch = 10; ; batch = Math.min(batch * 4, 1000)) {
    const events = await deps.store.latestDatasetEvents(uri, batch, beforeId);
    const seen = events.find((e) => sees(sources, e.source_dag_id));
    if (seen) return isoOut(seen.timestamp);
    if (events.length < batch) return null;
    beforeId = events[events.length - 1]!.id;
  }
}

function serializeDataset(view: DatasetView, updated: string | null) {
  return { uri: view.uri, extra: view.extra, updated_at: updated, consuming_dags: view.consuming_dags, producing_tasks: view.producing_tasks };
}

function serializeRun(run: DagRunRecord) {
  return {
    dag_id: run.dag_id,
    dag_run_id: run.run_id,
    logical_date: isoOut(run.logical_date),
    start_date: isoOut(run.start_date),
    end_date: isoOut(run.end_date),
    state: run.state,
    data_interval_start: isoOut(run.data_interval_start),
    data_interval_end: isoOut(run.data_interval_end),
  };
}

function serializeEvent(event: DatasetEventRecord, created: DagRunRecord[]) {
  return {
    id: event.id,
    dataset_uri: event.uri,
    extra: event.extra,
    source_dag_id: event.source_dag_id,
    source_task_id: event.source_task_id,
    source_run_id: event.source_run_id,
    source_map_index: event.source_map_index,
    created_dagruns: created.map(serializeRun),
    timestamp: isoOut(event.timestamp),
  };
}

/** Airflow's `created_dagruns`: the readable consumers' dataset-triggered runs each event is among the triggers of. */
async function createdRuns(deps: ApiDeps, datasets: Map<string, DatasetView>, events: readonly DatasetEventRecord[]): Promise<Map<number, DagRunRecord[]>> {
  const consumers = new Set(events.flatMap((e) => (datasets.get(e.uri)?.consuming_dags ?? []).map((d) => d.dag_id)));
  const out = new Map<number, DagRunRecord[]>();
  const wanted = new Set(events.map((e) => e.id));
  for (const dagId of consumers) {
    for (const run of await deps.store.listDagRuns(dagId)) {
      if (run.run_type !== DagRunType.DATASET_TRIGGERED) continue;
      for (const e of run.triggering_dataset_events ?? []) if (wanted.has(e.id)) out.set(e.id, [...(out.get(e.id) ?? []), run]);
    }
  }
  return out;
}

const DATASET_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    uri: { type: 'string' },
    extra: { type: 'object' },
    updated_at: { type: ['string', 'null'], format: 'date-time', description: 'The newest event the caller may see (null: never updated).' },
    consuming_dags: { type: 'array', items: { type: 'object', properties: { dag_id: { type: 'string' } }, required: ['dag_id'] } },
    producing_tasks: { type: 'array', items: { type: 'object', properties: { dag_id: { type: 'string' }, task_id: { type: 'string' } }, required: ['dag_id', 'task_id'] } },
  },
  required: ['uri', 'extra', 'updated_at', 'consuming_dags', 'producing_tasks'],
};

const EVENT_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    dataset_uri: { type: 'string' },
    extra: { type: 'object' },
    source_dag_id: { type: ['string', 'null'] },
    source_task_id: { type: ['string', 'null'] },
    source_run_id: { type: ['string', 'null'] },
    source_map_index: { type: 'integer' },
    created_dagruns: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          dag_id: { type: 'string' },
          dag_run_id: { type: 'string' },
          logical_date: { type: ['string', 'null'], format: 'date-time' },
          start_date: { type: ['string', 'null'], format: 'date-time' },
          end_date: { type: ['string', 'null'], format: 'date-time' },
          state: { type: 'string' },
          data_interval_start: { type: ['string', 'null'], format: 'date-time' },
          data_interval_end: { type: ['string', 'null'], format: 'date-time' },
        },
        required: ['dag_id', 'dag_run_id', 'state'],
      },
    },
    timestamp: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'dataset_uri', 'extra', 'source_dag_id', 'source_task_id', 'source_run_id', 'source_map_index', 'created_dagruns', 'timestamp'],
};

interface DatasetsQuery extends PageQuery {
  uri_pattern?: string;
  dag_ids?: string;
}

interface EventsQuery extends PageQuery {
  dataset_uri?: string;
  source_dag_id?: string;
  source_task_id?: string;
  source_run_id?: string;
  source_map_index?: number;
}

const EVENT_ORDER: Record<string, (e: DatasetEventRecord) => string | number | null> = {
  id: (e) => e.id,
  timestamp: (e) => timeOf(e.timestamp),
  source_dag_id: (e) => e.source_dag_id,
  source_task_id: (e) => e.source_task_id,
  source_run_id: (e) => e.source_run_id,
  source_map_index: (e) => e.source_map_index,
};

export const datasetEventRoutes = [
  defineRoute<DatasetsQuery, unknown>({
    id: 'get_airflow_datasets',
    method: 'GET',
    path: '/api/v1/airflowDatasets',
    access: { permissions: ['read:dataset_events'] },
    dags: 'listed',
    summary: "List the datasets DAGs update (outlets) or are scheduled on: Airflow's GET /datasets (whose path serves the models-and-datasets repository).",
    query: { type: 'object', properties: { ...PAGE_QUERY, ...ORDER_BY_QUERY, uri_pattern: { type: 'string' }, dag_ids: { type: 'string', description: 'Comma-separated: datasets these DAGs consume or produce.' } } },
    response: collectionSchema('datasets', DATASET_SCHEMA),
    async handle({ deps, dags, query }) {
      const page = pageOf(query, deps);
      const dagIds = query.dag_ids ? new Set(query.dag_ids.split(',').map((s) => s.trim()).filter(Boolean)) : undefined;
      const views = [...(await datasetsOf(deps, dags)).values()]
        .filter((v) => query.uri_pattern === undefined || v.uri.includes(query.uri_pattern))
        .filter((v) => !dagIds || v.consuming_dags.some((d) => dagIds.has(d.dag_id)) || v.producing_tasks.some((t) => dagIds.has(t.dag_id)));
      const sorted = sortItems(views, query.order_by, 'uri', { uri: (v) => v.uri, id: (v) => v.uri });
      const sources = await eventSourcesOf(dags);
      const shown = await Promise.all(paginate(sorted, page).map(async (view) => serializeDataset(view, await lastUpdated(deps, sources, view))));
      return { datasets: shown, total_entries: sorted.length };
    },
  }),
  defineRoute<EventsQuery, unknown>({
    id: 'get_dataset_events',
    method: 'GET',
    path: '/api/v1/datasets/events',
    access: { permissions: ['read:dataset_events'] },
    dags: 'listed',
    summary: 'List dataset events (oldest first by default), with the dataset-triggered runs each created.',
    query: {
      type: 'object',
      properties: {
        ...PAGE_QUERY,
        ...ORDER_BY_QUERY,
        dataset_uri: { type: 'string', description: "skydag: the dataset's URI (Airflow filters by its numeric dataset_id)." },
        source_dag_id: { type: 'string' },
        source_task_id: { type: 'string' },
        source_run_id: { type: 'string' },
        source_map_index: { type: 'integer' },
      },
    },
    response: collectionSchema('dataset_events', EVENT_SCHEMA),
    async handle({ deps, dags, query }) {
      const page = pageOf(query, deps);
      const datasets = await datasetsOf(deps, dags);
      const filters = {
        ...(query.dataset_uri !== undefined ? { uri: query.dataset_uri } : {}),
        ...(query.source_dag_id !== undefined ? { sourceDagId: query.source_dag_id } : {}),
        ...(query.source_task_id !== undefined ? { sourceTaskId: query.source_task_id } : {}),
        ...(query.source_run_id !== undefined ? { sourceRunId: query.source_run_id } : {}),
        ...(query.source_map_index !== undefined ? { sourceMapIndex: query.source_map_index } : {}),
      };
      // Like Airflow, the events of a dataset no DAG names any more are still listed (its history).
      let shown: DatasetEventRecord[];
      let total: number;
      if (dags.holdsGlobally('can_read') && (query.order_by?.trim() || 'timestamp') === 'timestamp') {
        // Every event is visible in the store's own order: the store pages (and keeps the total).
        const found = await deps.store.listDatasetEvents({ ...filters, limit: page.limit, offset: page.offset });
        [shown, total] = [found.items, found.total];
      } else {
        const events = await visibleEvents(deps, await eventSourcesOf(dags), filters);
        [shown, total] = [paginate(sortItems(events, query.order_by, 'timestamp', EVENT_ORDER), page), events.length];
      }
      const created = await createdRuns(deps, datasets, shown);
      return { dataset_events: shown.map((e) => serializeEvent(e, created.get(e.id) ?? [])), total_entries: total };
    },
  }),
  defineRoute<Record<string, never>, { dataset_uri: string; extra?: Record<string, unknown> }>({
    id: 'create_dataset_event',
    method: 'POST',
    path: '/api/v1/datasets/events',
    access: { permissions: ['create:dataset_events'] },
    dags: 'listed',
    summary: "Record an event of a dataset (Airflow 2.9+): its consumers' dataset-triggered runs follow from the next scheduling pass.",
    body: {
      type: 'object',
      properties: { dataset_uri: { type: 'string' }, extra: { type: 'object' } },
      required: ['dataset_uri'],
      additionalProperties: false,
    },
    response: EVENT_SCHEMA,
    audit: { event: 'dataset_event.create' },
    async handle({ deps, dags, body }) {
      const problem = datasetUriProblem(body.dataset_uri);
      if (problem) throw badRequest(problem);
      if (!(await datasetsOf(deps, dags)).has(body.dataset_uri)) {
        throw notFound('Dataset not found', `Dataset with uri: \`${body.dataset_uri}\` not found`);
      }
      const event = datasetEvent(body.dataset_uri, deps.clock(), body.extra ?? {});
      await deps.store.appendDatasetEvent(event);
      return serializeEvent(event, []);
    },
  }),
  defineRoute({
    id: 'get_dataset',
    method: 'GET',
    path: '/api/v1/datasets/{uri}',
    access: { permissions: ['read:dataset_events'] },
    dags: 'listed',
    summary: 'Get a dataset by its URI (URL-encoded).',
    response: DATASET_SCHEMA,
    async handle({ deps, dags, params }) {
      const view = (await datasetsOf(deps, dags)).get(params.uri!);
      if (!view) throw notFound('Dataset not found', `The Dataset with uri: \`${params.uri}\` was not found`);
      return serializeDataset(view, await lastUpdated(deps, await eventSourcesOf(dags), view));
    },
  }),
];

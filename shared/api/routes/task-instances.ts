/**
 * Task instances: list (per run; `~` for every run and/or DAG; state/pool/queue/date/duration
 * filters), get, logs per try (text/plain or JSON `{content, continuation_token}`), and the two
 * DAG-level actions clearTaskInstances and updateTaskInstancesState (Airflow 2's forms, defaults
 * included: dry_run true, only_failed true, reset_dag_runs true).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DagRunRecord, TaskInstanceRecord } from '../../model/records.js';
import { TASK_STATES, type TaskState } from '../../runtime/states.js';
import { dagPermissionDenied, type DagAccess } from '../auth/dag-access.js';
import type { ApiDeps } from '../deps.js';
import type { DagTaskInstance, ListDagTaskInstancesOptions } from '../../stores/metadata.js';
import { jsonResponse, textResponse } from '../http.js';
import { ORDER_BY_QUERY, PAGE_QUERY, dateQuery, dateRange, pageOf, paginate, sortItems, timeOf, type PageQuery } from '../listing.js';
import { badRequest, notFound } from '../problem.js';
import { defineRoute } from '../route.js';
import { clearTaskInstances, setTaskStates, withRelatives, withSetupsAndTeardowns, type RunTasks } from '../run-actions.js';
import { serializeTaskInstance, taskInstanceReference, taskStateOut } from '../serialize.js';
import { parseDateTime } from '../validation.js';
import { WILDCARD, requireDag, requireModel, requireRun, requireTaskInstance, runsOf } from './common.js';
import { LOG_SCHEMA, TASK_INSTANCE_SCHEMA, collectionSchema } from '../response-schemas.js';

/** The GET listing's query: the listing filters on the task instance's and its run's fields, paged. */
type ListTisQuery = PageQuery & Omit<TiFilter, 'dag_run_ids' | 'task_ids' | 'order_by'>;

interface TiWithRun {
  ti: TaskInstanceRecord;
  run: Pick<DagRunRecord, 'logical_date'>;
}

const TI_ORDER: Record<string, (x: TiWithRun) => string | number | boolean | null> = {
  task_id: (x) => x.ti.task_id,
  dag_id: (x) => x.ti.dag_id,
  dag_run_id: (x) => x.ti.run_id,
  state: (x) => taskStateOut(x.ti.state),
  start_date: (x) => timeOf(x.ti.start_date),
  end_date: (x) => timeOf(x.ti.end_date),
  duration: (x) => x.ti.duration,
  try_number: (x) => x.ti.try_number,
  pool: (x) => x.ti.pool,
  queue: (x) => x.ti.queue,
  priority_weight: (x) => x.ti.priority_weight,
  operator: (x) => x.ti.operator,
  map_index: (x) => x.ti.map_index,
  execution_date: (x) => timeOf(x.run.logical_date),
};

/** Task-state filter values: Airflow's states, plus `none`/`null` for "no state". */
const STATE_FILTER_VALUES = [...TASK_STATES.filter((s) => s !== 'none'), 'none', 'null'];

/** A `{map_index}` path segment: a non-negative integer. */
function parseMapIndex(text: string): number {
  if (!/^(0|[1-9][0-9]{0,8})$/.test(text)) throw badRequest(`map_index must be a non-negative integer (got '${text}')`);
  return Number(text);
}

async function runsForList(deps: ApiDeps, access: DagAccess, dagId: string, runId: string): Promise<DagRunRecord[]> {
  if (runId !== WILDCARD) {
    if (dagId === WILDCARD) return (await runsOf(deps, access, WILDCARD)).filter((r) => r.run_id === runId);
    const run = await deps.store.getDagRun(dagId, runId);
    return run ? [run] : [];
  }
  return runsOf(deps, access, dagId);
}

/** Continuation tokens for logs: the byte offset already read, HMAC-signed so clients cannot forge them. */
function signToken(deps: ApiDeps, data: { o: number; t: number }): string {
  const body = Buffer.from(JSON.stringify(data)).toString('base64url');
  return `${body}.${createHmac('sha256', deps.signingKey).update(body).digest('base64url')}`;
}

function readToken(deps: ApiDeps, token: string, tryNumber: number): number {
  const [body, sig] = token.split('.');
  const bad = () => badRequest('Bad Signature. Please use only the tokens provided by the API.');
  if (!body || !sig) throw bad();
  const expected = createHmac('sha256', deps.signingKey).update(body).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw bad();
  const data = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { o: number; t: number };
  if (data.t !== tryNumber || !Number.isInteger(data.o) || data.o < 0) throw bad();
  return data.o;
}

/** True when the client prefers text/plain over JSON (JSON is the default, as in Airflow). */
function wantsText(accept: string | undefined): boolean {
  if (!accept) return false;
  let text = -1;
  let json = -1;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    const t = type!.trim().toLowerCase();
    if (t === 'text/plain') text = Math.max(text, q);
    else if (t === 'application/json') json = Math.max(json, q);
  }
  return text > 0 && text > json;
}

interface ClearBody {
  dry_run: boolean;
  task_ids?: string[];
  start_date?: string;
  end_date?: string;
  only_failed: boolean;
  only_running: boolean;
  reset_dag_runs: boolean;
  dag_run_id?: string | null;
  include_upstream: boolean;
  include_downstream: boolean;
  include_future: boolean;
  include_past: boolean;
  include_subdags?: boolean;
  include_parentdag?: boolean;
}

interface SetStateBody {
  dry_run: boolean;
  task_id: string;
  execution_date?: string;
  dag_run_id?: string;
  include_upstream: boolean;
  include_downstream: boolean;
  include_future: boolean;
  include_past: boolean;
  new_state: 'success' | 'failed' | 'skipped';
}

/** Runs of a DAG between two logical dates (inclusive; either bound may be open), oldest first. */
async function runsBetween(deps: ApiDeps, dagId: string, start: number | null, end: number | null): Promise<DagRunRecord[]> {
  return (await deps.store.listDagRuns(dagId))
    .filter((r) => {
      const t = Date.parse(r.logical_date);
      return (start === null || t >= start) && (end === null || t <= end);
    })
    .sort((a, b) => Date.parse(a.logical_date) - Date.parse(b.logical_date));
}

/** The filters of the task-instance listings (query of the GET, body of the batch POST). */
interface TiFilter {
  dag_run_ids?: string[];
  task_ids?: string[];
  state?: string[];
  pool?: string[];
  queue?: string[];
  execution_date_gte?: string;
  execution_date_lte?: string;
  start_date_gte?: string;
  start_date_lte?: string;
  end_date_gte?: string;
  end_date_lte?: string;
  duration_gte?: number;
  duration_lte?: number;
  order_by?: string;
}

type BatchBody = Omit<TiFilter, 'state'> & { dag_ids?: string[]; state?: (string | null)[]; page_offset?: number; page_limit?: number };

/** The filters on a task instance's own fields (the run's are applied to runs). */
function matches(ti: TaskInstanceRecord, f: TiFilter): boolean {
  const states = f.state?.map((s) => (s === 'null' ? 'none' : s));
  if (states?.length && !states.includes(ti.state ?? 'none')) return false;
  if (f.dag_run_ids?.length && !f.dag_run_ids.includes(ti.run_id)) return false;
  if (f.task_ids?.length && !f.task_ids.includes(ti.task_id)) return false;
  if (f.pool?.length && !f.pool.includes(ti.pool)) return false;
  if (f.queue?.length && !f.queue.includes(ti.queue ?? '')) return false;
  if (!dateRange(f.start_date_gte, f.start_date_lte)(ti.start_date) || !dateRange(f.end_date_gte, f.end_date_lte)(ti.end_date)) return false;
  if (f.duration_gte !== undefined && !(ti.duration !== null && ti.duration >= f.duration_gte)) return false;
  if (f.duration_lte !== undefined && !(ti.duration !== null && ti.duration <= f.duration_lte)) return false;
  return true;
}

/** How many DAGs' task-instance queries run at once for a `~` listing. */
const DAG_QUERY_CONCURRENCY = 16;

async function eachDag<T>(dagIds: readonly string[], read: (dagId: string) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < dagIds.length; i += DAG_QUERY_CONCURRENCY) out.push(...(await Promise.all(dagIds.slice(i, i + DAG_QUERY_CONCURRENCY).map(read))));
  return out;
}

/**
 * Task instances of every run of `dagIds`, oldest logical date first (a run's in creation order), from
 * the store's index of task instances by DAG. States and execution dates are filtered and the page
 * cut by the store; other filters or an order_by read the DAGs' listings whole (still one query per
 * DAG, not per run) and are applied here.
 */
async function listAcrossRuns(deps: ApiDeps, dagIds: readonly string[], f: TiFilter, page: { limit: number; offset: number }): Promise<{ rows: TiWithRun[]; total: number }> {
  const isoOf = (text: string | undefined) => (text === undefined ? undefined : parseDateTime(text)?.toISOString());
  const [gte, lte] = [isoOf(f.execution_date_gte), isoOf(f.execution_date_lte)];
  const states = f.state?.length ? f.state.map((s) => (s === 'none' || s === 'null' ? null : (s as TaskState))) : undefined;
  const options: ListDagTaskInstancesOptions = { ...(states ? { states } : {}), ...(gte ? { logicalDateGte: gte } : {}), ...(lte ? { logicalDateLte: lte } : {}) };
  const toRow = (x: DagTaskInstance): TiWithRun => ({ ti: x.ti, run: { logical_date: x.logical_date } });
  // A stable merge by logical date: ties between DAGs keep the DAGs' order.
  const byDate = (a: TiWithRun, b: TiWithRun) => Date.parse(a.run.logical_date) - Date.parse(b.run.logical_date);
  const pagedInStore = !f.order_by && ![f.dag_run_ids, f.task_ids, f.pool, f.queue].some((v) => v?.length) &&
    [f.start_date_gte, f.start_date_lte, f.end_date_gte, f.end_date_lte, f.duration_gte, f.duration_lte].every((v) => v === undefined);
  if (pagedInStore) {
    const found = dagIds.length === 1 ? await deps.store.listDagTaskInstances(dagIds[0]!, { ...options, ...page }) : await deps.store.listTaskInstancesOfDags(dagIds, { ...options, ...page });
    return { rows: found.items.map(toRow), total: found.total };
  }
  const all = (await eachDag(dagIds, async (id) => (await deps.store.listDagTaskInstances(id, options)).items.map(toRow))).flat().sort(byDate);
  const kept = all.filter((x) => matches(x.ti, f));
  const sorted = f.order_by ? sortItems(kept, f.order_by, 'task_id', TI_ORDER) : kept;
  return { rows: paginate(sorted, page), total: sorted.length };
}

export const taskInstanceRoutes = [
  defineRoute<ListTisQuery, unknown>({
    id: 'get_task_instances',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances',
    access: { permissions: ['read:dags', 'read:dag_runs', 'read:task_instances'] },
    summary: 'List task instances (dag_id and dag_run_id may be `~`).',
    response: collectionSchema('task_instances', TASK_INSTANCE_SCHEMA),
    query: {
      type: 'object',
      properties: {
        ...PAGE_QUERY,
        ...ORDER_BY_QUERY,
        state: { type: 'array', items: { type: 'string', enum: STATE_FILTER_VALUES } },
        pool: { type: 'array', items: { type: 'string' } },
        queue: { type: 'array', items: { type: 'string' } },
        ...dateQuery('execution_date', 'start_date', 'end_date'),
        duration_gte: { type: 'number' },
        duration_lte: { type: 'number' },
      },
    },
    async handle({ deps, dags, params, query }) {
      const page = pageOf(query, deps);
      const filter: TiFilter = query;
      if (params.dag_run_id === WILDCARD) {
        // Across runs: the store's index of task instances by DAG (no query per run).
        const dagIds = params.dag_id === WILDCARD ? (await dags.dags('can_read')).map((d) => d.dag_id) : [params.dag_id!];
        const { rows, total } = await listAcrossRuns(deps, dagIds, filter, page);
        return { task_instances: rows.map((x) => serializeTaskInstance(x.ti, x.run)), total_entries: total };
      }
      const runs = (await runsForList(deps, dags, params.dag_id!, params.dag_run_id!)).sort((a, b) => Date.parse(a.logical_date) - Date.parse(b.logical_date));
      const inExecution = dateRange(query.execution_date_gte, query.execution_date_lte);
      const rows: TiWithRun[] = [];
      for (const run of runs) {
        if (!inExecution(run.logical_date)) continue;
        for (const ti of await deps.store.listTaskInstances(run.dag_id, run.run_id)) if (matches(ti, filter)) rows.push({ ti, run });
      }
      const sorted = query.order_by ? sortItems(rows, query.order_by, 'task_id', TI_ORDER) : rows;
      return { task_instances: paginate(sorted, page).map((x) => serializeTaskInstance(x.ti, x.run)), total_entries: sorted.length };
    },
  }),
  defineRoute<Record<string, never>, BatchBody>({
    id: 'get_task_instances_batch',
    method: 'POST',
    path: '/api/v1/dags/~/dagRuns/~/taskInstances/list',
    readOnly: true, // a listing with its filters in the body: changes nothing
    access: { permissions: ['read:dags', 'read:dag_runs', 'read:task_instances'] },
    dags: 'listed',
    summary: 'List task instances of many DAGs and runs (filters in the body, as Airflow 2).',
    response: collectionSchema('task_instances', TASK_INSTANCE_SCHEMA),
    body: {
      type: 'object',
      properties: {
        dag_ids: { type: 'array', items: { type: 'string' } },
        dag_run_ids: { type: 'array', items: { type: 'string' } },
        task_ids: { type: 'array', items: { type: 'string' } },
        state: { type: 'array', items: { type: ['string', 'null'], enum: [...STATE_FILTER_VALUES, null] } },
        pool: { type: 'array', items: { type: 'string' } },
        queue: { type: 'array', items: { type: 'string' } },
        ...dateQuery('execution_date', 'start_date', 'end_date'),
        duration_gte: { type: 'number' },
        duration_lte: { type: 'number' },
        page_offset: { type: 'integer', minimum: 0 },
        page_limit: { type: 'integer', minimum: 1 },
        order_by: { type: 'string' },
      },
      additionalProperties: false,
    },
    async handle({ deps, dags, body }) {
      const readable = (await dags.dags('can_read')).map((d) => d.dag_id);
      let dagIds = readable;
      if (body.dag_ids?.length) {
        const denied = body.dag_ids.filter((id) => !readable.includes(id));
        if (denied.length) throw dagPermissionDenied(null, `can_read on DAGs ${denied.map((id) => `'${id}'`).join(', ')}`);
        dagIds = [...new Set(body.dag_ids)];
      }
      const page = pageOf({ ...(body.page_limit !== undefined ? { limit: body.page_limit } : {}), offset: body.page_offset ?? 0 }, deps);
      const { state, ...rest } = body;
      const filter: TiFilter = { ...rest, ...(state ? { state: state.map((s) => s ?? 'none') } : {}) };
      const { rows, total } = await listAcrossRuns(deps, dagIds, filter, page);
      return { task_instances: rows.map((x) => serializeTaskInstance(x.ti, x.run)), total_entries: total };
    },
  }),
  defineRoute({
    id: 'get_task_instance',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}',
    access: { permissions: ['read:dags', 'read:dag_runs', 'read:task_instances'] },
    summary: 'Get a task instance.',
    response: TASK_INSTANCE_SCHEMA,
    async handle({ deps, params }) {
      const run = await requireRun(deps, params.dag_id!, params.dag_run_id!);
      return serializeTaskInstance(await requireTaskInstance(deps, run.dag_id, run.run_id, params.task_id!), run);
    },
  }),
  defineRoute<PageQuery & { state?: string[] }, unknown>({
    id: 'get_mapped_task_instances',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/listMapped',
    access: { permissions: ['read:dags', 'read:dag_runs', 'read:task_instances'] },
    summary: 'List the task instances of a mapped task (one per map index).',
    query: {
      type: 'object',
      properties: { ...PAGE_QUERY, ...ORDER_BY_QUERY, state: { type: 'array', items: { type: 'string', enum: STATE_FILTER_VALUES } } },
    },
    async handle({ deps, params, query }) {
      const run = await requireRun(deps, params.dag_id!, params.dag_run_id!);
      const model = await requireModel(deps, await requireDag(deps, run.dag_id));
      const task = model.tasks.find((t) => t.task_id === params.task_id);
      if (!task) throw notFound('Task not found', `Task id ${params.task_id} not found`);
      if (!task.expand) throw notFound('Task instance not found', `Task id ${params.task_id} is not mapped`);
      const page = pageOf(query, deps);
      const states = query.state?.map((s) => (s === 'none' || s === 'null' ? null : s));
      const rows = (await deps.store.listMappedTaskInstances(run.dag_id, run.run_id, task.task_id))
        .filter((ti) => !states || states.includes(ti.state))
        .map((ti) => ({ ti, run }));
      const sorted = query.order_by ? sortItems(rows, query.order_by, 'map_index', TI_ORDER) : rows;
      return { task_instances: paginate(sorted, page).map((x) => serializeTaskInstance(x.ti, x.run)), total_entries: sorted.length };
    },
  }),
  defineRoute({
    id: 'get_mapped_task_instance',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}',
    access: { permissions: ['read:dags', 'read:dag_runs', 'read:task_instances'] },
    summary: 'Get one map index of a mapped task.',
    async handle({ deps, params }) {
      const run = await requireRun(deps, params.dag_id!, params.dag_run_id!);
      const mapIndex = parseMapIndex(params.map_index!);
      return serializeTaskInstance(await requireTaskInstance(deps, run.dag_id, run.run_id, params.task_id!, mapIndex), run);
    },
  }),
  defineRoute<{ full_content?: boolean; token?: string; map_index?: number }, unknown>({
    id: 'get_log',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{task_try_number}',
    access: { permissions: ['read:dags', 'read:dag_runs', 'read:task_instances', 'read:task_logs'] },
    summary: 'Get the log of one try of a task instance (JSON, or text/plain by Accept).',
    response: LOG_SCHEMA,
    query: { type: 'object', properties: { full_content: { type: 'boolean' }, token: { type: 'string' }, map_index: { type: 'integer' } } },
    async handle({ deps, params, query, request }) {
      const tryText = params.task_try_number!;
      if (!/^[1-9][0-9]{0,5}$/.test(tryText)) throw badRequest(`task_try_number must be a positive integer (got '${tryText}')`);
      const tryNumber = Number(tryText);
      const mapIndex = query.map_index ?? -1;
      const ti = mapIndex >= 0 ? await deps.store.getMappedTaskInstance(params.dag_id!, params.dag_run_id!, params.task_id!, mapIndex) : await deps.store.getTaskInstance(params.dag_id!, params.dag_run_id!, params.task_id!);
      if (!ti) throw notFound('TaskInstance not found', `Task instance with DAG ID: '${params.dag_id}', DagRun ID: '${params.dag_run_id}', task ID: '${params.task_id}' and map index: '${mapIndex}' not found`);
      const log = await deps.logs.read(ti.dag_id, ti.run_id, ti.task_id, tryNumber, mapIndex);
      if (log === undefined) throw notFound('Log not found', `No log for try ${tryNumber} of task '${ti.task_id}' in DAG run '${ti.run_id}' (the task has ${ti.try_number} tr${ti.try_number === 1 ? 'y' : 'ies'} so far)`);
      const bytes = Buffer.from(log, 'utf8');
      const from = query.token && !query.full_content ? Math.min(readToken(deps, query.token, tryNumber), bytes.length) : 0;
      const content = bytes.subarray(from).toString('utf8');
      if (wantsText(request.headers.accept)) return textResponse(200, content);
      return jsonResponse(200, { continuation_token: signToken(deps, { o: bytes.length, t: tryNumber }), content });
    },
  }),
  defineRoute<Record<string, never>, ClearBody>({
    id: 'post_clear_task_instances',
    method: 'POST',
    path: '/api/v1/dags/{dag_id}/clearTaskInstances',
    access: { permissions: ['edit:dags', 'edit:task_instances'] },
    summary: 'Clear task instances (reset to no state) and re-run their DAG runs.',
    body: {
      type: 'object',
      properties: {
        dry_run: { type: 'boolean', default: true },
        task_ids: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
        start_date: { type: 'string', format: 'date-time' },
        end_date: { type: 'string', format: 'date-time' },
        only_failed: { type: 'boolean', default: true },
        only_running: { type: 'boolean', default: false },
        reset_dag_runs: { type: 'boolean', default: true },
        dag_run_id: { type: ['string', 'null'] },
        include_upstream: { type: 'boolean', default: false },
        include_downstream: { type: 'boolean', default: false },
        include_future: { type: 'boolean', default: false },
        include_past: { type: 'boolean', default: false },
        include_subdags: { type: 'boolean' },
        include_parentdag: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    audit: { event: 'task_instances.clear' },
    async handle({ deps, params, body, audit }) {
      const dag = await requireDag(deps, params.dag_id!);
      const model = await requireModel(deps, dag);
      if (body.dag_run_id && (body.start_date || body.end_date)) {
        throw badRequest('Exactly one of dag_run_id or (start_date and end_date) must be provided');
      }
      let start = body.start_date ? parseDateTime(body.start_date)!.getTime() : null;
      let end = body.end_date ? parseDateTime(body.end_date)!.getTime() : null;
      if (start !== null && end !== null && start > end) throw badRequest('end_date is sooner than start_date');
      if (body.dag_run_id) {
        const run = await requireRun(deps, dag.dag_id, body.dag_run_id);
        audit.run_id = run.run_id;
        start = body.include_past ? null : Date.parse(run.logical_date);
        end = body.include_future ? null : Date.parse(run.logical_date);
      }
      const known = new Set(model.tasks.map((t) => t.task_id));
      const unknown = (body.task_ids ?? []).filter((t) => !known.has(t));
      if (unknown.length) throw badRequest(`unknown task id(s) in DAG '${dag.dag_id}': ${unknown.join(', ')}`);
      const taskIds = body.task_ids ? withSetupsAndTeardowns(model, withRelatives(model, body.task_ids, { upstream: body.include_upstream, downstream: body.include_downstream })) : undefined;
      if (body.task_ids?.length === 1) audit.task_id = body.task_ids[0]!;
      const selected: RunTasks[] = [];
      for (const run of await runsBetween(deps, dag.dag_id, start, end)) {
        const tis = (await deps.store.listTaskInstances(run.dag_id, run.run_id)).filter((ti) => {
          if (taskIds && !taskIds.has(ti.task_id)) return false;
          const state = ti.state ?? 'none';
          if (body.only_failed && state !== 'failed' && state !== 'upstream_failed') return false;
          if (body.only_running && state !== 'running') return false;
          return true;
        });
        if (tis.length) selected.push({ run, tis });
      }
      if (body.dry_run) audit.event = 'task_instances.clear.dry_run';
      else await clearTaskInstances(deps, model, selected, body.reset_dag_runs);
      return { task_instances: selected.flatMap(({ run, tis }) => tis.map((ti) => taskInstanceReference(ti, run))) };
    },
  }),
  defineRoute<Record<string, never>, SetStateBody>({
    id: 'post_set_task_instances_state',
    method: 'POST',
    path: '/api/v1/dags/{dag_id}/updateTaskInstancesState',
    access: { permissions: ['edit:dags', 'edit:task_instances'] },
    summary: 'Set a state of task instances (success, failed or skipped).',
    body: {
      type: 'object',
      properties: {
        dry_run: { type: 'boolean', default: true },
        task_id: { type: 'string', minLength: 1 },
        execution_date: { type: 'string', format: 'date-time' },
        dag_run_id: { type: 'string', minLength: 1 },
        include_upstream: { type: 'boolean', default: false },
        include_downstream: { type: 'boolean', default: false },
        include_future: { type: 'boolean', default: false },
        include_past: { type: 'boolean', default: false },
        new_state: { type: 'string', enum: ['success', 'failed', 'skipped'] },
      },
      required: ['task_id', 'new_state'],
      additionalProperties: false,
    },
    audit: { event: 'task_instances.set_state' },
    async handle({ deps, params, body, audit }) {
      const dag = await requireDag(deps, params.dag_id!);
      if ((body.dag_run_id === undefined) === (body.execution_date === undefined)) {
        throw badRequest('Exactly one of execution_date or dag_run_id must be provided');
      }
      const model = await requireModel(deps, dag);
      if (!model.tasks.some((t) => t.task_id === body.task_id)) throw notFound('Task not found', `Task ID ${body.task_id} not found in DAG '${dag.dag_id}'`);
      audit.task_id = body.task_id;
      let target: DagRunRecord | undefined;
      if (body.dag_run_id) target = await requireRun(deps, dag.dag_id, body.dag_run_id);
      else {
        const at = parseDateTime(body.execution_date!)!.getTime();
        target = (await deps.store.listDagRuns(dag.dag_id)).find((r) => Date.parse(r.logical_date) === at);
        if (!target) throw notFound('DAGRun not found', `DAGRun with DAG ID: '${dag.dag_id}' and logical date: '${body.execution_date}' not found`);
      }
      audit.run_id = target.run_id;
      const at = Date.parse(target.logical_date);
      const runs = await runsBetween(deps, dag.dag_id, body.include_past ? null : at, body.include_future ? null : at);
      const taskIds = withRelatives(model, [body.task_id], { upstream: body.include_upstream, downstream: body.include_downstream });
      const selected: RunTasks[] = [];
      for (const run of runs) {
        const tis = (await deps.store.listTaskInstances(run.dag_id, run.run_id)).filter((ti) => taskIds.has(ti.task_id) && (ti.state ?? 'none') !== body.new_state);
        if (tis.length) selected.push({ run, tis });
      }
      audit.event = `task_instances.mark_${body.new_state}${body.dry_run ? '.dry_run' : ''}`;
      if (!body.dry_run) await setTaskStates(deps, model, body.task_id, selected, body.new_state as TaskState);
      return { task_instances: selected.flatMap(({ run, tis }) => tis.map((ti) => taskInstanceReference(ti, run))) };
    },
  }),
];

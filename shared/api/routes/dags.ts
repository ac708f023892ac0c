/**
 * DAGs: list (tags, only_active, paused, dag_id_pattern, order_by, paging), get, details (with the
 * current version's tasks, edge labels and the compiler's cost estimate per run), PATCH is_paused
 * (update_mask) of one DAG or of those matching dag_id_pattern, DELETE (its runs and record), tasks.
 *
 * Runs triggered while a DAG is paused wait `queued`; unpausing does not start them here: the
 * scheduler's next pass does (Airflow 2's `_start_queued_dagruns`, within max_active_runs), so runs are
 * started by one component only.
 */
import type { DagRecord } from '../../model/records.js';
import type { Dag, Task } from '../../model/schema.js';
import { compileDag, type CompileReport } from '../../compiler/compile.js';
import { ORDER_BY_QUERY, PAGE_QUERY, pageOf, paginate, sortItems, timeOf, type PageQuery } from '../listing.js';
import type { ApiDeps } from '../deps.js';
import { noContent } from '../http.js';
import { ApiError, badRequest, notFound } from '../problem.js';
import type { JsonSchema } from '../validation.js';
import { DagRunState, TaskState } from '../../runtime/states.js';
import { defineRoute } from '../route.js';
import { currentNextRunFields } from '../../scheduling/scheduler.js';
import { DAG_COLLECTION_SCHEMA, DAG_SCHEMA, serializeDag, serializeDagDetail, serializeTask } from '../serialize.js';
import { importErrorFiles, modelOf, requireDag, requireModel, WILDCARD } from './common.js';

interface ListDagsQuery extends PageQuery {
  tags?: string[];
  only_active?: boolean;
  paused?: boolean;
  dag_id_pattern?: string;
}

const DAG_ORDER: Record<string, (d: DagRecord) => string | number | boolean | null> = {
  dag_id: (d) => d.dag_id,
  is_paused: (d) => d.is_paused,
  is_active: (d) => d.is_active,
  last_parsed_time: (d) => timeOf(d.last_parsed_time),
  fileloc: (d) => d.fileloc,
  next_dagrun: (d) => timeOf(d.next_dagrun),
  description: (d) => d.description,
  max_active_runs: (d) => d.max_active_runs,
  max_active_tasks: (d) => d.max_active_tasks,
};

const TASK_ORDER: Record<string, (t: Task) => string | number | boolean | null> = {
  task_id: (t) => t.task_id,
  operator: (t) => t.operator,
  owner: (t) => t.owner,
  pool: (t) => t.pool,
  priority_weight: (t) => t.priority_weight,
  retries: (t) => t.retries,
  trigger_rule: (t) => t.trigger_rule,
  queue: (t) => t.queue,
};

/** `update_mask=a,b` or repeated `update_mask=a&update_mask=b`. */
export function updateMask(values: readonly string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  const fields = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return fields.length ? fields : undefined;
}

/** Compile reports by DAG version (compiling is deterministic, and a 500-task DAG takes a moment). */
const COST_CACHE = new Map<string, CompileReport | null>();
const COST_CACHE_SIZE = 64;

/** What one run of this version costs on Step Functions, from the compiler; null if it does not compile. */
export function costEstimate(version: string, model: Dag): CompileReport | null {
  const key = `${model.dag_id}@${version}`;
  if (!COST_CACHE.has(key)) {
    let report: CompileReport | null;
    try {
      report = compileDag(model).report;
    } catch {
      report = null;
    }
    if (COST_CACHE.size >= COST_CACHE_SIZE) COST_CACHE.delete(COST_CACHE.keys().next().value!);
    COST_CACHE.set(key, report);
  }
  return COST_CACHE.get(key) ?? null;
}

export const UPDATE_MASK_QUERY = { update_mask: { type: 'array', items: { type: 'string' } } } as const;

interface PatchDagsQuery extends PageQuery {
  update_mask?: string[];
  tags?: string[];
  only_active?: boolean;
  dag_id_pattern: string;
}

const PAUSE_BODY: JsonSchema = { type: 'object', properties: { is_paused: { type: 'boolean' } }, required: ['is_paused'], additionalProperties: false };

function checkPauseMask(values: readonly string[] | undefined): void {
  const mask = updateMask(values);
  if (mask && (mask.length !== 1 || mask[0] !== 'is_paused')) throw badRequest('Only `is_paused` field can be updated through the REST API');
}

/** Pauses or unpauses one DAG; unpausing records the next run now, as the scheduler will (the answer shows it at once, not null until the next pass). */
async function setPaused(deps: ApiDeps, before: DagRecord, paused: boolean): Promise<{ dag: DagRecord; model: Dag | undefined }> {
  const model = await modelOf(deps, before.dag_id, before.current_version);
  const nextRun = !paused && before.is_paused && model && before.is_active ? await currentNextRunFields(deps.store, model, deps.clock(), deps.timetables) : {};
  return { dag: await deps.store.updateDag(before.dag_id, { is_paused: paused, ...nextRun }), model };
}

export const dagRoutes = [
  defineRoute<ListDagsQuery, unknown>({
    id: 'get_dags',
    method: 'GET',
    path: '/api/v1/dags',
    access: { permissions: ['read:dags'] },
    dags: 'listed',
    summary: 'List DAGs.',
    response: DAG_COLLECTION_SCHEMA,
    query: {
      type: 'object',
      properties: {
        ...PAGE_QUERY,
        ...ORDER_BY_QUERY,
        tags: { type: 'array', items: { type: 'string' } },
        only_active: { type: 'boolean', default: true },
        paused: { type: 'boolean' },
        dag_id_pattern: { type: 'string' },
      },
    },
    async handle({ deps, dags, query }) {
      const page = pageOf(query, deps);
      const found = await deps.store.listDags({
        includeInactive: query.only_active === false,
        ...(query.paused !== undefined ? { paused: query.paused } : {}),
        ...(query.tags?.length ? { tags: query.tags } : {}),
      });
      // Airflow matches dag_id_pattern with ILIKE %pattern%: a case-insensitive substring.
      const pattern = query.dag_id_pattern?.toLowerCase();
      // Airflow lists no sub-DAGs (`~DagModel.is_subdag`): they run through their SubDagOperator.
      const visible = dags.allowed(found.items).filter((d) => d.parent_dag_id === undefined);
      const matching = pattern ? visible.filter((d) => d.dag_id.toLowerCase().includes(pattern)) : visible;
      const sorted = sortItems(matching, query.order_by, 'dag_id', DAG_ORDER);
      const broken = await importErrorFiles(deps);
      return {
        dags: paginate(sorted, page).map((d) => serializeDag(d, { hasImportErrors: broken.has(d.fileloc) })),
        total_entries: sorted.length,
      };
    },
  }),
  defineRoute({
    id: 'get_dag',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}',
    access: { permissions: ['read:dags'] },
    summary: 'Get basic information about a DAG.',
    response: DAG_SCHEMA,
    async handle({ deps, params }) {
      const dag = await requireDag(deps, params.dag_id!);
      const broken = await importErrorFiles(deps);
      return serializeDag(dag, { hasImportErrors: broken.has(dag.fileloc), model: await modelOf(deps, dag.dag_id, dag.current_version) });
    },
  }),
  defineRoute<{ update_mask?: string[] }, { is_paused: boolean }>({
    id: 'patch_dag',
    method: 'PATCH',
    path: '/api/v1/dags/{dag_id}',
    access: { permissions: ['edit:dags'] },
    summary: 'Pause or unpause a DAG (only is_paused can be updated).',
    response: DAG_SCHEMA,
    query: { type: 'object', properties: { ...UPDATE_MASK_QUERY } },
    body: PAUSE_BODY,
    audit: { event: 'dag.pause' },
    async handle({ deps, params, query, body, audit }) {
      checkPauseMask(query.update_mask);
      const before = await requireDag(deps, params.dag_id!);
      audit.event = body.is_paused ? 'dag.pause' : 'dag.unpause';
      const { dag, model } = await setPaused(deps, before, body.is_paused);
      const broken = await importErrorFiles(deps);
      return serializeDag(dag, { hasImportErrors: broken.has(dag.fileloc), model });
    },
  }),
  defineRoute<PatchDagsQuery, { is_paused: boolean }>({
    id: 'patch_dags',
    method: 'PATCH',
    path: '/api/v1/dags',
    access: { permissions: ['edit:dags'] },
    dags: 'listed',
    summary: 'Pause or unpause the DAGs whose id contains dag_id_pattern (`~`: all) that the caller may edit; one page of them (limit, offset, by dag_id).',
    response: DAG_COLLECTION_SCHEMA,
    query: {
      type: 'object',
      properties: {
        ...PAGE_QUERY,
        ...UPDATE_MASK_QUERY,
        tags: { type: 'array', items: { type: 'string' } },
        only_active: { type: 'boolean', default: true },
        dag_id_pattern: { type: 'string', minLength: 1 },
      },
      required: ['dag_id_pattern'],
    },
    body: PAUSE_BODY,
    audit: { event: 'dag.pause' },
    async handle({ deps, dags, query, body, audit }) {
      checkPauseMask(query.update_mask);
      const page = pageOf(query, deps);
      const found = await deps.store.listDags({ includeInactive: query.only_active === false, ...(query.tags?.length ? { tags: query.tags } : {}) });
      // Airflow: ILIKE %pattern% over the DAGs the caller may edit, `~` for every one, ordered by dag_id.
      const pattern = query.dag_id_pattern === WILDCARD ? '' : query.dag_id_pattern.toLowerCase();
      const matching = dags.allowed(found.items, 'can_edit').filter((d) => d.dag_id.toLowerCase().includes(pattern));
      const selected = paginate(sortItems(matching, undefined, 'dag_id', DAG_ORDER), page);
      audit.event = body.is_paused ? 'dag.pause' : 'dag.unpause';
      audit.extra = { dag_ids: selected.map((d) => d.dag_id), is_paused: body.is_paused };
      const broken = await importErrorFiles(deps);
      const changed = [];
      for (const before of selected) {
        const { dag, model } = await setPaused(deps, before, body.is_paused);
        changed.push(serializeDag(dag, { hasImportErrors: broken.has(dag.fileloc), model }));
      }
      return { dags: changed, total_entries: matching.length };
    },
  }),
  defineRoute({
    id: 'delete_dag',
    method: 'DELETE',
    path: '/api/v1/dags/{dag_id}',
    access: { permissions: ['delete:dags'] },
    summary: "Delete a DAG's records: its runs, task instances and XComs (refused while a task instance runs). The file stays: the DAG is registered again, as new, when its file is next read.",
    audit: { event: 'dag.delete' },
    async handle({ deps, params }) {
      const dag = await requireDag(deps, params.dag_id!);
      const runs = await deps.store.listDagRuns(dag.dag_id);
      for (const run of runs.filter((r) => r.state === DagRunState.RUNNING)) {
        if ((await deps.store.listTaskInstances(run.dag_id, run.run_id)).some((ti) => ti.state === TaskState.RUNNING)) {
          throw new ApiError('AlreadyExists', `Task instances of dag with id: '${dag.dag_id}' are still running`);
        }
      }
      for (const run of runs) {
        if (run.state === DagRunState.RUNNING || run.state === DagRunState.QUEUED) await deps.controller.stop(run);
        await deps.store.deleteDagRun(run.dag_id, run.run_id);
      }
      await deps.store.deleteDag(dag.dag_id);
      return noContent();
    },
  }),
  defineRoute({
    id: 'get_dag_details',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/details',
    access: { permissions: ['read:dags'] },
    summary: 'Get a simplified representation of a DAG, with its tasks (skydag).',
    async handle({ deps, params }) {
      const dag = await requireDag(deps, params.dag_id!);
      const broken = await importErrorFiles(deps);
      const model = await modelOf(deps, dag.dag_id, dag.current_version);
      return serializeDagDetail(dag, { hasImportErrors: broken.has(dag.fileloc), model, costEstimate: model ? costEstimate(dag.current_version, model) : null });
    },
  }),
  defineRoute<{ order_by?: string }, unknown>({
    id: 'get_tasks',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/tasks',
    access: { permissions: ['read:dags', 'read:task_instances'] },
    summary: 'Get tasks for a DAG.',
    query: { type: 'object', properties: { ...ORDER_BY_QUERY } },
    async handle({ deps, params, query }) {
      const model = await requireModel(deps, await requireDag(deps, params.dag_id!));
      const tasks = sortItems(model.tasks, query.order_by, 'task_id', TASK_ORDER);
      return { tasks: tasks.map((t) => serializeTask(t, model)), total_entries: tasks.length };
    },
  }),
  defineRoute({
    id: 'get_task',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/tasks/{task_id}',
    access: { permissions: ['read:dags', 'read:task_instances'] },
    summary: 'Get simplified representation of a task.',
    async handle({ deps, params }) {
      const model = await requireModel(deps, await requireDag(deps, params.dag_id!));
      const task = model.tasks.find((t) => t.task_id === params.task_id);
      if (!task) throw notFound('Task not found', `Task with id '${params.task_id}' not found in DAG '${model.dag_id}'`);
      return serializeTask(task, model);
    },
  }),
];

/**
 * DAG runs: list (`~` for every DAG; state and date filters; order_by), trigger, get, delete, PATCH
 * state (success/failed/queued), setNote, clear.
 *
 * Triggering follows Airflow 2's post_dag_run: unknown DAGs are 404, DAGs whose file has import
 * errors 400, the scheduler's run id prefixes 400, a run id or a logical date already used by
 * another run of the DAG 409 (the store's conditional writes decide, so concurrent triggers cannot
 * both win). Without a logical date the run takes "now", or the next free millisecond after it.
 * skydag also refuses inactive DAGs (their file no longer defines them) with 404. A paused DAG can be triggered:
 * the run is created `queued` and starts when the DAG is unpaused (RunLauncher / PATCH dag).
 */
import { CustomTimetableError } from '../../scheduling/timetable.js';
import type { DagRunRecord } from '../../model/records.js';
import { defaultRunId } from '../../runtime/handlers/launch.js';
import { DAG_RUN_STATES, isDagRunFinished } from '../../runtime/states.js';
import { DagRunExistsError, LogicalDateTakenError, runCreationKey } from '../../stores/metadata.js';
import { noContent } from '../http.js';
import { ORDER_BY_QUERY, PAGE_QUERY, dateQuery, dateRange, pageOf, paginate, sortItems, timeOf, type PageQuery } from '../listing.js';
import { STORED_VALUE_LIMITS } from '../limits.js';
import { alreadyExists, badRequest, notFound } from '../problem.js';
import { defineRoute } from '../route.js';
import { clearTaskInstances, setRunState } from '../run-actions.js';
import { isoOut, serializeDagRun, taskInstanceReference } from '../serialize.js';
import { parseDateTime } from '../validation.js';
import { WILDCARD, importErrorFiles, modelOf, requireDag, requireModel, requireRun, runsOf } from './common.js';
import { DAG_RUN_SCHEMA, collectionSchema } from '../response-schemas.js';

/** Airflow's default `[scheduler] allowed_run_id_pattern`. */
export const RUN_ID_PATTERN = '^[A-Za-z0-9_.~:+-]+$';

/** Run id prefixes the scheduler gives its runs (Airflow's DagRunType values other than manual). */
export const RESERVED_RUN_ID_PREFIXES = ['scheduled__', 'backfill__', 'dataset_triggered__'] as const;

/** How many following milliseconds a trigger without a logical date tries when "now" is taken. */
const DEFAULT_DATE_ATTEMPTS = 1000;

/** A manual run may not wear a scheduler run id: it would pass for (and block) the scheduled run of its date. */
function refuseReservedRunId(runId: string): void {
  const prefix = RESERVED_RUN_ID_PREFIXES.find((p) => runId.startsWith(p));
  if (prefix) {
    throw badRequest(
      `The run_id '${runId}' is reserved: run ids starting with ${RESERVED_RUN_ID_PREFIXES.join(', ')} are given by the scheduler; choose another dag_run_id (or omit it for manual__<logical date>)`,
    );
  }
}

interface ListRunsQuery extends PageQuery {
  state?: string[];
  execution_date_gte?: string;
  execution_date_lte?: string;
  start_date_gte?: string;
  start_date_lte?: string;
  end_date_gte?: string;
  end_date_lte?: string;
}

const DATE_FILTERS = ['execution_date_gte', 'execution_date_lte', 'start_date_gte', 'start_date_lte', 'end_date_gte', 'end_date_lte'] as const;

const RUN_ORDER: Record<string, (r: DagRunRecord) => string | number | boolean | null> = {
  // Airflow's default `id` is creation order: the time the run was queued.
  id: (r) => runCreationKey(r),
  state: (r) => r.state,
  dag_id: (r) => r.dag_id,
  execution_date: (r) => timeOf(r.logical_date),
  logical_date: (r) => timeOf(r.logical_date),
  dag_run_id: (r) => r.run_id,
  start_date: (r) => timeOf(r.start_date),
  end_date: (r) => timeOf(r.end_date),
  external_trigger: (r) => r.external_trigger,
  run_type: (r) => r.run_type,
};

interface TriggerBody {
  dag_run_id?: string | null;
  logical_date?: string | null;
  execution_date?: string | null;
  conf?: Record<string, unknown>;
  note?: string | null;
}

const runIdSchema = { type: ['string', 'null'], minLength: 1, maxLength: 250, pattern: RUN_ID_PATTERN } as const;

export const dagRunRoutes = [
  defineRoute<ListRunsQuery, unknown>({
    id: 'get_dag_runs',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/dagRuns',
    access: { permissions: ['read:dags', 'read:dag_runs'] },
    summary: 'List DAG runs (dag_id `~` for all DAGs).',
    response: collectionSchema('dag_runs', DAG_RUN_SCHEMA),
    query: {
      type: 'object',
      properties: {
        ...PAGE_QUERY,
        ...ORDER_BY_QUERY,
        state: { type: 'array', items: { type: 'string', enum: DAG_RUN_STATES } },
        ...dateQuery('execution_date', 'start_date', 'end_date'),
      },
    },
    async handle({ deps, dags, params, query }) {
      const page = pageOf(query, deps);
      const orderBy = query.order_by?.trim() || 'id';
      const unfiltered = !query.state?.length && DATE_FILTERS.every((f) => query[f] === undefined);
      if (params.dag_id !== WILDCARD && unfiltered && (orderBy === 'id' || orderBy === '-id')) {
        // One DAG in creation order, unfiltered: the store pages (a DAG may have thousands of runs).
        const found = await deps.store.listDagRunsByCreation(params.dag_id!, { ...page, descending: orderBy === '-id' });
        return { dag_runs: found.items.map(serializeDagRun), total_entries: found.total };
      }
      const inExecution = dateRange(query.execution_date_gte, query.execution_date_lte);
      const inStart = dateRange(query.start_date_gte, query.start_date_lte);
      const inEnd = dateRange(query.end_date_gte, query.end_date_lte);
      const runs = (await runsOf(deps, dags, params.dag_id!, query.state)).filter((r) => inExecution(r.logical_date) && inStart(r.start_date) && inEnd(r.end_date));
      const sorted = sortItems(runs, query.order_by, 'id', RUN_ORDER);
      return { dag_runs: paginate(sorted, page).map(serializeDagRun), total_entries: sorted.length };
    },
  }),
  defineRoute<Record<string, never>, TriggerBody>({
    id: 'post_dag_run',
    method: 'POST',
    path: '/api/v1/dags/{dag_id}/dagRuns',
    access: { permissions: ['edit:dags', 'create:dag_runs'] },
    summary: 'Trigger a new DAG run (conf, logical_date, dag_run_id, note).',
    response: DAG_RUN_SCHEMA,
    body: {
      type: 'object',
      properties: {
        dag_run_id: runIdSchema,
        logical_date: { type: ['string', 'null'], format: 'date-time' },
        execution_date: { type: ['string', 'null'], format: 'date-time' },
        conf: { type: 'object', maxBytes: STORED_VALUE_LIMITS.conf },
        note: { type: ['string', 'null'], maxLength: 1000 },
      },
      additionalProperties: false,
    },
    audit: { event: 'trigger' },
    async handle({ deps, params, body, audit }) {
      const dagId = params.dag_id!;
      if (dagId === WILDCARD) throw badRequest("a DAG run cannot be triggered for dag_id '~'");
      const dag = await requireDag(deps, dagId);
      if (!dag.is_active) throw notFound('DAG not found', `DAG with dag_id: '${dagId}' is not active: its file no longer defines it`);
      if ((await importErrorFiles(deps)).has(dag.fileloc)) {
        throw badRequest(`DAG with dag_id: '${dagId}' has import errors`, undefined, 'DAG cannot be triggered');
      }
      const logical = body.logical_date ? parseDateTime(body.logical_date) : undefined;
      const execution = body.execution_date ? parseDateTime(body.execution_date) : undefined;
      if (logical && execution && logical.getTime() !== execution.getTime()) {
        throw badRequest(`logical_date conflicts with execution_date (${body.logical_date} != ${body.execution_date})`);
      }
      if (body.dag_run_id) refuseReservedRunId(body.dag_run_id);
      const model = await requireModel(deps, dag);
      const requestedDate = logical ?? execution;
      let logicalDate = requestedDate ?? deps.clock();
      for (let attempt = 1; ; attempt++) {
        const runId = body.dag_run_id ?? defaultRunId('manual', logicalDate);
        audit.run_id = runId;
        try {
          const run = await deps.launcher.trigger({ record: dag, model }, { runId, logicalDate, conf: body.conf ?? {}, note: body.note ?? null });
          return serializeDagRun(run);
        } catch (error) {
          // The DAG's custom timetable could not give the run's data interval (it raised, or cannot run here).
          if (error instanceof CustomTimetableError) throw badRequest(`cannot create the run: ${error.message}`);
          if (!(error instanceof DagRunExistsError)) throw error;
          // The store holds one run per logical date (to the millisecond). A date the client did not ask
          // for is "now": when a burst of triggers lands on the same millisecond, the next one is taken.
          const dateTaken = error instanceof LogicalDateTakenError || body.dag_run_id === undefined || body.dag_run_id === null;
          if (!requestedDate && dateTaken && attempt < DEFAULT_DATE_ATTEMPTS) {
            logicalDate = new Date(Math.max(logicalDate.getTime() + 1, deps.clock().getTime()));
            continue;
          }
          if (error instanceof LogicalDateTakenError) {
            throw alreadyExists(`DAGRun with DAG ID: '${dagId}' and DAGRun logical date: '${isoOut(error.logicalDate)}' already exists (run '${error.existingRunId}')`);
          }
          throw alreadyExists(`DAGRun with DAG ID: '${dagId}' and DAGRun ID: '${runId}' already exists`);
        }
      }
    },
  }),
  defineRoute({
    id: 'get_dag_run',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}',
    access: { permissions: ['read:dags', 'read:dag_runs'] },
    summary: 'Get a DAG run.',
    response: DAG_RUN_SCHEMA,
    async handle({ deps, params }) {
      return serializeDagRun(await requireRun(deps, params.dag_id!, params.dag_run_id!));
    },
  }),
  defineRoute({
    id: 'delete_dag_run',
    method: 'DELETE',
    path: '/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}',
    access: { permissions: ['edit:dags', 'delete:dag_runs'] },
    summary: 'Delete a DAG run (its execution is stopped first).',
    audit: { event: 'dag_run.delete' },
    async handle({ deps, params }) {
      const run = await requireRun(deps, params.dag_id!, params.dag_run_id!);
      if (!isDagRunFinished(run.state)) await deps.controller.stop(run);
      await deps.store.deleteDagRun(run.dag_id, run.run_id);
      return noContent();
    },
  }),
  defineRoute<Record<string, never>, { state: 'success' | 'failed' | 'queued' }>({
    id: 'update_dag_run_state',
    method: 'PATCH',
    path: '/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}',
    access: { permissions: ['edit:dags', 'edit:dag_runs'] },
    summary: 'Set a DAG run state: success, failed or queued.',
    response: DAG_RUN_SCHEMA,
    body: { type: 'object', properties: { state: { type: 'string', enum: ['success', 'failed', 'queued'] } }, required: ['state'], additionalProperties: false },
    audit: { event: 'dag_run.set_state' },
    async handle({ deps, params, body, audit }) {
      const run = await requireRun(deps, params.dag_id!, params.dag_run_id!);
      audit.event = `dag_run.mark_${body.state}`;
      return serializeDagRun(await setRunState(deps, run, body.state));
    },
  }),
  defineRoute<Record<string, never>, { note: string }>({
    id: 'set_dag_run_note',
    method: 'PATCH',
    path: '/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/setNote',
    access: { permissions: ['edit:dags', 'edit:dag_runs'] },
    summary: 'Set the note of a DAG run.',
    response: DAG_RUN_SCHEMA,
    body: { type: 'object', properties: { note: { type: 'string', maxLength: 1000 } }, required: ['note'], additionalProperties: false },
    audit: { event: 'dag_run.set_note' },
    async handle({ deps, params, body }) {
      const run = await requireRun(deps, params.dag_id!, params.dag_run_id!);
      return serializeDagRun(await deps.store.updateDagRun(run.dag_id, run.run_id, { note: body.note }));
    },
  }),
  defineRoute<Record<string, never>, { dry_run: boolean }>({
    id: 'clear_dag_run',
    method: 'POST',
    path: '/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/clear',
    access: { permissions: ['edit:dags', 'edit:dag_runs'] },
    summary: 'Clear every task instance of a DAG run and run it again (dry_run lists them).',
    body: { type: 'object', properties: { dry_run: { type: 'boolean', default: true } }, additionalProperties: false },
    audit: { event: 'dag_run.clear' },
    async handle({ deps, params, body, audit }) {
      const run = await requireRun(deps, params.dag_id!, params.dag_run_id!);
      const tis = await deps.store.listTaskInstances(run.dag_id, run.run_id);
      if (body.dry_run) {
        audit.event = 'dag_run.clear.dry_run';
        return { task_instances: tis.map((ti) => taskInstanceReference(ti, run)) };
      }
      await clearTaskInstances(deps, await modelOf(deps, run.dag_id, run.dag_version), [{ run, tis }], true);
      return serializeDagRun(await requireRun(deps, run.dag_id, run.run_id));
    },
  }),
];


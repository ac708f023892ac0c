/**
 * What the console's DAG views read in one request each (skydag):
 * - GET /dags/{dag_id}/gridData: the newest runs (limit, offset) with every task instance's state,
 *   try and times, compact — the grid, Gantt, durations and landing times of N runs without N×M
 *   requests;
 * - GET /dags/{dag_id}/versions: the DAG's versions, newest first (the current one marked);
 * - GET /dags/{dag_id}/versions/{version}: one version's DAG file source and tasks (the code view
 *   and its diff between versions, the graph of the version a run executed); the source only for
 *   callers who can read every DAG the file defines.
 */
import type { TaskInstanceRecord } from '../../model/records.js';
import { PAGE_QUERY, pageOf, type PageQuery } from '../listing.js';
import { notFound } from '../problem.js';
import { defineRoute } from '../route.js';
import { isoOut, serializeDagRun, serializeTask, taskStateOut } from '../serialize.js';
import { requireDag } from './common.js';

const RUN_QUERY_CONCURRENCY = 8;

export const dagViewRoutes = [
  defineRoute<PageQuery, unknown>({
    id: 'get_grid_data',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/gridData',
    access: { permissions: ['read:dags', 'read:dag_runs', 'read:task_instances'] },
    summary: "The newest runs of a DAG with their task instances' states and times (skydag).",
    query: { type: 'object', properties: { ...PAGE_QUERY } },
    async handle({ deps, params, query }) {
      const dag = await requireDag(deps, params.dag_id!);
      const page = pageOf({ limit: query.limit ?? 25, ...(query.offset !== undefined ? { offset: query.offset } : {}) }, deps);
      // One more than asked says whether older runs exist.
      const runs = await deps.store.listDagRuns(dag.dag_id, { limit: page.limit + 1, offset: page.offset });
      const shown = runs.slice(0, page.limit);
      const taskInstances = [];
      // One query per run, a few at a time (DynamoDB serves them in parallel).
      const perRun: TaskInstanceRecord[][] = [];
      for (let i = 0; i < shown.length; i += RUN_QUERY_CONCURRENCY) {
        perRun.push(...(await Promise.all(shown.slice(i, i + RUN_QUERY_CONCURRENCY).map((run) => deps.store.listTaskInstances(run.dag_id, run.run_id)))));
      }
      for (const tis of perRun) {
        for (const ti of tis) {
          taskInstances.push({
            dag_run_id: ti.run_id,
            task_id: ti.task_id,
            state: taskStateOut(ti.state),
            try_number: ti.try_number,
            start_date: isoOut(ti.start_date),
            end_date: isoOut(ti.end_date),
            duration: ti.duration,
          });
        }
      }
      return { dag_runs: shown.map(serializeDagRun), task_instances: taskInstances, has_more: runs.length > page.limit };
    },
  }),
  defineRoute({
    id: 'get_dag_versions',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/versions',
    access: { permissions: ['read:dags'] },
    summary: 'The versions of a DAG, newest first (skydag).',
    async handle({ deps, params }) {
      const dag = await requireDag(deps, params.dag_id!);
      const versions = await deps.store.listDagVersions(dag.dag_id);
      return {
        versions: versions.map((v) => ({ dag_id: v.dag_id, version: v.version, created_at: isoOut(v.created_at), fileloc: v.fileloc, is_current: v.version === dag.current_version })),
        total_entries: versions.length,
      };
    },
  }),
  defineRoute({
    id: 'get_dag_version',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/versions/{version}',
    access: { permissions: ['read:dags'] },
    summary: "One version of a DAG: its file's source and its tasks (skydag).",
    async handle({ deps, dags: access, params }) {
      const dag = await requireDag(deps, params.dag_id!);
      const version = await deps.store.getDagVersion(dag.dag_id, params.version!);
      if (!version) throw notFound('DAG version not found', `DAG '${dag.dag_id}' has no version '${params.version}'`);
      // The file may define other DAGs: its text is shown only to who can read them all (Airflow's get_dag_source).
      const defined = await access.definedIn(version.fileloc);
      const redacted = access.allowed(defined, 'can_read').length < defined.length;
      return {
        dag_id: version.dag_id,
        version: version.version,
        created_at: isoOut(version.created_at),
        fileloc: version.fileloc,
        is_current: version.version === dag.current_version,
        source: redacted ? null : (version.source ?? null),
        source_redacted: redacted,
        tasks: version.model.tasks.map((t) => serializeTask(t, version.model)),
        edge_labels: version.model.edge_labels ?? [],
      };
    },
  }),
];

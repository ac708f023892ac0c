/**
 * XCom entries: list (dag_id, dag_run_id and task_id may be `~`) and get. As in Airflow 2, `value`
 * is Python's `str()` of the value unless `stringify=false`; skydag always adds `value_json`, the
 * value as JSON.
 */
import type { DagRunRecord, XComRecord } from '../../model/records.js';
import { PAGE_QUERY, pageOf, paginate, type PageQuery } from '../listing.js';
import { notFound } from '../problem.js';
import { collectionSchema, XCOM_ITEM_SCHEMA, XCOM_SCHEMA } from '../response-schemas.js';
import { defineRoute } from '../route.js';
import { serializeXCom, serializeXComItem } from '../serialize.js';
import { WILDCARD, requireRun, runsOf } from './common.js';

interface ListXComQuery extends PageQuery {
  map_index?: number;
  xcom_key?: string;
}

export const xcomRoutes = [
  defineRoute<ListXComQuery, unknown>({
    id: 'get_xcom_entries',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries',
    access: { permissions: ['read:dags', 'read:dag_runs', 'read:task_instances', 'read:xcoms'] },
    summary: 'List XCom entries (dag_id, dag_run_id and task_id may be `~`).',
    query: { type: 'object', properties: { ...PAGE_QUERY, map_index: { type: 'integer' }, xcom_key: { type: 'string' } } },
    response: collectionSchema('xcom_entries', XCOM_ITEM_SCHEMA),
    async handle({ deps, dags, params, query }) {
      const page = pageOf(query, deps);
      const [dagId, runId, taskId] = [params.dag_id!, params.dag_run_id!, params.task_id!];
      let runs: DagRunRecord[];
      if (runId !== WILDCARD && dagId !== WILDCARD) {
        const run = await deps.store.getDagRun(dagId, runId);
        runs = run ? [run] : [];
      } else runs = (await runsOf(deps, dags, dagId)).filter((r) => runId === WILDCARD || r.run_id === runId);
      const rows: { x: XComRecord; run: DagRunRecord }[] = [];
      for (const run of runs) {
        for (const x of await deps.store.listXComs(run.dag_id, run.run_id, taskId === WILDCARD ? undefined : taskId)) {
          if (query.map_index !== undefined && x.map_index !== query.map_index) continue;
          if (query.xcom_key !== undefined && x.key !== query.xcom_key) continue;
          rows.push({ x, run });
        }
      }
      // Airflow's order: logical date, task id, dag id, key.
      rows.sort(
        (a, b) =>
          Date.parse(a.run.logical_date) - Date.parse(b.run.logical_date) ||
          a.x.task_id.localeCompare(b.x.task_id) ||
          a.x.dag_id.localeCompare(b.x.dag_id) ||
          a.x.key.localeCompare(b.x.key),
      );
      return { xcom_entries: paginate(rows, page).map(({ x, run }) => serializeXComItem(x, run)), total_entries: rows.length };
    },
  }),
  defineRoute<{ map_index: number; deserialize?: boolean; stringify: boolean }, unknown>({
    id: 'get_xcom_entry',
    method: 'GET',
    path: '/api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key}',
    access: { permissions: ['read:dags', 'read:dag_runs', 'read:task_instances', 'read:xcoms'] },
    summary: 'Get an XCom entry.',
    query: {
      type: 'object',
      properties: { map_index: { type: 'integer', default: -1 }, deserialize: { type: 'boolean' }, stringify: { type: 'boolean', default: true } },
    },
    response: XCOM_SCHEMA,
    async handle({ deps, params, query }) {
      const run = await requireRun(deps, params.dag_id!, params.dag_run_id!);
      const x =
        query.map_index === -1
          ? await deps.store.getXCom(run.dag_id, run.run_id, params.task_id!, params.xcom_key!)
          : (await deps.store.listXComs(run.dag_id, run.run_id, params.task_id!)).find((e) => e.key === params.xcom_key && e.map_index === query.map_index);
      if (!x) throw notFound('XCom entry not found', `XCom entry '${params.xcom_key}' of task '${params.task_id}' in DAG run '${run.run_id}' not found`);
      return serializeXCom(x, run, query.stringify);
    },
  }),
];

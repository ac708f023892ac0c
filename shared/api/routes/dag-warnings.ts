/**
 * GET /dagWarnings (Airflow's get_dag_warnings): what is wrong with a DAG without making it an import
 * error. Airflow records "non-existent pool" when a DAG's tasks use a pool that does not exist (their
 * tasks would wait for ever); skydag computes the same from the DAGs' current versions and the pools
 * now, so a warning goes as soon as the pool is created. ("asset conflict" has no skydag
 * counterpart.) Listed per readable DAG.
 */
import type { DagRecord } from '../../model/records.js';
import { isoOut } from '../serialize.js';
import { ORDER_BY_QUERY, PAGE_QUERY, pageOf, paginate, sortItems, timeOf, type PageQuery } from '../listing.js';
import { defineRoute } from '../route.js';
import { modelOf } from './common.js';
import { DEFAULT_POOL_NAME } from './pools.js';

const NON_EXISTENT_POOL = 'non-existent pool';

interface DagWarning {
  dag_id: string;
  warning_type: string;
  message: string;
  timestamp: string | null;
}

interface WarningsQuery extends PageQuery {
  dag_id?: string;
  warning_type?: string;
}

const ORDER: Record<string, (w: DagWarning) => string | number | null> = {
  dag_id: (w) => w.dag_id,
  warning_type: (w) => w.warning_type,
  message: (w) => w.message,
  timestamp: (w) => timeOf(w.timestamp),
};

/** Python's repr of a list of strings, as Airflow's message shows it: ['a', 'b']. */
const pythonList = (items: readonly string[]) => `[${items.map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;

export const dagWarningRoutes = [
  defineRoute<WarningsQuery, unknown>({
    id: 'get_dag_warnings',
    method: 'GET',
    path: '/api/v1/dagWarnings',
    access: { permissions: ['read:dags'] },
    dags: 'listed',
    summary: "List DAG warnings: tasks using pools that do not exist ('non-existent pool').",
    query: {
      type: 'object',
      properties: {
        ...PAGE_QUERY,
        ...ORDER_BY_QUERY,
        dag_id: { type: 'string' },
        warning_type: { type: 'string', enum: ['asset conflict', NON_EXISTENT_POOL] },
      },
    },
    response: {
      type: 'object',
      properties: {
        dag_warnings: {
          type: 'array',
          items: {
            type: 'object',
            properties: { dag_id: { type: 'string' }, warning_type: { type: 'string' }, message: { type: 'string' }, timestamp: { type: ['string', 'null'], format: 'date-time' } },
            required: ['dag_id', 'warning_type', 'message', 'timestamp'],
          },
        },
        total_entries: { type: 'integer' },
      },
      required: ['dag_warnings', 'total_entries'],
    },
    async handle({ deps, dags: access, query }) {
      const page = pageOf(query, deps);
      const pools = new Set((await deps.store.listPools()).items.map((p) => p.name));
      pools.add(DEFAULT_POOL_NAME);
      const dags: DagRecord[] = (await access.dags('can_read')).filter((d) => d.is_active && (query.dag_id === undefined || d.dag_id === query.dag_id));
      const warnings: DagWarning[] = [];
      if (query.warning_type === undefined || query.warning_type === NON_EXISTENT_POOL) {
        for (const dag of dags) {
          const model = await modelOf(deps, dag.dag_id, dag.current_version);
          const missing = [...new Set((model?.tasks ?? []).map((t) => t.pool).filter((p) => !pools.has(p)))].sort();
          if (missing.length) {
            warnings.push({ dag_id: dag.dag_id, warning_type: NON_EXISTENT_POOL, message: `Dag '${dag.dag_id}' references non-existent pools: ${pythonList(missing)}`, timestamp: isoOut(dag.last_parsed_time) });
          }
        }
      }
      const sorted = sortItems(warnings, query.order_by, 'dag_id', ORDER);
      return { dag_warnings: paginate(sorted, page), total_entries: sorted.length };
    },
  }),
];

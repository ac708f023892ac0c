/**
 * GET /slaMisses (skydag; Airflow shows SLA misses under Browse → SLA Misses): the misses the
 * scheduling pass recorded (shared/scheduling/slas.ts), newest logical date first, per readable DAG.
 */
import type { SlaMissRecord } from '../../model/records.js';
import { ORDER_BY_QUERY, PAGE_QUERY, pageOf, paginate, sortItems, timeOf, type PageQuery } from '../listing.js';
import { collectionSchema } from '../response-schemas.js';
import { defineRoute } from '../route.js';
import { isoOut } from '../serialize.js';

interface SlaMissesQuery extends PageQuery {
  dag_id?: string;
}

const ORDER: Record<string, (m: SlaMissRecord) => string | number | null> = {
  execution_date: (m) => timeOf(m.execution_date),
  timestamp: (m) => timeOf(m.timestamp),
  dag_id: (m) => m.dag_id,
  task_id: (m) => m.task_id,
};

const DATE = { type: 'string', format: 'date-time' } as const;

export const slaMissRoutes = [
  defineRoute<SlaMissesQuery, unknown>({
    id: 'get_sla_misses',
    method: 'GET',
    path: '/api/v1/slaMisses',
    access: { permissions: ['read:sla_misses'] },
    dags: 'listed',
    summary: 'List SLA misses (skydag): tasks not done by their scheduled run\'s data interval end plus their sla.',
    query: { type: 'object', properties: { ...PAGE_QUERY, ...ORDER_BY_QUERY, dag_id: { type: 'string' } } },
    response: collectionSchema('sla_misses', {
      type: 'object',
      properties: {
        dag_id: { type: 'string' },
        task_id: { type: 'string' },
        execution_date: DATE,
        dag_run_id: { type: 'string' },
        timestamp: DATE,
        deadline: DATE,
        email_sent: { type: 'boolean' },
        notification_sent: { type: 'boolean' },
        description: { type: ['string', 'null'] },
      },
      required: ['dag_id', 'task_id', 'execution_date', 'dag_run_id', 'timestamp', 'deadline', 'email_sent', 'notification_sent', 'description'],
    }),
    async handle({ deps, dags, query }) {
      const page = pageOf(query, deps);
      const all = (await deps.store.listSlaMisses(query.dag_id !== undefined ? { dagId: query.dag_id } : {})).items;
      const readable = new Set((await dags.dags('can_read')).map((d) => d.dag_id));
      const visible = sortItems(all.filter((m) => readable.has(m.dag_id)), query.order_by, '-execution_date', ORDER);
      const shown = paginate(visible, page).map((m) => ({
        dag_id: m.dag_id,
        task_id: m.task_id,
        execution_date: isoOut(m.execution_date),
        dag_run_id: m.run_id,
        timestamp: isoOut(m.timestamp),
        deadline: isoOut(m.deadline),
        email_sent: m.email_sent,
        notification_sent: m.notification_sent,
        description: m.description,
      }));
      return { sla_misses: shown, total_entries: visible.length };
    },
  }),
];

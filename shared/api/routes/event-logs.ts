/**
 * The audit log (Airflow's eventLogs), readable by Admin only (Airflow 2.9, apache/airflow#37501) — or
 * a custom role given can_read on Audit Logs, which then sees the entries of the DAGs it may read and
 * those of no DAG.
 * Filters: dag_id, task_id, run_id, event, owner, before, after, included_events, excluded_events.
 * Default order is newest first (`-when`), the store's native order; Airflow's default is ascending
 * `event_log_id`, available as `order_by=event_log_id`/`when`.
 */
import type { AuditLogRecord } from '../../model/records.js';
import { ORDER_BY_QUERY, PAGE_QUERY, pageOf, paginate, sortItems, timeOf, type PageQuery } from '../listing.js';
import { notFound } from '../problem.js';
import { collectionSchema, EVENT_LOG_SCHEMA } from '../response-schemas.js';
import { defineRoute } from '../route.js';
import { serializeEventLog } from '../serialize.js';
import { parseDateTime } from '../validation.js';

interface EventLogQuery extends PageQuery {
  dag_id?: string;
  task_id?: string;
  run_id?: string;
  event?: string;
  owner?: string;
  before?: string;
  after?: string;
  included_events?: string;
  excluded_events?: string;
}

const ORDER: Record<string, (a: AuditLogRecord) => string | number | null> = {
  event_log_id: (a) => timeOf(a.when),
  when: (a) => timeOf(a.when),
  event: (a) => a.event,
  owner: (a) => a.owner,
  dag_id: (a) => a.dag_id,
  task_id: (a) => a.task_id,
  run_id: (a) => a.run_id,
};

const DEFAULT_ORDER = '-when';
const list = (s: string | undefined) => (s ? s.split(',').map((e) => e.trim()).filter(Boolean) : undefined);

export const eventLogRoutes = [
  defineRoute<EventLogQuery, unknown>({
    id: 'get_event_logs',
    method: 'GET',
    path: '/api/v1/eventLogs',
    access: { permissions: ['read:audit_log'] },
    dags: 'listed',
    summary: 'List audit log entries (newest first by default).',
    query: {
      type: 'object',
      properties: {
        ...PAGE_QUERY,
        ...ORDER_BY_QUERY,
        dag_id: { type: 'string' },
        task_id: { type: 'string' },
        run_id: { type: 'string' },
        event: { type: 'string' },
        owner: { type: 'string' },
        before: { type: 'string', format: 'date-time' },
        after: { type: 'string', format: 'date-time' },
        included_events: { type: 'string' },
        excluded_events: { type: 'string' },
      },
    },
    response: collectionSchema('event_logs', EVENT_LOG_SCHEMA),
    async handle({ deps, dags, query }) {
      const page = pageOf(query, deps);
      const storeFilters = {
        ...(query.dag_id !== undefined ? { dagId: query.dag_id } : {}),
        ...(query.event !== undefined ? { event: query.event } : {}),
        ...(query.owner !== undefined ? { owner: query.owner } : {}),
      };
      const orderBy = query.order_by?.trim() || DEFAULT_ORDER;
      // A caller who cannot read every DAG sees only the entries of the DAGs it reads (and those of no DAG).
      const inMemory =
        !dags.holdsGlobally('can_read') ||
        query.task_id !== undefined || query.run_id !== undefined || query.before !== undefined || query.after !== undefined ||
        query.included_events !== undefined || query.excluded_events !== undefined || orderBy !== DEFAULT_ORDER;
      if (!inMemory) {
        // The store pages newest-first itself: no full scan of an ever-growing log.
        const found = await deps.store.listAuditLog({ ...storeFilters, limit: page.limit, offset: page.offset });
        return { event_logs: found.items.map(serializeEventLog), total_entries: found.total };
      }
      const before = query.before ? parseDateTime(query.before)!.getTime() : undefined;
      const after = query.after ? parseDateTime(query.after)!.getTime() : undefined;
      const included = list(query.included_events);
      const excluded = list(query.excluded_events);
      const readable = await dags.filter((await deps.store.listAuditLog(storeFilters)).items, (a) => a.dag_id);
      const items = readable.filter((a) => {
        const t = Date.parse(a.when);
        return (
          (query.task_id === undefined || a.task_id === query.task_id) &&
          (query.run_id === undefined || a.run_id === query.run_id) &&
          (before === undefined || t < before) &&
          (after === undefined || t > after) &&
          (!included || included.includes(a.event)) &&
          (!excluded || !excluded.includes(a.event))
        );
      });
      const sorted = sortItems(items, orderBy, DEFAULT_ORDER, ORDER);
      return { event_logs: paginate(sorted, page).map(serializeEventLog), total_entries: sorted.length };
    },
  }),
  defineRoute({
    id: 'get_event_log',
    method: 'GET',
    path: '/api/v1/eventLogs/{event_log_id}',
    access: { permissions: ['read:audit_log'] },
    dags: 'listed',
    summary: 'Get an audit log entry.',
    response: EVENT_LOG_SCHEMA,
    async handle({ deps, dags, params }) {
      // The store port has no get-by-id: scan (newest first, so recent entries are found early).
      const entry = (await deps.store.listAuditLog()).items.find((a) => a.event_log_id === params.event_log_id);
      const [found] = await dags.filter(entry ? [entry] : [], (a) => a.dag_id);
      if (!found) throw notFound('Event Log not found', `The Event Log with id: \`${params.event_log_id}\` was not found`);
      return serializeEventLog(found);
    },
  }),
];

/**
 * Listing helpers with Airflow's semantics: `limit` defaults to and is capped at maximum_page_limit
 * (100; 0 means the fallback, negative is a 400, as `check_limit` does), `offset` ≥ 0, `order_by` a
 * field name with `-` for descending (unknown fields are a 400, as `apply_sorting` does), and
 * `*_gte`/`*_lte` date filters.
 */
import type { ApiDeps } from './deps.js';
import { badRequest } from './problem.js';
import { parseDateTime, type JsonSchema } from './validation.js';

export const PAGE_QUERY: Record<string, JsonSchema> = {
  limit: { type: 'integer', description: 'The numbers of items to return (default and maximum 100).' },
  offset: { type: 'integer', minimum: 0, description: 'The number of items to skip.' },
};

export const ORDER_BY_QUERY: Record<string, JsonSchema> = {
  order_by: { type: 'string', description: 'Field to order by; prefix with - for descending.' },
};

export interface PageQuery {
  limit?: number;
  offset?: number;
  order_by?: string;
}

export function pageOf(query: PageQuery, deps: Pick<ApiDeps, 'maxPageLimit'>): { limit: number; offset: number } {
  let limit = query.limit ?? deps.maxPageLimit;
  if (limit < 0) throw badRequest('Page limit must be a positive integer', undefined, 'Bad Request');
  if (limit === 0) limit = deps.maxPageLimit;
  limit = Math.min(limit, deps.maxPageLimit);
  return { limit, offset: query.offset ?? 0 };
}

export function paginate<T>(items: readonly T[], page: { limit: number; offset: number }): T[] {
  return items.slice(page.offset, page.offset + page.limit);
}

type SortValue = string | number | boolean | null | undefined;

/**
 * Sorts by `order_by` (default `fallback`); `fields` maps each allowed name to its value
 * (Airflow's `to_replace`/`allowed_filter_attrs`). Nulls sort as the smallest value; ties keep
 * the input order.
 */
export function sortItems<T>(items: readonly T[], orderBy: string | undefined, fallback: string, fields: Readonly<Record<string, (item: T) => SortValue>>): T[] {
  const spec = orderBy && orderBy.trim() !== '' ? orderBy.trim() : fallback;
  const descending = spec.startsWith('-');
  const name = descending ? spec.slice(1) : spec;
  const get = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (!get) {
    throw badRequest(`Ordering with '${name}' is disallowed or the attribute does not exist on the model; allowed: ${Object.keys(fields).join(', ')}`);
  }
  const compare = (a: SortValue, b: SortValue): number => {
    if (a === b) return 0;
    if (a === null || a === undefined) return -1;
    if (b === null || b === undefined) return 1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a) < String(b) ? -1 : 1;
  };
  const indexed = items.map((item, index) => ({ item, index, key: get(item) }));
  indexed.sort((x, y) => (descending ? compare(y.key, x.key) : compare(x.key, y.key)) || x.index - y.index);
  return indexed.map((x) => x.item);
}

/** Milliseconds of an ISO string for date comparisons (null when absent). */
export function timeOf(value: string | null | undefined): number | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** A `[gte, lte]` filter on a date field; a bound makes items without a date drop out (SQL semantics). */
export function dateRange(gte: string | undefined, lte: string | undefined): (value: string | null | undefined) => boolean {
  const lo = gte === undefined ? undefined : parseDateTime(gte)?.getTime();
  const hi = lte === undefined ? undefined : parseDateTime(lte)?.getTime();
  return (value) => {
    if (lo === undefined && hi === undefined) return true;
    const t = timeOf(value);
    if (t === null) return false;
    return (lo === undefined || t >= lo) && (hi === undefined || t <= hi);
  };
}

export function dateQuery(...names: string[]): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const n of names) {
    out[`${n}_gte`] = { type: 'string', format: 'date-time' };
    out[`${n}_lte`] = { type: 'string', format: 'date-time' };
  }
  return out;
}

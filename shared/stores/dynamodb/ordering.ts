/**
 * Listing order and pages. DynamoDB has no offset: a page at `offset` reads `offset + limit` items
 * (and a total reads every match), so the cost of a listing grows with how deep it pages. The port's
 * order is the in-memory reference's (`localeCompare` on ids, which is not DynamoDB's byte order), so
 * collections are read whole and sorted here; newest-first listings (runs, audit log) follow the key
 * order and read only as far as the page needs.
 */
import type { Page, PageOptions } from '../metadata.js';
import type { Item } from './items.js';
import type { TableClient } from './table-client.js';

type QueryInput = Parameters<TableClient['query']>[0];

const FILTERED_PAGE_MIN = 100;

/** The reference's slice: `offset` (default 0) then at most `limit` items; `total` counts them all. */
export function page<T>(items: T[], options: PageOptions = {}): Page<T> {
  const offset = options.offset ?? 0;
  return { items: options.limit === undefined ? items.slice(offset) : items.slice(offset, offset + options.limit), total: items.length };
}

/** Ascending by a string field, as the reference sorts (localeCompare). */
export const byField =
  <T>(field: keyof T & string) =>
  (a: T, b: T): number =>
    String(a[field]).localeCompare(String(b[field]));

/** `offset`/`limit` when both are whole numbers ≥ 0 and a limit is given; otherwise the listing is read whole. */
export function pageBounds(options: PageOptions): { offset: number; limit: number } | undefined {
  const offset = options.offset ?? 0;
  const limit = options.limit;
  if (limit === undefined || !Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 0) return undefined;
  return { offset, limit };
}

export interface OrderedListing<T> {
  /** The primary sort component of an item, which the query's key order already follows (e.g. its logical date). */
  group: (item: Item) => string;
  decode: (item: Item) => T;
  /** The port's exact order (the reference comparator). */
  order: (a: T, b: T) => number;
  /** Also count every match (one more query, `Select: COUNT`). */
  withTotal?: boolean;
  /**
   * The key order is the exact order (no ties it breaks differently, e.g. unique time-ordered ids):
   * an unfiltered page then passes over its offset without transferring it (TableClient.skip) and
   * reads only its own items.
   */
  exactKeyOrder?: boolean;
}

/**
 * One page of a query whose key order follows the port's order on its primary component: reads
 * `offset + limit` items and, past them, the rest of the last group (items the key order does not
 * break ties of the same way), sorts them with the exact comparator, and slices. `total` is set when
 * requested or when the whole listing was read.
 */
export async function orderedPage<T>(table: TableClient, input: QueryInput, options: PageOptions, how: OrderedListing<T>): Promise<{ items: T[]; total: number | undefined }> {
  const bounds = pageBounds(options);
  if (!bounds) {
    const all = (await table.queryAll(input)).map(how.decode).sort(how.order);
    return page(all, options);
  }
  const total = how.withTotal ? await table.count(input) : undefined;
  if (bounds.limit === 0 || (total !== undefined && bounds.offset >= total)) return { items: [], total };
  const need = bounds.offset + bounds.limit;
  if (how.exactKeyOrder && !input.FilterExpression && bounds.offset > 0) {
    const { start, skipped } = await table.skip(input, bounds.offset);
    if (skipped < bounds.offset || !start) return { items: [], total };
    const rest = await table.query(input, { start, enough: (got) => got.length >= bounds.limit, pageLimit: (got) => bounds.limit - got.length });
    return { items: rest.items.slice(0, bounds.limit).map(how.decode), total };
  }
  const { items } = await table.query(input, {
    // Enough once past `need` with the last group complete (a later item of another group was seen).
    enough: (got) => got.length > need && how.group(got[need - 1] as Item) !== how.group(got[got.length - 1] as Item),
    // DynamoDB applies Limit before the filter: with a filter, read in pages of at least 100 so a
    // selective filter does not cost one round trip per few items.
    pageLimit: (got) => Math.max(need + 1 - got.length, input.FilterExpression ? FILTERED_PAGE_MIN : 1),
  });
  const sorted = items.map(how.decode).sort(how.order);
  return { items: sorted.slice(bounds.offset, need), total };
}

/**
 * One page of several partitions read as one listing (the audit log's shards), each partition in the
 * listing's order: a k-way merge that reads each a chunk at a time (about its share of
 * `offset + limit`) and reads further only from partitions whose last item could still be followed
 * by one inside the page, so a page costs about its depth once, not once per partition.
 */
export async function mergedPage<T>(table: TableClient, inputs: readonly QueryInput[], bounds: { offset: number; limit: number }, how: Omit<OrderedListing<T>, 'withTotal'>): Promise<T[]> {
  if (bounds.limit === 0) return [];
  const need = bounds.offset + bounds.limit;
  const { merged } = await mergedRead(table, inputs, need, how);
  return merged.slice(bounds.offset, need).map((entry) => entry.value);
}

/**
 * The first `need` items of several partitions merged (mergedPage's reading), and more: every item
 * read, in the exact order. All items of the groups up to the `need`th item's are among them
 * (`boundary`: that item's group; undefined when the partitions hold fewer than `need`, all read).
 */
export async function mergedRead<T>(
  table: TableClient,
  inputs: readonly QueryInput[],
  need: number,
  how: Omit<OrderedListing<T>, 'withTotal'>,
): Promise<{ merged: { group: string; value: T }[]; boundary: string | undefined }> {
  // About a share and a tenth: hashed partitions hold nearly equal shares, and a short one is read again.
  const chunk = Math.max(20, Math.ceil((need / inputs.length) * 1.1) + 5);
  type Entry = { group: string; value: T };
  const partitions = inputs.map((input) => ({ input, entries: [] as Entry[], start: undefined as Record<string, unknown> | undefined, done: false }));
  let pending = partitions;
  for (;;) {
    await Promise.all(
      pending.map(async (p) => {
        const { items, exhausted, next } = await table.queryPage(p.input, chunk, p.start);
        p.entries.push(...items.map((item) => ({ group: how.group(item), value: how.decode(item) })));
        p.start = next;
        p.done = exhausted;
      }),
    );
    const merged = partitions.flatMap((p) => p.entries).sort((a, b) => how.order(a.value, b.value));
    const boundary = merged[need - 1];
    // A partition is read further unless its last item is in a later group than the page's last
    // place (inside one group the key order may break ties differently from the exact order).
    pending = partitions.filter((p) => {
      const last = p.entries[p.entries.length - 1];
      return !p.done && (!boundary || !last || last.group === boundary.group || how.order(last.value, boundary.value) <= 0);
    });
    if (pending.length === 0) return { merged, boundary: boundary?.group };
  }
}

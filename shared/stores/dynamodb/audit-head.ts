/**
 * The newest part of the audit log's merged order, kept between unfiltered listings: a deep page is
 * then one BatchGetItem of its own entries instead of a k-way merge reading the shards down to it
 * (offset 900: ~1,000 entries over 9 partitions).
 *
 * What is kept: every entry whose `when` is at or after a floor (whole `when` groups), keys only, in
 * the listing's exact order, with the audit count's buckets (kept-counts.ts) read before the entries
 * were. Entries are only ever added (and lapse a day at a time), and every append adds to the count
 * after its conditional put, so a listing compares the count with the copy's:
 *
 * - unchanged: nothing was appended since (but see the last point);
 * - grown by n: the entries written since are read from each shard's head, from a minute before the
 *   newest kept `when` (appends carry the time they were made: they land at the head, a slow writer a
 *   little below it). Exactly n new ones found: they are merged in. Any other number (a write more
 *   than a minute late, below the floor, or a writer between its put and its count) drops the copy,
 *   and the listing reads the shards as without it;
 * - the copy is also dropped when one of its entries lapses (at the end of a day), when it is 30 s old
 *   (an entry whose writer died before counting it is missed until then, as with CollectionCache),
 *   and when a page would need more than `maxEntries`.
 *
 * A listing deeper than the copy reads further below the floor, from every partition (mergedRead).
 */
import type { AuditLogRecord } from '../../model/records.js';
import { allOf, anyOf, Expressions } from './expressions.js';
import type { Item } from './items.js';
import * as K from './keys.js';
import { mergedRead } from './ordering.js';
import { METADATA_TTL_ATTRIBUTE } from './table.js';
import type { TableClient } from './table-client.js';

/** One entry's place: what the order needs and where the entry is. */
export interface AuditKey extends K.Key {
  when: string;
  event_log_id: string;
  /** When it lapses (epoch seconds; Infinity: never). */
  expires: number;
}

/** The listing's order: newest `when` first, ties by id descending (the reference's). */
export const auditKeyOrder = (a: Pick<AuditLogRecord, 'when' | 'event_log_id'>, b: Pick<AuditLogRecord, 'when' | 'event_log_id'>): number =>
  b.when.localeCompare(a.when) || b.event_log_id.localeCompare(a.event_log_id);

interface Copy {
  /** The audit count's buckets the copy is current with. */
  buckets: Record<string, number>;
  /** When it was first read (ms since the epoch). */
  readAt: number;
  /** Every entry with `when` ≥ floor is in `entries` (undefined: none read yet; '': the whole log). */
  floor: string | undefined;
  /** The floor is below the oldest entry: the whole log is kept. */
  complete: boolean;
  entries: AuditKey[];
  ids: Set<string>;
  /** The earliest lapse among the entries (epoch seconds). */
  lapses: number;
}

const FIELDS = [K.PK, K.SK, 'when', 'event_log_id', METADATA_TTL_ATTRIBUTE];
const idOf = (key: K.Key) => `${key.pk}\u0000${key.sk}`;

export class KeptAuditHead {
  private copy: Copy | undefined;
  /** One listing at a time works on the copy. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly table: TableClient,
    private readonly options: {
      /** Entries kept at most; a deeper page is read without the copy. @default 50,000 */
      maxEntries?: number;
      /** @default 30 s */
      maxAgeMs?: number;
      /** How far below the newest kept `when` new entries are looked for. @default 60 s */
      lookbackMs?: number;
      /** More new entries than this since the copy was read: read it again instead. @default 1,000 */
      maxNew?: number;
    } = {},
  ) {}

  /**
   * The keys of the unfiltered log's entries [offset, offset + limit) not lapsed at `nowSeconds`,
   * given the audit count's `buckets` read before this call; undefined when the page is deeper than
   * the copy may grow (the caller merges the shards itself).
   */
  page(buckets: Record<string, number>, nowSeconds: number, offset: number, limit: number): Promise<AuditKey[] | undefined> {
    const run = this.turn.then(() => this.pageNow(buckets, nowSeconds, offset, limit));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async pageNow(buckets: Record<string, number>, nowSeconds: number, offset: number, limit: number): Promise<AuditKey[] | undefined> {
    const need = offset + limit;
    if (need > (this.options.maxEntries ?? 50_000)) return undefined;
    try {
      let copy = this.copy;
      if (copy && (Date.now() - copy.readAt > (this.options.maxAgeMs ?? 30_000) || copy.lapses <= nowSeconds)) copy = undefined;
      if (copy && !sameBuckets(copy.buckets, buckets)) copy = await this.caughtUp(copy, buckets, nowSeconds);
      copy ??= { buckets, readAt: Date.now(), floor: undefined, complete: false, entries: [], ids: new Set(), lapses: Number.POSITIVE_INFINITY };
      this.copy = copy;
      if (copy.entries.length < need && !copy.complete) await this.extend(copy, need - copy.entries.length, nowSeconds);
      return copy.entries.slice(offset, need);
    } catch (error) {
      this.copy = undefined;
      throw error;
    }
  }

  /** The copy with the entries appended since merged in, or undefined when they are not exactly what the count says. */
  private async caughtUp(copy: Copy, buckets: Record<string, number>, nowSeconds: number): Promise<Copy | undefined> {
    const added = Object.keys({ ...copy.buckets, ...buckets }).reduce((n, b) => n + (buckets[b] ?? 0) - (copy.buckets[b] ?? 0), 0);
    const newest = copy.entries[0]?.when;
    if (added <= 0 || added > (this.options.maxNew ?? 1_000) || newest === undefined || copy.floor === undefined || Number.isNaN(Date.parse(newest))) return undefined;
    const lookback = new Date(Date.parse(newest) - (this.options.lookbackMs ?? 60_000)).toISOString();
    const from = lookback > copy.floor ? lookback : copy.floor;
    const found = (
      await Promise.all(
        Array.from({ length: K.AUDIT_SHARDS }, (_, n) => {
          const e = new Expressions();
          return this.table.queryAll({
            KeyConditionExpression: allOf({ pk: e.equals(K.PK, `AUDIT_SHARD#${n}`), from: `${e.name(K.SK)} >= ${e.value(K.esc(from))}` }),
            ProjectionExpression: FIELDS.map((f) => e.name(f)).join(', '),
            ConsistentRead: true,
            ...e.attributes(),
          });
        }),
      )
    )
      .flat()
      .map(keyOf)
      .filter((key) => !copy.ids.has(idOf(key)));
    if (found.length !== added) return undefined;
    const fresh = found.filter((key) => key.expires > nowSeconds);
    for (const key of fresh) copy.ids.add(idOf(key));
    const entries = [...copy.entries];
    for (const key of fresh) entries.splice(placeOf(entries, key), 0, key);
    return { ...copy, buckets, entries, lapses: fresh.reduce((min, key) => Math.min(min, key.expires), copy.lapses) };
  }

  /** Reads `more` entries below the floor (whole `when` groups), from every partition. */
  private async extend(copy: Copy, more: number, nowSeconds: number): Promise<void> {
    const inputs = K.auditPartitions().map((partition) => {
      const e = new Expressions();
      return {
        KeyConditionExpression: allOf({ pk: e.equals(K.PK, partition), below: copy.floor === undefined ? undefined : e.lessThan(K.SK, K.esc(copy.floor)) }),
        FilterExpression: anyOf([e.notExists(METADATA_TTL_ATTRIBUTE), e.greaterThan(METADATA_TTL_ATTRIBUTE, nowSeconds)]),
        ProjectionExpression: FIELDS.map((f) => e.name(f)).join(', '),
        ScanIndexForward: false,
        ConsistentRead: true,
        ...e.attributes(),
      };
    });
    const { merged, boundary } = await mergedRead(this.table, inputs, more, { group: (item) => String(item.when), decode: keyOf, order: auditKeyOrder });
    // Up to the boundary's group (complete: every partition was read past it); all of it when the log ended.
    const kept = boundary === undefined ? merged : merged.filter((entry) => entry.group.localeCompare(boundary) >= 0);
    const entries = kept.map((entry) => entry.value);
    copy.entries.push(...entries);
    for (const key of entries) copy.ids.add(idOf(key));
    copy.lapses = entries.reduce((min, key) => Math.min(min, key.expires), copy.lapses);
    // The whole log read: the floor is below every entry ('' sorts first).
    copy.floor = boundary ?? '';
    copy.complete = boundary === undefined;
  }
}

/** Where `key` goes in `entries` (in auditKeyOrder): a binary search (new entries are few). */
function placeOf(entries: readonly AuditKey[], key: AuditKey): number {
  let [low, high] = [0, entries.length];
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (auditKeyOrder(entries[mid]!, key) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function keyOf(item: Item): AuditKey {
  const expires = item[METADATA_TTL_ATTRIBUTE];
  return { pk: String(item.pk), sk: String(item.sk), when: String(item.when), event_log_id: String(item.event_log_id), expires: typeof expires === 'number' ? expires : Number.POSITIVE_INFINITY };
}

function sameBuckets(a: Record<string, number>, b: Record<string, number>): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => a[name] === b[name]);
}

/**
 * Mending the kept counts (kept-counts.ts). A writer adds to a count in a second request after the
 * conditional write that created the item (dynalite has no transactions), so one that dies between
 * the two leaves the count one short for good; a count set by an earlier repair while a writer was
 * between its two requests is one over. Once a day (the first reconciler pass after the last repair
 * is a day old claims it) the items are counted again and a count that differs is set, with a
 * condition on the value it was read as:
 *
 * - dataset events (overall and per URI): only when the newest event is older than a writer can be
 *   in flight (WRITER_GRACE_MS, a Lambda's longest run), so no count is still to come; each URI's
 *   newest event is set again on the way (dataset-updates.ts: a no-op unless a writer died first);
 * - the audit log: only the buckets (days entries lapse) no append can still reach — appends at time
 *   t go to the bucket of t + retention, so a bucket is final once its last append time is a grace
 *   ago — and that have not lapsed (DynamoDB's TTL deletes lapsed items lazily; they are not listed).
 *
 * A race the conditions cannot see (an item put meanwhile but counted after the repair) leaves a
 * count one off until the next day's repair: totals are eventually exact, listings are not affected.
 */
import { recordDatasetUpdate } from './dataset-updates.js';
import { Expressions } from './expressions.js';
import type { Item } from './items.js';
import { ALL, auditBucketEnd, auditCountBucket, countKey, type KeptCounts } from './kept-counts.js';
import * as K from './keys.js';
import { METADATA_TTL_ATTRIBUTE } from './table.js';
import { isConditionalCheckFailed, type TableClient } from './table-client.js';

/** How often the counts are checked. */
export const COUNT_REPAIR_INTERVAL_MS = 24 * 3_600_000;
/** Longer than any writer can be between its item write and its count (a Lambda runs at most 15 minutes). */
export const WRITER_GRACE_MS = 16 * 60_000;

const CLAIM_KEY: K.Key = { pk: 'REPAIR#KEPT_COUNTS', sk: 'REPAIR' };

/** Whether this pass is the day's repair: the first to move the last repair time forward gets it. */
async function claimRepair(table: TableClient, nowMs: number): Promise<boolean> {
  const claim = await table.get(CLAIM_KEY, 'read the last count repair');
  const last = typeof claim?.at === 'number' ? claim.at : undefined;
  if (last !== undefined && nowMs - last < COUNT_REPAIR_INTERVAL_MS) return false;
  const e = new Expressions();
  try {
    await table.update(
      {
        Key: CLAIM_KEY,
        UpdateExpression: `SET ${e.name('at')} = ${e.value(nowMs)}`,
        ConditionExpression: last === undefined ? e.notExists('at') : e.equals('at', last),
        ...e.attributes(),
      },
      'claim the count repair',
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** Sets one bucket of a count from `kept` (as read; undefined: absent) to `counted`, unless it moved meanwhile. */
async function setBucket(table: TableClient, name: string, bucket: string, kept: number | undefined, counted: number): Promise<boolean> {
  const e = new Expressions();
  try {
    await table.update(
      {
        Key: countKey(name),
        UpdateExpression: `SET ${e.name(bucket)} = ${e.value(counted)}`,
        ConditionExpression: kept === undefined ? e.notExists(bucket) : e.equals(bucket, kept),
        ...e.attributes(),
      },
      `repair count ${name}`,
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false; // counted meanwhile: next time
    throw error;
  }
}

async function repairDatasetEvents(table: TableClient, counts: KeptCounts, nowMs: number): Promise<string[]> {
  const e = new Expressions();
  const newest = await table.queryPage({ KeyConditionExpression: e.equals(K.PK, K.DATASET_EVENTS_PK), ScanIndexForward: false, ConsistentRead: true, ...e.attributes() }, 1, undefined, 'read the newest dataset event');
  const newestId = newest.items[0]?.id;
  if (typeof newestId === 'number' && nowMs - newestId / 1000 < WRITER_GRACE_MS) return [];
  const p = new Expressions();
  const projection = ['uri', 'id', 'timestamp', 'source_dag_id'].map((a) => p.name(a)).join(', ');
  const events = await table.queryAll({ KeyConditionExpression: p.equals(K.PK, K.DATASET_EVENTS_PK), ProjectionExpression: projection, ConsistentRead: true, ...p.attributes() }, 'count dataset events');
  const counted = new Map<string, number>([[K.DATASET_EVENTS_PK, events.length]]);
  const newestOfUri = new Map<string, Item>();
  for (const item of events) {
    const name = K.datasetEventsByUriPk(String(item.uri));
    counted.set(name, (counted.get(name) ?? 0) + 1);
    const seen = newestOfUri.get(name);
    if (!seen || Number(seen.id) < Number(item.id)) newestOfUri.set(name, item);
  }
  // The URIs' newest events too (a writer that died after its event's put left them behind; a no-op otherwise).
  for (const item of newestOfUri.values()) {
    const event = { uri: String(item.uri), id: Number(item.id), timestamp: String(item.timestamp), source_dag_id: typeof item.source_dag_id === 'string' ? item.source_dag_id : null };
    await recordDatasetUpdate(table, event);
  }
  const repaired: string[] = [];
  for (const [name, n] of counted) {
    const kept = (await counts.buckets(name))[ALL];
    if ((kept ?? 0) !== n && (await setBucket(table, name, ALL, kept, n))) repaired.push(`${name}: ${kept ?? 0} -> ${n}`);
  }
  return repaired;
}

async function repairAuditLog(table: TableClient, counts: KeptCounts, nowMs: number, retentionSeconds: number): Promise<string[]> {
  const nowSeconds = nowMs / 1000;
  // A bucket's last append time: appends at t go to the bucket of the day t + retention ends in.
  const final = (bucket: string) => bucket === ALL || auditBucketEnd(bucket) - retentionSeconds + WRITER_GRACE_MS / 1000 < nowSeconds;
  const lapsed = (bucket: string) => auditBucketEnd(bucket) <= nowSeconds;
  const counted = new Map<string, number>();
  for (const partition of K.auditPartitions()) {
    const e = new Expressions();
    const items = await table.queryAll({ KeyConditionExpression: e.equals(K.PK, partition), ProjectionExpression: e.name(METADATA_TTL_ATTRIBUTE), ConsistentRead: true, ...e.attributes() }, 'count audit entries');
    for (const item of items) {
      const ttl = item[METADATA_TTL_ATTRIBUTE];
      const bucket = typeof ttl === 'number' ? auditCountBucket(ttl) : ALL;
      counted.set(bucket, (counted.get(bucket) ?? 0) + 1);
    }
  }
  const kept = await counts.buckets(K.AUDIT_COUNT);
  const repaired: string[] = [];
  for (const bucket of new Set([...counted.keys(), ...Object.keys(kept)])) {
    if (!final(bucket) || lapsed(bucket)) continue;
    const n = counted.get(bucket) ?? 0;
    if ((kept[bucket] ?? 0) !== n && (await setBucket(table, K.AUDIT_COUNT, bucket, kept[bucket], n))) repaired.push(`${K.AUDIT_COUNT}[${bucket}]: ${kept[bucket] ?? 0} -> ${n}`);
  }
  return repaired;
}

/** The day's repair, if this pass claims it: the counts set, as `name: kept -> counted` (none: all exact, or not due). */
export async function repairKeptCounts(table: TableClient, counts: KeptCounts, now: Date, auditRetentionSeconds: number): Promise<string[]> {
  const nowMs = now.getTime();
  if (!(await claimRepair(table, nowMs))) return [];
  return [...(await repairDatasetEvents(table, counts, nowMs)), ...(await repairAuditLog(table, counts, nowMs, auditRetentionSeconds))];
}

/**
 * Counts kept beside the items they count, so a listing's total (Airflow's total_entries) is one
 * GetItem instead of a COUNT query that reads every item (10,000 dataset events: ~270 ms locally,
 * several 1 MB pages on DynamoDB). A writer adds to a count only after the conditional write that
 * created (or removed) the counted item succeeded, so a redelivered write is not counted twice.
 *
 * A count is one item (`COUNT#<name>`) with one number per bucket: the audit log counts by the day
 * its entries lapse (the total is the sum of the buckets not yet lapsed); other counts have one
 * bucket. A table written before counts were kept gets them from the data upgrade (upgrade.ts).
 */
import { Expressions } from './expressions.js';
import type { Key } from './keys.js';
import type { TableClient } from './table-client.js';

/** The bucket of a count that has only one. */
export const ALL = 'n';

export const countKey = (name: string): Key => ({ pk: `COUNT#${name}`, sk: 'COUNT' });

export class KeptCounts {
  constructor(private readonly table: TableClient) {}

  /** One more item counted (after the conditional write that created it, so a redelivery counts nothing). */
  async increment(name: string, bucket = ALL): Promise<void> {
    const e = new Expressions();
    await this.table.update({ Key: countKey(name), UpdateExpression: `ADD ${e.name(bucket)} ${e.value(1)}`, ...e.attributes() }, `count ${name}`);
  }

  /** The count's buckets (an empty object when nothing was ever counted). */
  async buckets(name: string): Promise<Record<string, number>> {
    const item = await this.table.get(countKey(name), `read count ${name}`);
    const out: Record<string, number> = {};
    for (const [attribute, value] of Object.entries(item ?? {})) if (typeof value === 'number') out[attribute] = value;
    return out;
  }

  async get(name: string): Promise<number> {
    return (await this.buckets(name))[ALL] ?? 0;
  }
}

const DAY = 86_400;

/** An audit entry's expiry (epoch seconds): the end of the UTC day `seconds` falls in. */
export const auditExpiry = (seconds: number): number => Math.ceil(seconds / DAY) * DAY;

/** The bucket of the audit count an entry expiring at `expiresAt` (a day's end) is counted in. */
export const auditCountBucket = (expiresAt: number): string => `d${Math.ceil(expiresAt / DAY)}`;

/** When the entries of an audit count bucket lapse (epoch seconds): never for ALL (entries kept forever). */
export const auditBucketEnd = (bucket: string): number => (/^d\d+$/.test(bucket) ? Number(bucket.slice(1)) * DAY : Number.POSITIVE_INFINITY);

/**
 * A collection that callers read whole (the DAGs: permissions, `dag_id_pattern` and any `order_by`
 * are applied over every record) kept in memory between listings. It stays valid while the
 * collection's change counter is unchanged: a listing costs one strongly consistent GetItem of the
 * counter instead of reading the partition (1,000 DAGs: one item instead of a thousand).
 *
 * Every writer bumps the counter *after* its item write, and a reader takes the counter *before* it
 * reads the partition: a write the read missed bumps the counter after the reader took it, so the
 * next listing reads again. A writer that dies between its two writes leaves the cache behind until
 * the next write or `maxAgeMs`, whichever comes first (the item is written; only the cache lags).
 */
import type { Key } from './keys.js';
import type { TableClient } from './table-client.js';

const COUNTER = 'n';

export class CollectionCache<T> {
  private cached: { stamp: number; at: number; items: readonly T[] } | undefined;
  /** One read of the partition at a time per stamp: concurrent listings share it. */
  private loading: { stamp: number; promise: Promise<readonly T[]> } | undefined;

  constructor(
    private readonly table: TableClient,
    private readonly counterKey: Key,
    private readonly load: () => Promise<T[]>,
    private readonly maxAgeMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every member, frozen (shared between callers: copy before changing one). */
  async read(): Promise<readonly T[]> {
    const stamp = await this.stamp();
    const cached = this.cached;
    if (cached && cached.stamp === stamp && this.now() - cached.at < this.maxAgeMs) return cached.items;
    if (this.loading?.stamp === stamp) return this.loading.promise;
    const at = this.now();
    const promise = this.load().then((items) => {
      const frozen = Object.freeze(items.map(deepFreeze));
      // A slower read of an older stamp does not replace a newer one.
      if (!this.cached || this.cached.stamp <= stamp) this.cached = { stamp, at, items: frozen };
      return frozen;
    });
    this.loading = { stamp, promise };
    try {
      return await promise;
    } finally {
      if (this.loading?.promise === promise) this.loading = undefined;
    }
  }

  /** Call after every write to a member (put, update, delete), once it succeeded. */
  async changed(): Promise<void> {
    await this.table.update({ Key: this.counterKey, UpdateExpression: 'ADD #n :one', ExpressionAttributeNames: { '#n': COUNTER }, ExpressionAttributeValues: { ':one': 1 } }, 'bump a collection counter');
  }

  private async stamp(): Promise<number> {
    const item = await this.table.get(this.counterKey, 'read a collection counter');
    const n = item?.[COUNTER];
    return typeof n === 'number' ? n : 0;
  }
}

function deepFreeze<V>(value: V): V {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

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
import { Expressions } from './expressions.js';
import type { Key } from './keys.js';
import type { TableClient } from './table-client.js';

const COUNTER = 'n';
/** When the counter last moved (ms since the epoch). */
const MOVED_AT = 'at';

/** A change counter's value in its item (0 before it first moved). */
export function counterValue(item: Record<string, unknown> | undefined): number {
  const n = item?.[COUNTER];
  return typeof n === 'number' ? n : 0;
}

/** Bumps a change counter (after the write it announces succeeded). */
export async function bumpCounter(table: TableClient, key: Key, what: string): Promise<void> {
  const e = new Expressions();
  await table.update({ Key: key, UpdateExpression: `SET ${e.name(MOVED_AT)} = ${e.value(Date.now())} ADD ${e.name(COUNTER)} ${e.value(1)}`, ...e.attributes() }, what);
}

export class CollectionCache<T> {
  private cached: { stamp: number; until: number; items: readonly T[] } | undefined;
  /** One read of the partition at a time per stamp: concurrent listings share it. */
  private loading: { stamp: number; promise: Promise<readonly T[]> } | undefined;

  constructor(
    private readonly table: TableClient,
    private readonly counterKey: Key,
    private readonly load: () => Promise<T[]>,
    private readonly options: {
      /** The longest a copy is used without reading again (a writer that died before bumping). @default 30 s */
      maxAgeMs?: number;
      /**
       * How long after a change the partition may still read behind it (a GSI: eventually consistent in
       * AWS): a copy read within this of the last change is used only until it has passed. @default 0
       */
      settleMs?: number;
    } = {},
  ) {}

  /** How many members the kept copy holds (0 before the first read). */
  get size(): number {
    return this.cached?.items.length ?? 0;
  }

  /** Every member, frozen (shared between callers: copy before changing one). */
  async read(): Promise<readonly T[]> {
    const { stamp, movedAt } = await this.stamp();
    const cached = this.cached;
    const now = Date.now();
    if (cached && cached.stamp === stamp && now < cached.until) return cached.items;
    if (this.loading?.stamp === stamp) return this.loading.promise;
    const settling = movedAt + (this.options.settleMs ?? 0);
    const until = now < settling ? settling : now + (this.options.maxAgeMs ?? 30_000);
    const promise = this.load().then((items) => {
      const frozen = Object.freeze(items.map(deepFreeze));
      // A slower read of an older stamp does not replace a newer one.
      if (!this.cached || this.cached.stamp <= stamp) this.cached = { stamp, until, items: frozen };
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
    await bumpCounter(this.table, this.counterKey, 'bump a collection counter');
  }

  private async stamp(): Promise<{ stamp: number; movedAt: number }> {
    const item = await this.table.get(this.counterKey, 'read a collection counter');
    const [n, at] = [item?.[COUNTER], item?.[MOVED_AT]];
    return { stamp: typeof n === 'number' ? n : 0, movedAt: typeof at === 'number' ? at : 0 };
  }
}

function deepFreeze<V>(value: V): V {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

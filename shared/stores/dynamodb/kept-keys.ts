/**
 * Kept listings of keys: for a listing with no filter whose membership and order change seldom (a
 * DAG's task instances across runs, its runs in creation order), the keys in the listing's exact
 * order are kept between listings behind a change counter (collection-cache.ts). A page at any depth
 * is then one BatchGetItem of its own items, and the total is the number of keys: DynamoDB has no
 * offset, so reading up to the page (and counting every match) is what it replaces.
 *
 * Bounded: at most `maxKeys` keys over all listings (~100 bytes each), the least recently used
 * listings dropped first.
 */
import { CollectionCache } from './collection-cache.js';
import type { Key } from './keys.js';
import type { TableClient } from './table-client.js';

/** How long after a change a GSI read may still miss it (AWS: typically well under a second). */
export const GSI_SETTLE_MS = 2_000;

export class KeptKeys<T extends Key> {
  /** In recency order: the least recently used first. */
  private readonly listings = new Map<string, CollectionCache<T>>();

  constructor(
    private readonly table: TableClient,
    private readonly maxKeys: number,
  ) {}

  /** The listing `name`'s keys (read again when `counterKey` moved); `load` returns them in the listing's order. */
  async read(name: string, counterKey: Key, load: () => Promise<T[]>): Promise<readonly T[]> {
    let listing = this.listings.get(name);
    if (listing) this.listings.delete(name);
    else listing = new CollectionCache(this.table, counterKey, load, { settleMs: GSI_SETTLE_MS });
    this.listings.set(name, listing);
    const keys = await listing.read();
    this.bound();
    return keys;
  }

  private bound(): void {
    let total = [...this.listings.values()].reduce((n, listing) => n + listing.size, 0);
    for (const [name, listing] of this.listings) {
      if (total <= this.maxKeys || this.listings.size === 1) break;
      total -= listing.size;
      this.listings.delete(name);
    }
  }
}

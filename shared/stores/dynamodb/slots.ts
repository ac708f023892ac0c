/**
 * Bounded slots (pools, max_active_tasks) held per holder, spread over SLOT_SHARDS items per scope.
 *
 * One item per scope serialised every acquire and release of a burst on one key (and each write paid
 * for the whole holders map). Here shard `i` of a scope may hold `shardCapacity(limit, i)` slots; the
 * capacities add up to the limit, so the conditional write on each shard (room left, holder not there)
 * keeps the scope within it without transactions. A holder tries its home shard (a hash of its id)
 * first, with one conditional write after one read (the common case under any limit above the shard
 * count), and only when it is full reads all shards and tries the others; a request larger than any shard's room is split over several shards
 * (all or none: the parts taken are given back when the rest does not fit).
 *
 * A release reads the shards and gives back every part the holder has, each only while still held, so
 * two releases free it once. Twin acquirers of one holder that saw different shards free may both take
 * a part: the holder then holds more than it asked for, never the scope more than its limit, and its
 * release frees both.
 */
import { allOf, anyOf, Expressions } from './expressions.js';
import { KIND, type Item } from './items.js';
import { homeSlotShard, legacySlotKey, SLOT_SHARDS, slotShardKey, type Key } from './keys.js';
import { isConditionalCheckFailed, type TableClient } from './table-client.js';

/** Shard `shard`'s part of `limit`: the remainder goes to the first shards, so the parts add up to the limit. */
export function shardCapacity(limit: number, shard: number): number {
  if (limit === Infinity) return Infinity;
  const whole = Math.max(0, Math.floor(limit));
  return Math.floor(whole / SLOT_SHARDS) + (shard < whole % SLOT_SHARDS ? 1 : 0);
}

interface ShardState {
  key: Key;
  /** Undefined for the legacy item (never taken from). */
  shard: number | undefined;
  taken: number;
  holders: Record<string, number>;
}

/**
 * Passes over the shards before an acquire gives up. A pass fails only when every shard it saw room in
 * was filled meanwhile, so without releases a scope is full (and the acquire refused by the total)
 * after at most SLOT_SHARDS passes: a refusal means the scope was full, as with a single item.
 */
const ACQUIRE_PASSES = SLOT_SHARDS + 2;

export class SlotShards {
  constructor(private readonly table: TableClient) {}

  async acquire(scope: string, limit: number, holder: string, slots: number): Promise<boolean> {
    // Fast path, one read and one conditional write: the home shard has room (or a twin took it
    // already). Only once the scope's item of an older version holds nothing (it is never taken from,
    // so it stays empty): the shards' parts of the limit do not count what it still holds.
    const home = homeSlotShard(holder);
    const homeCapacity = shardCapacity(limit, home);
    if (slots <= homeCapacity && (await this.legacyIsEmpty(scope)) && (await this.takePart(slotShardKey(scope, home), homeCapacity, holder, slots)) !== 'full') return true;
    for (let pass = 1; ; pass++) {
      const shards = await this.read(scope);
      if (shards.some((s) => Object.hasOwn(s.holders, holder))) return true;
      const taken = shards.reduce((n, s) => n + s.taken, 0);
      if (taken + slots > limit) return false;
      const outcome = await this.take(scope, limit, holder, slots, shards);
      if (outcome !== 'retry') return outcome;
      if (pass === ACQUIRE_PASSES) return false;
    }
  }

  /** Takes `slots` from the shards with room, home shard first; 'retry' when the room seen was gone meanwhile. */
  private async take(scope: string, limit: number, holder: string, slots: number, shards: readonly ShardState[]): Promise<boolean | 'retry'> {
    const home = homeSlotShard(holder);
    const order = Array.from({ length: SLOT_SHARDS }, (_, i) => shards[(home + i) % SLOT_SHARDS]!);
    const parts: ShardState[] = [];
    let remaining = slots;
    for (const state of order) {
      const capacity = shardCapacity(limit, state.shard!);
      const part = Math.min(remaining, capacity - state.taken);
      if (part <= 0) continue;
      const outcome = await this.takePart(state.key, capacity, holder, part);
      if (outcome === 'held') {
        // A twin acquirer of this holder got here first: the holding is its.
        await this.giveBack(parts, holder);
        return true;
      }
      if (outcome === 'full') continue;
      parts.push({ ...state, holders: { [holder]: part } });
      remaining -= part;
      if (remaining === 0) return true;
    }
    await this.giveBack(parts, holder);
    return 'retry';
  }

  private async takePart(key: Key, capacity: number, holder: string, part: number): Promise<'taken' | 'held' | 'full'> {
    for (let attempt = 1; ; attempt++) {
      const e = new Expressions();
      const held = `${e.name('holders')}.${e.name(holder)}`;
      const count = e.value(part);
      const hasRoom = capacity === Infinity ? undefined : anyOf([e.notExists('taken'), `${e.name('taken')} <= ${e.value(capacity - part)}`]);
      try {
        await this.table.update({
          Key: key,
          UpdateExpression: `SET ${held} = ${count} ADD ${e.name('taken')} ${count}`,
          ConditionExpression: allOf({ notHeld: `attribute_not_exists(${held})`, hasRoom }),
          ...e.attributes(),
        });
        return 'taken';
      } catch (error) {
        const item = isConditionalCheckFailed(error) ? await this.table.get(key, 'GetItem (slot shard)') : undefined;
        if (item?.holders) return Object.hasOwn(item.holders as object, holder) ? 'held' : 'full';
        // The shard's item (or its holders map) does not exist yet: create it, then take again.
        if (attempt === 1 && (isConditionalCheckFailed(error) || (error as Error).name === 'ValidationException')) {
          await this.initShard(key);
          continue;
        }
        throw error;
      }
    }
  }

  /** Creates a shard's item with no holders (one write: the member SET above needs the map to exist). */
  private async initShard(key: Key): Promise<void> {
    const e = new Expressions();
    try {
      await this.table.update({
        Key: key,
        UpdateExpression: `SET ${e.name(KIND)} = ${e.value('slot')}, ${e.name('holders')} = ${e.value({})}, ${e.name('taken')} = ${e.value(0)}`,
        ConditionExpression: e.notExists('holders'),
        ...e.attributes(),
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error; // created meanwhile
    }
  }

  private async giveBack(parts: readonly ShardState[], holder: string): Promise<void> {
    for (const part of parts) await this.releasePart(part.key, holder, part.holders[holder]!);
  }

  async release(scope: string, holder: string): Promise<void> {
    for (const state of await this.read(scope)) {
      const slots = state.holders[holder];
      if (slots !== undefined) await this.releasePart(state.key, holder, slots);
    }
  }

  private async releasePart(key: Key, holder: string, slots: number): Promise<void> {
    const e = new Expressions();
    const held = `${e.name('holders')}.${e.name(holder)}`;
    try {
      await this.table.update({
        Key: key,
        UpdateExpression: `REMOVE ${held} ADD ${e.name('taken')} ${e.value(-slots)}`,
        // Only while still held: of two releases racing, one gives the slots back.
        ConditionExpression: `${held} = ${e.value(slots)}`,
        ...e.attributes(),
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** Holder → slots held, over every shard (and the legacy item). */
  async holdings(scope: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const state of await this.read(scope)) for (const [holder, slots] of Object.entries(state.holders)) out.set(holder, (out.get(holder) ?? 0) + slots);
    return out;
  }

  private async legacyIsEmpty(scope: string): Promise<boolean> {
    const item = await this.table.get(legacySlotKey(scope), 'GetItem (slots of an older version)');
    return stateOf(legacySlotKey(scope), undefined, item).taken === 0;
  }

  /** The scope's shards and legacy item in one strongly consistent BatchGetItem. */
  private async read(scope: string): Promise<ShardState[]> {
    const keys = [...Array.from({ length: SLOT_SHARDS }, (_, i) => slotShardKey(scope, i)), legacySlotKey(scope)];
    const items = await this.table.batchGet(keys, `read the slots of '${scope}'`);
    return keys.map((key, i) => stateOf(key, i < SLOT_SHARDS ? i : undefined, items[i]));
  }
}

/** What a shard holds. The legacy item counts its holders' slots: a bare counter of an older version (no holders map) holds nothing. */
function stateOf(key: Key, shard: number | undefined, item: Item | undefined): ShardState {
  const holders = (item?.holders ?? {}) as Record<string, number>;
  const taken = shard === undefined ? Object.values(holders).reduce((n, v) => n + v, 0) : Number(item?.taken ?? 0);
  return { key, shard, taken, holders };
}

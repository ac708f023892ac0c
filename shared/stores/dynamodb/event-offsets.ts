/**
 * Where each of the oldest dataset events is, kept between unfiltered listings (all events, oldest
 * first): a page at any depth kept is then one Query of its own items, started after the event before
 * it, instead of passing over every event before it.
 *
 * What is kept: the ids of the events, oldest first, from the first on (as deep as pages asked), with
 * the kept count of all events and the late-events counter read before them. Events are only added.
 * An id is the time its event was made, and the writer checks at its put: an event made more than
 * LATE_MS before (a task's outlets recorded late, a redelivery) also bumps the late-events counter,
 * after its put. So an event added after the copy was read is either late (the counter moved: the copy
 * is dropped) or has an id no older than LATE_MS (plus SKEW_MS between clocks) before the copy was
 * read: only ids from there on need reading when the count moved, and none when the copy ends before.
 * A copy that holds every event must find exactly as many new events as the count grew by.
 *
 * The copy is also dropped at 30 s of age (an event whose writer died before counting it is missed
 * until then, or until the next append) and when a page would need more than `maxIds`.
 */
import { allOf, Expressions } from './expressions.js';
import type { Item } from './items.js';
import * as K from './keys.js';
import type { TableClient } from './table-client.js';

/** An event made longer ago than this when it is put is late (appendDatasetEvent bumps the late-events counter). */
export const LATE_MS = 5 * 60_000;
/** How far apart the clocks of a writer and a reader may be. */
const SKEW_MS = 60_000;

/** What the copy is current with: the kept count of all events and the late-events counter. */
export interface EventStamp {
  count: number;
  late: number;
}

interface Copy extends EventStamp {
  /** When it was first read (ms since the epoch). */
  readAt: number;
  /** The ids of the oldest events, in order, with nothing missing before the last one. */
  ids: number[];
  /** Every event's id is in `ids`. */
  complete: boolean;
}

const ID_MS = 1000;

export class KeptEventOffsets {
  private copy: Copy | undefined;
  /** One listing at a time works on the copy. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly table: TableClient,
    private readonly options: {
      /** Ids kept at most; a deeper page is read without the copy. @default 200,000 */
      maxIds?: number;
      /** @default 30 s */
      maxAgeMs?: number;
    } = {},
  ) {}

  /**
   * The events [offset, offset + limit) of all events, oldest first, given the `stamp` read before
   * this call; undefined when the page is deeper than the copy may grow (the caller reads it).
   */
  page(stamp: EventStamp, offset: number, limit: number): Promise<Item[] | undefined> {
    const run = this.turn.then(() => this.pageNow(stamp, offset, limit));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async pageNow(stamp: EventStamp, offset: number, limit: number): Promise<Item[] | undefined> {
    if (offset > (this.options.maxIds ?? 200_000)) return undefined;
    try {
      let copy = this.copy;
      if (copy && (Date.now() - copy.readAt > (this.options.maxAgeMs ?? 30_000) || copy.late !== stamp.late || copy.count > stamp.count)) copy = undefined;
      if (copy && copy.count !== stamp.count) copy = await this.caughtUp(copy, stamp);
      copy ??= { ...stamp, readAt: Date.now(), ids: [], complete: false };
      this.copy = copy;
      if (copy.ids.length < offset && !copy.complete) await this.extend(copy, offset - copy.ids.length);
      if (offset > copy.ids.length) return [];
      const e = new Expressions();
      const { items } = await this.table.query(
        { KeyConditionExpression: e.equals(K.PK, K.DATASET_EVENTS_PK), ConsistentRead: true, ScanIndexForward: true, ...e.attributes() },
        {
          ...(offset > 0 ? { start: { [K.PK]: K.DATASET_EVENTS_PK, [K.SK]: K.datasetEventSk(copy.ids[offset - 1]!) } } : {}),
          enough: (got) => got.length >= limit,
          pageLimit: (got) => limit - got.length,
        },
      );
      return items.slice(0, limit);
    } catch (error) {
      this.copy = undefined;
      throw error;
    }
  }

  /** The copy with the events added since merged in (none late), or undefined when a copy of every event did not find them all. */
  private async caughtUp(copy: Copy, stamp: EventStamp): Promise<Copy | undefined> {
    // No event added since has an older id (the late ones moved the counter).
    const horizon = Math.max(0, (copy.readAt - LATE_MS - SKEW_MS) * ID_MS);
    const last = copy.ids.at(-1);
    if (!copy.complete && (last === undefined || last < horizon)) return { ...copy, ...stamp };
    const from = lowerBound(copy.ids, horizon);
    const kept = new Set(copy.ids.slice(from));
    const found = (await this.idsFrom(horizon, copy.complete ? undefined : last)).filter((id) => !kept.has(id));
    if (copy.complete && found.length !== stamp.count - copy.count) return undefined;
    const ids = [...copy.ids];
    for (const id of found) ids.splice(lowerBound(ids, id), 0, id);
    return { ...copy, ...stamp, ids };
  }

  /** Reads `more` ids after the last kept one. */
  private async extend(copy: Copy, more: number): Promise<void> {
    const last = copy.ids.at(-1);
    const e = new Expressions();
    const { items, exhausted } = await this.table.query(
      {
        KeyConditionExpression: allOf({ pk: e.equals(K.PK, K.DATASET_EVENTS_PK), after: last === undefined ? undefined : e.greaterThan(K.SK, K.datasetEventSk(last)) }),
        ProjectionExpression: e.name(K.SK),
        ConsistentRead: true,
        ScanIndexForward: true,
        ...e.attributes(),
      },
      { enough: (got) => got.length >= more, pageLimit: (got) => more - got.length },
    );
    copy.ids.push(...items.slice(0, more).map((item) => Number(item[K.SK])));
    copy.complete = exhausted && items.length <= more;
  }

  /** The ids of the events from id `from` on, up to `to` (included) when given. */
  private async idsFrom(from: number, to: number | undefined): Promise<number[]> {
    const e = new Expressions();
    const sk = e.name(K.SK);
    const range = to === undefined ? `${sk} >= ${e.value(K.datasetEventSk(from))}` : e.between(K.SK, K.datasetEventSk(from), K.datasetEventSk(to));
    const items = await this.table.queryAll({
      KeyConditionExpression: allOf({ pk: e.equals(K.PK, K.DATASET_EVENTS_PK), range }),
      ProjectionExpression: sk,
      ConsistentRead: true,
      ...e.attributes(),
    });
    return items.map((item) => Number(item[K.SK]));
  }
}

/** The first place in `ids` (ascending) whose id is ≥ `id`. */
function lowerBound(ids: readonly number[], id: number): number {
  let [low, high] = [0, ids.length];
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ids[mid]! < id) low = mid + 1;
    else high = mid;
  }
  return low;
}

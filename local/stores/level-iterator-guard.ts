/**
 * dynalite turns LevelDB iterators into streams that read ahead. When the embedded store closes while
 * such a stream is still reading ahead (a query's page was answered, the rest of its stream buffers
 * on), abstract-level rejects the next read with LEVEL_ITERATOR_NOT_OPEN, dynalite destroys the stream
 * with that error, and since nobody listens to that stream any more it is an uncaught exception: it
 * killed `skydag dev` at shutdown, and the CLI, on a loaded machine. A read of a closed iterator can
 * only mean "there is nothing more", so here it ends the iteration instead of rejecting.
 * abstract-level is pinned (package.json) to the version dynalite's LevelDB uses, so this is its one copy.
 */
import { AbstractIterator } from 'abstract-level';

const NOT_OPEN = 'LEVEL_ITERATOR_NOT_OPEN';
const GUARDED = Symbol.for('skydag.levelIteratorGuard');

const CLOSES_AT_END = Symbol.for('skydag.levelIteratorClosesAtEnd');

type NextFn = ((...args: unknown[]) => Promise<unknown>) & { [GUARDED]?: true; [CLOSES_AT_END]?: true };

/**
 * dynalite (4.0.0, its latest) turns each query's and scan's iterator into a Readable whose `destroy`
 * (called when the stream ends) closes the iterator with `iterator.return()`, which abstract-level 3
 * iterators do not have (they have `close()`): no iterator was ever closed. abstract-level keeps every
 * open iterator (to close it with the database), and each holds a LevelDB snapshot and native buffers,
 * so the platform grew by ~1.4 MB per run (issue 13's soak). An iterator is closed here once it has
 * given its last entry, and by `return()` when its stream is destroyed first, once per process.
 */
export function closeIteratorsAtEnd(): void {
  const common = Object.getPrototypeOf(AbstractIterator.prototype) as { next: NextFn; close(): Promise<void> };
  if (common.next[CLOSES_AT_END]) return;
  const next = common.next;
  // Closed once it has given its last entry (a stream's destroy may come before its last read lands).
  const closing: NextFn = async function (this: { close(): Promise<void> }, ...args: unknown[]) {
    const entry = await next.apply(this, args);
    if (entry === undefined) await this.close();
    return entry;
  };
  closing[CLOSES_AT_END] = true;
  common.next = closing;
  // A stream destroyed before the end of its range (a query's Limit, a page answered) closes its
  // iterator with the method dynalite expects; without it each such query left one open for good.
  const closable = common as unknown as { return?: () => Promise<{ done: true; value: undefined }> };
  closable.return ??= async function (this: { close(): Promise<void> }) {
    await this.close();
    return { done: true, value: undefined };
  };
}

/** Patches the iterators' common `next` once per process. */
export function guardClosedIteratorReads(): void {
  // `next` lives on the common base of the key, value and entry iterators.
  const common = Object.getPrototypeOf(AbstractIterator.prototype) as { next: NextFn };
  if (common.next[GUARDED]) return;
  const next = common.next;
  const guarded: NextFn = async function (this: unknown, ...args: unknown[]) {
    try {
      return await next.apply(this, args);
    } catch (error) {
      if ((error as { code?: unknown }).code === NOT_OPEN) return undefined;
      throw error;
    }
  };
  guarded[GUARDED] = true;
  common.next = guarded;
}

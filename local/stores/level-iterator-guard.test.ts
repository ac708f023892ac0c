import { createRequire } from 'node:module';
import { guardClosedIteratorReads } from './level-iterator-guard.js';

// dynalite's own LevelDB wrapper (in memory), as the embedded store uses it.
const { create } = createRequire(__filename)('dynalite/db') as { create(options: object): { db: { values(): { next(): Promise<unknown> }; put(k: string, v: unknown): Promise<void>; close(): Promise<void> } } };

it('a read of an iterator whose database closed ends the iteration instead of rejecting (dynalite made that an uncaught stream error)', async () => {
  const unguarded = create({}).db;
  await unguarded.put('k', { v: 1 });
  const before = unguarded.values();
  await unguarded.close();
  await expect(before.next()).rejects.toMatchObject({ code: 'LEVEL_ITERATOR_NOT_OPEN' });

  guardClosedIteratorReads();
  guardClosedIteratorReads(); // once per process, however often it is called
  const { db } = create({});
  await db.put('k', { v: 1 });
  const open = db.values();
  await expect(open.next()).resolves.toEqual({ v: 1 });
  const closing = db.values();
  await db.close();
  await expect(closing.next()).resolves.toBeUndefined();
});

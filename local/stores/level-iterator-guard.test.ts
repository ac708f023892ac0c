import { createRequire } from 'node:module';
import { closeIteratorsAtEnd, guardClosedIteratorReads } from './level-iterator-guard.js';

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

it("a query's iterator is closed once dynalite's stream has read it to its end (dynalite closes it with iterator.return(), which abstract-level iterators lack: each leaked)", async () => {
  type Db = { put(k: string, v: unknown): Promise<void>; createValueStream(o: object): NodeJS.ReadableStream; close(): Promise<void>; attachResource(r: object): void; detachResource(r: object): void };
  const openIterators = async (db: Db) => {
    const open = new Set<object>();
    const attach = db.attachResource.bind(db);
    const detach = db.detachResource.bind(db);
    db.attachResource = (r) => (open.add(r), attach(r));
    db.detachResource = (r) => (open.delete(r), detach(r));
    await db.put('a', { v: 1 });
    await db.put('b', { v: 2 });
    for (let i = 0; i < 3; i++) {
      const stream = db.createValueStream({});
      const read: unknown[] = [];
      await new Promise<void>((done, fail) => stream.on('data', (v) => read.push(v)).on('error', fail).on('close', () => done()));
      expect(read).toEqual([{ v: 1 }, { v: 2 }]);
    }
    await new Promise((r) => setImmediate(r));
    return open.size;
  };
  const leaky = create({}).db as unknown as Db;
  expect(await openIterators(leaky)).toBe(3); // before the fix: every stream's iterator stays open
  await leaky.close();

  closeIteratorsAtEnd();
  closeIteratorsAtEnd(); // once per process
  const { db } = create({}) as unknown as { db: Db };
  expect(await openIterators(db)).toBe(0);
  await db.close();
});

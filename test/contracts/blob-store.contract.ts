/**
 * The blob-store contract: one suite, run unchanged against the filesystem adapter (local mode) and
 * the S3 adapter (on s3rver). Listings stay under 1000 keys (one S3 page; see s3rver.ts).
 */
import { InvalidBlobKeyError, type BlobStore } from '../../shared/stores/blob.js';

export interface BlobStoreFactory {
  setup?(): Promise<void>;
  /** A new, empty store for one test. */
  create(): Promise<BlobStore>;
  teardown?(): Promise<void>;
  /**
   * Whether concurrent overwrites of one key leave one whole body. S3 and the filesystem adapter
   * guarantee it; an emulator that writes in place does not, and says why here.
   */
  nonAtomicOverwrites?: string;
}

const MiB = 1024 * 1024;

async function* chunks(count: number, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < count; i++) yield Buffer.alloc(size, i % 256);
}

export function describeBlobStoreContract(name: string, factory: BlobStoreFactory): void {
  describe(`BlobStore contract: ${name}`, () => {
    let blobs: BlobStore;
    beforeAll(async () => {
      await factory.setup?.();
    });
    afterAll(async () => {
      await factory.teardown?.();
    });
    beforeEach(async () => {
      blobs = await factory.create();
    });

    test('bytes and text round-trip; a put replaces; missing keys read as undefined', async () => {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await blobs.put('bin/all-bytes', bytes);
      expect(await blobs.get('bin/all-bytes')).toEqual(bytes);
      await blobs.put('text/hello.txt', 'héllo wörld ✓');
      expect((await blobs.get('text/hello.txt'))?.toString('utf8')).toBe('héllo wörld ✓');
      await blobs.put('text/hello.txt', new Uint8Array([1, 2, 3]));
      expect(await blobs.get('text/hello.txt')).toEqual(Buffer.from([1, 2, 3]));
      await blobs.put('empty', '');
      expect(await blobs.get('empty')).toEqual(Buffer.alloc(0));
      expect(await blobs.get('missing')).toBeUndefined();
      expect(await blobs.get('bin')).toBeUndefined(); // a "folder" is not a blob
    });

    test('head and exists: size, last-modified instant, content type (given, or from the extension)', async () => {
      const before = Date.now();
      await blobs.put('meta/data.json', '{"a":1}', { contentType: 'application/json' });
      await blobs.put('meta/task.log', 'line\n');
      const head = await blobs.head('meta/data.json');
      expect(head).toMatchObject({ key: 'meta/data.json', size: 7, contentType: 'application/json' });
      expect(Math.abs(Date.parse(head!.lastModified) - before)).toBeLessThan(60_000);
      expect((await blobs.head('meta/task.log'))?.contentType).toMatch(/^text\/plain/);
      expect(await blobs.head('meta/none')).toBeUndefined();
      expect(await blobs.exists('meta/data.json')).toBe(true);
      expect(await blobs.exists('meta/none')).toBe(false);
      expect(await blobs.exists('meta')).toBe(false);
    });

    test('delete removes a blob; deleting a missing one is not an error', async () => {
      await blobs.put('a/b/c.txt', 'x');
      await blobs.put('a/b/d.txt', 'y');
      await blobs.delete('a/b/c.txt');
      expect(await blobs.get('a/b/c.txt')).toBeUndefined();
      expect(await blobs.exists('a/b/d.txt')).toBe(true);
      await expect(blobs.delete('a/b/c.txt')).resolves.toBeUndefined();
      await expect(blobs.delete('never/was')).resolves.toBeUndefined();
      await blobs.delete('a/b/d.txt');
      expect(await blobs.list('')).toEqual({ blobs: [], prefixes: [] });
    });

    test('list: by prefix (a partial name too), sorted by key, with sizes; a delimiter folds sub-folders into prefixes', async () => {
      for (const key of ['logs/dag2/r1/t1.log', 'logs/dag1/r1/t1.log', 'logs/dag1/r2/t1.log', 'logs/dag1.txt', 'logs/README', 'logsx', 'other/x']) {
        await blobs.put(key, key);
      }
      const keys = async (prefix: string) => (await blobs.list(prefix)).blobs.map((b) => b.key);
      expect(await keys('logs/')).toEqual(['logs/README', 'logs/dag1.txt', 'logs/dag1/r1/t1.log', 'logs/dag1/r2/t1.log', 'logs/dag2/r1/t1.log']);
      expect(await keys('logs/dag1')).toEqual(['logs/dag1.txt', 'logs/dag1/r1/t1.log', 'logs/dag1/r2/t1.log']);
      expect(await keys('logs')).toEqual(['logs/README', 'logs/dag1.txt', 'logs/dag1/r1/t1.log', 'logs/dag1/r2/t1.log', 'logs/dag2/r1/t1.log', 'logsx']);
      expect(await keys('')).toHaveLength(7);
      expect(await keys('nothing/')).toEqual([]);
      const listing = await blobs.list('logs/', { delimiter: '/' });
      expect(listing.blobs.map((b) => [b.key, b.size])).toEqual([
        ['logs/README', 11],
        ['logs/dag1.txt', 13],
      ]);
      expect(listing.prefixes).toEqual(['logs/dag1/', 'logs/dag2/']);
      expect(await blobs.list('', { delimiter: '/' })).toMatchObject({ blobs: [{ key: 'logsx' }], prefixes: ['logs/', 'other/'] });
      for (const b of listing.blobs) expect(Number.isNaN(Date.parse(b.lastModified))).toBe(false);
    });

    test('streams and large bodies (multipart in S3) round-trip', async () => {
      await blobs.put('big/stream.bin', chunks(11, MiB));
      const body = await blobs.get('big/stream.bin');
      expect(body?.length).toBe(11 * MiB);
      expect(body?.[0]).toBe(0);
      expect(body?.[10 * MiB]).toBe(10);
      expect((await blobs.head('big/stream.bin'))?.size).toBe(11 * MiB);
      const large = Buffer.alloc(7 * MiB, 7);
      await blobs.put('big/buffer.bin', large);
      expect((await blobs.get('big/buffer.bin'))?.equals(large)).toBe(true);
    });

    (factory.nonAtomicOverwrites ? test.skip : test)('concurrent writers of one key: a reader gets one whole body, never a mix', async () => {
      const bodies = Array.from({ length: 6 }, (_, i) => Buffer.alloc(256 * 1024, i + 1));
      await Promise.all(bodies.map((b) => blobs.put('race/key.bin', b)));
      const got = await blobs.get('race/key.bin');
      expect(bodies.some((b) => b.equals(got!))).toBe(true);
    });

    test.each([
      ['../escape', 'path traversal'],
      ['a/../../b', 'path traversal'],
      ['a/./b', 'path traversal'],
      ['/etc/passwd', 'relative'],
      ['a\\..\\b', '"/"'],
      ['', 'non-empty'],
      ['a//b', 'empty segments'],
      ['folder/', 'end with'],
      ['nul\u0000byte', 'control characters'],
      ['x'.repeat(1025), '1024'],
    ])('key %j is refused everywhere (%s)', async (key, reason) => {
      for (const op of [() => blobs.put(key, 'x'), () => blobs.get(key), () => blobs.head(key), () => blobs.exists(key), () => blobs.delete(key)]) {
        const error = await op().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(InvalidBlobKeyError);
        expect((error as Error).message).toContain(reason);
      }
    });

    test('listing prefixes that traverse are refused', async () => {
      await expect(blobs.list('../')).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(blobs.list('a/../')).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(blobs.list('/abs')).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(blobs.list('..')).rejects.toBeInstanceOf(InvalidBlobKeyError);
    });
  });
}

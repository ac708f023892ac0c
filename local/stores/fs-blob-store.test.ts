/** What the filesystem blob store does beyond the blob-store contract (test/contracts/blob-store.contract.ts). */
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { InvalidBlobKeyError } from '../../shared/stores/blob.js';
import { FsBlobStore } from './fs-blob-store.js';

let dir: string;
let blobs: FsBlobStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skydag-fsblob-'));
  blobs = new FsBlobStore(join(dir, 'root'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a key is a file under the root; nothing is written beside it', async () => {
  await blobs.put('logs/d/r/t/1.log', 'hello');
  expect(blobs.pathOf('logs/d/r/t/1.log')).toBe(join(dir, 'root', 'logs', 'd', 'r', 't', '1.log'));
  expect(await readdir(dir)).toEqual(['root']);
  expect(await readdir(join(dir, 'root', '.tmp'))).toEqual([]); // no temporary file left behind
});

test('path traversal is refused with a clear error, before touching the filesystem', async () => {
  await writeFile(join(dir, 'secret'), 'outside');
  for (const key of ['../secret', 'a/../../secret', '/tmp/x', '..']) {
    await expect(blobs.get(key)).rejects.toThrow(InvalidBlobKeyError);
  }
  await expect(blobs.put('../secret', 'overwritten')).rejects.toThrow(/invalid blob key "..\/secret": ".." segments are not allowed \(path traversal\)/);
  await expect(blobs.list('../')).rejects.toThrow(InvalidBlobKeyError);
  await expect(blobs.put('.tmp/x', 'x')).rejects.toThrow(/reserved/);
});

test('a failed stream leaves the previous body in place and no temporary file', async () => {
  await blobs.put('k.bin', 'old');
  async function* failing(): AsyncIterable<Uint8Array> {
    yield Buffer.from('partial');
    throw new Error('upstream broke');
  }
  await expect(blobs.put('k.bin', failing())).rejects.toThrow('upstream broke');
  expect((await blobs.get('k.bin'))?.toString()).toBe('old');
  expect(await readdir(join(dir, 'root', '.tmp'))).toEqual([]);
});

test('a key and a "folder" of the same name cannot both exist on a filesystem: clear errors', async () => {
  await blobs.put('a', 'file');
  await expect(blobs.put('a/b', 'x')).rejects.toThrow(/cannot write blob 'a\/b': a blob exists where a\/ would need to be a folder/);
  await blobs.put('c/d', 'x');
  await expect(blobs.put('c', 'x')).rejects.toThrow(/cannot write blob 'c': .* is a folder/);
});

test('deleting the last blob of a folder removes the empty folders (as S3 prefixes vanish)', async () => {
  await blobs.put('x/y/z.txt', '1');
  await blobs.put('x/keep.txt', '2');
  await blobs.delete('x/y/z.txt');
  expect(await readdir(join(dir, 'root', 'x'))).toEqual(['keep.txt']);
  expect((await blobs.list('', { delimiter: '/' })).prefixes).toEqual(['x/']);
  await blobs.delete('x/keep.txt');
  expect((await readdir(join(dir, 'root'))).filter((e) => e !== '.tmp')).toEqual([]);
});

test('listing skips the temporary folder and non-files', async () => {
  await blobs.put('a.txt', 'a');
  await mkdir(join(dir, 'root', 'empty-folder'));
  await symlink(join(dir, 'root', 'a.txt'), join(dir, 'root', 'link'));
  expect((await blobs.list('')).blobs.map((b) => b.key)).toEqual(['a.txt']);
});

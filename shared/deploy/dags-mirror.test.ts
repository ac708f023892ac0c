import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { DagsMirror, DagsMirrorLimitError } from './dags-mirror.js';

let root: string;
let bucket: FsBlobStore;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'skydag-mirror-'));
  bucket = new FsBlobStore(join(root, 'bucket'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('DagsMirror', () => {
  it('copies the prefix, refetches changed blobs and removes local files the bucket no longer holds', async () => {
    const mirror = new DagsMirror({ blobs: bucket, prefix: 'dags/', folder: join(root, 'copy') });
    await bucket.put('dags/a.py', 'one');
    await bucket.put('dags/lib/b.py', 'two');
    await bucket.put('elsewhere/c.py', 'three');
    const folder = await mirror.refresh();
    expect(readFileSync(join(folder, 'a.py'), 'utf8')).toBe('one');
    expect(readFileSync(join(folder, 'lib', 'b.py'), 'utf8')).toBe('two');
    expect(existsSync(join(folder, 'c.py'))).toBe(false);
    writeFileSync(join(folder, 'stray.py'), 'not in the bucket');
    await bucket.put('dags/a.py', 'one, longer');
    await bucket.delete('dags/lib/b.py');
    await mirror.refresh();
    expect(readFileSync(join(folder, 'a.py'), 'utf8')).toBe('one, longer');
    expect(existsSync(join(folder, 'lib', 'b.py'))).toBe(false);
    expect(existsSync(join(folder, 'stray.py'))).toBe(false);
    // Same size and second: only a named file is fetched again.
    const info = (await bucket.head('dags/a.py'))!;
    writeFileSync(join(folder, 'a.py'), 'ONE, LONGER');
    utimesSync(join(folder, 'a.py'), new Date(info.lastModified), new Date(info.lastModified));
    await mirror.refresh();
    expect(readFileSync(join(folder, 'a.py'), 'utf8')).toBe('ONE, LONGER');
    await mirror.refresh(['a.py']);
    expect(readFileSync(join(folder, 'a.py'), 'utf8')).toBe('one, longer');
  });

  it('maps keys to relative paths and refuses a prefix over its limits', async () => {
    const mirror = new DagsMirror({ blobs: bucket, prefix: 'dags/', folder: join(root, 'copy'), limits: { files: 1, bytes: 100 } });
    expect(mirror.relativePath('dags/x/y.py')).toBe('x/y.py');
    expect(mirror.relativePath('dags/')).toBeUndefined();
    expect(mirror.relativePath('other/y.py')).toBeUndefined();
    await bucket.put('dags/a.py', 'a');
    await bucket.put('dags/b.py', 'b');
    await expect(mirror.refresh()).rejects.toThrow(DagsMirrorLimitError);
    expect(() => new DagsMirror({ blobs: bucket, prefix: 'dags', folder: root })).toThrow("must end with '/'");
  });
});

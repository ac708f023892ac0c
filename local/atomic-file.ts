/**
 * Whole-file writes: a reader (the DAGs folder's rescan, a watcher, another CLI) sees the old file
 * or the new one, never a truncated one — writeFile truncates first, and an empty DAG file read in
 * that moment would unregister its DAGs.
 */
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(file: string, content: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  // A dot name beside the target: the same file system (so rename is atomic) and skipped by folder listings.
  const partial = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
  try {
    await writeFile(partial, content, options.mode === undefined ? {} : { mode: options.mode });
    await rename(partial, file);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    throw error;
  }
}

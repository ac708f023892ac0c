/** The DAGs folder as the API's DagFileSink: files written (folders made as needed), read and removed, each change then synced. */
import { mkdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DagFileSink } from '../../shared/api/ports.js';
import { writeFileAtomic } from '../atomic-file.js';

export function folderDagFiles(dagsFolder: string, changed: (path: string, what: 'written' | 'deleted' | 'reread') => Promise<void>): Required<DagFileSink> {
  return {
    async write(filename, content) {
      const path = join(dagsFolder, filename);
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, content);
      await changed(filename, 'written');
    },
    async read(filename) {
      try {
        return await readFile(join(dagsFolder, filename), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async remove(filename) {
      try {
        await unlink(join(dagsFolder, filename));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
      await changed(filename, 'deleted');
      return true;
    },
    async reread(filename) {
      await changed(filename, 'reread');
    },
  };
}

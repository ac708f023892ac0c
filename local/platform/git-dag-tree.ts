/**
 * The DAGs folder as a git pull's target (shared/git/pull.ts): files written under the folder, each
 * changed DAG file synced into the store at once with the pull's provenance (so the versions it
 * creates carry the commit, before the folder watcher sees the files), and the DAG versions of the
 * files under the user's prefix reported back.
 */
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { GitProvenance, DagTreeTarget } from '../../shared/git/pull.js';
import type { MetadataStore } from '../../shared/stores/metadata.js';
import { writeFileAtomic } from '../atomic-file.js';
import { syncDagFile, type SyncOptions, type SyncReport } from './dag-sync.js';

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const found: string[] = [];
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await walk(full)));
    else if (entry.isFile()) found.push(full);
  }
  return found;
}

/**
 * `syncFile` syncs one file of the folder (by full path) with the pull's provenance; by default
 * syncDagFile with `syncOptions` (the platform passes its own, which runs one sync at a time).
 */
export function localDagTree(
  store: MetadataStore,
  folder: string,
  syncOptions: () => SyncOptions,
  syncFile: (path: string, extra: Pick<SyncOptions, 'git'>) => Promise<SyncReport> = async (path, extra) => syncDagFile(store, folder, path, { ...syncOptions(), ...extra }),
): DagTreeTarget {
  const at = (path: string) => join(folder, ...path.split('/'));
  return {
    async list(prefix) {
      return (await walk(at(prefix))).map((full) => relative(folder, full).split(sep).join('/'));
    },
    async read(path) {
      return readFile(at(path)).catch(() => undefined);
    },
    async write(path, content) {
      await mkdir(dirname(at(path)), { recursive: true });
      await writeFileAtomic(at(path), content);
    },
    async remove(path) {
      await rm(at(path), { force: true });
    },
    async sync(changed, prefix, provenance: GitProvenance) {
      for (const path of changed) await syncFile(at(path), { git: provenance });
      const versions = (await store.listDags({ includeInactive: false })).items
        .filter((d) => d.fileloc.startsWith(prefix))
        .map((d) => ({ dag_id: d.dag_id, version: d.current_version, fileloc: d.fileloc }))
        .sort((a, b) => a.dag_id.localeCompare(b.dag_id));
      const importErrors = (await store.listImportErrors({ limit: 1000 })).items.map((e) => e.filename).filter((f) => f.startsWith(prefix)).sort();
      return { versions, importErrors };
    },
  };
}

/**
 * Fixture folders read in-process and synchronously (the test files list their DAGs at collection
 * time). Servers and the CLI read through the bounded loader instead (local/dags-folder.ts); both
 * use the same front-ends and the same dag_id clash rule.
 */
import { indexDags, listDagFiles, readDagFile, type DagsFolderScan } from '../../local/dags-folder.js';
import { loadDagFile } from '../../shared/frontends/index.js';

export function scanFixtureFolder(folder: string, now: Date = new Date()): DagsFolderScan {
  const loaded = listDagFiles(folder).flatMap((path) => {
    const read = readDagFile(path, folder);
    return read ? [loadDagFile(read.source, { file: read.file, now })] : [];
  });
  return indexDags(folder, loaded);
}

/**
 * Fixture folders read in-process and synchronously (the test files list their DAGs at collection
 * time). Servers and the CLI read through the bounded loader instead (local/dags-folder.ts); both
 * use the same front-ends and the same dag_id clash rule.
 */
import { frontendOptionsFor, indexDags, listDagFiles, readDagFile, type DagsFolderScan } from '../../local/dags-folder.js';
import { loadDagFile } from '../../shared/frontends/index.js';

/** The book's docker-compose gives its scheduler the variables ch08_movielens.py reads at parse time. */
export const BOOK_PARSE_ENV: Readonly<Record<string, string>> = { MOVIELENS_USER: 'airflow', MOVIELENS_PASSWORD: 'airflow' };

/** `env`: the parse environment (what SKYDAG_PARSE_ENV would give the files). */
export function scanFixtureFolder(folder: string, now: Date = new Date(), env?: Readonly<Record<string, string>>): DagsFolderScan {
  const loaded = listDagFiles(folder).flatMap((path) => {
    const read = readDagFile(path, folder);
    // As the platform reads them: with the local modules and config files the file names.
    return read ? [loadDagFile(read.source, { ...frontendOptionsFor(read, folder, now, undefined), ...(env ? { env } : {}) })] : [];
  });
  return indexDags(folder, loaded);
}

/**
 * `skydag dev` (what `npm start` runs), first stage: load the DAGs folder, report its DAGs and import
 * errors, and keep watching it, re-reporting each file as it changes. The local platform (API,
 * scheduler, engine, console) builds on this loop.
 */
import { watch } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic } from '../../shared/model/diagnostics.js';
import { describeSchedule } from '../../shared/model/build.js';
import { loadDagFileFromDisk, scanDagsFolder } from '../dags-folder.js';
import { table, type CliIO } from './io.js';

export interface DevOptions {
  dagsFolder: string;
  /** Stop after the first scan (used by tests and CI smoke checks). */
  once?: boolean;
}

export async function dev(options: DevOptions, io: CliIO): Promise<number> {
  const scan = scanDagsFolder(options.dagsFolder);
  const rows = [...scan.dags.values()]
    .sort((a, b) => a.dag.dag_id.localeCompare(b.dag.dag_id))
    .map(({ dag, file }) => [dag.dag_id, file, describeSchedule(dag.schedule) ?? 'None', String(dag.tasks.length)]);
  io.out(`skydag dev: ${scan.dags.size} DAG(s) in ${options.dagsFolder}`);
  io.out(table(['DAG_ID', 'FILE', 'SCHEDULE', 'TASKS'], rows));
  for (const file of scan.files) for (const d of file.diagnostics) io.err(formatDiagnostic(d));
  if (options.once) return 0;

  io.out(`watching ${options.dagsFolder} for changes (Ctrl-C to stop)`);
  const pending = new Map<string, NodeJS.Timeout>();
  const watcher = watch(options.dagsFolder, { recursive: true }, (_event, name) => {
    if (!name) return;
    // Editors write files in several steps: wait for the burst to settle before re-reading.
    clearTimeout(pending.get(name));
    pending.set(
      name,
      setTimeout(() => {
        pending.delete(name);
        reportFile(join(options.dagsFolder, name.toString()), options.dagsFolder, io);
      }, 150),
    );
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  watcher.close();
  return 0;
}

function reportFile(path: string, folder: string, io: CliIO): void {
  let loaded;
  try {
    loaded = loadDagFileFromDisk(path, folder, new Date());
  } catch {
    io.out(`${path}: removed`);
    return;
  }
  if (!loaded) return;
  const summary = loaded.dags.map((d) => `${d.dag_id} (${d.tasks.length} tasks)`).join(', ');
  io.out(`${loaded.file}: ${loaded.dags.length > 0 ? summary : 'no DAG registered'}`);
  for (const d of loaded.diagnostics) io.err(formatDiagnostic(d));
}

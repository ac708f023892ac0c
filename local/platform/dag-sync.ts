/**
 * Keeping the metadata store in step with the DAGs folder: each file is read through the bounded
 * loader (a parse worker with time and memory limits, so a hostile file only becomes an import
 * error); a file with errors records an import error (its DAGs keep their last good version, so a
 * broken edit never unregisters a working DAG); a good file registers a new version of each DAG
 * whose content changed; DAGs whose file no longer defines them are deactivated (their history is
 * kept). New DAGs start paused, as in Airflow, unless the DAG says otherwise or the platform is
 * configured not to.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { scheduleSummary } from '../../shared/model/build.js';
import { DiagnosticCode, hasErrors } from '../../shared/model/diagnostics.js';
import type { DagRecord, DagVersionRecord } from '../../shared/model/records.js';
import type { Dag } from '../../shared/model/schema.js';
import { BundleLimitError, bundleKey, collectSourceBundle, encodeBundle } from '../../shared/bundles/source-bundle.js';
import type { DagFileLoader } from '../../shared/frontends/bounded.js';
import type { LoadedDagFile } from '../../shared/frontends/index.js';
import type { BlobStore } from '../../shared/stores/blob.js';
import type { MetadataStore } from '../../shared/stores/metadata.js';
import type { BeforeRegister, DagFolderSync } from '../../shared/deploy/dag-deployer.js';
import { frontendFor } from '../../shared/frontends/index.js';
import { folderFacts, listDagFiles, loadDagFileFromDisk, readDagFile } from '../dags-folder.js';
import { dagVersion } from '../engine/local-dag-source.js';
import type { VariableLookup } from '../parse-time-variables.js';

export interface SyncOptions {
  now: Date;
  /** Whether DAGs seen for the first time start paused (Airflow's dags_are_paused_at_creation). */
  pausedAtCreation: boolean;
  /** Reads the files (default: the process-wide bounded loader). */
  loader?: DagFileLoader;
  /**
   * Where each version's source bundle is stored (shared/bundles): the DAG file as parsed and the
   * modules and files it uses, which every task of the version's runs executes. Absent: versions have
   * no bundle and run from the live DAGs folder.
   */
  bundles?: Pick<BlobStore, 'put' | 'exists'>;
  /**
   * Called for each DAG of a good file before its version is recorded (the cloud's DAG deployer
   * deploys the version's state machines and schedule here); what it returns is stored on the
   * version record. An error leaves the store as it was for that DAG, so a retried sync redoes it.
   */
  beforeRegister?: BeforeRegister;
  /**
   * Where the files' `Variable.get("key")` is answered while they are read: the variables the
   * platform's tasks read. Absent: such a value is unknown (an import error where the model needs it).
   */
  variables?: VariableLookup;
  /** The git pull that wrote the files being synced: recorded with each new version (shared/git/pull.ts). */
  git?: DagVersionRecord['git'];
}

export interface SyncReport {
  registered: string[];
  updated: string[];
  unchanged: string[];
  deactivated: string[];
  importErrors: string[];
}

function dagRecord(dag: Dag, fileloc: string, version: string, previous: DagRecord | undefined, options: SyncOptions): DagRecord {
  return {
    dag_id: dag.dag_id,
    fileloc,
    is_paused: previous?.is_paused ?? dag.is_paused_upon_creation ?? options.pausedAtCreation,
    is_active: true,
    current_version: version,
    ...(dag.dag_display_name !== undefined ? { dag_display_name: dag.dag_display_name } : {}),
    ...(dag.parent_dag_id !== undefined ? { parent_dag_id: dag.parent_dag_id } : {}),
    description: dag.description,
    schedule: dag.schedule,
    schedule_description: scheduleSummary(dag),
    timezone: dag.timezone,
    tags: dag.tags,
    owners: dag.owner.split(',').map((o) => o.trim()).filter(Boolean),
    max_active_runs: dag.max_active_runs,
    max_active_tasks: dag.max_active_tasks,
    catchup: dag.catchup,
    start_date: dag.start_date,
    end_date: dag.end_date,
    last_parsed_time: options.now.toISOString(),
    // The file's access_control decides per-DAG grants while this version is current (auth/dag-access.ts).
    ...(dag.access_control ? { access_control: dag.access_control } : {}),
    ...(dag.parse_variables ? { parse_variables: dag.parse_variables } : {}),
    // A new version may change the schedule: the scheduler recomputes the next run from the runs it has.
    next_dagrun: previous && previous.current_version === version ? previous.next_dagrun : null,
    next_dagrun_data_interval_start: previous && previous.current_version === version ? previous.next_dagrun_data_interval_start : null,
    next_dagrun_data_interval_end: previous && previous.current_version === version ? previous.next_dagrun_data_interval_end : null,
  };
}

/** Freezes a parsed file's sources into a bundle in the blob store (once per content); its digest. */
async function storeBundle(bundles: NonNullable<SyncOptions['bundles']>, folder: string, loaded: LoadedDagFile & { source: string }): Promise<string> {
  const bundle = collectSourceBundle(folder, loaded.file, loaded.source, loaded.dags);
  const key = bundleKey(bundle.digest);
  if (!(await bundles.exists(key))) await bundles.put(key, encodeBundle(bundle), { contentType: 'application/json' });
  return bundle.digest;
}

/** Applies one file's compile result to the store (`folder`: the DAGs folder it was read from). */
export async function syncLoadedFile(store: MetadataStore, folder: string, loaded: LoadedDagFile & { source: string }, options: SyncOptions, report: SyncReport): Promise<Set<string>> {
  const defined = new Set<string>();
  if (hasErrors(loaded.diagnostics)) {
    await store.putImportError({ filename: loaded.file, timestamp: options.now.toISOString(), diagnostics: loaded.diagnostics });
    report.importErrors.push(loaded.file);
    // Keep the DAGs this file defined before: they stay active on their last good version.
    for (const d of (await store.listDags({ includeInactive: false })).items) if (d.fileloc === loaded.file) defined.add(d.dag_id);
    return defined;
  }
  let bundle: string | undefined;
  try {
    bundle = options.bundles && loaded.dags.length > 0 ? await storeBundle(options.bundles, folder, loaded) : undefined;
  } catch (error) {
    if (!(error instanceof BundleLimitError)) throw error;
    // Like any file that cannot be loaded: an import error, its DAGs keep their last good version.
    return syncLoadedFile(store, folder, { ...loaded, dags: [], diagnostics: [{ file: loaded.file, line: 1, col: 1, code: DiagnosticCode.PARSE_LIMIT, severity: 'error', message: error.message }] }, options, report);
  }
  await store.deleteImportError(loaded.file);
  for (const dag of loaded.dags) {
    defined.add(dag.dag_id);
    const version = dagVersion(dag, bundle);
    const previous = await store.getDag(dag.dag_id);
    if (previous && previous.fileloc !== loaded.file && previous.is_active) {
      await store.putImportError({
        filename: loaded.file,
        timestamp: options.now.toISOString(),
        diagnostics: [{ file: loaded.file, line: dag.source.line, col: dag.source.col, code: 'SKYDAG-V012', severity: 'error', dag_id: dag.dag_id, message: `dag_id '${dag.dag_id}' is already defined in ${previous.fileloc}` }],
      });
      report.importErrors.push(loaded.file);
      defined.delete(dag.dag_id);
      continue;
    }
    const deployed = options.beforeRegister ? await options.beforeRegister(dag, version, previous) : {};
    await store.putDagVersion({ dag_id: dag.dag_id, version, created_at: options.now.toISOString(), fileloc: loaded.file, ...(bundle ? { bundle } : {}), ...deployed, model: dag, ...(loaded.source !== undefined ? { source: loaded.source } : {}), ...(options.git ? { git: options.git } : {}) });
    await store.putDag(dagRecord(dag, loaded.file, version, previous, options));
    if (!previous) report.registered.push(dag.dag_id);
    else if (previous.current_version !== version || !previous.is_active) report.updated.push(dag.dag_id);
    else report.unchanged.push(dag.dag_id);
  }
  return defined;
}

/** Deactivates DAGs of `file` (or of files that are gone) that are no longer defined. */
/** Deactivates the active DAGs of the files `inScope` says this sync read that no longer define them. */
async function deactivateMissing(store: MetadataStore, inScope: (fileloc: string) => boolean, stillDefined: ReadonlySet<string>, report: SyncReport): Promise<void> {
  for (const d of (await store.listDags({ includeInactive: false })).items) {
    if (inScope(d.fileloc) && !stillDefined.has(d.dag_id)) {
      await store.updateDag(d.dag_id, { is_active: false });
      report.deactivated.push(d.dag_id);
    }
  }
}

const emptyReport = (): SyncReport => ({ registered: [], updated: [], unchanged: [], deactivated: [], importErrors: [] });

/** A full pass over the folder (at start and periodically, like Airflow's dag_dir_list_interval). */
export async function syncDagsFolder(store: MetadataStore, folder: string, options: SyncOptions): Promise<SyncReport> {
  const report = emptyReport();
  const defined = new Set<string>();
  const seenFiles = new Set<string>();
  const listed = new Set<string>();
  const facts = await folderFacts(folder, options.variables);
  for (const path of listDagFiles(folder)) {
    listed.add(relative(folder, path).split(sep).join('/'));
    const loaded = await loadDagFileFromDisk(path, folder, options.now, options.loader, facts);
    if (!loaded) continue;
    seenFiles.add(loaded.file);
    for (const id of await syncLoadedFile(store, folder, loaded, options, report)) defined.add(id);
  }
  // A file that appeared after the listing (an upload, a git pull, an editor) is its own sync's business:
  // only what this pass read, or what is gone from the folder now, is out of date.
  const readOrGone = (file: string) => listed.has(file) || !existsSync(isAbsolute(file) ? file : join(folder, file));
  for (const e of (await store.listImportErrors()).items) if (!seenFiles.has(e.filename) && readOrGone(e.filename)) await store.deleteImportError(e.filename);
  await deactivateMissing(store, readOrGone, defined, report);
  return report;
}

/** One file changed (or was deleted): sync just that file. */
export async function syncDagFile(store: MetadataStore, folder: string, path: string, options: SyncOptions): Promise<SyncReport> {
  const report = emptyReport();
  const file = relative(folder, path).split(sep).join('/');
  if (!existsSync(join(folder, file))) {
    await store.deleteImportError(file);
    await deactivateMissing(store, (fileloc) => fileloc === file, new Set(), report);
    return report;
  }
  const loaded = await loadDagFileFromDisk(join(folder, file), folder, options.now, options.loader, await folderFacts(folder, options.variables));
  const defined = loaded ? await syncLoadedFile(store, folder, loaded, options, report) : new Set<string>();
  await deactivateMissing(store, (fileloc) => fileloc === file, defined, report);
  return report;
}

/**
 * The folder sync as the cloud's DAG deployer uses it (shared/deploy DagFolderSync): the same passes
 * over a local copy of the DAGs bucket's prefix, with the deployer's hook before each new version.
 */
export function dagFolderSync(store: MetadataStore, options: Omit<SyncOptions, 'now' | 'beforeRegister'> & { now: () => Date }): DagFolderSync {
  const withHook = (beforeRegister: BeforeRegister): SyncOptions => ({ ...options, now: options.now(), beforeRegister });
  return {
    syncFile: (folder, file, beforeRegister, git) => syncDagFile(store, folder, join(folder, ...file.split('/')), { ...withHook(beforeRegister), ...(git ? { git } : {}) }),
    syncFolder: (folder, beforeRegister) => syncDagsFolder(store, folder, withHook(beforeRegister)),
    isDagFile: (folder, file) => {
      const path = join(folder, ...file.split('/'));
      return existsSync(path) && frontendFor(file) !== undefined && readDagFile(path, folder) !== undefined;
    },
  };
}

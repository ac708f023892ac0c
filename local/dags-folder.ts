/**
 * The DAGs folder in local mode: find DAG files (skipping hidden files, caches and anything matched
 * by `.airflowignore`), load each through the bounded loader (a worker with time and memory limits,
 * see shared/frontends/bounded.ts), and detect dag_id clashes between files. A clash is an import
 * error of the later file (sorted by path), which then registers nothing, as in Airflow.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DiagnosticCode, hasErrors } from '../shared/model/diagnostics.js';
import type { Dag, Diagnostic } from '../shared/model/schema.js';
import { sharedDagFileLoader, type DagFileLoader } from '../shared/frontends/bounded.js';
import { folderModules, importableModules } from './importable-modules.js';
import { sysPathRoots } from '../shared/bundles/sys-path-roots.js';
import { frontendFor, isDagFileCandidate, type LoadedDagFile } from '../shared/frontends/index.js';
import { handedOver, type FrontendOptions } from '../shared/frontends/types.js';
import { localModuleSources } from '../shared/bundles/local-modules.js';
import { parseTimeFiles, parseTimeFolders } from '../shared/bundles/parse-time-files.js';
import { parseTimeExecutables } from './parse-time-executables.js';
import { parseTimeVariables, type VariableLookup } from './parse-time-variables.js';
import { pluginsFolder, projectFolder } from '../shared/runtime/executors/python.js';

export interface DagsFolderScan {
  folder: string;
  files: LoadedDagFile[];
  /** Every DAG of every file without errors, by dag_id. */
  dags: Map<string, { dag: Dag; file: string }>;
}

export class DagsFolderError extends Error {
  override readonly name = 'DagsFolderError';
}

/** Regular-expression `.airflowignore` (Airflow's default syntax), applied to paths relative to the folder. */
function readIgnorePatterns(folder: string): RegExp[] {
  const path = join(folder, '.airflowignore');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .flatMap((pattern) => {
      try {
        return [new RegExp(pattern)];
      } catch {
        return []; // Airflow skips invalid patterns too
      }
    });
}

export function listDagFiles(folder: string): string[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new DagsFolderError(`DAGs folder '${folder}' does not exist; pass --dags-folder DIR or set SKYDAG_DAGS_FOLDER`);
  }
  const ignore = readIgnorePatterns(folder);
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.') || entry.name === '__pycache__' || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      const rel = relative(folder, full).split(sep).join('/');
      if (ignore.some((re) => re.test(rel))) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && frontendFor(entry.name)) found.push(full);
    }
  };
  walk(folder);
  return found;
}

/** Reads one file of the folder: its name as the model records it (relative to the folder), or undefined when it is no DAG file candidate. */
export function readDagFile(path: string, folder: string): { file: string; source: string } | undefined {
  const source = readFileSync(path, 'utf8');
  const file = relative(folder, path).split(sep).join('/') || path;
  if (!isDagFileCandidate(file, source)) return undefined;
  return { file: file.startsWith('..') ? path : file, source };
}

/** What a pass over the folder looks up once and hands to each file it reads. */
export interface FolderFacts {
  /** What a file of the folder may import (importable-modules.ts). */
  importable: string[] | undefined;
  /** Where the files' `Variable.get("key")` is answered (parse-time-variables.ts); absent: unknown. */
  variables?: VariableLookup;
}

/** Looks up the folder's importable modules once, for a pass over its files. */
export async function folderFacts(folder: string, variables?: VariableLookup): Promise<FolderFacts> {
  return { importable: await importableModules(folder), ...(variables ? { variables } : {}) };
}

/**
 * What the front-end needs besides the text: the file's name, the clock, what it may import, and the
 * sources of the local modules a Python file imports (their constants and default_args are read as
 * Airflow's import gives them), the config files they name and the commands they look up.
 */
export function frontendOptionsFor(read: { file: string; source: string }, folder: string, now: Date, folderImportable: readonly string[] | undefined): FrontendOptions {
  // Folders the file adds to sys.path relative to itself: searched after the usual ones, and their modules importable.
  const ownRoots = read.file.endsWith('.py') ? sysPathRoots(folder, read.file, read.source) : [];
  const importable = folderImportable && ownRoots.length > 0 ? [...folderImportable, ...ownRoots.flatMap(folderModules)] : folderImportable;
  const modules = read.file.endsWith('.py') ? localModuleSources(read.source, [folder, pluginsFolder(folder), projectFolder(folder), ...ownRoots]) : {};
  const sources = [read, ...Object.values(modules)];
  const named = read.file.endsWith('.py') ? parseTimeFiles(folder, sources) : {};
  // Folders it lists (DAG factories over a folder of configs), and the config files in them.
  const listed = read.file.endsWith('.py') ? parseTimeFolders(folder, sources, named) : { folders: {}, files: {} };
  const files = { ...named, ...listed.files };
  const executables = read.file.endsWith('.py') ? parseTimeExecutables(sources) : {};
  const nonEmpty = <T extends object>(o: T) => (Object.keys(o).length > 0 ? o : undefined);
  return { file: read.file, now, ...handedOver({ importable, modules: nonEmpty(modules), files: nonEmpty(files), folders: nonEmpty(listed.folders), executables: nonEmpty(executables) }) };
}

/** The options with the variables the file and its local modules read (`lookup` absent: they stay unknown). */
export async function withParseTimeVariables(options: FrontendOptions, read: { file: string; source: string }, lookup: VariableLookup | undefined): Promise<FrontendOptions> {
  if (!lookup || !read.file.endsWith('.py')) return options;
  const variables = await parseTimeVariables([read, ...Object.values(options.modules ?? {})], lookup);
  return Object.keys(variables).length > 0 ? { ...options, variables } : options;
}

/**
 * Loads one file as the CLI and the watcher do, through the bounded loader. `facts`: the folder's
 * (a pass over the folder looks them up once: listing the folders and the installed modules for each
 * file cost more than parsing a small one).
 */
export async function loadDagFileFromDisk(path: string, folder: string, now: Date, loader: DagFileLoader = sharedDagFileLoader(), facts?: FolderFacts): Promise<(LoadedDagFile & { source: string }) | undefined> {
  const read = readDagFile(path, folder);
  // The text parsed comes along: the version's source bundle must hold exactly what was parsed.
  if (!read) return undefined;
  const { importable, variables } = facts ?? (await folderFacts(folder));
  const options = await withParseTimeVariables(frontendOptionsFor(read, folder, now, importable), read, variables);
  return { ...(await loader.load(read.source, options)), source: read.source };
}

/** Loads every DAG file of the folder, one after the other. */
export async function scanDagsFolder(folder: string, now: Date = new Date(), loader: DagFileLoader = sharedDagFileLoader(), variables?: VariableLookup): Promise<DagsFolderScan> {
  const loaded: LoadedDagFile[] = [];
  const facts = await folderFacts(folder, variables);
  for (const path of listDagFiles(folder)) {
    const file = await loadDagFileFromDisk(path, folder, now, loader, facts);
    if (file) loaded.push(file);
  }
  return indexDags(folder, loaded);
}

/** The DAGs of loaded files by dag_id; a dag_id defined again by a later file is that file's import error. */
export function indexDags(folder: string, loadedFiles: readonly LoadedDagFile[]): DagsFolderScan {
  const files: LoadedDagFile[] = [];
  const dags = new Map<string, { dag: Dag; file: string }>();
  for (const loaded of loadedFiles) {
    const clashes: Diagnostic[] = [];
    for (const dag of loaded.dags) {
      const existing = dags.get(dag.dag_id);
      if (existing) {
        clashes.push({
          file: loaded.file,
          line: dag.source.line,
          col: dag.source.col,
          code: DiagnosticCode.DUPLICATE_DAG_ID,
          severity: 'error',
          dag_id: dag.dag_id,
          message: `dag_id '${dag.dag_id}' is already defined in ${existing.file}`,
          hint: 'dag ids must be unique across the DAGs folder',
        });
      }
    }
    const result = clashes.length > 0 ? { ...loaded, dags: [], diagnostics: [...loaded.diagnostics, ...clashes] } : loaded;
    if (!hasErrors(result.diagnostics)) for (const dag of result.dags) dags.set(dag.dag_id, { dag, file: result.file });
    files.push(result);
  }
  return { folder, files, dags };
}

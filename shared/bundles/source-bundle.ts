/**
 * DAG source bundles: the files a DAG's tasks run, frozen when the DAG version is registered, so every
 * task of a run executes the code its run was created with — not whatever the DAGs folder holds when
 * the task starts (Airflow's DAG bundles / versioning).
 *
 * A bundle holds, with their paths relative to the DAGs folder:
 * - the DAG file;
 * - the Python modules it imports from the DAGs folder, transitively (a module `a.b` brings `a/__init__.py`
 *   and `a/b.py` or `a/b/__init__.py`; `from a import b` also `a/b.py` when b is a submodule);
 * - the files its tasks name as string arguments (`bash_command='scripts/run.sh'`, a custom operator's
 *   `sql='sql/report.sql'`) when they exist in the DAG file's folder or a `template_searchpath` folder:
 *   the template files rendering reads (and files such as a loopable operator's metadata_file, named
 *   relative to the DAGs folder), and the templates those strings and files `{% include %}`, transitively.
 * Imports of anything else (the airflow shim, installed packages, the standard library) are not bundled.
 *
 * The digest is a SHA-256 over the sorted (path, bytes) pairs: the same sources give the same bundle,
 * which is stored once under {@link bundleKey} in the blob store.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import type { CallableRef, Dag } from '../model/schema.js';
import { referencedTemplates } from '../runtime/templates/jinja/template-source.js';
import { pythonImports, type PythonImport } from './python-imports.js';
import { sysPathRoots } from './sys-path-roots.js';

export interface BundleFile {
  /** `/`-separated, relative to the DAGs folder. */
  path: string;
  data: Buffer;
}

export interface SourceBundle {
  /** SHA-256 (hex) of the files: the bundle's identity. */
  digest: string;
  files: BundleFile[];
}

/** A bundle as stored: JSON, each file base64 (DAG folders are small; one object per version). */
interface StoredBundle {
  format: typeof BUNDLE_FORMAT;
  digest: string;
  files: { path: string; data: string }[];
}

const BUNDLE_FORMAT = 'skydag-bundle/1';

/**
 * Bounds of one bundle. Imported modules are read in the process that registers the version (the
 * platform), outside the bounded parse worker, so what is read and parsed is capped.
 */
export const BUNDLE_LIMITS = { files: 1000, bytes: 64 * 1024 * 1024, scannedFileBytes: 2 * 1024 * 1024 } as const;

/** A DAG file whose sources go over {@link BUNDLE_LIMITS}: its version cannot be frozen. */
export class BundleLimitError extends Error {
  override readonly name = 'BundleLimitError';
}

/** A string argument longer than this is no file name. */
const MAX_PATH_CHARS = 1024;
/** Files bigger than this are not bundled as templates (a data file named by an argument is read at run time). */
const MAX_TEMPLATE_FILE_BYTES = 1024 * 1024;

/** Where a bundle lives in the blob store. */
export function bundleKey(digest: string): string {
  if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error(`invalid bundle digest ${JSON.stringify(digest)}`);
  return `dag-bundles/${digest}.json`;
}

export function bundleDigest(files: readonly BundleFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${file.path}\0${file.data.length}\0`);
    hash.update(file.data);
  }
  return hash.digest('hex');
}

export function encodeBundle(bundle: SourceBundle): Buffer {
  const stored: StoredBundle = { format: BUNDLE_FORMAT, digest: bundle.digest, files: bundle.files.map((f) => ({ path: f.path, data: f.data.toString('base64') })) };
  return Buffer.from(JSON.stringify(stored));
}

/** Reads a stored bundle, checking its format, its paths and that its files still match its digest. */
export function decodeBundle(body: Uint8Array, expectedDigest: string): SourceBundle {
  const stored = JSON.parse(Buffer.from(body).toString('utf8')) as Partial<StoredBundle>;
  if (stored.format !== BUNDLE_FORMAT || !Array.isArray(stored.files)) throw new Error(`bundle ${expectedDigest}: not a ${BUNDLE_FORMAT} bundle`);
  const files = stored.files.map((f) => ({ path: checkedPath(f.path), data: Buffer.from(f.data, 'base64') }));
  const digest = bundleDigest(files);
  if (digest !== expectedDigest) throw new Error(`bundle ${expectedDigest}: its files hash to ${digest} (damaged or replaced)`);
  return { digest, files };
}

/** A bundle path must stay inside the folder it is extracted to. */
function checkedPath(path: unknown): string {
  if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.includes('\\') || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`bundle: invalid file path ${JSON.stringify(path)}`);
  }
  return path;
}

/**
 * Collects the bundle of one DAG file. `source` is the text the DAG model was parsed from (so the
 * bundle holds exactly what was parsed even if the file changed since); `dags` the DAGs it defines
 * (for the files their tasks name).
 */
export function collectSourceBundle(dagsFolder: string, file: string, source: string | Buffer, dags: readonly Dag[]): SourceBundle {
  const folder = resolve(dagsFolder);
  const files = new Map<string, Buffer>();
  const entry = toBundlePath(folder, resolve(folder, file));
  if (entry === undefined) throw new Error(`DAG file ${file} is outside the DAGs folder ${folder}`);
  files.set(entry, Buffer.isBuffer(source) ? source : Buffer.from(source, 'utf8'));

  let total = files.get(entry)!.length;
  const add = (path: string, data: Buffer) => {
    total += data.length;
    if (files.size >= BUNDLE_LIMITS.files || total > BUNDLE_LIMITS.bytes) {
      throw new BundleLimitError(`${file}: its sources go over ${BUNDLE_LIMITS.files} files or ${BUNDLE_LIMITS.bytes / 1024 / 1024} MB (at ${path})`);
    }
    files.set(path, data);
  };

  // Folders the DAG file puts on sys.path relative to itself (sys-path-roots.ts), as bundle paths:
  // their modules are found there too, as the task's own sys.path will find them.
  const ownRoots = entry.endsWith('.py') ? sysPathRoots(folder, entry, files.get(entry)!.toString('utf8')).flatMap((dir) => toBundlePath(folder, dir) ?? []) : [];
  const moduleFiles = (importer: string, imported: PythonImport) => [...rootModuleFiles(folder, importer, imported), ...(imported.level === 0 ? ownRoots.flatMap((root) => rootModuleFiles(folder, importer, imported, root)) : [])];

  // Imported modules, breadth-first from the DAG file, and from the callables its DAGs name: a YAML
  // DAG's `python_callable: pkg.mod.func` (a module on the tasks' sys.path) or `python_callable_file`.
  const pending = entry.endsWith('.py') ? [entry] : [];
  for (const ref of dags.flatMap((dag) => callablesIn(dag))) {
    const candidates = ref.module ? moduleFiles(entry, { module: ref.module, level: 0, names: [] }) : [];
    const file = ref.file.endsWith('.py') ? toBundlePath(folder, resolve(folder, ref.file)) : undefined;
    for (const candidate of file !== undefined ? [...candidates, file] : candidates) {
      if (files.has(candidate)) continue;
      const data = readIfFile(join(folder, candidate));
      if (!data) continue;
      add(candidate, data);
      pending.push(candidate);
    }
  }
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    const text = files.get(next)!;
    if (text.length > BUNDLE_LIMITS.scannedFileBytes) throw new BundleLimitError(`${next}: a module over ${BUNDLE_LIMITS.scannedFileBytes / 1024 / 1024} MB is not read for its imports`);
    for (const imported of pythonImports(text.toString('utf8'))) {
      for (const candidate of moduleFiles(next, imported)) {
        if (files.has(candidate)) continue;
        const data = readIfFile(join(folder, candidate));
        if (!data) continue;
        add(candidate, data);
        pending.push(candidate);
      }
    }
  }

  // Config files the DAG file read while it was read: the version's tasks read the same ones.
  for (const dag of dags) {
    for (const path of dag.parse_files ?? []) {
      const bundled = toBundlePath(folder, resolve(folder, path));
      if (bundled === undefined || files.has(bundled)) continue;
      const data = readIfFile(join(folder, bundled));
      if (data) add(bundled, data);
    }
  }

  // Files the tasks name (templates), and what they and those files {% include %}.
  const roots = templateRoots(folder, entry, dags);
  const named: string[] = [];
  for (const dag of dags) for (const task of dag.tasks) for (const value of stringsIn(task.args)) named.push(value, ...referencedTemplates(value));
  // A value looked up once is not again (a DAG's tasks repeat theirs: every bash_command 'true').
  const examined = new Set<string>();
  for (let value = named.shift(); value !== undefined; value = named.shift()) {
    if (examined.has(value)) continue;
    examined.add(value);
    if (value.length > MAX_PATH_CHARS || value.includes('\n') || value.includes('{{')) continue;
    for (const root of roots) {
      const full = isAbsolute(value) ? resolve(value) : resolve(root, value);
      const path = toBundlePath(folder, full);
      if (path === undefined || files.has(path)) continue;
      const data = readIfFile(full, MAX_TEMPLATE_FILE_BYTES);
      if (!data) continue;
      add(path, data);
      named.push(...referencedTemplates(data.toString('utf8')));
    }
  }

  const list = [...files].map(([path, data]) => ({ path, data }));
  return { digest: bundleDigest(list), files: list };
}

/** Where named files are looked up: the DAG file's folder, template_searchpath, the DAGs folder (metadata files). */
function templateRoots(folder: string, entry: string, dags: readonly Dag[]): string[] {
  const roots = [join(folder, dirname(entry))];
  for (const dag of dags) for (const p of dag.template_searchpath) roots.push(resolve(folder, p));
  roots.push(folder);
  return [...new Set(roots)];
}

/** Candidate bundle paths for an import made in `importer`, below `root` (a bundle path; absent: the DAGs folder's top); only those that exist are bundled. */
function rootModuleFiles(folder: string, importer: string, imported: PythonImport, root?: string): string[] {
  let baseParts: string[] = root ? root.split('/') : [];
  if (imported.level > 0) {
    // Relative: from the importer's package, up level-1 packages.
    baseParts = posix.dirname(importer).split('/').filter((p) => p !== '.' && p !== '');
    for (let i = 1; i < imported.level; i++) baseParts.pop();
  }
  const moduleParts = imported.module ? imported.module.split('.') : [];
  const parts = [...baseParts, ...moduleParts];
  const candidates: string[] = [];
  // Every package on the way: a/__init__.py, a/b/__init__.py.
  for (let i = 1; i <= parts.length; i++) candidates.push([...parts.slice(0, i), '__init__.py'].join('/'));
  if (parts.length > 0) candidates.push(`${parts.join('/')}.py`);
  // `from a import b`: b may be a submodule.
  for (const name of imported.names) {
    if (name === '*') continue;
    candidates.push([...parts, `${name}.py`].join('/'), [...parts, name, '__init__.py'].join('/'));
  }
  return candidates.filter((c) => toBundlePath(folder, join(folder, c)) !== undefined);
}

function toBundlePath(folder: string, full: string): string | undefined {
  const rel = relative(folder, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

function readIfFile(path: string, maxBytes = Number.POSITIVE_INFINITY): Buffer | undefined {
  try {
    if (!existsSync(path)) return undefined;
    const info = statSync(path);
    if (!info.isFile() || info.size > maxBytes) return undefined;
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

// The walks below collect into an array rather than yield: they visit every value of a DAG's model, and
// as recursive generators (a generator object per value, yield* relaying each result up every level)
// callablesIn was among the costliest functions for V8 to optimize in a 100-task `dags test` (~20 ms).

/** Every callable reference (`{$type: 'callable'}`) in a DAG model: task arguments, callbacks, DAG fields. */
function callablesIn(value: unknown, found: CallableRef[] = []): CallableRef[] {
  if (Array.isArray(value)) for (const v of value) callablesIn(v, found);
  else if (value !== null && typeof value === 'object') {
    if ((value as { $type?: unknown }).$type === 'callable') found.push(value as CallableRef);
    else for (const v of Object.values(value)) callablesIn(v, found);
  }
  return found;
}

/** Every string in a value (nested ones too), in order. */
function stringsIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') found.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, found);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) stringsIn(v, found);
  return found;
}

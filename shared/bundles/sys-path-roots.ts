/**
 * Folders a DAG file puts on `sys.path` relative to itself, so that its imports of sibling packages
 * resolve as in Airflow: DAG repositories with one sub-folder per project commonly start with
 * `sys.path.append(os.path.dirname(os.path.abspath(__file__)))` (or `.insert(0, ...)`,
 * `Path(__file__).parent.parent`, `os.path.join(..., "lib")`) and then `from lib.helpers import x`,
 * where `lib/` is beside the file, not at the DAGs folder's top.
 *
 * The reader never touches the disk, and the real entries exist only when the file runs; the
 * platform therefore takes, for a file whose text uses both `sys.path` and `__file__`, the file's
 * folder, each folder above it inside the DAGs folder, and the existing sub-folders of those that a
 * plain string literal of the file names. They are searched after the usual roots (DAGs, plugins,
 * project folders) for the modules the reader reads and the version's bundle freezes; the task,
 * running the file from its bundle, extends its own sys.path as written.
 */
import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** At most this many extra folders per file. */
const MAX_ROOTS = 20;
/** A string literal that may name a folder relative to another: `lib`, `../common`, `include/sql`. */
const RELATIVE_DIR_LITERAL = /(["'])((?:\.\.\/)*[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*)\1/g;

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** Inside the DAGs folder and not the folder itself (already a root). */
const strictlyInside = (folder: string, path: string) => {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/** The folders (absolute) the file may add to sys.path relative to itself; [] when it does not touch sys.path with __file__. */
export function sysPathRoots(dagsFolder: string, file: string, source: string): string[] {
  if (!/\bsys\.path\b/.test(source) || !source.includes('__file__')) return [];
  const folder = resolve(dagsFolder);
  const bases: string[] = [];
  for (let dir = dirname(resolve(folder, file)); strictlyInside(folder, dir); dir = dirname(dir)) bases.push(dir);
  const roots = new Set(bases);
  for (const m of source.matchAll(RELATIVE_DIR_LITERAL)) {
    for (const base of [...bases, folder]) {
      if (roots.size >= MAX_ROOTS) break;
      const candidate = join(base, m[2]!);
      if (strictlyInside(folder, candidate) && isDirectory(candidate)) roots.add(candidate);
    }
  }
  return [...roots].slice(0, MAX_ROOTS);
}

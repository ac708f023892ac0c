/**
 * The top-level Python modules a DAG file may import (FrontendOptions.importable): the shim's, the
 * DAGs, plugins and project folders' (what tasks find on sys.path, runtime/executors/python.ts)
 * and the installed Python's (standard library, site-packages, built-in modules). A name outside
 * them is Airflow's parse-time `ModuleNotFoundError`.
 *
 * Listing the installed modules starts Python once (pkgutil.iter_modules); the listing is cached
 * in memory and in a per-user file, keyed by the interpreter command and PATH, and trusted while
 * the interpreter and every sys.path folder keep their modification times (`pip install` changes
 * site-packages'), so reading a DAG file normally starts no Python.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PYTHON_SHIM_DIR, defaultPython, pluginsFolder, projectFolder } from '../shared/runtime/executors/python.js';

const run = promisify(execFile);

/** Lists sys.path's modules and the folders that decide them (the interpreter first). */
const LIST_SCRIPT = [
  'import json, os, pkgutil, sys',
  'names = sorted({m.name for m in pkgutil.iter_modules()} | set(sys.builtin_module_names))',
  'dirs = [p for p in sys.path if p and os.path.isdir(p)]',
  'print(json.dumps({"names": names, "stamped": [os.path.realpath(sys.executable)] + dirs}))',
].join('\n');

interface Listing {
  names: string[];
  /** Paths whose modification times the listing depends on, with those times. */
  stamps: Record<string, number>;
}

const memory = new Map<string, Listing>();

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

const fresh = (l: Listing) => Object.entries(l.stamps).every(([path, time]) => mtime(path) === time);

function cacheFile(key: string): string {
  return join(tmpdir(), `skydag-${userInfo().uid}`, `python-modules-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`);
}

function readCache(file: string): Listing | undefined {
  try {
    const l = JSON.parse(readFileSync(file, 'utf8')) as Listing;
    return Array.isArray(l.names) && l.stamps && typeof l.stamps === 'object' && fresh(l) ? l : undefined;
  } catch {
    return undefined;
  }
}

/** The installed Python's importable top-level modules; undefined when Python cannot be asked (imports are then not checked). */
export async function installedPythonModules(python: string = defaultPython()): Promise<readonly string[] | undefined> {
  const key = `${python}\0${process.env.PATH ?? ''}`;
  const known = memory.get(key);
  if (known && fresh(known)) return known.names;
  const file = cacheFile(key);
  const cached = readCache(file);
  if (cached) {
    memory.set(key, cached);
    return cached.names;
  }
  try {
    // -E: PYTHONPATH and friends of this process are not what a task's sys.path holds.
    const { stdout } = await run(python, ['-E', '-c', LIST_SCRIPT], { cwd: tmpdir(), timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    const out = JSON.parse(stdout) as { names: string[]; stamped: string[] };
    const stamps: Record<string, number> = {};
    for (const path of out.stamped) {
      const time = mtime(path);
      if (time !== undefined) stamps[path] = time;
    }
    const listing = { names: out.names, stamps };
    memory.set(key, listing);
    try {
      mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
      writeFileSync(file, JSON.stringify(listing), { mode: 0o600 });
    } catch {
      // A cache that cannot be written only costs a Python start next time.
    }
    return listing.names;
  } catch {
    return undefined;
  }
}

/** Top-level module names a folder provides: packages (with or without __init__), `.py` files and extension modules. */
export function folderModules(folder: string): string[] {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const e of entries) {
    const name = e.isDirectory() ? e.name : /^([A-Za-z_]\w*)(\.[^.]+)*\.(py|pyc|so|pyd)$/.exec(e.name)?.[1];
    if (name && /^[A-Za-z_]\w*$/.test(name)) names.push(name);
  }
  return names;
}

/** Everything a DAG file of `dagsFolder` may import at its top level; undefined when the installed modules are unknown. */
export async function importableModules(dagsFolder: string): Promise<string[] | undefined> {
  const installed = await installedPythonModules();
  if (!installed) return undefined;
  const local = [dagsFolder, pluginsFolder(dagsFolder), projectFolder(dagsFolder), PYTHON_SHIM_DIR, join(PYTHON_SHIM_DIR, '_fallback')].flatMap(folderModules);
  return [...new Set([...local, ...installed])];
}

/**
 * FileSensor (Airflow `airflow/sensors/filesystem.py`): waits for a file, a glob match, or a
 * non-empty directory.
 *
 * The path is `os.path.join(<connection path>, filepath)`: the connection is `fs_conn_id`
 * (default `fs_default`) and its path is the `path` extra. An absolute `filepath` ignores the base.
 * When `fs_default` is not defined, skydag uses `/` (what Airflow's default `fs_default`
 * connection holds); a named `fs_conn_id` that is not defined fails the try as in Airflow.
 * A connection without a `path` extra leaves relative paths relative to the runtime's cwd.
 *
 * A poke is true when a match is a file, or a directory with at least one file somewhere below it.
 * `recursive` turns on `**` (any number of directories).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { glob } from './glob.js';
import { type SensorLoopOptions, runSensor } from './sensors.js';
import { optionalBool, optionalString, requiredString } from './support.js';
import { type ExecutionRequest, type TaskExecutor, TaskFailedError } from './types.js';

/** Python's `os.path.join(base, rel)`: an absolute `rel` replaces the base. */
export function pyPathJoin(base: string, rel: string): string {
  if (rel.startsWith('/') || base === '') return rel;
  return base.endsWith('/') ? base + rel : `${base}/${rel}`;
}

/** The full path FileSensor pokes for (FSHook base path + filepath). */
export async function fileSensorPath(request: ExecutionRequest): Promise<string> {
  const filepath = requiredString(request, 'filepath');
  const connId = optionalString(request, 'fs_conn_id') ?? 'fs_default';
  const conn = await request.services.getConnection(connId);
  let base: string;
  if (conn) {
    const p = conn.extra.path;
    base = typeof p === 'string' ? p : '';
  } else if (connId === 'fs_default') {
    base = '/';
  } else {
    throw new TaskFailedError(`The conn_id \`${connId}\` isn't defined`);
  }
  return pyPathJoin(base, filepath);
}

/** `datetime.fromtimestamp(mtime).strftime("%Y%m%d%H%M%S")` (local time, like Airflow's worker). */
function formatMtime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** `os.walk(dir)` finds at least one file (hidden ones included; symlinked directories not followed). */
async function hasAnyFile(dir: string): Promise<boolean> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  const subdirs: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) subdirs.push(full);
    else if (entry.isSymbolicLink() && (await stat(full).then((s) => s.isDirectory(), () => false))) continue; // not followed
    else return true; // os.walk lists every non-directory (files, links to files, broken links) as a file
  }
  for (const sub of subdirs) if (await hasAnyFile(sub)) return true;
  return false;
}

/** One FileSensor poke. */
export async function pokeFileSensor(request: ExecutionRequest, fullPath: string, recursive: boolean): Promise<boolean> {
  request.log.info(`Poking for file ${fullPath}`);
  for (const match of await glob(fullPath, recursive)) {
    const info = await stat(match).catch(() => undefined);
    if (!info) continue;
    if (info.isFile()) {
      request.log.info(`Found File ${match} last modified: ${formatMtime(info.mtimeMs)}`);
      return true;
    }
    if (info.isDirectory() && (await hasAnyFile(match))) return true;
  }
  return false;
}

export function createFileSensor(options: SensorLoopOptions = {}): TaskExecutor {
  return async (request) => {
    const fullPath = await fileSensorPath(request);
    const recursive = optionalBool(request, 'recursive', false);
    return runSensor(request, () => pokeFileSensor(request, fullPath, recursive), options);
  };
}

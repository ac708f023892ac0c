/**
 * Where the local runtime extracts DAG source bundles. Tasks read them (the Python runner imports the
 * DAG file from there), so the folder must be readable by the user tasks run as:
 * - `$SKYDAG_HOME/bundles` when tasks run as the platform's user;
 * - with `SKYDAG_TASK_USER`, `$SKYDAG_HOME` is private to the platform (0700) and the task user cannot
 *   enter it, so bundles go to `<tmpdir>/skydag-bundles-<uid>`, a folder the platform's user owns and
 *   only it can write (the task user reads; bundles hold DAG source, which tasks may read anyway).
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TASK_USER } from '../../shared/runtime/executors/task-environment.js';

export function bundleCacheFolder(home: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!env[TASK_USER]) return join(home, 'bundles');
  return sharedBundleFolder();
}

/** `<tmpdir>/skydag-bundles-<uid>`, refused when someone else could have planted or may change code there. */
export function sharedBundleFolder(): string {
  const uid = process.getuid?.();
  const folder = join(tmpdir(), `skydag-bundles-${uid ?? 'user'}`);
  mkdirSync(folder, { recursive: true, mode: 0o755 });
  const info = lstatSync(folder);
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) {
    throw new Error(`${folder} (DAG source bundles) must be a folder owned by this user and writable only by it`);
  }
  return folder;
}

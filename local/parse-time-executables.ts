/**
 * The commands a DAG file looks up while it is read (FrontendOptions.executables): Airflow's example
 * DAGs define a DAG only when a tool is there (`if not shutil.which("virtualenv"): ... else: @dag
 * ...`). Each command a source names in `which("name")` is looked up as Python's `shutil.which` does
 * on the PATH tasks run with (task-environment.ts), since that is where the tool is used; the reader
 * itself never touches the disk. A changed answer changes the model, hence makes a new DAG version.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { taskBaseEnv } from '../shared/runtime/executors/task-environment.js';

/** `which("name")` / `shutil.which('name', ...)` with a plain command name (no path separator). */
const WHICH_CALL = /\bwhich\(\s*(?:cmd\s*=\s*)?(["'])([A-Za-z0-9_.+-]{1,100})\1/g;
/** At most this many commands per file are looked up (each is a few stat calls per PATH folder). */
const MAX_COMMANDS = 20;
/** Python's os.defpath on POSIX, used when PATH is unset. */
const DEFAULT_PATH = '/bin:/usr/bin';

/** The commands the sources name, each with its path on the tasks' PATH or null. */
export function parseTimeExecutables(sources: readonly { source: string }[], env: NodeJS.ProcessEnv = process.env): Record<string, string | null> {
  const names = new Set<string>();
  for (const { source } of sources) {
    if (!source.includes('which(')) continue;
    for (const m of source.matchAll(WHICH_CALL)) if (names.size < MAX_COMMANDS) names.add(m[2]!);
  }
  if (names.size === 0) return {};
  const path = taskBaseEnv(env).PATH ?? DEFAULT_PATH;
  return Object.fromEntries([...names].sort().map((name) => [name, which(name, path)]));
}

/** Python's shutil.which(cmd) for a name without a separator: the first executable, non-directory PATH entry. */
export function which(name: string, path: string): string | null {
  if (path === '') return null;
  const seen = new Set<string>();
  for (const dir of path.split(':')) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.F_OK | constants.X_OK);
      if (!statSync(candidate).isDirectory()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

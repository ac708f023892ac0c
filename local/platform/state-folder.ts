/**
 * `$SKYDAG_HOME` holds the platform's secrets: the master key (`secret.key`), the embedded store
 * (users, encrypted variables and connections, runs), blobs, task logs and the outbox. Other OS users
 * must not read any of it, so the folder and its state subfolders are private to the platform's user
 * (0700, the key 0600, see secret-key.ts): created so, and tightened on every start when an older
 * version or a copy left them readable. Folders owned by someone else are left alone (reported).
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The state subfolders, created private on start. */
export const STATE_SUBFOLDERS = ['dynamodb', 'blobs', 'logs', 'outbox', 'run'] as const;

const PRIVATE_DIR = 0o700;

export interface StateFolderReport {
  /** Folders whose group/other permissions were removed, with their previous mode. */
  tightened: { path: string; mode: string }[];
  /** Folders that are readable by others but belong to another user (not changed). */
  notOwned: string[];
}

/** Creates `$SKYDAG_HOME` and its state subfolders private to this user, tightening existing ones. */
export function secureStateFolder(home: string): StateFolderReport {
  const report: StateFolderReport = { tightened: [], notOwned: [] };
  const uid = process.getuid?.();
  for (const path of [home, ...STATE_SUBFOLDERS.map((name) => join(home, name))]) {
    mkdirSync(path, { recursive: true, mode: PRIVATE_DIR });
    const info = statSync(path);
    const mode = info.mode & 0o777;
    if ((mode & 0o077) === 0) continue;
    if (uid !== undefined && info.uid !== uid) {
      report.notOwned.push(path);
      continue;
    }
    chmodSync(path, PRIVATE_DIR);
    report.tightened.push({ path, mode: mode.toString(8).padStart(4, '0') });
  }
  return report;
}

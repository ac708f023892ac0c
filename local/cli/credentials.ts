/**
 * Tokens saved by `skydag login`, one per API URL, in the user's config dir
 * ($SKYDAG_CONFIG_DIR, else $XDG_CONFIG_HOME/skydag, else ~/.config/skydag): credentials.json, mode
 * 0600 in a 0700 folder, written whole through a rename so a reader never sees half a file.
 */
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';

export interface SavedToken {
  token: string;
  username: string;
  /** ISO time the token stops being accepted. */
  expires_at: string;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SKYDAG_CONFIG_DIR) return env.SKYDAG_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'skydag');
}

const credentialsFile = () => join(configDir(), 'credentials.json');

export async function readCredentials(): Promise<Record<string, SavedToken>> {
  try {
    const parsed = JSON.parse(await readFile(credentialsFile(), 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, SavedToken>) : {};
  } catch {
    return {};
  }
}

async function writeCredentials(all: Record<string, SavedToken>): Promise<string> {
  const dir = configDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = credentialsFile();
  await writeFileAtomic(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  return file;
}

export async function saveToken(apiUrl: string, saved: SavedToken): Promise<string> {
  return writeCredentials({ ...(await readCredentials()), [apiUrl]: saved });
}

/** Forgets the token of `apiUrl`; false when there was none. */
export async function forgetToken(apiUrl: string): Promise<boolean> {
  const all = await readCredentials();
  if (!(apiUrl in all)) return false;
  delete all[apiUrl];
  await writeCredentials(all);
  return true;
}

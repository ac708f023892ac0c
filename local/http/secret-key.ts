/**
 * Local mode's master secret: `SKYDAG_SECRET_KEY` when set (64 hex characters or base64 of 32 bytes),
 * otherwise `$SKYDAG_HOME/secret.key`, created with mode 0600 on first start. From it derive the
 * variable/connection cipher key and the JWT signing key (independent sub-keys), so one file keeps
 * both secrets and tokens valid across restarts. Losing it makes stored secrets unreadable (as losing
 * Airflow's Fernet key does).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AesGcmCipher, deriveKey, generateSecretKey, parseSecretKey, type SecretCipher } from '../../shared/api/secrets/cipher.js';

export const SECRET_KEY_FILE = 'secret.key';

export interface LocalSecrets {
  cipher: SecretCipher;
  jwtSecret: Buffer;
  /** Where the key came from (never the key itself). */
  source: 'env' | 'file' | 'created';
  path: string | null;
}

export function loadOrCreateMasterKey(home: string, env: NodeJS.ProcessEnv = process.env): { key: Buffer; source: LocalSecrets['source']; path: string | null } {
  const fromEnv = env.SKYDAG_SECRET_KEY;
  if (fromEnv !== undefined && fromEnv !== '') {
    try {
      return { key: parseSecretKey(fromEnv), source: 'env', path: null };
    } catch (error) {
      throw new Error(`SKYDAG_SECRET_KEY: ${(error as Error).message}`, { cause: error });
    }
  }
  const path = join(home, SECRET_KEY_FILE);
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) chmodSync(path, 0o600);
    try {
      return { key: parseSecretKey(readFileSync(path, 'utf8')), source: 'file', path };
    } catch (error) {
      throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const key = generateSecretKey();
  // 'wx': never overwrite a key another process just created.
  try {
    writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateMasterKey(home, env);
    throw error;
  }
  return { key, source: 'created', path };
}

export function loadLocalSecrets(home: string, env: NodeJS.ProcessEnv = process.env): LocalSecrets {
  const { key, source, path } = loadOrCreateMasterKey(home, env);
  return { cipher: new AesGcmCipher(deriveKey(key, 'cipher')), jwtSecret: deriveKey(key, 'jwt'), source, path };
}

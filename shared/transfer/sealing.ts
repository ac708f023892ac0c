/**
 * Secrets in a platform archive: never in clear. With a passphrase they are sealed with a key derived
 * from it (scrypt, then AES-256-GCM through the platform's own cipher, each value bound to what it
 * belongs to as associated data); without one they are left out. The importing platform opens them
 * and seals them again with its own master key, so the archive's key never has to be the target's.
 */
import { randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { AesGcmCipher, SecretDecryptionError, SECRET_KEY_BYTES, type SecretCipher } from '../api/secrets/cipher.js';
import { TransferError } from './layout.js';

export interface KdfParams {
  name: 'scrypt';
  /** log2 of scrypt's N (cost). */
  log_n: number;
  r: number;
  p: number;
  /** base64 */
  salt: string;
}

/** scrypt's interactive-login cost (N = 2^15, r = 8: 32 MiB, ~0.1 s), OWASP's minimum. */
const DEFAULT_KDF = { log_n: 15, r: 8, p: 1 };
/** What an archive may ask of the importer: its parameters are read from the archive, so a hostile one must not make scrypt take gigabytes. */
const MAX_LOG_N = 20;
const MAX_R = 16;
const MAX_P = 4;
export const MIN_PASSPHRASE_LENGTH = 12;
const CHECK_CONTEXT = 'archive:check';
const CHECK_TEXT = 'skydag archive passphrase check';

function derive(passphrase: string, salt: Buffer, params: { log_n: number; r: number; p: number }): Promise<Buffer> {
  const N = 2 ** params.log_n;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 128 * N * params.r * 2 + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(passphrase, salt, SECRET_KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/** A new key for an export: its cipher, the parameters the manifest records, and a value that proves the passphrase on import. */
export async function sealingForExport(passphrase: string): Promise<{ cipher: SecretCipher; kdf: KdfParams; check: string }> {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) throw new TransferError(`the passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`);
  const salt = randomBytes(16);
  const cipher = new AesGcmCipher(await derive(passphrase, salt, DEFAULT_KDF));
  return { cipher, kdf: { name: 'scrypt', ...DEFAULT_KDF, salt: salt.toString('base64') }, check: cipher.encrypt(CHECK_TEXT, CHECK_CONTEXT) };
}

/** The cipher that opens an archive's secrets; a wrong passphrase (or a tampered manifest) is a TransferError. */
export async function sealingForImport(passphrase: string, kdf: unknown, check: unknown): Promise<SecretCipher> {
  const k = kdf as Partial<KdfParams> | null;
  const int = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;
  if (!k || k.name !== 'scrypt' || !int(k.log_n, MAX_LOG_N) || !int(k.r, MAX_R) || !int(k.p, MAX_P) || typeof k.salt !== 'string' || typeof check !== 'string') {
    throw new TransferError(`manifest.json: the key derivation must be scrypt with log_n ≤ ${MAX_LOG_N}, r ≤ ${MAX_R}, p ≤ ${MAX_P}, a salt and a check value`);
  }
  const cipher = new AesGcmCipher(await derive(passphrase, Buffer.from(k.salt, 'base64'), { log_n: k.log_n!, r: k.r!, p: k.p! }));
  try {
    if (cipher.decrypt(check, CHECK_CONTEXT) === CHECK_TEXT) return cipher;
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
  }
  throw new TransferError('wrong passphrase: it does not open the secrets of this archive');
}

/** Opens one sealed value of the archive; a value that does not open is a TransferError naming it. */
export function openSealed(cipher: SecretCipher, value: unknown, context: string, where: string): string {
  if (typeof value !== 'string') throw new TransferError(`${where}: a sealed value must be a string`);
  try {
    return cipher.decrypt(value, context);
  } catch (error) {
    if (error instanceof SecretDecryptionError) throw new TransferError(`${where}: the sealed value does not open with this passphrase (tampered with, or moved from another entry)`);
    throw error;
  }
}

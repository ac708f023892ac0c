/**
 * Encryption at rest for variable values and connection secrets (Airflow's Fernet key, SEC-02):
 * AES-256-GCM with a 32-byte key, a random 96-bit IV per value and an optional context bound as
 * associated data (e.g. `variable:<key>`), so a ciphertext copied onto another record fails to
 * decrypt. Format: `enc:v1:<iv b64url>:<tag b64url>:<ciphertext b64url>`.
 *
 * The key comes from outside: locally `$SKYDAG_HOME/secret.key` or `SKYDAG_SECRET_KEY`
 * (local/http/secret-key.ts); in the cloud, a Secrets Manager/KMS-provided key.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export interface SecretCipher {
  encrypt(plaintext: string, context?: string): string;
  /** Throws SecretDecryptionError when the value was not produced by this key and context. */
  decrypt(ciphertext: string, context?: string): string;
  isEncrypted(value: string): boolean;
}

export class SecretDecryptionError extends Error {
  override readonly name = 'SecretDecryptionError';
}

const PREFIX = 'enc:v1:';
export const SECRET_KEY_BYTES = 32;

export class AesGcmCipher implements SecretCipher {
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== SECRET_KEY_BYTES) throw new Error(`the secret key must be exactly ${SECRET_KEY_BYTES} bytes (got ${key.length})`);
    this.key = Buffer.from(key);
  }

  encrypt(plaintext: string, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${encrypted.toString('base64url')}`;
  }

  decrypt(ciphertext: string, context = ''): string {
    if (!this.isEncrypted(ciphertext)) throw new SecretDecryptionError('value is not an skydag ciphertext');
    const [iv, tag, body] = ciphertext.slice(PREFIX.length).split(':');
    if (iv === undefined || tag === undefined || body === undefined) throw new SecretDecryptionError('malformed ciphertext');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('cannot decrypt value: wrong secret key, or the value was tampered with');
    }
  }

  isEncrypted(value: string): boolean {
    return value.startsWith(PREFIX);
  }
}

/**
 * Parses a key given as 64 hex characters or as base64/base64url of 32 bytes (what
 * SKYDAG_SECRET_KEY may hold); throws with a clear message otherwise.
 */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const decoded = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (decoded.length === SECRET_KEY_BYTES && /^[A-Za-z0-9+/_-]+=*$/.test(trimmed)) return decoded;
  throw new Error(`the secret key must be ${SECRET_KEY_BYTES} bytes, written as 64 hex characters or base64 (generate one with: openssl rand -base64 32)`);
}

export function generateSecretKey(): Buffer {
  return randomBytes(SECRET_KEY_BYTES);
}

/**
 * Derives an independent sub-key from the master key (HMAC-SHA256 as a PRF over the purpose), so one
 * configured secret can key both the cipher and the JWT signer without reusing key material.
 */
export function deriveKey(master: Uint8Array, purpose: string): Buffer {
  return createHmac('sha256', Buffer.from(master)).update(`skydag:${purpose}`).digest();
}

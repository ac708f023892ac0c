/**
 * Password hashing with scrypt (node:crypto; N=16384, r=8, p=1, 64-byte key, 16-byte random salt),
 * stored as `scrypt$N$r$p$<salt b64>$<hash b64>`, compared with timingSafeEqual. Verifying against a
 * missing user still runs scrypt on a dummy hash, so unknown users cost the same time as bad passwords.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;
const SALT_BYTES = 16;

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scrypt(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface ParsedHash {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // Refuse parameters that would let a tampered record make verification expensive or trivial.
  if (![n, r, p].every(Number.isInteger) || n < 1024 || n > 1 << 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(parts[4]!, 'base64');
  const hash = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 8 || hash.length < 32) return undefined;
  return { n, r, p, salt, hash };
}

/** A fixed, valid hash nobody knows the password of (computed once, lazily). */
let dummyHash: Promise<string> | undefined;
function dummy(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(32).toString('base64'));
  return dummyHash;
}

/**
 * True iff `password` matches `stored`. With `stored` undefined (unknown or disabled user) the same
 * work is done against a dummy hash and false is returned.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = parseHash(stored ?? '') ?? parseHash(await dummy())!;
  const computed = await scrypt(password, parsed.salt, parsed.hash.length, {
    N: parsed.n,
    r: parsed.r,
    p: parsed.p,
    maxmem: 256 * parsed.n * parsed.r + 1024 * 1024,
  });
  const equal = timingSafeEqual(computed, parsed.hash);
  return equal && stored !== undefined && parseHash(stored) !== undefined;
}

export const MIN_PASSWORD_LENGTH = 8;

/** A password policy message, or undefined when acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `password must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  if (password.length > 1024) return 'password must be at most 1024 characters long';
  return undefined;
}

/** A random password for a generated first admin: 24 URL-safe characters (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

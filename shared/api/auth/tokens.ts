/**
 * Bearer tokens: short-lived HS256 JWTs (jose) signed with the API's secret. A token carries the
 * username and the version of the user record it was issued against (its `changed_on`, claim `ver`);
 * roles and the active flag are read from the store on every request, so disabling a user or
 * changing their roles takes effect at once, and a token issued against an earlier version of the
 * user (before a password reset, a role change) is refused — exactly, not to the second as `iat` would.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';

export const TOKEN_ISSUER = 'skydag';
export const TOKEN_AUDIENCE = 'skydag-api';
export const DEFAULT_TOKEN_TTL_SECONDS = 12 * 60 * 60;

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export interface TokenClaims {
  username: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  /** The `changed_on` of the user record the token was issued against. */
  userVersion: string;
}

const USER_VERSION_CLAIM = 'ver';

export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    secret: Uint8Array | string,
    private readonly clock: () => Date,
    private readonly ttlSeconds: number = DEFAULT_TOKEN_TTL_SECONDS,
  ) {
    this.key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    if (this.key.length < 32) throw new Error('the JWT secret must be at least 32 bytes long');
    if (!(ttlSeconds > 0)) throw new Error('the token lifetime must be positive');
  }

  /** A token for `username`, valid while the user record's `changed_on` is still `userVersion`. */
  async issue(username: string, userVersion: string): Promise<IssuedToken> {
    const now = Math.floor(this.clock().getTime() / 1000);
    const token = await new SignJWT({ [USER_VERSION_CLAIM]: userVersion })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(username)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + this.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.key);
    return { access_token: token, token_type: 'Bearer', expires_in: this.ttlSeconds };
  }

  /** The claims of a valid token, or undefined (bad signature, expired, wrong issuer/audience/algorithm). */
  async verify(token: string): Promise<TokenClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        currentDate: this.clock(),
        requiredClaims: ['sub', 'iat', 'exp', USER_VERSION_CLAIM],
      });
      const version = payload[USER_VERSION_CLAIM];
      if (typeof payload.sub !== 'string' || typeof payload.iat !== 'number' || typeof version !== 'string') return undefined;
      return { username: payload.sub, issuedAt: payload.iat, userVersion: version };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return undefined;
      throw error;
    }
  }
}

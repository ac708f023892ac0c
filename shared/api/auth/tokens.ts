/**
 * Bearer tokens: short-lived HS256 JWTs (jose) signed with the API's secret. A token carries only the
 * username; roles and the active flag are read from the store on every request, so disabling a user
 * or changing their roles takes effect at once, and tokens issued before the user's last change
 * (e.g. a password reset) are refused.
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
}

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

  async issue(username: string): Promise<IssuedToken> {
    const now = Math.floor(this.clock().getTime() / 1000);
    const token = await new SignJWT({})
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
        requiredClaims: ['sub', 'iat', 'exp'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.iat !== 'number') return undefined;
      return { username: payload.sub, issuedAt: payload.iat };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return undefined;
      throw error;
    }
  }
}

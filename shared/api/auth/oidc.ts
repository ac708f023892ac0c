/**
 * Sign-in through an OpenID Connect provider — in AWS the stack's Cognito user pool and its hosted
 * UI; locally any provider (Cognito, Keycloak, Dex…) configured with SKYDAG_OIDC_*.
 *
 * The console runs the authorization-code flow with PKCE: it sends the browser to the provider's
 * authorization endpoint, and hands the returned code (with its verifier) to POST /auth/oidc/token,
 * which redeems it at the token endpoint server-side (the console's CSP stays `connect-src 'self'`).
 * Every API request then carries the provider's access token, verified here against the provider's
 * JWKS (issuer, client, expiry, asymmetric algorithms only) — also behind API Gateway's JWT
 * authorizer, so a route never trusts a claim the gateway alone checked. The groups claim
 * (Cognito: `cognito:groups`) gives the roles, as Airflow's AUTH_ROLES_MAPPING does.
 */
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';

export interface OidcSettings {
  /** The tokens' `iss`: for Cognito `https://cognito-idp.<region>.amazonaws.com/<user pool id>`. */
  issuer: string;
  /** App clients whose tokens are accepted; the first is the console's (a public client, PKCE). */
  clientIds: string[];
  /** Shown on the console's sign-in button. */
  providerName: string;
  /** The claim listing the user's groups. */
  groupsClaim: string;
  /** Group → skydag roles; a group not listed maps to the role of the same name when one exists. */
  rolesMapping: Readonly<Record<string, readonly string[]>>;
  /** Roles of a user none of whose groups map to a role (Airflow's AUTH_USER_REGISTRATION_ROLE). */
  defaultRoles: readonly string[];
  scopes: readonly string[];
  /** Endpoints, when the provider's discovery document does not list them (or to pin them). */
  endpoints: Partial<OidcEndpoints>;
}

export interface OidcEndpoints {
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  /** Cognito's /logout (with client_id and logout_uri) or OIDC's RP-initiated logout. */
  end_session_endpoint: string | null;
}

/** What GET /auth/config tells the console about the provider. */
export interface OidcClientConfig {
  provider_name: string;
  client_id: string;
  authorization_endpoint: string;
  end_session_endpoint: string | null;
  scopes: string[];
}

export interface OidcIdentity {
  username: string;
  groups: string[];
}

export class OidcConfigError extends Error {}

/** An issuer must be https, except on a loopback host (a provider on the developer's machine, tests). */
function checkedUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OidcConfigError(`${name} is not a URL: ${JSON.stringify(value)}`);
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new OidcConfigError(`${name} must be an https URL (got ${url.protocol}//${url.host})`);
  return value;
}

const ENV_ENDPOINTS: Record<keyof OidcEndpoints, string> = {
  authorization_endpoint: 'SKYDAG_OIDC_AUTHORIZATION_ENDPOINT',
  token_endpoint: 'SKYDAG_OIDC_TOKEN_ENDPOINT',
  jwks_uri: 'SKYDAG_OIDC_JWKS_URI',
  end_session_endpoint: 'SKYDAG_OIDC_END_SESSION_ENDPOINT',
};

/**
 * The provider configured by the environment, or undefined when SKYDAG_OIDC_ISSUER is unset:
 *   SKYDAG_OIDC_ISSUER, SKYDAG_OIDC_CLIENT_ID (comma-separated; the console's first),
 *   SKYDAG_OIDC_PROVIDER_NAME, SKYDAG_OIDC_GROUPS_CLAIM (default cognito:groups),
 *   SKYDAG_OIDC_ROLES_MAPPING (JSON: {"group": ["Role", …]}), SKYDAG_OIDC_DEFAULT_ROLE (default Public),
 *   SKYDAG_OIDC_SCOPES (space-separated), SKYDAG_OIDC_*_ENDPOINT / SKYDAG_OIDC_JWKS_URI overrides.
 */
export function oidcSettingsFromEnv(env: NodeJS.ProcessEnv): OidcSettings | undefined {
  const issuer = env.SKYDAG_OIDC_ISSUER?.trim();
  if (!issuer) return undefined;
  const clientIds = (env.SKYDAG_OIDC_CLIENT_ID ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (clientIds.length === 0) throw new OidcConfigError('SKYDAG_OIDC_CLIENT_ID is required with SKYDAG_OIDC_ISSUER (the app client id of the console)');
  let rolesMapping: Record<string, string[]> = {};
  if (env.SKYDAG_OIDC_ROLES_MAPPING) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.SKYDAG_OIDC_ROLES_MAPPING);
    } catch {
      throw new OidcConfigError('SKYDAG_OIDC_ROLES_MAPPING is not JSON: expected {"group": ["Role", ...]}');
    }
    const valid =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((roles) => Array.isArray(roles) && roles.every((r) => typeof r === 'string'));
    if (!valid) throw new OidcConfigError('SKYDAG_OIDC_ROLES_MAPPING must map each group to a list of role names: {"group": ["Role", ...]}');
    rolesMapping = parsed as Record<string, string[]>;
  }
  const endpoints: Partial<OidcEndpoints> = {};
  for (const [key, name] of Object.entries(ENV_ENDPOINTS) as [keyof OidcEndpoints, string][]) {
    const value = env[name]?.trim();
    if (value) endpoints[key] = checkedUrl(name, value);
  }
  return {
    issuer: checkedUrl('SKYDAG_OIDC_ISSUER', issuer.replace(/\/+$/, '')),
    clientIds,
    providerName: env.SKYDAG_OIDC_PROVIDER_NAME?.trim() || 'single sign-on',
    groupsClaim: env.SKYDAG_OIDC_GROUPS_CLAIM?.trim() || 'cognito:groups',
    rolesMapping,
    defaultRoles: [env.SKYDAG_OIDC_DEFAULT_ROLE?.trim() || 'Public'],
    scopes: (env.SKYDAG_OIDC_SCOPES ?? 'openid email profile').split(/\s+/).filter(Boolean),
    endpoints,
  };
}

type Fetch = typeof fetch;

/** Asymmetric algorithms only: an HS256 token "signed" with a public key must never verify. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const DISCOVERY_TIMEOUT_MS = 5_000;
const MAX_USERNAME_LENGTH = 256;

export class OidcProvider {
  private discovered: Promise<OidcEndpoints> | undefined;
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(
    readonly settings: OidcSettings,
    private readonly clock: () => Date = () => new Date(),
    private readonly fetchImpl: Fetch = fetch,
  ) {}

  /** Whether `token` claims to come from this provider (unverified: only picks the verifier). */
  issued(token: string): boolean {
    try {
      return decodeJwt(token).iss === this.settings.issuer;
    } catch {
      return false;
    }
  }

  /** The provider's endpoints: the configured ones, the rest from its discovery document (fetched once; a failure is retried next time). */
  async endpoints(): Promise<OidcEndpoints> {
    const pinned = this.settings.endpoints;
    if (pinned.authorization_endpoint && pinned.token_endpoint && pinned.jwks_uri) return { end_session_endpoint: null, ...pinned } as OidcEndpoints;
    this.discovered ??= this.discover().catch((error: unknown) => {
      this.discovered = undefined;
      throw error;
    });
    return this.discovered;
  }

  private async discover(): Promise<OidcEndpoints> {
    const url = `${this.settings.issuer}/.well-known/openid-configuration`;
    const response = await this.fetchImpl(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), headers: { accept: 'application/json' } });
    if (!response.ok) throw new OidcConfigError(`the OIDC discovery document ${url} answered ${response.status}`);
    const doc = (await response.json()) as Record<string, unknown>;
    const pick = (key: keyof OidcEndpoints): string | null => {
      const value = this.settings.endpoints[key] ?? doc[key];
      return typeof value === 'string' ? checkedUrl(key, value) : null;
    };
    const endpoints = { authorization_endpoint: pick('authorization_endpoint'), token_endpoint: pick('token_endpoint'), jwks_uri: pick('jwks_uri'), end_session_endpoint: pick('end_session_endpoint') };
    for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
      if (!endpoints[key]) throw new OidcConfigError(`the OIDC discovery document ${url} has no ${key} (set ${ENV_ENDPOINTS[key]})`);
    }
    return endpoints as OidcEndpoints;
  }

  async clientConfig(): Promise<OidcClientConfig> {
    const endpoints = await this.endpoints();
    return {
      provider_name: this.settings.providerName,
      client_id: this.settings.clientIds[0]!,
      authorization_endpoint: endpoints.authorization_endpoint,
      end_session_endpoint: endpoints.end_session_endpoint,
      scopes: [...this.settings.scopes],
    };
  }

  /** The user a provider token names, or undefined when it is not valid for this API. */
  async verify(token: string): Promise<OidcIdentity | undefined> {
    const jwks = (this.jwks ??= createRemoteJWKSet(new URL((await this.endpoints()).jwks_uri), { timeoutDuration: DISCOVERY_TIMEOUT_MS }));
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer: this.settings.issuer, algorithms: ALGORITHMS, currentDate: this.clock(), requiredClaims: ['exp', 'iat'] }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return undefined;
      throw error;
    }
    if (!this.forThisApi(payload)) return undefined;
    const username = [payload.username, payload['cognito:username'], payload.preferred_username, payload.sub].find((v): v is string => typeof v === 'string' && v.length > 0);
    if (!username || username.length > MAX_USERNAME_LENGTH) return undefined;
    const claimed = payload[this.settings.groupsClaim];
    const groups = Array.isArray(claimed) ? claimed.filter((g): g is string => typeof g === 'string') : [];
    return { username, groups };
  }

  /**
   * Cognito access tokens name their app client in `client_id` (no `aud`), ID tokens in `aud`; other
   * providers use `aud` (or `azp`). Refresh and other token kinds are refused.
   */
  private forThisApi(payload: JWTPayload): boolean {
    const clients = new Set(this.settings.clientIds);
    const use = payload.token_use;
    if (use !== undefined && use !== 'access' && use !== 'id') return false;
    if (use === 'access') return typeof payload.client_id === 'string' && clients.has(payload.client_id);
    const audiences = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
    if (audiences.some((a) => clients.has(a))) return true;
    return use === undefined && typeof payload.azp === 'string' && clients.has(payload.azp);
  }

  /** skydag roles of a user in `groups` (mapped, else same-named existing roles, else the default). */
  rolesOf(groups: readonly string[], roleExists: (name: string) => boolean): string[] {
    const roles = new Set<string>();
    for (const group of groups) {
      const mapped = this.settings.rolesMapping[group];
      if (mapped) mapped.forEach((r) => roles.add(r));
      else if (roleExists(group)) roles.add(group);
    }
    return roles.size > 0 ? [...roles] : [...this.settings.defaultRoles];
  }

  /**
   * Redeems an authorization code (with its PKCE verifier) at the token endpoint, as the console's
   * public client. Returns the access token and its lifetime, or a problem text for the user.
   */
  async redeem(request: { code: string; codeVerifier: string; redirectUri: string }): Promise<{ accessToken: string; expiresIn: number } | { problem: string }> {
    const { token_endpoint } = await this.endpoints();
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: this.settings.clientIds[0]!,
      code: request.code,
      code_verifier: request.codeVerifier,
      redirect_uri: request.redirectUri,
    });
    const response = await this.fetchImpl(token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
    });
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      // The provider's error code only (invalid_grant, …): its description may echo the request.
      const code = typeof answer.error === 'string' && /^[a-z_]{1,64}$/.test(answer.error) ? answer.error : `status ${response.status}`;
      return { problem: `the sign-in provider refused the code (${code}); sign in again` };
    }
    if (typeof answer.access_token !== 'string') return { problem: 'the sign-in provider returned no access token' };
    const expiresIn = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 3600;
    return { accessToken: answer.access_token, expiresIn };
  }
}

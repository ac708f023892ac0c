/**
 * Users: authenticating requests (Bearer JWT, or HTTP Basic where enabled), logging in, and the first
 * admin. There is no default password: the first admin's password comes from the operator
 * (SKYDAG_ADMIN_PASSWORD) or is generated, returned once for printing, and never stored in clear.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { RoleRecord, UserRecord } from '../../model/records.js';
import type { DagAction } from '../../model/schema.js';
import { ConditionFailedError, type ConfigStore } from '../../stores/metadata.js';
import { ldapAuthenticate, upsertLdapUser, type ActiveLdapSettings } from './ldap.js';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { grantsOf, isRoleName, type Permission } from './permissions.js';
import type { OidcProvider } from './oidc.js';
import type { SignInThrottle } from './throttle.js';
import type { TokenService } from './tokens.js';

export interface Principal {
  username: string;
  /** Built-in and custom role names. */
  roles: string[];
  /** Global permissions: the built-in roles' and those the custom roles were given. */
  permissions: ReadonlySet<Permission>;
  /** DAG-level actions the custom roles hold on single DAGs (`DAG:<dag_id>`), before DAG files' access_control (auth/dag-access.ts). */
  dagGrants: ReadonlyMap<string, ReadonlySet<DagAction>>;
  /** `oidc`: a token of the configured OpenID Connect provider (Cognito in AWS); `local`: an in-process caller holding the store itself (Api.handleAs: the local CLI). */
  via: 'bearer' | 'basic' | 'oidc' | 'local';
}

/** What a username may be (letters, digits and `_ . @ + -`), for the API and the CLI alike. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.@+-]{1,256}$/;

export type AuthFailure =
  | { failure: 'missing' | 'unsupported' }
  /** `basicUsername`: the username of rejected Basic credentials (they are audited like a failed login). */
  | { failure: 'invalid'; basicUsername?: string }
  | { failure: 'throttled'; retryAfterSeconds: number; basicUsername: string };

export type AuthOutcome = { principal: Principal } | AuthFailure;

export type SignInOutcome = { user: UserRecord } | { failure: 'invalid' } | { failure: 'throttled'; retryAfterSeconds: number };

/**
 * The next `changed_on` of a user record: now, but always later than the previous one, so that a
 * change within the same millisecond as the last still invalidates the tokens issued in between.
 */
export function nextChangedOn(previous: string, now: Date): string {
  const floor = Date.parse(previous) + 1;
  return new Date(Number.isNaN(floor) ? now.getTime() : Math.max(now.getTime(), floor)).toISOString();
}

/** Successful Basic verifications are remembered briefly: scrypt on every API call would cost ~50 ms each. */
const BASIC_CACHE_TTL_MS = 60_000;
const BASIC_CACHE_MAX = 1000;

export class Authenticator {
  private readonly basicCache = new Map<string, number>();
  /** Keys the Basic cache so it never holds anything derived from a password without a process secret. */
  private readonly cacheKey = randomBytes(32);

  constructor(
    private readonly store: ConfigStore,
    private readonly tokens: TokenService,
    private readonly throttle: SignInThrottle,
    private readonly options: {
      basicAuth: boolean;
      clock: () => Date;
      oidc?: OidcProvider | undefined;
      /** LDAP sign-in settings (shared/api/auth/ldap-settings.ts); absent or off: local users only. */
      ldap?: { active(): Promise<ActiveLdapSettings | undefined> } | undefined;
    },
  ) {}

  get basicAuthEnabled(): boolean {
    return this.options.basicAuth;
  }

  /**
   * The user these credentials belong to, or undefined. Unknown users, disabled users and wrong
   * passwords all take one scrypt computation and give the same answer. With LDAP on, every name
   * that is not a local user's is asked of the directory (ldap.ts), which may create or refresh the
   * user; LdapUnavailableError when the directory cannot be asked (no local fallback).
   */
  async checkPassword(username: string, password: string): Promise<UserRecord | undefined> {
    const user = username ? await this.store.getUser(username) : undefined;
    if (!user || user.auth_source === 'ldap') {
      const ldap = await this.options.ldap?.active();
      if (ldap) {
        const identity = await ldapAuthenticate(ldap, username, password);
        return identity ? upsertLdapUser(this.store, ldap, identity, this.options.clock()) : undefined;
      }
    }
    const usable = user && user.active ? user : undefined;
    const ok = await verifyPassword(password, usable?.password_hash);
    return ok ? usable : undefined;
  }

  /**
   * A password sign-in (login, or Basic credentials not seen recently), through the throttle: a
   * locked-out user or address is refused before any password is checked; failures are counted.
   */
  async signIn(username: string, password: string, address: string | null): Promise<SignInOutcome> {
    const attempt = { username, address };
    const retryAfterSeconds = await this.throttle.retryAfterSeconds(attempt);
    if (retryAfterSeconds !== null) return { failure: 'throttled', retryAfterSeconds };
    const user = await this.checkPassword(username, password);
    if (!user) {
      await this.throttle.failed(attempt);
      return { failure: 'invalid' };
    }
    await this.throttle.succeeded(user.username);
    return { user };
  }

  async authenticate(authorization: string | undefined, address: string | null = null): Promise<AuthOutcome> {
    if (!authorization) return { failure: 'missing' };
    const space = authorization.indexOf(' ');
    const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
    const credentials = space < 0 ? '' : authorization.slice(space + 1).trim();
    if (scheme === 'bearer') return this.bearer(credentials);
    if (scheme === 'basic') return this.options.basicAuth ? this.basic(credentials, address) : { failure: 'unsupported' };
    return { failure: 'unsupported' };
  }

  private async bearer(token: string): Promise<AuthOutcome> {
    const oidc = this.options.oidc;
    if (oidc && token && oidc.issued(token)) return this.providerToken(oidc, token);
    const claims = token ? await this.tokens.verify(token) : undefined;
    if (!claims) return { failure: 'invalid' };
    const user = await this.store.getUser(claims.username);
    if (!user || !user.active) return { failure: 'invalid' };
    // Tokens issued against an earlier version of the user (before a password reset, a role change) are no longer honoured.
    // (Compared as instants: changed_on moves forward by at least 1 ms on every change.)
    if (Date.parse(claims.userVersion) !== Date.parse(user.changed_on)) return { failure: 'invalid' };
    return { principal: await principalOf(this.store, user, 'bearer') };
  }

  /** A provider's user exists only in the provider: the roles come from the token's groups, on every request. */
  private async providerToken(oidc: OidcProvider, token: string): Promise<AuthOutcome> {
    const identity = await oidc.verify(token);
    if (!identity) return { failure: 'invalid' };
    // One read of every custom role the token could name: its groups, the roles they map to, the default.
    const { rolesMapping, defaultRoles } = oidc.settings;
    const candidates = new Set([...identity.groups, ...identity.groups.flatMap((g) => rolesMapping[g] ?? []), ...defaultRoles]);
    const custom = new Map((await customRoles(this.store, [...candidates])).map((role) => [role.name, role]));
    const roles = oidc.rolesOf(identity.groups, (name) => isRoleName(name) || custom.has(name));
    const grants = grantsOf(roles, roles.flatMap((name) => custom.get(name) ?? []));
    return { principal: { username: identity.username, roles, permissions: grants.permissions, dagGrants: grants.dags, via: 'oidc' } };
  }

  private async basic(encoded: string, address: string | null): Promise<AuthOutcome> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { failure: 'invalid' };
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const user = username ? await this.store.getUser(username) : undefined;
    // Credentials verified within the last minute skip scrypt (and the throttle: they are right).
    const now = this.options.clock().getTime();
    if (user?.active && (this.basicCache.get(this.basicCacheKey(username, password, user)) ?? 0) > now) return { principal: await principalOf(this.store, user, 'basic') };
    const outcome = await this.signIn(username, password, address);
    if ('failure' in outcome) {
      return outcome.failure === 'throttled' ? { failure: 'throttled', retryAfterSeconds: outcome.retryAfterSeconds, basicUsername: username } : { failure: 'invalid', basicUsername: username };
    }
    if (this.basicCache.size >= BASIC_CACHE_MAX) this.basicCache.clear();
    this.basicCache.set(this.basicCacheKey(username, password, outcome.user), now + BASIC_CACHE_TTL_MS);
    return { principal: await principalOf(this.store, outcome.user, 'basic') };
  }

  private basicCacheKey(username: string, password: string, user: UserRecord): string {
    return createHmac('sha256', this.cacheKey).update(`${username}\u0000${password}\u0000${user.password_hash}`).digest('base64');
  }
}

/** The custom role records of `roles` (built-in names and roles deleted meanwhile have none). */
export async function customRoles(store: Pick<ConfigStore, 'getRole'>, roles: readonly string[]): Promise<RoleRecord[]> {
  const records = await Promise.all(roles.filter((r) => !isRoleName(r)).map((r) => store.getRole(r)));
  return records.filter((r): r is RoleRecord => r !== undefined);
}

/** A signed-in user with what their roles grant, read from the store on every request (role edits apply at once). */
export async function principalOf(store: Pick<ConfigStore, 'getRole'>, user: UserRecord, via: Principal['via']): Promise<Principal> {
  const grants = grantsOf(user.roles, await customRoles(store, user.roles));
  return { username: user.username, roles: [...user.roles], permissions: grants.permissions, dagGrants: grants.dags, via };
}

export interface BootstrapAdminOptions {
  /** SKYDAG_ADMIN_PASSWORD when set; otherwise a random password is generated. */
  password?: string | undefined;
  username?: string;
  email?: string;
  clock?: () => Date;
}

export type BootstrapAdminResult =
  | { created: false; username: string }
  | { created: true; username: string; passwordSource: 'env' }
  /** `password` is the generated password: print it once; it is not kept anywhere in clear. */
  | { created: true; username: string; passwordSource: 'generated'; password: string };

/**
 * Creates the first admin when the platform has no user at all (first start); later starts create
 * nothing. Never logs the password; the caller prints a generated one exactly once.
 */
export async function bootstrapAdmin(store: ConfigStore, options: BootstrapAdminOptions = {}): Promise<BootstrapAdminResult> {
  const username = options.username ?? 'admin';
  const existing = await store.listUsers({ limit: 1 });
  if (existing.total > 0) return { created: false, username };
  const fromEnv = options.password !== undefined && options.password !== '';
  if (fromEnv) {
    const problem = passwordProblem(options.password!);
    if (problem) throw new Error(`SKYDAG_ADMIN_PASSWORD is not acceptable: ${problem}`);
  }
  const password = fromEnv ? options.password! : generatePassword();
  const now = (options.clock ?? (() => new Date()))().toISOString();
  try {
    await store.putUser(
      {
        username,
        email: options.email ?? `${username}@localhost`,
        first_name: 'Admin',
        last_name: 'User',
        password_hash: await hashPassword(password),
        roles: ['Admin'],
        active: true,
        created_on: now,
        changed_on: now,
        last_login: null,
      },
      { createOnly: true },
    );
  } catch (error) {
    // Another instance created it first (concurrent first starts): nothing to report.
    if (error instanceof ConditionFailedError) return { created: false, username };
    throw error;
  }
  return fromEnv ? { created: true, username, passwordSource: 'env' } : { created: true, username, passwordSource: 'generated', password };
}

/**
 * Signing in against an LDAP directory, as Flask-AppBuilder's AUTH_LDAP does (security/manager.py
 * `auth_user_ldap`): bind as AUTH_LDAP_BIND_USER (or anonymously), search AUTH_LDAP_SEARCH for the
 * one entry whose AUTH_LDAP_UID_FIELD is the username (ANDed with AUTH_LDAP_SEARCH_FILTER), bind as
 * that entry's DN with the given password, then read its names, e-mail and groups
 * (AUTH_LDAP_GROUP_FIELD). Groups map to roles through AUTH_ROLES_MAPPING; unknown users are created
 * only with AUTH_USER_REGISTRATION (mapped roles + AUTH_USER_REGISTRATION_ROLE); returning users get
 * their names and e-mail refreshed, and their roles with AUTH_ROLES_SYNC_AT_LOGIN.
 *
 * Directory users are marked `auth_source: 'ldap'` and have no local password, so when the server is
 * down they cannot sign in at all (no fallback to a stale copy); LdapUnavailableError says why.
 */
import { Client, InvalidCredentialsError, type Entry } from 'ldapts';
import type { UserRecord } from '../../model/records.js';
import { ConditionFailedError, type ConfigStore } from '../../stores/metadata.js';
import type { LdapSettings } from './ldap-settings.js';
import { USERNAME_PATTERN, nextChangedOn } from './users.js';

/** The directory could not be asked (unreachable, TLS refused, timeout, bad bind account). */
export class LdapUnavailableError extends Error {
  override readonly name = 'LdapUnavailableError';
}

export type ActiveLdapSettings = LdapSettings & { bindPassword: string };

export interface LdapIdentity {
  dn: string;
  /** The entry's own UID value (the username as the directory spells it). */
  username: string;
  firstName: string;
  lastName: string;
  email: string;
  groups: string[];
}

/** RFC 4515 escaping of a value inside a filter, so a username cannot change the filter. */
export function escapeFilterValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\\*()\u0000]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** DNs compared as directories do for the usual cases: case and spaces around separators ignored. */
export function normalizeDn(dn: string): string {
  return dn
    .split(',')
    .map((rdn) => rdn.split('=').map((part) => part.trim()).join('='))
    .join(',')
    .toLowerCase();
}

function first(entry: Entry, attribute: string): string {
  const value = entry[attribute] ?? Object.entries(entry).find(([k]) => k.toLowerCase() === attribute.toLowerCase())?.[1];
  const one = Array.isArray(value) ? value[0] : value;
  return one === undefined ? '' : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

function all(entry: Entry, attribute: string): string[] {
  const value = Object.entries(entry).find(([k]) => k.toLowerCase() === attribute.toLowerCase())?.[1];
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

function describeFailure(error: unknown, settings: LdapSettings): string {
  const e = error as NodeJS.ErrnoException & { code?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ECONNRESET') return `the LDAP server ${settings.AUTH_LDAP_SERVER} cannot be reached (${code})`;
  if (/certificate|self.signed|SSL|TLS/i.test(`${code} ${e?.message ?? ''}`)) {
    return `the TLS connection to ${settings.AUTH_LDAP_SERVER} was refused: ${e?.message ?? code}${settings.AUTH_LDAP_ALLOW_SELF_SIGNED ? '' : ' (set AUTH_LDAP_ALLOW_SELF_SIGNED for a self-signed certificate)'}`;
  }
  if (/timeout/i.test(`${e?.name ?? ''} ${e?.message ?? ''}`)) return `the LDAP server ${settings.AUTH_LDAP_SERVER} did not answer within ${settings.AUTH_LDAP_TIMEOUT} s`;
  return `the LDAP server ${settings.AUTH_LDAP_SERVER} failed: ${e?.message ?? String(error)}`;
}

/**
 * The directory entry these credentials prove, or undefined when they do not (unknown user, outside
 * the search base or filter, wrong password, empty password). Throws LdapUnavailableError when the
 * directory cannot be asked.
 */
export async function ldapAuthenticate(settings: ActiveLdapSettings, username: string, password: string): Promise<LdapIdentity | undefined> {
  // An empty password is an unauthenticated bind, which LDAP servers accept for any DN (RFC 4513 §5.1.2).
  if (password === '' || username === '') return undefined;
  const timeout = settings.AUTH_LDAP_TIMEOUT * 1000;
  const tlsOptions = { rejectUnauthorized: !settings.AUTH_LDAP_ALLOW_SELF_SIGNED, minVersion: 'TLSv1.2' as const };
  const open = async () => {
    // ldapts speaks TLS from the first byte whenever tlsOptions are given: only for ldaps:// (StartTLS takes them below).
    const ldaps = settings.AUTH_LDAP_SERVER.startsWith('ldaps:');
    const client = new Client({ url: settings.AUTH_LDAP_SERVER, timeout, connectTimeout: timeout, strictDN: false, ...(ldaps ? { tlsOptions } : {}) });
    if (settings.AUTH_LDAP_USE_TLS && settings.AUTH_LDAP_SERVER.startsWith('ldap:')) await client.startTLS(tlsOptions);
    return client;
  };
  const uid = settings.AUTH_LDAP_UID_FIELD;
  const attributes = [uid, settings.AUTH_LDAP_FIRSTNAME_FIELD, settings.AUTH_LDAP_LASTNAME_FIELD, settings.AUTH_LDAP_EMAIL_FIELD, settings.AUTH_LDAP_GROUP_FIELD];
  let client: Client | undefined;
  try {
    client = await open();
    if (settings.AUTH_LDAP_BIND_USER) {
      try {
        await client.bind(settings.AUTH_LDAP_BIND_USER, settings.bindPassword);
      } catch (error) {
        // The service account is the operator's to fix; users must not be told their password is wrong.
        if (error instanceof InvalidCredentialsError) throw new LdapUnavailableError(`the LDAP bind user ${settings.AUTH_LDAP_BIND_USER} was refused by the server: check AUTH_LDAP_BIND_USER and AUTH_LDAP_BIND_PASSWORD`);
        throw error;
      }
    }
    const filter = `(&(${uid}=${escapeFilterValue(username)})${settings.AUTH_LDAP_SEARCH_FILTER})`;
    const { searchEntries } = await client.search(settings.AUTH_LDAP_SEARCH, { scope: 'sub', filter, attributes, sizeLimit: 2 });
    // None: unknown or outside the base/filter. Several: ambiguous, refused rather than guessed.
    if (searchEntries.length !== 1) return undefined;
    const entry = searchEntries[0]!;
    await client.unbind();
    client = await open();
    try {
      await client.bind(entry.dn, password);
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return undefined;
      throw error;
    }
    return {
      dn: entry.dn,
      username: all(entry, uid).find((v) => v.toLowerCase() === username.toLowerCase()) ?? username,
      firstName: first(entry, settings.AUTH_LDAP_FIRSTNAME_FIELD),
      lastName: first(entry, settings.AUTH_LDAP_LASTNAME_FIELD),
      email: first(entry, settings.AUTH_LDAP_EMAIL_FIELD),
      groups: all(entry, settings.AUTH_LDAP_GROUP_FIELD),
    };
  } catch (error) {
    if (error instanceof LdapUnavailableError) throw error;
    throw new LdapUnavailableError(describeFailure(error, settings));
  } finally {
    await client?.unbind().catch(() => undefined);
  }
}

/** FAB's `_ldap_calculate_user_roles`: the roles the groups map to, plus the registration role when registration is on. */
export function ldapRoles(settings: LdapSettings, groups: readonly string[]): string[] {
  const mine = new Set(groups.map(normalizeDn));
  const roles = new Set<string>();
  for (const [group, mapped] of Object.entries(settings.AUTH_ROLES_MAPPING)) if (mine.has(normalizeDn(group))) mapped.forEach((r) => roles.add(r));
  if (settings.AUTH_USER_REGISTRATION && settings.AUTH_USER_REGISTRATION_ROLE) roles.add(settings.AUTH_USER_REGISTRATION_ROLE);
  return [...roles].sort();
}

/**
 * The user record of a directory identity after this sign-in: created (registration on), refreshed
 * (names, e-mail, and roles when synced), or undefined when the user may not sign in (not registered
 * and registration off, disabled, or a name skydag cannot hold). `changed_on` moves only when
 * something changed, so signing in again does not revoke the user's other tokens.
 */
export async function upsertLdapUser(store: ConfigStore, settings: LdapSettings, identity: LdapIdentity, now: Date): Promise<UserRecord | undefined> {
  if (!USERNAME_PATTERN.test(identity.username)) return undefined;
  const existing = await store.getUser(identity.username);
  const roles = ldapRoles(settings, identity.groups);
  const names = {
    email: identity.email || `${identity.username}@ldap`,
    first_name: identity.firstName || identity.username,
    last_name: identity.lastName,
  };
  if (!existing) {
    if (!settings.AUTH_USER_REGISTRATION) return undefined;
    const at = now.toISOString();
    const user: UserRecord = { username: identity.username, ...names, password_hash: '', roles, active: true, created_on: at, changed_on: at, last_login: null, auth_source: 'ldap' };
    try {
      await store.putUser(user, { createOnly: true });
    } catch (error) {
      // A concurrent first sign-in of the same user created it: use that one.
      if (!(error instanceof ConditionFailedError)) throw error;
      return store.getUser(identity.username);
    }
    return user;
  }
  // A local user of the same name signs in with the local password (checked before LDAP is asked).
  if (existing.auth_source !== 'ldap' || !existing.active) return undefined;
  const next: UserRecord = { ...existing, ...names, ...(settings.AUTH_ROLES_SYNC_AT_LOGIN ? { roles } : {}) };
  const changed = next.email !== existing.email || next.first_name !== existing.first_name || next.last_name !== existing.last_name || next.roles.join('\u0000') !== existing.roles.join('\u0000');
  if (!changed) return existing;
  next.changed_on = nextChangedOn(existing.changed_on, now);
  await store.putUser(next);
  return next;
}

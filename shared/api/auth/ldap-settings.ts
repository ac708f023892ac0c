/**
 * LDAP sign-in settings (Couture's "LDAP Configuration" page, couture-reference §2.8): the
 * Flask-AppBuilder `AUTH_*` keys the original's webserver_config.py read, kept as one JSON document
 * in the blob store (`auth/ldap.json`, S3 in the cloud, `$SKYDAG_HOME/blobs` locally) so the API and
 * the CLI edit the same thing. The bind password is sealed with the platform's SecretCipher (bound to
 * this document) and never leaves: views say `AUTH_LDAP_BIND_PASSWORD_SET` instead. Unlike the
 * original (plain-text ldap.conf, password echoed into the form and copied into the audit log), an
 * edit is validated whole first and changes nothing when any key is wrong.
 */
import type { SecretCipher } from '../secrets/cipher.js';
import type { BlobStore } from '../../stores/blob.js';

const KEY = 'auth/ldap.json';
const BIND_PASSWORD_CONTEXT = 'auth:ldap:bind_password';

/** The settings as stored and as the API shows them (FAB's names). */
export interface LdapSettings {
  /** `LDAP` turns LDAP sign-in on; `DB` (the default) keeps only local users. */
  AUTH_TYPE: 'DB' | 'LDAP';
  /** `ldap://host:389` or `ldaps://host:636`. */
  AUTH_LDAP_SERVER: string;
  /** StartTLS on an `ldap://` connection. */
  AUTH_LDAP_USE_TLS: boolean;
  /** Accept a server certificate no trusted CA signed (self-signed); off by default. */
  AUTH_LDAP_ALLOW_SELF_SIGNED: boolean;
  /** DN to bind as for the user search; empty: search anonymously. */
  AUTH_LDAP_BIND_USER: string;
  /** Base DN under which users are searched. */
  AUTH_LDAP_SEARCH: string;
  /** Extra filter ANDed to the search, e.g. `(objectClass=inetOrgPerson)`. */
  AUTH_LDAP_SEARCH_FILTER: string;
  AUTH_LDAP_UID_FIELD: string;
  AUTH_LDAP_GROUP_FIELD: string;
  AUTH_LDAP_FIRSTNAME_FIELD: string;
  AUTH_LDAP_LASTNAME_FIELD: string;
  AUTH_LDAP_EMAIL_FIELD: string;
  /** Group DN → skydag role names. */
  AUTH_ROLES_MAPPING: Record<string, string[]>;
  /** Replace a returning user's roles by the mapped ones at each sign-in. */
  AUTH_ROLES_SYNC_AT_LOGIN: boolean;
  /** Create unknown directory users at their first sign-in. */
  AUTH_USER_REGISTRATION: boolean;
  /** The role every registered user gets (besides the mapped ones). */
  AUTH_USER_REGISTRATION_ROLE: string;
  /** Seconds to wait for the server (connect and each operation). */
  AUTH_LDAP_TIMEOUT: number;
}

export interface StoredLdapSettings extends LdapSettings {
  /** Sealed; absent when none is set. */
  bind_password?: string;
  updated_at: string;
}

export type PublicLdapSettings = LdapSettings & { AUTH_LDAP_BIND_PASSWORD_SET: boolean; updated_at: string | null };

/** A change: any subset of the keys; `AUTH_LDAP_BIND_PASSWORD` sets (string) or clears (null) the password. */
export type LdapSettingsPatch = Partial<LdapSettings> & { AUTH_LDAP_BIND_PASSWORD?: string | null };

export class LdapSettingsError extends Error {
  override readonly name = 'LdapSettingsError';
}

/** FAB's defaults (security/manager.py), with registration off and the least role, Public. */
export const DEFAULT_LDAP_SETTINGS: LdapSettings = {
  AUTH_TYPE: 'DB',
  AUTH_LDAP_SERVER: '',
  AUTH_LDAP_USE_TLS: false,
  AUTH_LDAP_ALLOW_SELF_SIGNED: false,
  AUTH_LDAP_BIND_USER: '',
  AUTH_LDAP_SEARCH: '',
  AUTH_LDAP_SEARCH_FILTER: '',
  AUTH_LDAP_UID_FIELD: 'uid',
  AUTH_LDAP_GROUP_FIELD: 'memberOf',
  AUTH_LDAP_FIRSTNAME_FIELD: 'givenName',
  AUTH_LDAP_LASTNAME_FIELD: 'sn',
  AUTH_LDAP_EMAIL_FIELD: 'mail',
  AUTH_ROLES_MAPPING: {},
  AUTH_ROLES_SYNC_AT_LOGIN: false,
  AUTH_USER_REGISTRATION: false,
  AUTH_USER_REGISTRATION_ROLE: 'Public',
  AUTH_LDAP_TIMEOUT: 10,
};

const BOOLEAN_KEYS = ['AUTH_LDAP_USE_TLS', 'AUTH_LDAP_ALLOW_SELF_SIGNED', 'AUTH_ROLES_SYNC_AT_LOGIN', 'AUTH_USER_REGISTRATION'] as const;
const TEXT_KEYS = ['AUTH_LDAP_BIND_USER', 'AUTH_LDAP_SEARCH', 'AUTH_LDAP_SEARCH_FILTER'] as const;
const ATTRIBUTE_KEYS = ['AUTH_LDAP_UID_FIELD', 'AUTH_LDAP_GROUP_FIELD', 'AUTH_LDAP_FIRSTNAME_FIELD', 'AUTH_LDAP_LASTNAME_FIELD', 'AUTH_LDAP_EMAIL_FIELD'] as const;
export const LDAP_SETTING_KEYS = [...Object.keys(DEFAULT_LDAP_SETTINGS), 'AUTH_LDAP_BIND_PASSWORD'] as const;

/** An attribute description (RFC 4512): a name or an OID. */
const ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9-]{0,63}|[0-9]+(?:\.[0-9]+){1,30})$/;
/** Role names as the roles API allows them. */
const ROLE = /^[A-Za-z0-9 _.@+-]{1,64}$/;
const MAX_TEXT = 1024;

function text(key: string, value: unknown, max = MAX_TEXT): string {
  if (typeof value !== 'string') throw new LdapSettingsError(`${key} must be a string`);
  if (value.length > max) throw new LdapSettingsError(`${key} is longer than ${max} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new LdapSettingsError(`${key} must not contain control characters or line breaks`);
  return value;
}

function checkServer(value: unknown): string {
  const server = text('AUTH_LDAP_SERVER', value);
  if (server === '') return server;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new LdapSettingsError(`AUTH_LDAP_SERVER must be a URL such as ldap://ldap.example.com:389 or ldaps://ldap.example.com:636`);
  }
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') throw new LdapSettingsError(`AUTH_LDAP_SERVER must start with ldap:// or ldaps:// (got ${url.protocol}//)`);
  if (!url.hostname) throw new LdapSettingsError('AUTH_LDAP_SERVER names no host');
  if (url.username || url.password) throw new LdapSettingsError('AUTH_LDAP_SERVER must not carry credentials: use AUTH_LDAP_BIND_USER and AUTH_LDAP_BIND_PASSWORD');
  return server;
}

function checkRole(key: string, value: unknown): string {
  const role = text(key, value, 64);
  if (!ROLE.test(role)) throw new LdapSettingsError(`${key}: '${role}' is not a role name`);
  return role;
}

function checkMapping(value: unknown): Record<string, string[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LdapSettingsError('AUTH_ROLES_MAPPING must be an object of group DN → list of role names');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 200) throw new LdapSettingsError('AUTH_ROLES_MAPPING has more than 200 groups');
  const mapping: Record<string, string[]> = {};
  for (const [group, roles] of entries) {
    text('AUTH_ROLES_MAPPING group', group);
    if (group.trim() === '') throw new LdapSettingsError('AUTH_ROLES_MAPPING: a group DN is empty');
    if (!Array.isArray(roles) || roles.length === 0) throw new LdapSettingsError(`AUTH_ROLES_MAPPING['${group.slice(0, 80)}'] must be a non-empty list of role names`);
    mapping[group] = roles.map((r) => checkRole(`AUTH_ROLES_MAPPING['${group.slice(0, 80)}']`, r));
  }
  return mapping;
}

/** Applies a patch to settings, checking every key; throws LdapSettingsError (nothing is changed). */
export function applyLdapPatch(current: LdapSettings, patch: Record<string, unknown>): LdapSettings {
  const unknown = Object.keys(patch).filter((k) => !(LDAP_SETTING_KEYS as readonly string[]).includes(k));
  if (unknown.length) throw new LdapSettingsError(`unknown LDAP setting(s): ${unknown.map((k) => k.slice(0, 80)).join(', ')} (known: ${LDAP_SETTING_KEYS.join(', ')})`);
  const next: LdapSettings = { ...current, AUTH_ROLES_MAPPING: { ...current.AUTH_ROLES_MAPPING } };
  if ('AUTH_TYPE' in patch) {
    if (patch.AUTH_TYPE !== 'DB' && patch.AUTH_TYPE !== 'LDAP') throw new LdapSettingsError("AUTH_TYPE must be 'DB' or 'LDAP'");
    next.AUTH_TYPE = patch.AUTH_TYPE;
  }
  if ('AUTH_LDAP_SERVER' in patch) next.AUTH_LDAP_SERVER = checkServer(patch.AUTH_LDAP_SERVER);
  for (const key of BOOLEAN_KEYS) {
    if (!(key in patch)) continue;
    if (typeof patch[key] !== 'boolean') throw new LdapSettingsError(`${key} must be true or false`);
    next[key] = patch[key] as boolean;
  }
  for (const key of TEXT_KEYS) if (key in patch) next[key] = text(key, patch[key]);
  for (const key of ATTRIBUTE_KEYS) {
    if (!(key in patch)) continue;
    const value = text(key, patch[key], 128);
    if (!ATTRIBUTE.test(value)) throw new LdapSettingsError(`${key}: '${value.slice(0, 80)}' is not an LDAP attribute name`);
    next[key] = value;
  }
  if (next.AUTH_LDAP_SEARCH_FILTER !== '' && !/^\(.*\)$/.test(next.AUTH_LDAP_SEARCH_FILTER)) throw new LdapSettingsError('AUTH_LDAP_SEARCH_FILTER must be a parenthesised LDAP filter, e.g. (objectClass=person)');
  if ('AUTH_ROLES_MAPPING' in patch) next.AUTH_ROLES_MAPPING = checkMapping(patch.AUTH_ROLES_MAPPING);
  if ('AUTH_USER_REGISTRATION_ROLE' in patch) next.AUTH_USER_REGISTRATION_ROLE = checkRole('AUTH_USER_REGISTRATION_ROLE', patch.AUTH_USER_REGISTRATION_ROLE);
  if ('AUTH_LDAP_TIMEOUT' in patch) {
    const t = patch.AUTH_LDAP_TIMEOUT;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 1 || t > 120) throw new LdapSettingsError('AUTH_LDAP_TIMEOUT must be a number of seconds from 1 to 120');
    next.AUTH_LDAP_TIMEOUT = t;
  }
  if (next.AUTH_TYPE === 'LDAP') {
    if (!next.AUTH_LDAP_SERVER) throw new LdapSettingsError('AUTH_TYPE LDAP needs AUTH_LDAP_SERVER');
    if (!next.AUTH_LDAP_SEARCH) throw new LdapSettingsError('AUTH_TYPE LDAP needs AUTH_LDAP_SEARCH (the base DN users are searched under)');
  }
  return next;
}

export class LdapSettingsStore {
  constructor(
    private readonly blobs: BlobStore,
    private readonly cipher: SecretCipher,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async read(): Promise<StoredLdapSettings | undefined> {
    const body = await this.blobs.get(KEY);
    if (!body) return undefined;
    return { ...DEFAULT_LDAP_SETTINGS, ...(JSON.parse(body.toString('utf8')) as Partial<StoredLdapSettings>) } as StoredLdapSettings;
  }

  async view(): Promise<PublicLdapSettings> {
    return publicLdapView(await this.read());
  }

  /** Checks and stores a change whole; throws LdapSettingsError and stores nothing when any key is wrong. */
  async update(patch: Record<string, unknown>): Promise<PublicLdapSettings> {
    const stored = await this.read();
    const { bind_password: sealed, updated_at: _at, ...current } = stored ?? { ...DEFAULT_LDAP_SETTINGS, updated_at: '' };
    const next = applyLdapPatch(current, patch);
    let password = sealed;
    if ('AUTH_LDAP_BIND_PASSWORD' in patch) {
      const given = patch.AUTH_LDAP_BIND_PASSWORD;
      if (given === null || given === '') password = undefined;
      else password = this.cipher.encrypt(text('AUTH_LDAP_BIND_PASSWORD', given), BIND_PASSWORD_CONTEXT);
    }
    if (next.AUTH_TYPE === 'LDAP' && next.AUTH_LDAP_BIND_USER && !password) throw new LdapSettingsError('AUTH_LDAP_BIND_USER is set but AUTH_LDAP_BIND_PASSWORD is not');
    const record: StoredLdapSettings = { ...next, ...(password ? { bind_password: password } : {}), updated_at: this.clock().toISOString() };
    await this.blobs.put(KEY, JSON.stringify(record, null, 2), { contentType: 'application/json' });
    return publicLdapView(record);
  }

  /** The settings a sign-in uses (bind password opened), or undefined when LDAP is off. */
  async active(): Promise<(LdapSettings & { bindPassword: string }) | undefined> {
    const stored = await this.read();
    if (!stored || stored.AUTH_TYPE !== 'LDAP') return undefined;
    const { bind_password: sealed, updated_at: _at, ...settings } = stored;
    return { ...settings, bindPassword: sealed ? this.cipher.decrypt(sealed, BIND_PASSWORD_CONTEXT) : '' };
  }
}

export function publicLdapView(stored: StoredLdapSettings | undefined): PublicLdapSettings {
  if (!stored) return { ...DEFAULT_LDAP_SETTINGS, AUTH_LDAP_BIND_PASSWORD_SET: false, updated_at: null };
  const { bind_password: sealed, ...rest } = stored;
  return { ...rest, AUTH_LDAP_BIND_PASSWORD_SET: sealed !== undefined };
}

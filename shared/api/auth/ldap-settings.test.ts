/** LDAP settings: every key checked, a bad change stores nothing, the bind password sealed and write-only (API and store). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../../local/stores/fs-blob-store.js';
import { AesGcmCipher, generateSecretKey } from '../secrets/cipher.js';
import { call, createHarness, type Harness } from '../test-support.js';
import { escapeFilterValue, ldapRoles, normalizeDn } from './ldap.js';
import { applyLdapPatch, DEFAULT_LDAP_SETTINGS, LdapSettingsError, LdapSettingsStore } from './ldap-settings.js';

describe('applyLdapPatch', () => {
  const base = DEFAULT_LDAP_SETTINGS;
  it.each([
    [{ AUTH_LDAP_SERVER: 'http://ldap.example.com' }, /ldap:\/\/ or ldaps:\/\//],
    [{ AUTH_LDAP_SERVER: 'ldap://user:pw@ldap.example.com' }, /must not carry credentials/],
    [{ AUTH_TYPE: 'OAUTH' }, /'DB' or 'LDAP'/],
    [{ AUTH_TYPE: 'LDAP', AUTH_LDAP_SERVER: 'ldap://h' }, /needs AUTH_LDAP_SEARCH/],
    [{ AUTH_TYPE: 'LDAP', AUTH_LDAP_SEARCH: 'dc=x' }, /needs AUTH_LDAP_SERVER/],
    [{ AUTH_LDAP_UID_FIELD: 'uid)(objectClass=*' }, /not an LDAP attribute name/],
    [{ AUTH_LDAP_SEARCH_FILTER: 'objectClass=person' }, /parenthesised/],
    [{ AUTH_LDAP_SEARCH: 'dc=x\ndc=y' }, /control characters/],
    [{ AUTH_ROLES_MAPPING: { 'cn=ops,dc=x': 'Op' } }, /non-empty list of role names/],
    [{ AUTH_ROLES_MAPPING: { 'cn=ops,dc=x': ['Op<script>'] } }, /not a role name/],
    [{ AUTH_USER_REGISTRATION: 'yes' }, /true or false/],
    [{ AUTH_LDAP_TIMEOUT: 0 }, /1 to 120/],
    [{ AUTH_LDAP_PASSWORD_HASH: 'x' }, /unknown LDAP setting/],
  ])('refuses %j', (patch, message) => {
    expect(() => applyLdapPatch(base, patch)).toThrow(LdapSettingsError);
    expect(() => applyLdapPatch(base, patch)).toThrow(message);
  });

  it('takes the Flask-AppBuilder keys the Couture manual lists', () => {
    const next = applyLdapPatch(base, {
      AUTH_TYPE: 'LDAP',
      AUTH_LDAP_SERVER: 'ldaps://ldap.example.com:636',
      AUTH_LDAP_SEARCH: 'ou=people,dc=example,dc=com',
      AUTH_LDAP_UID_FIELD: 'sAMAccountName',
      AUTH_LDAP_ALLOW_SELF_SIGNED: true,
      AUTH_USER_REGISTRATION: true,
      AUTH_USER_REGISTRATION_ROLE: 'Viewer',
      AUTH_ROLES_MAPPING: { 'cn=ops,dc=example,dc=com': ['Op'] },
    });
    expect(next).toMatchObject({ AUTH_TYPE: 'LDAP', AUTH_LDAP_UID_FIELD: 'sAMAccountName', AUTH_LDAP_GROUP_FIELD: 'memberOf', AUTH_USER_REGISTRATION_ROLE: 'Viewer' });
  });
});

describe('LDAP helpers', () => {
  it('escapes filter values (RFC 4515) so a username cannot widen the search', () => {
    expect(escapeFilterValue('*')).toBe('\\2a');
    expect(escapeFilterValue('a)(uid=*')).toBe('a\\29\\28uid=\\2a');
    expect(escapeFilterValue('back\\slash\u0000')).toBe('back\\5cslash\\00');
  });

  it('maps groups to roles ignoring DN case and spacing, adding the registration role as FAB does', () => {
    const settings = { ...DEFAULT_LDAP_SETTINGS, AUTH_ROLES_MAPPING: { 'cn=ops, dc=example,dc=org': ['Op'], 'cn=viewers,dc=example,dc=org': ['Viewer'] } };
    expect(normalizeDn('CN=Ops, DC=Example,DC=org')).toBe('cn=ops,dc=example,dc=org');
    expect(ldapRoles(settings, ['CN=Ops,DC=example,DC=org'])).toEqual(['Op']);
    expect(ldapRoles({ ...settings, AUTH_USER_REGISTRATION: true, AUTH_USER_REGISTRATION_ROLE: 'Public' }, [])).toEqual(['Public']);
  });
});

describe('LDAP settings API', () => {
  let dir: string;
  let h: Harness;
  let settings: LdapSettingsStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-ldap-settings-'));
    settings = new LdapSettingsStore(new FsBlobStore(dir), new AesGcmCipher(generateSecretKey()));
    h = await createHarness({ seed: false, config: { ldap: settings } });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const admin = (method: string, body?: unknown) => call(h, method, '/api/v1/ldapSettings', { token: h.tokens.Admin, ...(body === undefined ? {} : { body }) });
  const CONFIG = { AUTH_TYPE: 'LDAP', AUTH_LDAP_SERVER: 'ldap://ldap.example.com', AUTH_LDAP_SEARCH: 'ou=people,dc=example,dc=com', AUTH_LDAP_BIND_USER: 'cn=admin,dc=example,dc=com', AUTH_LDAP_BIND_PASSWORD: 'bind-s3cret' };

  it('shows the defaults, takes a change, and never returns, stores in clear or audits the bind password', async () => {
    expect((await admin('GET')).json).toMatchObject({ AUTH_TYPE: 'DB', AUTH_LDAP_BIND_PASSWORD_SET: false, updated_at: null });
    const patched = await admin('PATCH', CONFIG);
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ AUTH_TYPE: 'LDAP', AUTH_LDAP_BIND_USER: 'cn=admin,dc=example,dc=com', AUTH_LDAP_BIND_PASSWORD_SET: true });
    expect(patched.json).not.toHaveProperty('AUTH_LDAP_BIND_PASSWORD');
    const shown = await admin('GET');
    const audit = await call(h, 'GET', '/api/v1/eventLogs?limit=100', { token: h.tokens.Admin });
    expect(audit.text).toContain('ldap_settings.update');
    const stored = readFileSync(join(dir, 'auth', 'ldap.json'), 'utf8');
    for (const text of [patched.text, shown.text, audit.text, stored]) expect(text).not.toContain('bind-s3cret');
    expect((await settings.active())?.bindPassword).toBe('bind-s3cret');
    // Changing another key keeps the password; null clears it (and then the bind user has none: refused).
    expect((await admin('PATCH', { AUTH_USER_REGISTRATION: true })).json).toMatchObject({ AUTH_LDAP_BIND_PASSWORD_SET: true, AUTH_USER_REGISTRATION: true });
    expect((await admin('PATCH', { AUTH_LDAP_BIND_PASSWORD: null })).status).toBe(400);
    expect((await admin('PATCH', { AUTH_LDAP_BIND_USER: '', AUTH_LDAP_BIND_PASSWORD: null })).json).toMatchObject({ AUTH_LDAP_BIND_PASSWORD_SET: false });
  });

  it('refuses bad input with a 400 that changes nothing', async () => {
    await admin('PATCH', CONFIG);
    const before = await admin('GET');
    for (const body of [{ AUTH_LDAP_SERVER: 'http://evil' }, { AUTH_ROLES_MAPPING: { g: [] } }, { AUTH_TYPE: 'LDAP', AUTH_LDAP_SEARCH: '' }, { NOT_A_KEY: 1 }]) {
      const refused = await admin('PATCH', body);
      expect(refused.status).toBe(400);
    }
    expect((await admin('GET')).json).toEqual(before.json);
  });

  it('is for Admins only', async () => {
    for (const role of ['Op', 'User', 'Viewer'] as const) {
      expect((await call(h, 'GET', '/api/v1/ldapSettings', { token: h.tokens[role] })).status).toBe(403);
      expect((await call(h, 'PATCH', '/api/v1/ldapSettings', { token: h.tokens[role], body: { AUTH_TYPE: 'DB' } })).status).toBe(403);
    }
    expect((await call(h, 'GET', '/api/v1/ldapSettings')).status).toBe(401);
  });
});

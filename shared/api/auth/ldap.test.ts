/**
 * LDAP sign-in end to end against a real OpenLDAP (Debian's slapd, started per suite in a temporary
 * directory): bind + search + bind as the user, group → role mapping, self-registration, role sync,
 * LDAPS with a self-signed certificate, and the refusals (wrong or empty password, a user outside the
 * search base, filter injection, no registration, a wrong bind account, the server down — with no
 * fallback for directory users while local users keep signing in).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../../local/stores/fs-blob-store.js';
import { freePort } from '../../../test/helpers/free-port.js';
import { describeWhen } from '../../../test/helpers/optional-suites.js';
import { slapdRequirement, startSlapd, type Slapd } from '../../../test/helpers/slapd.js';
import { AesGcmCipher, generateSecretKey } from '../secrets/cipher.js';
import { call, createHarness, PASSWORD, USERS, type Harness } from '../test-support.js';
import { LdapSettingsStore } from './ldap-settings.js';

const SEED = (suffix: string) => `dn: ${suffix}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,${suffix}
objectClass: organizationalUnit
ou: people

dn: ou=contractors,${suffix}
objectClass: organizationalUnit
ou: contractors

dn: ou=services,${suffix}
objectClass: organizationalUnit
ou: services

dn: cn=reader,ou=services,${suffix}
objectClass: inetOrgPerson
cn: reader
sn: reader
userPassword: reader-pw

dn: uid=alice,ou=people,${suffix}
objectClass: inetOrgPerson
uid: alice
cn: Alice Liddell
givenName: Alice
sn: Liddell
mail: alice@example.org
userPassword: alice-pw

dn: uid=bob,ou=people,${suffix}
objectClass: inetOrgPerson
uid: bob
cn: Bob Builder
givenName: Bob
sn: Builder
mail: bob@example.org
userPassword: bob-pw

dn: uid=carol,ou=contractors,${suffix}
objectClass: inetOrgPerson
uid: carol
cn: Carol C
sn: C
userPassword: carol-pw

dn: cn=ops,${suffix}
objectClass: groupOfNames
cn: ops
member: uid=alice,ou=people,${suffix}

dn: cn=analysts,${suffix}
objectClass: groupOfNames
cn: analysts
member: uid=bob,ou=people,${suffix}
`;

describeWhen('LDAP sign-in against slapd', slapdRequirement(), () => {
  let slapd: Slapd;
  let dir: string;
  let h: Harness;
  let settings: LdapSettingsStore;

  beforeAll(async () => {
    slapd = await startSlapd({ tls: true });
    slapd.add(SEED(slapd.suffix));
  }, 60_000);
  afterAll(async () => slapd?.stop());

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-ldap-'));
    settings = new LdapSettingsStore(new FsBlobStore(dir), new AesGcmCipher(generateSecretKey()));
    // Refusals are many here: keep the sign-in throttle out of the way.
    h = await createHarness({ seed: false, config: { ldap: settings, signInPolicy: { maxFailures: 1000 } } });
    await configure({});
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function configure(patch: Record<string, unknown>): Promise<void> {
    const response = await call(h, 'PATCH', '/api/v1/ldapSettings', {
      token: h.tokens.Admin,
      body: {
        AUTH_TYPE: 'LDAP',
        AUTH_LDAP_SERVER: slapd.url,
        AUTH_LDAP_BIND_USER: `cn=reader,ou=services,${slapd.suffix}`,
        AUTH_LDAP_BIND_PASSWORD: 'reader-pw',
        AUTH_LDAP_SEARCH: `ou=people,${slapd.suffix}`,
        AUTH_LDAP_UID_FIELD: 'uid',
        AUTH_ROLES_MAPPING: { [`cn=ops,${slapd.suffix}`]: ['Op'], [`cn=analysts,${slapd.suffix}`]: ['User'] },
        AUTH_USER_REGISTRATION: true,
        AUTH_USER_REGISTRATION_ROLE: 'Viewer',
        AUTH_LDAP_TIMEOUT: 5,
        ...patch,
      },
    });
    if (response.status !== 200) throw new Error(`configure: ${response.status} ${response.text}`);
  }

  const login = (username: string, password: string) => call(h, 'POST', '/api/v1/auth/login', { body: { username, password } });

  it('signs a directory user in, registers them with the mapped roles and the registration role, and the token works', async () => {
    const response = await login('alice', 'alice-pw');
    expect(response.status).toBe(200);
    const user = await h.store.getUser('alice');
    expect(user).toMatchObject({ username: 'alice', email: 'alice@example.org', first_name: 'Alice', last_name: 'Liddell', roles: ['Op', 'Viewer'], auth_source: 'ldap', password_hash: '' });
    const me = await call(h, 'GET', '/api/v1/auth/me', { token: response.json.access_token });
    expect(me.json).toMatchObject({ username: 'alice', roles: [{ name: 'Op' }, { name: 'Viewer' }] });
    expect(me.json.permissions).toContain('read:connections');
    // HTTP Basic goes through the same sign-in.
    expect((await call(h, 'GET', '/api/v1/auth/me', { basic: ['alice', 'alice-pw'] })).json).toMatchObject({ username: 'alice' });
    // Signing in again changes nothing, so the first token stays valid.
    expect((await login('alice', 'alice-pw')).status).toBe(200);
    expect((await call(h, 'GET', '/api/v1/auth/me', { token: response.json.access_token })).status).toBe(200);
  });

  it('refuses a wrong password, an empty password, a user outside the search base, unknown users and filter injection', async () => {
    for (const [username, password] of [
      ['alice', 'wrong'],
      ['alice', ''],
      ['carol', 'carol-pw'],
      ['nobody', 'x'],
      ['*', 'alice-pw'],
      ['alice)(uid=*', 'alice-pw'],
    ] as const) {
      const response = await login(username, password);
      expect([username, response.status]).toEqual([username, 401]);
    }
    expect(await h.store.getUser('carol')).toBeUndefined();
    const audit = await call(h, 'GET', '/api/v1/eventLogs?event=login.failed&limit=100', { token: h.tokens.Admin });
    expect(audit.json.total_entries).toBeGreaterThanOrEqual(6);
    expect(audit.text).not.toMatch(/alice-pw|carol-pw/);
  });

  it('without self-registration refuses unknown directory users, and syncs roles at sign-in when asked', async () => {
    await configure({ AUTH_USER_REGISTRATION: false });
    expect((await login('bob', 'bob-pw')).status).toBe(401);
    expect(await h.store.getUser('bob')).toBeUndefined();

    await configure({ AUTH_USER_REGISTRATION: true });
    expect((await login('bob', 'bob-pw')).status).toBe(200);
    expect((await h.store.getUser('bob'))!.roles).toEqual(['User', 'Viewer']);
    // An Admin widens bob's roles by hand: kept without sync, replaced by the mapping with sync.
    await h.store.putUser({ ...(await h.store.getUser('bob'))!, roles: ['Admin'] });
    expect((await login('bob', 'bob-pw')).status).toBe(200);
    expect((await h.store.getUser('bob'))!.roles).toEqual(['Admin']);
    await configure({ AUTH_ROLES_SYNC_AT_LOGIN: true });
    expect((await login('bob', 'bob-pw')).status).toBe(200);
    expect((await h.store.getUser('bob'))!.roles).toEqual(['User', 'Viewer']);
    // A disabled directory user stays out even with the right password.
    await h.store.putUser({ ...(await h.store.getUser('bob'))!, active: false });
    expect((await login('bob', 'bob-pw')).status).toBe(401);
  });

  it('keeps local users signing in with their local password, and never lets the directory take a local name over', async () => {
    expect((await login(USERS.Admin, PASSWORD)).status).toBe(200);
    // A local user is never checked against the directory, whatever the directory says about that name.
    slapd.add(`dn: uid=${USERS.Op},ou=people,${slapd.suffix}\nobjectClass: inetOrgPerson\nuid: ${USERS.Op}\ncn: x\nsn: x\nuserPassword: directory-pw\n`);
    expect((await login(USERS.Op, 'directory-pw')).status).toBe(401);
    expect((await h.store.getUser(USERS.Op))!.auth_source).toBeUndefined();
    expect((await login(USERS.Op, PASSWORD)).status).toBe(200);
  });

  it('answers 503 when the bind account is refused, without telling the user their password is wrong', async () => {
    await configure({ AUTH_LDAP_BIND_PASSWORD: 'not-the-reader-password' });
    const response = await login('alice', 'alice-pw');
    expect(response.status).toBe(503);
    expect(response.json.detail).toMatch(/bind user .* was refused.*AUTH_LDAP_BIND_PASSWORD/);
    expect(response.text).not.toContain('not-the-reader-password');
  });

  it('speaks LDAPS and StartTLS: a self-signed certificate is refused unless AUTH_LDAP_ALLOW_SELF_SIGNED', async () => {
    await configure({ AUTH_LDAP_SERVER: slapd.tlsUrl });
    const refused = await login('alice', 'alice-pw');
    expect(refused.status).toBe(503);
    expect(refused.json.detail).toMatch(/TLS .*AUTH_LDAP_ALLOW_SELF_SIGNED/);
    await configure({ AUTH_LDAP_SERVER: slapd.tlsUrl, AUTH_LDAP_ALLOW_SELF_SIGNED: true });
    expect((await login('alice', 'alice-pw')).status).toBe(200);
    // StartTLS on the plain port (AUTH_LDAP_USE_TLS): the same rule.
    await configure({ AUTH_LDAP_USE_TLS: true, AUTH_LDAP_ALLOW_SELF_SIGNED: false });
    expect((await login('alice', 'alice-pw')).status).toBe(503);
    await configure({ AUTH_LDAP_USE_TLS: true, AUTH_LDAP_ALLOW_SELF_SIGNED: true });
    expect((await login('alice', 'alice-pw')).status).toBe(200);
  });

  it('with the server down: a clear 503 for directory users (no local fallback), local users unaffected', async () => {
    expect((await login('alice', 'alice-pw')).status).toBe(200);
    // A port nobody listens on stands for the server being down (the suite's slapd keeps serving the others).
    const port = await freePort();
    await configure({ AUTH_LDAP_SERVER: `ldap://127.0.0.1:${port}` });
    const down = await login('alice', 'alice-pw');
    expect(down.status).toBe(503);
    expect(down.json.detail).toMatch(/cannot be reached/);
    expect((await call(h, 'GET', '/api/v1/auth/me', { basic: ['alice', 'alice-pw'] })).status).toBe(503);
    expect((await login(USERS.Admin, PASSWORD)).status).toBe(200);
    const audit = await call(h, 'GET', '/api/v1/eventLogs?event=login.failed&limit=100', { token: h.tokens.Admin });
    expect(audit.json.total_entries).toBe(1);
  });

  it('turned off (AUTH_TYPE DB), directory users cannot sign in at all', async () => {
    expect((await login('alice', 'alice-pw')).status).toBe(200);
    await configure({ AUTH_TYPE: 'DB' });
    expect((await login('alice', 'alice-pw')).status).toBe(401);
    expect((await login('alice', '')).status).toBe(401);
  });
});

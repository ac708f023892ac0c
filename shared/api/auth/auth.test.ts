/** Login, bearer and Basic authentication, token lifetime and invalidation, the first admin, password hashing. */
import { MemoryMetadataStore } from '../../../local/stores/memory-metadata.js';
import { PASSWORD, T0, USERS, call, createHarness, type Harness } from '../test-support.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { TokenService } from './tokens.js';
import { bootstrapAdmin } from './users.js';

async function login(h: Harness, username: string, password: string, sourceIp = '192.0.2.10') {
  return call(h, 'POST', '/api/v1/auth/login', { body: { username, password }, sourceIp });
}

describe('POST /api/v1/auth/login', () => {
  it('returns a bearer JWT that authenticates later requests', async () => {
    const h = await createHarness();
    const res = await login(h, USERS.Viewer, PASSWORD);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 12 * 3600 });
    expect(res.headers['cache-control']).toBe('no-store');
    const dags = await call(h, 'GET', '/api/v1/dags', { token: res.json.access_token });
    expect(dags.status).toBe(200);
    expect(dags.json.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual(['etl']);
    expect((await h.store.getUser(USERS.Viewer))?.last_login).toBe(h.clock.fn().toISOString());
  });

  it('answers unknown users, disabled users and wrong passwords with the same generic 401', async () => {
    const h = await createHarness();
    const viewer = (await h.store.getUser(USERS.Viewer))!;
    await h.store.putUser({ ...viewer, username: 'disabled', active: false });
    const answers = [await login(h, 'nobody', PASSWORD), await login(h, 'disabled', PASSWORD), await login(h, USERS.Viewer, 'wrong-password')];
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.json).toMatchObject({ status: 401, title: 'Unauthorized', detail: 'Invalid username or password', instance: '/api/v1/auth/login' });
      expect(res.json.access_token).toBeUndefined();
    }
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
  });

  it('audits successes and failures with user and source IP, never the password', async () => {
    const h = await createHarness();
    await login(h, USERS.Op, PASSWORD, '198.51.100.1');
    await login(h, USERS.Op, 'Sup3r-Secret-Guess', '198.51.100.2');
    const log = (await h.store.listAuditLog()).items;
    const ok = log.find((a) => a.event === 'login')!;
    const failed = log.find((a) => a.event === 'login.failed')!;
    expect(ok).toMatchObject({ owner: USERS.Op, source_ip: '198.51.100.1' });
    expect(failed).toMatchObject({ owner: USERS.Op, source_ip: '198.51.100.2' });
    expect(JSON.parse(failed.extra!)).toMatchObject({ status: 401, body: { username: USERS.Op } });
    for (const a of log) {
      expect(a.extra).not.toContain(PASSWORD);
      expect(a.extra).not.toContain('Sup3r-Secret-Guess');
    }
  });

  it('validates the body: missing password → 400 naming the field, malformed JSON → 400', async () => {
    const h = await createHarness();
    const missing = await call(h, 'POST', '/api/v1/auth/login', { body: { username: 'x' } });
    expect(missing.status).toBe(400);
    expect(missing.json.detail).toContain("'password' is required");
    const malformed = await call(h, 'POST', '/api/v1/auth/login', { rawBody: '{"username": "x", "password": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.json.detail).toMatch(/^request body is not valid JSON/);
  });
});

describe('bearer tokens', () => {
  it('expire after 12 hours', async () => {
    const h = await createHarness();
    const token = (await login(h, USERS.Viewer, PASSWORD)).json.access_token as string;
    h.clock.advance(11 * 3600_000);
    expect((await call(h, 'GET', '/api/v1/dags', { token })).status).toBe(200);
    h.clock.advance(2 * 3600_000);
    const expired = await call(h, 'GET', '/api/v1/dags', { token });
    expect(expired.status).toBe(401);
    expect(expired.json.detail).toMatch(/Invalid or expired credentials/);
  });

  it('are refused when tampered with, signed with another key, or for a deleted/disabled user', async () => {
    const h = await createHarness();
    const token = h.tokens.Viewer;
    const [head, payload, sig] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: USERS.Admin })).toString('base64url');
    expect((await call(h, 'GET', '/api/v1/users', { token: `${head}.${forged}.${sig}` })).status).toBe(401);
    const other = await new TokenService(Buffer.alloc(32, 9), h.clock.fn).issue(USERS.Admin, T0.toISOString());
    expect((await call(h, 'GET', '/api/v1/users', { token: other.access_token })).status).toBe(401);
    const noneAlg = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect((await call(h, 'GET', '/api/v1/dags', { token: noneAlg })).status).toBe(401);
    await h.store.deleteUser(USERS.Viewer);
    expect((await call(h, 'GET', '/api/v1/dags', { token })).status).toBe(401);
    const user = (await h.store.getUser(USERS.User))!;
    await h.store.putUser({ ...user, active: false });
    expect((await call(h, 'GET', '/api/v1/dags', { token: h.tokens.User })).status).toBe(401);
  });

  it('issued before a password change are refused', async () => {
    const h = await createHarness();
    const token = h.tokens.Viewer;
    h.clock.advance(5000);
    const changed = await call(h, 'PATCH', `/api/v1/users/${USERS.Viewer}?update_mask=password`, { token: h.tokens.Admin, body: { password: 'a-brand-new-password' } });
    expect(changed.status).toBe(200);
    expect((await call(h, 'GET', '/api/v1/dags', { token })).status).toBe(401);
    expect((await login(h, USERS.Viewer, PASSWORD)).status).toBe(401);
    const fresh = await login(h, USERS.Viewer, 'a-brand-new-password');
    expect((await call(h, 'GET', '/api/v1/dags', { token: fresh.json.access_token })).status).toBe(200);
  });

  it('a missing or foreign Authorization header is a 401 with a WWW-Authenticate challenge', async () => {
    const h = await createHarness();
    const none = await call(h, 'GET', '/api/v1/dags');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="skydag"');
    expect(none.json.detail).toMatch(/Authentication is required/);
    const digest = await call(h, 'GET', '/api/v1/dags', { headers: { authorization: 'Digest abc' } });
    expect(digest.status).toBe(401);
    expect(digest.json.detail).toMatch(/Unsupported authorization scheme/);
  });
});

describe('HTTP Basic', () => {
  it('is accepted in local mode and checks the password', async () => {
    const h = await createHarness();
    expect((await call(h, 'GET', '/api/v1/dags', { basic: [USERS.Viewer, PASSWORD] })).status).toBe(200);
    // Cached verification must not let a wrong password through.
    expect((await call(h, 'GET', '/api/v1/dags', { basic: [USERS.Viewer, PASSWORD] })).status).toBe(200);
    expect((await call(h, 'GET', '/api/v1/dags', { basic: [USERS.Viewer, 'nope-nope-nope'] })).status).toBe(401);
    expect((await call(h, 'GET', '/api/v1/dags', { basic: ['ghost', PASSWORD] })).status).toBe(401);
    expect((await call(h, 'GET', '/api/v1/dags', { headers: { authorization: 'Basic !!!not-base64' } })).status).toBe(401);
    expect((await call(h, 'GET', '/api/v1/variables', { basic: [USERS.Viewer, PASSWORD] })).status).toBe(403);
  });

  it('can be turned off (cloud deployments)', async () => {
    const h = await createHarness({ config: { basicAuth: false } });
    const res = await call(h, 'GET', '/api/v1/dags', { basic: [USERS.Viewer, PASSWORD] });
    expect(res.status).toBe(401);
    expect(res.json.detail).toBe('Unsupported authorization scheme: use Bearer');
  });
});

describe('Public role', () => {
  it('can sign in but is refused everything except its own identity', async () => {
    const h = await createHarness();
    expect((await call(h, 'GET', '/api/v1/dags', { token: h.tokens.Public })).status).toBe(403);
    const me = await call(h, 'GET', '/api/v1/auth/me', { token: h.tokens.Public });
    expect(me.json).toEqual({ username: USERS.Public, roles: [{ name: 'Public' }], permissions: [], dag_permissions: { all_dags: [], dags: {} } });
  });
});

describe('bootstrapAdmin', () => {
  it('creates admin with the password from SKYDAG_ADMIN_PASSWORD and returns no password', async () => {
    const store = new MemoryMetadataStore();
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const result = await bootstrapAdmin(store, { password: 'from-the-environment' });
    expect(result).toEqual({ created: true, username: 'admin', passwordSource: 'env' });
    expect(JSON.stringify(result)).not.toContain('from-the-environment');
    const admin = (await store.getUser('admin'))!;
    expect(admin.roles).toEqual(['Admin']);
    expect(admin.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(admin.password_hash).not.toContain('from-the-environment');
    expect(await verifyPassword('from-the-environment', admin.password_hash)).toBe(true);
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
  });

  it('generates a random password when none is configured, returns it once, and a second start creates nothing', async () => {
    const store = new MemoryMetadataStore();
    const first = await bootstrapAdmin(store, {});
    expect(first.created).toBe(true);
    if (!first.created || first.passwordSource !== 'generated') throw new Error('expected a generated password');
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await verifyPassword(first.password, (await store.getUser('admin'))!.password_hash)).toBe(true);
    const again = await bootstrapAdmin(store, {});
    expect(again).toEqual({ created: false, username: 'admin' });
    expect((await store.listUsers()).total).toBe(1);
    const other = await bootstrapAdmin(new MemoryMetadataStore(), {});
    if (!other.created || other.passwordSource !== 'generated') throw new Error('expected a generated password');
    expect(other.password).not.toBe(first.password);
  });

  it('refuses a weak SKYDAG_ADMIN_PASSWORD and creates nothing', async () => {
    const store = new MemoryMetadataStore();
    await expect(bootstrapAdmin(store, { password: 'admin' })).rejects.toThrow(/SKYDAG_ADMIN_PASSWORD .*at least 8 characters/);
    expect((await store.listUsers()).total).toBe(0);
  });

  it('the bootstrapped admin can log in through the API', async () => {
    const h = await createHarness();
    for (const u of Object.values(USERS)) await h.store.deleteUser(u);
    const result = await bootstrapAdmin(h.store, { password: 'first-admin-password', clock: h.clock.fn });
    expect(result.created).toBe(true);
    expect((await login(h, 'admin', 'first-admin-password')).status).toBe(200);
  });
});

describe('password hashing', () => {
  it('uses a random salt, verifies, and rejects malformed or tampered hashes', async () => {
    const a = await hashPassword('pw-one-two-three');
    const b = await hashPassword('pw-one-two-three');
    expect(a).not.toBe(b);
    expect(await verifyPassword('pw-one-two-three', a)).toBe(true);
    expect(await verifyPassword('pw-one-two-thre', a)).toBe(false);
    expect(await verifyPassword('pw-one-two-three', undefined)).toBe(false);
    expect(await verifyPassword('pw-one-two-three', 'plain-text')).toBe(false);
    expect(await verifyPassword('pw-one-two-three', a.replace('$16384$', '$2$'))).toBe(false);
  });
});

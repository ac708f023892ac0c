/**
 * Probes of sign-in: password guessing through login and HTTP Basic is throttled per user and per
 * address (429 + Retry-After), failed Basic attempts are audited, tokens stop working the moment the
 * user changes (same millisecond included), and a lost admin password is reset from the CLI while the
 * platform runs.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../local/cli/main.js';
import { startPlatform } from '../../local/platform/platform.js';
import { PASSWORD, USERS, call, createHarness, type Harness } from '../../shared/api/test-support.js';

const WRONG = 'definitely-not-it';
const login = (h: Harness, username: string, password: string, sourceIp = '203.0.113.5') => call(h, 'POST', '/api/v1/auth/login', { body: { username, password }, sourceIp });

describe('brute force through login', () => {
  it('locks a user out after ten failures: 429 with Retry-After even for the right password, until it lapses', async () => {
    const h = await createHarness();
    // Spread over addresses: only the per-user count can stop this.
    for (let i = 0; i < 10; i++) expect((await login(h, USERS.Admin, WRONG, `198.51.100.${i}`)).status).toBe(401);
    const locked = await login(h, USERS.Admin, PASSWORD, '192.0.2.1');
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBe('30');
    expect(locked.json).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect(locked.json.detail).toMatch(/try again in 30 s/);
    h.clock.advance(30_000);
    expect((await login(h, USERS.Admin, PASSWORD, '192.0.2.1')).status).toBe(200);
  });

  it('locks an address out that guesses at many users, existing or not, and tells nothing about who exists', async () => {
    const h = await createHarness();
    const names = [USERS.Viewer, 'ghost1', USERS.Op, 'ghost2', USERS.User, 'ghost3', 'ghost4', 'ghost5', 'ghost6', 'ghost7'];
    const answers = [];
    for (const name of names) answers.push(await login(h, name, WRONG));
    expect(new Set(answers.map((a) => `${a.status} ${a.json.detail}`))).toEqual(new Set(['401 Invalid username or password']));
    expect((await login(h, USERS.Viewer, PASSWORD)).status).toBe(429); // the same address, the right password
    expect((await login(h, 'ghost8', WRONG)).status).toBe(429); // unknown users are throttled alike
    expect((await login(h, USERS.Viewer, PASSWORD, '192.0.2.77')).status).toBe(200); // another address is not
  });

  it('audits every failure and refusal as login.failed, never with the password', async () => {
    const h = await createHarness();
    for (let i = 0; i < 11; i++) await login(h, USERS.Op, WRONG);
    const audit = (await h.store.listAuditLog({ event: 'login.failed' })).items;
    expect(audit).toHaveLength(11);
    expect(audit.every((a) => a.owner === USERS.Op && a.source_ip === '203.0.113.5')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(WRONG);
  });
});

describe('brute force through HTTP Basic', () => {
  const basic = (h: Harness, username: string, password: string, sourceIp = '203.0.113.9') => call(h, 'GET', '/api/v1/dags', { basic: [username, password], sourceIp });

  it('counts with login: ten wrong Basic passwords lock the user out of both', async () => {
    const h = await createHarness();
    for (let i = 0; i < 10; i++) expect((await basic(h, USERS.Viewer, `${WRONG}${i}`)).status).toBe(401);
    const locked = await basic(h, USERS.Viewer, PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(h, USERS.Viewer, PASSWORD, '192.0.2.1')).status).toBe(429);
  });

  it('audits failed Basic attempts with the username tried and without the password', async () => {
    const h = await createHarness();
    await basic(h, USERS.User, WRONG);
    await basic(h, 'ghost', WRONG);
    const audit = (await h.store.listAuditLog({ event: 'login.failed' })).items;
    expect(audit.map((a) => a.owner).sort()).toEqual(['ghost', USERS.User].sort());
    expect(audit.every((a) => a.source_ip === '203.0.113.9' && JSON.parse(a.extra ?? '{}').body?.via === 'basic')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(WRONG);
    // A good Basic call is not a sign-in event.
    expect((await basic(h, USERS.User, PASSWORD)).status).toBe(200);
    expect((await h.store.listAuditLog({ event: 'login.failed' })).total).toBe(2);
  });
});

describe('token revocation', () => {
  it('refuses a token issued before a password change in the same millisecond', async () => {
    const h = await createHarness(); // the fake clock does not move
    const token = (await login(h, USERS.Viewer, PASSWORD)).json.access_token as string;
    expect((await call(h, 'GET', '/api/v1/dags', { token })).status).toBe(200);
    const changed = await call(h, 'PATCH', `/api/v1/users/${USERS.Viewer}?update_mask=password`, { token: h.tokens.Admin, body: { password: 'a-brand-new-password' } });
    expect(changed.status).toBe(200);
    expect((await call(h, 'GET', '/api/v1/dags', { token })).status).toBe(401);
  });

  it('refuses a token issued between two role changes in the same millisecond', async () => {
    const h = await createHarness();
    const patchRoles = (roles: string[]) =>
      call(h, 'PATCH', `/api/v1/users/${USERS.User}?update_mask=roles`, { token: h.tokens.Admin, body: { roles: roles.map((name) => ({ name })) } });
    expect((await patchRoles(['Admin'])).status).toBe(200);
    const token = (await login(h, USERS.User, PASSWORD)).json.access_token as string;
    expect((await call(h, 'GET', '/api/v1/users', { token })).status).toBe(200);
    expect((await patchRoles(['Viewer'])).status).toBe(200);
    expect((await call(h, 'GET', '/api/v1/users', { token })).status).toBe(401);
  });
});

describe('the platform over HTTP, and the users CLI while it runs', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'skydag-auth-'));
    mkdirSync(join(home, 'dags'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  async function cli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const line = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
    const previous = process.env.SKYDAG_HOME;
    process.env.SKYDAG_HOME = home;
    try {
      const code = await main(args, { out: (s) => void (out += line(s)), err: (s) => void (err += line(s)) }, { readStdin: async () => stdin });
      return { code, out, err };
    } finally {
      if (previous === undefined) delete process.env.SKYDAG_HOME;
      else process.env.SKYDAG_HOME = previous;
    }
  }

  it('throttles a brute force, and reset-password gets the admin back in and revokes old tokens', async () => {
    const platform = await startPlatform({ dagsFolder: join(home, 'dags'), home, port: 0, adminPassword: 'first-admin-password', version: 'test', log: () => undefined });
    const post = (password: string) =>
      fetch(`${platform.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    try {
      const token = ((await (await post('first-admin-password')).json()) as { access_token: string }).access_token;
      const statuses = [];
      for (let i = 0; i < 11; i++) statuses.push((await post(WRONG)).status);
      expect(statuses).toEqual([...Array<number>(10).fill(401), 429]);
      const refused = await post('first-admin-password');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // /health keeps answering while sign-ins are refused.
      expect((await fetch(`${platform.url}/api/v1/health`)).status).toBe(200);

      const reset = await cli(['users', 'reset-password', 'admin', '--password-stdin'], 'second-admin-password\n');
      expect(reset).toMatchObject({ code: 0, err: '' });
      expect(reset.out).not.toContain('second-admin-password');
      expect((await fetch(`${platform.url}/api/v1/dags`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
      expect((await post('first-admin-password')).status).toBe(401);
      expect((await post('second-admin-password')).status).toBe(200);

      const created = await cli(['users', 'create', 'carol', '--role', 'Viewer']);
      expect(created.code).toBe(0);
      const generated = /password: (\S+)/.exec(created.out)![1]!;
      const carol = await fetch(`${platform.url}/api/v1/dags`, { headers: { authorization: `Basic ${Buffer.from(`carol:${generated}`).toString('base64')}` } });
      expect(carol.status).toBe(200);
      const listed = await cli(['users', 'list', '--output', 'json']);
      expect(JSON.parse(listed.out).map((u: { username: string; roles: string[] }) => [u.username, u.roles])).toEqual([
        ['admin', ['Admin']],
        ['carol', ['Viewer']],
      ]);
      expect(listed.out).not.toMatch(/password_hash|scrypt/);
    } finally {
      await platform.close();
    }
    // With the platform stopped, the CLI opens the store itself.
    expect((await cli(['users', 'list'])).out).toMatch(/^carol\s+carol@localhost\s+Viewer/m);
  }, 60_000);
});

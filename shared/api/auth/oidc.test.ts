import { createHash, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { startFakeCognito, type FakeCognito } from '../../../test/helpers/fake-cognito.js';
import { call, createHarness, type Harness } from '../test-support.js';
import { OidcConfigError, OidcProvider, oidcSettingsFromEnv, type OidcSettings } from './oidc.js';

const REDIRECT = 'https://console.example.com/auth/callback';

function settingsFor(cognito: FakeCognito, env: Record<string, string> = {}): OidcSettings {
  return oidcSettingsFromEnv({ SKYDAG_OIDC_ISSUER: cognito.issuer, SKYDAG_OIDC_CLIENT_ID: cognito.clientId, SKYDAG_OIDC_PROVIDER_NAME: 'Cognito', ...env }) as OidcSettings;
}

/** Drives the hosted UI as the browser would: authorize → sign-in form → redirect with the code. */
async function authorize(cognito: FakeCognito, username: string, password: string, verifier: string): Promise<string> {
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({ response_type: 'code', client_id: cognito.clientId, redirect_uri: REDIRECT, state: 's1', code_challenge: challenge, code_challenge_method: 'S256', scope: 'openid' });
  const page = await fetch(`${cognito.baseUrl}/oauth2/authorize?${query}`);
  expect(page.status).toBe(200);
  const signIn = await fetch(`${cognito.baseUrl}/login`, { method: 'POST', body: new URLSearchParams({ ...Object.fromEntries(query), username, password }), redirect: 'manual' });
  expect(signIn.status).toBe(302);
  return new URL(signIn.headers.get('location')!).searchParams.get('code')!;
}

describe('OIDC settings from the environment', () => {
  it('is off without an issuer, and needs a client id with one', () => {
    expect(oidcSettingsFromEnv({})).toBeUndefined();
    expect(() => oidcSettingsFromEnv({ SKYDAG_OIDC_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc' })).toThrow(/SKYDAG_OIDC_CLIENT_ID is required/);
  });

  it('refuses a plain-http issuer except on loopback, and a malformed roles mapping', () => {
    expect(() => oidcSettingsFromEnv({ SKYDAG_OIDC_ISSUER: 'http://idp.example.com/pool', SKYDAG_OIDC_CLIENT_ID: 'c' })).toThrow(OidcConfigError);
    expect(oidcSettingsFromEnv({ SKYDAG_OIDC_ISSUER: 'http://127.0.0.1:9/pool/', SKYDAG_OIDC_CLIENT_ID: 'c' })!.issuer).toBe('http://127.0.0.1:9/pool');
    expect(() => oidcSettingsFromEnv({ SKYDAG_OIDC_ISSUER: 'https://idp.example.com', SKYDAG_OIDC_CLIENT_ID: 'c', SKYDAG_OIDC_ROLES_MAPPING: '{"a": "Admin"}' })).toThrow(/list of role names/);
    expect(() => oidcSettingsFromEnv({ SKYDAG_OIDC_ISSUER: 'https://idp.example.com', SKYDAG_OIDC_CLIENT_ID: 'c', SKYDAG_OIDC_ROLES_MAPPING: '{' })).toThrow(/not JSON/);
  });

  it('reads every setting', () => {
    const s = oidcSettingsFromEnv({
      SKYDAG_OIDC_ISSUER: 'https://idp.example.com/realms/x',
      SKYDAG_OIDC_CLIENT_ID: 'console, cli',
      SKYDAG_OIDC_GROUPS_CLAIM: 'groups',
      SKYDAG_OIDC_ROLES_MAPPING: '{"data-eng": ["Op"]}',
      SKYDAG_OIDC_DEFAULT_ROLE: 'Viewer',
      SKYDAG_OIDC_SCOPES: 'openid groups',
      SKYDAG_OIDC_TOKEN_ENDPOINT: 'https://idp.example.com/token',
    })!;
    expect(s).toMatchObject({ clientIds: ['console', 'cli'], groupsClaim: 'groups', rolesMapping: { 'data-eng': ['Op'] }, defaultRoles: ['Viewer'], scopes: ['openid', 'groups'] });
    expect(s.endpoints).toEqual({ token_endpoint: 'https://idp.example.com/token' });
  });
});

describe('OidcProvider against a Cognito user pool', () => {
  let cognito: FakeCognito;
  let provider: OidcProvider;
  beforeAll(async () => {
    cognito = await startFakeCognito({ users: { ana: { password: 'pw-ana', groups: ['Op', 'unrelated'] }, val: { password: 'pw-val', groups: [] } }, callbackUrls: [REDIRECT] });
    provider = new OidcProvider(settingsFor(cognito));
  });
  afterAll(() => cognito.close());

  it('finds the hosted UI through the discovery document', async () => {
    const config = await provider.clientConfig();
    expect(config).toEqual({
      provider_name: 'Cognito',
      client_id: cognito.clientId,
      authorization_endpoint: `${cognito.baseUrl}/oauth2/authorize`,
      end_session_endpoint: `${cognito.baseUrl}/logout`,
      scopes: ['openid', 'email', 'profile'],
    });
  });

  it("accepts the pool's access and ID tokens for this client, with the user's groups", async () => {
    expect(await provider.verify(await cognito.token('ana'))).toEqual({ username: 'ana', groups: ['Op', 'unrelated'] });
    expect(await provider.verify(await cognito.token('ana', { use: 'id' }))).toEqual({ username: 'ana', groups: ['Op', 'unrelated'] });
  });

  it('refuses tokens of another client, another issuer, another key, expired ones and refresh-use tokens', async () => {
    expect(await provider.verify(await cognito.token('ana', { clientId: 'another-client' }))).toBeUndefined();
    expect(await provider.verify(await cognito.token('ana', { use: 'id', clientId: 'another-client' }))).toBeUndefined();
    expect(await provider.verify(await cognito.token('ana', { issuer: `${cognito.baseUrl}/eu-west-1_OTHER` }))).toBeUndefined();
    expect(await provider.verify(await cognito.token('ana', { key: 'other' }))).toBeUndefined();
    expect(await provider.verify(await cognito.token('ana', { expiresIn: -120 }))).toBeUndefined();
    expect(await provider.verify(await cognito.token('ana', { use: 'refresh' }))).toBeUndefined();
    expect(await provider.verify('not-a-jwt')).toBeUndefined();
  });

  it('refuses a token signed with HS256 whatever the key (no algorithm confusion)', async () => {
    const forged = await new SignJWT({ token_use: 'access', client_id: cognito.clientId, username: 'ana', 'cognito:groups': ['Admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(cognito.issuer)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(randomBytes(32));
    expect(await provider.verify(forged)).toBeUndefined();
  });

  it('maps groups to roles: the mapping, then same-named roles, else the default role', () => {
    const mapped = new OidcProvider(settingsFor(cognito, { SKYDAG_OIDC_ROLES_MAPPING: '{"data-eng": ["Op", "analysts"]}' }));
    const exists = (name: string) => ['Op', 'Viewer', 'analysts'].includes(name);
    expect(mapped.rolesOf(['data-eng'], exists)).toEqual(['Op', 'analysts']);
    expect(mapped.rolesOf(['Viewer', 'nobody'], exists)).toEqual(['Viewer']);
    expect(mapped.rolesOf(['nobody'], exists)).toEqual(['Public']);
  });

  it('redeems a code once, only with its PKCE verifier and redirect URI, sending a public-client form', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = await authorize(cognito, 'ana', 'pw-ana', verifier);
    expect(await provider.redeem({ code, codeVerifier: randomBytes(32).toString('base64url'), redirectUri: REDIRECT })).toEqual({ problem: expect.stringContaining('invalid_grant') });

    const again = await authorize(cognito, 'ana', 'pw-ana', verifier);
    const redeemed = await provider.redeem({ code: again, codeVerifier: verifier, redirectUri: REDIRECT });
    expect(redeemed).toEqual({ accessToken: expect.any(String), expiresIn: 3600 });
    const sent = cognito.requests.filter((r) => r.path === '/oauth2/token').at(-1)!;
    expect(sent.form).toEqual({ grant_type: 'authorization_code', client_id: cognito.clientId, code: again, code_verifier: verifier, redirect_uri: REDIRECT });
    expect(await provider.redeem({ code: again, codeVerifier: verifier, redirectUri: REDIRECT })).toEqual({ problem: expect.stringContaining('invalid_grant') });
  });
});

describe('the API with a Cognito user pool', () => {
  let cognito: FakeCognito;
  let h: Harness;
  beforeAll(async () => {
    cognito = await startFakeCognito({
      users: { olga: { password: 'pw-olga', groups: ['Op'] }, vic: { password: 'pw-vic', groups: ['Viewer'] }, nobody: { password: 'pw-nobody', groups: ['strangers'] } },
      callbackUrls: [REDIRECT],
    });
    h = await createHarness({ config: { oidc: new OidcProvider(settingsFor(cognito)) } });
  });
  afterAll(() => cognito.close());

  it('tells the console how to sign in', async () => {
    const res = await call(h, 'GET', '/api/v1/auth/config');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ password_login: true, oidc: expect.objectContaining({ provider_name: 'Cognito', client_id: cognito.clientId }) });
  });

  it('signs in through the hosted UI: the code is redeemed server-side and the token works on the API', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = await authorize(cognito, 'olga', 'pw-olga', verifier);
    const redeemed = await call(h, 'POST', '/api/v1/auth/oidc/token', { body: { code, code_verifier: verifier, redirect_uri: REDIRECT } });
    expect(redeemed.status).toBe(200);
    expect(redeemed.headers['cache-control']).toBe('no-store');
    const me = await call(h, 'GET', '/api/v1/auth/me', { token: redeemed.json.access_token });
    expect(me.json).toMatchObject({ username: 'olga', roles: [{ name: 'Op' }] });
    expect(me.json.permissions).toContain('create:dag_runs');
    const audit = await h.store.listAuditLog({ limit: 100 });
    expect(audit.items.some((e) => e.event === 'login' && e.owner === 'olga')).toBe(true);
  });

  it('refuses a bad code with 401, audited as a failed login', async () => {
    const res = await call(h, 'POST', '/api/v1/auth/oidc/token', { body: { code: 'made-up', code_verifier: randomBytes(32).toString('base64url'), redirect_uri: REDIRECT } });
    expect(res.status).toBe(401);
    expect(res.json.detail).toMatch(/invalid_grant/);
    const audit = await h.store.listAuditLog({ limit: 100 });
    expect(audit.items.some((e) => e.event === 'login.failed')).toBe(true);
  });

  it('checks the roles from the groups on every route: a Viewer reads but cannot trigger', async () => {
    const viewer = await cognito.token('vic');
    expect((await call(h, 'GET', '/api/v1/dags', { token: viewer })).status).toBe(200);
    expect((await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: viewer, body: {} })).status).toBe(403);
    const op = await cognito.token('olga');
    expect((await call(h, 'POST', '/api/v1/dags/etl/dagRuns', { token: op, body: {} })).status).toBe(200);
  });

  it('gives a user with no known group only the default role (Public: nothing)', async () => {
    const token = await cognito.token('nobody');
    const me = await call(h, 'GET', '/api/v1/auth/me', { token });
    expect(me.json).toMatchObject({ username: 'nobody', roles: [{ name: 'Public' }], permissions: [] });
    expect((await call(h, 'GET', '/api/v1/dags', { token })).status).toBe(403);
  });

  it("refuses another client's token and a forged one with 401; skydag's own tokens keep working", async () => {
    expect((await call(h, 'GET', '/api/v1/dags', { token: await cognito.token('olga', { clientId: 'other' }) })).status).toBe(401);
    expect((await call(h, 'GET', '/api/v1/dags', { token: await cognito.token('olga', { key: 'other' }) })).status).toBe(401);
    expect((await call(h, 'GET', '/api/v1/dags', { token: h.tokens.Viewer })).status).toBe(200);
  });

  it('gives a group mapped to a custom role that role\'s grants', async () => {
    const mapped = await createHarness({ config: { oidc: new OidcProvider(settingsFor(cognito, { SKYDAG_OIDC_ROLES_MAPPING: '{"strangers": ["etl_readers"]}' })) } });
    const role = await call(mapped, 'POST', '/api/v1/roles', { token: mapped.tokens.Admin, body: { name: 'etl_readers', actions: [{ action: { name: 'can_read' }, resource: { name: 'DAG:etl' } }] } });
    expect(role.status).toBe(200);
    const token = await cognito.token('nobody');
    expect((await call(mapped, 'GET', '/api/v1/auth/me', { token })).json).toMatchObject({ username: 'nobody', roles: [{ name: 'etl_readers' }], dag_permissions: { dags: { etl: ['can_read'] } } });
    expect((await call(mapped, 'GET', '/api/v1/dags/etl', { token })).status).toBe(200);
  });

  it('turns password sign-in off when told, and says how to sign in instead', async () => {
    const off = await createHarness({ seed: false, config: { oidc: new OidcProvider(settingsFor(cognito)), passwordLogin: false } });
    expect((await call(off, 'GET', '/api/v1/auth/config')).json.password_login).toBe(false);
    const res = await call(off, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'correct-horse-battery' } });
    expect(res.status).toBe(403);
    expect(res.json.detail).toMatch(/sign in with Cognito/);
  });

  it('answers 404 on the code exchange when no provider is configured', async () => {
    const plain = await createHarness({ seed: false });
    expect((await call(plain, 'GET', '/api/v1/auth/config')).json).toEqual({ password_login: true, oidc: null });
    const res = await call(plain, 'POST', '/api/v1/auth/oidc/token', { body: { code: 'x', code_verifier: randomBytes(32).toString('base64url'), redirect_uri: REDIRECT } });
    expect(res.status).toBe(404);
  });
});

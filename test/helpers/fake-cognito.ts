/**
 * A Cognito user pool with its hosted UI, on 127.0.0.1 — as far as skydag uses it: the issuer's
 * discovery document and JWKS, /oauth2/authorize (a sign-in form, then a redirect with a one-time
 * code), /oauth2/token (authorization_code grant of a public client with PKCE S256 — the code is
 * bound to the client, the redirect URI and the challenge, and works once) and /logout. Tokens are
 * RS256 with Cognito's claims (`token_use`, `client_id` on access tokens, `aud` on ID tokens,
 * `cognito:groups`, `username`/`cognito:username`). Every request is recorded so tests can assert
 * what skydag sent. Cognito itself cannot run here.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export interface FakeCognitoUser {
  password: string;
  groups: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  username: string;
  scope: string;
}

export interface FakeCognito {
  /** `http://127.0.0.1:<port>/<region>_<pool>` — the tokens' `iss`. */
  issuer: string;
  baseUrl: string;
  clientId: string;
  requests: RecordedRequest[];
  users: Map<string, FakeCognitoUser>;
  /** The app client's allowed callback and sign-out URLs (add the console's once its port is known). */
  callbackUrls: string[];
  /** Signs an access token (or an ID token) as the pool would, for API tests that skip the browser flow. */
  token(username: string, options?: { use?: 'access' | 'id' | 'refresh'; clientId?: string; expiresIn?: number; issuer?: string; key?: 'pool' | 'other' }): Promise<string>;
  close(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

export async function startFakeCognito(options: { users: Record<string, FakeCognitoUser>; callbackUrls?: string[]; clientId?: string }): Promise<FakeCognito> {
  const callbackUrls = [...(options.callbackUrls ?? [])];
  const clientId = options.clientId ?? 'console-client-1234';
  const poolKeys = await generateKeyPair('RS256', { extractable: true });
  const otherKeys = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(poolKeys.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const users = new Map(Object.entries(options.users));
  const codes = new Map<string, PendingCode>();
  const requests: RecordedRequest[] = [];
  let baseUrl = '';
  let issuer = '';

  // Cognito compares callback URLs exactly.
  const callbackAllowed = (uri: string) => callbackUrls.includes(uri);

  async function sign(username: string, o: { use?: 'access' | 'id' | 'refresh'; clientId?: string; expiresIn?: number; issuer?: string; key?: 'pool' | 'other' } = {}): Promise<string> {
    const user = users.get(username);
    const use = o.use ?? 'access';
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { sub: randomUUID(), token_use: use, auth_time: now, origin_jti: randomUUID(), 'cognito:groups': user?.groups ?? [] };
    if (use === 'id') Object.assign(claims, { aud: o.clientId ?? clientId, 'cognito:username': username, email: `${username}@example.com` });
    else Object.assign(claims, { client_id: o.clientId ?? clientId, username, scope: 'openid email profile', version: 2 });
    const key: CryptoKey = o.key === 'other' ? otherKeys.privateKey : poolKeys.privateKey;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(o.issuer ?? issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + (o.expiresIn ?? 3600))
      .setJti(randomUUID())
      .sign(key);
  }

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    const form = req.method === 'POST' ? await readForm(req) : {};
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), form });
    const poolPath = new URL(issuer).pathname;

    if (url.pathname === `${poolPath}/.well-known/openid-configuration`) {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${baseUrl}/oauth2/authorize`,
        token_endpoint: `${baseUrl}/oauth2/token`,
        userinfo_endpoint: `${baseUrl}/oauth2/userInfo`,
        end_session_endpoint: `${baseUrl}/logout`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        response_types_supported: ['code', 'token'],
        code_challenge_methods_supported: ['S256'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (url.pathname === `${poolPath}/.well-known/jwks.json`) return json(res, 200, { keys: [jwk] });

    if (url.pathname === '/oauth2/authorize' && req.method === 'GET') {
      const q = Object.fromEntries(url.searchParams);
      if (q.client_id !== clientId) return json(res, 400, { error: 'invalid_request', error_description: 'unknown client' });
      if (!q.redirect_uri || !callbackAllowed(q.redirect_uri)) return json(res, 400, { error: 'redirect_mismatch' });
      if (q.response_type !== 'code' || q.code_challenge_method !== 'S256' || !q.code_challenge) return json(res, 400, { error: 'invalid_request' });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      const hidden = Object.entries(q)
        .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
        .join('');
      res.end(
        `<!doctype html><title>Sign in</title><form method="post" action="/login">${hidden}<label>Username <input name="username"></label><label>Password <input name="password" type="password"></label><button type="submit">Sign in</button></form>`,
      );
      return;
    }
    if (url.pathname === '/login' && req.method === 'POST') {
      const user = users.get(form.username ?? '');
      if (!user || user.password !== form.password) {
        res.writeHead(401, { 'content-type': 'text/html' });
        res.end('<!doctype html><p id="error">Incorrect username or password.</p>');
        return;
      }
      const code = randomBytes(18).toString('base64url');
      codes.set(code, { clientId: form.client_id!, redirectUri: form.redirect_uri!, challenge: form.code_challenge!, username: form.username!, scope: form.scope ?? '' });
      const target = new URL(form.redirect_uri!);
      target.searchParams.set('code', code);
      if (form.state) target.searchParams.set('state', form.state);
      res.writeHead(302, { location: target.toString() });
      res.end();
      return;
    }
    if (url.pathname === '/oauth2/token' && req.method === 'POST') {
      if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return json(res, 400, { error: 'invalid_request' });
      if (form.grant_type !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type' });
      const pending = codes.get(form.code ?? '');
      codes.delete(form.code ?? '');
      if (!pending) return json(res, 400, { error: 'invalid_grant' });
      if (pending.clientId !== form.client_id) return json(res, 400, { error: 'invalid_client' });
      if (pending.redirectUri !== form.redirect_uri) return json(res, 400, { error: 'invalid_grant' });
      const challenge = createHash('sha256')
        .update(form.code_verifier ?? '')
        .digest('base64url');
      if (challenge !== pending.challenge) return json(res, 400, { error: 'invalid_grant' });
      return json(res, 200, {
        access_token: await sign(pending.username, { use: 'access' }),
        id_token: await sign(pending.username, { use: 'id' }),
        refresh_token: randomBytes(32).toString('base64url'),
        token_type: 'Bearer',
        expires_in: 3600,
      });
    }
    if (url.pathname === '/logout' && req.method === 'GET') {
      const target = url.searchParams.get('logout_uri');
      if (url.searchParams.get('client_id') !== clientId || !target || !callbackAllowed(target)) return json(res, 400, { error: 'invalid_request' });
      res.writeHead(302, { location: target });
      res.end();
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    json(res, 404, { error: 'not_found' });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = `${baseUrl}/eu-west-1_FAKEPOOL`;
  return {
    issuer,
    baseUrl,
    clientId,
    requests,
    users,
    callbackUrls,
    token: sign,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * POST /auth/login (username, password) → `{access_token, token_type: 'Bearer', expires_in}`; every
 * failure is the same 401 whatever went wrong (unknown user, disabled user, bad password), and takes
 * the same time; after too many failures for the user or from the address, 429 with Retry-After
 * (auth/throttle.ts). Both outcomes are audited (`login`, `login.failed`), never with the password.
 */
import { ApiError } from '../problem.js';
import { jsonResponse } from '../http.js';
import { defineRoute } from '../route.js';
import { PERMISSIONS } from '../auth/permissions.js';
import { signInThrottled } from '../auth/throttle.js';
import { TOKEN_SCHEMA } from '../response-schemas.js';
import { LdapUnavailableError } from '../auth/ldap.js';

interface LoginBody {
  username: string;
  password: string;
}

export const INVALID_CREDENTIALS = 'Invalid username or password';

export const authRoutes = [
  defineRoute<Record<string, never>, LoginBody>({
    id: 'login',
    method: 'POST',
    path: '/api/v1/auth/login',
    access: { public: true },
    dags: 'none',
    summary: 'Exchange a username and password for a bearer token (JWT).',
    response: TOKEN_SCHEMA,
    body: {
      type: 'object',
      properties: { username: { type: 'string', minLength: 1, maxLength: 256 }, password: { type: 'string', maxLength: 1024 } },
      required: ['username', 'password'],
      additionalProperties: false,
    },
    audit: { event: 'login', extra: ({ body }) => ({ username: body?.username ?? null }) },
    async handle(ctx) {
      const { username, password } = ctx.body;
      ctx.audit.owner = username.slice(0, 256);
      if (!ctx.deps.passwordLogin) {
        ctx.audit.event = 'login.failed';
        throw new ApiError('PermissionDenied', `password sign-in is turned off here: sign in with ${ctx.deps.oidc?.settings.providerName ?? 'the sign-in provider'}`);
      }
      let outcome;
      try {
        outcome = await ctx.deps.authenticator.signIn(username, password, ctx.request.sourceIp);
      } catch (error) {
        // The directory is down (or refuses TLS, or the bind account): a 503 saying so, audited as a failed sign-in.
        if (error instanceof LdapUnavailableError) ctx.audit.event = 'login.failed';
        throw error;
      }
      if ('failure' in outcome) {
        ctx.audit.event = 'login.failed';
        if (outcome.failure === 'throttled') throw signInThrottled(outcome.retryAfterSeconds);
        throw new ApiError('Unauthenticated', INVALID_CREDENTIALS, { headers: { 'www-authenticate': 'Bearer realm="skydag"' } });
      }
      const { user } = outcome;
      // Record last_login without clobbering a concurrent change (password reset, roles): the users port
      // has no conditional update, so write only when the record is still the one just verified.
      const fresh = await ctx.deps.store.getUser(user.username);
      if (fresh && fresh.password_hash === user.password_hash && fresh.changed_on === user.changed_on) {
        await ctx.deps.store.putUser({ ...fresh, last_login: ctx.deps.clock().toISOString() });
      }
      const token = await ctx.deps.tokens.issue(user.username, user.changed_on);
      return jsonResponse(200, token, { 'cache-control': 'no-store', pragma: 'no-cache' });
    },
  }),
  defineRoute({
    id: 'get_current_user',
    method: 'GET',
    path: '/api/v1/auth/me',
    access: { permissions: [] },
    dags: 'none',
    summary: 'The signed-in user, their roles, global permissions and per-DAG actions (skydag).',
    async handle({ principal, dags }) {
      const granted = principal ? PERMISSIONS.filter((p) => principal.permissions.has(p)) : [];
      return {
        username: principal?.username ?? null,
        roles: principal?.roles.map((name) => ({ name })) ?? [],
        permissions: granted,
        // What a UI needs to show or hide DAG actions: those held on every DAG, and per DAG beyond them.
        dag_permissions: await dags.summary(),
      };
    },
  }),
];

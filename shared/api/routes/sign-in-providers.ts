/**
 * How the console signs in: GET /auth/config says whether password sign-in is on and which OpenID
 * Connect provider (Cognito's hosted UI in AWS) to send the browser to; POST /auth/oidc/token redeems
 * the provider's authorization code (PKCE) server-side and returns the provider's access token,
 * verified here before it is handed out. Both are public (they run before anyone is signed in).
 */
import type { OidcProvider } from '../auth/oidc.js';
import { ApiError } from '../problem.js';
import { jsonResponse } from '../http.js';
import { defineRoute } from '../route.js';

interface RedeemBody {
  code: string;
  code_verifier: string;
  redirect_uri: string;
}

function providerOf(ctx: { deps: { oidc: OidcProvider | null } }): OidcProvider {
  if (!ctx.deps.oidc) throw new ApiError('NotFound', 'no sign-in provider is configured (set SKYDAG_OIDC_ISSUER and SKYDAG_OIDC_CLIENT_ID)');
  return ctx.deps.oidc;
}

const AUTH_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    password_login: { type: 'boolean' },
    oidc: {
      type: ['object', 'null'],
      properties: {
        provider_name: { type: 'string' },
        client_id: { type: 'string' },
        authorization_endpoint: { type: 'string' },
        end_session_endpoint: { type: ['string', 'null'] },
        scopes: { type: 'array', items: { type: 'string' } },
      },
      required: ['provider_name', 'client_id', 'authorization_endpoint', 'end_session_endpoint', 'scopes'],
      additionalProperties: false,
    },
  },
  required: ['password_login', 'oidc'],
  additionalProperties: false,
} as const;

const TOKEN_SCHEMA = {
  type: 'object',
  properties: { access_token: { type: 'string' }, token_type: { type: 'string', enum: ['Bearer'] }, expires_in: { type: 'integer' } },
  required: ['access_token', 'token_type', 'expires_in'],
  additionalProperties: false,
} as const;

export const signInProviderRoutes = [
  defineRoute({
    id: 'get_auth_config',
    method: 'GET',
    path: '/api/v1/auth/config',
    access: { public: true },
    dags: 'none',
    summary: 'How to sign in: password sign-in on or off, and the OpenID Connect provider (skydag).',
    response: AUTH_CONFIG_SCHEMA,
    async handle({ deps }) {
      let oidc = null;
      if (deps.oidc) {
        try {
          oidc = await deps.oidc.clientConfig();
        } catch (error) {
          // The provider's discovery document is unreachable: say so rather than hide the button.
          deps.logger.error('the OIDC provider could not be discovered', error);
          throw new ApiError('Unknown', 'the sign-in provider cannot be reached; try again later');
        }
      }
      return jsonResponse(200, { password_login: deps.passwordLogin, oidc }, { 'cache-control': 'no-store' });
    },
  }),
  defineRoute<Record<string, never>, RedeemBody>({
    id: 'redeem_oidc_code',
    method: 'POST',
    path: '/api/v1/auth/oidc/token',
    access: { public: true },
    dags: 'none',
    summary: "Exchange the sign-in provider's authorization code (with its PKCE verifier) for a bearer token (skydag).",
    response: TOKEN_SCHEMA,
    body: {
      type: 'object',
      properties: {
        code: { type: 'string', minLength: 1, maxLength: 2048 },
        // RFC 7636: 43–128 characters of [A-Za-z0-9-._~].
        code_verifier: { type: 'string', pattern: '^[A-Za-z0-9._~-]{43,128}$' },
        redirect_uri: { type: 'string', minLength: 1, maxLength: 2048, pattern: '^https?://' },
      },
      required: ['code', 'code_verifier', 'redirect_uri'],
      additionalProperties: false,
    },
    audit: { event: 'login' },
    async handle(ctx) {
      const provider = providerOf(ctx);
      const redeemed = await provider.redeem({ code: ctx.body.code, codeVerifier: ctx.body.code_verifier, redirectUri: ctx.body.redirect_uri });
      const identity = 'problem' in redeemed ? undefined : await provider.verify(redeemed.accessToken);
      if ('problem' in redeemed || !identity) {
        ctx.audit.event = 'login.failed';
        throw new ApiError('Unauthenticated', 'problem' in redeemed ? redeemed.problem : 'the sign-in provider returned a token this API does not accept', {
          headers: { 'www-authenticate': 'Bearer realm="skydag"' },
        });
      }
      ctx.audit.owner = identity.username;
      return jsonResponse(200, { access_token: redeemed.accessToken, token_type: 'Bearer', expires_in: redeemed.expiresIn }, { 'cache-control': 'no-store', pragma: 'no-cache' });
    },
  }),
];

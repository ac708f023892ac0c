/**
 * createApi: the REST API as one `handle(request) → response` function, the same in Lambda and in
 * local mode. Each request goes: route match (404/405) → authentication (Bearer JWT, or HTTP Basic
 * when enabled; 401) → the route's permissions (403) → input limits and validation (413/400, see
 * limits.ts) → handler → audit record (every mutating request and login, refused ones included) →
 * RFC 7807 problem JSON for every error.
 */
import { createHash } from 'node:crypto';
import { sharedDagFileLoader, type DagFileLoader } from '../frontends/bounded.js';
import { ConditionFailedError, DagRunExistsError, ItemTooLargeError, NotFoundError } from '../stores/metadata.js';
import { buildAuditRecord } from './audit.js';
import { DagAccess, dagPermissionDenied } from './auth/dag-access.js';
import { GLOBAL_DAG_PERMISSION, dagActionOf } from './auth/permissions.js';
import type { OidcProvider } from './auth/oidc.js';
import { DEFAULT_SIGN_IN_POLICY, SignInThrottle, signInThrottled, type SignInThrottlePolicy } from './auth/throttle.js';
import { LdapUnavailableError } from './auth/ldap.js';
import { Authenticator, type AuthFailure, type Principal } from './auth/users.js';
import { DEFAULT_TOKEN_TTL_SECONDS, TokenService } from './auth/tokens.js';
import type { ApiDeps, ApiLogger } from './deps.js';
import { jsonResponse, type ApiRequest, type ApiResponse } from './http.js';
import { DEFAULT_MAX_BODY_BYTES, describeBytes, STORED_VALUE_REASON } from './limits.js';
import type { BackfillRunner, ConnectionTester, SchedulerHealth } from './ports.js';
import { ApiError, problemResponse } from './problem.js';
import { MUTATING_METHODS, type AuditNote, type Route, type RouteContext } from './route.js';
import { buildRouter, dagActionOfRoute, dagScopeOf, type Router } from './router.js';
import { WILDCARD, auditId } from './routes/common.js';
import { SecretDecryptionError, deriveKey } from './secrets/cipher.js';
import { parseJsonBody, validateBody, validateQuery } from './validation.js';

/** The ports createApi is given as they are; the rest of ApiDeps is derived or defaulted from the options below. */
export interface ApiConfig extends Pick<ApiDeps, 'store' | 'logs' | 'launcher' | 'controller' | 'dagFiles' | 'cipher' | 'spark' | 'ldap' | 'git' | 'repository' | 'eda' | 'pendingRuns' | 'timetables'> {
  /** HS256 key for bearer tokens (≥ 32 bytes), e.g. deriveKey(masterKey, 'jwt'). */
  jwtSecret: Uint8Array | string;
  clock?: () => Date;
  /** skydag's version for GET /version. */
  version: string;
  gitVersion?: string | null;
  /** Accept HTTP Basic credentials (local mode; default true). Cloud deployments turn it off. */
  basicAuth?: boolean;
  tokenTtlSeconds?: number;
  scheduler?: SchedulerHealth;
  backfill?: BackfillRunner;
  /** Enables POST /connections/test (Airflow's [core] test_connection; default disabled). */
  connectionTester?: ConnectionTester;
  logger?: ApiLogger;
  /** Airflow's [api] maximum_page_limit (default 100). */
  maxPageLimit?: number;
  /** Sign-in throttling (login and Basic); defaults: DEFAULT_SIGN_IN_POLICY. */
  signInPolicy?: Partial<SignInThrottlePolicy>;
  /** Accept tokens of this OpenID Connect provider (Cognito in AWS) besides skydag's own. */
  oidc?: OidcProvider;
  /** Accept password sign-in at POST /auth/login (default true). */
  passwordLogin?: boolean;
  /** Reads uploaded DAG files (default: the process-wide bounded loader, limits from the environment). */
  dagLoader?: DagFileLoader;
  /**
   * Origins whose browsers may call the API (Airflow's [api] access_control_allow_origins): CORS
   * headers and preflight answers for them, none for others. Default: none (same-origin only).
   */
  corsOrigins?: readonly string[];
}

export interface Api {
  handle(request: ApiRequest): Promise<ApiResponse>;
  /**
   * The same pipeline for an in-process caller that already holds the store (the local CLI, as
   * Airflow's CLI writes to its database): `principal` stands in for authentication; permissions,
   * validation and the audit record apply as for any request. Never reachable over HTTP.
   */
  handleAs(principal: Principal, request: ApiRequest): Promise<ApiResponse>;
  readonly router: Router;
  readonly deps: ApiDeps;
}

const consoleLogger: ApiLogger = { error: (message, error) => console.error(`skydag api: ${message}`, error ?? '') };

export function createApi(config: ApiConfig): Api {
  const clock = config.clock ?? (() => new Date());
  const secret = typeof config.jwtSecret === 'string' ? new TextEncoder().encode(config.jwtSecret) : config.jwtSecret;
  const tokens = new TokenService(secret, clock, config.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS);
  const deps: ApiDeps = {
    store: config.store,
    logs: config.logs,
    launcher: config.launcher,
    controller: config.controller,
    dagFiles: config.dagFiles,
    dagLoader: config.dagLoader ?? sharedDagFileLoader(),
    cipher: config.cipher,
    clock,
    version: config.version,
    gitVersion: config.gitVersion ?? null,
    scheduler: config.scheduler ?? null,
    backfill: config.backfill ?? null,
    connectionTester: config.connectionTester ?? null,
    tokens,
    authenticator: new Authenticator(config.store, tokens, new SignInThrottle(config.store, clock, { ...DEFAULT_SIGN_IN_POLICY, ...config.signInPolicy }), {
      basicAuth: config.basicAuth ?? true,
      clock,
      oidc: config.oidc,
      ldap: config.ldap,
    }),
    oidc: config.oidc ?? null,
    passwordLogin: config.passwordLogin ?? true,
    logger: config.logger ?? consoleLogger,
    maxPageLimit: config.maxPageLimit ?? 100,
    signingKey: deriveKey(secret, 'log-continuation-token'),
    ...(config.spark ? { spark: config.spark } : {}),
    ...(config.ldap ? { ldap: config.ldap } : {}),
    ...(config.git ? { git: config.git } : {}),
    ...(config.repository ? { repository: config.repository } : {}),
    ...(config.eda ? { eda: config.eda } : {}),
    ...(config.pendingRuns ? { pendingRuns: config.pendingRuns } : {}),
    ...(config.timetables ? { timetables: config.timetables } : {}),
  };
  const router = buildRouter();
  const cors = corsPolicy(config.corsOrigins ?? []);
  const handle = async (request: ApiRequest, trusted?: Principal): Promise<ApiResponse> => {
    const preflight = cors.preflight(request);
    if (preflight) return preflight;
    let response: ApiResponse;
    try {
      response = await dispatch(router, deps, request, trusted);
    } catch (error) {
      response = problemResponse(toApiError(error, deps, request), request.rawPath);
    }
    response.headers['x-content-type-options'] = 'nosniff';
    cors.decorate(request, response);
    return withEtag(request, response);
  };
  return {
    router,
    deps,
    handle: (request) => handle(request),
    handleAs: (principal, request) => handle(request, principal),
  };
}

/**
 * ETags on GETs (Airflow answers with them too): a strong hash of the answer's bytes; a request whose
 * If-None-Match names it gets 304 without a body, so pollers and caches skip unchanged answers.
 */
function withEtag(request: ApiRequest, response: ApiResponse): ApiResponse {
  if (request.method !== 'GET' || response.status !== 200 || response.body === undefined || response.cookies?.length) return response;
  const etag = `"${createHash('sha256').update(response.body).digest('base64url').slice(0, 32)}"`;
  response.headers.etag = etag;
  const wanted = request.headers['if-none-match'];
  const matches = wanted !== undefined && wanted.split(',').some((tag) => ['*', etag, `W/${etag}`].includes(tag.trim()));
  if (!matches) return response;
  const { 'content-type': _type, 'content-length': _length, ...headers } = response.headers;
  return { status: 304, headers };
}

const CORS_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const CORS_HEADERS = 'Authorization, Content-Type, If-None-Match';

/** CORS for the configured origins only (`*` allows any; credentials are bearer tokens, never cookies). */
function corsPolicy(origins: readonly string[]) {
  const allowed = (origin: string | undefined): origin is string => origin !== undefined && (origins.includes('*') || origins.includes(origin));
  return {
    preflight(request: ApiRequest): ApiResponse | undefined {
      if (request.method !== 'OPTIONS' || !request.headers['access-control-request-method']) return undefined;
      if (!allowed(request.headers.origin)) return { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8', vary: 'Origin' }, body: 'CORS: this origin is not allowed' };
      return {
        status: 204,
        headers: {
          'access-control-allow-origin': request.headers.origin,
          'access-control-allow-methods': CORS_METHODS,
          'access-control-allow-headers': CORS_HEADERS,
          'access-control-max-age': '600',
          vary: 'Origin',
        },
      };
    },
    decorate(request: ApiRequest, response: ApiResponse): void {
      if (!origins.length) return;
      response.headers.vary = response.headers.vary ? `${response.headers.vary}, Origin` : 'Origin';
      if (!allowed(request.headers.origin)) return;
      response.headers['access-control-allow-origin'] = request.headers.origin;
      response.headers['access-control-expose-headers'] = 'ETag, Retry-After, Allow';
    },
  };
}

function isApiResponse(value: unknown): value is ApiResponse {
  return typeof value === 'object' && value !== null && typeof (value as ApiResponse).status === 'number' && typeof (value as ApiResponse).headers === 'object';
}

/** The status an error will be answered with (for the audit record; no logging). */
function statusOf(error: unknown): number {
  if (error instanceof ApiError) return error.status;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof DagRunExistsError || error instanceof ConditionFailedError) return 409;
  if (error instanceof ItemTooLargeError) return 413;
  if (error instanceof LdapUnavailableError) return 503;
  return 500;
}

/** Maps anything thrown to the problem it means (unknown errors are logged, never shown). */
function toApiError(error: unknown, deps: ApiDeps, request: ApiRequest): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof NotFoundError) return new ApiError('NotFound', error.message);
  if (error instanceof DagRunExistsError) return new ApiError('AlreadyExists', error.message);
  if (error instanceof ConditionFailedError) return new ApiError('AlreadyExists', 'the resource was changed by another request at the same time; read it again and retry');
  // The request's own limits keep records under the item limit; this is the store's last word if one slipped through.
  if (error instanceof ItemTooLargeError) return new ApiError('PayloadTooLarge', `the record is too large to store: ${STORED_VALUE_REASON}; send smaller values`);
  if (error instanceof LdapUnavailableError) return new ApiError('ServiceUnavailable', `${error.message}; directory users cannot sign in until it answers`);
  if (error instanceof SecretDecryptionError) {
    deps.logger.error(`request ${request.requestId}: ${error.message}`);
    return new ApiError('Unknown', 'a stored secret cannot be decrypted with the configured secret key (was SKYDAG_SECRET_KEY or secret.key changed?)');
  }
  deps.logger.error(`request ${request.requestId} ${request.method} ${request.rawPath} failed`, error);
  return new ApiError('Unknown', `An unexpected error occurred${request.requestId ? ` (request id ${request.requestId})` : ''}; the server log has the details`);
}

const AUTH_HELP = "send 'Authorization: Bearer <token>' (from POST /api/v1/auth/login) or HTTP Basic credentials";

function unauthenticated(outcome: AuthFailure, basicAuth: boolean): ApiError {
  if (outcome.failure === 'throttled') return signInThrottled(outcome.retryAfterSeconds);
  const failure = outcome.failure;
  const detail =
    failure === 'missing'
      ? `Authentication is required: ${basicAuth ? AUTH_HELP : "send 'Authorization: Bearer <token>' (from POST /api/v1/auth/login)"}`
      : failure === 'invalid'
        ? 'Invalid or expired credentials: log in again (POST /api/v1/auth/login)'
        : `Unsupported authorization scheme: use Bearer${basicAuth ? ' or Basic' : ''}`;
  return new ApiError('Unauthenticated', detail, { headers: { 'www-authenticate': 'Bearer realm="skydag"' } });
}

async function writeAudit(deps: ApiDeps, route: Route, ctx: RouteContext, principal: Principal | null, status: number): Promise<void> {
  try {
    if (route.id === 'login' && status !== 200) ctx.audit.event = 'login.failed';
    let extra: unknown;
    if (ctx.audit.extra !== undefined) extra = ctx.audit.extra;
    else if (route.audit?.extra) extra = ctx.body === undefined ? null : route.audit.extra(ctx);
    else extra = ctx.body ?? null;
    await deps.store.appendAuditLog(buildAuditRecord(deps, ctx.request, principal, ctx.audit, status, extra));
  } catch (error) {
    // The action already happened: report the audit failure loudly, but do not turn a done change into a 500.
    deps.logger.error(`audit log write failed for ${ctx.request.method} ${ctx.request.rawPath}`, error);
  }
}

/** Validates the query and the body (size, JSON limits, schema) into ctx. */
function readInput(route: Route, ctx: RouteContext): void {
  const { request } = ctx;
  const maxBytes = route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (request.body && request.body.length > maxBytes) {
    throw new ApiError('PayloadTooLarge', `the request body is ${describeBytes(request.body.length)}; ${route.method} ${route.path} takes at most ${describeBytes(maxBytes)}`);
  }
  if (route.query) ctx.query = validateQuery(route.query, request.query);
  if (route.body && route.body !== 'raw') {
    const optional = !route.body.required?.length;
    ctx.body = validateBody(route.body, parseJsonBody(request.body, optional ? { empty: {} } : {}));
  }
}

/**
 * Per-DAG permissions, for every route in one place: the DAG a route names must allow the route's
 * DAG action (a hidden one answers 404 as if absent, a visible one 403); a route over many DAGs needs
 * the action on at least one of them, and its handler filters through ctx.dags.
 */
async function authorizeDags(route: Route, ctx: RouteContext): Promise<void> {
  const action = dagActionOfRoute(route);
  if (!action || ctx.dags.holdsGlobally(action)) return;
  const scope = dagScopeOf(route);
  const dagId = typeof scope === 'object' ? ctx.params[scope.param] : undefined;
  try {
    if (dagId !== undefined && dagId !== WILDCARD) await ctx.dags.require(dagId, action);
    else if (!(await ctx.dags.any(action))) throw dagPermissionDenied(ctx.principal, GLOBAL_DAG_PERMISSION[action]);
  } catch (error) {
    // The refusal is audited (mutating and audited routes) with what was missing, never with the body.
    ctx.audit.extra = { denied: [dagId !== undefined && dagId !== WILDCARD ? `${action} on DAG:${dagId}` : GLOBAL_DAG_PERMISSION[action]] };
    throw error;
  }
}

async function dispatch(router: Router, deps: ApiDeps, request: ApiRequest, trusted?: Principal): Promise<ApiResponse> {
  const match = router.match(request.method, request.rawPath);
  if (match.kind === 'not-found') throw new ApiError('NotFound', `No API endpoint matches ${request.method} ${request.rawPath}`);
  if (match.kind === 'method-not-allowed') {
    throw new ApiError('MethodNotAllowed', `${request.method} is not allowed on ${request.rawPath}; allowed: ${match.allowed.join(', ')}`, {
      headers: { allow: match.allowed.join(', ') },
    });
  }
  const { route, params } = match;
  // Every mutating request is audited, and the reads that declare an audit event (downloads).
  const audited = (MUTATING_METHODS.has(route.method) && !route.readOnly) || route.audit !== undefined;
  const audit: AuditNote = {
    event: route.audit?.event ?? route.id,
    dag_id: auditId(params.dag_id),
    task_id: auditId(params.task_id),
    run_id: auditId(params.dag_run_id),
  };
  const ctx: RouteContext = { request, params, query: {}, body: undefined, principal: null, dags: new DagAccess(deps.store, null), deps, audit, path: request.rawPath };

  if (!route.access.public) {
    const outcome = trusted ? { principal: trusted } : await deps.authenticator.authenticate(request.headers.authorization, request.sourceIp);
    if ('failure' in outcome) {
      // Rejected Basic credentials are a failed sign-in: audited as one, with the username tried.
      if ('basicUsername' in outcome && outcome.basicUsername !== undefined) {
        ctx.audit.event = 'login.failed';
        ctx.audit.owner = outcome.basicUsername.slice(0, 256);
        ctx.audit.extra = { via: 'basic', ...(outcome.failure === 'throttled' ? { throttled: true } : {}) };
        await writeAudit(deps, route, ctx, null, outcome.failure === 'throttled' ? 429 : 401);
      }
      throw unauthenticated(outcome, deps.authenticator.basicAuthEnabled);
    }
    ctx.principal = outcome.principal;
    ctx.dags = new DagAccess(deps.store, outcome.principal);
    // DAG-level permissions (read:dags, edit:dags, ...) may be held per DAG: authorizeDags checks them.
    const missing = route.access.permissions.filter((p) => !dagActionOf(p) && !outcome.principal.permissions.has(p));
    if (missing.length) {
      if (audited) {
        ctx.audit.extra = { denied: missing };
        await writeAudit(deps, route, ctx, ctx.principal, 403);
      }
      throw new ApiError('PermissionDenied', `You don't have the permission to perform this action: it needs ${missing.join(', ')} (your roles: ${outcome.principal.roles.join(', ') || 'none'})`);
    }
  }

  let status = 500;
  try {
    await authorizeDags(route, ctx);
    try {
      readInput(route, ctx);
    } catch (error) {
      // A refused request is audited with the reason, never with its body (it may be huge, deep or secret).
      ctx.body = undefined;
      ctx.audit.refused = error instanceof ApiError ? error.detail : 'the request could not be read';
      throw error;
    }
    const result = await route.handle(ctx);
    const response = isApiResponse(result) ? result : jsonResponse(200, result);
    status = response.status;
    return response;
  } catch (error) {
    status = statusOf(error);
    throw error;
  } finally {
    if (audited) await writeAudit(deps, route, ctx, ctx.principal, status);
  }
}
